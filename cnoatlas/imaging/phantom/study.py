"""Study descriptions (the "generator" block of a case), the generated study, and its cache.

A description is plain JSON: age, sex, seed, sequences and lesions at site ids. The same
description always gives byte-identical pixels and the same UIDs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json, reject_unknown_fields
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.study_vocabulary import NORMAL_VARIANTS
from cnoatlas.imaging.phantom.body import Body, build_body
from cnoatlas.imaging.phantom.lesions import (
    FINDINGS,
    KINDS,
    OPTIONS,
    STATES,
    Lesion,
    lesion_parts,
    modifiers,
    variant_parts,
)
from cnoatlas.imaging.phantom.render import (
    FULL_VALUE,
    SEQUENCES,
    Grid,
    Raster,
    axial_grid,
    coil_gain,
    coronal_grid,
    finish,
    paint,
    sagittal_grid,
)
from cnoatlas.imaging.phantom.tissues import Weighting, tissue_table
from cnoatlas.imaging.phantom.version import GENERATOR_VERSION, cache_root

_WINDOW_TOP = {"stir": 0.75, "t1": 1.0}
_FIELDS = {"age_years", "sex", "seed", "sequences", "lesions", "case_id", "variants"}
_LESION_FIELDS = {"id", "site_id", "kind", "size_mm", "intensity", "options", "state"}


@dataclass(frozen=True)
class StudyDescription:
    age_years: float
    sex: str
    seed: int
    sequences: tuple[str, ...]
    lesions: tuple[Lesion, ...] = ()
    case_id: str = ""  # names the synthetic patient ("SYNTHETIC^CASE-ID")
    variants: tuple[str, ...] = ()  # normal variants drawn, never annotated

    def to_json(self) -> dict:
        out = {
            "age_years": self.age_years,
            "sex": self.sex,
            "seed": self.seed,
            "sequences": list(self.sequences),
            "lesions": [
                {k: v for k, v in asdict(les).items() if k != "options" or v}
                for les in self.lesions
            ],
        }
        if self.case_id:
            out["case_id"] = self.case_id
        if self.variants:
            out["variants"] = list(self.variants)
        return out

    def digest(self) -> str:
        """Hash of the description and the generator version (cache key, UID entropy)."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(f"{GENERATOR_VERSION}|{_table_hash()}|{text}".encode()).hexdigest()

    @classmethod
    def from_json(cls, data: object, source: str | Path = "description") -> StudyDescription:
        """Validate a JSON description; problems raise DataFileError naming the field."""
        if not isinstance(data, dict):
            raise DataFileError(source, "", "the description must be a JSON object")
        reject_unknown_fields(source, data, _FIELDS)
        age = data.get("age_years")
        if isinstance(age, bool) or not isinstance(age, int | float) or not 3 <= age <= 16:
            raise DataFileError(source, "age_years", "must be a number from 3 to 16")
        sex = data.get("sex")
        if sex not in ("F", "M"):
            raise DataFileError(source, "sex", "must be 'F' or 'M'")
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise DataFileError(source, "seed", "must be a whole number from 0 to 4294967295")
        seqs = data.get("sequences")
        if not isinstance(seqs, list) or not seqs:
            raise DataFileError(source, "sequences", f"must be a list of: {', '.join(SEQUENCES)}")
        for i, s in enumerate(seqs):
            if s not in SEQUENCES:
                raise DataFileError(
                    source, f"sequences[{i}]", f"'{s}' is not one of {', '.join(SEQUENCES)}"
                )
        if len(set(seqs)) != len(seqs):
            raise DataFileError(source, "sequences", "lists a sequence twice")
        case_id = data.get("case_id", "")
        if not isinstance(case_id, str):
            raise DataFileError(source, "case_id", "must be text")
        raw_lesions = data.get("lesions", [])
        if not isinstance(raw_lesions, list):
            raise DataFileError(source, "lesions", "must be a list")
        lesions = tuple(_lesion(source, i, e) for i, e in enumerate(raw_lesions))
        ids = [les.id for les in lesions]
        if len(set(ids)) != len(ids):
            raise DataFileError(source, "lesions", "two lesions share an id")
        variants = data.get("variants", [])
        if not isinstance(variants, list) or any(v not in NORMAL_VARIANTS for v in variants):
            raise DataFileError(
                source, "variants", f"must be a list of: {', '.join(NORMAL_VARIANTS)}"
            )
        return cls(
            float(age) if isinstance(age, float) else age, sex, seed, tuple(seqs), lesions, case_id,
            tuple(dict.fromkeys(variants)),
        )  # fmt: skip


