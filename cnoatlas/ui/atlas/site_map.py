"""SiteMap: the clickable skeleton. Hover names a site, click selects it, overlays colour it.

Draws the shapes of a skeleton view (cnoatlas.domain.skeleton_map) as QPainterPaths,
scaled to the widget with the aspect ratio kept, with zoom, pan and keyboard navigation.
Radiological convention by default (patient's right on the viewer's left); the anatomical
view mirrors it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from cnoatlas.domain.colormap import needs_halo
from cnoatlas.domain.sites import SiteModel, site_model
from cnoatlas.domain.skeleton_map import Shape, SkeletonMap, skeleton_map
from cnoatlas.ui.common.theme import Theme, current_theme
from cnoatlas.ui.common.typography import role_font

MIN_ZOOM, MAX_ZOOM = 1.0, 12.0
_DRAG_START = 4.0  # pixels the mouse must move before a press becomes a pan

# The map's keys, one list for keyPressEvent and for Help › Keyboard shortcuts:
# (command, what it does, keys). Tab and Shift+Tab (Backtab) stay on the map while it has focus.
_K = Qt.Key
MAP_KEYS: tuple[tuple[str, str, tuple[Qt.Key, ...]], ...] = (
    ("next", "Next site", (_K.Key_Tab, _K.Key_Down)),
    ("previous", "Previous site", (_K.Key_Backtab, _K.Key_Up)),
    ("left", "Nearest site to the left", (_K.Key_Left,)),
    ("right", "Nearest site to the right", (_K.Key_Right,)),
    ("select", "Open the site's panel", (_K.Key_Return, _K.Key_Enter, _K.Key_Space)),
    ("zoom-in", "Zoom in", (_K.Key_Plus, _K.Key_Equal)),
    ("zoom-out", "Zoom out", (_K.Key_Minus,)),
    ("fit", "Fit the skeleton", (_K.Key_0, _K.Key_F, _K.Key_Home)),
    ("clear", "Clear the selection", (_K.Key_Escape,)),
)
_MAP_COMMANDS = {key: command for command, _text, keys in MAP_KEYS for key in keys}
_KEY_NAMES = {_K.Key_Backtab: "Shift+Tab", _K.Key_Return: "Return", _K.Key_Enter: "Enter"}


def map_shortcuts() -> list[tuple[str, str]]:
    """(keys, action) rows for the shortcuts list, read from MAP_KEYS."""
    return [
        (", ".join(_KEY_NAMES.get(k) or QKeySequence(k).toString() for k in keys), text)
        for _command, text, keys in MAP_KEYS
    ]


def painter_path(shape: Shape) -> QPainterPath:
    """The shape's segments as a QPainterPath in drawing (SVG) coordinates."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill if shape.evenodd else Qt.FillRule.WindingFill)
    # Straight from the flat coordinates (no Segment objects, no QPointF): start-up builds
    # ~330 of these paths, ~11,000 segments, for the Atlas page's three maps.
    c = shape.coords
    cubic, line, move, quad = path.cubicTo, path.lineTo, path.moveTo, path.quadTo
    k = 0
    for op in shape.ops:
        if op == "C":
            cubic(*c[k : k + 6])
            k += 6
        elif op == "L":
            line(c[k], c[k + 1])
            k += 2
        elif op == "M":
            move(c[k], c[k + 1])
            k += 2
        elif op == "Q":
            quad(*c[k : k + 4])
            k += 4
        else:
            path.closeSubpath()
    return path


# The diagonal lines over a site without data (an overlay's hatching), and its legend swatch.
NO_DATA_HATCH = QColor(40, 40, 40)

class _Geometry:
    """A drawing's QPainterPaths, their bounding boxes and the decoration, built once per
    drawing and shared by every map of that view (the overlay's two maps, the quiz's): Qt's
    paths are implicitly shared and no map changes them."""

    def __init__(self, drawing: SkeletonMap) -> None:
        self.paths: dict[str, QPainterPath] = {}
        self.boxes: dict[str, QRectF] = {}
        for sid, shape in drawing.shapes.items():
            path = painter_path(shape)
            self.paths[sid] = path
            self.boxes[sid] = path.boundingRect()
        self.decor = [
            (painter_path(s), next((k for k in ("silhouette", "teeth") if k in s.classes), ""))
            for s in drawing.decor
        ]
        # The hit-test grid over the boxes and the box around them (SiteMap._hit_grid).
        self.grid: tuple[list[list[str]], tuple[float, float, float, float]] | None = None


