"""A reviewer's gallery of the generated studies: one PNG per series at each lesion's key slice
(native pixels, the series' default window) and a contact sheet per case.

No Qt here: PNGs are written with zlib. No text is drawn into any image (a picture must not name
a diagnosis); the file names say series, lesion id and slice.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from cnoatlas.imaging.phantom.study import Series, Study


def write_png(path: Path, image: np.ndarray) -> None:
    """An 8-bit greyscale PNG of a 2-D uint8 array."""
    img = np.ascontiguousarray(image, dtype=np.uint8)
    rows, cols = img.shape
    raw = b"".join(b"\0" + img[r].tobytes() for r in range(rows))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def windowed(series: Series, k: int) -> np.ndarray:
    """Slice k at the series' default window, as 8-bit grey (what the viewer shows first)."""
    center, width = series.window
    lo = center - width / 2
    img = (series.pixels[k].astype(np.float32) - lo) / max(width, 1.0)
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def key_slices(study: Study) -> list[tuple[Series, str, int]]:
    """(series, lesion id, slice) for every series and lesion: the slice where the lesion's
    outline is largest; a study without lesions shows each series at its middle slice."""
    out = []
    for s in study.series:
        best: dict[str, tuple[float, int]] = {}
        for ann in study.annotations:
            if ann["series_uid"] != s.series_uid:
                continue
            geo = ann["geometry"]
            if ann["kind"] == "polygon":
                pts = np.asarray(geo["points"])
                x, y = pts[:, 0], pts[:, 1]
                area = 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
            else:
                area = float(np.prod(geo["radii"])) * np.pi
            lid = ann["lesion_id"]
            if area > best.get(lid, (-1.0, 0))[0]:
                best[lid] = (area, int(ann["slice"]))
        if not best:
            out.append((s, "mid", s.pixels.shape[0] // 2))
        out += [(s, lid, k) for lid, (_a, k) in best.items()]
    return out


def contact_sheet(images: list[np.ndarray], cell: int = 480, columns: int = 8) -> np.ndarray:
    """The images scaled down (nearest neighbour) into cells of a grid, black between them;
    cells are as tall as ``cell`` and as wide as the widest image needs at that height."""
    n = max(1, len(images))
    columns = min(columns, n)
    rows = (n + columns - 1) // columns
    wide = max(img.shape[1] / img.shape[0] for img in images) if images else 1.0
    cw = min(cell, int(np.ceil(cell * wide)))
    sheet = np.zeros((rows * (cell + 4) + 4, columns * (cw + 4) + 4), dtype=np.uint8)
    for i, img in enumerate(images):
        f = min(cell / img.shape[0], cw / img.shape[1], 1.0)
        h, w = max(1, int(img.shape[0] * f)), max(1, int(img.shape[1] * f))
        ri = np.minimum((np.arange(h) / f).astype(int), img.shape[0] - 1)
        ci = np.minimum((np.arange(w) / f).astype(int), img.shape[1] - 1)
        small = img[ri][:, ci]
        r0 = 4 + (i // columns) * (cell + 4) + (cell - h) // 2
        c0 = 4 + (i % columns) * (cw + 4) + (cw - w) // 2
        sheet[r0 : r0 + h, c0 : c0 + w] = small
    return sheet


def write_gallery(study: Study, outdir: Path, name: str) -> list[Path]:
    """PNG per series and key slice into outdir/name/, and outdir/name/contact-sheet.png."""
    folder = Path(outdir) / name
    folder.mkdir(parents=True, exist_ok=True)
    written, images = [], []
    shots: dict[tuple[int, int], list[str]] = {}  # one picture per series and slice
    series = {s.number: s for s in study.series}
    for s, lid, k in key_slices(study):
        shots.setdefault((s.number, k), []).append(lid)
    for (number, k), lids in shots.items():
        s = series[number]
        img = windowed(s, k)
        path = folder / f"{s.number:02d}_{s.key}_{'-'.join(lids)}_s{k:03d}.png"
        write_png(path, img)
        written.append(path)
        images.append(img)
    sheet = folder / "contact-sheet.png"
    write_png(sheet, contact_sheet(images))
    return [*written, sheet]
