"""Every registered view, built and rendered to PNG: ``cnoatlas screenshot`` and the tests.

The shell imports each feature module that registers views, and tells the registry how to make
the main window that most views show a page of.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from cnoatlas.domain.errors import AtlasError

# Importing a feature module registers its views; a new view module is added here.
from cnoatlas.ui.atlas import overlay as _overlay  # noqa: F401
from cnoatlas.ui.atlas import page as _atlas  # noqa: F401
from cnoatlas.ui.cases import browser as _cases  # noqa: F401
from cnoatlas.ui.common.views import ViewRequest, ViewSpec, grab_widget, registered_views
from cnoatlas.ui.lecture import presentation as _lecture  # noqa: F401
from cnoatlas.ui.quiz import page as _quiz  # noqa: F401
from cnoatlas.ui.reading import page as _reading  # noqa: F401
from cnoatlas.ui.shell import main_window as _main_window  # noqa: F401
from cnoatlas.ui.shell.app import ensure_app
from cnoatlas.ui.viewer import series_window as _series  # noqa: F401


def available_views() -> dict[str, ViewSpec]:
    return registered_views()


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


def render_view(request: ViewRequest, out: Path) -> QImage:
    ensure_app(theme=request.theme, scale=request.scale)
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
