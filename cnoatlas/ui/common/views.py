"""Named views that can be rendered to PNG without a display.

A module registers a view with ``@register_view("name")``; the factory receives the
request and returns a top-level widget ready to be sized and grabbed. Views that take an
argument are written ``name:ARGUMENT`` on the command line (``overlay:andronikou2020``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from cnoatlas.domain.errors import AtlasError

# Modules that register views when imported; a new view module adds itself here.
VIEW_MODULES = [
    "cnoatlas.ui.shell.main_window",
    "cnoatlas.ui.viewer.series_window",
    "cnoatlas.ui.quiz.page",
    "cnoatlas.ui.atlas.overlay",
    "cnoatlas.ui.atlas.page",
    "cnoatlas.ui.cases.browser",
    "cnoatlas.ui.reading.page",
    "cnoatlas.ui.lecture.presentation",
]


@dataclass(frozen=True)
class ViewRequest:
    name: str
    argument: str | None = None
    size: tuple[int, int] = (1920, 1080)
    theme: str = "dark"
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


def available_views() -> dict[str, ViewSpec]:
    for module in VIEW_MODULES:
        importlib.import_module(module)
    return dict(_VIEWS)


def build_view(request: ViewRequest) -> QWidget:
    views = available_views()
    spec = views.get(request.name)
    if spec is None:
        known = ", ".join(f"{n}:…" if v.argument else n for n, v in sorted(views.items()))
        raise AtlasError(f"unknown view '{request.name}' (known views: {known})")
    if spec.argument and not request.argument:
        raise AtlasError(f"view '{request.name}' needs {spec.argument}: {request.name}:VALUE")
    if not spec.argument and request.argument:
        raise AtlasError(f"view '{request.name}' takes no argument after ':'")
    return spec.factory(request)


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


def render_view(request: ViewRequest, out: Path) -> QImage:
    from cnoatlas.ui.shell.app import ensure_app

    ensure_app(theme=request.theme)
    widget = build_view(request)
    try:
        image = grab_widget(widget, request.size)
    finally:
        widget.close()
        widget.deleteLater()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise AtlasError(f"{out}: could not write the PNG (is the folder writable?)")
    QApplication.processEvents()
    return image
