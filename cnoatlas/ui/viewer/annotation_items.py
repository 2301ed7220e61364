"""Graphics items that draw one annotation (ellipse, polygon, arrow, text) over a slice."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsItemGroup,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
)

from cnoatlas.domain.annotations import Annotation

# Yellow reads on both grey-scale polarities (DWI inverted and STIR) and on projectors.
SHAPE_COLOUR = QColor("#ffd400")
SELECTED_COLOUR = QColor("#4da3ff")
# On-image label size at interface scale 1; viewers multiply it by their text scale.
LABEL_POINT_SIZE = 10.0


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


class LabelItem(QGraphicsItem):
    """A short label on a dark plate, the same size on screen whatever the zoom."""

    def __init__(self, text: str, above: bool = True, point_size: float = LABEL_POINT_SIZE) -> None:
        super().__init__()
        self.text = text
        self.colour = QColor(SHAPE_COLOUR)
        self.font = QFont()
        self.font.setPointSizeF(point_size)
        self.font.setBold(True)
        metrics = QFontMetricsF(self.font)
        pad = metrics.height() * 0.25
        width, height = metrics.horizontalAdvance(text) + 2 * pad, metrics.height() + pad
        # Sit just above the anchor (the top of the shape), centred on it.
        self.rect = QRectF(-width / 2, -height - 4 if above else -height / 2, width, height)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)

    def set_colour(self, colour: QColor) -> None:
        self.colour = QColor(colour)
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect

    def paint(self, painter: QPainter, _option, _widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(self.rect, 3, 3)
        painter.setPen(self.colour)
        painter.setFont(self.font)
        painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, self.text)


class AnnotationItem(QGraphicsItemGroup):
    """One annotation in image pixel coordinates (pixel centres at integers)."""

    def __init__(
        self,
        annotation: Annotation,
        label_point_size: float = LABEL_POINT_SIZE,
        with_label: bool = True,
    ) -> None:
        """``with_label`` False: the shape only (a viewer lays the labels out on its own)."""
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
        self.label_item: LabelItem | None = None
        if text and with_label:
            self.label_item = LabelItem(text, a.kind != "text", label_point_size)
            self.label_item.setPos(QPointF(*a.anchor()))
            self.addToGroup(self.label_item)
        self.setZValue(10)

    def label_text(self) -> str:
        """The text of this annotation's label ("" for none)."""
        a = self.annotation
        return a.label or (a.finding if a.kind == "text" else "")

    def set_selected_look(self, selected: bool) -> None:
        colour = SELECTED_COLOUR if selected else SHAPE_COLOUR
        if self.shape_item is not None:
            self.shape_item.setPen(_pen(colour, 3.0 if selected else 2.0))
        if self.label_item is not None:
            self.label_item.set_colour(colour)
