"""``SeriesViewer``: one DICOM series the way a radiologist reads it (scroll, window, pan, zoom),
with orientation markers, an info overlay, teaching annotations and the learner's marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPainterPath
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.label_layout import Box, LabelRequest, layout_labels
from cnoatlas.imaging import windowing
from cnoatlas.imaging.series import FirstImage, Series
from cnoatlas.ui.viewer.annotation_items import (
    LABEL_POINT_SIZE,
    SELECTED_COLOUR,
    SHAPE_COLOUR,
    AnnotationItem,
)
from cnoatlas.ui.viewer.items import (
    _OVERLAY_POINTS,
    ImageMark,
    LabelLayer,
    LabelSpec,
    ScaleBar,
    SliceImage,
    _SliceViewBox,
)
from cnoatlas.ui.viewer.tag_browser import TagBrowser

_OVERLAY_STYLE = (
    "QLabel { color: #f2f2f2; background: transparent; font-family: 'DejaVu Sans Mono';"
    " font-size: %dpt; }"
)


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
    ("Toggle labels", ("L",)),
    ("Zoom to finding", ("Z",)),
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


@dataclass(frozen=True)
class ViewPlace:
    """Where a reader left a series: slice, window, grey polarity and the part of it framed."""

    slice: int
    center: float
    width: float
    inverted: bool
    x_range: tuple[float, float] | None  # None: the whole image fitted
    y_range: tuple[float, float] | None


FINDING_ZOOM_MARGIN = 2.5  # zoom to finding: this many lesion sizes of room on each side
FINDING_ZOOM_MIN_HALF = 24.0  # and never closer than this many pixels from centre to edge


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
        self._annotation_items: list[AnnotationItem] = []  # the ones on the current slice
        # Built once per series and annotation set, not per slice change: each annotation's
        # slice, and its item (kept in the view, hidden when its slice is not on screen).
        self._annotation_slices: dict[str, int | None] | None = None
        self._item_cache: dict[str, AnnotationItem] = {}
        self._sop_slices: dict[str, list[int]] | None = None
        self._spacing: float | None = None
        self._annotations_visible = True
        self._labels_visible = True
        self._label_signature: tuple | None = None
        self._revealed: list[str] | None = None  # None: all shown; else ids revealed so far
        self._selected: str | None = None
        self._fitted = False
        self._placeholder_window = False
        self._marking = False
        self._marks: list[ImageMark] = []
        self._mark_items: list = []
        self._findings_note = ""  # why the owner keeps the findings off ("" when it does not)
        self._value_range: tuple[float, float] | None = None
        self._value_range_final = False
        # What the image shows now (slice, whether it was loaded or failed, levels), so a
        # report of arrived pixels repaints only when the slice in view changed with them.
        self._rendered: tuple | None = None
        self._presets_final = False  # the presets were made from every slice
        self._synthetic: bool | None = None  # the series says it is synthetic (None: not asked)
        self._markers: dict[tuple | None, dict[str, str]] = {}  # edge letters per orientation

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName(f"{name}-canvas")
        self.graphics.setBackground("k")
        self.graphics.ci.setContentsMargins(0, 0, 0, 0)
        self.graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view = _SliceViewBox(self)
        self.graphics.ci.addItem(self.view)
        self.image = SliceImage(axisOrder="row-major")
        self.image.setPos(-0.5, -0.5)  # pixel centres at integer coordinates
        self.view.addItem(self.image)
        self.view.sigRangeChanged.connect(lambda *_: self._range_changed())

        canvas = self.graphics.viewport()
        # Under the corner texts and letters (created after it), which it never overlaps.
        self.label_layer = LabelLayer(canvas, name)
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
        self.labels_button = tool(
            "labels",
            "Labels",
            "Show or hide the labels of the findings (L)",
            self.show_labels,
            True,
        )
        self.labels_button.setChecked(True)
        self.zoom_finding_button = tool(
            "zoomFinding",
            "Close-up",  # short: the bar must fit beside the slider on a laptop's case page
            "Zoom to finding: centre and magnify the current finding (Z)",
            self.zoom_to_finding,
        )
        self.zoom_finding_button.setEnabled(False)
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
            self.labels_button,
            self.zoom_finding_button,
            self.tags_button,
        ):
            controls.addWidget(button)
        # A second row for the last buttons when even the controls alone do not fit across the
        # viewer (a large interface scale on a laptop); see resizeEvent.
        self._controls_more = QHBoxLayout()
        self._controls_more.setSpacing(6)
        self._controls_third = QHBoxLayout()
        self._controls_third.setSpacing(6)
        self._control_layouts = (controls, self._controls_more, self._controls_third)
        self._control_row_count = 1
        self._wrap_from = 4  # on two rows, the fifth control on goes to the second row
        self._wrap_three = (3, 6)  # on three rows: three controls a row
        rows = QVBoxLayout()
        rows.setSpacing(2)
        rows.addLayout(controls)
        rows.addLayout(self._controls_more)
        rows.addLayout(self._controls_third)
        bar.addLayout(rows)
        bar.setAlignment(rows, Qt.AlignmentFlag.AlignRight)
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
            "Toggle labels": lambda: self.labels_button.toggle(),
            "Toggle annotations": self._toggle_annotations_key,
            "Zoom to finding": self.zoom_to_finding,
            "Reveal next finding": self.reveal_next,
            "Header tags": self.open_tag_browser,
        }
        for text, keys in VIEWER_KEYS:
            action(text, keys, slots[text])

    # --- public API ------------------------------------------------------------------------
    def set_series(
        self, series: Series | None, first_slice: int | None = None, empty_text: str = ""
    ) -> None:
        """Show a series (its pixels may still be streaming in; call ``slice_loaded``).

        With None the canvas is cleared and says ``empty_text`` (default "No series loaded");
        a caller about to load the next series passes " " for a quiet, black canvas."""
        self.stop()
        self.series = series
        self._synthetic = None
        self._fitted = False
        self._value_range, self._value_range_final = None, False
        self._forget_annotation_items()
        self._spacing = series.slice_spacing if series is not None else None
        if series is None:
            self._show_empty(empty_text or "No series loaded")
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
        self._forget_annotation_items()
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
        """Set the window (modality units), kept to the data's range (see clamp_window)."""
        self._center, self._width = windowing.clamp_window(center, width, self._data_range())
        self._render()
        self._update_overlay()
        self.windowChanged.emit(self._center, self._width)

    def _data_range(self) -> tuple[float, float] | None:
        """The series' lowest and highest value (sampled), once some pixels are in."""
        series = self.series
        if series is None or self._placeholder_window or not series.loaded.any():
            return None
        if not self._value_range_final:
            self._value_range = windowing.value_range(series.loaded_values())
            self._value_range_final = series.fully_loaded
        return self._value_range

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
        """Right-drag: right widens the window, down raises the level (as on most consoles);
        kept to the data's range by ``set_window``."""
        sensitivity = max(self._width, 1.0) / 250.0
        self.set_window(self._center + dy * sensitivity, max(1.0, self._width + dx * sensitivity))

    def zoom(self, factor: float) -> None:
        self.view.scaleBy((1.0 / factor, 1.0 / factor))
        self.view_changed()

    def show_region(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Frame part of the image (a lesion); it stays framed when the view is resized."""
        self.view.setRange(xRange=x_range, yRange=y_range, padding=0)
        self._fitted = False
        self.view_changed()

    def place(self) -> ViewPlace | None:
        """Where the reader is on this series, to come back to it (``restore_place``)."""
        if self.series is None:
            return None
        x_range, y_range = (None, None)
        if not self._fitted:
            (x0, x1), (y0, y1) = self.view.viewRange()
            x_range, y_range = (x0, x1), (y0, y1)
        return ViewPlace(self._index, self._center, self._width, self._inverted, x_range, y_range)

    def restore_place(self, place: ViewPlace, keep_slice: bool = False) -> None:
        """Back to a place on this series: its window, polarity, framing (and slice)."""
        if self.series is None:
            return
        if not keep_slice:
            self.set_slice(place.slice)
        self.set_inverted(place.inverted)
        self.set_window(place.center, place.width)
        if place.x_range is None or place.y_range is None:
            self.fit()
        else:
            self.show_region(place.x_range, place.y_range)

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
        self.view_changed()

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

    def show_labels(self, visible: bool = True) -> None:
        """Labels on or off (the outlines stay): to look at the image without words on it."""
        self._labels_visible = bool(visible)
        if self.labels_button.isChecked() != self._labels_visible:
            self.labels_button.blockSignals(True)
            self.labels_button.setChecked(self._labels_visible)
            self.labels_button.blockSignals(False)
        self._layout_labels()

    def labels_visible(self) -> bool:
        return self._labels_visible

    def smooth_when_magnified(self) -> bool:
        """Whether the image is drawn with bilinear interpolation now."""
        return bool(self.graphics.renderHints() & QPainter.RenderHint.SmoothPixmapTransform)

    def set_findings_note(self, why: str) -> None:
        """Keep "Findings" off, saying ``why`` in its tooltip (a quiz before the answer); ""
        gives it back."""
        self._findings_note = why or ""
        button = self.annotations_button
        button.setEnabled(not self._findings_note)
        button.setToolTip(
            f"{self._findings_note} (A)" if self._findings_note else "Show or hide annotations (A)"
        )
        self._update_zoom_button()

    def findings_note(self) -> str:
        return self._findings_note

    def _toggle_annotations_key(self) -> None:
        if self.annotations_button.isEnabled():
            self.annotations_button.toggle()

    def selected_annotation_id(self) -> str | None:
        return self._selected

    def clear_selection(self) -> None:
        self._selected = None
        self._labels["finding"].hide()
        self._draw_annotations()

    def _zoom_candidates(self) -> list[Annotation]:
        if self.series is None or self._findings_note or not self._annotations_visible:
            return []
        return [
            a
            for a in self._annotations
            if (self._revealed is None or a.id in self._revealed) and self._slice_of(a) is not None
        ]

    def _update_zoom_button(self) -> None:
        if not hasattr(self, "zoom_finding_button"):
            return  # still being built
        self.zoom_finding_button.setEnabled(bool(self._zoom_candidates()))

    def zoom_to_finding(self) -> Annotation | None:
        """Centre and magnify the current finding: the selected one, else the first on this
        slice, else the first shown anywhere on the series (going to its slice)."""
        candidates = self._zoom_candidates()
        if not candidates:
            return None
        target = next((a for a in candidates if a.id == self._selected), None)
        if target is None:
            here = [a for a in candidates if self._slice_of(a) == self._index]
            target = (here or candidates)[0]
        where = self._slice_of(target)
        if where is not None and where != self._index:
            self.set_slice(where)
        points = target.points()
        cols = [c for c, _ in points]
        rows = [r for _, r in points]
        cx, cy = (min(cols) + max(cols)) / 2, (min(rows) + max(rows)) / 2
        size = max(max(cols) - min(cols), max(rows) - min(rows), 4.0)
        half = max(FINDING_ZOOM_MIN_HALF, size / 2 + FINDING_ZOOM_MARGIN * size)
        aspect = self.series.aspect if self.series is not None else 1.0
        self.show_region((cx - half, cx + half), (cy - half / aspect, cy + half / aspect))
        if target.id != self._selected:
            self.select_annotation(target.id)
        return target

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
        if self._annotation_slices is None:
            self._annotation_slices = {}
        if annotation.id in self._annotation_slices:
            return self._annotation_slices[annotation.id]
        where: int | None = None
        if annotation.sop_instance_uid:
            matches = self._sop_index().get(annotation.sop_instance_uid, [])
            if len(matches) == 1:
                where = matches[0]
        if where is None and 0 <= annotation.slice < len(self.series):
            where = annotation.slice
        self._annotation_slices[annotation.id] = where
        return where

    def _sop_index(self) -> dict[str, list[int]]:
        if self._sop_slices is None:
            self._sop_slices = {}
            for i, ref in enumerate(self.series.slices if self.series is not None else ()):
                self._sop_slices.setdefault(ref.sop_instance_uid, []).append(i)
        return self._sop_slices

    def _forget_annotation_items(self) -> None:
        """Drop the cached items (new series, new annotations or a new text size)."""
        for item in self._item_cache.values():
            self.view.removeItem(item)
        self._item_cache = {}
        self._annotation_items = []
        self._annotation_slices = None
        self._sop_slices = None

    def _draw_annotations(self) -> None:
        wanted: list[Annotation] = []
        if self.series is not None and self._annotations_visible:
            wanted = [
                a
                for a in self._annotations
                if self._slice_of(a) == self._index
                and (self._revealed is None or a.id in self._revealed)
            ]
        keep = {a.id for a in wanted}
        for item in self._annotation_items:
            if item.annotation.id not in keep:
                item.setVisible(False)
        shown = []
        for a in wanted:
            item = self._item_cache.get(a.id)
            if item is None:
                item = AnnotationItem(a, LABEL_POINT_SIZE * self.text_scale(), with_label=False)
                self.view.addItem(item)
                self._item_cache[a.id] = item
            item.set_selected_look(a.id == self._selected)
            item.setVisible(True)
            shown.append(item)
        self._annotation_items = shown
        self._layout_labels()

    # --- labels --------------------------------------------------------------------------------
    def _range_changed(self) -> None:
        self._update_scale_bar()
        self._layout_labels()

    def _to_canvas(self, col: float, row: float) -> tuple[float, float]:
        """Image (column, row) to canvas pixels."""
        scene = self.view.mapViewToScene(QPointF(col, row))
        point = self.graphics.mapFromScene(scene)
        return (float(point.x()), float(point.y()))

    def overlay_keep_out(self) -> list[Box]:
        """Canvas boxes labels must leave free: corner texts, letters, scale bar, marks."""
        boxes = []
        for label in self._labels.values():
            if label.isVisibleTo(self.graphics.viewport()) and label.text():
                g = label.geometry()
                boxes.append(Box(g.x(), g.y(), g.width(), g.height()))
        if self.scale_bar.bar_pixels:
            g = self.scale_bar.geometry()
            boxes.append(Box(g.x(), g.y(), g.width(), g.height()))
        half = MARK_PIXELS / 2 + 2
        for mark in self._marks:
            if mark.slice == self._index:
                x, y = self._to_canvas(mark.col, mark.row)
                # the crosshair and its number (up and to the right of it)
                boxes.append(Box(x - half, y - half - 2 * half, 3 * half, 3 * half))
        return boxes

    def _layout_labels(self) -> None:
        layer = self.label_layer
        canvas = self.graphics.viewport()
        layer.setGeometry(0, 0, canvas.width(), canvas.height())
        if not (self._labels_visible and self._annotations_visible) or self.series is None:
            layer.clear()
            return
        area = Box(0, 0, canvas.width(), canvas.height())
        specs: list[LabelSpec] = []
        requests: list[LabelRequest] = []
        for item in self._annotation_items:
            text = item.label_text()
            if not text or not item.isVisible():
                continue
            a = item.annotation
            ax, ay = self._to_canvas(*a.anchor())
            if not (0 <= ax <= area.w and 0 <= ay <= area.h):
                continue  # its lesion is out of view
            corners = [self._to_canvas(c, r) for c, r in a.points()]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            target = (
                None
                if a.kind == "text"
                else Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            )
            lines = _label_lines(text)
            colour = SELECTED_COLOUR if a.id == self._selected else SHAPE_COLOUR
            specs.append(LabelSpec(a.id, lines, colour.name(), (ax, ay), None))
            w, h = layer.measure(lines)
            requests.append(LabelRequest(a.id, (ax, ay), w, h, target))
        if not requests:
            layer.clear()
            return
        keep_out = self.overlay_keep_out()
        # One slice change asks several times (outlines, marks, overlay): lay out once per input.
        signature = (tuple(specs), tuple(requests), tuple(keep_out), area, layer.font.pointSizeF())
        if signature == self._label_signature and layer.layout_result is not None:
            return
        self._label_signature = signature
        layout = layout_labels(
            requests,
            area,
            keep_out,
            gap=max(3.0, layer.pad()),
            badge_size=layer.badge_size(),
            legend_line=layer.legend_line([s.text for s in specs]),
        )
        layer.show_layout(specs, layout)
        layer.raise_()
        for label in self._labels.values():
            label.raise_()
        self.scale_bar.raise_()

    def image_rect_on_canvas(self):
        """The part of the canvas the image covers (QRectF, canvas pixels)."""
        if self.series is None:
            return QRectF()
        left, top = self._to_canvas(-0.5, -0.5)
        right, bottom = self._to_canvas(self.series.columns - 0.5, self.series.rows - 0.5)
        shown = QRectF(min(left, right), min(top, bottom), abs(right - left), abs(bottom - top))
        return shown & QRectF(self.graphics.viewport().rect())

    def label_boxes(self) -> list:
        """The boxes of the labels drawn now (canvas pixels), for tests and exports."""
        return self.label_layer.boxes()

    def label_texts(self) -> list[str]:
        return self.label_layer.texts()
        self._update_zoom_button()

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
        had_marks = bool(self._mark_items)
        for item in self._mark_items:
            self.view.removeItem(item)
        self._mark_items = []
        if self.series is None:
            return
        if not had_marks and not any(m.slice == self._index for m in self._marks):
            return  # no crosshair before or now: the labels' room is what it was
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
        self._layout_labels()

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
        shown = site and site not in title  # a finding label names its site already
        where = f"<br><span style='color:#bbbbbb'>{_escape(site)}</span>" if shown else ""
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
        """Pixels arrived (for ``index``, or some slices): repaint if the current one did.

        Nothing is done when the slice in view is drawn as it is already (its pixels were in,
        or its failure shown, when it was drawn): no second paint of the same picture."""
        if self.series is None:
            return
        if self._placeholder_window and self.series.loaded.any():
            self._window_from_series(self._index)  # the first pixels: a window from the data
            index = None
        if (index is None or index == self._index) and self._rendered != self._render_key():
            self._render()
            self._update_overlay()

    def streaming_finished(self) -> None:
        """All pixels are in: presets from the whole series (the user's window stays)."""
        if self.series is not None and not self._presets_final:
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

    def paint_now(self) -> None:
        """Put what changed on screen now, in one paint (the first image of an open).

        The view box applies a new range at its next paint and the scene reports changed items
        through a queued call, so a plain ``repaint()`` drew the canvas once and the event loop
        drew it again right after. Here the range is applied and the scene's report delivered
        now, then the viewer is repainted: the canvas (with the status text on it) is painted
        once, at once when the viewer is on screen, and nothing is left for the event loop to
        paint again."""
        from PySide6.QtCore import QCoreApplication, QEvent

        self.view.updateMatrix()
        QCoreApplication.sendPostedEvents(self.graphics.scene(), QEvent.Type.MetaCall)
        self.repaint()

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
        self._presets_final = self.series.fully_loaded
        for preset in self.series.presets():
            self.presets.addItem(preset.name, (preset.center, preset.width))

    def _preset_chosen(self, row: int) -> None:
        data = self.presets.itemData(row)
        if data:
            self.set_window(*data)

    def _render_key(self) -> tuple | None:
        series = self.series
        if series is None or self._index < 0:
            return None
        i = self._index
        return (id(series), i, bool(series.loaded[i]), bool(series.failed[i]), self._center,
                self._width, self._inverted)  # fmt: skip

    def _render(self) -> None:
        series = self.series
        self._rendered = self._render_key()
        if series is None or self._index < 0:
            return
        i = self._index
        if not series.loaded[i]:
            self.image.clear()
            self._labels["status"].setText(
                f"could not read this slice: {series.problem_of(i)}"
                if series.failed[i]
                else "loading…"
            )
            self._labels["status"].adjustSize()
            self._labels["status"].show()
            self._place_overlay()
            return
        self._labels["status"].hide()
        lo, hi = series.raw_levels(i, self._center, self._width)
        # Reversed levels invert the grey scale with no lookup table: the image stays
        # Grayscale8 (then RGB32, see SliceImage), never an indexed one, which Qt draws slower.
        levels = (hi, lo) if series.display_inverted(i, self._inverted) else (lo, hi)
        self.image.setImage(series.pixels[i], autoLevels=False, levels=levels)

    def _show_empty(self, text: str) -> None:
        self._rendered = None
        self.image.clear()
        for key, label in self._labels.items():
            if key != "status":
                label.setText("")
        self._labels["status"].setText(text.strip())
        self._labels["status"].adjustSize()
        self._labels["status"].setVisible(bool(text.strip()))
        self.counter.setText("–")
        self._place_overlay()

    def _update_overlay(self) -> None:
        series = self.series
        if series is None or self._index < 0:
            return
        i, n = self._index, len(series)
        self.counter.setText(f"{i + 1} / {n}")
        # As wide as the longest count at this font size, so "124 / 246" is never cut.
        widest = self.counter.fontMetrics().horizontalAdvance(f"{n} / {n}") + 8
        if self.counter.minimumWidth() < widest:
            self.counter.setMinimumWidth(widest)
        description = series.description or "(no description)"
        if self._synthetic is None:  # asked once a series: its first header does not change
            self._synthetic = _is_synthetic(series)
        kind = f"{series.modality}" + (" · synthetic" if self._synthetic else "")
        texts = {"top_left": f"{description}\n{kind}"}
        position = series.position_mm(i)
        where = f"Pos {position:.1f} mm" if position is not None else "Pos –"
        thickness = self._spacing
        spacing = f"\nSpacing {thickness:.1f} mm" if thickness else ""
        texts["top_right"] = f"Im {i + 1}/{n}\n{where}{spacing}"
        inverted = " · inverted" if self._inverted else ""
        texts["bottom_left"] = (
            f"W {self._width:.0f}  L {self._center:.0f}{inverted}\n"
            f"{series.columns}×{series.rows}  zoom {self.zoom_factor():.2f}"
        )
        orientation = series.slices[i].orientation
        key = None if orientation is None else tuple(orientation)
        markers = self._markers.get(key)
        if markers is None:  # the letters of each orientation once, not on every slice change
            markers = self._markers[key] = series.markers(i)
        for side in ("left", "right", "top", "bottom"):
            texts[f"mark_{side}"] = markers[side]
        # Only the labels whose text changed are measured again, and the overlay is laid out
        # again only when one of them changed size (a slice change alters one or two numbers).
        resized = False
        for key, text in texts.items():
            label = self._labels[key]
            if label.text() != text:
                label.setText(text)
                before = label.size()
                label.adjustSize()
                resized = resized or label.size() != before
        if resized:
            self._place_overlay()

    def view_changed(self) -> None:
        # Magnified, pixels are drawn with bilinear interpolation instead of square blocks;
        # at fit or below, nearest is sharper and cheaper.
        smooth = self.zoom_factor() > 1.0
        hint = QPainter.RenderHint.SmoothPixmapTransform
        if bool(self.graphics.renderHints() & hint) != smooth:
            self.graphics.setRenderHint(hint, smooth)
            self.graphics.viewport().update()
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
        self.label_layer.set_point_size(LABEL_POINT_SIZE * s)
        self._forget_annotation_items()
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
        self._layout_labels()

    def _control_widgets(self) -> list[QWidget]:
        return [self.counter, self.presets, self.invert_button, self.fit_button,
                self.play_button, self.annotations_button, self.labels_button,
                self.zoom_finding_button, self.tags_button]  # fmt: skip

    def _rows_width(self, rows) -> int:
        spacing = self._controls.spacing()
        return max(
            sum(w.sizeHint().width() for w in row) + spacing * (len(row) - 1) + 12 for row in rows
        )

    def _control_rows(self, count: int) -> list[list[QWidget]]:
        """The controls split into ``count`` rows (1 to 3) at fixed places."""
        widgets = self._control_widgets()
        cuts = {1: (), 2: (self._wrap_from,), 3: self._wrap_three}[count]
        bounds = (0, *cuts, len(widgets))
        return [widgets[a:b] for a, b in pairwise(bounds)]

    def _wrap_controls(self) -> None:
        """All controls on one row if they fit across the viewer, else on two or three."""
        count = next(
            (n for n in (1, 2) if self._rows_width(self._control_rows(n)) <= self.width()), 3
        )
        if count == self._control_row_count:
            return
        self._control_row_count = count
        for layout, row in zip(
            self._control_layouts, [*self._control_rows(count), [], []], strict=False
        ):
            for widget in row:
                layout.addWidget(widget)

    def minimumSizeHint(self) -> QSize:
        # The controls can take three rows, so the widest of those is the most the viewer needs.
        hint = super().minimumSizeHint()
        widest = self._rows_width(self._control_rows(3))
        return QSize(min(hint.width(), max(widest, SLIDER_MIN_WIDTH)), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._wrap_controls()
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


def _label_lines(text: str, longest: int = 30) -> str:
    """A long label on two lines, broken after the site ("Right tibia, distal metaphysis:")"""
    if len(text) <= longest or ": " not in text:
        return text
    site, _, finding = text.partition(": ")
    return f"{site}:\n{finding}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _is_synthetic(series: Series) -> bool:
    ds = series.header(0)
    words = " ".join(
        str(ds.get(k, "")) for k in ("Manufacturer", "ImageComments", "ManufacturerModelName")
    ).lower()
    return "synthetic" in words or "phantom" in words or "cnoatlas" in words
