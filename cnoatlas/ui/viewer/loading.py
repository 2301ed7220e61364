"""Streaming a series into a viewer on a thread pool: the slice in view first, then every header,
then the remaining pixels.

The worker and the UI thread share one interpreter lock, so every time the UI thread runs Python
(a slot, a layout, a paint) the reads stop, and every queued signal wakes the UI thread. The
loader therefore (1) reads pixels for up to ``SeriesLoadTask.handoff_seconds`` after the scan
before it hands the series to the viewer, so a short series is whole when the viewer lays it out
(one layout, one paint, presets once) and a long one streams on from there; and (2) tells the
viewer about arrived slices in batches (``slicesLoaded``): at once when the slice in view or the
one the user scrolled to arrives, else at most every ``batch_seconds``, and at the end of the
series. ``sliceLoaded`` is still emitted for every slice, for listeners that want each one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging.series import FirstImage, LoadResult, Series

if TYPE_CHECKING:
    from cnoatlas.ui.viewer.series_viewer import SeriesViewer


# --- streaming loader ---------------------------------------------------------------------
class LoaderSignals(QObject):
    firstImage = Signal(object)  # FirstImage: paint it while the headers are read
    scanned = Signal(object)  # LoadResult with unloaded series
    sliceLoaded = Signal(int, int)  # series number, slice index (every slice)
    slicesLoaded = Signal(int, object)  # series number, the indices read since the last batch
    progress = Signal(int, int)
    finished = Signal(object)  # LoadResult, pixels loaded
    failed = Signal(str)


class SeriesLoadTask(QRunnable):
    """Reads the slice in view first, then every header, then streams the remaining pixels."""

    # Pixels read after the header scan before the series is handed to the viewer (seconds):
    # about 300 uncompressed 512x512 slices, a pause the reader does not see (the first image
    # is on screen already) that spares a short series every hand-off to the UI thread.
    handoff_seconds = 0.03
    # Other slices than the one in view are reported at most this often (seconds).
    batch_seconds = 0.1

    def __init__(self, path: str | Path, first_slice: int | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.first_slice = first_slice
        self.signals = LoaderSignals()
        self.cancel = threading.Event()
        # Set by the UI once the first image is painted; the header scan waits for it (at most
        # first_paint_wait seconds) so it does not compete with that paint for the interpreter.
        self.first_painted = threading.Event()
        self.first_paint_wait = 0.0
        # Sources found and the first image read by the caller already (see load_in_background).
        self.found: tuple[list, list, FirstImage | None] | None = None
        self._wanted: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._current: int | None = first_slice  # the slice the viewer shows (None: middle)
        # The result once the viewer has been given all of it (set on the UI thread).
        self.delivered: LoadResult | None = None
        self.setAutoDelete(False)

    def want(self, index: int) -> None:
        """Read this slice of the first series next (the user scrolled to it)."""
        self._current = index
        self._wanted.put(index)

    def _next_wanted(self, series: Series) -> tuple[int | None, bool]:
        """The next slice asked for that is still to read, and whether any was asked for."""
        asked = False
        while not self._wanted.empty():
            index = self._wanted.get_nowait()
            asked = True
            if 0 <= index < len(series) and not (series.loaded[index] or series.failed[index]):
                return index, True
        return None, asked

    def run(self) -> None:
        from cnoatlas.imaging.dicom_io import find_sources
        from cnoatlas.imaging.series import first_image, scan_sources

        try:
            if self.found is not None:
                sources, problems, first = self.found
            else:
                sources, problems = find_sources(self.path, self.cancel)
                first = first_image(sources, self.first_slice)
                if first is not None:
                    self.signals.firstImage.emit(first)
                    self.first_painted.wait(self.first_paint_wait)
            result = scan_sources(sources, problems, None, self.cancel)
            adopted = result.series[0].adopt(first) if first and result.series else None
            if adopted is not None:
                self.signals.sliceLoaded.emit(0, adopted)
            loaded = LoadResult(result.series, list(result.problems), result.skipped)
            if not result.series:
                self.signals.scanned.emit(loaded)
            total = sum(len(s) for s in result.series)
            done = 0
            deadline = time.perf_counter() + self.handoff_seconds
            for number, series in enumerate(result.series):
                if number == 0:
                    batch = _Batch(self, deadline, loaded)
                start = self.first_slice if number == 0 else None
                for planned in series.load_order(start):
                    if self.cancel.is_set():
                        return
                    wanted, asked = self._next_wanted(series) if number == 0 else (None, False)
                    for index in (planned,) if wanted is None else (wanted, planned):
                        if series.loaded[index] or series.failed[index]:
                            continue
                        series.load_slice(index)
                        self.signals.sliceLoaded.emit(number, index)
                        if number == 0:
                            batch.add(index)
                    if number == 0:
                        batch.step(asked)
                    done += 1
                    self.signals.progress.emit(done, total)
                if number == 0:
                    batch.finish()
                loaded.problems.extend(series.problems)
            self.signals.finished.emit(loaded)
        except AtlasError as exc:
            self.signals.failed.emit(" ".join(str(exc).split()))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            # Anything at all (a native decoder's PanicException too): one line in the viewer,
            # never "loading…" for good; the log has the details.
            from cnoatlas.imaging.dicom_io import _one_line, display_path

            # The traceback's frames, not its message: a message may quote an element's value.
            logging.getLogger("cnoatlas.viewer").error(
                "loading %s failed: %s\n%s",
                display_path(self.path),
                _one_line(exc),
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            self.signals.failed.emit(
                f"{display_path(self.path)}: could not be loaded ({_one_line(exc)})"
            )


class _Batch:
    """The first series' slices read since the viewer was last told, and when to tell it."""

    def __init__(self, task: SeriesLoadTask, deadline: float, result) -> None:
        self.task, self.deadline, self.result = task, deadline, result
        self.handed_off = False
        self.indices: list[int] = []
        self.shown = False  # the slice in view is among them
        self.last = time.perf_counter()

    def add(self, index: int) -> None:
        self.indices.append(index)
        self.shown |= index == self.task._current

    def step(self, asked: bool) -> None:
        """After each planned slice: hand the series over once its time is up; then report the
        batch when the slice in view is in, or the batch is old enough, or a slice was asked
        for (even one read already: the viewer may be waiting for it)."""
        now = time.perf_counter()
        if not self.handed_off:
            if now >= self.deadline:
                self.hand_off()
            return
        old = now - self.last >= self.task.batch_seconds
        if asked or (self.indices and (self.shown or old)):
            self.flush(now)

    def hand_off(self) -> None:
        self.task.signals.scanned.emit(self.result)
        self.handed_off = True
        self.indices, self.shown = [], False  # the viewer reads what is loaded when given it
        self.last = time.perf_counter()

    def flush(self, now: float) -> None:
        self.task.signals.slicesLoaded.emit(0, self.indices)
        self.indices, self.shown = [], False
        self.last = now

    def finish(self) -> None:
        if not self.handed_off:
            self.hand_off()
        elif self.indices:
            self.flush(time.perf_counter())


