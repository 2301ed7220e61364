"""Streaming a series into a viewer on a thread pool: the slice in view first, then every header,
then the remaining pixels.
"""

from __future__ import annotations

import logging
import queue
import threading
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
    sliceLoaded = Signal(int, int)  # series number, slice index
    progress = Signal(int, int)
    finished = Signal(object)  # LoadResult, pixels loaded
    failed = Signal(str)


class SeriesLoadTask(QRunnable):
    """Reads the slice in view first, then every header, then streams the remaining pixels."""

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
        # The result once the viewer has been given all of it (set on the UI thread).
        self.delivered: LoadResult | None = None
        self.setAutoDelete(False)

    def want(self, index: int) -> None:
        """Read this slice of the first series next (the user scrolled to it)."""
        self._wanted.put(index)

    def _next_wanted(self, series: Series) -> int | None:
        while not self._wanted.empty():
            index = self._wanted.get_nowait()
            if 0 <= index < len(series) and not (series.loaded[index] or series.failed[index]):
                return index
        return None

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
            loaded = LoadResult(result.series, list(result.problems), result.skipped)
            self.signals.scanned.emit(loaded)
            if adopted is not None:
                self.signals.sliceLoaded.emit(0, adopted)
            total = sum(len(s) for s in result.series)
            done = 0
            for number, series in enumerate(result.series):
                start = self.first_slice if number == 0 else None
                for planned in series.load_order(start):
                    if self.cancel.is_set():
                        return
                    wanted = self._next_wanted(series) if number == 0 else None
                    for index in (planned,) if wanted is None else (wanted, planned):
                        if series.loaded[index] or series.failed[index]:
                            continue
                        series.load_slice(index)
                        self.signals.sliceLoaded.emit(number, index)
                    done += 1
                    self.signals.progress.emit(done, total)
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
            viewer.repaint()  # now, before the loader starts, not later against the header scan

    def scanned(result: LoadResult) -> None:
        if gone():
            return
        if result.series:
            viewer.set_series(result.series[0], first_slice)
        else:
            viewer._show_empty("No images found")

    def arrived(number: int, index: int) -> None:
        if number == 0 and not gone():
            viewer.slice_loaded(index)

    viewer.sliceChanged.connect(task.want)
    task.signals.scanned.connect(scanned)
    task.signals.sliceLoaded.connect(arrived)

    def finished(result: LoadResult) -> None:
        if gone():
            return
        viewer.sliceChanged.disconnect(task.want)
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
