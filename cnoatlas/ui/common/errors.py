"""Uncaught exceptions in the GUI: logged with their traceback, shown in a dialog, app keeps running."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from cnoatlas import paths

log = logging.getLogger("cnoatlas.gui")
_showing = False


def user_message(exc: BaseException) -> str:
    return (
        "Something went wrong, but the atlas is still running and nothing you saved was lost.\n\n"
        f"{type(exc).__name__}: {exc}\n\n"
        f"The details are in the log file:\n{paths.log_file()}"
    )


def handle_exception(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    global _showing
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    log.error("uncaught exception\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    app = QApplication.instance()
    if app is None or _showing:
        return
    # One dialog at a time: an error inside a paint event would otherwise stack dialogs.
    _showing = True
    try:
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", user_message(exc))
        box.setObjectName("errorDialog")
        box.exec()
    finally:
        _showing = False


def _qt_message(mode: QtMsgType, _context, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(mode, logging.ERROR)
    logging.getLogger("cnoatlas.qt").log(level, message)


def route_qt_messages_to_log() -> None:
    qInstallMessageHandler(_qt_message)


def install_error_handling() -> None:
    sys.excepthook = handle_exception
    route_qt_messages_to_log()