def load_in_background(
    viewer: SeriesViewer, path: str | Path, first_slice: int | None = None
) -> SeriesLoadTask:
    """Stream the first series under ``path`` into ``viewer``; returns the task (cancel it)."""
    task = SeriesLoadTask(path, first_slice)

    def gone() -> bool:
        """The viewer was closed while its series streamed in: stop feeding it."""
        if isValid(viewer):
            return False
        task.cancel.set()
        return True

    def first_image(first: FirstImage) -> None:
        if not gone():
            viewer.show_first_image(first)
            viewer.paint_now()  # now, before the loader starts, not later against the header scan

    def scanned(result: LoadResult) -> None:
        if gone():
            return
        if result.series:
            viewer.set_series(result.series[0], first_slice)
        else:
            viewer._show_empty("No images found")

    def arrived(number: int, _indices: list[int]) -> None:
        # The viewer looks at its own slice: repainted only if that one came in since.
        if number == 0 and not gone():
            viewer.slice_loaded()

    viewer.sliceChanged.connect(task.want)
    task.signals.scanned.connect(scanned)
    task.signals.slicesLoaded.connect(arrived)

    def finished(result: LoadResult) -> None:
        if gone():
            return
        viewer.sliceChanged.disconnect(task.want)
        viewer.slice_loaded()  # a slice asked for after the last batch
        viewer.streaming_finished()
        task.delivered = result

    task.signals.finished.connect(finished)
    task.signals.failed.connect(viewer._show_empty)
    _read_first_image_here(task, first_image)
    loader_pool().start(task)
    return task


_POOL: QThreadPool | None = None


def loader_pool() -> QThreadPool:
    """The series loaders' own threads: opening a series never queues behind the making of a
    synthetic study or a lecture's prefetch (those run for seconds on the global pool)."""
    global _POOL
    if _POOL is None or not isValid(_POOL):
        from PySide6.QtCore import QCoreApplication

        _POOL = QThreadPool(QCoreApplication.instance())
        _POOL.setMaxThreadCount(2)
    return _POOL


def _read_first_image_here(task: SeriesLoadTask, show) -> None:
    """Read and paint the slice in view on this (the UI) thread before the worker starts.

    It is one file after a 4 KB probe of each (about 2 ms for 40 files), and it saves the thread
    start and the queued signal that would otherwise stand between "open" and the first picture.
    A path that cannot be read is left to the worker, which reports it.
    """
    from cnoatlas.imaging.dicom_io import find_sources
    from cnoatlas.imaging.series import first_image

    try:
        sources, problems = find_sources(task.path)
        first = first_image(sources, task.first_slice)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # the worker reads the path again and reports what is wrong
        return
    task.found = (sources, problems, first)
    if first is not None:
        show(first)
