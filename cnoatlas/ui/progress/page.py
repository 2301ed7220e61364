"""The Progress page: accuracy over time and per topic, the weakest differentials, reviews due.

Every figure comes from the progress store's SQL aggregates; the page only draws them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.progress import ProgressStore, shared_store
from cnoatlas.domain.quiz.questions import DIAGNOSES, TOPIC_SHORT
from cnoatlas.ui.common.theme import current_theme


def _label(text: str = "", role: str | None = None) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(True)
    return label


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 16, 20, 16)
    heading = _label(title, "heading")
    layout.addWidget(heading)
    return frame, layout


def _plot(name: str, accessible: str, left: str, horizontal: bool = False) -> pg.PlotWidget:
    """A percentage plot; ``horizontal`` bars put the category names on the left axis, where
    long names do not run into each other."""
    t = current_theme()
    plot = pg.PlotWidget(background=t.base)
    plot.setObjectName(name)
    plot.setAccessibleName(accessible)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    item = plot.getPlotItem()
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen(pg.mkPen(t.muted))
        item.getAxis(axis).setTextPen(pg.mkPen(t.text))
    if horizontal:
        plot.setXRange(0, 100, padding=0.05)  # room for the "100" at the right end
        item.getAxis("bottom").setTicks([[(v, str(v)) for v in range(0, 101, 20)]])
        plot.showGrid(x=True, alpha=0.25)
        plot.invertY(True)  # the first category at the top
        item.setLabel("bottom", left, color=t.text)
    else:
        plot.setYRange(0, 100, padding=0.02)
        plot.showGrid(y=True, alpha=0.25)
        item.setLabel("left", left, color=t.text)
    plot.setMinimumHeight(240)
    return plot


def _day_label(day: str) -> str:
    """ "2026-11-13" as "13 Nov": no month-day order for the reader to guess."""
    when = date.fromisoformat(day)
    return f"{when.day} {when.strftime('%b')}"


class ProgressPage(QWidget):
    exported = Signal(str, int)  # path, rows

    def __init__(self, store: ProgressStore | None = None) -> None:
        super().__init__()
        self.setObjectName("page-progress")
        self.setAccessibleName("Progress page")
        self._store = store
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(16)

        header = QHBoxLayout()
        header.addWidget(_label("Progress", "title"))
        header.addStretch(1)
        self.export_button = QPushButton("Export answers as CSV…")
        self.export_button.setObjectName("progressExportButton")
        self.export_button.setAccessibleName("Export all answers as a CSV file")
        self.export_button.clicked.connect(self._ask_export)
        header.addWidget(self.export_button)
        layout.addLayout(header)

        self.damaged = _label("", "warning")
        self.damaged.setObjectName("progressDamagedMessage")
        self.damaged.setStyleSheet(f"color: {current_theme().warning};")
        self.damaged.hide()
        layout.addWidget(self.damaged)
        self.summary = _label("", "lead")
        self.summary.setObjectName("progressSummary")
        layout.addWidget(self.summary)

        grid = QGridLayout()
        grid.setSpacing(16)
        day_card, day_layout = _card("Accuracy over time")
        self.day_plot = _plot("progressDayPlot", "Accuracy per day, in percent", "% right")
        day_layout.addWidget(self.day_plot)
        topic_card, topic_layout = _card("Accuracy per topic")
        self.topic_plot = _plot(
            "progressTopicPlot", "Accuracy per topic, in percent", "% right", horizontal=True
        )
        topic_layout.addWidget(self.topic_plot)
        weak_card, weak_layout = _card("Weakest differentials")
        weak_layout.addWidget(
            _label(
                "Questions that set CNO against another diagnosis, the most often missed first.",
                "muted",
            )
        )
        self.weak_table = QTableWidget(0, 5)
        self.weak_table.setObjectName("progressWeakestTable")
        self.weak_table.setAccessibleName("Differentials most often answered wrongly")
        self.weak_table.setHorizontalHeaderLabels(
            ["Differential", "Wrong", "Of", "Taken for CNO", "CNO taken for it"]
        )
        self.weak_table.verticalHeader().hide()
        self.weak_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.weak_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        head = self.weak_table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        weak_layout.addWidget(self.weak_table)
        due_card, due_layout = _card("Reviews")
        self.due = _label("", "lead")
        self.due.setObjectName("progressDueLabel")
        due_layout.addWidget(self.due)
        due_layout.addWidget(
            _label(
                "Review mode on the Quiz page asks the due questions first. Right answers come back "
                "after longer and longer gaps; wrong ones come back soon.",
                "muted",
            )
        )
        due_layout.addStretch(1)
        grid.addWidget(day_card, 0, 0)
        grid.addWidget(topic_card, 0, 1)
        grid.addWidget(weak_card, 1, 0)
        grid.addWidget(due_card, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout.addLayout(grid, 1)
        self.refresh()

    @property
    def store(self) -> ProgressStore:
        if self._store is None:
            self._store = shared_store()
        return self._store

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        t = current_theme()
        stats = self.store.statistics()
        message = self.store.recovery_message
        self.damaged.setText(message or "")
        self.damaged.setVisible(bool(message))
        days, topics = stats["by_day"], stats["by_topic"]
        total = stats["answers"]
        right = sum(d.correct for d in days)
        if total:
            self.summary.setText(
                f"{total} answers so far, {right / total:.0%} right, over "
                f"{len(days)} day{'s' if len(days) != 1 else ''}."
            )
        else:
            self.summary.setText("No answers yet. Take a quiz and your progress appears here.")
        due = stats["due"]
        self.due.setText(f"{due} question{'s' if due != 1 else ''} due for review now.")

        for plot in (self.day_plot, self.topic_plot):
            plot.setBackground(t.base)
            for axis in ("left", "bottom"):
                plot.getPlotItem().getAxis(axis).setPen(pg.mkPen(t.muted))
                plot.getPlotItem().getAxis(axis).setTextPen(pg.mkPen(t.text))
        self.damaged.setStyleSheet(f"color: {t.warning};")
        self.day_plot.clear()
        if days:
            xs = list(range(len(days)))
            ys = [100 * d.accuracy for d in days]
            self.day_plot.plot(
                xs,
                ys,
                pen=pg.mkPen(t.accent, width=3),
                symbol="o",
                symbolSize=9,
                symbolBrush=t.accent,
                symbolPen=None,
            )
            step = max(1, len(days) // 8)
            ticks = [(i, _day_label(days[i].day)) for i in range(0, len(days), step)]
            self.day_plot.getPlotItem().getAxis("bottom").setTicks([ticks])
            self.day_plot.setXRange(-0.5, max(len(days) - 0.5, 0.5), padding=0)

        self.topic_plot.clear()
        if topics:
            bars = pg.BarGraphItem(
                x0=0,
                y=list(range(len(topics))),
                width=[100 * a.accuracy for a in topics],
                height=0.6,
                brush=t.accent,
                pen=pg.mkPen(t.border),
            )
            self.topic_plot.addItem(bars)
            names = [(i, TOPIC_SHORT.get(a.topic, a.topic)) for i, a in enumerate(topics)]
            self.topic_plot.getPlotItem().getAxis("left").setTicks([names])
            self.topic_plot.setYRange(-0.6, len(topics) - 0.4, padding=0)

        weakest = stats["weakest"]
        self.weak_table.setRowCount(len(weakest))
        for r, w in enumerate(weakest):
            cells = [
                DIAGNOSES.get(w.differential, w.differential),
                str(w.wrong),
                str(w.total),
                str(w.mistaken_for_cno),
                str(w.cno_mistaken_for_it),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.weak_table.setItem(r, c, item)

    def export_to(self, path: Path) -> int:
        rows = self.store.export_csv(path)
        self.exported.emit(str(path), rows)
        return rows

    def _ask_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export answers", str(Path.home() / "cnoatlas-answers.csv"), "CSV files (*.csv)"
        )
        if name:
            rows = self.export_to(Path(name))
            self.summary.setText(f"{self.summary.text()}  Exported {rows} answers to {name}.")
