"""Workloads users have, each a ratio to the plain way of doing the same thing in the same run:
a whole-body study of five series opened from a cold cache, a 500-slice series, a JPEG 2000,
an RLE and a JPEG-LS series (the phantom's studies are JPEG-LS), and a 40-step lecture export.

"Cold" means the files were evicted from the OS page cache before each open
(``posix_fadvise(DONTNEED)`` after a sync), for the atlas and for the plain loop alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cnoatlas.bench.core import Context, Figure, ratio_figure, timed

# Five series like a whole-body MRI: coronal STIR and T1 in two stations, and a sagittal spine.
WHOLE_BODY = ((40, 512, 256), (40, 512, 256), (40, 512, 256), (40, 512, 256), (30, 384, 256))


def evict(files: list[Path]) -> bool:
    """Drop the files from the OS page cache; False where the platform cannot."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return True


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.dcm"))


def _load_all(folder: Path, expected: int) -> None:
    from cnoatlas.imaging.series import load_series

    result = load_series(folder)
    if len(result.series) != expected or result.problems:
        raise RuntimeError(f"load_series of {folder} found {len(result.series)} series")
    if not all(s.fully_loaded for s in result.series):
        raise RuntimeError(f"load_series of {folder} left slices unloaded")


def _ab(
    floor: Callable[[], object], subject: Callable[[], object], n: int, before=None
) -> tuple[list[float], list[float]]:
    """A, B, A, B… with ``before`` (untimed: an eviction) ahead of every run."""
    a, b = [], []
    for _ in range(n):
        if before is not None:
            before()
        a.append(timed(floor, collect=True))
        if before is not None:
            before()
        b.append(timed(subject, collect=True))
    return a, b