@cache
def _table_hash() -> str:
    """The tissue table is part of the generator: editing it must refresh cached studies."""
    path = paths.assets_dir() / "phantom" / "tissues.json"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "none"


def _lesion(source, i: int, e: object) -> Lesion:
    where = f"lesions[{i}]"
    if not isinstance(e, dict):
        raise DataFileError(source, where, "must be an object")
    reject_unknown_fields(source, e, _LESION_FIELDS, where)
    lid = e.get("id")
    if not isinstance(lid, str) or not lid:
        raise DataFileError(source, f"{where}.id", "must be a non-empty text")
    site = e.get("site_id")
    from cnoatlas.domain.sites import site_model

    if not isinstance(site, str) or site not in site_model().sites:
        raise DataFileError(source, f"{where}.site_id", f"'{site}' is not a leaf site id")
    kind = e.get("kind")
    if kind not in KINDS:
        raise DataFileError(source, f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    size = e.get("size_mm", 20)
    if isinstance(size, bool) or not isinstance(size, int | float) or not 3 <= size <= 200:
        raise DataFileError(source, f"{where}.size_mm", "must be a number from 3 to 200")
    inten = e.get("intensity", 0.8)
    if isinstance(inten, bool) or not isinstance(inten, int | float) or not 0 <= inten <= 1:
        raise DataFileError(source, f"{where}.intensity", "must be a number from 0 to 1")
    state = e.get("state", "active")
    if state not in STATES:
        raise DataFileError(source, f"{where}.state", f"must be one of {', '.join(STATES)}")
    options = e.get("options", {})
    if not isinstance(options, dict):
        raise DataFileError(source, f"{where}.options", "must be an object")
    for key, value in options.items():
        if key not in OPTIONS:
            raise DataFileError(
                source, f"{where}.options.{key}", f"is not one of {', '.join(OPTIONS)}"
            )
        if OPTIONS[key] is bool and not isinstance(value, bool):
            raise DataFileError(source, f"{where}.options.{key}", "must be true or false")
        if OPTIONS[key] is float and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 0.9
        ):
            raise DataFileError(source, f"{where}.options.{key}", "must be a number from 0 to 0.9")
    return Lesion(lid, site, kind, size, inten, dict(options), state)


@dataclass
class Series:
    """One generated series: pixels (slice, row, column) in the order of the written files."""

    key: str
    number: int
    description: str
    weighting: Weighting
    grid: Grid
    pixels: np.ndarray
    series_uid: str
    sop_uids: list[str]
    window: tuple[float, float]

    @property
    def row_vector(self) -> np.ndarray:  # direction of increasing column
        return self.grid.unit_vector(2)

    @property
    def col_vector(self) -> np.ndarray:  # direction of increasing row
        return self.grid.unit_vector(1)

    @property
    def normal(self) -> np.ndarray:
        return self.grid.unit_vector(0)

    @property
    def pixel_spacing(self) -> tuple[float, float]:  # (between rows, between columns)
        return abs(self.grid.step(1)), abs(self.grid.step(2))

    @property
    def slice_spacing(self) -> float:
        return abs(self.grid.step(0))

    def position(self, k: int) -> np.ndarray:
        """ImagePositionPatient of slice k (centre of its first pixel)."""
        return self.grid.world(k, 0, 0)

    def world(self, k: float, row: float, col: float) -> np.ndarray:
        return self.grid.world(k, row, col)


@dataclass
class Study:
    description: StudyDescription
    study_uid: str
    frame_uid: str
    series: list[Series]
    annotations: list[dict]
    body: Body = field(repr=False)

    def annotations_json(self) -> dict:
        return {"version": 1, "annotations": self.annotations}


