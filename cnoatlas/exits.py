"""How every command ends on a signal or a closed pipe: quietly, with the Unix exit code.

SIGINT and SIGTERM unwind the command (exit 130 / 143); inside Qt's C++ (a screenshot being
painted) an exception could not unwind quietly, so the process ends at once there; the GUI closes
its window and leaves its event loop. After a broken pipe stdout points at devnull, so Python's
last flush at exit is silent too (https://docs.python.org/3/library/signal.html#note-on-sigpipe).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable

# Like a Unix tool killed by the signal: 128 + SIGINT (2), SIGPIPE (13), SIGTERM (15).
EXIT_SIGINT, EXIT_PIPE, EXIT_SIGTERM = 130, 141, 143


class Stopped(BaseException):
    """SIGINT or SIGTERM arrived: unwind and exit with 128 + the signal's number."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


_gui_quit: Callable[[int], None] | None = None  # set while the GUI's event loop runs


def set_gui_quit(quit: Callable[[int], None] | None) -> None:
    """The GUI ends its event loop this way on SIGINT/SIGTERM (closing its window properly)."""
    global _gui_quit
    _gui_quit = quit


def _on_signal(signum: int, _frame) -> None:
    code = 128 + signum
    if _gui_quit is not None:
        _gui_quit(code)
        return
    # Inside Qt's C++ (painting a screenshot), an exception could not unwind quietly: end now.
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QCoreApplication

        if QCoreApplication.instance() is not None:
            quiet_exit(code)
    raise Stopped(code)


def quiet_exit(code: int) -> None:
    """Leave at once, without Python's last flush (the reader of stdout may have gone)."""
    logging.shutdown()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


def install_signal_handlers() -> None:
    with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such signal
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)


def stdout_gone() -> None:
    """After a broken pipe, point stdout at devnull so the final flush at exit is silent too
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def quiet_at_shutdown() -> None:
    """A signal during interpreter shutdown must not print a traceback either."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, lambda s, _f: quiet_exit(128 + s))
        signal.signal(signal.SIGTERM, lambda s, _f: quiet_exit(128 + s))
