"""The Quiz page: choose a mode, answer questions with the mouse or keys 1-9, see why, get a report.

All rules live in cnoatlas.domain.quiz (questions, scoring, the session) and the progress store;
this module shows them. Practice and review explain each answer at once; an exam is timed and
explains everything at the end, with a score by topic and CNO set against each differential.
"""

from __future__ import annotations

import contextlib
import html
import logging
import threading
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.progress import ProgressStore, shared_store
from cnoatlas.domain.quiz import (
    DIAGNOSES,
    TOPICS,
    Outcome,
    Question,
    QuizCase,
    question_ids,
)
from cnoatlas.domain.quiz.images import QuizStudy, is_available, load_quiz_study, quiz_cases
from cnoatlas.domain.quiz.questions import citation_text
from cnoatlas.domain.quiz.scoring import ExamReport, Mark, score_search
from cnoatlas.domain.quiz.session import QuizSession, start_session
from cnoatlas.ui.theme import current_theme
from cnoatlas.ui.views import ViewRequest, register_view

log = logging.getLogger("cnoatlas.quiz")

SECONDS_PER_EXAM_QUESTION = 60
PREPARE_DELAY_MS = 1500  # the page has been on screen this long: make the missing images
MODE_TEXT = {
    "practice": ("Practice", "Feedback and the explanation after every answer."),
    "exam": ("Exam", "Timed, no feedback until the end; then a report by topic and differential."),
    "review": ("Review", "Spaced repetition: the questions due for review first, then new ones."),
}


def _verdict_colours() -> tuple[str, str]:
    """Right and wrong, readable on the current theme (the text also says it: not colour alone)."""
    name = current_theme().name
    if name == "light":
        return "#1a7f37", "#c62828"
    if name == "contrast":
        return "#00ff66", "#ff5555"
    return "#4cc970", "#ff6b6b"


def _name(widget: QWidget, object_name: str, accessible: str | None = None) -> QWidget:
    widget.setObjectName(object_name)
    if accessible:
        widget.setAccessibleName(accessible)
    return widget


