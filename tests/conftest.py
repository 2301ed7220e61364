"""Shared test setup: offscreen Qt and a private user folder for every test session."""

import os
import tempfile

import pytest

# Must happen before anything imports Qt: without a display pytest-qt would abort.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# User state (settings, progress, logs, caches) never touches the developer's real folders.
os.environ["CNOATLAS_HOME"] = tempfile.mkdtemp(prefix="cnoatlas-test-home-")
# The session's tests share one phantom cache (in that folder) and make more studies than the
# library has (each test's own descriptions too): with the user's 300 MB default, studies the
# next tests need were evicted and generated again (the suite ran about 5x slower). The session
# gets a budget of its own, a default only: tests that set a budget still set it.
os.environ["CNOATLAS_CACHE_BUDGET_MB"] = "5000"


@pytest.fixture(autouse=True)
def _close_stray_windows(request):
    """Close windows a Qt test left open: a stray window on top steals later tests' mouse events."""
    yield
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        return
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    app.processEvents()


from tests.orthanc import orthanc  # noqa: E402, F401  (the real server, for the tests that ask)
