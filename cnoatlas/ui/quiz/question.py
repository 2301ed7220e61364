"""One quiz question on screen: the options or the images to mark, the answer, why, the sources."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.quiz import TOPICS, Outcome, Question
from cnoatlas.domain.quiz.images import QuizStudy
from cnoatlas.domain.quiz.scoring import Mark, score_search
from cnoatlas.ui.common.flow import FlowLayout
from cnoatlas.ui.common.theme import current_theme
from cnoatlas.ui.quiz.widgets import (
    _card,
    _label,
    _marks,
    _name,
    _site_name,
    _verdict_colours,
    answer_text,
    source_lines,
)


# --- question panel ----------------------------------------------------------------------------
def shows_case_images(question: Question) -> bool:
    """A case's diagnosis is asked with its images beside the options, as a reader meets it."""
    return question.kind == "diagnosis" and bool(question.case_id)


class QuizQuestionPanel(QWidget):
    """One question at a time: option buttons, then (practice, review) the feedback."""

    answered = Signal(object)  # the response
    nextRequested = Signal()
    skipRequested = Signal()
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

        top = FlowLayout(spacing=24)  # wraps onto two lines on a narrow page or a large scale
        self.position = _name(_label("", "muted", wrap=False), "quizPosition")
        self.topic = _name(_label("", "muted", wrap=False), "quizTopicLabel")
        self.timer_label = _name(_label("", "lead", wrap=False), "quizTimer")
        self.finish_button = QPushButton("Finish exam")
        _name(self.finish_button, "quizFinishButton", "Finish the exam now")
        self.finish_button.clicked.connect(self.finishRequested)
        self.topic.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        for widget in (self.position, self.topic, self.timer_label, self.finish_button):
            top.addWidget(widget)
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
        self._loaded_series: dict[str, object] = {}  # series folder -> Series read (last two)
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
        # Every question can be passed over, in an exam too (it counts as unanswered).
        self.skip_button = QPushButton("Skip (S)")
        _name(self.skip_button, "quizSkipButton", "Skip this question")
        self.skip_button.setMinimumHeight(44)
        self.skip_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the page
        self.skip_button.clicked.connect(self.skipRequested)
        bottom.addWidget(self.skip_button)
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
        self.skip_button.show()
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
        if shows_case_images(question):
            self.hint.setText(
                f"{hints[kind]} The case's whole-body images are beside the options: scroll "
                "through them (wheel or arrow keys) before you answer."
            )
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
        marking = kind in ("mark", "marks")
        self._show_image_box(marking or shows_case_images(question), marking)

    # --- images: the series to mark, and the key image of a case ------------------------
    def _make_viewer(self, name: str):
        from cnoatlas.ui.viewer.series_viewer import SeriesViewer

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

    def _show_image_box(self, on: bool, marking: bool = True) -> None:
        """The case's images beside the question: to be marked (spot the lesion, find every
        lesion), or to be read beside the options (a case's diagnosis)."""
        if self.study is not None and self.viewer is not None and self.viewer.series is not None:
            self._keep_series(self.study, self.viewer.series)  # reused if complete (set_study)
        self._cancel_loading()
        self.study = None
        self._image_marks = []
        self.options_box.setVisible(not (on and marking))
        self.image_box.setVisible(on)
        self.image_verdict.hide()
        self.image_score.hide()
        self.mark_count.setVisible(marking)
        if on and marking:
            self._image_side.insertWidget(1, self.actions_box)
        else:
            self.body_layout.insertWidget(self.body_layout.indexOf(self.feedback), self.actions_box)
        if not on:
            return
        viewer = self._ensure_viewer()
        QTimer.singleShot(0, self, self._fit_viewer_height)  # once the prompt is laid out
        viewer.set_marking(marking)
        viewer.set_marks([])
        viewer.set_annotations([])
        # "Findings" would have nothing to show (and must not): it says why until the answer.
        viewer.set_findings_note("The lesions are outlined once you answer")
        viewer.set_series(None, empty_text=" ")  # quiet until the study is on screen
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
        if q is None or not (q.response in ("mark", "marks") or shows_case_images(q)):
            return
        viewer = self._ensure_viewer()
        self.study = study
        if study is None and q.response not in ("mark", "marks"):
            self.image_box.hide()  # the question reads without them; its options stay
            return
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
        kept = self._loaded_series.get(str(study.series_dir))
        if kept is not None and kept.fully_loaded:
            # Read for an earlier question: on screen at once, with no loading strip.
            viewer.set_series(kept, first)
            return
        if synchronous:
            from cnoatlas.imaging.series import load_series

            result = load_series(study.series_dir)
            viewer.set_series(result.series[0] if result.series else None, first)
            if result.series:
                self._keep_series(study, result.series[0])
        else:
            from cnoatlas.ui.viewer.loading import load_in_background

            self._loader = load_in_background(viewer, study.series_dir, first)

    def _keep_series(self, study: QuizStudy, series) -> None:
        """Keep the last two studies read, so a question on the same study shows it at once."""
        self._loaded_series[str(study.series_dir)] = series
        while len(self._loaded_series) > 2:
            self._loaded_series.pop(next(iter(self._loaded_series)))

    def _on_point(self, series_uid: str, index: int, col: float, row: float) -> None:
        from cnoatlas.ui.viewer.items import ImageMark

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
            from cnoatlas.ui.viewer.items import ImageMark

            viewer.set_marking(False)
            viewer.set_findings_note("")
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

    def _ensure_map(self) -> QWidget:
        if self.site_map is None:
            from cnoatlas.ui.atlas.site_map import SiteMap

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

    def submit_ready(self) -> bool:
        """Whether Submit (or Enter) would send an answer now."""
        q = self.question
        if q is None or self.locked:
            return False
        if q.response in ("mark", "marks"):
            return bool(self._image_marks)
        if q.response == "rank":
            return len(self._chosen) == len(q.options)
        return bool(self._chosen)

    def waiting_hint(self) -> str:
        q = self.question
        need = {
            "mark": "Click the lesion on the image first",
            "marks": "Click every lesion you find on the images first",
            "rank": "Put every option in order first",
        }.get(q.response if q else "", "Choose an answer first")
        return f"{need}, or press S to skip this question."

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
            self.skip_button.hide()
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
        self.skip_button.hide()
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
        if shows_case_images(q) and self.viewer is not None and self.study is not None:
            self.viewer.set_findings_note("")  # answered: the lesions are outlined now
            self.viewer.set_annotations(self.study.annotations)
            self.viewer.reveal_all()
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
