"""Horizontal score bars: one row per topic, its name, "2 of 3 · 67 %" and a bar.

Drawn here rather than with a plotting library so that the text follows the typographic scale,
a score of zero is still visible (an outlined empty track with a notch at its start), and every
bar says how many answers it stands on.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnoatlas.ui.common.theme import current_theme
from cnoatlas.ui.common.typography import role_font


@dataclass(frozen=True)
class Bar:
    name: str
    correct: int
    total: int

    @property
    def fraction(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def value_text(self) -> str:
        if not self.total:
            return "not answered yet"
        return f"{self.correct} of {self.total} · {self.fraction:.0%}"


class ScoreBars(QWidget):
    """A column of labelled bars; the height grows with the rows and the scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[Bar] = []
        sp = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setSizePolicy(sp)
        self.setMinimumWidth(160)

    def set_bars(self, bars: list[Bar]) -> None:
        self.bars = list(bars)
        self.setAccessibleDescription(
            "; ".join(f"{b.name}: {b.value_text()}" for b in self.bars) or "no answers yet"
        )
        self.setToolTip("\n".join(f"{b.name}: {b.value_text()}" for b in self.bars))
        self.updateGeometry()
        self.update()

    def _row_height(self) -> float:
        fm = QFontMetricsF(role_font("body", self.font(), bold=False))
        return fm.height() * 2.2 + 10

    def sizeHint(self) -> QSize:
        return QSize(400, round(self._row_height() * max(1, len(self.bars)) + 4))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.sizeHint().height())

    def paintEvent(self, event) -> None:
        t = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = role_font("body", self.font(), bold=False)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        row_h = self._row_height()
        width = self.width() - 2
        for i, bar in enumerate(self.bars):
            top = 2 + i * row_h
            value = bar.value_text()
            value_w = fm.horizontalAdvance(value)
            name = fm.elidedText(bar.name, Qt.TextElideMode.ElideRight, width - value_w - 16)
            text_rect = QRectF(1, top, width, fm.height())
            painter.setPen(QColor(t.text))
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
            )
            painter.setPen(QColor(t.muted))
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, value
            )
            track = QRectF(1, top + fm.height() + 4, width, fm.height() * 0.8)
            painter.setPen(QPen(QColor(t.border if t.name != "contrast" else t.text), 1))
            painter.setBrush(QColor(t.base))
            painter.drawRoundedRect(track, 3, 3)
            if not bar.total:  # nothing to show: the empty track alone, no notch
                continue
            if bar.fraction > 0:
                fill = QRectF(
                    track.left(), track.top(), track.width() * bar.fraction, track.height()
                )
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(t.accent))
                painter.drawRoundedRect(fill, 3, 3)
            else:  # zero right: a notch at the start, so the row does not look empty of data
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(t.warning))
                painter.drawRect(QRectF(track.left(), track.top(), 4, track.height()))
        painter.end()