def _uid(digest: str, *parts: object) -> str:
    """A "2.25." UID (ISO/IEC 9834-8) from a hash of the description and the object's name."""
    text = "|".join([digest, *map(str, parts)])
    return "2.25." + str(int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big"))


def generate_study(
    description: StudyDescription | dict,
    *,
    scale: float = 1.0,
    on_series: Callable[[Study], None] | None = None,
) -> Study:
    """Render every requested sequence of the description (``scale`` < 1: smaller matrices).

    ``on_series(study so far)`` is called as each series is finished: each grid is painted
    when its first series needs it, so the first series comes before the others are made."""
    desc = (
        description
        if isinstance(description, StudyDescription)
        else StudyDescription.from_json(description)
    )
    digest = desc.digest() + (f"|scale={scale}" if scale != 1.0 else "")
    table = tissue_table()
    body = build_body(desc.age_years, desc.sex, modifiers(desc.lesions), desc.seed)
    parts = list(body.parts)
    parts += variant_parts(body, desc.variants)
    for les in desc.lesions:
        parts += lesion_parts(body, les)
    grids: dict[str, tuple[Grid, list[str]]] = {}
    for key in desc.sequences:
        _name, weighting, plane, region = SEQUENCES[key]
        gkey = f"{plane}-{region}"
        if gkey not in grids:
            if plane == "coronal":
                grid = coronal_grid(body, scale)
            elif plane == "axial":
                grid = axial_grid(body, region, scale)
            else:
                grid = sagittal_grid(body, region, scale)
            grids[gkey] = (grid, [])
        if weighting not in grids[gkey][1]:
            grids[gkey][1].append(weighting)
    rasters: dict[str, Raster] = {}
    gains: dict[str, np.ndarray] = {}
    study_uid, frame_uid = _uid(digest, "study"), _uid(digest, "frame")
    series_list, annotations = [], []
    for number, key in enumerate(desc.sequences, start=1):
        name, weighting, plane, region = SEQUENCES[key]
        gkey = f"{plane}-{region}"
        if gkey not in rasters:
            grid, ws = grids[gkey]
            rasters[gkey] = paint(parts, grid, table, ws)
            gains[gkey] = coil_gain(rasters[gkey].grid, body, desc.seed)
        raster = rasters[gkey]
        w = table.weightings[weighting]
        reference = max(table.signal(t, weighting) for t in ("csf", "adipose", "fluid", "disc"))
        rng = np.random.default_rng([desc.seed, number, int(digest[:8], 16)])
        blur = 1.1 if weighting == "dwi" else 0.55
        pixels = finish(
            raster.volumes[weighting],
            w.noise,
            rng,
            blur,
            reference,
            gains[f"{plane}-{region}"],
        )
        body_vox = pixels[pixels > 120]
        top = float(np.percentile(body_vox, 99.0)) if body_vox.size else 4095.0
        if weighting == "stir":  # fluid may saturate, a lesion's core never does
            top = _WINDOW_TOP[weighting] * FULL_VALUE
        elif weighting != "dwi":  # soft tissue must stay readable
            top = min(top, _WINDOW_TOP[weighting] * FULL_VALUE)
        # the window starts at zero: a window starting below it (tried for a brighter STIR)
        # showed the background-suppressed air as a grey box round the body
        window = (round(top * 0.5), round(top))
        sop = [_uid(digest, key, k) for k in range(pixels.shape[0])]
        s = Series(
            key, number, name, w, raster.grid, pixels, _uid(digest, "series", key), sop, window
        )
        series_list.append(s)
        annotations += _annotate(desc, body, s, raster)
        if on_series is not None:
            on_series(Study(desc, study_uid, frame_uid, list(series_list), list(annotations), body))
    return Study(desc, study_uid, frame_uid, series_list, annotations, body)


def _annotate(desc: StudyDescription, body: Body, series: Series, raster: Raster) -> list[dict]:
    out = []
    for les in desc.lesions:
        short, finding = FINDINGS[les.kind]
        if les.state == "resolved":
            short, finding = "resolved", "former lesion site: marrow signal back to normal"
        elif les.state == "smaller":
            finding = "smaller and fainter than before: " + finding
        elif les.state == "stable-fracture":
            short, finding = "healed", "little oedema left; the height lost is not regained"
        pieces = raster.lesion_cover.get(les.id, [])
        if not pieces:
            out += _marker(les, body, series, short, finding)
            continue
        lo = np.min([[r[0] for r in ranges] for ranges, _ in pieces], axis=0)
        hi = np.max([[r[1] for r in ranges] for ranges, _ in pieces], axis=0)
        union = np.zeros(tuple(hi - lo), dtype=np.float32)
        for ranges, cov in pieces:
            sl = tuple(slice(a - o, b - o) for (a, b), o in zip(ranges, lo, strict=True))
            np.maximum(union[sl], cov, out=union[sl])
        # half-covered voxels outline the lesion; a lesion thinner than the slice (a small
        # bone) never reaches that, so its outline is taken at half its peak coverage
        peak = float(union.max()) if union.size else 0.0
        if peak < 0.2:
            out += _marker(les, body, series, short, finding)
            continue
        threshold = min(0.5, 0.5 * peak)
        for k in range(union.shape[0]):
            mask = union[k] >= threshold
            if mask.sum() < 3:
                continue
            rows, cols = np.nonzero(mask)
            points = _outline(rows + lo[1], cols + lo[2])
            slice_index = int(k + lo[0])
            out.append(
                {
                    "id": f"{les.id}-{series.key}-s{slice_index}",
                    "lesion_id": les.id,
                    "series_uid": series.series_uid,
                    "sop_instance_uid": series.sop_uids[slice_index],
                    "slice": slice_index,
                    "kind": "polygon",
                    "geometry": {"points": points},
                    "site_id": les.site_id,
                    "finding": finding,
                    "label": short,
                }
            )
    return out


def _marker(les: Lesion, body: Body, series: Series, short: str, finding: str) -> list[dict]:
    """An ellipse where a lesion was (resolved) or would be, on the slice through its site."""
    g = body.sites[les.site_id]
    grid = series.grid
    idx = []
    for i in range(3):
        c = grid.coords[i]
        idx.append(float(np.argmin(np.abs(c - g.center[grid.world_axis[i]]))))
        if not c.min() - 1 <= g.center[grid.world_axis[i]] <= c.max() + 1:
            return []
    k, r, c = idx
    radius = max(3.0, g.radius * 1.5 / series.pixel_spacing[0])
    return [
        {
            "id": f"{les.id}-{series.key}-s{int(k)}",
            "lesion_id": les.id,
            "series_uid": series.series_uid,
            "sop_instance_uid": series.sop_uids[int(k)],
            "slice": int(k),
            "kind": "ellipse",
            "geometry": {"center": [c, r], "radii": [radius, radius]},
            "site_id": les.site_id,
            "finding": finding,
            "label": short,
        }
    ]


def _outline(rows: np.ndarray, cols: np.ndarray, n: int = 24) -> list[list[float]]:
    """A star-shaped outline of a pixel mask: the farthest pixel edge in each of n directions."""
    cy, cx = float(rows.mean()), float(cols.mean())
    ang = np.arctan2(rows - cy, cols - cx)
    rad = np.hypot(rows - cy, cols - cx) + 0.5
    bins = ((ang + np.pi) / (2 * np.pi) * n).astype(int) % n
    best = np.zeros(n)
    np.maximum.at(best, bins, rad)
    if (best == 0).any():  # directions with no pixel: borrow from the neighbours
        filled = np.nonzero(best)[0]
        best = np.interp(np.arange(n), filled, best[filled], period=n)
    theta = -np.pi + (np.arange(n) + 0.5) * 2 * np.pi / n
    return [
        [round(cx + best[i] * np.cos(theta[i]), 2), round(cy + best[i] * np.sin(theta[i]), 2)]
        for i in range(n)
    ]


def write_study(study: Study, outdir: str | Path) -> list[Path]:
    """Write every series (one folder each) and annotations.json; returns the files written."""
    from cnoatlas.imaging.phantom.dicom_writer import write_series

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for s in study.series:
        written += write_series(study, s, series_folder(outdir, s))
    return [*written, *_write_study_files(study, outdir)]


def series_folder(outdir: Path, series: Series) -> Path:
    return outdir / f"{series.number:02d}_{series.key}"


def _write_study_files(study: Study, outdir: Path) -> list[Path]:
    ann = outdir / "annotations.json"
    ann.write_text(json.dumps(study.annotations_json(), indent=1) + "\n", encoding="utf-8")
    desc = outdir / "description.json"
    desc.write_text(json.dumps(study.description.to_json(), indent=2) + "\n", encoding="utf-8")
    return [ann, desc]


def study_cache_path(description: StudyDescription | dict) -> Path:
    """Where the cache keeps this description's study, whether or not it exists yet."""
    desc = (
        description
        if isinstance(description, StudyDescription)
        else StudyDescription.from_json(description)
    )
    return cache_root() / desc.digest()[:24]


def cached_study_dir(
    description: StudyDescription | dict, on_series: Callable[[Path], None] | None = None
) -> Path:
    """The folder holding this description's study, generated and written first if missing.

    While it is generated, ``on_series(folder)`` is called with each series' folder as soon as
    that series is written (a folder inside the partial study: read it during the call)."""
    desc = (
        description
        if isinstance(description, StudyDescription)
        else StudyDescription.from_json(description)
    )
    target = study_cache_path(desc)
    if (target / "annotations.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # left incomplete by an interrupted run
        shutil.rmtree(target, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent))
    try:
        from cnoatlas.imaging.phantom.dicom_writer import write_series

        def written(partial: Study) -> None:
            series = partial.series[-1]
            folder = series_folder(tmp, series)
            write_series(partial, series, folder)
            if on_series is not None:
                on_series(folder)

        _write_study_files(generate_study(desc, on_series=written), tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_description(path: str | Path) -> StudyDescription:
    path = Path(path)
    raw = read_json(path)
    if isinstance(raw, dict) and "generator" in raw and isinstance(raw["generator"], dict):
        raw = raw["generator"]
    return StudyDescription.from_json(raw, path)
