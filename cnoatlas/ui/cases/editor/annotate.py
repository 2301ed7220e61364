"""Drawing annotations on a ``SeriesViewer`` for the case editor: ellipse, polygon, arrow, text.

Clicks on the image (the viewer's marking mode) place the shape's points: an ellipse is its
centre then a point of its outline, an arrow its tail then its head, a polygon its corners
(closed by clicking its first corner again, or "Close polygon"), a text one point. The chosen
annotation gets handles (pyqtgraph ROIs): drag them to resize, drag the shape to move it. Each
shape is tied to a lesion (and so to its site); it can be copied to the slices either side.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from cnoatlas.domain.case_draft import CaseDraft

TOOLS = (
    ("select", "Select", "Choose an annotation to move or resize it"),
    ("ellipse", "Ellipse", "Click the centre, then a point on the outline"),
    ("polygon", "Polygon", "Click the corners; click the first corner again to close"),
    ("arrow", "Arrow", "Click the tail, then the head"),
    ("text", "Text", "Click where the text goes (the label field gives its words)"),
)
HANDLE_PEN = pg.mkPen("#ffd54a", width=2)
PENDING_PEN = pg.mkPen("#ffd54a", width=2, style=Qt.PenStyle.DashLine)
_CLOSE_PIXELS = 4.0  # a polygon click this near its first corner closes it


class AnnotationTool(QWidget):
    """A tool bar under the viewer and the drawing behind it. ``edited`` after each edit."""

    edited = Signal()

    def __init__(self, draft: CaseDraft, viewer) -> None:
        super().__init__()
        self.setObjectName("editorAnnotationTools")
        self.setAccessibleName("Annotation tools")
        self.draft = draft
        self.viewer = viewer
        self.tool = "select"
        self.points: list[tuple[float, float]] = []
        self.selected: str | None = None
        self.roi = None  # the handles of the chosen annotation
        self._pending_item = None
        self._pending_slice: int | None = None

        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(4)
        for key, text, tip in TOOLS:
            button = QToolButton()
            button.setObjectName(f"editorTool-{key}")
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(f"{text} tool")
            button.setCheckable(True)
            button.clicked.connect(lambda _on, k=key: self.set_tool(k))
            self.group.addButton(button)
            self.buttons[key] = button
            row.addWidget(button)
        self.buttons["select"].setChecked(True)
        self.close_button = self._button("closePolygon", "Close polygon", self.close_polygon)
        row.addWidget(self.close_button)
        row.addSpacing(10)
        row.addWidget(QLabel("Lesion"))
        self.lesion = QComboBox()
        self.lesion.setObjectName("editorAnnotationLesion")
        self.lesion.setAccessibleName("Lesion the annotation shows")
        self.lesion.setMinimumContentsLength(10)
        self.lesion.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.lesion.activated.connect(self._lesion_chosen)
        row.addWidget(self.lesion)
        self.text = QLineEdit()
        self.text.setObjectName("editorAnnotationText")
        self.text.setAccessibleName("Annotation label")
        self.text.setPlaceholderText("Label (optional)")
        self.text.setMaximumWidth(160)
        row.addWidget(self.text)
        self.copy_button = self._button(
            "copyNeighbours", "Copy to ±1 slice", self.copy_to_neighbours
        )
        self.delete_button = self._button("deleteAnnotation", "Delete", self.delete_selected)
        row.addWidget(self.copy_button)
        row.addWidget(self.delete_button)
        self.status = QLabel()
        self.status.setObjectName("editorAnnotationStatus")
        self.status.setProperty("role", "muted")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.status, 1)

        viewer.pointClicked.connect(self.point_clicked)
        viewer.annotationClicked.connect(self._annotation_clicked)
        viewer.sliceChanged.connect(lambda _i: self._slice_changed())
        self.refresh_lesions()
        self._update_buttons()

    def _button(self, key: str, text: str, slot) -> QToolButton:
        button = QToolButton()
        button.setObjectName(f"editor-{key}")
        button.setText(text)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    # --- state ---
    def refresh_lesions(self) -> None:
        current = self.lesion.currentData()
        self.lesion.clear()
        for lesion in self.draft.data["lesions"]:
            self.lesion.addItem(f"{lesion['id']} · {lesion['site_id']}", lesion["id"])
        index = self.lesion.findData(current)
        self.lesion.setCurrentIndex(index if index >= 0 else self.lesion.count() - 1)
        self._update_buttons()

    def choose_lesion(self, lesion_id: str) -> None:
        index = self.lesion.findData(lesion_id)
        if index >= 0:
            self.lesion.setCurrentIndex(index)

    def _lesion_chosen(self, _index: int) -> None:
        lesion_id = self.lesion.currentData()
        if self.selected and lesion_id and self._is_drawn(self.selected):
            self.draft.tie_annotation(self.selected, lesion_id)
            self.edited.emit()

    def set_tool(self, tool: str) -> None:
        self.tool = tool
        self.buttons[tool].setChecked(True)
        self._clear_pending()
        self.viewer.set_marking(tool != "select")
        if tool != "select":
            self.select(None)
        self._update_buttons()
        hint = dict((k, tip) for k, _t, tip in TOOLS)[tool]
        self.status.setText(
            hint if self.lesion.count() or tool == "select" else "Add a lesion first"
        )

    def _update_buttons(self) -> None:
        drawn = self.selected is not None and self._is_drawn(self.selected)
        self.copy_button.setEnabled(drawn)
        self.delete_button.setEnabled(drawn)
        self.close_button.setVisible(self.tool == "polygon")
        self.close_button.setEnabled(len(self.points) >= 3)
        for key in ("ellipse", "polygon", "arrow", "text"):
            self.buttons[key].setEnabled(self.lesion.count() > 0)

    def _is_drawn(self, annotation_id: str) -> bool:
        return any(a["id"] == annotation_id for a in self.draft.data["annotations"])

    # --- drawing ---
    def point_clicked(self, series_uid: str, slice_index: int, col: float, row: float) -> None:
        """A click on the image while a drawing tool is on."""
        lesion_id = self.lesion.currentData()
        if self.tool == "select" or not lesion_id:
            return
        if self._pending_slice is not None and slice_index != self._pending_slice:
            self._clear_pending()
        self._pending_slice = slice_index
        point = (round(float(col), 1), round(float(row), 1))
        if self.tool == "text":
            label = self.text.text().strip() or "Note"
            self._finish({"at": list(point)}, label)
            return
        if self.tool == "polygon" and len(self.points) >= 3:
            first = self.points[0]
            near = _CLOSE_PIXELS / max(self.viewer.zoom_factor(), 0.05)
            if math.hypot(point[0] - first[0], point[1] - first[1]) <= near:
                self.close_polygon()
                return
        self.points.append(point)
        if self.tool in ("ellipse", "arrow") and len(self.points) == 2:
            (x0, y0), (x1, y1) = self.points
            if self.tool == "ellipse":
                radii = [max(1.0, abs(x1 - x0)), max(1.0, abs(y1 - y0))]
                if abs(x1 - x0) < 1 or abs(y1 - y0) < 1:  # a click straight across: a circle
                    radius = max(1.0, math.hypot(x1 - x0, y1 - y0))
                    radii = [radius, radius]
                self._finish({"center": [x0, y0], "radii": radii})
            else:
                self._finish({"from": [x0, y0], "to": [x1, y1]})
            return
        self._draw_pending()
        self._update_buttons()

    def cancel(self) -> None:
        """Escape: drop the shape being drawn, or back to the Select tool."""
        if self.points:
            self._clear_pending()
            self._update_buttons()
        elif self.tool != "select":
            self.set_tool("select")

    def close_polygon(self) -> None:
        if self.tool == "polygon" and len(self.points) >= 3:
            self._finish({"points": [list(p) for p in self.points]})

    def _finish(self, geometry: dict, label: str | None = None) -> None:
        series = self.viewer.series
        index = (
            self._pending_slice if self._pending_slice is not None else self.viewer.slice_index()
        )
        sop = series.slices[index].sop_instance_uid if series is not None else ""
        ident = self.draft.add_annotation(
            self.tool,
            series.uid if series is not None else "",
            index,
            geometry,
            self.lesion.currentData(),
            sop_instance_uid=sop,
            label=label if label is not None else self.text.text().strip(),
        )
        self._clear_pending()
        self.edited.emit()
        self.select(ident)

    def _draw_pending(self) -> None:
        if self._pending_item is not None:
            self.viewer.view.removeItem(self._pending_item)
            self._pending_item = None
        if not self.points:
            return
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        item = pg.PlotDataItem(xs, ys, pen=PENDING_PEN, symbol="o", symbolSize=6)
        item.setZValue(30)
        for part in (item, item.curve, item.scatter):  # clicks go through to the image
            part.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            part.mouseClickEvent = lambda ev: ev.ignore()
        self.viewer.view.addItem(item)
        self._pending_item = item

    def _clear_pending(self) -> None:
        self.points = []
        self._pending_slice = None
        self._draw_pending()

    def _slice_changed(self) -> None:
        if self.points:
            self._clear_pending()
        self._place_handles()

    # --- choosing, handles ---
    def _annotation_clicked(self, annotation_id: str) -> None:
        if annotation_id != self.selected:
            self.select(annotation_id)

    def select(self, annotation_id: str | None) -> None:
        """Choose a drawn annotation: handles appear on it (None: nothing chosen)."""
        if annotation_id is not None and not self._is_drawn(annotation_id):
            annotation_id = None
        self.selected = annotation_id
        if annotation_id is not None:
            entry = self.draft.annotation(annotation_id)
            self.choose_lesion(entry["lesion_id"])
            if entry["slice"] != self.viewer.slice_index():
                self.viewer.set_slice(entry["slice"])
        self._place_handles()
        self._update_buttons()

    def _remove_handles(self) -> None:
        if self.roi is not None:
            self.viewer.view.removeItem(self.roi)
            self.roi = None

    def _place_handles(self) -> None:
        self._remove_handles()
        if self.selected is None or not self._is_drawn(self.selected):
            return
        entry = self.draft.annotation(self.selected)
        if entry["slice"] != self.viewer.slice_index():
            return
        g = entry["geometry"]
        kind = entry["kind"]
        if kind == "ellipse":
            (cx, cy), (rx, ry) = g["center"], g["radii"]
            roi = pg.ROI([cx - rx, cy - ry], [2 * rx, 2 * ry], pen=HANDLE_PEN)
            roi.addScaleHandle([1, 0.5], [0.5, 0.5])
            roi.addScaleHandle([0.5, 1], [0.5, 0.5])
            roi.addScaleHandle([1, 1], [0.5, 0.5])
        elif kind == "polygon":
            roi = pg.PolyLineROI([tuple(p) for p in g["points"]], closed=True, pen=HANDLE_PEN)
        elif kind == "arrow":
            roi = pg.LineSegmentROI([tuple(g["from"]), tuple(g["to"])], pen=HANDLE_PEN)
        else:
            x, y = g["at"]
            roi = pg.ROI([x - 2, y - 2], [4, 4], pen=HANDLE_PEN)
        roi.setZValue(40)
        roi.sigRegionChangeFinished.connect(self._handles_moved)
        self.viewer.view.addItem(roi)
        self.roi = roi

    def handle_geometry(self) -> dict | None:
        """The chosen annotation's geometry as its handles show it now."""
        if self.roi is None or self.selected is None:
            return None
        kind = self.draft.annotation(self.selected)["kind"]
        roi = self.roi
        if kind in ("ellipse", "text"):
            pos, size = roi.pos(), roi.size()
            cx, cy = pos.x() + size.x() / 2, pos.y() + size.y() / 2
            if kind == "text":
                return {"at": [round(cx, 1), round(cy, 1)]}
            rx, ry = abs(size.x()) / 2, abs(size.y()) / 2
            return {
                "center": [round(cx, 1), round(cy, 1)],
                "radii": [round(max(rx, 0.5), 1), round(max(ry, 0.5), 1)],
            }
        points = [roi.mapToParent(QPointF(p)) for _name, p in roi.getLocalHandlePositions()]
        out = [[round(p.x(), 1), round(p.y(), 1)] for p in points]
        if kind == "arrow":
            return {"from": out[0], "to": out[-1]}
        return {"points": out}

    def _handles_moved(self, *_args) -> None:
        geometry = self.handle_geometry()
        if geometry is None or self.selected is None:
            return
        if geometry != self.draft.annotation(self.selected)["geometry"]:
            self.draft.move_annotation(self.selected, geometry)
            self.edited.emit()

    def copy_to_neighbours(self) -> list[str]:
        if self.selected is None or not self._is_drawn(self.selected):
            return []
        series = self.viewer.series
        sops = [s.sop_instance_uid for s in series.slices] if series is not None else None
        made = self.draft.copy_annotation(
            self.selected, slice_count=self.viewer.slice_count(), sop_uids=sops
        )
        if made:
            self.status.setText(f"Copied to {len(made)} neighbouring slice(s)")
            self.edited.emit()
        return made

    def delete_selected(self) -> None:
        if self.selected is None or not self._is_drawn(self.selected):
            return
        self.draft.remove_annotation(self.selected)
        self.selected = None
        self._remove_handles()
        self.edited.emit()

    def after_change(self) -> None:
        """The draft changed (an edit, undo or redo): keep the handles on what is left."""
        if self.selected is not None and not self._is_drawn(self.selected):
            self.selected = None
        self.refresh_lesions()
        self._place_handles()
        self._update_buttons()