_GEOMETRY: dict[str, tuple[SkeletonMap, _Geometry]] = {}


def _geometry(view: str) -> _Geometry:
    """The built geometry of a shipped view, made once per process (and again only if the
    drawing itself was read again). A drawing a caller passes in is built afresh."""
    drawing = skeleton_map(view)
    cached = _GEOMETRY.get(view)
    if cached is None or cached[0] is not drawing:
        cached = _GEOMETRY[view] = (drawing, _Geometry(drawing))
    return cached[1]


class _Colours:
    """The map's colours for a theme: bone, outline, hover, selection, highlight."""

    def __init__(self, t: Theme) -> None:
        if t.name == "light":
            self.bone, self.outline = QColor("#efe7d6"), QColor("#4a4034")
            self.silhouette, self.decor = QColor("#e3e7ee"), QColor("#9aa3b0")
        elif t.name == "contrast":
            self.bone, self.outline = QColor("#000000"), QColor("#ffffff")
            self.silhouette, self.decor = QColor("#000000"), QColor("#8a8a8a")
        else:
            self.bone, self.outline = QColor("#d9d2c3"), QColor("#1b1d21")
            self.silhouette, self.decor = QColor("#2a2f37"), QColor("#5a616c")
        self.accent = QColor(t.accent)
        # The selected site: a colour no other state uses in this theme (high contrast's accent
        # is the same yellow as its highlighted lesion sites, so it selects in cyan).
        self.selected = QColor("#00e5ff") if t.name == "contrast" else QColor(t.accent)
        self.background = QColor(t.window)
        self.text = QColor(t.text)
        self.muted = QColor(t.muted)
        self.highlight = QColor(t.warning)
        self.contrast = t.name == "contrast"


MIN_TARGET = 14.0  # px: the smallest a site's hit area gets (a finger or a projector pointer)


