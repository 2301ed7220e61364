"""The report at the end of a quiz: the score by topic and CNO set against each differential."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.quiz import DIAGNOSES, TOPICS
from cnoatlas.domain.quiz.scoring import ExamReport
from cnoatlas.domain.quiz.session import QuizSession
from cnoatlas.ui.common.bars import Bar, ScoreBars
from cnoatlas.ui.common.flow import ReflowBox
from cnoatlas.ui.quiz.widgets import (
    _card,
    _label,
    _name,
    _verdict_colours,
    answer_text,
    source_lines,
)

# The confusion table's headers say in words what each column counts ("this" = the differential).
CONFUSION_HEADERS = [
    "Differential",
    "It was CNO:\nright",
    "It was CNO:\nsaid this",
    "It was this:\nright",
    "It was this:\nsaid CNO",
    "Another\ndiagnosis",
]


def _fit_height(table: QTableWidget) -> None:
    """Fix a table's height to its header and rows, so the page scrolls, never the table."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    header = table.horizontalHeader().sizeHint().height() if table.horizontalHeader() else 0
    table.setFixedHeight(rows + header + 2 * table.frameWidth() + 2)


# --- report panel --------------------------------------------------------------------------------
class QuizReportPanel(QWidget):
    restartRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizReport")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(14)
        header = QHBoxLayout()
        header.addWidget(_label("Exam report", "title"))
        header.addStretch(1)
        self.restart = QPushButton("New quiz")
        _name(self.restart, "quizRestartButton", "Start a new quiz")
        self.restart.setMinimumHeight(44)
        self.restart.clicked.connect(self.restartRequested)
        header.addWidget(self.restart)
        layout.addLayout(header)
        self.score = _name(_label("", "lead"), "quizScore")
        layout.addWidget(self.score)

        # Side by side on a wide page, one above the other on a narrow one.
        tables = ReflowBox(360, spacing=18)
        tables.setObjectName("quizReportTables")
        topic_card, topic_layout = _card()
        topic_layout.addWidget(_label("By topic", "subheading"))
        self.topic_table = self._table(
            "quizTopicTable", "Score by topic", ["Topic", "Right", "Of", "Score"]
        )
        topic_layout.addWidget(self.topic_table)
        tables.addWidget(topic_card, 2)
        confusion_card, confusion_layout = _card()
        confusion_layout.addWidget(_label("CNO against each differential", "subheading"))
        confusion_layout.addWidget(
            _label(
                "How each pairing went: when the answer was CNO, and when it was the other disease.",
                "muted",
            )
        )
        self.confusion_table = self._table(
            "quizConfusionTable",
            "Confusion table of CNO against each differential",
            CONFUSION_HEADERS,
        )
        confusion_layout.addWidget(self.confusion_table)
        tables.addWidget(confusion_card, 3)
        layout.addWidget(tables)

        layout.addWidget(_label("Every question, with the explanation", "subheading"))
        self.review = QTextBrowser()
        _name(self.review, "quizReviewText", "All questions with answers and explanations")
        self.review.setOpenLinks(False)
        layout.addWidget(self.review, 3)

    @staticmethod
    def _table(name: str, accessible: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        _name(table, name, accessible)
        table.setHorizontalHeaderLabels(headers)
        for column, text in enumerate(headers):  # a header squeezed to "Differ…" still reads
            table.horizontalHeaderItem(column).setToolTip(text.replace("\n", " "))
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # As tall as its rows (fit_height): the topic table never needs a scroll bar.
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return table

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                table.setItem(r, c, item)
        _fit_height(table)

    def show_report(self, session: QuizSession, report: ExamReport, elapsed: str) -> None:
        text = f"{report.correct} of {report.total} right ({report.accuracy:.0%}) in {elapsed}."
        if report.unanswered:
            text += f" {report.unanswered} left unanswered (counted as wrong)."
        self.score.setText(text)
        self._fill(
            self.topic_table,
            [
                [TOPICS.get(t.topic, t.topic), str(t.correct), str(t.total), f"{t.accuracy:.0%}"]
                for t in report.by_topic
            ],
        )
        rows = [
            [
                DIAGNOSES[r.differential],
                str(r.cno_as_cno),
                str(r.cno_as_differential),
                str(r.differential_as_differential),
                str(r.differential_as_cno),
                str(r.other_wrong),
            ]
            for r in report.confusion
        ]
        self._fill(
            self.confusion_table,
            rows or [["No CNO-versus-differential questions", "", "", "", "", ""]],
        )
        right, wrong = _verdict_colours()
        parts = []
        for number, q in enumerate(session.questions, 1):
            outcome = session.outcomes.get(q.id)
            if outcome is None:
                mark, colour, given = "–", wrong, "not answered"
            else:
                mark, colour = ("✓", right) if outcome.correct else ("✗", wrong)
                given = answer_text(q, outcome.response)
            parts.append(
                f"<p><b style='color:{colour}'>{mark}</b> <b>{number}.</b> "
                f"{html.escape(q.prompt)}<br>Your answer: {html.escape(given)} · "
                f"Answer: <b>{html.escape(answer_text(q, q.answer))}</b><br>"
                f"{html.escape(q.explanation)}<br>"
                f"<small>{html.escape(source_lines(q)).replace(chr(10), '<br>')}</small></p>"
            )
        self.review.setHtml("".join(parts))


# --- practice summary ------------------------------------------------------------------------
class PracticeSummaryPanel(QWidget):
    """The end of a practice or review session: score, time, each topic, what to review."""

    restartRequested = Signal()
    progressRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizPracticeSummary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(14)
        layout.addWidget(_name(_label("Session done", "title"), "quizSummaryTitle"))
        self.score = _name(_label("", "lead"), "quizSummaryScore")
        layout.addWidget(self.score)
        cards = ReflowBox(320, spacing=18)
        cards.setObjectName("quizSummaryCards")
        topic_card, topic_layout = _card()
        topic_layout.addWidget(_label("By topic", "subheading"))
        self.topic_bars = ScoreBars()
        self.topic_bars.setObjectName("quizSummaryTopicBars")
        self.topic_bars.setAccessibleName("Score by topic in this session")
        topic_layout.addWidget(self.topic_bars)
        topic_layout.addStretch(1)
        review_card, review_layout = _card()
        review_layout.addWidget(_label("What to review", "subheading"))
        self.review = _name(_label("", "body"), "quizSummaryReview")
        self.review.setTextFormat(Qt.TextFormat.RichText)
        review_layout.addWidget(self.review)
        review_layout.addStretch(1)
        cards.addWidget(topic_card, 2)
        cards.addWidget(review_card, 3)
        layout.addWidget(cards)
        buttons = QHBoxLayout()
        self.restart = QPushButton("Another session")
        _name(self.restart, "quizSummaryRestart", "Start another session")
        self.restart.setProperty("role", "primary")
        self.restart.clicked.connect(self.restartRequested)
        self.progress = QPushButton("See all progress")
        _name(self.progress, "quizSummaryProgress", "Show the Progress page")
        self.progress.clicked.connect(self.progressRequested)
        buttons.addWidget(self.restart)
        buttons.addWidget(self.progress)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def show_summary(self, session: QuizSession, report: ExamReport, elapsed: str) -> None:
        answered = report.total - report.unanswered
        self.score.setText(
            f"{report.correct} of {answered} right ({report.correct / answered:.0%}) in {elapsed}."
            if answered
            else f"No question answered ({elapsed})."
        )
        self.topic_bars.set_bars(
            [Bar(TOPICS.get(t.topic, t.topic), t.correct, t.total) for t in report.by_topic]
        )
        missed = [
            q
            for q in session.questions
            if (o := session.outcomes.get(q.id)) is not None and not o.correct
        ]
        if not missed:
            self.review.setText("Nothing missed in this session: every answer was right.")
            return
        items = "".join(
            f"<li>{html.escape(q.prompt)}<br><b>{html.escape(answer_text(q, q.answer))}</b>"
            f" · {html.escape(TOPICS.get(q.topic, q.topic))}</li>"
            for q in missed
        )
        self.review.setText(
            f"<p>{len(missed)} missed; they come back soon in review mode.</p><ul>{items}</ul>"
        )
