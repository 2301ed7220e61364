"""A check box whose text wraps onto more lines instead of widening the page.

Qt's check box keeps its text on one line, so a long criterion ("Vertebral, clavicular or sternal
location (odds ratio 7.8)") at a large scale sets the minimum width of everything around it.
This one is a QCheckBox in every other way (signals, states, keyboard, accessibility).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QCheckBox, QSizePolicy, QStyle, QStyleOptionButton, QStylePainter

_WRAP = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


class WrapCheckBox(QCheckBox):
    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setAccessibleName(text)

    def _indent(self) -> int:
        style = self.style()
        return style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, self) + (
            style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, self) + 4
        )

    def _text_height(self, width: int) -> int:
        fm = QFontMetrics(self.font())
        box = fm.boundingRect(
            QRect(0, 0, max(1, width - self._indent()), 100000), _WRAP, self.text()
        )
        indicator = self.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, None, self)
        return max(box.height(), indicator) + 4

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._text_height(width)

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        width = self._indent() + fm.horizontalAdvance(self.text()) + 4
        return QSize(width, self._text_height(width))

    def minimumSizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        longest = max((fm.horizontalAdvance(w) for w in self.text().split()), default=0)
        width = self._indent() + longest + 4
        return QSize(width, fm.height())

    def hitButton(self, pos) -> bool:
        return self.rect().contains(pos)

    def paintEvent(self, event) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        indicator = self.style().subElementRect(
            QStyle.SubElement.SE_CheckBoxIndicator, option, self
        )
        indicator.moveTop(2)
        text_rect = self.rect().adjusted(self._indent(), 0, 0, 0)
        option.rect = indicator
        option.text = ""
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, option)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(text_rect, _WRAP, self.text())
        if self.hasFocus():
            focus = QStyleOptionButton()
            focus.initFrom(self)
            focus.rect = text_rect
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus)
        painter.end()
