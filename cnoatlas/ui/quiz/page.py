"""The Quiz page: start, questions and report in turn, the quiz images made off the UI thread,
and the ``quiz`` and ``quiz-question`` screenshot views.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from cnoatlas.domain.progress import ProgressStore, shared_store
from cnoatlas.domain.quiz import Question, QuizCase
from cnoatlas.domain.quiz.images import QuizStudy, StudySource, quiz_cases
from cnoatlas.domain.quiz.scoring import Mark
from cnoatlas.domain.quiz.session import QuizSession, start_session
from cnoatlas.library.studies import LIBRARY_STUDIES
from cnoatlas.ui.common.theme import current_theme
from cnoatlas.ui.common.typography import app_scale, role_points
from cnoatlas.ui.common.views import ViewRequest, new_main_window, register_view
from cnoatlas.ui.quiz.question import QuizQuestionPanel, shows_case_images
from cnoatlas.ui.quiz.report import PracticeSummaryPanel, QuizReportPanel
from cnoatlas.ui.quiz.start import MODE_TEXT, QuizStartPanel
from cnoatlas.ui.quiz.widgets import _marks

log = logging.getLogger("cnoatlas.quiz")

SECONDS_PER_EXAM_QUESTION = 60
PREPARE_DELAY_MS = 1500  # the page has been on screen this long: make the missing images


# --- images: made and read off the UI thread ---------------------------------------------------
class _StudySignals(QObject):
    ready = Signal(str, object)  # case id, QuizStudy or None
    finished = Signal()


class StudyTask(QRunnable):
    """Reads (or generates, then reads) the quiz series of each case in turn."""

    def __init__(self, source: StudySource, cases: Sequence, generate: bool = True) -> None:
        super().__init__()
        self.source = source
        self.cases = list(cases)
        self.generate = generate
        self.cancel = threading.Event()
        self.signals = _StudySignals()

    def run(self) -> None:
        for case in self.cases:
            if self.cancel.is_set():
                break
            try:
                study = self.source.load(case, generate=self.generate)
            except Exception:  # one broken case leaves the others their images
                log.exception("images of case %s could not be made", case.id)
                study = None
            with contextlib.suppress(RuntimeError):  # the page was closed meanwhile
                self.signals.ready.emit(case.id, study)
        with contextlib.suppress(RuntimeError):
            self.signals.finished.emit()


# --- the page -----------------------------------------------------------------------------------
class QuizPage(QWidget):
    """Start panel → questions → (exam) report."""

    sessionFinished = Signal(object)  # ExamReport
    openProgress = Signal()  # the practice summary's "See all progress"
    answerRecorded = Signal(object)  # Outcome

    def __init__(
        self,
        store: ProgressStore | None = None,
        seed: int | None = None,
        prepare_images: bool = True,
        studies: StudySource = LIBRARY_STUDIES,
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
        self.study_source = studies
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
        self.summary_panel = PracticeSummaryPanel()
        for panel in (self.start_panel, self.question_panel, self.report_panel, self.summary_panel):
            self.stack.addWidget(panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._styled_for = (current_theme().name, app_scale())
        self.setStyleSheet(self._style())

        self.start_panel.startRequested.connect(self.start)
        self.question_panel.answered.connect(self._on_answer)
        self.question_panel.nextRequested.connect(self.next_question)
        self.question_panel.skipRequested.connect(self.skip_question)
        self.question_panel.finishRequested.connect(self.finish_exam)
        self.report_panel.restartRequested.connect(self.show_start)
        self.summary_panel.restartRequested.connect(self.show_start)
        self.summary_panel.progressRequested.connect(self.openProgress)
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
            and not self.study_source.is_available(c)
        ]
        if not missing:
            return
        task = StudyTask(self.study_source, missing, generate=True)
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
            if case.id not in self.studies and self.study_source.is_available(case):
                study = self.study_source.load(case, generate=False)
                if study is not None:
                    self.studies[case.id] = study

    def changeEvent(self, event: QEvent) -> None:
        # A new theme arrives as style and palette changes, before the theme's name is
        # recorded on the app: look once the event loop is back.
        if event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.StyleChange,
            QEvent.Type.FontChange,
        ):
            QTimer.singleShot(0, self, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        look = (current_theme().name, app_scale())
        if look != self._styled_for:  # once per theme and scale: no restyle loop
            self._styled_for = look
            self.setStyleSheet(self._style())

    @staticmethod
    def _style() -> str:
        t = current_theme()
        s = app_scale()
        heading, body = role_points("heading", s), role_points("body", s)
        return f"""
