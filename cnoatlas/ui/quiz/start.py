"""The quiz start panel: choose a mode, topics and a number of questions."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.quiz import TOPICS, question_ids
from cnoatlas.ui.common.flow import FlowLayout, ReflowBox
from cnoatlas.ui.quiz.widgets import _card, _label, _name

MODE_TEXT = {
    "practice": ("Practice", "Feedback and the explanation after every answer."),
    "exam": ("Exam", "Timed, no feedback until the end; then a report by topic and differential."),
    "review": ("Review", "Spaced repetition: the questions due for review first, then new ones."),
}


# --- start panel -------------------------------------------------------------------------------
class QuizStartPanel(QWidget):
    startRequested = Signal(str, int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizStart")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(18)
        layout.addWidget(_label("Quiz", "title"))
        layout.addWidget(
            _label(
                "Tell CNO from infection, Langerhans cell histiocytosis and tumours; learn "
                "where its lesions sit and how the patterns look. Every answer comes with an "
                "explanation and its source.",
                "lead",
            )
        )

        # Mode and topics side by side, one above the other on a narrow page or a large scale.
        row = ReflowBox(300, spacing=18)
        row.setObjectName("quizStartCards")
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
        grid = FlowLayout(spacing=12)  # the topics wrap to the card's width
        for key, title in TOPICS.items():
            box = QCheckBox(title)
            _name(box, f"quizTopic-{key}", f"Topic: {title}")
            box.setChecked(True)
            self.topic_boxes[key] = box
            grid.addWidget(box)
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
        layout.addWidget(row)

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
            _label("Keys: 1–9 choose an option, Enter moves on.", "muted"), 1
        )
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
