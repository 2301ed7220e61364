"""Series: the viewer's first slice and full load, and the engine's load, against plain pydicom.

The series is written here with pydicom (uncompressed MR, 12 bits stored, one slice per file,
files named in shuffled order so nothing relies on the names). The reference is what any
script would do: ``dcmread`` + ``pixel_array`` for every file.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from cnoatlas.bench.core import Context, Figure, interleaved, median, timed


def write_series(folder: Path, slices: int, rows: int = 512, columns: int = 512) -> list[Path]:
    """A synthetic axial MR series of ``slices`` uint16 files; returns the file paths."""
    import numpy as np
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(slices)
    yy, xx = np.mgrid[0:rows, 0:columns]
    body = (
        (yy - rows / 2) ** 2 / (rows * 0.42) ** 2 + (xx - columns / 2) ** 2 / (columns * 0.35) ** 2
    ) < 1
    series_uid, study_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    order = list(range(slices))
    random.Random(slices).shuffle(order)
    paths = []
    for name_index, k in enumerate(order):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MRImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = folder / f"IM{name_index:04d}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = MRImageStorage
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.Modality = "MR"
        ds.SeriesDescription = "AX T1 BENCH"
        ds.PatientName, ds.PatientID = "BENCH^SYNTHETIC", "BENCH"
        ds.SeriesNumber, ds.InstanceNumber = 1, k + 1
        ds.ImagePositionPatient = [-200.0, -200.0, -100.0 + 4.0 * k]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.PixelSpacing = [0.8, 0.8]
        ds.SliceThickness = 4.0
        ds.WindowCenter, ds.WindowWidth = 1200, 2400
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = rows, columns
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        pixels = body * (1500 + 300 * np.sin(xx / 9.0 + k / 3.0)) + rng.integers(
            0, 200, (rows, columns)
        )
        ds.PixelData = pixels.astype(np.uint16).tobytes()
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def plain_read(files: list[Path]) -> list:
    """The reference: a plain pydicom loop over the files, with the decoder the atlas uses
    where pydicom has several (JPEG-LS: CharLS, not pydicom's first pick, libjpeg, which takes
    about 4x as long and would flatter the atlas)."""
    import pydicom

    from cnoatlas.imaging.dicom_io import use_fastest_decoder

    pixels = []
    for f in files:
        ds = pydicom.dcmread(f)
        use_fastest_decoder(ds)
        pixels.append(ds.pixel_array)
    return pixels


def engine_load(folder: Path):
    from cnoatlas.imaging.series import load_series

    result = load_series(folder)
    if len(result.series) != 1 or result.problems or not result.series[0].fully_loaded:
        raise RuntimeError(f"load_series of {folder} did not load one whole series")
    return result.series[0]


def peak_memory_ratio(folder: Path, raw_bytes: int) -> tuple[float, int]:
    """Python-level peak allocation (numpy arrays included) during a load, over the pixel bytes."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        series = engine_load(folder)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del series
    return peak / raw_bytes, peak