def _label(text: str = "", role: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(12)
    return frame, layout


def _site_name(site_id: str) -> str:
    from cnoatlas.domain.quiz.generate import in_sentence, site_label

    try:
        return in_sentence(site_label(site_id))
    except Exception:  # an id the site model does not know: show it as it is
        return site_id


def _marks(response: Any) -> list[Mark]:
    items = [response] if isinstance(response, (dict, Mark)) else list(response or ())
    return [m if isinstance(m, Mark) else Mark.from_json(m) for m in items]


def answer_text(question: Question, answer: Any) -> str:
    """An answer in words: one option, a list, an order, or lesions found on images."""
    if isinstance(answer, str):
        return question.label(answer)
    if question.response in ("mark", "marks"):
        items = [answer] if isinstance(answer, (dict, Mark)) else list(answer)
        if items and isinstance(items[0], dict) and "outline" in items[0]:  # the answer key
            sites = ", ".join(dict.fromkeys(_site_name(i["site_id"]) for i in items))
            return (
                f"the lesion in the {sites}"
                if len(items) == 1
                else f"{len(items)} lesions: {sites}"
            )
        marks = _marks(items)
        if question.response == "mark" and marks:
            return f"a mark on slice {marks[0].slice + 1}"
        return f"{len(marks)} mark{'s' if len(marks) != 1 else ''}"
    if question.response == "rank":
        return " › ".join(question.label(a) for a in answer)
    return ", ".join(question.label(a) for a in answer)


# --- images: made and read off the UI thread ---------------------------------------------------
def source_lines(question: Question) -> str:
    """The question's sources, one per line (run together they read as one reference)."""
    lines = [citation_text([source]) for source in question.sources]
    if question.via:
        lines.append(f"As reported in: {citation_text([question.via])}")
    return ("Source: " if len(lines) == 1 else "Sources:\n") + "\n".join(lines)


class _StudySignals(QObject):
    ready = Signal(str, object)  # case id, QuizStudy or None
    finished = Signal()


class StudyTask(QRunnable):
    """Reads (or generates, then reads) the quiz series of each case in turn."""

    def __init__(self, cases: Sequence, generate: bool = True) -> None:
        super().__init__()
        self.cases = list(cases)
        self.generate = generate
        self.cancel = threading.Event()
        self.signals = _StudySignals()

    def run(self) -> None:
        for case in self.cases:
            if self.cancel.is_set():
                break
            try:
                study = load_quiz_study(case, generate=self.generate)
            except Exception:  # one broken case leaves the others their images
                log.exception("images of case %s could not be made", case.id)
                study = None
            with contextlib.suppress(RuntimeError):  # the page was closed meanwhile
                self.signals.ready.emit(case.id, study)
        with contextlib.suppress(RuntimeError):
            self.signals.finished.emit()


# --- start panel -------------------------------------------------------------------------------
class QuizStartPanel(QWidget):
    startRequested = Signal(str, int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizStart")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(18)
        layout.addWidget(_label("Quiz", "heading"))
        layout.addWidget(
            _label(
                "Tell CNO from infection, Langerhans cell histiocytosis and tumours; learn "
                "where its lesions sit and how the patterns look. Every answer comes with an "
                "explanation and its source.",
                "lead",
            )
        )

        row = QHBoxLayout()
        row.setSpacing(18)
        mode_card, mode_layout = _card()
        mode_layout.addWidget(_label("Mode", "subheading"))
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for key, (title, text) in MODE_TEXT.items():
            button = QRadioButton(title)
            _name(button, f"quizMode-{key}", f"{title} mode: {text}")
            button.setToolTip(text)
            self.mode_group.addButton(button)
            self.mode_buttons[key] = button
            mode_layout.addWidget(button)
            hint = _label(text, "muted")
            hint.setContentsMargins(28, 0, 0, 6)
            mode_layout.addWidget(hint)
        self.mode_buttons["practice"].setChecked(True)
        self.due_label = _name(_label("", "muted"), "quizDueLabel")
        mode_layout.addWidget(self.due_label)
        mode_layout.addStretch(1)

        count_row = QHBoxLayout()
        count_row.addWidget(_label("Questions", wrap=False))
        self.count = QSpinBox()
        _name(self.count, "quizCount", "Number of questions")
        self.count.setRange(1, 50)
        self.count.setValue(10)
        count_row.addWidget(self.count)
        count_row.addStretch(1)
        mode_layout.addLayout(count_row)
        row.addWidget(mode_card, 1)

        topic_card, topic_layout = _card()
        topic_layout.addWidget(_label("Topics", "subheading"))
        self.topic_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        for index, (key, title) in enumerate(TOPICS.items()):
            box = QCheckBox(title)
            _name(box, f"quizTopic-{key}", f"Topic: {title}")
            box.setChecked(True)
            self.topic_boxes[key] = box
            grid.addWidget(box, index // 2, index % 2)
        topic_layout.addLayout(grid)
        topic_layout.addWidget(
            _label(
                "Cases: name the diagnosis from a teaching case's story, tests and whole-body "
                "MRI findings; spot a lesion on a slice; find every lesion in a whole-body "
                "study, silent ones included.",
                "muted",
            )
        )
        self.image_status = _name(_label("", "muted"), "quizImagePreparation")
        self.image_status.hide()
        topic_layout.addWidget(self.image_status)
        topic_layout.addStretch(1)
        row.addWidget(topic_card, 1)
        layout.addLayout(row)

        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        _name(self.start_button, "quizStartButton", "Start the quiz")
        self.start_button.setProperty("role", "primary")
        self.start_button.setMinimumHeight(48)
        self.start_button.setMinimumWidth(200)
        self.start_button.clicked.connect(self._start)
        buttons.addWidget(self.start_button)
        buttons.addSpacing(12)
        buttons.addWidget(
            _label("Keys: 1–9 choose an option, Enter moves on.", "muted", wrap=False)
        )
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = _name(_label("", "warning"), "quizMessage")
        self.message.hide()
        layout.addWidget(self.message)
        layout.addWidget(self._bank_card())
        layout.addStretch(1)

    @staticmethod
    def _bank_card() -> QFrame:
        frame, layout = _card()
        frame.setObjectName("quizBankCard")
        layout.addWidget(_label("What the questions cover", "subheading"))
        counts: dict[str, int] = {}
        for qid in question_ids():
            family = qid.split(":")[0]
            counts[family] = counts.get(family, 0) + 1
        lines = {
            "feature": "findings to place: do they favour CNO or the differential "
            "(abscess, sequestrum, disc involvement, vertebra plana, soft-tissue mass…)",
            "map": "questions on where CNO occurs: the most frequent bones, their ranking, the "
            "medial clavicle, the thoracic spine",
            "pattern": "lesion distributions to classify into Andronikou's three patterns",
            "statement": "true-or-false statements on the clinical picture, imaging and follow-up",
            "sba": "single-best-answer questions on the pathway, protocol and mimics",
        }
        for family, text in lines.items():
            if counts.get(family):
                layout.addWidget(_label(f"•  {counts[family]} {text}"))
        layout.addWidget(
            _label(
                "•  Teaching cases: the diagnosis from the story and the findings; and, on the "
                "case's synthetic whole-body images, spot a lesion or find every lesion"
            )
        )
        layout.addWidget(
            _label(
                "Each answer is explained in the atlas's own words and names its source.", "muted"
            )
        )
        return frame

    def mode(self) -> str:
        return next(k for k, b in self.mode_buttons.items() if b.isChecked())

    def topics(self) -> list[str]:
        return [k for k, b in self.topic_boxes.items() if b.isChecked()]

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _start(self) -> None:
        topics = self.topics()
        if not topics:
            self.show_message("Choose at least one topic.")
            return
        self.show_message("")
        self.startRequested.emit(self.mode(), self.count.value(), topics)


# --- question panel ----------------------------------------------------------------------------
class QuizQuestionPanel(QWidget):
    """One question at a time: option buttons, then (practice, review) the feedback."""

    answered = Signal(object)  # the response
    nextRequested = Signal()
    finishRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizQuestion")
        self.question: Question | None = None
        self.locked = False
        self._chosen: list[str] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        outer.setSpacing(16)

        top = QHBoxLayout()
        self.position = _name(_label("", "muted", wrap=False), "quizPosition")
        self.topic = _name(_label("", "muted", wrap=False), "quizTopicLabel")
        self.timer_label = _name(_label("", "lead", wrap=False), "quizTimer")
        self.finish_button = QPushButton("Finish exam")
        _name(self.finish_button, "quizFinishButton", "Finish the exam now")
        self.finish_button.clicked.connect(self.finishRequested)
        top.addWidget(self.position)
        top.addSpacing(24)
        top.addWidget(self.topic)
        top.addStretch(1)
        top.addWidget(self.timer_label)
        top.addSpacing(16)
        top.addWidget(self.finish_button)
        outer.addLayout(top)

        scroll = QScrollArea()
        self.scroll = scroll
        scroll.setObjectName("quizScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("quizBody")
        self.body_layout = QVBoxLayout(body)
        self.body_layout.setContentsMargins(0, 0, 12, 0)
        self.body_layout.setSpacing(14)
        self.prompt = _name(_label("", "question"), "quizPrompt")
        self.hint = _name(_label("", "muted"), "quizHint")
        self.body_layout.addWidget(self.prompt)
        self.body_layout.addWidget(self.hint)
        self.options_box = QWidget()
        self.options_box.setObjectName("quizOptions")
        self.options_layout = QVBoxLayout(self.options_box)
        self.options_layout.setContentsMargins(0, 0, 0, 0)
        self.options_layout.setSpacing(8)
        self.options_row = QHBoxLayout()
        self.options_row.setSpacing(18)
        self.options_row.addWidget(self.options_box, 3, Qt.AlignmentFlag.AlignTop)
        self.body_layout.addLayout(self.options_row)
        self.option_buttons: list[QPushButton] = []
        self.site_map: QWidget | None = None  # the skeleton map, for questions about sites
        self._option_leaves: list[frozenset[str]] = []

        # Image questions: the case's series in a viewer that takes marks.
        self.image_box = QWidget()
        self.image_box.setObjectName("quizImageBox")
        image_layout = QHBoxLayout(self.image_box)
        image_layout.setContentsMargins(0, 0, 0, 0)
        image_layout.setSpacing(18)
        side = QVBoxLayout()
        side.setSpacing(10)
        self.image_status = _name(_label("", "muted"), "quizImageStatus")
        self.mark_count = _name(_label("", "lead", wrap=False), "quizMarkCount")
        # The result beside the image, where the eye is (the explanation follows below).
        self.image_verdict = _name(_label("", "verdict"), "quizImageVerdict")
        self.image_verdict.hide()
        self.image_score = _name(_label(""), "quizImageScore")
        self.image_score.hide()
        side.addWidget(self.mark_count)
        self._image_side = side  # Submit and Clear move here, beside the image
        side.addWidget(self.image_verdict)
        side.addWidget(self.image_score)
        side.addWidget(self.image_status)
        side.addStretch(1)
        image_layout.addLayout(side, 2)
        self.image_box.hide()
        self.options_row.addWidget(self.image_box, 5)
        self.viewer = None  # SeriesViewer, made when the first image question comes
        self.study: QuizStudy | None = None
        self._loader = None
        self._image_marks: list = []  # ImageMark, in the order placed

        self.actions_box = QWidget()
        self.actions_box.setObjectName("quizActions")
        actions = QHBoxLayout(self.actions_box)
        actions.setContentsMargins(0, 0, 0, 0)
        self.clear_button = QPushButton("Clear")
        _name(self.clear_button, "quizClearButton", "Clear the selection")
        self.clear_button.clicked.connect(self._clear)
        self.submit_button = QPushButton("Submit")
        _name(self.submit_button, "quizSubmitButton", "Submit the answer")
        self.submit_button.clicked.connect(self.submit)
        actions.addWidget(self.submit_button)
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        self.body_layout.addWidget(self.actions_box)

        self.feedback, feedback_layout = _card()
        self.feedback.setObjectName("quizFeedback")
        self.verdict = _name(_label("", "verdict"), "quizVerdict")
        self.explanation = _name(_label(""), "quizExplanation")
        self.citation = _name(_label("", "muted"), "quizCitation")
        feedback_layout.addWidget(self.verdict)
        feedback_layout.addWidget(self.explanation)
        # A case's key image under the explanation (diagnosis questions).
        self.key_caption = _name(_label("", "muted"), "quizKeyCaption")
        self.key_caption.hide()
        feedback_layout.addWidget(self.key_caption)
        self.key_viewer = None  # SeriesViewer, made when first needed
        self._key_layout = feedback_layout
        feedback_layout.addWidget(self.citation)
        self.body_layout.addWidget(self.feedback)
        self.body_layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.next_button = QPushButton("Next  ⏎")
        _name(self.next_button, "quizNextButton", "Next question")
        self.next_button.setProperty("role", "primary")
        self.next_button.setMinimumHeight(44)
        self.next_button.setMinimumWidth(180)
        self.next_button.clicked.connect(self.nextRequested)
        bottom.addWidget(self.next_button)
        outer.addLayout(bottom)

    # --- showing a question --------------------------------------------------------------
    def show_question(self, question: Question, position: str, timed: bool) -> None:
        self.question = question
        self.locked = False
        self._chosen = []
        self.position.setText(position)
        self.topic.setText(TOPICS.get(question.topic, question.topic))
        self.timer_label.setVisible(timed)
        self.finish_button.setVisible(timed)
        self.prompt.setText(question.prompt)
        self.feedback.hide()
        self.next_button.setEnabled(False)
        for button in self.option_buttons:
            self.options_layout.removeWidget(button)
            button.hide()  # gone from view now; Qt deletes it once the click that got here ends
            button.deleteLater()
        self.option_buttons = []
        kind = question.response
        hints = {
            "single": "Choose one answer.",
            "multi": "Choose every answer that applies, then submit.",
            "rank": "Click the options in order, the first one first, then submit.",
            "mark": "Scroll with the wheel or the arrow keys, click the lesion, then submit. "
            "Click a mark again to take it back; drag to pan, right-drag to window.",
            "marks": "Scroll through the whole study and click every lesion you find, then "
            "submit. Click a mark again to take it back; drag to pan, right-drag to window.",
        }
        self.hint.setText(hints[kind])
        for index, option in enumerate(question.options):
            button = QPushButton()
            button.setProperty("role", "option")
            button.setMinimumHeight(52)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setCheckable(kind == "multi")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the page (1-9, Enter)
            label = question.label(option)
            _name(button, f"quizOption{index + 1}", f"Option {index + 1}: {label}")
            button.clicked.connect(lambda _=False, i=index: self.choose(i))
            self.options_layout.addWidget(button)
            self.option_buttons.append(button)
        self._refresh_option_texts()
        self._show_map(question)
        multi = kind in ("multi", "rank", "mark", "marks")
        self.submit_button.setVisible(multi)
        self.clear_button.setVisible(multi)
        self.submit_button.setEnabled(False)
        self.clear_button.setEnabled(True)
        self._hide_key_image()
        self._show_image_box(kind in ("mark", "marks"))

    # --- images: the series to mark, and the key image of a case ------------------------
    def _make_viewer(self, name: str):
        from cnoatlas.ui.viewer import SeriesViewer

        viewer = SeriesViewer(name=name)
        viewer.setAccessibleName("Case images" if name == "quizViewer" else "Key image of the case")
        return viewer

    def _ensure_viewer(self):
        if self.viewer is None:
            self.viewer = self._make_viewer("quizViewer")
            self._fit_viewer_height()
            self.viewer.setMinimumWidth(560)
            self.viewer.pointClicked.connect(self._on_point)
            self.viewer.marksChanged.connect(self._on_marks_changed)
            self.image_box.layout().insertWidget(0, self.viewer, 3)
        return self.viewer

    def _fit_viewer_height(self) -> None:
        """Down to the bottom of the visible page: a whole-body image needs all the height."""
        if self.viewer is not None:
            top = self.image_box.mapTo(self.scroll.widget(), self.image_box.rect().topLeft()).y()
            self.viewer.setMinimumHeight(max(420, self.scroll.viewport().height() - top - 8))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_viewer_height()

    def _show_image_box(self, on: bool) -> None:
        self._cancel_loading()
        self.study = None
        self._image_marks = []
        self.options_box.setVisible(not on)
        self.image_box.setVisible(on)
        self.image_verdict.hide()
        self.image_score.hide()
        if on:
            self._image_side.insertWidget(1, self.actions_box)
        else:
            self.body_layout.insertWidget(self.body_layout.indexOf(self.feedback), self.actions_box)
            return
        viewer = self._ensure_viewer()
        QTimer.singleShot(0, self, self._fit_viewer_height)  # once the prompt is laid out
        viewer.set_marking(True)
        viewer.set_marks([])
        viewer.set_annotations([])
        viewer.set_series(None)
        self.image_status.setText("Preparing images…")
        self.image_status.show()
        self._update_mark_count()

    def _cancel_loading(self) -> None:
        if self._loader is not None:
            self._loader.cancel.set()
            self._loader = None

    def set_study(self, study: QuizStudy | None, synchronous: bool = False) -> None:
        """The images for the image question on screen (None: they could not be made)."""
        q = self.question
        if q is None or q.response not in ("mark", "marks"):
            return
        viewer = self._ensure_viewer()
        self.study = study
        if study is None:
            self.image_status.setText(
                "The images for this question could not be prepared. Move on with Next."
            )
            self.next_button.setEnabled(True)
            return
        self.image_status.setText(
            "Synthetic images from the atlas's generator (coronal STIR, whole body)."
        )
        first = int(q.answer["slice"]) if q.response == "mark" else None
        self._cancel_loading()
        if synchronous:
            from cnoatlas.imaging.series import load_series

            result = load_series(study.series_dir)
            viewer.set_series(result.series[0] if result.series else None, first)
        else:
            from cnoatlas.ui.series_loading import load_in_background

            self._loader = load_in_background(viewer, study.series_dir, first)

    def _on_point(self, series_uid: str, index: int, col: float, row: float) -> None:
        from cnoatlas.ui.viewer_items import ImageMark

        q = self.question
        if q is None or self.locked or q.response not in ("mark", "marks"):
            return
        mark = ImageMark(index, col, row)
        self._image_marks = [mark] if q.response == "mark" else [*self._image_marks, mark]
        if self.viewer is not None:
            self.viewer.set_marks(self._image_marks)
        self._update_mark_count()

    def _on_marks_changed(self, marks: list) -> None:
        if not self.locked:
            self._image_marks = list(marks)
            self._update_mark_count()

    def _update_mark_count(self) -> None:
        q = self.question
        n = len(self._image_marks)
        if q is not None and q.response == "marks":
            self.mark_count.setText(f"{n} mark{'s' if n != 1 else ''} placed")
        else:
            self.mark_count.setText("Your mark is placed." if n else "No mark yet.")
        self.submit_button.setEnabled(bool(n) and not self.locked)

    def image_response(self) -> Any:
        """The marks as the quiz scores them: one mark (spot) or a list (find all)."""
        q = self.question
        uid = self.viewer.series.uid if self.viewer is not None and self.viewer.series else ""
        marks = [Mark(uid, m.slice, m.col, m.row).to_json() for m in self._image_marks]
        return marks[0] if q is not None and q.response == "mark" else marks

    def _image_feedback(self, outcome: Outcome) -> tuple[str, str]:
        """Outlines revealed, marks coloured hit or miss; the verdict and the score in words."""
        q = self.question
        viewer = self.viewer
        right, wrong = _verdict_colours()
        lesions = [q.answer] if q.response == "mark" else list(q.answer)
        marks = _marks(outcome.response)
        result = score_search(lesions, marks)
        if viewer is not None:
            from cnoatlas.ui.viewer_items import ImageMark

            viewer.set_marking(False)
            viewer.set_marks(
                [
                    ImageMark(m.slice, m.col, m.row, wrong if k in result.false_marks else right)
                    for k, m in enumerate(marks)
                ]
            )
            if self.study is not None:
                viewer.set_annotations(self.study.annotations)
            viewer.reveal_all()
            first_missed = lesions[result.missed[0]] if result.missed else None
            if q.response == "mark" or first_missed is not None:
                shown = first_missed or lesions[0]
                viewer.set_slice(int(shown["slice"]))
                if q.response == "mark":  # close up: the outline and the mark together
                    points = list(shown["outline"]) + [(m.col, m.row) for m in marks]
                    cols = [c for c, _ in points]
                    rows = [r for _, r in points]
                    pad = 30.0
                    viewer.show_region(
                        (min(cols) - pad, max(cols) + pad), (min(rows) - pad, max(rows) + pad)
                    )
        if q.response == "mark":
            if outcome.correct:
                return (
                    "✓  Correct: your mark is on the lesion.",
                    "The lesion is outlined in yellow.",
                )
            return (
                f"✗  Not quite: the lesion is in the {_site_name(q.answer['site_id'])}.",
                "The lesion is outlined in yellow; your mark is in red.",
            )
        found, missed, false = len(result.found), len(result.missed), len(result.false_marks)
        measures = (
            f"Found {found} of {len(lesions)} · missed {missed} · false marks {false} · "
            f"sensitivity {result.sensitivity:.0%} · precision {result.precision:.0%}"
        )
        head = (
            "✓  Every lesion found, no false marks."
            if outcome.correct
            else "✗  Missed lesions or false marks."
        )
        missed_sites = "; ".join(
            dict.fromkeys(_site_name(lesions[i]["site_id"]) for i in result.missed)
        )
        missed_text = f"Missed: {missed_sites}. " if missed_sites else ""
        return (
            f"{head} {measures}.",
            f"{missed_text}Lesions are outlined in yellow; your hits are green, false marks red.",
        )

    def show_key_image(self, study: QuizStudy | None) -> None:
        """Under the explanation: the slice where the case's first lesion is largest."""
        if study is None or not study.annotations:
            self._hide_key_image()
            return
        lesion_id = study.annotations[0].lesion_id
        index = study.key_slice(lesion_id)
        if index is None:
            self._hide_key_image()
            return
        from cnoatlas.imaging.series import load_series

        if self.key_viewer is None:
            self.key_viewer = self._make_viewer("quizKeyViewer")
            self.key_viewer.setMinimumHeight(440)
            self.key_viewer.setMaximumWidth(900)
            self._key_layout.insertWidget(
                self._key_layout.indexOf(self.key_caption) + 1, self.key_viewer
            )
        result = load_series(study.series_dir, first_slice=index)
        if not result.series:
            self._hide_key_image()
            return
        self.key_viewer.set_series(result.series[0], index)
        self.key_viewer.set_annotations(study.annotations)
        self.key_viewer.reveal_all()
        first = next(
            (a for a in study.annotations if a.lesion_id == lesion_id and a.slice == index), None
        )
        if first is not None:
            # Framed on the lesion with room around it, the way a key image is shown.
            points = first.points()
            cols = [c for c, _ in points]
            rows = [r for _, r in points]
            pad = max(40.0, max(cols) - min(cols), max(rows) - min(rows))
            self.key_viewer.show_region(
                (min(cols) - pad, max(cols) + pad), (min(rows) - pad, max(rows) + pad)
            )
            self.key_viewer.select_annotation(first.id)
        self.key_caption.setText(
            "Key image: the first lesion where it is largest (synthetic coronal STIR)."
        )
        self.key_caption.show()
        self.key_viewer.show()

    def _hide_key_image(self) -> None:
        self.key_caption.hide()
        if self.key_viewer is not None:
            self.key_viewer.hide()

    # --- the skeleton map, for questions whose options are sites ------------------------
    def _show_map(self, question: Question) -> None:
        site_map = self._ensure_map() if question.kind.startswith("map") else None
        if self.site_map is not None:
            self.site_map.setVisible(site_map is not None)
        if site_map is None:
            self._option_leaves = []
            return
        model = site_map.model
        drawn = set(site_map.site_ids())
        self._option_leaves = [
            frozenset(model.expand(o)) & drawn if model.is_known(o) else frozenset()
            for o in question.options
        ]
        muted = QColor(current_theme().accent)
        muted.setAlpha(90)
        site_map.set_site_fills({leaf: muted for leaves in self._option_leaves for leaf in leaves})
        site_map.highlight_sites(set())
        site_map.set_selection([])
        self.hint.setText(f"{self.hint.text()} Click the bones on the skeleton or the buttons.")

    def _ensure_map(self) -> QWidget | None:
        if self.site_map is None:
            try:
                from cnoatlas.ui.site_map import SiteMap
            except ImportError:  # the map widget is optional: the buttons answer every question
                return None
            self.site_map = SiteMap("front")
            self.site_map.set_multi_select(True)
            self.site_map.setMinimumSize(360, 560)
            self.site_map.siteClicked.connect(self._on_map_click)
            self.options_row.addWidget(self.site_map, 2)
        return self.site_map

    def _on_map_click(self, leaf: str) -> None:
        index = next((i for i, leaves in enumerate(self._option_leaves) if leaf in leaves), None)
        if index is not None:
            self.choose(index)
        self._sync_map()

    def _sync_map(self) -> None:
        q = self.question
        if self.site_map is None or q is None or not self._option_leaves:
            return
        chosen = [leaf for o in self._chosen for leaf in self._option_leaves[q.options.index(o)]]
        self.site_map.set_selection(chosen)

    def _refresh_option_texts(self) -> None:
        q = self.question
        if q is None:
            return
        for index, (button, option) in enumerate(zip(self.option_buttons, q.options, strict=True)):
            prefix = f"{index + 1}"
            if q.response == "rank" and option in self._chosen:
                prefix += f"   → {self._chosen.index(option) + 1}."
            button.setText(f"{prefix}    {q.label(option)}")

    # --- answering -------------------------------------------------------------------------
    def choose(self, index: int) -> None:
        q = self.question
        if q is None or self.locked or not 0 <= index < len(q.options):
            return
        option = q.options[index]
        if q.response == "single":
            self._chosen = [option]
            self.submit()
            return
        if q.response == "multi":
            if option in self._chosen:
                self._chosen.remove(option)
            else:
                self._chosen.append(option)
            self.option_buttons[index].setChecked(option in self._chosen)
        elif q.response == "rank" and option not in self._chosen:
            self._chosen.append(option)
            self.option_buttons[index].setEnabled(False)
        self._refresh_option_texts()
        self._sync_map()
        complete = (
            len(self._chosen) == len(q.options) if q.response == "rank" else bool(self._chosen)
        )
        self.submit_button.setEnabled(complete)

    def _clear(self) -> None:
        if self.locked:
            return
        if self.question is not None and self.question.response in ("mark", "marks"):
            self._image_marks = []
            if self.viewer is not None:
                self.viewer.set_marks([])
            self._update_mark_count()
            return
        self._chosen = []
        for button in self.option_buttons:
            button.setChecked(False)
            button.setEnabled(True)
        self._refresh_option_texts()
        self._sync_map()
        self.submit_button.setEnabled(False)

    def submit(self) -> None:
        q = self.question
        if q is not None and q.response in ("mark", "marks"):
            if self.locked or not self._image_marks:
                return
            self.locked = True
            if self.viewer is not None:
                self.viewer.set_marking(False)
            self.submit_button.setEnabled(False)
            self.clear_button.setEnabled(False)
            self.next_button.setEnabled(True)
            self.answered.emit(self.image_response())
            return
        if q is None or self.locked or not self._chosen:
            return
        if q.response == "rank" and len(self._chosen) != len(q.options):
            return
        self.locked = True
        response = self._chosen[0] if q.response == "single" else list(self._chosen)
        for button in self.option_buttons:
            button.setEnabled(False)
        self.submit_button.setEnabled(False)
        self.clear_button.setEnabled(False)
        self.next_button.setEnabled(True)
        self.answered.emit(response)

    def show_feedback(self, outcome: Outcome) -> None:
        q = self.question
        if q is None:
            return
        right, wrong = _verdict_colours()
        colour = right if outcome.correct else wrong
        details = ""
        if q.response in ("mark", "marks"):
            verdict, details = self._image_feedback(outcome)
        elif outcome.correct:
            verdict = "✓  Correct."
        else:
            verdict = f"✗  Not quite. The answer: {answer_text(q, q.answer)}."
            if q.response in ("multi", "rank") and outcome.credit > 0:
                verdict += f" (partly right: {outcome.credit:.0%})"
        self.verdict.setText(verdict)
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: 600;")
        if q.response in ("mark", "marks"):
            self.image_verdict.setText(verdict)
            self.image_verdict.setStyleSheet(f"color: {colour}; font-weight: 600;")
            self.image_verdict.show()
            self.image_score.setText(details)
            self.image_score.show()
            self.verdict.setText(f"{verdict} {details}")
        self.explanation.setText(q.explanation)
        self.citation.setText(source_lines(q))
        if q.response not in ("mark", "marks"):
            self._mark_options(outcome)
        if self.site_map is not None and self._option_leaves:
            answers = [q.answer] if isinstance(q.answer, str) else list(q.answer)
            self.site_map.highlight_sites(
                {leaf for a in answers for leaf in self._option_leaves[q.options.index(a)]}
            )
        self.feedback.show()

    def _mark_options(self, outcome: Outcome) -> None:
        q = self.question
        if q is None:
            return
        right, wrong = _verdict_colours()
        answers = {q.answer} if isinstance(q.answer, str) else set(q.answer)
        chosen = outcome.response if isinstance(outcome.response, list) else [outcome.response]
        for button, option in zip(self.option_buttons, q.options, strict=True):
            if option in answers:
                button.setStyleSheet(f"border: 2px solid {right};")
                button.setText(f"{button.text()}      ✓ answer")
            elif option in chosen:
                button.setStyleSheet(f"border: 2px solid {wrong};")
                button.setText(f"{button.text()}      ✗ your choice")


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
        header.addWidget(_label("Exam report", "heading"))
        header.addStretch(1)
        self.restart = QPushButton("New quiz")
        _name(self.restart, "quizRestartButton", "Start a new quiz")
        self.restart.setMinimumHeight(44)
        self.restart.clicked.connect(self.restartRequested)
        header.addWidget(self.restart)
        layout.addLayout(header)
        self.score = _name(_label("", "lead"), "quizScore")
        layout.addWidget(self.score)

        tables = QHBoxLayout()
        tables.setSpacing(18)
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
            [
                "Differential",
                "CNO:\nright",
                "CNO taken\nfor it",
                "It:\nright",
                "It taken\nfor CNO",
                "Another\ndiagnosis",
            ],
        )
        confusion_layout.addWidget(self.confusion_table)
        tables.addWidget(confusion_card, 3)
        layout.addLayout(tables)

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
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setMaximumHeight(260)
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


# --- the page -----------------------------------------------------------------------------------
class QuizPage(QWidget):
    """Start panel → questions → (exam) report."""

    sessionFinished = Signal(object)  # ExamReport
    answerRecorded = Signal(object)  # Outcome

    def __init__(
        self,
        store: ProgressStore | None = None,
        seed: int | None = None,
        prepare_images: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("page-quiz")
        self.setAccessibleName("Quiz page")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._store = store
        self._seed = seed
        # Teaching cases (QuizCase views) for the case questions; read from the case library at
        # each start unless set before (tests, lecturer mode).
        self.cases: Sequence[QuizCase] | None = None
        self._from_library: bool | None = None
        # The series each case's image questions use: the cached studies are read at a start;
        # missing ones are generated on a worker (prepare_images) for the next sessions.
        self.studies: dict[str, QuizStudy] = {}
        self.prepare_images = prepare_images
        self._prep: StudyTask | None = None
        self._prep_pool: QThreadPool | None = None  # one thread: the viewers keep the global pool
        self._prep_total = 0
        self._prep_done = 0
        self._shown_once = False
        self.session: QuizSession | None = None
        self.stack = QStackedWidget()
        self.stack.setObjectName("quizStack")
        self.start_panel = QuizStartPanel()
        self.question_panel = QuizQuestionPanel()
        self.report_panel = QuizReportPanel()
        for panel in (self.start_panel, self.question_panel, self.report_panel):
            self.stack.addWidget(panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._styled_for = current_theme().name
        self.setStyleSheet(self._style())

        self.start_panel.startRequested.connect(self.start)
        self.question_panel.answered.connect(self._on_answer)
        self.question_panel.nextRequested.connect(self.next_question)
        self.question_panel.finishRequested.connect(self.finish_exam)
        self.report_panel.restartRequested.connect(self.show_start)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self._seconds = 0
        self._limit = 0
        self._update_due()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(PREPARE_DELAY_MS, self, self._prepare_if_visible)

    def _prepare_if_visible(self) -> None:
        if self.isVisible():
            self.prepare_missing_images()

    # --- images of the cases -----------------------------------------------------------
    def _library(self) -> list:
        from cnoatlas.domain.cases import case_library

        library = case_library()
        for problem in library.problems:
            log.warning("case left out of the quiz: %s", problem)
        return list(library)

    def prepare_missing_images(self) -> None:
        """Generate, on a worker, the studies of library cases not in the cache yet."""
        from_library = self._from_library if self._from_library is not None else self.cases is None
        if not self.prepare_images or self._prep is not None or not from_library:
            return
        missing = [
            c
            for c in self._library()
            if c.generator_description() is not None
            and c.id not in self.studies
            and not is_available(c)
        ]
        if not missing:
            return
        task = StudyTask(missing, generate=True)
        task.signals.ready.connect(self._study_ready)
        task.signals.finished.connect(self._prep_finished)
        self._prep, self._prep_total, self._prep_done = task, len(missing), 0
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(task.cancel.set)
        self._show_prep_status()
        if self._prep_pool is None:
            self._prep_pool = QThreadPool(self)
            self._prep_pool.setMaxThreadCount(1)
        self._prep_pool.start(task)

    def _study_ready(self, case_id: str, study: object) -> None:
        self._prep_done += 1
        if isinstance(study, QuizStudy):
            self.studies[case_id] = study
        self._show_prep_status()

    def _prep_finished(self) -> None:
        self._prep = None
        self._show_prep_status()

    def _show_prep_status(self) -> None:
        label = self.start_panel.image_status
        if self._prep is not None:
            label.setText(
                f"Preparing images for the image questions… {self._prep_done} of "
                f"{self._prep_total} cases ready; they join the next session."
            )
        elif self.studies:
            n = len(self.studies)
            label.setText(
                "Image questions (spot the lesion, find every lesion) ready for "
                f"{n} case{'s' if n != 1 else ''}."
            )
        label.setVisible(bool(label.text()))

    def _read_cached_studies(self, library: Sequence) -> None:
        for case in library:
            if case.id not in self.studies and is_available(case):
                study = load_quiz_study(case, generate=False)
                if study is not None:
                    self.studies[case.id] = study

    def changeEvent(self, event: QEvent) -> None:
        # A new theme arrives as style and palette changes, before the theme's name is
        # recorded on the app: look once the event loop is back.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        if current_theme().name != self._styled_for:  # once per theme: no restyle loop
            self._styled_for = current_theme().name
            self.setStyleSheet(self._style())

    @staticmethod
    def _style() -> str:
        t = current_theme()
        return f"""
QLabel[role="question"] {{ font-size: 15pt; font-weight: 500; }}
QLabel[role="subheading"] {{ font-size: 13pt; font-weight: 600; }}
QLabel[role="verdict"] {{ font-size: 14pt; }}
QLabel#quizExplanation {{ font-size: 12pt; }}
QLabel[role="warning"] {{ color: {t.warning}; }}
QPushButton[role="option"] {{
    text-align: left; padding: 10px 18px; font-size: 13pt; border-radius: 6px;
    border: 1px solid {t.border}; background: {t.alt_base};
}}
QPushButton[role="option"]:hover:enabled {{ border-color: {t.accent}; }}
QPushButton[role="option"]:checked {{ background: {t.accent}; color: {t.accent_text}; }}
QPushButton[role="primary"] {{
    background: {t.accent}; color: {t.accent_text}; font-size: 13pt; font-weight: 600;
    border-radius: 6px; padding: 8px 24px;
}}
"""

    @property
    def store(self) -> ProgressStore:
        if self._store is None:
            self._store = shared_store()
        return self._store

    def _update_due(self) -> None:
        due = self.store.reviews_due()
        self.start_panel.due_label.setText(
            f"{due} question{'s' if due != 1 else ''} due for review now."
            if due
            else "No reviews due: review mode starts with new questions."
        )
        if self.store.recovery_message:
            self.start_panel.show_message(self.store.recovery_message)

    # --- flow ------------------------------------------------------------------------------
    def show_start(self) -> None:
        self.clock.stop()
        self.session = None
        self._update_due()
        self.stack.setCurrentWidget(self.start_panel)

    def start(self, mode: str, n: int, topics: list[str]) -> None:
        seed = self._seed if self._seed is not None else int(self.store.answer_count())
        # The seed moves on with every answer given, so each session brings a fresh mix.
        if self._from_library is None:
            self._from_library = self.cases is None
        if self._from_library:
            # Image questions for the cases whose study is at hand; the rest are made meanwhile.
            library = self._library()
            self._read_cached_studies(library)
            self.cases = quiz_cases(library, self.studies)
            self.prepare_missing_images()
        self.session = start_session(
            mode, n, seed, topics=topics, cases=self.cases, store=self.store
        )
        if not self.session.questions:
            self.start_panel.show_message(
                "Nothing is due for review and every question has been seen: well done. "
                "Practice or an exam will mix them again."
                if mode == "review"
                else "No questions match these topics yet."
            )
            return
        self._seconds = 0
        self._limit = SECONDS_PER_EXAM_QUESTION * len(self.session.questions)
        if mode == "exam":
            self.clock.start()
            self._tick(advance=False)
        self.stack.setCurrentWidget(self.question_panel)
        self._show_current()
        self.setFocus()

    def _show_current(self) -> None:
        session = self.session
        if session is None or session.current is None:
            return
        total = len(session.questions)
        title = MODE_TEXT[session.mode][0]
        question = session.current
        self.question_panel.show_question(
            question,
            f"{title} · question {session.index + 1} of {total}",
            timed=session.mode == "exam",
        )
        if question.response in ("mark", "marks"):
            self.question_panel.set_study(self.studies.get(question.case_id or ""))

    def _on_answer(self, response: Any) -> None:
        session = self.session
        if session is None:
            return
        outcome = session.answer(response)  # committed to the store before anything else
        self.answerRecorded.emit(outcome)
        if session.feedback_after_each:
            self.question_panel.show_feedback(outcome)
            question = self.question_panel.question
            if question is not None and question.kind == "diagnosis" and question.case_id:
                self.question_panel.show_key_image(self.studies.get(question.case_id))
        else:
            self.next_question()

    def next_question(self) -> None:
        session = self.session
        if session is None:
            return
        session.advance()
        if session.finished:
            self._finish()
        else:
            self._show_current()

    def finish_exam(self) -> None:
        if self.session is not None:
            self.session.finish()
            self._finish()

    def _finish(self) -> None:
        session = self.session
        if session is None:
            return
        self.clock.stop()
        report = session.report()
        if session.mode == "exam":
            self.report_panel.show_report(session, report, self._clock_text(self._seconds))
            self.stack.setCurrentWidget(self.report_panel)
        else:
            self.show_start()
            self.start_panel.show_message(
                f"Session done: {report.correct} of {report.total} right. Start another one, or "
                "see your progress on the Progress page."
            )
        self.sessionFinished.emit(report)

    @staticmethod
    def _clock_text(seconds: int) -> str:
        return f"{seconds // 60:d}:{seconds % 60:02d}"

    def _tick(self, advance: bool = True) -> None:
        if advance:
            self._seconds += 1
        left = max(0, self._limit - self._seconds)
        self.question_panel.timer_label.setText(f"Time left {self._clock_text(left)}")
        if left == 0:
            self.finish_exam()

    # --- keys ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        panel = self.question_panel
        if self.stack.currentWidget() is panel and panel.question is not None:
            key = event.key()
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
                panel.choose(key - Qt.Key.Key_1)
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if panel.locked or panel.next_button.isEnabled():
                    self.next_question()
                else:
                    panel.submit()
                return
        if self.stack.currentWidget() is self.start_panel and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self.start_panel.start_button.click()
            return
        super().keyPressEvent(event)


@register_view("quiz", "the quiz start page")
def _quiz_view(request: ViewRequest) -> QWidget:
    from cnoatlas.ui.main_window import MainWindow

    window = MainWindow(restore_state=False)
    window.show_page("quiz")
    return window


def _demonstration_answer(q: Question, right: bool) -> Any:
    """An answer for the screenshot view: right, or wrong in a way that shows the feedback."""
    if q.response in ("mark", "marks"):
        lesions = [q.answer] if q.response == "mark" else list(q.answer)

        def centre(lesion: dict) -> Mark:
            cols = [c for c, _ in lesion["outline"]]
            rows = [r for _, r in lesion["outline"]]
            return Mark(
                lesion["series_uid"], lesion["slice"], sum(cols) / len(cols), sum(rows) / len(rows)
            )

        first = centre(lesions[0])
        if q.response == "mark":
            miss = Mark(first.series_uid, first.slice, first.col + 40.0, first.row + 25.0)
            return (first if right else miss).to_json()
        if right:
            return [centre(lesion).to_json() for lesion in lesions]
        false = Mark(first.series_uid, first.slice, first.col + 40.0, first.row + 25.0)
        return [first.to_json(), false.to_json()]
    if q.response == "single":
        return q.answer if right else next(o for o in q.options if o != q.answer)
    return list(q.answer) if right else list(q.options[:1])


@register_view(
    "quiz-question",
    "one quiz question as a learner sees it; @right or @wrong shows it answered with feedback",
    argument="a question id, e.g. case:cno-silent-vertebra:spot-0, optionally @right or @wrong",
)
def _quiz_question_view(request: ViewRequest) -> QWidget:
    from cnoatlas.domain.errors import AtlasError
    from cnoatlas.domain.quiz import question as build_question
    from cnoatlas.ui.main_window import MainWindow

    qid, _, answered = (request.argument or "").partition("@")
    if answered not in ("", "right", "wrong"):
        raise AtlasError(f"'@{answered}': say @right or @wrong after the question id")
    window = MainWindow(restore_state=False)
    window.show_page("quiz")
    page = window.page("quiz")
    page.prepare_images = False  # a screenshot makes only the study it shows
    library = page._library()
    case_id = qid.split(":")[1] if qid.startswith("case:") and qid.count(":") >= 2 else None
    case = next((c for c in library if c.id == case_id), None)
    if case is not None:
        study = load_quiz_study(case, generate=True)  # cached after the first time
        if study is not None:
            page.studies[case.id] = study
    page.cases = quiz_cases(library, page.studies)
    page._from_library = False
    q = build_question(qid, page.cases)
    page.session = QuizSession("practice", [q], store=None)  # nothing is recorded
    page.stack.setCurrentWidget(page.question_panel)
    panel = page.question_panel
    panel.show_question(q, "Practice · question 1 of 1", timed=False)
    if q.response in ("mark", "marks"):
        panel.set_study(page.studies.get(q.case_id or ""), synchronous=True)
    if answered:
        response = _demonstration_answer(q, answered == "right")
        if q.response in ("mark", "marks") and panel.viewer is not None:
            from cnoatlas.ui.viewer_items import ImageMark

            marks = _marks(response)
            panel._image_marks = [ImageMark(m.slice, m.col, m.row) for m in marks]
            panel.locked = True
            panel._update_mark_count()
            panel.submit_button.setEnabled(False)
            panel.clear_button.setEnabled(False)
            panel.next_button.setEnabled(True)
            page._on_answer(response)
        elif q.response == "single":
            panel.choose(q.options.index(response))
        else:
            for option in response:
                panel.choose(q.options.index(option))
            panel.submit()
    return window
