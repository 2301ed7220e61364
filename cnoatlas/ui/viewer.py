"""A DICOM series viewer a radiologist is at home in, and a grid of linked viewers.

``SeriesViewer`` shows one ``cnoatlas.imaging.series.Series``: wheel / arrows / Page Up/Down /
slider scroll, right-drag windows, left-drag pans, Ctrl+wheel or middle-drag zooms, with
orientation markers, a scale bar, an info overlay (never a patient identifier) and teaching
annotations. ``ViewerGrid`` lays out 1x1, 1x2 or 2x2 viewers and links their scrolling by
position. Pixels are streamed in by ``SeriesLoadTask`` on a thread pool.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging import windowing
from cnoatlas.imaging.series import FirstImage, LoadResult, Series, linked_slice
from cnoatlas.ui.annotation_items import LABEL_POINT_SIZE, AnnotationItem
from cnoatlas.ui.views import ViewRequest, register_view

_OVERLAY_STYLE = (
    "QLabel { color: #f2f2f2; background: transparent; font-family: 'DejaVu Sans Mono';"
    " font-size: %dpt; }"
)
# Point sizes of the text drawn on the image at interface scale 1 (see SeriesViewer.text_scale).
_OVERLAY_POINTS = {"corner": 9.0, "mark": 13.0, "finding": 10.0, "scale_bar": 9.0}
LAYOUTS = {"1x1": (1, 1), "1x2": (1, 2), "2x2": (2, 2)}
SLIDER_MIN_WIDTH = 160  # narrower than this, the slider moves to a row of its own

# The viewer's keys, one list for its actions and for Help › Keyboard shortcuts.
VIEWER_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Next slice", ("Down", "Right")),
    ("Previous slice", ("Up", "Left")),
    ("Forward ten slices", ("PgDown",)),
    ("Back ten slices", ("PgUp",)),
    ("First slice", ("Home",)),
    ("Last slice", ("End",)),
    ("Zoom in", ("+", "=")),
    ("Zoom out", ("-",)),
    ("Fit image", ("F",)),
    ("Reset view", ("R",)),
    ("Invert grey", ("I",)),
    ("Cine", ("Space",)),
    ("Toggle annotations", ("A",)),
    ("Reveal next finding", ("N",)),
    ("Header tags", ("T",)),
)


def _site_name(site_id: str) -> str:
    """A site as a reader names it ("T9 vertebral body"), never its id; "" if unknown."""
    from cnoatlas.domain.sites import site_model

    model = site_model()
    return model.name(site_id) if site_id and model.is_known(site_id) else ""


def viewer_shortcuts() -> list[tuple[str, str]]:
    """(keys, action) rows for the shortcuts list, read from VIEWER_KEYS."""
    names = {"PgDown": "Page Down", "PgUp": "Page Up"}
    return [
        (", ".join(names.get(k, QKeySequence(k).toString()) for k in keys), text)
        for text, keys in VIEWER_KEYS
    ]


MARK_COLOUR = "#00e5ff"  # cyan: apart from the yellow findings on either grey polarity
MARK_PIXELS = 26  # crosshair size on screen
MARK_HIT_PIXELS = 12  # a click this close to a mark (on screen) removes it


@dataclass(frozen=True)
class ImageMark:
    """A learner's mark on a slice (image column, row), drawn as a numbered crosshair."""

    slice: int
    col: float
    row: float
    colour: str | None = None  # None: the marking colour; feedback colours hits and misses


def _crosshair() -> QPainterPath:
    """A crosshair with an open centre, so the pixel marked stays visible (unit size)."""
    path = QPainterPath()
    for (x0, y0), (x1, y1) in (
        ((-0.5, 0.0), (-0.14, 0.0)),
        ((0.14, 0.0), (0.5, 0.0)),
        ((0.0, -0.5), (0.0, -0.14)),
        ((0.0, 0.14), (0.0, 0.5)),
    ):
        path.moveTo(x0, y0)
        path.lineTo(x1, y1)
    path.addEllipse(-0.05, -0.05, 0.1, 0.1)
    return path


class _SliceViewBox(pg.ViewBox):
    """Wheel scrolls slices, right-drag windows, left-drag pans, Ctrl+wheel / middle-drag zoom."""

    def __init__(self, viewer: SeriesViewer) -> None:
        super().__init__(invertY=True, enableMenu=False)
        self._viewer = viewer
        self._wheel_delta = 0
        self.setMouseMode(pg.ViewBox.PanMode)

    def wheelEvent(self, ev, axis=None) -> None:
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(ev, axis)
            self._viewer._view_changed()
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
            self._viewer._view_changed()
            return
        super().mouseDragEvent(ev, axis)
        self._viewer._view_changed()

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


