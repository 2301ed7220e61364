"""How a running GUI is asked to stop when SIGINT or SIGTERM arrives.

The command line installs the signal handlers; the GUI, while its event loop runs, says here how
to end it (close the window so it saves its state, then leave the loop with the exit code).
"""

from __future__ import annotations

from collections.abc import Callable

_gui_quit: Callable[[int], None] | None = None


def set_gui_quit(quit: Callable[[int], None] | None) -> None:
    global _gui_quit
    _gui_quit = quit


def gui_quit() -> Callable[[int], None] | None:
    return _gui_quit
