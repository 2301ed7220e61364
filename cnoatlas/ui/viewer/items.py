"""Small pieces a ``SeriesViewer`` is built from: a learner's mark on a slice, the view box that
turns the mouse into scrolling, windowing and zoom, and the scale bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
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


class SliceImage(pg.ImageItem):
    """The slice on screen: pyqtgraph's ImageItem, its 8-bit grey picture kept as RGB32.

    Qt's raster engine scales a Grayscale8 image about four times slower than an RGB32 one
    (512x512 onto 800x800: 1.0 ms nearest and 1.6 ms bilinear, against 0.25 and 0.7 ms), and
    the conversion costs 0.08 ms once per new picture (slice, window), not per paint. The
    pixels shown are the same: every grey g becomes (g, g, g)."""

    def render(self) -> None:
        super().render()
        image = self.qimage
        if image is not None and image.format() == QImage.Format.Format_Grayscale8:
            self.qimage = image.convertToFormat(QImage.Format.Format_RGB32)


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
        self.set_point_size(_OVERLAY_POINTS["scale_bar"])

    def set_point_size(self, points: float) -> None:
        self.point_size = points
        self._font = QFont("DejaVu Sans Mono")
        self._font.setPointSizeF(points)
        metrics = QFontMetricsF(self._font)
        # Room for the longest bar and, whole, the widest text ("500 mm"): never clipped.
        k = points / _OVERLAY_POINTS["scale_bar"]
        width = max(160 * k, metrics.horizontalAdvance("500 mm") + 12)
        self.resize(math.ceil(width), math.ceil(metrics.height() + 18))
        self.update()

    def _target_pixels(self) -> float:
        """About how long the bar is on screen: in step with the text size."""
        return 120 * self.point_size / _OVERLAY_POINTS["scale_bar"]

    def set_scale(self, mm_per_screen_pixel: float | None) -> None:
        self.mm_per_pixel = mm_per_screen_pixel
        if not mm_per_screen_pixel or mm_per_screen_pixel <= 0:
            self.text, self.bar_pixels = "", 0
        else:
            target = self._target_pixels() * mm_per_screen_pixel
            nice = [1, 2, 5, 10, 20, 50, 100, 200, 500]
            length = max([n for n in nice if n <= target] or [nice[0]])
            self.bar_pixels = round(length / mm_per_screen_pixel)  # < width: target < 160 k
            self.text = f"{length // 10} cm" if length >= 10 else f"{length} mm"
        self.update()

    def text_rect(self) -> QRectF:
        """Where the text goes: centred over the bar, as wide as the text, inside the widget."""
        metrics = QFontMetricsF(self._font)
        width = metrics.horizontalAdvance(self.text) + 4
        right = self.width() - 4
        centre = right - self.bar_pixels / 2
        left = min(max(0.0, centre - width / 2), self.width() - width)
        return QRectF(left, 0, width, metrics.height() + 2)

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
        painter.setFont(self._font)
        rect = self.text_rect()
        painter.setPen(QColor(0, 0, 0, 200))  # a dark halo keeps it legible on bright marrow
        painter.drawText(rect.translated(1, 1), Qt.AlignmentFlag.AlignCenter, self.text)
        painter.setPen(QColor("#f2f2f2"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)
        painter.end()


@dataclass(frozen=True)
class LabelSpec:
    """A label to lay out: its key (the annotation id), text lines, colour, anchor and the
    lesion's box on the canvas (pixels)."""

    key: str
    text: str
    colour: str
    anchor: tuple[float, float]
    target: tuple[float, float, float, float] | None