class SiteMap(QWidget):
    """A skeleton view whose shapes are sites; emits the ids the user picks."""

    siteClicked = Signal(str)
    selectionChanged = Signal(list)
    siteHovered = Signal(str)  # "" when the pointer leaves every site
    viewChanged = Signal()  # zoom, pan or mirror changed

    def __init__(
        self,
        view: str = "front",
        parent: QWidget | None = None,
        *,
        drawing: SkeletonMap | None = None,
        model: SiteModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"siteMap-{view}")
        self.setAccessibleName(
            {
                "front": "Skeleton map, front view",
                "foot-lateral": "Right foot map, lateral view",
            }.get(view, "Spine map, lateral view")
        )
        self.setAccessibleDescription(
            "Arrow keys or Tab move between sites, Enter selects, plus and minus zoom, 0 fits, "
            "Ctrl+Tab leaves the map."
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(160, 200)
        self.view = view
        self._model = model
        self.drawing = drawing or skeleton_map(view)
        geometry = _geometry(view) if drawing is None else _Geometry(drawing)
        self._paths: dict[str, QPainterPath] = dict(geometry.paths)
        self._boxes: dict[str, QRectF] = dict(geometry.boxes)
        self._decor = list(geometry.decor)
        self._topmost = list(reversed(self._paths))  # hit testing: last drawn wins
        if geometry.grid is None:  # the boxes do not change: one grid per drawing
            geometry.grid = self._hit_grid(), self._grid_box
        self._cells, self._grid_box = geometry.grid
        self._keyboard_order: list[str] | None = None  # see _order
        self._anchors: dict[str, QPointF] = {}
        self._fills: dict[str, QColor] = {}
        self._hatched: frozenset[str] = frozenset()
        self._hatch = QColor(NO_DATA_HATCH)
        # (background, sites whose fill needs the halo on it), for the fills as last set.
        self._halos: tuple[tuple[int, ...], frozenset[str]] | None = None
        self._highlighted: set[str] = set()
        self._selected: list[str] = []
        self._hover = ""
        self._current = ""  # keyboard cursor
        self._multi = False
        self._mirrored = False
        self._zoom = 1.0
        self._pan = QPointF(0, 0)
        self._press: QPointF | None = None
        self._pan_at_press = QPointF(0, 0)
        self._dragging = False
        self._transform = QTransform()
        self._inverse = QTransform()
        self._update_transform()

    @property
    def model(self) -> SiteModel:
        """The site model (names, keyboard order), read when first needed: the map paints
        without it."""
        if self._model is None:
            self._model = site_model()
        return self._model

    @property
    def _order(self) -> list[str]:
        """The drawn sites in the model's (anatomical) order, then any the model lacks."""
        if self._keyboard_order is None:
            known = [s for s in self.model.sites if s in self._paths]
            self._keyboard_order = known + [s for s in self._paths if s not in set(known)]
        return self._keyboard_order

    # --- geometry ---------------------------------------------------------------------------
    def _update_transform(self) -> None:
        x, y, w, h = self.drawing.view_box
        margin = 28.0
        avail_w = max(1.0, self.width() - 2 * margin)
        avail_h = max(1.0, self.height() - 2 * margin)
        scale = min(avail_w / w, avail_h / h) * self._zoom
        cx = self.width() / 2 + self._pan.x()
        cy = self.height() / 2 + self._pan.y()
        t = QTransform()
        t.translate(cx, cy)
        t.scale(-scale if self._mirrored else scale, scale)
        t.translate(-(x + w / 2), -(y + h / 2))
        self._transform = t
        self._inverse, _ = t.inverted()
        self._drawn_bounds: QRectF | None = None
        self.update()

    def scene_transform(self) -> QTransform:
        """Drawing coordinates to widget coordinates."""
        return QTransform(self._transform)

    def site_ids(self) -> list[str]:
        """The drawn sites in keyboard (anatomical) order."""
        return list(self._order)

    def site_path(self, site_id: str) -> QPainterPath:
        """The shape of a site in widget coordinates."""
        return self._transform.map(self._paths[self._require(site_id)])

    def site_bounds(self, site_id: str) -> QRectF:
        """The bounding box of a site in widget coordinates."""
        return self._transform.mapRect(self._boxes[self._require(site_id)])

    def drawn_bounds(self) -> QRectF:
        """The union of every site's bounds in widget coordinates (once per zoom, pan, size)."""
        if self._drawn_bounds is None:
            union = QRectF()
            for sid in self._paths:
                union = union.united(self.site_bounds(sid))
            self._drawn_bounds = union
        return QRectF(self._drawn_bounds)

    def site_anchor(self, site_id: str) -> QPointF:
        """A point inside the site's shape (near its middle), in widget coordinates."""
        sid = self._require(site_id)
        if sid not in self._anchors:
            # The drawing cache carries the points (worked out by the rule below, once, by
            # tools/build_skeleton_cache.py); one that is not inside its site is not used.
            cached = self.drawing.anchors.get(sid)
            point = QPointF(*cached) if cached is not None else None
            if point is None or not self._paths[sid].contains(point):
                point = site_anchor_point(self._paths, self._boxes, sid)
            self._anchors[sid] = point
        return self._transform.map(self._anchors[sid])

    _GRID = 32  # hit-test buckets per side of the drawing

    def _hit_grid(self) -> list[list[str]]:
        """For each cell of a GRID x GRID grid over the drawing, the sites whose bounding box
        touches it, topmost first: a hover tests a handful of shapes, not all of them."""
        union = QRectF()
        for box in self._boxes.values():
            union = union.united(box)
        self._grid_box = (union.x(), union.y(), max(union.width(), 1e-9), max(union.height(), 1e-9))
        x, y, w, h = self._grid_box
        n = self._GRID
        cells: list[list[str]] = [[] for _ in range(n * n)]
        for sid in self._topmost:
            box = self._boxes[sid]
            i0 = max(0, min(n - 1, int((box.left() - x) / w * n)))
            i1 = max(0, min(n - 1, int((box.right() - x) / w * n)))
            j0 = max(0, min(n - 1, int((box.top() - y) / h * n)))
            j1 = max(0, min(n - 1, int((box.bottom() - y) / h * n)))
            for j in range(j0, j1 + 1):
                for i in range(i0, i1 + 1):
                    cells[j * n + i].append(sid)
        return cells

    def site_at(self, pos: QPointF) -> str | None:
        """The topmost site under a widget point, or None."""
        p = self._inverse.map(QPointF(pos))
        x, y, w, h = self._grid_box
        n = self._GRID
        px, py = p.x(), p.y()
        if not (x <= px <= x + w and y <= py <= y + h):
            return None  # outside every shape's bounding box
        i = min(n - 1, int((px - x) / w * n))
        j = min(n - 1, int((py - y) / h * n))
        for sid in self._cells[j * n + i]:
            if self._boxes[sid].contains(p) and self._paths[sid].contains(p):
                return sid
        return self._near_small_site(QPointF(pos))

    def _near_small_site(self, pos: QPointF) -> str | None:
        """A site drawn smaller than MIN_TARGET px (a sacroiliac joint, a clavicle third at Fit)
        is hit within a MIN_TARGET box around its middle: the nearest such site, or None."""
        best, best_d = None, float("inf")
        half = MIN_TARGET / 2
        for sid in self._order:
            box = self._transform.mapRect(self._boxes[sid])
            if box.width() >= MIN_TARGET and box.height() >= MIN_TARGET:
                continue
            centre = box.center()
            target = QRectF(
                centre.x() - max(half, box.width() / 2),
                centre.y() - max(half, box.height() / 2),
                max(MIN_TARGET, box.width()),
                max(MIN_TARGET, box.height()),
            )
            if target.contains(pos):
                d = (centre.x() - pos.x()) ** 2 + (centre.y() - pos.y()) ** 2
                if d < best_d:
                    best, best_d = sid, d
        return best

    def ensure_visible(self, site_id: str, margin: float = 24.0) -> None:
        """Pan (at the same zoom) so the site is inside the view, e.g. after a search."""
        if site_id not in self._paths:
            return
        if self._zoom <= 1.0:
            # At Fit the whole drawing is in view at any size, so there is nothing to pan to;
            # panning here (before the layout gives the widget its size, as a map view opened
            # with a selection does) would push the drawing off the side for good.
            if not self._pan.isNull():
                self.fit()
            return
        box = self.site_bounds(site_id)
        view = QRectF(self.rect()).adjusted(margin, margin, -margin, -margin)
        if view.contains(box):
            return
        centre = box.center()
        self._pan += QPointF(self.width() / 2, self.height() / 2) - centre
        self._clamp_pan()
        self._update_transform()
        self.viewChanged.emit()

    def _require(self, site_id: str) -> str:
        if site_id not in self._paths:
            raise KeyError(f"site '{site_id}' is not drawn in the {self.view} view")
        return site_id

    # --- public state -------------------------------------------------------------------------
    def set_site_fills(
        self, fills: dict[str, QColor], hatched: Iterable[str] = (), hatch: QColor = NO_DATA_HATCH
    ) -> None:
        """Colour sites (an overlay); sites not in the dict keep the bone colour. ``hatched``
        sites (an overlay's "no data") get diagonal lines in ``hatch`` over their fill and
        outline, painted by the map itself after the sites."""
        self._fills = {k: QColor(v) for k, v in fills.items() if k in self._paths}
        self._hatched = frozenset(s for s in hatched if s in self._paths)
        self._hatch = QColor(hatch)
        self._halos = None  # which fills need a halo: worked out at the next paint
        self.update()

    def hatched_sites(self) -> set[str]:
        return set(self._hatched)

    def highlight_sites(self, site_ids: set[str] | frozenset[str]) -> None:
        """Light up sites (for example the lesions of a case); an empty set clears."""
        self._highlighted = {s for s in site_ids if s in self._paths}
        self.update()

    def highlighted_sites(self) -> set[str]:
        return set(self._highlighted)

    def set_multi_select(self, enabled: bool) -> None:
        """In multi-select mode a click toggles a site in the selection (quizzes)."""
        self._multi = bool(enabled)
        if not self._multi and len(self._selected) > 1:
            self.set_selection(self._selected[-1:])

    def is_multi_select(self) -> bool:
        return self._multi

    def selected_sites(self) -> list[str]:
        return list(self._selected)

    def set_selection(self, site_ids: list[str]) -> None:
        ids = [s for s in dict.fromkeys(site_ids) if s in self._paths]
        if not self._multi:
            ids = ids[-1:]
        if ids != self._selected:
            self._selected = ids
            self.selectionChanged.emit(list(ids))
        if ids:
            self._current = ids[-1]
        self.update()

    def select(self, site_id: str) -> None:
        """Select one site as a click would (toggles it in multi-select mode)."""
        sid = self._require(site_id)
        self._current = sid
        if self._multi:
            chosen = [s for s in self._selected if s != sid]
            if sid not in self._selected:
                chosen.append(sid)
            self.set_selection(chosen)
        else:
            self.set_selection([sid])
        self.siteClicked.emit(sid)

    def clear_selection(self) -> None:
        self.set_selection([])

    def hovered_site(self) -> str:
        return self._hover

    def current_site(self) -> str:
        """The site the keyboard cursor is on ("" before the first key)."""
        return self._current

    def hover_text(self) -> str:
        """What the hover label shows: the name of the site under the pointer."""
        if not self._hover:
            return ""
        return self.model.name(self._hover) if self._hover in self.model.sites else ""

    def set_anatomical_view(self, mirrored: bool) -> None:
        """False: radiological (patient's right on the left); True: mirrored, anatomical."""
        if self._mirrored != bool(mirrored):
            self._mirrored = bool(mirrored)
            self._pan = QPointF(-self._pan.x(), self._pan.y())
            self._update_transform()
            self.viewChanged.emit()

    def is_anatomical_view(self) -> bool:
        return self._mirrored

    def zoom(self) -> float:
        return self._zoom

    def zoom_by(self, factor: float, around: QPointF | None = None) -> None:
        new = max(MIN_ZOOM, min(MAX_ZOOM, self._zoom * factor))
        if new == self._zoom:
            return
        around = QPointF(around) if around is not None else QPointF(self.width(), self.height()) / 2
        scene = self._inverse.map(around)
        self._zoom = new
        self._update_transform()
        moved = self._transform.map(scene)
        self._pan += around - moved
        self._clamp_pan()
        self._update_transform()
        self.viewChanged.emit()

    def fit(self) -> None:
        """Whole skeleton in view again."""
        self._zoom = 1.0
        self._pan = QPointF(0, 0)
        self._update_transform()
        self.viewChanged.emit()

    def pan_by(self, dx: float, dy: float) -> None:
        self._pan += QPointF(dx, dy)
        self._clamp_pan()
        self._update_transform()
        self.viewChanged.emit()

    def _clamp_pan(self) -> None:
        limit_x = self.width() * self._zoom / 2
        limit_y = self.height() * self._zoom / 2
        self._pan = QPointF(
            max(-limit_x, min(limit_x, self._pan.x())), max(-limit_y, min(limit_y, self._pan.y()))
        )

    # --- events -------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        self._update_transform()
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._pan_at_press = QPointF(self._pan)
            self._dragging = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = pos - self._press
            if self._dragging or abs(delta.x()) + abs(delta.y()) > _DRAG_START:
                self._dragging = True
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self._pan = self._pan_at_press + delta
                self._clamp_pan()
                self._update_transform()
                self.viewChanged.emit()
                return
        self._set_hover(self.site_at(pos) or "", event.globalPosition().toPoint())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            was_drag = self._dragging
            self._press = None
            self._dragging = False
            self.unsetCursor()
            if not was_drag:
                sid = self.site_at(event.position())
                if sid:
                    self.select(sid)
                elif not self._multi:
                    self.clear_selection()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.site_at(event.position()) is None:
            self.fit()
        super().mouseDoubleClickEvent(event)

    def leaveEvent(self, event) -> None:
        self._set_hover("", None)
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps, event.position())
        event.accept()

    def event(self, event) -> bool:
        # Tab moves between sites while the map has focus, not to the next widget.
        if (
            event.type() == event.Type.KeyPress
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._run_key_command(_MAP_COMMANDS[event.key()])
            return True
        return super().event(event)

    def changeEvent(self, event) -> None:
        if event.type() in (event.Type.PaletteChange, event.Type.StyleChange):
            self.update()  # colours come from the current theme at paint time
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Tab and Shift+Tab are taken in event(); with Ctrl they move focus as usual.
        tab = event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        command = None if tab else _MAP_COMMANDS.get(event.key())
        if command is None or not self._run_key_command(command):
            super().keyPressEvent(event)

    def _run_key_command(self, command: str) -> bool:
        """Do what a MAP_KEYS command says; False if it does not apply now (key passes on)."""
        if command in ("next", "previous"):
            self._step(1 if command == "next" else -1)
        elif command in ("left", "right"):
            self._step_sideways(-1 if command == "left" else 1)
        elif command == "select":
            if self._current:
                self.select(self._current)
        elif command in ("zoom-in", "zoom-out"):
            self.zoom_by(1.25 if command == "zoom-in" else 1 / 1.25)
        elif command == "fit":
            self.fit()
        elif command == "clear" and self._selected:
            self.clear_selection()
        else:
            return False
        return True

    def _step(self, delta: int) -> None:
        if not self._current:
            self._current = self._order[0 if delta > 0 else -1]
        else:
            i = self._order.index(self._current)
            self._current = self._order[(i + delta) % len(self._order)]
        self._announce()

    def _step_sideways(self, direction: int) -> None:
        """To the nearest site on the screen in that direction (e.g. right to left side)."""
        if not self._current:
            self._step(1)
            return
        here = self.site_anchor(self._current)
        best, best_cost = None, float("inf")
        for sid in self._order:
            if sid == self._current:
                continue
            p = self.site_anchor(sid)
            dx = (p.x() - here.x()) * direction
            if dx <= 1.0:
                continue
            cost = dx + 3.0 * abs(p.y() - here.y())
            if cost < best_cost:
                best, best_cost = sid, cost
        if best:
            self._current = best
            self._announce()

    def _announce(self) -> None:
        # The keyboard moved: the caption names the site it is on, not one hovered earlier.
        self._hover = ""
        self.ensure_visible(self._current)
        self.setToolTip(self.model.name(self._current))
        self.setAccessibleDescription(f"Focused: {self.model.name(self._current)}")
        self.siteHovered.emit(self._current)
        self.update()

    def _set_hover(self, sid: str, global_pos) -> None:
        if sid == self._hover:
            return
        self._hover = sid
        name = self.hover_text()
        self.setToolTip(name)
        if global_pos is not None:
            if name:
                QToolTip.showText(global_pos, name, self)
            else:
                QToolTip.hideText()
        self.siteHovered.emit(sid)
        self.update()

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        c = _Colours(current_theme())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.save()
        painter.setTransform(self._transform)
        for path, kind in self._decor:
            pen = QPen(c.decor, 1.0)
            pen.setCosmetic(True)
            painter.setPen(Qt.PenStyle.NoPen if kind == "silhouette" else pen)
            if kind == "silhouette":
                painter.setBrush(c.silhouette)
            elif kind == "teeth":
                painter.setBrush(c.bone)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        scale = abs(self._transform.m22())
        width = max(0.8, min(2.2, 0.5 * scale)) * (1.6 if c.contrast else 1.0)
        outline = QPen(c.outline, width)
        outline.setCosmetic(True)
        outline.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        # Overlay colours at the dark end of the scale get a light halo instead of the outline,
        # so a 5 % site does not vanish into a dark background.
        halo = QPen(c.text, width * 1.2)
        halo.setCosmetic(True)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        ground = c.silhouette.getRgb()[:3]
        if self._halos is None or self._halos[0] != ground:
            # A dataset has a handful of distinct colours: each is tested once.
            colours = {f.rgba(): f.getRgb()[:3] for f in self._fills.values()}
            dim = {k for k, rgb in colours.items() if needs_halo(rgb, ground)}
            halos = {s for s, f in self._fills.items() if f.rgba() in dim}
            self._halos = (ground, frozenset(halos))
        halos = self._halos[1]
        selected = set(self._selected)
        fills, bone, hover, hatched = self._fills, c.bone, self._hover, self._hatched
        for sid, path in self._paths.items():
            fill = fills.get(sid, bone)
            if sid in self._highlighted:
                fill = c.highlight
            if sid in selected:
                fill = c.selected
            elif sid == hover:
                fill = fill.lighter(125) if fill.lightness() < 200 else fill.darker(112)
            painter.setPen(halo if sid in halos else outline)
            painter.setBrush(fill)
            if sid.startswith("sternum."):
                painter.setOpacity(0.72)  # the sternum lies over the thoracic spine
                painter.drawPath(path)
                painter.setOpacity(1.0)
            else:
                painter.drawPath(path)
        if hatched:
            # Over every site and outline, in the same pass and painter (the paths are not
            # mapped to the widget first): the lines in widget pixels, as the legend's swatch.
            lines = QBrush(self._hatch, Qt.BrushStyle.BDiagPattern)
            lines.setTransform(self._inverse)
            painter.setPen(Qt.PenStyle.NoPen)
            for sid, path in self._paths.items():
                if sid in hatched:
                    painter.fillPath(path, lines)
        for sid, colour in ((self._hover, c.accent), (self._current, c.text)):
            if (sid and self.hasFocus()) or (sid and sid == self._hover):
                pen = QPen(colour, 2.2 if c.contrast else 1.8)
                pen.setCosmetic(True)
                if sid == self._current and sid != self._hover:
                    pen.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(self._paths[sid])
        painter.restore()
        self._paint_markers(painter, c)
        painter.end()

    def _paint_markers(self, painter: QPainter, c: _Colours) -> None:
        font = role_font("heading", self.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)  # the film's R/L letters stand out
        painter.setFont(font)
        painter.setPen(c.text)
        margin = 12
        # Markers sit at the edges of the drawing (clamped to the widget), as on a film.
        x, y, w, h = self.drawing.view_box
        drawn = self._transform.mapRect(QRectF(x, y, w, h))
        left = max(margin, min(drawn.left(), self.width() / 2 - 60))
        right = min(self.width() - margin, max(drawn.right(), self.width() / 2 + 60))
        box = QRectF(left, margin, right - left, QFontMetricsF(font).height() + 8)
        if self.view == "front":
            left_mark, right_mark = ("L", "R") if self._mirrored else ("R", "L")
            mode = "Anatomical view (mirrored)" if self._mirrored else "Radiological view"
        else:  # a lateral view: anterior on the left, as sagittal images are shown
            left_mark, right_mark = ("P", "A") if self._mirrored else ("A", "P")
            mode = "Right foot" if self.view == "foot-lateral" else "Lateral view"
        top = Qt.AlignmentFlag.AlignTop
        _plated(painter, c, box, Qt.AlignmentFlag.AlignLeft | top, left_mark)
        _plated(painter, c, box, Qt.AlignmentFlag.AlignRight | top, right_mark)
        marks = QFontMetricsF(font)
        mark_width = max(marks.horizontalAdvance(left_mark), marks.horizontalAdvance(right_mark))
        small = role_font("caption", self.font(), bold=False)
        painter.setFont(small)
        small_metrics = QFontMetricsF(small)
        # Between the two letters if it fits there (narrow maps: the lateral spine), else below,
        # as wide as the widget; never cut: elided to what fits (the tooltip names the view).
        if small_metrics.horizontalAdvance(mode) + 2 * mark_width + 16 > box.width():
            box = QRectF(
                margin, box.top() + marks.height() + 6, self.width() - 2 * margin, box.height()
            )
            # A shorter name before any elision: "Radiological" says it on a narrow map.
            short = {
                "Radiological view": "Radiological",
                "Anatomical view (mirrored)": "Anatomical",
                "Lateral view": "Lateral",
            }.get(mode, mode)
            for candidate in (mode, short):
                if small_metrics.horizontalAdvance(candidate) <= box.width() - 12:
                    mode = candidate
                    break
            else:
                mode = small_metrics.elidedText(
                    short, Qt.TextElideMode.ElideRight, box.width() - 12
                )
        _plated(painter, c, box, Qt.AlignmentFlag.AlignHCenter | top, mode, c.muted)
        name = self.hover_text() or (
            self.model.name(self._current) if self._current and self.hasFocus() else ""
        )
        if name:
            label = role_font("overlay", self.font(), bold=True)
            painter.setFont(label)
            line = QFontMetricsF(label).height() + 8
            name = QFontMetricsF(label).elidedText(
                name, Qt.TextElideMode.ElideRight, self.width() - 2 * margin - 12
            )
            _plated(
                painter,
                c,
                QRectF(margin, self.height() - line - 8, self.width() - 2 * margin, line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                name,
            )


def _plated(
    painter: QPainter,
    c: _Colours,
    box: QRectF,
    align: Qt.AlignmentFlag,
    text: str,
    colour: QColor | None = None,
) -> None:
    """Text on a translucent plate of the background colour, legible over the bones."""
    bounds = painter.boundingRect(box, align, text).adjusted(-6, -2, 6, 2)
    plate = QColor(c.background)
    plate.setAlpha(200)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(plate)
    painter.drawRoundedRect(bounds, 4, 4)
    painter.setPen(colour or c.text)
    painter.drawText(box, align, text)


def _visible_part(
    paths: dict[str, QPainterPath], boxes: dict[str, QRectF], sid: str
) -> QPainterPath:
    """The site's shape minus the shapes drawn over it (the sternum over the spine)."""
    path = paths[sid]
    box = boxes[sid]
    order = list(paths)
    visible = path
    for other in order[order.index(sid) + 1 :]:
        if boxes[other].intersects(box):
            visible = visible.subtracted(paths[other])
    return path if visible.isEmpty() else visible


def site_anchor_point(
    paths: dict[str, QPainterPath], boxes: dict[str, QRectF], sid: str
) -> QPointF:
    """A point well inside the visible part of a site, in drawing coordinates: where its
    label's leader line meets it (SiteMap.site_anchor; the drawing cache stores these)."""
    return _inner_point(_visible_part(paths, boxes, sid), boxes[sid])


def _inner_point(path: QPainterPath, box: QRectF) -> QPointF:
    """A point well inside the path (its neighbours inside too), near the shape's middle."""
    box = path.boundingRect() if not path.isEmpty() else box
    for steps in (12, 40):  # a coarse grid finds most shapes; thin slivers need a finer one
        dx, dy = box.width() / steps, box.height() / steps

        def deep(p: QPointF, dx: float = dx, dy: float = dy) -> bool:
            ring = (
                QPointF(p.x() + sx * dx / 2, p.y() + sy * dy / 2)
                for sx in (-1, 1)
                for sy in (-1, 1)
            )
            return path.contains(p) and all(path.contains(q) for q in ring)

        centre = box.center()
        if deep(centre):
            return centre
        inside = [
            QPointF(box.left() + dx * (i + 0.5), box.top() + dy * (j + 0.5))
            for i in range(steps)
            for j in range(steps)
        ]
        inside = [p for p in inside if path.contains(p)]
        if not inside:
            continue
        cx = sum(p.x() for p in inside) / len(inside)
        cy = sum(p.y() for p in inside) / len(inside)
        ranked = sorted(inside, key=lambda p: (p.x() - cx) ** 2 + (p.y() - cy) ** 2)
        chosen = next((p for p in ranked if deep(p)), None)
        if chosen is not None or steps == 40:
            return chosen or ranked[0]
    return path.pointAtPercent(0.0)