def viewer_open_times(
    folder: Path, n: int, reference: Callable[[], object] | None = None
) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds from "open" to the first slice painted, and to every slice loaded and painted,
    in the viewer the Cases page uses (its streaming loader on the thread pool); and of
    ``reference`` run just before each open, so the two meet the same load on the machine."""
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer

    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.ui.viewer.loading import load_in_background
    from cnoatlas.ui.viewer.series_viewer import SeriesViewer

    ensure_offscreen_app()
    first_ms: list[float] = []
    full_ms: list[float] = []
    reference_ms: list[float] = []
    for rep in range(n + 1):  # the first round warms caches and is not counted
        viewer = SeriesViewer()
        viewer.resize(800, 800)
        viewer.show()
        # On screen (exposed) before "open", as the Cases page is: a paint then reaches the
        # canvas at once (unexposed, repaint() paints nothing and the event loop paints later).
        for _ in range(3):
            QCoreApplication.processEvents()
        viewer.grab()
        marks: dict[str, float] = {}
        loop = QEventLoop()
        # The loader starts at once and a fast series may arrive before any signal of the task
        # could be connected here, so the viewer's own slots are wrapped (before they are
        # connected) to note when the first pixels and the last slice are painted.
        show_first, paint_now, slice_loaded, streamed = (
            viewer.show_first_image,
            viewer.paint_now,
            viewer.slice_loaded,
            viewer.streaming_finished,
        )

        def on_first(first, show_first=show_first, marks=marks) -> None:
            show_first(first)
            marks["shown"] = 0.0

        def on_paint_now(paint_now=paint_now, marks=marks) -> None:
            paint_now()  # load_in_background paints the first image at once with this
            if "shown" in marks and "first" not in marks:
                marks["first"] = time.perf_counter()

        def on_slice(index=None, slice_loaded=slice_loaded, marks=marks, viewer=viewer):
            slice_loaded(index)
            series = viewer.series
            if "first" not in marks and series is not None and series.loaded[viewer.slice_index()]:
                viewer.grab()  # no first image came ahead: this is the first paint
                marks["first"] = time.perf_counter()

        def on_finished(streamed=streamed, marks=marks, viewer=viewer, loop=loop) -> None:
            streamed()
            viewer.grab()  # a synchronous paint of the whole viewer, as the screen gets
            marks["full"] = time.perf_counter()
            loop.quit()

        viewer.show_first_image = on_first
        viewer.paint_now = on_paint_now
        viewer.slice_loaded = on_slice
        viewer.streaming_finished = on_finished
        if reference is not None and rep:
            reference_ms.append(timed(reference, collect=True))
        gc.collect()  # the garbage of earlier measurements is not this open's cost
        start = time.perf_counter()
        task = load_in_background(viewer, folder)
        task.signals.failed.connect(lambda _message, loop=loop: loop.quit())
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
        if "full" not in marks or "first" not in marks:
            raise RuntimeError(f"the viewer did not finish streaming {folder}")
        if rep:
            first_ms.append((marks["first"] - start) * 1000)
            full_ms.append((marks["full"] - start) * 1000)
        task.cancel.set()
        viewer.set_series(None)  # free this open's volume before the next one allocates its own
        viewer.close()
        viewer.deleteLater()
        # Delete it now, not inside the next open's timing.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return first_ms, full_ms, reference_ms


def run(ctx: Context) -> list[Figure]:
    slices = 10 if ctx.quick else 40
    folder = ctx.workdir / "series"
    files = sorted(write_series(folder, slices))
    raw_bytes = slices * 512 * 512 * 2
    n = ctx.reps(9, 3)
    times = interleaved(
        {"plain": lambda: plain_read(files), "engine": lambda: engine_load(folder)}, n
    )
    plain, engine = median(times["plain"]), median(times["engine"])
    first, full, paired = viewer_open_times(folder, ctx.reps(9, 3), lambda: plain_read(files))
    first_ms, full_ms, paired_ms = median(first), median(full), median(paired)
    memory, peak = peak_memory_ratio(folder, raw_bytes)
    size = f"{slices} x 512x512"
    return [
        Figure(
            "series.first_slice_share",
            f"first slice on screen, share of the full load ({size})",
            100.0 * first_ms / full_ms,
            "%",
            15.0,
            detail={"first_slice_ms": first_ms, "full_load_ms": full_ms, "runs": len(first)},
        ),
        Figure(
            "series.viewer_full_load_ratio",
            "viewer: open to every slice loaded vs plain pydicom loop",
            full_ms / paired_ms,
            "x",
            1.2,
            detail={"viewer_ms": full_ms, "plain_ms": paired_ms, "runs": len(full), "stretch": 0.5},
        ),
        Figure(
            "series.engine_load_ratio",
            "load_series vs plain pydicom loop",
            engine / plain,
            "x",
            1.2,
            detail={"load_series_ms": engine, "plain_ms": plain, "runs": n, "stretch": 0.5},
        ),
        Figure(
            "series.memory_ratio",
            "peak memory while loading vs raw pixel bytes",
            memory,
            "x",
            1.3,
            detail={"peak_bytes": peak, "pixel_bytes": raw_bytes},
        ),
        Figure(
            "series.first_slice_ms",
            "first slice on screen (stretch target: 100 ms warm)",
            first_ms,
            "ms",
            100.0,
            detail={"p_max_ms": max(first)},
        ),
    ]
