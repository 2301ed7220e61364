"""Graphics items that draw one annotation (ellipse, polygon, arrow, text) over a slice."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsItemGroup,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsSimpleTextItem,
)

from cnoatlas.domain.annotations import Annotation

# Yellow reads on both grey-scale polarities (DWI inverted and STIR) and on projectors.
SHAPE_COLOUR = QColor("#ffd400")
SELECTED_COLOUR = QColor("#4da3ff")


def _pen(colour: QColor, width: float = 2.0) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)  # width in screen pixels whatever the zoom
    return pen


def _arrow_path(start: QPointF, end: QPointF, head: float) -> QPainterPath:
    path = QPainterPath(start)
    path.lineTo(end)
    angle = math.atan2(end.y() - start.y(), end.x() - start.x())
    for side in (-1, 1):
        a = angle + math.pi + side * math.radians(28)
        path.moveTo(end)
        path.lineTo(end + QPointF(math.cos(a) * head, math.sin(a) * head))
    return path


class AnnotationItem(QGraphicsItemGroup):
    """One annotation in image pixel coordinates (pixel centres at integers)."""

    def __init__(self, annotation: Annotation) -> None:
        super().__init__()
        self.annotation = annotation
        self.shape_item: QGraphicsItem | None = None
        a, g = annotation, annotation.geometry
        pen = _pen(SHAPE_COLOUR)
        if a.kind == "ellipse":
            (cx, cy), (rx, ry) = g["center"], g["radii"]
            self.shape_item = QGraphicsEllipseItem(QRectF(cx - rx, cy - ry, 2 * rx, 2 * ry))
        elif a.kind == "polygon":
            self.shape_item = QGraphicsPolygonItem(QPolygonF([QPointF(*p) for p in g["points"]]))
        elif a.kind == "arrow":
            start, end = QPointF(*g["from"]), QPointF(*g["to"])
            length = math.hypot(end.x() - start.x(), end.y() - start.y())
            self.shape_item = QGraphicsPathItem(_arrow_path(start, end, max(3.0, length * 0.25)))
        if self.shape_item is not None:
            self.shape_item.setPen(pen)
            if hasattr(self.shape_item, "setBrush"):
                self.shape_item.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            self.addToGroup(self.shape_item)
        text = a.label or (a.finding if a.kind == "text" else "")
        self.label_item: QGraphicsSimpleTextItem | None = None
        if text:
            label = QGraphicsSimpleTextItem(text)
            font = QFont()
            font.setPointSizeF(10.0)
            font.setBold(True)
            label.setFont(font)
            label.setBrush(QBrush(SHAPE_COLOUR))
            outline = QPen(QColor(0, 0, 0, 200), 2.5)
            label.setPen(outline)
            # Labels keep their screen size when zooming.
            label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
            x, y = a.anchor()
            label.setPos(QPointF(x, y))
            self.label_item = label
            self.addToGroup(label)
        self.setZValue(10)

    def set_selected_look(self, selected: bool) -> None:
        colour = SELECTED_COLOUR if selected else SHAPE_COLOUR
        if self.shape_item is not None:
            self.shape_item.setPen(_pen(colour, 3.0 if selected else 2.0))
        if self.label_item is not None:
            self.label_item.setBrush(QBrush(colour))