class SeriesViewer(QWidget):
    """One series on screen, with everything needed to read it."""

    sliceChanged = Signal(int)
    annotationClicked = Signal(str)
    windowChanged = Signal(float, float)
    # Marking mode: a left click (not a drag) at image (column, row) of a slice; and the marks
    # after a click on a mark removed it.
    pointClicked = Signal(str, int, float, float)
    marksChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None, name: str = "seriesViewer") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Image viewer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.series: Series | None = None
        self._index = 0
        self._center, self._width = 0.5, 1.0
        self._inverted = False
        self._annotations: list[Annotation] = []
        self._annotation_items: list[AnnotationItem] = []
        self._annotations_visible = True
        self._revealed: list[str] | None = None  # None: all shown; else ids revealed so far
        self._selected: str | None = None
        self._fitted = False
        self._placeholder_window = False
        self._marking = False
        self._marks: list[ImageMark] = []
        self._mark_items: list = []

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName(f"{name}-canvas")
        self.graphics.setBackground("k")
        self.graphics.ci.setContentsMargins(0, 0, 0, 0)
        self.graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view = _SliceViewBox(self)
        self.graphics.ci.addItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setPos(-0.5, -0.5)  # pixel centres at integer coordinates
        self.view.addItem(self.image)
        self.view.sigRangeChanged.connect(lambda *_: self._update_scale_bar())

        canvas = self.graphics.viewport()
        self._labels: dict[str, QLabel] = {}
        for key in (
            "top_left",
            "top_right",
            "bottom_left",
            "finding",
            "mark_left",
            "mark_right",
            "mark_top",
            "mark_bottom",
            "status",
        ):
            label = QLabel(canvas)
            label.setObjectName(f"{name}-{key}")
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            if key == "finding":
                label.setWordWrap(True)
                label.hide()
            self._labels[key] = label
        self.scale_bar = ScaleBar(canvas)
        self._text_scale: float | None = None  # None: follow the interface scale
        self._apply_text_scale()

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"{name}-slider")
        self.slider.setAccessibleName("Slice")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.valueChanged.connect(self.set_slice)
        self.counter = QLabel("–")
        self.counter.setObjectName(f"{name}-counter")
        self.counter.setMinimumWidth(70)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.presets = QComboBox()
        self.presets.setObjectName(f"{name}-presets")
        self.presets.setAccessibleName("Window preset")
        self.presets.setToolTip("Window presets for this kind of series (right-drag to adjust)")
        self.presets.activated.connect(self._preset_chosen)

        def tool(key: str, text: str, tip: str, slot, checkable: bool = False) -> QToolButton:
            button = QToolButton()
            button.setObjectName(f"{name}-{key}")
            button.setAccessibleName(tip.split(" (")[0])
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(checkable)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            (button.toggled if checkable else button.clicked).connect(slot)
            return button

        self.invert_button = tool(
            "invert", "Invert", "Invert grey scale (I)", self.set_inverted, True
        )
        self.fit_button = tool("fit", "Fit", "Fit the image to the view (F)", self.fit)
        self.play_button = tool(
            "play", "▶ Cine", "Play through the slices (Space)", self._toggle_play, True
        )
        self.annotations_button = tool(
            "annotations", "Findings", "Show or hide annotations (A)", self.show_annotations, True
        )
        self.annotations_button.setChecked(True)
        self.tags_button = tool(
            "tags",
            "Tags…",
            "Header elements of this slice, without identifiers (T)",
            self.open_tag_browser,
        )

        # The slider beside the controls; on its own row above them when the viewer is too
        # narrow for both (a case page on a laptop), so it never shrinks to a stub.
        self._bar = bar = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        bar.setContentsMargins(6, 2, 6, 2)
        bar.setSpacing(6)
        bar.addWidget(self.slider, 1)
        self._controls = controls = QHBoxLayout()
        controls.setSpacing(6)
        controls.addWidget(self.counter)
        controls.addWidget(self.presets)
        for button in (
            self.invert_button,
            self.fit_button,
            self.play_button,
            self.annotations_button,
            self.tags_button,
        ):
            controls.addWidget(button)
        bar.addLayout(controls)
        bar.setAlignment(controls, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(bar)

        self._cine = QTimer(self)
        self._cine.setInterval(100)
        self._cine.timeout.connect(lambda: self.step_slice(1, wrap=True))
        self._tag_dialog: TagBrowser | None = None
        self._build_actions()
        self._show_empty("No series loaded")

    # --- keyboard ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, keys: Sequence[str], slot) -> None:
            act = QAction(text, self)
            act.setObjectName("action" + "".join(w.capitalize() for w in text.split()))
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)

        slots = {
            "Next slice": lambda: self.step_slice(1),
            "Previous slice": lambda: self.step_slice(-1),
            "Forward ten slices": lambda: self.step_slice(10),
            "Back ten slices": lambda: self.step_slice(-10),
            "First slice": lambda: self.set_slice(0),
            "Last slice": lambda: self.set_slice(self.slice_count() - 1),
            "Zoom in": lambda: self.zoom(1.25),
            "Zoom out": lambda: self.zoom(0.8),
            "Fit image": self.fit,
            "Reset view": self.reset,
            "Invert grey": lambda: self.set_inverted(not self._inverted),
            "Cine": lambda: self.play_button.toggle(),
            "Toggle annotations": lambda: self.annotations_button.toggle(),
            "Reveal next finding": self.reveal_next,
            "Header tags": self.open_tag_browser,
        }
        for text, keys in VIEWER_KEYS:
            action(text, keys, slots[text])

    # --- public API ------------------------------------------------------------------------
    def set_series(self, series: Series | None, first_slice: int | None = None) -> None:
        """Show a series (its pixels may still be streaming in; call ``slice_loaded``)."""
        self.stop()
        self.series = series
        self._fitted = False
        if series is None:
            self._show_empty("No series loaded")
            return
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(series) - 1)
        self.slider.blockSignals(False)
        self._index = -1
        self._inverted = series.inverted_by_default
        self.invert_button.blockSignals(True)
        self.invert_button.setChecked(self._inverted)
        self.invert_button.blockSignals(False)
        self.view.setAspectLocked(True, ratio=1.0 / series.aspect)
        index = len(series) // 2 if first_slice is None else first_slice
        self._window_from_series(index)
        self.set_slice(index)
        self.fit()

    def set_annotations(self, annotations: Sequence[Annotation]) -> None:
        self._annotations = list(annotations)
        self._selected = None
        self._labels["finding"].hide()
        if self._revealed is not None:
            self._revealed = []
        self._draw_annotations()

    def annotations(self) -> list[Annotation]:
        return list(self._annotations)

    def slice_count(self) -> int:
        return len(self.series) if self.series is not None else 0

    def slice_index(self) -> int:
        return self._index

    def set_slice(self, index: int) -> None:
        if self.series is None:
            return
        index = max(0, min(int(index), len(self.series) - 1))
        if index == self._index:
            return
        self._index = index
        self.slider.blockSignals(True)
        self.slider.setValue(index)
        self.slider.blockSignals(False)
        self._render()
        self._draw_annotations()
        self._draw_marks()
        self._update_overlay()
        self.sliceChanged.emit(index)

    def step_slice(self, steps: int, wrap: bool = False) -> None:
        n = self.slice_count()
        if not n:
            return
        target = self._index + steps
        self.set_slice(target % n if wrap else target)

    def window(self) -> tuple[float, float]:
        return self._center, self._width

    def set_window(self, center: float, width: float) -> None:
        self._center, self._width = float(center), max(float(width), 1e-3)
        self._render()
        self._update_overlay()
        self.windowChanged.emit(self._center, self._width)

    def inverted(self) -> bool:
        return self._inverted

    def set_inverted(self, inverted: bool) -> None:
        self._inverted = bool(inverted)
        if self.invert_button.isChecked() != self._inverted:
            self.invert_button.blockSignals(True)
            self.invert_button.setChecked(self._inverted)
            self.invert_button.blockSignals(False)
        self._render()
        self._update_overlay()

    def drag_window(self, dx: float, dy: float) -> None:
        """Right-drag: right widens the window, down raises the level (as on most consoles)."""
        sensitivity = max(self._width, 1.0) / 250.0
        self.set_window(self._center + dy * sensitivity, max(1.0, self._width + dx * sensitivity))

    def zoom(self, factor: float) -> None:
        self.view.scaleBy((1.0 / factor, 1.0 / factor))
        self._view_changed()

    def show_region(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Frame part of the image (a lesion); it stays framed when the view is resized."""
        self.view.setRange(xRange=x_range, yRange=y_range, padding=0)
        self._fitted = False
        self._view_changed()

    def zoom_factor(self) -> float:
        """Screen pixels per image column (1.0 = one image pixel per screen pixel)."""
        size = self.view.viewPixelSize()
        return 1.0 / size[0] if size[0] else 1.0

    def view_range(self) -> list[list[float]]:
        return self.view.viewRange()

    def fit(self) -> None:
        if self.series is None:
            return
        self.view.setRange(
            xRange=(-0.5, self.series.columns - 0.5),
            yRange=(-0.5, self.series.rows - 0.5),
            padding=0.02,
        )
        self._fitted = True
        self._view_changed()

    def reset(self) -> None:
        """Fit, default window and default grey polarity."""
        if self.series is None:
            return
        self._window_from_series(self._index)
        self.set_inverted(self.series.inverted_by_default)
        self.fit()

    def play(self, frames_per_second: float = 10.0) -> None:
        self._cine.setInterval(max(20, round(1000 / frames_per_second)))
        self._cine.start()
        if not self.play_button.isChecked():
            self.play_button.blockSignals(True)
            self.play_button.setChecked(True)
            self.play_button.blockSignals(False)

    def stop(self) -> None:
        self._cine.stop()
        if self.play_button.isChecked():
            self.play_button.blockSignals(True)
            self.play_button.setChecked(False)
            self.play_button.blockSignals(False)

    def is_playing(self) -> bool:
        return self._cine.isActive()

    def _toggle_play(self, on: bool) -> None:
        if on:
            self.play()
        else:
            self.stop()

    # --- annotations -----------------------------------------------------------------------
    def show_annotations(self, visible: bool = True) -> None:
        self._annotations_visible = bool(visible)
        if self.annotations_button.isChecked() != self._annotations_visible:
            self.annotations_button.blockSignals(True)
            self.annotations_button.setChecked(self._annotations_visible)
            self.annotations_button.blockSignals(False)
        self._draw_annotations()

    def annotations_visible(self) -> bool:
        return self._annotations_visible

    def hide_all(self) -> None:
        """Teaching mode: every finding hidden until revealed one by one."""
        self._revealed = []
        self._selected = None
        self._labels["finding"].hide()
        self._draw_annotations()

    def reveal_next(self) -> Annotation | None:
        """Reveal the next hidden finding (in file order) and go to its slice."""
        if self._revealed is None:
            self._revealed = []
        for a in self._annotations:
            if a.id not in self._revealed and self._slice_of(a) is not None:
                self._revealed.append(a.id)
                self.show_annotations(True)
                target = self._slice_of(a)
                if target is not None and target != self._index:
                    self.set_slice(target)
                else:
                    self._draw_annotations()
                return a
        return None

    def reveal_all(self) -> None:
        self._revealed = None
        self.show_annotations(True)

    def visible_annotation_ids(self) -> list[str]:
        """Ids of the annotations drawn on the current slice right now."""
        return [item.annotation.id for item in self._annotation_items if item.isVisible()]

    def _slice_of(self, annotation: Annotation) -> int | None:
        """The slice an annotation sits on: by SOP instance when unique, else by its index."""
        if self.series is None or annotation.series_uid != self.series.uid:
            return None
        if annotation.sop_instance_uid:
            matches = [
                i
                for i, s in enumerate(self.series.slices)
                if s.sop_instance_uid == annotation.sop_instance_uid
            ]
            if len(matches) == 1:
                return matches[0]
        return annotation.slice if 0 <= annotation.slice < len(self.series) else None

    def _draw_annotations(self) -> None:
        for item in self._annotation_items:
            self.view.removeItem(item)
        self._annotation_items = []
        if self.series is None or not self._annotations_visible:
            return
        for a in self._annotations:
            if self._slice_of(a) != self._index:
                continue
            if self._revealed is not None and a.id not in self._revealed:
                continue
            item = AnnotationItem(a, LABEL_POINT_SIZE * self.text_scale())
            item.set_selected_look(a.id == self._selected)
            self.view.addItem(item)
            self._annotation_items.append(item)

    # --- marking ---------------------------------------------------------------------------
    def set_marking(self, on: bool) -> None:
        """Marking mode: a left click reports ``pointClicked``; a click on a mark removes it."""
        self._marking = bool(on)
        self.graphics.viewport().setCursor(
            Qt.CursorShape.CrossCursor if self._marking else Qt.CursorShape.ArrowCursor
        )

    def marking(self) -> bool:
        return self._marking

    def set_marks(self, marks: Sequence[ImageMark | tuple]) -> None:
        """The marks to draw, numbered in this order: ImageMark or (slice, col, row[, colour])."""
        self._marks = [m if isinstance(m, ImageMark) else ImageMark(*m) for m in marks]
        self._draw_marks()

    def marks(self) -> list[ImageMark]:
        return list(self._marks)

    def mark_at(self, col: float, row: float) -> int | None:
        """The index of the mark on this slice near image (col, row), if any."""
        tolerance = MARK_HIT_PIXELS / max(self.zoom_factor(), 0.05)
        near = [
            (abs(m.col - col) ** 2 + abs(m.row - row) ** 2, k)
            for k, m in enumerate(self._marks)
            if m.slice == self._index
        ]
        near = [(d, k) for d, k in near if d <= tolerance**2]
        return min(near)[1] if near else None

    def _draw_marks(self) -> None:
        for item in self._mark_items:
            self.view.removeItem(item)
        self._mark_items = []
        if self.series is None:
            return
        shape = _crosshair()
        for number, mark in enumerate(self._marks, 1):
            if mark.slice != self._index:
                continue
            colour = QColor(mark.colour or MARK_COLOUR)
            for pen in (pg.mkPen(QColor(0, 0, 0, 200), width=4), pg.mkPen(colour, width=2)):
                dot = pg.ScatterPlotItem(
                    [mark.col], [mark.row], symbol=shape, size=MARK_PIXELS, pen=pen, brush=None
                )
                dot.setZValue(20)
                dot.mouseClickEvent = lambda ev: ev.ignore()  # the view box handles clicks
                self.view.addItem(dot)
                self._mark_items.append(dot)
            points = round(11 * self.text_scale())
            text = pg.TextItem(
                html=f"<b style='color:{colour.name()}; font-size:{points}pt'>{number}</b>",
                anchor=(-0.15, 1.1),
                fill=pg.mkBrush(0, 0, 0, 170),
            )
            text.setPos(mark.col, mark.row)
            text.setZValue(21)
            self.view.addItem(text)
            self._mark_items.append(text)

    def visible_mark_numbers(self) -> list[int]:
        """Numbers (1-based) of the marks drawn on the current slice."""
        return [k + 1 for k, m in enumerate(self._marks) if m.slice == self._index]

    def click_at(self, col: float, row: float) -> bool:
        """A left click at image (col, row): mark (marking mode) or select an annotation."""
        if self._marking and self.series is not None:
            hit = self.mark_at(col, row)
            if hit is not None:
                del self._marks[hit]
                self._draw_marks()
                self.marksChanged.emit(self.marks())
            else:
                self.pointClicked.emit(self.series.uid, self._index, float(col), float(row))
            return True
        for item in reversed(self._annotation_items):
            if item.annotation.contains(col, row, tolerance=3.0 / max(self.zoom_factor(), 0.05)):
                self.select_annotation(item.annotation.id)
                return True
        if self._selected is not None:
            self._selected = None
            self._labels["finding"].hide()
            self._draw_annotations()
        return False

    def select_annotation(self, annotation_id: str) -> None:
        found = next((a for a in self._annotations if a.id == annotation_id), None)
        if found is None:
            return
        self._selected = annotation_id
        label = self._labels["finding"]
        site = _site_name(found.site_id)
        title = found.label or site
        where = f"<br><span style='color:#bbbbbb'>{_escape(site)}</span>" if site != title else ""
        label.setText(f"<b>{_escape(title)}</b><br>{_escape(found.finding)}{where}")
        label.show()
        self._place_overlay()
        self._draw_annotations()
        self.annotationClicked.emit(annotation_id)

    def finding_text(self) -> str:
        label = self._labels["finding"]
        return label.text() if label.isVisible() else ""

    # --- streaming -------------------------------------------------------------------------
    def slice_loaded(self, index: int | None = None) -> None:
        """Pixels arrived (for ``index``, or some slices): repaint if the current one did."""
        if self.series is None:
            return
        if self._placeholder_window and self.series.loaded.any():
            self._window_from_series(self._index)  # the first pixels: a window from the data
            index = None
        if index is None or index == self._index:
            self._render()
            self._update_overlay()

    def streaming_finished(self) -> None:
        """All pixels are in: presets from the whole series (the user's window stays)."""
        if self.series is not None:
            self._fill_presets()

    def show_first_image(self, first: FirstImage) -> None:
        """Paint the slice read ahead of the headers, until ``set_series`` replaces it."""
        if self.series is not None:
            return
        center, width = first.window or windowing.auto_window(first.modality_values())
        lo, hi = windowing.raw_levels(center, width, first.slope, first.intercept)
        self.image.setImage(first.pixels, autoLevels=False, levels=(lo, hi))
        rows, columns = first.pixels.shape
        self.view.setRange(xRange=(-0.5, columns - 0.5), yRange=(-0.5, rows - 0.5), padding=0.02)
        self._labels["status"].setText("reading the series…")
        self._labels["status"].adjustSize()
        self._labels["status"].show()
        self._place_overlay()

    # --- drawing ---------------------------------------------------------------------------
    def _window_from_series(self, index: int) -> None:
        series = self.series
        if series is None:
            return
        window = series.file_window()
        self._placeholder_window = window is None and not series.loaded.any()
        if window is None:
            window = (0.5, 1.0) if self._placeholder_window else series.auto_window()
        self._center, self._width = window
        self._fill_presets()

    def _fill_presets(self) -> None:
        self.presets.clear()
        for preset in self.series.presets():
            self.presets.addItem(preset.name, (preset.center, preset.width))

    def _preset_chosen(self, row: int) -> None:
        data = self.presets.itemData(row)
        if data:
            self.set_window(*data)

    def _render(self) -> None:
        series = self.series
        if series is None or self._index < 0:
            return
        i = self._index
        if not series.loaded[i]:
            self.image.clear()
            self._labels["status"].setText(
                "could not read this slice" if series.failed[i] else "loading…"
            )
            self._labels["status"].adjustSize()
            self._labels["status"].show()
            self._place_overlay()
            return
        self._labels["status"].hide()
        lo, hi = series.raw_levels(i, self._center, self._width)
        # Reversed levels invert the grey scale with no lookup table: the image stays
        # Grayscale8, which Qt draws about twice as fast as an indexed one.
        levels = (hi, lo) if series.display_inverted(i, self._inverted) else (lo, hi)
        self.image.setImage(series.pixels[i], autoLevels=False, levels=levels)

    def _show_empty(self, text: str) -> None:
        self.image.clear()
        for key, label in self._labels.items():
            if key != "status":
                label.setText("")
        self._labels["status"].setText(text)
        self._labels["status"].adjustSize()
        self._labels["status"].show()
        self.counter.setText("–")
        self._place_overlay()

    def _update_overlay(self) -> None:
        series = self.series
        if series is None or self._index < 0:
            return
        i, n = self._index, len(series)
        self.counter.setText(f"{i + 1} / {n}")
        description = series.description or "(no description)"
        kind = f"{series.modality}" + (" · synthetic" if _is_synthetic(series) else "")
        self._labels["top_left"].setText(f"{description}\n{kind}")
        position = series.position_mm(i)
        where = f"Pos {position:.1f} mm" if position is not None else "Pos –"
        thickness = series.slice_spacing
        spacing = f"\nSpacing {thickness:.1f} mm" if thickness else ""
        self._labels["top_right"].setText(f"Im {i + 1}/{n}\n{where}{spacing}")
        inverted = " · inverted" if self._inverted else ""
        self._labels["bottom_left"].setText(
            f"W {self._width:.0f}  L {self._center:.0f}{inverted}\n"
            f"{series.columns}×{series.rows}  zoom {self.zoom_factor():.2f}"
        )
        markers = series.markers(i)
        for side in ("left", "right", "top", "bottom"):
            self._labels[f"mark_{side}"].setText(markers[side])
        self._place_overlay()

    def _view_changed(self) -> None:
        self._update_scale_bar()
        if self.series is not None and self._index >= 0:
            self._update_overlay()

    def _update_scale_bar(self) -> None:
        spacing = self.series.pixel_spacing if self.series is not None else None
        if spacing is None:
            self.scale_bar.set_scale(None)
            return
        size = self.view.viewPixelSize()
        self.scale_bar.set_scale(size[0] * spacing[1] if size[0] else None)

    # --- text size ---------------------------------------------------------------------------
    def text_scale(self) -> float:
        """How large the text on the image is, relative to interface scale 1.

        It follows the interface scale (Settings) unless set_text_scale gave a value, as a
        projected slide does to keep labels readable from the back of a hall.
        """
        if self._text_scale is not None:
            return self._text_scale
        app = QApplication.instance()
        scale = app.property("cnoatlas_scale") if app is not None else None
        return float(scale) if scale else 1.0

    def set_text_scale(self, scale: float | None) -> None:
        self._text_scale = None if scale is None else max(0.5, float(scale))
        self._apply_text_scale()

    def _apply_text_scale(self) -> None:
        s = self.text_scale()
        corner, mark = _OVERLAY_POINTS["corner"] * s, _OVERLAY_POINTS["mark"] * s
        for key, label in self._labels.items():
            if key.startswith("mark"):
                label.setStyleSheet(_OVERLAY_STYLE % round(mark) + "QLabel { color: #ffd400; }")
            elif key == "finding":
                label.setStyleSheet(
                    "QLabel { color: #ffffff; background: rgba(0,0,0,170);"
                    f" padding: {round(6 * s)}px; border-left: 3px solid #ffd400;"
                    f" font-size: {round(_OVERLAY_POINTS['finding'] * s)}pt; }}"
                )
            else:
                label.setStyleSheet(_OVERLAY_STYLE % round(corner))
        self.scale_bar.set_point_size(_OVERLAY_POINTS["scale_bar"] * s)
        self._draw_annotations()
        self._place_overlay()

    def event(self, event) -> bool:
        # Settings changed the interface scale: the application font changed with it. apply_theme
        # records the new scale after sending the event, so read it once the loop is back.
        if event.type() == event.Type.ApplicationFontChange and self._text_scale is None:
            QTimer.singleShot(0, self, self._apply_text_scale)
        return super().event(event)

    def _place_overlay(self) -> None:
        canvas = self.graphics.viewport()
        w, h = canvas.width(), canvas.height()
        m = 8
        for label in self._labels.values():
            label.adjustSize()
        L = self._labels
        L["top_left"].move(m, m)
        L["top_right"].move(w - L["top_right"].width() - m, m)
        L["bottom_left"].move(m, h - L["bottom_left"].height() - m)
        L["mark_left"].move(m, (h - L["mark_left"].height()) // 2)
        L["mark_right"].move(w - L["mark_right"].width() - m, (h - L["mark_right"].height()) // 2)
        L["mark_top"].move((w - L["mark_top"].width()) // 2, m)
        L["mark_bottom"].move(
            (w - L["mark_bottom"].width()) // 2, h - L["mark_bottom"].height() - m
        )
        L["status"].move((w - L["status"].width()) // 2, (h - L["status"].height()) // 2)
        finding = L["finding"]
        finding.setFixedWidth(min(420, max(160, w - 2 * m - 180)))
        finding.adjustSize()
        finding.move(m, h - finding.height() - L["bottom_left"].height() - 2 * m)
        self.scale_bar.move(w - self.scale_bar.width() - m, h - self.scale_bar.height() - m)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        narrow = self.width() < self._controls.sizeHint().width() + SLIDER_MIN_WIDTH
        self._bar.setDirection(
            QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        )
        QTimer.singleShot(0, self, self._after_resize)  # not after the viewer is gone

    def _after_resize(self) -> None:
        if self._fitted:
            self.fit()
        self._place_overlay()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place_overlay()

    # --- header ----------------------------------------------------------------------------
    def open_tag_browser(self) -> TagBrowser | None:
        if self.series is None:
            return None
        if self._tag_dialog is None:
            self._tag_dialog = TagBrowser(self)
        self._tag_dialog.show_slice(self.series, self._index)
        self._tag_dialog.show()
        self._tag_dialog.raise_()
        return self._tag_dialog


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _is_synthetic(series: Series) -> bool:
    ds = series.header(0)
    words = " ".join(
        str(ds.get(k, "")) for k in ("Manufacturer", "ImageComments", "ManufacturerModelName")
    ).lower()
    return "synthetic" in words or "phantom" in words or "cnoatlas" in words


class TagBrowser(QDialog):
    """The header of one slice, searchable, with every identifying element left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagBrowser")
        self.setWindowTitle("DICOM header (identifiers removed)")
        self.resize(720, 560)
        self.filter = QLineEdit()
        self.filter.setObjectName("tagFilter")
        self.filter.setAccessibleName("Filter tags")
        self.filter.setPlaceholderText("Filter by keyword, tag or value")
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("tagTree")
        self.tree.setAccessibleName("Header elements")
        self.tree.setHeaderLabels(["Tag", "Keyword", "VR", "Value"])
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        note = QLabel(
            "Names, identifiers, dates of birth, addresses, institutions, staff, "
            "accession numbers and patient-linked UIDs are never shown."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(note)

    def show_slice(self, series: Series, index: int) -> None:
        from cnoatlas.imaging.safe_tags import safe_rows

        self.setWindowTitle(f"DICOM header of slice {index + 1} (identifiers removed)")
        self.tree.clear()
        parents: list[QTreeWidgetItem] = []
        for row in safe_rows(series.header(index)):
            item = QTreeWidgetItem([row.tag, row.keyword, row.vr, row.value])
            del parents[row.depth :]
            if parents:
                parents[-1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            if row.vr == "SQ":
                parents.append(item)
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        self._apply_filter(self.filter.text())

    def rows(self) -> list[tuple[str, str, str, str]]:
        found = []

        def walk(item: QTreeWidgetItem) -> None:
            found.append(tuple(item.text(c) for c in range(4)))
            for k in range(item.childCount()):
                walk(item.child(k))

        for k in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(k))
        return found

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for k in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(k)
            shown = not needle or any(needle in item.text(c).lower() for c in range(4))
            item.setHidden(not shown)


class ViewerGrid(QWidget):
    """1x1, 1x2 or 2x2 viewers; linked scrolling follows the position along the slice normal."""

    def __init__(self, parent: QWidget | None = None, layout: str = "1x1") -> None:
        super().__init__(parent)
        self.setObjectName("viewerGrid")
        self.viewers = [SeriesViewer(self, name=f"seriesViewer{k}") for k in range(4)]
        self._layout = ""
        self._linked = False
        self._syncing = False

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        bar.setSpacing(4)
        self.layout_buttons: dict[str, QToolButton] = {}
        for name in LAYOUTS:
            button = QToolButton()
            button.setObjectName(f"layout-{name}")
            button.setText(name.replace("x", "×"))
            button.setAccessibleName(f"Layout {name}")
            button.setToolTip(f"Show {name.replace('x', ' by ')} viewers")
            button.setCheckable(True)
            button.setAutoExclusive(True)
            button.clicked.connect(lambda _=False, n=name: self.set_layout(n))
            bar.addWidget(button)
            self.layout_buttons[name] = button
        self.link_button = QToolButton()
        self.link_button.setObjectName("linkViewers")
        self.link_button.setText("Link scrolling")
        self.link_button.setAccessibleName("Link scrolling")
        self.link_button.setToolTip(
            "Scroll every viewer together: by position in one study, by relative position "
            "between a baseline and a follow-up"
        )
        self.link_button.setCheckable(True)
        self.link_button.toggled.connect(self.set_linked)
        bar.addWidget(self.link_button)
        bar.addStretch(1)

        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(bar)
        outer.addLayout(self._grid, 1)
        for viewer in self.viewers:
            viewer.sliceChanged.connect(lambda _i, v=viewer: self._follow(v))
        self.set_layout(layout)

    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise AtlasError(f"unknown layout '{name}' (layouts: {', '.join(LAYOUTS)})")
        rows, cols = LAYOUTS[name]
        for viewer in self.viewers:
            self._grid.removeWidget(viewer)
            viewer.hide()
        for k in range(rows * cols):
            self._grid.addWidget(self.viewers[k], k // cols, k % cols)
            self.viewers[k].show()
        self._layout = name
        self.layout_buttons[name].setChecked(True)

    def layout_name(self) -> str:
        return self._layout

    def visible_viewers(self) -> list[SeriesViewer]:
        rows, cols = LAYOUTS[self._layout]
        return self.viewers[: rows * cols]

    def viewer(self, k: int) -> SeriesViewer:
        return self.viewers[k]

    def set_linked(self, linked: bool) -> None:
        self._linked = bool(linked)
        if self.link_button.isChecked() != self._linked:
            self.link_button.setChecked(self._linked)
        if linked:
            self._follow(self.viewers[0])

    def linked(self) -> bool:
        return self._linked

    def _follow(self, source: SeriesViewer) -> None:
        if not self._linked or self._syncing or source.series is None:
            return
        self._syncing = True
        try:
            for viewer in self.visible_viewers():
                if viewer is source or viewer.series is None:
                    continue
                viewer.set_slice(linked_slice(source.series, source.slice_index(), viewer.series))
        finally:
            self._syncing = False


# --- streaming loader ---------------------------------------------------------------------
class LoaderSignals(QObject):
    firstImage = Signal(object)  # FirstImage: paint it while the headers are read
    scanned = Signal(object)  # LoadResult with unloaded series
    sliceLoaded = Signal(int, int)  # series number, slice index
    progress = Signal(int, int)
    finished = Signal(object)  # LoadResult, pixels loaded
    failed = Signal(str)


class SeriesLoadTask(QRunnable):
    """Reads the slice in view first, then every header, then streams the remaining pixels."""

    def __init__(self, path: str | Path, first_slice: int | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.first_slice = first_slice
        self.signals = LoaderSignals()
        self.cancel = threading.Event()
        # Set by the UI once the first image is painted; the header scan waits for it (at most
        # first_paint_wait seconds) so it does not compete with that paint for the interpreter.
        self.first_painted = threading.Event()
        self.first_paint_wait = 0.0
        self._wanted: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.setAutoDelete(False)

    def want(self, index: int) -> None:
        """Read this slice of the first series next (the user scrolled to it)."""
        self._wanted.put(index)

    def _next_wanted(self, series: Series) -> int | None:
        while not self._wanted.empty():
            index = self._wanted.get_nowait()
            if 0 <= index < len(series) and not (series.loaded[index] or series.failed[index]):
                return index
        return None

    def run(self) -> None:
        from cnoatlas.imaging.dicom_io import find_sources
        from cnoatlas.imaging.series import first_image, scan_sources

        try:
            sources, problems = find_sources(self.path)
            first = first_image(sources, self.first_slice)
            if first is not None:
                self.signals.firstImage.emit(first)
                self.first_painted.wait(self.first_paint_wait)
            result = scan_sources(sources, problems, None, self.cancel)
            adopted = result.series[0].adopt(first) if first and result.series else None
            loaded = LoadResult(result.series, list(result.problems), result.skipped)
            self.signals.scanned.emit(loaded)
            if adopted is not None:
                self.signals.sliceLoaded.emit(0, adopted)
            total = sum(len(s) for s in result.series)
            done = 0
            for number, series in enumerate(result.series):
                start = self.first_slice if number == 0 else None
                for planned in series.load_order(start):
                    if self.cancel.is_set():
                        return
                    wanted = self._next_wanted(series) if number == 0 else None
                    for index in (planned,) if wanted is None else (wanted, planned):
                        if series.loaded[index] or series.failed[index]:
                            continue
                        series.load_slice(index)
                        self.signals.sliceLoaded.emit(number, index)
                    done += 1
                    self.signals.progress.emit(done, total)
                loaded.problems.extend(series.problems)
            self.signals.finished.emit(loaded)
        except AtlasError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # reported in the UI; the log has the details
            logging.getLogger("cnoatlas.viewer").exception("loading %s failed", self.path)
            self.signals.failed.emit(f"{self.path}: could not be loaded ({exc})")


def load_in_background(
    viewer: SeriesViewer, path: str | Path, first_slice: int | None = None
) -> SeriesLoadTask:
    """Stream the first series under ``path`` into ``viewer``; returns the task (cancel it)."""
    task = SeriesLoadTask(path, first_slice)
    task.first_paint_wait = 0.25

    def gone() -> bool:
        """The viewer was closed while its series streamed in: stop feeding it."""
        if isValid(viewer):
            return False
        task.cancel.set()
        return True

    def first_image(first: FirstImage) -> None:
        if not gone():
            viewer.show_first_image(first)
            viewer.repaint()  # now, while the loader waits, not later against the header scan
        task.first_painted.set()

    def scanned(result: LoadResult) -> None:
        if gone():
            return
        if result.series:
            viewer.set_series(result.series[0], first_slice)
        else:
            viewer._show_empty("No images found")

    def arrived(number: int, index: int) -> None:
        if number == 0 and not gone():
            viewer.slice_loaded(index)

    viewer.sliceChanged.connect(task.want)
    task.signals.firstImage.connect(first_image)
    task.signals.scanned.connect(scanned)
    task.signals.sliceLoaded.connect(arrived)

    def finished(_result: LoadResult) -> None:
        if gone():
            return
        viewer.sliceChanged.disconnect(task.want)
        viewer.streaming_finished()

    task.signals.finished.connect(finished)
    task.signals.failed.connect(viewer._show_empty)
    QThreadPool.globalInstance().start(task)
    return task


# --- screenshot view ----------------------------------------------------------------------
class SeriesWindow(QWidget):
    """A top-level window holding one viewer (what ``series:PATH`` screenshots show)."""

    def __init__(
        self,
        result: LoadResult,
        first_slice: int | None = None,
        annotations: Sequence[Annotation] = (),
    ) -> None:
        super().__init__()
        self.setObjectName("seriesWindow")
        self.setWindowTitle("Series viewer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        shown = result.series[:4]
        self.grid: ViewerGrid | None = None
        if len(shown) > 1:
            # A study: its series side by side, scrolling together.
            self.grid = ViewerGrid(self, layout="1x2" if len(shown) == 2 else "2x2")
            self.viewer = self.grid.viewer(0)
            layout.addWidget(self.grid)
        else:
            self.viewer = SeriesViewer(self)
            layout.addWidget(self.viewer)
        if result.problems:
            # File names can carry a patient's name: the note gives reasons, the tooltip names.
            reasons: dict[str, int] = {}
            for problem in result.problems:
                reasons[problem.reason] = reasons.get(problem.reason, 0) + 1
            note = QLabel(
                f"{len(result.problems)} file(s) could not be shown: "
                + "; ".join(f"{reason} ({n})" for reason, n in list(reasons.items())[:3])
            )
            note.setToolTip("\n".join(f"{p.file}: {p.reason}" for p in result.problems[:50]))
            note.setObjectName("seriesProblems")
            note.setContentsMargins(8, 4, 8, 4)
            note.setWordWrap(True)
            note.setProperty("role", "muted")
            note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            layout.addWidget(note)
        viewers = self.grid.viewers if self.grid is not None else [self.viewer]
        for viewer, series in zip(viewers, shown, strict=False):
            viewer.set_series(series, first_slice if series is shown[0] else None)
            viewer.set_annotations(annotations)
        if self.grid is not None:
            self.grid.set_linked(True)


def annotations_beside(path: Path) -> list[Annotation]:
    """The annotations.json of a series folder or of the study folder holding it, if any."""
    from cnoatlas.domain.annotations import load_annotations

    folder = path if path.is_dir() else path.parent
    for candidate in (folder / "annotations.json", folder.parent / "annotations.json"):
        if candidate.is_file():
            return load_annotations(candidate)
    return []


@register_view(
    "series",
    "a DICOM folder, zip or file in the viewer (with --slice)",
    argument="a DICOM folder, zip, DICOMDIR or file",
)
def _series_view(request: ViewRequest) -> QWidget:
    from cnoatlas.imaging.series import load_series

    path = Path(request.argument or "")
    result = load_series(path, first_slice=request.slice)
    if not result.series:
        reasons = "; ".join(f"{p.file}: {p.reason}" for p in result.problems[:3])
        raise AtlasError(f"{path}: no images to show" + (f" ({reasons})" if reasons else ""))
    series = result.series[0]
    if request.slice is not None and not 0 <= request.slice < len(series):
        raise AtlasError(f"--slice {request.slice}: the series has slices 0 to {len(series) - 1}")
    return SeriesWindow(result, request.slice, annotations_beside(path))
