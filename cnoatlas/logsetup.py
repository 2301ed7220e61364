"""One rotating log file for the GUI and the command line; tracebacks go here, not to the user."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from cnoatlas import paths

_configured = False


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    global _configured
    logger = logging.getLogger("cnoatlas")
    if _configured:
        return logger
    try:
        handler: logging.Handler = RotatingFileHandler(
            paths.log_file(), maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        # A read-only home must not stop the atlas; fall back to stderr.
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    _configured = True
    return logger


def route_library_warnings() -> None:
    """Python warnings and the messages of pydicom's logger go to the log file, not stderr
    (the command line's stderr is for one-line errors only)."""
    logging.captureWarnings(True)
    ours = logging.getLogger("cnoatlas")
    for name in ("py.warnings", "pydicom"):
        other = logging.getLogger(name)
        other.propagate = False
        for handler in ours.handlers:
            if handler not in other.handlers:
                other.addHandler(handler)
