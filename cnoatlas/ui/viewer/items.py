"""Small pieces a ``SeriesViewer`` is built from: a learner's mark on a slice, the view box that
turns the mouse into scrolling, windowing and zoom, and the scale bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from cnoatlas.ui.common.typography import role_points

# Point sizes of the text drawn on the image at interface scale 1 (see SeriesViewer.text_scale),
# from the one typographic scale: corner text and scale bar in the image-overlay role, the
# orientation letters a heading, a revealed finding body text.
_OVERLAY_POINTS = {
    "corner": role_points("overlay", 1.0),
    "mark": role_points("heading", 1.0),
    "finding": role_points("body", 1.0),
    "scale_bar": role_points("overlay", 1.0),
}


@dataclass(frozen=True)
class ImageMark:
    """A learner's mark on a slice (image column, row), drawn as a numbered crosshair."""

    slice: int
    col: float
    row: float
    colour: str | None = None  # None: the marking colour; feedback colours hits and misses


class SliceControls(Protocol):
    """What the view box asks of the viewer it sits in (``SeriesViewer`` is one)."""

    def step_slice(self, steps: int) -> None: ...

    def drag_window(self, dx: float, dy: float) -> None: ...

    def click_at(self, col: float, row: float) -> bool: ...

    def view_changed(self) -> None: ...


class _SliceViewBox(pg.ViewBox):
    """Wheel scrolls slices, right-drag windows, left-drag pans, Ctrl+wheel / middle-drag zoom."""

    def __init__(self, viewer: SliceControls) -> None:
        super().__init__(invertY=True, enableMenu=False)
        self._viewer = viewer
        self._wheel_delta = 0
        self.setMouseMode(pg.ViewBox.PanMode)

    def wheelEvent(self, ev, axis=None) -> None:
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(ev, axis)
            self._viewer.view_changed()
            return
        # One slice per notch (120); touchpads send smaller deltas, which add up.
        self._wheel_delta += ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        notches = int(self._wheel_delta / 120)
        if notches:
            self._wheel_delta -= notches * 120
            self._viewer.step_slice(-notches)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None) -> None:
        button = ev.button()
        if button == Qt.MouseButton.RightButton:
            ev.accept()
            delta = ev.screenPos() - ev.lastScreenPos()
            self._viewer.drag_window(delta.x(), delta.y())
            return
        if button == Qt.MouseButton.MiddleButton:
            ev.accept()
            delta = ev.screenPos() - ev.lastScreenPos()
            factor = 1.01 ** delta.y()
            self.scaleBy((factor, factor))
            self._viewer.view_changed()
            return
        super().mouseDragEvent(ev, axis)
        self._viewer.view_changed()

    def mouseClickEvent(self, ev) -> None:
        # pyqtgraph sends a click only when the press did not turn into a drag (the scene's
        # drag distance and time threshold), so left-drag still pans in marking mode.
        if ev.button() == Qt.MouseButton.LeftButton:
            point = self.mapSceneToView(ev.scenePos())
            if self._viewer.click_at(point.x(), point.y()):
                ev.accept()
                return
        ev.accept()


class ScaleBar(QWidget):
    """A bar of a round length (mm or cm) that follows the zoom."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("scaleBar")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.mm_per_pixel: float | None = None
        self.text = ""
        self.bar_pixels = 0
        self.point_size = _OVERLAY_POINTS["scale_bar"]
        self.resize(160, 34)

    def set_point_size(self, points: float) -> None:
        self.point_size = points
        self.resize(round(160 * points / _OVERLAY_POINTS["scale_bar"]), round(20 + 1.6 * points))
        self.update()

    def set_scale(self, mm_per_screen_pixel: float | None) -> None:
        self.mm_per_pixel = mm_per_screen_pixel
        if not mm_per_screen_pixel or mm_per_screen_pixel <= 0:
            self.text, self.bar_pixels = "", 0
        else:
            target = 120 * mm_per_screen_pixel
            nice = [1, 2, 5, 10, 20, 50, 100, 200, 500]
            length = max([n for n in nice if n <= target] or [nice[0]])
            self.bar_pixels = round(length / mm_per_screen_pixel)
            self.text = f"{length // 10} cm" if length >= 10 else f"{length} mm"
        self.update()

    def paintEvent(self, _event) -> None:
        if not self.bar_pixels:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        right = self.width() - 4
        left = right - self.bar_pixels
        y = self.height() - 8
        for colour, width in ((QColor(0, 0, 0, 190), 5), (QColor("#f2f2f2"), 2)):
            painter.setPen(QPen(colour, width))
            painter.drawLine(left, y, right, y)
            painter.drawLine(left, y - 6, left, y)
            painter.drawLine(right, y - 6, right, y)
        painter.setPen(QColor("#f2f2f2"))
        font = QFont("DejaVu Sans Mono")
        font.setPointSizeF(self.point_size)
        painter.setFont(font)
        painter.drawText(
            left,
            0,
            self.bar_pixels,
            y - 8,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
            self.text,
        )
        painter.end()
