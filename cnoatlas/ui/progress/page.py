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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.progress import MIN_ANSWERS_TO_RANK, ProgressStore, shared_store
from cnoatlas.domain.quiz.questions import DIAGNOSES, TOPIC_SHORT, TOPICS
from cnoatlas.ui.common.bars import Bar, ScoreBars
from cnoatlas.ui.common.flow import ReflowBox
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
        plot.setYRange(0, 100, padding=0.06)  # room for the 0 and 100 labels at any scale
        plot.showGrid(y=True, alpha=0.25)
        item.setLabel("left", left, color=t.text)
    plot.setMinimumHeight(240)
    return plot


def _day_label(day: str) -> str:
    """ "2026-11-13" as "13 Nov": no month-day order for the reader to guess."""
    when = date.fromisoformat(day)
    return f"{when.day} {when.strftime('%b')}"


# The weakest-differentials table, its headers in words (two lines keep the columns narrow).
WEAK_HEADERS = [
    "Differential",
    "Missed",
    "It was this,\nyou said CNO",
    "It was CNO,\nyou said this",
]


class ProgressPage(QWidget):
    exported = Signal(str, int)  # path, rows
    openQuiz = Signal()  # the empty state's button: the main window shows the Quiz page

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

        # Before the first answer: what the page will show and a way to get there, no empty axes.
        self.empty_card, empty_layout = _card("Nothing to show yet")
        self.empty_card.setObjectName("progressEmptyState")
        empty_layout.addWidget(
            _label(
                "Answer a few quiz questions and this page fills in: how your accuracy changes "
                "from day to day, how you do in each topic, which differentials you mix up with "
                "CNO most often, and how many questions are due for review.",
                "body",
            )
        )
        self.empty_button = QPushButton("Start a practice quiz")
        self.empty_button.setObjectName("progressStartQuizButton")
        self.empty_button.setAccessibleName("Go to the Quiz page")
        self.empty_button.clicked.connect(self.openQuiz)
        empty_row = QHBoxLayout()
        empty_row.addWidget(self.empty_button)
        empty_row.addStretch(1)
        empty_layout.addLayout(empty_row)
        layout.addWidget(self.empty_card)

        self.cards = QWidget()
        self.cards.setObjectName("progressCards")
        grid = QVBoxLayout(self.cards)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(16)
        day_card, day_layout = _card("Accuracy over time")
        self.day_plot = _plot("progressDayPlot", "Accuracy per day, in percent", "% right")
        day_layout.addWidget(self.day_plot)
        topic_card, topic_layout = _card("Accuracy per topic")
        self.topic_bars = ScoreBars()
        self.topic_bars.setObjectName("progressTopicBars")
        self.topic_bars.setAccessibleName("Accuracy per topic")
        topic_layout.addWidget(self.topic_bars)
        topic_layout.addStretch(1)
        weak_card, weak_layout = _card("Weakest differentials")
        weak_layout.addWidget(
            _label(
                "Questions that set CNO against another diagnosis, the most often missed first "
                f"(a differential with fewer than {MIN_ANSWERS_TO_RANK} answers comes last: too "
                "few to tell).",
                "muted",
            )
        )
        self.weak_table = QTableWidget(0, len(WEAK_HEADERS))
        self.weak_table.setObjectName("progressWeakestTable")
        self.weak_table.setAccessibleName("Differentials most often answered wrongly")
        self.weak_table.setHorizontalHeaderLabels(WEAK_HEADERS)
        for column, text in enumerate(WEAK_HEADERS):  # squeezed headers keep their whole text
            self.weak_table.horizontalHeaderItem(column).setToolTip(text.replace("\n", " "))
        self.weak_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.weak_table.setWordWrap(True)
        self.weak_table.verticalHeader().hide()
        self.weak_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.weak_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        head = self.weak_table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(WEAK_HEADERS)):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        weak_layout.addWidget(self.weak_table)
        self.weak_empty = _label("No CNO-versus-differential questions answered yet.", "muted")
        self.weak_empty.setObjectName("progressWeakestEmpty")
        weak_layout.addWidget(self.weak_empty)
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
        # Two cards a row on a wide page, one a row on a narrow one or at a large scale.
        for name, first, second in (
            ("progressRowScores", day_card, topic_card),
            ("progressRowReview", weak_card, due_card),
        ):
            row = ReflowBox(320, spacing=16)
            row.setObjectName(name)
            row.addWidget(first, 3)
            row.addWidget(second, 2)
            grid.addWidget(row)
        layout.addWidget(self.cards, 1)
        layout.addStretch(0)  # takes the room while the cards are hidden (the empty state)
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
        self.empty_card.setVisible(not total)
        self.cards.setVisible(bool(total))
        self.summary.setVisible(bool(total))  # the empty card says it all
        if total:
            self.summary.setText(
                f"{total} answers so far, {right / total:.0%} right, over "
                f"{len(days)} day{'s' if len(days) != 1 else ''}."
            )
        else:
            self.summary.setText("No answers yet. Take a quiz and your progress appears here.")
        due = stats["due"]
        self.due.setText(f"{due} question{'s' if due != 1 else ''} due for review now.")

        for plot in (self.day_plot,):
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

        # Every topic, answered or not: a topic never tried says so rather than vanishing.
        scores = {a.topic: a for a in topics}
        keys = list(TOPICS) + [k for k in scores if k not in TOPICS]
        self.topic_bars.set_bars(
            [
                Bar(
                    TOPICS.get(k, TOPIC_SHORT.get(k, k)),
                    scores[k].correct if k in scores else 0,
                    scores[k].total if k in scores else 0,
                )
                for k in keys
            ]
        )

        weakest = stats["weakest"]
        self.weak_table.setRowCount(len(weakest))
        self.weak_table.setVisible(bool(weakest))
        self.weak_empty.setVisible(not weakest)
        for r, w in enumerate(weakest):
            few = "" if w.enough_answers else " (few answers)"
            cells = [
                DIAGNOSES.get(w.differential, w.differential),
                f"{w.wrong} of {w.total}{few}",
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
