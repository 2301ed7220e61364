"""The viewer under decoders that fail in every way: never "loading…" for good, always one line."""

from __future__ import annotations

import pytest

from cnoatlas.ui.viewer.loading import load_in_background
from cnoatlas.ui.viewer.series_viewer import SeriesViewer
from cnoatlas.ui.viewer.tag_browser import header_rows
from tests.unit.test_series import write_series


class PanicException(BaseException):
    """Like pyo3's PanicException (pylibjpeg-rle): a BaseException, past every except Exception."""


def _status(viewer: SeriesViewer) -> str:
    return viewer._labels["status"].text()


@pytest.fixture(autouse=True)
def _idle_thread_pool():
    """Background work left by earlier tests (series, phantoms) must not hold the pool's few
    threads while these tests wait for their own loader."""
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(120000)
    yield


def test_a_decoder_panic_shows_the_problem_not_loading(qtbot, tmp_path, monkeypatch):
    import cnoatlas.imaging.dicom_io as dicom_io

    write_series(tmp_path / "s", 4, rows=16, columns=16)

    def panic(*_args, **_kwargs):
        raise PanicException("called `Result::unwrap()` on an `Err` value")

    # Every slice goes through the decoder (not the raw fast read), and the decoder panics.
    real_read_header = dicom_io.read_header

    def no_fast_path(source):
        header = real_read_header(source)
        header.pixel_offset = None
        return header

    monkeypatch.setattr("cnoatlas.imaging.series.read_header", no_fast_path)
    monkeypatch.setattr("pydicom.dataset.Dataset.pixel_array", property(panic))
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    task = load_in_background(viewer, tmp_path / "s", first_slice=1)
    qtbot.waitUntil(lambda: task.delivered is not None, timeout=30000)
    result = task.delivered
    assert viewer.series is not None and viewer.series.failed.all()
    text = _status(viewer)
    assert "loading" not in text and "PanicException" in text and "\n" not in text
    assert result.problems and all("PanicException" in p.reason for p in result.problems)


def test_a_loader_that_dies_outright_says_so(qtbot, tmp_path, monkeypatch):
    import cnoatlas.imaging.series as series_module

    write_series(tmp_path / "s", 3, rows=16, columns=16)

    def panic(*_args, **_kwargs):
        raise PanicException("boom")

    monkeypatch.setattr(series_module, "scan_sources", panic)
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    # The viewer's own connection to the loader was made before the worker started, so it
    # cannot miss the failure (a test's waitSignal, connected after, could).
    load_in_background(viewer, tmp_path / "s")
    qtbot.waitUntil(lambda: "could not be loaded" in _status(viewer), timeout=20000)
    assert "\n" not in _status(viewer)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), b"\x00\x01\x02", "x" * 500])
def test_the_tag_table_takes_odd_values(tmp_path, value):
    from cnoatlas.imaging.series import load_series

    _, slices = write_series(tmp_path / "s", 1, rows=8, columns=8)
    ds = slices[0]
    if isinstance(value, float):
        ds.add_new(0x00189087, "FD", value)  # Diffusion b-value
    elif isinstance(value, bytes):
        ds.add_new(0x00091001, "UN", value)
        ds.add_new(0x00181030, "LO", value[:3].decode("latin-1"))
    else:
        ds.SeriesDescription = value
    ds.save_as(next((tmp_path / "s").iterdir()), enforce_file_format=True)
    series = load_series(tmp_path / "s").series[0]
    rows = header_rows(series, 0)
    assert rows and all("\n" not in r.value and len(r.value) <= 120 for r in rows)
