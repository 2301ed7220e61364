"""The QApplication the in-process sections measure with (offscreen, default theme)."""

from __future__ import annotations

import os


def ensure_offscreen_app():
    # Never a real window: the figures must not depend on (or flash up on) a display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from cnoatlas.ui.shell.app import ensure_app

    return ensure_app(theme="dark", scale=1.0)