QLabel[role="question"] {{ font-size: {heading:.1f}pt; font-weight: 500; }}
QLabel[role="subheading"] {{ font-size: {heading:.1f}pt; font-weight: 600; }}
QLabel[role="verdict"] {{ font-size: {heading:.1f}pt; }}
QLabel#quizExplanation {{ font-size: {body * 1.1:.1f}pt; }}
QLabel[role="warning"] {{ color: {t.warning}; }}
QPushButton[role="option"] {{
    text-align: left; padding: {round(10 * s)}px {round(18 * s)}px; font-size: {body * 1.2:.1f}pt;
    border-radius: 6px;
    border: 1px solid {t.border}; background: {t.alt_base};
}}
QPushButton[role="option"]:hover:enabled {{ border-color: {t.accent}; }}
QPushButton[role="option"]:checked {{ background: {t.accent}; color: {t.accent_text}; }}
QPushButton[role="primary"] {{
    background: {t.accent}; color: {t.accent_text}; font-size: {body * 1.2:.1f}pt;
    font-weight: 600; border-radius: 6px; padding: {round(8 * s)}px {round(24 * s)}px;
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
        self._started = time.monotonic()
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
        if question.response in ("mark", "marks") or shows_case_images(question):
            self.question_panel.set_study(self.studies.get(question.case_id or ""))
        if question.response not in ("mark", "marks"):
            self.setFocus()

    def _on_answer(self, response: Any) -> None:
        session = self.session
        if session is None:
            return
        self.setFocus()  # keys (1-9, Enter, S) come back to the quiz from the image viewer
        unsaved = getattr(self.store, "unsaved", 0)
        outcome = session.answer(response)  # committed to the store before anything else
        self.answerRecorded.emit(outcome)
        if session.feedback_after_each:
            self.question_panel.show_feedback(outcome)
            if getattr(self.store, "unsaved", 0) > unsaved and self.store.recovery_message:
                # A full disk or a read-only store: this answer was not saved; say so here.
                explanation = self.question_panel.explanation
                explanation.setText(
                    f"{explanation.text()}\n\n⚠ {self.store.recovery_message}"
                )
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
        self._after_step(session)

    def skip_question(self) -> None:
        """Pass over the question on screen (unanswered; in an exam too, while the clock runs)."""
        session = self.session
        if session is None or self.question_panel.locked:
            return
        session.skip()
        self.setFocus()
        self._after_step(session)

    def _after_step(self, session: QuizSession) -> None:
        """The next question, or the end of the session."""
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
            elapsed = round(time.monotonic() - getattr(self, "_started", time.monotonic()))
            self.summary_panel.show_summary(session, report, self._clock_text(elapsed))
            self.stack.setCurrentWidget(self.summary_panel)
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
                elif not panel.submit_ready():
                    panel.hint.setText(panel.waiting_hint())  # what Enter needs, or S to skip
                else:
                    panel.submit()
                return
            if key == Qt.Key.Key_S and not panel.locked:
                self.skip_question()
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

    window = new_main_window()
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

    qid, _, answered = (request.argument or "").partition("@")
    if answered not in ("", "right", "wrong"):
        raise AtlasError(f"'@{answered}': say @right or @wrong after the question id")
    window = new_main_window()
    window.show_page("quiz")
    page = window.page("quiz")
    page.prepare_images = False  # a screenshot makes only the study it shows
    library = page._library()
    case_id = qid.split(":")[1] if qid.startswith("case:") and qid.count(":") >= 2 else None
    case = next((c for c in library if c.id == case_id), None)
    if case is not None:
        study = page.study_source.load(case, generate=True)  # cached after the first time
        if study is not None:
            page.studies[case.id] = study
    page.cases = quiz_cases(library, page.studies)
    page._from_library = False
    q = build_question(qid, page.cases)
    page.session = QuizSession("practice", [q], store=None)  # nothing is recorded
    page.stack.setCurrentWidget(page.question_panel)
    panel = page.question_panel
    panel.show_question(q, "Practice · question 1 of 1", timed=False)
    if q.response in ("mark", "marks") or shows_case_images(q):
        panel.set_study(page.studies.get(q.case_id or ""), synchronous=True)
    if answered:
        response = _demonstration_answer(q, answered == "right")
        if q.response in ("mark", "marks") and panel.viewer is not None:
            from cnoatlas.ui.viewer.items import ImageMark

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
