"""The registry of named views that can be rendered to PNG without a display.

A feature module registers a view with ``@register_view("name")``; the factory receives the
request and returns a top-level widget ready to be sized and grabbed. Rendering lives in the
shell (``cnoatlas.ui.shell.screens``), which imports every view module. Views that take an
argument are written ``name:ARGUMENT`` on the command line (``overlay:andronikou2020``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ViewRequest:
    name: str
    argument: str | None = None
    size: tuple[int, int] = (1920, 1080)
    theme: str = "dark"
    scale: float = 1.0  # the interface scale (never the user's saved one)
    select: str | None = None
    slice: int | None = None

    @classmethod
    def parse(cls, view: str, **kwargs) -> ViewRequest:
        name, _, argument = view.partition(":")
        return cls(name=name, argument=argument or None, **kwargs)


@dataclass(frozen=True)
class ViewSpec:
    name: str
    summary: str
    factory: Callable[[ViewRequest], QWidget]
    argument: str | None  # what the part after the colon means, None if the view takes none


_VIEWS: dict[str, ViewSpec] = {}


def register_view(name: str, summary: str, argument: str | None = None):
    def decorator(factory: Callable[[ViewRequest], QWidget]):
        _VIEWS[name] = ViewSpec(name, summary, factory, argument)
        return factory

    return decorator


def registered_views() -> dict[str, ViewSpec]:
    """The views registered so far (the shell's ``screens`` module imports them all)."""
    return dict(_VIEWS)


def settle(rounds: int = 5) -> None:
    """Let layouts, deferred loads and repaints finish before a grab."""
    for _ in range(rounds):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def grab_widget(widget: QWidget, size: tuple[int, int]) -> QImage:
    """Lay the widget out at exactly ``size`` and paint it into an image of that size."""
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, False)
    widget.resize(*size)
    widget.show()
    settle()
    widget.resize(*size)
    settle()
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
    image.fill(widget.palette().window().color())
    widget.render(image)
    return image


# --- the main window, for views that show it ----------------------------------------------------
_main_window_factory: Callable[[], QWidget] | None = None


def set_main_window_factory(factory: Callable[[], QWidget]) -> None:
    """The shell says how a fresh main window is made (it owns the window; features do not)."""
    global _main_window_factory
    _main_window_factory = factory


def new_main_window():
    """A fresh main window that does not restore the user's state, for a view to show a page in."""
    if _main_window_factory is None:
        raise RuntimeError("no main window: import cnoatlas.ui.shell.screens to render views")
    return _main_window_factory()
