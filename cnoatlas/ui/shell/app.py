"""Builds the QApplication and starts the GUI."""

from __future__ import annotations

import os
import sys

from PySide6.QtWidgets import QApplication

from cnoatlas import APP_NAME, __version__
from cnoatlas.ui.common.theme import apply_theme


def ensure_app(theme: str | None = None, scale: float | None = None) -> QApplication:
    """The one QApplication, created on first use and themed from settings or arguments."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setOrganizationName("cnoatlas")
        app.setDesktopFileName("cnoatlas")
        app.setWindowIcon(app_icon())
        from cnoatlas.ui.common.errors import route_qt_messages_to_log

        route_qt_messages_to_log()
    from cnoatlas.ui.common.settings import AppSettings

    settings = AppSettings()
    apply_theme(app, theme or settings.theme, scale if scale is not None else settings.scale)
    return app


def app_icon():
    """The atlas's icon (assets/icons, drawn from its own skeleton by tools/build_icons.py)."""
    from PySide6.QtGui import QIcon

    from cnoatlas import paths

    icon = QIcon()
    folder = paths.assets_dir() / "icons"
    for png in sorted(folder.glob("cnoatlas-*.png")):
        icon.addFile(str(png))
    return icon


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _remove_orphan_temps() -> None:
    """Temporary files of saves a kill interrupted, older than a day (their data is lost)."""
    from cnoatlas import paths
    from cnoatlas.domain.storage import remove_orphan_temps

    data = paths.user_data_dir()
    for folder in (data, data / "playlists", paths.user_config_dir()):
        remove_orphan_temps(folder)


def run_gui() -> int:
    from cnoatlas.ui.common.errors import install_error_handling
    from cnoatlas.ui.shell.main_window import MainWindow

    app = ensure_app()
    install_error_handling()
    _remove_orphan_temps()
    window = MainWindow(page_after_paint=True)  # on screen before its first page is built
    window.show()
    return _run_loop(app, window)


def _run_loop(app, window) -> int:
    """Qt's event loop, ended by SIGINT/SIGTERM too: the window closes (saving its state)."""
    from PySide6.QtCore import QTimer

    from cnoatlas import exits

    def stop(code: int) -> None:
        window.close()
        app.exit(code)

    exits.set_gui_quit(stop)
    wake = QTimer(app)  # Qt's loop is C++: wake Python now and then so a signal is seen
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        return app.exec()
    finally:
        exits.set_gui_quit(None)


def run_presentation(path: str | None = None) -> int:
    """`cnoatlas --present [PLAYLIST]`: the atlas window behind, the lecture in front."""
    from cnoatlas.ui.common.errors import install_error_handling
    from cnoatlas.ui.lecture.presentation import present
    from cnoatlas.ui.shell.main_window import MainWindow

    app = ensure_app()
    install_error_handling()
    window = MainWindow()
    window.show()
    window.presentation = present(path, window)
    return _run_loop(app, window)