class LabelLayer(QWidget):
    """The findings' labels over the image, laid out by ``layout_labels``: each on a dark plate
    beside its lesion with a leader line, or a numbered badge and a legend line when there is
    no room. One widget over the whole canvas, transparent to the mouse."""

    PLATE = QColor(0, 0, 0, 190)

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}-labels")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.font = QFont()
        self.font.setBold(True)
        self.set_point_size(_OVERLAY_POINTS["finding"])
        self.specs: dict[str, LabelSpec] = {}
        self.layout_result = None  # the last LabelLayout

    def set_point_size(self, points: float) -> None:
        self.font.setPointSizeF(points)
        self._metrics = QFontMetricsF(self.font)
        self.update()

    def pad(self) -> float:
        return self._metrics.height() * 0.25

    def measure(self, text: str) -> tuple[float, float]:
        """The plate size of a (possibly two-line) label."""
        lines = text.split("\n")
        width = max(self._metrics.horizontalAdvance(line) for line in lines)
        pad = self.pad()
        return (math.ceil(width + 2 * pad), math.ceil(self._metrics.height() * len(lines) + pad))

    def legend_line(self, texts: list[str]) -> tuple[float, float]:
        """(width, height) of one legend entry: the number, then the label's lines."""
        lines = [line for t in texts for line in t.split("\n")]
        widest = max((self._metrics.horizontalAdvance(line) for line in lines), default=0)
        count = max((len(t.split("\n")) for t in texts), default=1)
        indent = self._metrics.horizontalAdvance("00  ")
        return (
            math.ceil(widest + indent + 2 * self.pad()),
            math.ceil(self._metrics.height() * count + 4),
        )

    def badge_size(self) -> tuple[float, float]:
        side = math.ceil(self._metrics.height() * 1.1)
        return (side, side)

    def show_layout(self, specs: list[LabelSpec], layout) -> None:
        self.specs = {s.key: s for s in specs}
        self.layout_result = layout
        self.update()

    def clear(self) -> None:
        self.show_layout([], None)

    # --- what is drawn, for tests and for a slide's visible texts ---------------------------
    def boxes(self) -> list[QRectF]:
        if self.layout_result is None:
            return []
        return [QRectF(b.x, b.y, b.w, b.h) for b in self.layout_result.boxes()]

    def texts(self) -> list[str]:
        """Every label text drawn (labels and legend lines), lines joined by ': '."""
        if self.layout_result is None:
            return []
        found = [self.specs[p.key].text for p in self.layout_result.placed]
        if self.layout_result.legend_box is not None:
            found += [self.specs[e.key].text for e in self.layout_result.legend]
        return [t.replace("\n", ": ") for t in found]

    def paintEvent(self, _event) -> None:
        result = self.layout_result
        if result is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.font)
        for placed in result.placed:
            spec = self.specs[placed.key]
            colour = QColor(spec.colour)
            if placed.leader is not None:
                (x0, y0), (x1, y1) = placed.leader
                for pen in (QPen(QColor(0, 0, 0, 200), 3.5), QPen(colour, 1.5)):
                    painter.setPen(pen)
                    painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
                painter.setBrush(colour)
                painter.drawEllipse(QPointF(x1, y1), 2.5, 2.5)
            box = QRectF(placed.box.x, placed.box.y, placed.box.w, placed.box.h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.PLATE)
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(colour)
            inner = box.adjusted(self.pad(), self.pad() / 2, -self.pad(), -self.pad() / 2)
            painter.drawText(
                inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), spec.text
            )
        for entry in result.legend:
            if entry.badge is None:
                continue
            colour = QColor(self.specs[entry.key].colour)
            box = QRectF(entry.badge.x, entry.badge.y, entry.badge.w, entry.badge.h)
            painter.setPen(QPen(colour, 1.5))
            painter.setBrush(self.PLATE)
            painter.drawEllipse(box)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(entry.number))
        if result.legend_box is not None:
            b = result.legend_box
            box = QRectF(b.x, b.y, b.w, b.h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.PLATE)
            painter.drawRoundedRect(box, 3, 3)
            count = max(len(self.specs[e.key].text.split("\n")) for e in result.legend)
            line = self._metrics.height() * count + 4
            indent = self._metrics.horizontalAdvance("00  ")
            y = box.top() + 4
            for entry in result.legend:
                spec = self.specs[entry.key]
                painter.setPen(QColor(spec.colour))
                row = QRectF(box.left() + 4, y, box.width() - 8, line)
                top = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                painter.drawText(row, top, str(entry.number))
                painter.drawText(row.adjusted(indent, 0, 0, 0), top, spec.text)
                y += line
        painter.end()