def whole_body(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.series import plain_read, write_series

    root = ctx.workdir / "whole-body"
    layout = WHOLE_BODY if not ctx.quick else tuple((s // 4, r, c) for s, r, c in WHOLE_BODY)
    for k, (slices, rows, columns) in enumerate(layout):
        write_series(root / f"series{k + 1}", slices, rows, columns)
    files = _files(root)
    os.sync()
    cold = evict(files)
    plain, engine = _ab(
        lambda: plain_read(files),
        lambda: _load_all(root, len(layout)),
        ctx.reps(5, 2),
        before=lambda: evict(files),
    )
    return [
        ratio_figure(
            "workload.whole_body_cold_ratio",
            f"whole-body study ({len(layout)} series, {len(files)} files) opened from a cold "
            "cache vs plain pydicom loop, cold",
            plain,
            engine,
            1.2,
            floor_name="plain",
            subject_name="load_series",
            detail={"files": len(files), "series": len(layout), "cold_cache": cold},
        )
    ]


def long_series(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.series import (
        peak_memory_ratio,
        plain_read,
        viewer_open_times,
        write_series,
    )

    slices, matrix = (100, 256) if ctx.quick else (500, 256)
    folder = ctx.workdir / "long"
    files = sorted(write_series(folder, slices, matrix, matrix))
    raw_bytes = slices * matrix * matrix * 2
    first, full, plain = viewer_open_times(folder, ctx.reps(3, 1), lambda: plain_read(files))
    memory, peak = peak_memory_ratio(folder, raw_bytes)
    size = f"{slices} x {matrix}x{matrix}"
    return [
        ratio_figure(
            "workload.long_series_first_slice_ratio",
            f"{slices}-slice series: first slice on screen vs every slice loaded ({size})",
            full,
            first,
            0.10,
            floor_name="full_load",
            subject_name="first_slice",
        ),
        ratio_figure(
            "workload.long_series_load_ratio",
            f"{slices}-slice series: viewer open to every slice vs plain pydicom loop",
            plain,
            full,
            1.2,
            floor_name="plain",
            subject_name="viewer",
        ),
        Figure(
            "workload.long_series_memory_ratio",
            f"{slices}-slice series: peak memory while loading vs raw pixel bytes",
            memory,
            "x",
            1.3,
            detail={"peak_bytes": peak, "pixel_bytes": raw_bytes},
        ),
    ]


def compressed(ctx: Context) -> list[Figure]:
    import pydicom
    from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

    from cnoatlas.bench.series import plain_read, write_series

    slices = 8 if ctx.quick else 24
    source = write_series(ctx.workdir / "uncompressed", slices, 256, 256)
    figures = []
    syntaxes = (("rle", RLELossless), ("jpeg2000", JPEG2000Lossless), ("jpegls", JPEGLSLossless))
    for name, uid in syntaxes:
        folder = ctx.workdir / name
        folder.mkdir()
        for f in source:
            ds = pydicom.dcmread(f)
            ds.compress(uid)
            ds.save_as(folder / f.name, enforce_file_format=True)
        files = _files(folder)
        plain, engine = _ab(lambda fs=files: plain_read(fs), lambda d=folder: _load_all(d, 1),
                            ctx.reps(5, 2))  # fmt: skip
        figures.append(
            ratio_figure(
                f"workload.{name}_load_ratio",
                f"{uid.name} series ({slices} x 256x256) loaded vs plain pydicom loop",
                plain,
                engine,
                1.2,
                floor_name="plain",
                subject_name="load_series",
                detail={"files": len(files)},
            )
        )
    return figures


def _lecture(steps: int):
    from cnoatlas.domain.evidence import evidence_library
    from cnoatlas.domain.playlist import Playlist, PlaylistItem
    from cnoatlas.domain.sites import site_model

    datasets = list(evidence_library())
    sites = list(site_model().sites)
    items = []
    for k in range(steps):
        kind = ("text", "overlay", "map", "text")[k % 4]
        if kind == "overlay":
            items.append(PlaylistItem("overlay", ref=datasets[k % len(datasets)]))
        elif kind == "map":
            items.append(PlaylistItem("map", sites=tuple(sites[k : k + 3]), title=f"Map {k}"))
        else:
            items.append(PlaylistItem("text", title=f"Slide {k + 1}", text="Bench text. " * 30))
    return Playlist("Bench lecture", items)


class _PlainSlides:
    """The floor of the export: a bare QLabel at the slide size, its text set, grabbed and
    saved as PNG, once per step."""

    def __init__(self, size: tuple[int, int]) -> None:
        from PySide6.QtWidgets import QLabel

        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.resize(*size)

    def export(self, steps: int, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for k in range(steps):
            self.label.setText(f"<h1>Slide {k + 1}</h1><p>" + "Bench text. " * 30 + "</p>")
            if not self.label.grab().toImage().save(str(out / f"{k:02d}.png"), "PNG"):
                raise RuntimeError("the plain export could not write a PNG")


def lecture_export(ctx: Context) -> list[Figure]:
    import shutil

    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.domain.playlist import slide_contents
    from cnoatlas.ui.lecture.export import export_playlist

    ensure_offscreen_app()
    steps = 4 if ctx.quick else 40
    playlist = _lecture(steps)
    count = len(slide_contents(playlist))
    plain = _PlainSlides((1920, 1080))
    turn = iter(range(10**9))

    def atlas() -> None:
        out = ctx.workdir / f"export-{next(turn)}"
        if len(export_playlist(playlist, out)) != count:
            raise RuntimeError("the export did not write every step")
        shutil.rmtree(out, ignore_errors=True)

    def floor() -> None:
        out = ctx.workdir / "plain-export"
        plain.export(count, out)
        shutil.rmtree(out, ignore_errors=True)

    a, b = _ab(floor, atlas, ctx.reps(3, 1))
    return [
        ratio_figure(
            "workload.lecture_export_ratio",
            f"{steps}-step lecture exported to PNG (1920x1080) vs a bare label grabbed and "
            "saved as many times",
            a,
            b,
            3.0,
            floor_name="plain_png",
            subject_name="export",
            detail={"steps": count, "kinds": "text, overlay, map"},
        )
    ]


def run(ctx: Context) -> list[Figure]:
    return whole_body(ctx) + long_series(ctx) + compressed(ctx) + lecture_export(ctx)
