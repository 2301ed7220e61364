"""One teaching case as a teaching file: history, images, findings on request, then the diagnosis.

The images of a synthetic case come from the phantom cache (generated on a worker thread the first
time); findings are revealed lesion by lesion on the images; "Quiz me" hides the diagnosis and
the real title until the reader commits to an answer.
"""

from __future__ import annotations

import contextlib
import html
import logging
from dataclasses import replace

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.case_reveal import CaseView, Reveals, case_view, safe_label
from cnoatlas.domain.cases import (
    DIAGNOSES,
    SEXES,
    Case,
    CaseLibrary,
    case_library,
    diagnosis_name,
    lesion_slices,
)
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.sources import bibliography
from cnoatlas.domain.user_notes import UserNotes
from cnoatlas.imaging.series import linked_positions_supported, linked_slice
from cnoatlas.library.studies import CaseImages, load_case_images
from cnoatlas.ui.cases.names import SHORT_DIAGNOSES
from cnoatlas.ui.common.flow import FlowLayout, follow_content_width
from cnoatlas.ui.common.theme import current_theme

log = logging.getLogger("cnoatlas.cases")


def pattern_text(case) -> str:
    """The case's Andronikou pattern as a sentence can carry it ("Unclassified" reads as if
    the atlas forgot to fill it in)."""
    if case.pattern == "unclassified":
        return "none of Andronikou's three patterns"
    return case.pattern_label or ""


class _LoadSignals(QObject):
    loaded = Signal(object)  # CaseImages
    first = Signal(object)  # CaseImages with the first series, while the others are made


class CaseImagesTask(QRunnable):
    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case
        self.signals = _LoadSignals()

    def run(self) -> None:
        try:
            images = load_case_images(self.case, on_first=self._first)
        except Exception as exc:  # shown on the page; the log has the details
            log.exception("images of case %s could not be loaded", self.case.id)
            images = CaseImages(self.case.id, problem=f"images could not be made ({exc})")
        with contextlib.suppress(RuntimeError):  # the page was closed meanwhile
            self.signals.loaded.emit(images)

    def _first(self, images: CaseImages) -> None:
        with contextlib.suppress(RuntimeError):
            self.signals.first.emit(images)


# --- widgets ------------------------------------------------------------------------------
def _label(text: str = "", role: str | None = None, name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


def _section(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.setSpacing(8)
    heading = QLabel(title)
    heading.setProperty("role", "heading")  # the typographic scale sizes it (theme)
    heading.setWordWrap(True)
    layout.addWidget(heading)
    return frame, layout


def _button(text: str, name: str, tip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.replace("&", ""))
    if tip:
        button.setToolTip(tip)
    return button


class _Wrapping(QWidget):
    """A box of controls in a FlowLayout that asks only for its widest control: the title beside
    it gets the room first, and the controls wrap under each other when there is little."""

    def sizeHint(self):
        return self.minimumSizeHint()


class CasePage(QWidget):
    """The case reader. ``show_case`` fills it; images arrive on a worker thread."""

    backRequested = Signal()
    openLinkedCase = Signal(str)
    quizChanged = Signal(bool)
    imagesReady = Signal(str)  # case id
    editRequested = Signal(str)  # case id: "Edit" (a user case) or "Edit a copy" (shipped)
    firstSeriesShown = Signal(str)  # case id: a study being generated shows its first series

    def __init__(self, library: CaseLibrary | None = None, notes: UserNotes | None = None) -> None:
        super().__init__()
        self.setObjectName("casePage")
        self.setAccessibleName("Teaching case")
        self.library = library or case_library()
        self.notes = notes or UserNotes()
        self.case: Case | None = None
        self.images: CaseImages | None = None
        self._task: CaseImagesTask | None = None
        self._pending_site: str | None = None
        self._revealed: list[str] = []  # lesion ids shown on the images, in reveal order
        self._reveals = Reveals()  # the stages revealed on this case (kept in the notes)
        self._view: CaseView | None = None  # what may be on screen now (case_reveal.case_view)
        self.remember = True  # False: reveals neither read from nor written to the notes
        self._quiz = False
        self._answer: str | None = None
        self._slices: dict[tuple[str, str], int] = {}
        self._series_states: dict[str, object] = {}  # series uid -> the viewer's place on it

        # header
        self.back_button = _button("← All cases", "caseBack", "Back to the case library (Esc)")
        self.back_button.clicked.connect(self.backRequested)
        self.title_label = _label("", "heading", "caseTitle")
        # A long title wraps instead of pushing the toggles off a small screen.
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title_label.setMinimumWidth(200)
        self.meta_label = _label("", "muted", "caseMeta")
        self.quiz_toggle = QCheckBox("Quiz me")
        self.quiz_toggle.setObjectName("caseQuizToggle")
        self.quiz_toggle.setAccessibleName("Quiz me: hide the diagnosis")
        self.quiz_toggle.setToolTip(
            "Hide every hint (findings, lit sites, counts, labels, title) until you answer"
        )
        self.quiz_toggle.toggled.connect(self.set_quiz_mode)
        self.bookmark_toggle = QCheckBox("Bookmark")
        self.bookmark_toggle.setObjectName("caseBookmark")
        self.bookmark_toggle.setAccessibleName("Bookmark this case")
        self.bookmark_toggle.toggled.connect(self._bookmark_toggled)
        header = QHBoxLayout()
        header.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title_label)
        titles.addWidget(self.meta_label)
        header.addLayout(titles, 3)
        self.edit_button = _button("Edit", "caseEditButton", "Edit this case in the case editor")
        self.edit_button.clicked.connect(
            lambda: self.case and self.editRequested.emit(self.case.id)
        )
        # Edit, Quiz me and Bookmark side by side, wrapping under each other when a large
        # interface scale leaves the title too little room.
        tools = _Wrapping()
        tools.setObjectName("caseTools")
        flow = FlowLayout(tools, spacing=10)
        for widget in (self.edit_button, self.quiz_toggle, self.bookmark_toggle):
            flow.addWidget(widget)
        header.addWidget(tools, 1, Qt.AlignmentFlag.AlignTop)

        # left: the teaching file
        self.text_column = QWidget()
        self.text_column.setObjectName("caseText")
        column = QVBoxLayout(self.text_column)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(12)

        history, history_layout = _section("History")
        self.presentation_label = _label("", "lead", "casePresentation")
        self.history_label = _label("", None, "caseHistory")
        self.labs_grid = QGridLayout()
        self.labs_grid.setHorizontalSpacing(16)
        self.labs_grid.setVerticalSpacing(2)
        history_layout.addWidget(self.presentation_label)
        history_layout.addWidget(self.history_label)
        history_layout.addLayout(self.labs_grid)
        from cnoatlas.ui.cases.timeline import StudyTimeline  # the earlier studies, if any

        self.timeline = StudyTimeline()
        self.timeline.siteChosen.connect(self.go_to_site)
        history_layout.addWidget(self.timeline)
        column.addWidget(history)

        findings, findings_layout = _section("Findings")
        self.reveal_button = _button(
            "Reveal findings", "revealFindings", "Show the findings and mark the first lesion (F)"
        )
        self.reveal_button.setShortcut("F")
        self.reveal_button.clicked.connect(lambda: self.reveal_findings())
        self.findings_label = _label("", None, "caseFindings")
        self.lesion_list = QListWidget()
        self.lesion_list.setObjectName("caseLesions")
        self.lesion_list.setAccessibleName("Lesions: choose one to see it on the images")
        self.lesion_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.lesion_list.itemActivated.connect(self._lesion_chosen)
        self.lesion_list.itemClicked.connect(self._lesion_chosen)
        self.next_button = _button(
            "Next finding", "nextFinding", "Mark the next lesion on the images (N)"
        )
        self.next_button.setShortcut("N")
        self.next_button.clicked.connect(self.reveal_next)
        self.reveal_hint = _label(
            "Read the history and the images first, then reveal the findings.",
            "muted",
            "caseFindingsHint",
        )
        findings_layout.addWidget(self.reveal_hint)
        findings_layout.addWidget(self.reveal_button)
        findings_layout.addWidget(self.findings_label)
        findings_layout.addWidget(self.lesion_list)
        findings_layout.addWidget(self.next_button)
        column.addWidget(findings)

        diagnosis, diagnosis_layout = _section("Diagnosis")
        self.reveal_diagnosis_button = _button(
            "Reveal the diagnosis",
            "revealDiagnosis",
            "Show the diagnosis and the lesion pattern (D)",
        )
        self.reveal_diagnosis_button.setShortcut("D")
        self.reveal_diagnosis_button.clicked.connect(lambda: self.reveal_diagnosis())
        self.answer_box = QWidget()
        self.answer_box.setObjectName("caseAnswers")
        answers = QGridLayout(self.answer_box)
        answers.setContentsMargins(0, 0, 0, 0)
        answers.addWidget(_label("What is your diagnosis?", "muted"), 0, 0, 1, 2)
        self.answer_buttons: dict[str, QPushButton] = {}
        for index, (dx, label) in enumerate(DIAGNOSES.items()):
            button = _button(SHORT_DIAGNOSES.get(dx, label), f"answer-{dx}", f"Answer: {label}")
            # Long names may shrink (with their tooltip) rather than widen the reading column.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, d=dx: self.answer(d))
            answers.addWidget(button, 1 + index // 2, index % 2)
            self.answer_buttons[dx] = button
        self.feedback_label = _label("", None, "caseFeedback")
        self.diagnosis_label = _label("", None, "caseDiagnosis")
        self.discussion_label = _label("", None, "caseDiscussion")
        self.discussion_label.setOpenExternalLinks(False)
        self.linked_button = _button("", "caseLinked")
        self.linked_button.clicked.connect(self._open_linked)
        diagnosis_layout.addWidget(self.reveal_diagnosis_button)
        diagnosis_layout.addWidget(self.answer_box)
        diagnosis_layout.addWidget(self.feedback_label)
        diagnosis_layout.addWidget(self.diagnosis_label)
        diagnosis_layout.addWidget(self.linked_button)
        column.addWidget(diagnosis)

        discussion, discussion_layout = _section("Discussion")
        self.reveal_discussion_button = _button(
            "Reveal the discussion",
            "revealDiscussion",
            "Show the teaching points, the differentials and the references (E)",
        )
        self.reveal_discussion_button.setShortcut("E")
        self.reveal_discussion_button.clicked.connect(lambda: self.reveal_discussion())
        self.discussion_hint = _label("", "muted", "caseDiscussionHint")
        discussion_layout.addWidget(self.discussion_hint)
        discussion_layout.addWidget(self.reveal_discussion_button)
        discussion_layout.addWidget(self.discussion_label)
        column.addWidget(discussion)

        from cnoatlas.ui.cases.reasoning import ReasoningPanel

        self.reasoning_card, reasoning_layout = _section("Reasoning tools")
        self.reasoning = ReasoningPanel()
        reasoning_layout.addWidget(self.reasoning)
        column.addWidget(self.reasoning_card)

        notes, notes_layout = _section("My notes")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("caseNotes")
        self.notes_edit.setAccessibleName("My notes on this case")
        self.notes_edit.setPlaceholderText("Your own notes on this case, kept on this computer.")
        self.notes_edit.setFixedHeight(110)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(600)
        self._save_timer.timeout.connect(self.save_notes)
        self.notes_edit.textChanged.connect(self._save_timer.start)
        notes_layout.addWidget(self.notes_edit)
        self.notes_status = QLabel()  # why notes could not be read or saved, if so
        self.notes_status.setObjectName("caseNotesStatus")
        self.notes_status.setProperty("role", "disclaimer")
        self.notes_status.setWordWrap(True)
        notes_layout.addWidget(self.notes_status)
        self._show_notes_problem()
        column.addWidget(notes)
        column.addStretch(1)

        scroll = QScrollArea()
        self.text_scroll = scroll
        scroll.setObjectName("caseTextScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.text_column)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        follow_content_width(scroll)  # never narrower than its text needs at this scale

        # middle: the images
        from cnoatlas.ui.viewer.series_viewer import SeriesViewer

        self.series_tabs = QTabBar()
        self.series_tabs.setObjectName("caseSeriesTabs")
        self.series_tabs.setAccessibleName("Series")
        self.series_tabs.currentChanged.connect(self._tab_changed)
        self.viewer = SeriesViewer(name="caseViewer")
        self.image_status = _label("", "muted", "caseImageStatus")
        images = QWidget()
        images_layout = QVBoxLayout(images)
        images_layout.setContentsMargins(0, 0, 0, 0)
        images_layout.setSpacing(4)
        images_layout.addWidget(self.series_tabs)
        images_layout.addWidget(self.viewer, 1)
        images_layout.addWidget(self.image_status)

        # right: where the lesions are
        self.site_map = self._make_site_map()
        side = QWidget()
        side.setObjectName("caseMapPanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 0, 0, 0)
        # Caption size: the panel is narrow, and even at scale 3 a word must fit across it.
        side_layout.addWidget(_label("<b>Lesion sites</b>", "caption", "caseMapTitle"))
        if self.site_map is not None:
            side_layout.addWidget(self.site_map, 1)
        self.map_caption = _label("", "muted", "caseMapCaption")
        side_layout.addWidget(self.map_caption)
        side.setMinimumWidth(170)  # the map's own minimum (160) and the panel's margin

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("caseSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(images)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([480, 1000, 240])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 10)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._orient_splitter()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # The window's page scroll area: when it narrows below this page's minimum, this page
        # is not resized (it keeps its minimum), so its viewport says when to turn the splitter.
        area = self._page_area()
        if area is not None and not getattr(self, "_watching", False):
            area.viewport().installEventFilter(self)
            self._watching = True
        self._orient_splitter()

    def _page_area(self):
        from PySide6.QtWidgets import QAbstractScrollArea

        widget = self.parentWidget()
        while widget is not None and not isinstance(widget, QAbstractScrollArea):
            widget = widget.parentWidget()
        return widget

    def eventFilter(self, watched, event) -> bool:
        if event.type() == event.Type.Resize:
            self._orient_splitter()
        return super().eventFilter(watched, event)

    def _orient_splitter(self) -> None:
        """Text, images and map side by side; one above the other when the page is too narrow
        for their minimum widths at this scale (a laptop at scale 3), so nothing is cut."""
        splitter = self.splitter
        widgets = [splitter.widget(i) for i in range(splitter.count())]
        need = sum(max(w.minimumWidth(), w.minimumSizeHint().width()) for w in widgets)
        need += splitter.handleWidth() * (len(widgets) - 1)
        margins = self.layout().contentsMargins()
        area = self._page_area()
        width = area.viewport().width() if area is not None else self.width()
        room = width - margins.left() - margins.right()
        vertical = room < need
        wanted = Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal
        if splitter.orientation() == wanted:
            return
        splitter.setOrientation(wanted)
        for widget, tall in zip(widgets, (320, 420, 320), strict=False):
            widget.setMinimumHeight(tall if vertical else 0)

    def _make_site_map(self):
        from cnoatlas.ui.atlas.site_map import SiteMap

        try:
            site_map = SiteMap("front")
        except AtlasError as exc:  # a broken drawing file must not take the case page down
            log.warning("no skeleton map on the case page: %s", exc)
            return None
        site_map.setObjectName("caseSiteMap")
        site_map.setAccessibleName("Skeleton map of this case's lesions")
        site_map.siteClicked.connect(self._map_site_clicked)
        return site_map

    # --- showing a case --------------------------------------------------------------------
    def show_case(
        self, case_id: str, site_id: str | None = None, synchronous: bool = False
    ) -> Case:
        """Open a case (at the lesion in ``site_id``, if given); images load in the background."""
        case = self.library.get(case_id)
        if case is None:
            raise AtlasError(self.library.why_missing(case_id))
        self.save_notes()
        self.case = case
        self.edit_button.setText("Edit" if case.imported else "Edit a copy")
        self.edit_button.setToolTip(
            "Edit this case in the case editor"
            if case.imported
            else "A shipped case is not changed: edit a copy of it under a new id"
        )
        self.images = None
        self._revealed = []
        self._reveals = Reveals.of(self.notes.revealed(case.id)) if self.remember else Reveals()
        self._answer = None
        self._slices = {}
        self._series_states = {}
        self._pending_site = site_id
        self._view = self._compute_view()
        self._fill_text()
        # A new case is read from its history down, wherever the last one was left (and
        # again once its text has been laid out).
        self.text_scroll.verticalScrollBar().setValue(0)
        QTimer.singleShot(0, self, lambda: self.text_scroll.verticalScrollBar().setValue(0))
        self._fill_map()
        self._update_viewer_findings()
        self.series_tabs.blockSignals(True)
        while self.series_tabs.count():
            self.series_tabs.removeTab(0)
        self.series_tabs.blockSignals(False)
        self.viewer.set_annotations([])
        self.viewer.set_series(None)
        self.image_status.setText("Preparing the images… (synthetic studies are made once)")
        if synchronous:
            self._images_loaded(load_case_images(case))
        else:
            task = CaseImagesTask(case)
            task.signals.loaded.connect(self._images_loaded)
            task.signals.first.connect(self._first_series_made)
            self._task = task
            QThreadPool.globalInstance().start(task)
        return case

    def _fill_text(self) -> None:
        case = self.case
        assert case is not None
        self._update_titles()
        self.presentation_label.setText(html.escape(case.presentation))
        self.history_label.setText(html.escape(case.history))
        while self.labs_grid.count():
            item = self.labs_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        t = current_theme()
        for row, lab in enumerate(case.labs):
            name = _label(html.escape(lab.name), "muted")
            colour = t.warning if lab.abnormal else t.text
            marker = {"high": " ↑", "low": " ↓", "positive": " +"}.get(lab.flag, "")
            value = _label(
                f"<span style='color:{colour}'>{html.escape(lab.value_text)}{marker}</span>"
            )
            value.setWordWrap(False)  # "8.4 ×10⁹/L" stays whole; the name column gives way
            flag = _label(html.escape(lab.flag), "muted")
            # The arrow and the colour already say high, low or positive: room for the value.
            flag.setVisible(not marker and lab.flag not in ("", "normal"))
            value.setToolTip(lab.flag)
            self.labs_grid.addWidget(name, row, 0)
            self.labs_grid.addWidget(value, row, 1)
            self.labs_grid.addWidget(flag, row, 2)
        self.bookmark_toggle.blockSignals(True)
        self.bookmark_toggle.setChecked(self.notes.is_bookmarked(case.id))
        self.bookmark_toggle.blockSignals(False)
        self.notes_edit.blockSignals(True)
        self.notes_edit.setPlainText(self.notes.get(case.id).text)
        self.notes_edit.blockSignals(False)
        self.timeline.fill(case)
        self.reasoning.fill(case)  # once per case: a reveal keeps what the reader changed
        self._fill_findings()
        self._fill_diagnosis()

    def _compute_view(self) -> CaseView:
        assert self.case is not None
        baseline = None
        if self.case.timepoints.follow_up_of:
            baseline = self.library.get(self.case.timepoints.follow_up_of)
        return case_view(self.case, self._reveals, self._quiz, self._answer is not None, baseline)

    def view_state(self) -> CaseView | None:
        """What the page may show now (the domain's rules for this case and reveal state)."""
        return self._view

    def _refresh(self) -> None:
        """Show what the reveal state allows: titles, findings, diagnosis, map, image outlines."""
        if self.case is None:
            return
        self._view = self._compute_view()
        self._update_titles()
        self._fill_findings()
        self._fill_diagnosis()
        self._fill_map()
        if self.images is not None and self.viewer.series is not None:
            selected = self.viewer.selected_annotation_id()
            shown = self._visible_annotations()
            self.viewer.set_annotations(shown)
            self.viewer.reveal_all()
            if selected is not None and any(a.id == selected for a in shown):
                self.viewer.select_annotation(selected)  # its finding box stays open
        self._update_viewer_findings()

    def _update_viewer_findings(self) -> None:
        view = self._view
        self.viewer.set_findings_note("" if view is None else view.findings_hidden_because)

    def _update_titles(self) -> None:
        case = self.case
        if case is None:
            return
        view = self._view
        self.title_label.setText(html.escape(view.title))
        who = f"{case.patient.age_years:g}-year-old {SEXES[case.patient.sex]}"
        origin = "synthetic images" if case.synthetic else "imported images"
        parts = [who, origin]
        if case.timepoints.follow_up_of:
            parts.append(f"follow-up after {case.timepoints.interval_months:g} months")
        elif case.timepoints.baseline_of:
            parts.append("baseline study")
        self.meta_label.setText(" · ".join(parts))
        self.setAccessibleDescription(view.title)

    def _fill_findings(self) -> None:
        case = self.case
        assert case is not None
        view = self._view
        shown = view.show_findings
        self.reveal_button.setVisible("findings" in view.can_reveal)
        self.reveal_hint.setVisible(not shown)
        self.reveal_hint.setText(
            "Quiz me: answer below first; the findings are shown with the answer."
            if view.quiz
            else "Read the history and the images first, then reveal the findings."
        )
        self.findings_label.setVisible(shown)
        self.lesion_list.setVisible(shown)
        self.next_button.setVisible(shown)
        self.findings_label.setText(
            "<ul style='margin-left:-20px'>"
            + "".join(f"<li>{html.escape(text)}</li>" for text in case.findings)
            + "</ul>"
        )
        if not shown:
            self.findings_label.setText("")
        self.lesion_list.clear()
        for line in view.lines:
            lesion = case.lesion(line.lesion_id)
            item = QListWidgetItem(line.text)
            item.setData(Qt.ItemDataRole.UserRole, line.lesion_id)
            item.setToolTip(lesion.description if lesion is not None else "")
            self.lesion_list.addItem(item)
        rows = max(1, min(len(case.lesions), 7))
        self.lesion_list.setFixedHeight(rows * (self.lesion_list.sizeHintForRow(0) or 22) + 8)
        self._update_next_button()

    def _fill_diagnosis(self) -> None:
        case = self.case
        assert case is not None
        view = self._view
        hidden = not view.show_diagnosis
        self.answer_box.setVisible(view.quiz and not view.answered)
        self.reveal_diagnosis_button.setVisible("diagnosis" in view.can_reveal)
        self.reveal_discussion_button.setVisible("discussion" in view.can_reveal)
        self.discussion_hint.setVisible(not view.show_discussion)
        self.discussion_hint.setText(
            "Quiz me: the teaching points follow your answer."
            if view.quiz
            else "Teaching points, differentials and references, once the diagnosis is shown."
        )
        # The calculator is filled from the lesions: it waits for the findings.
        self.reasoning_card.setVisible(view.show_findings)
        self.reasoning.set_explained(view.show_diagnosis)  # the reader's ticks stay
        for dx, button in self.answer_buttons.items():
            button.setEnabled(True)
            button.setVisible(dx in DIAGNOSES)
        self.diagnosis_label.setVisible(view.show_diagnosis)
        self.discussion_label.setVisible(view.show_discussion)
        linked = self.library.linked(case)
        # The other study of the pair is no spoiler (the header says "baseline study" already),
        # except in Quiz me before the answer.
        self.linked_button.setVisible(linked is not None and not (view.quiz and not view.answered))
        if linked is not None:
            which = "follow-up" if case.timepoints.baseline_of else "baseline"
            self.linked_button.setText(f"Open the {which} study →")
            self.linked_button.setAccessibleName(f"Open the {which} study")
        if self._answer is None:
            self.feedback_label.setText("")
        self.feedback_label.setVisible(bool(self.feedback_label.text()))
        if hidden:
            self.diagnosis_label.setText("")
        if not view.show_discussion:
            self.discussion_label.setText("")
        if hidden and not view.show_discussion:
            return
        sources = bibliography()
        numbers: dict[str, int] = {}

        def cite(ids: tuple[str, ...]) -> str:
            marks = []
            for source in ids:
                numbers.setdefault(source, len(numbers) + 1)
                marks.append(str(numbers[source]))
            return f" <span style='color:{current_theme().muted}'>[{', '.join(marks)}]</span>"

        parts = [f"<p style='font-size:large'><b>{html.escape(case.diagnosis_label)}</b></p>"]
        if case.pattern_label:
            parts.append(f"<p>Lesion pattern: <b>{html.escape(pattern_text(case))}</b></p>")
        if case.outcome:
            parts.append(f"<p>{html.escape(case.outcome)}</p>")
        self.diagnosis_label.setText("" if hidden else "".join(parts))
        body = ["<p><b>Teaching points</b></p><ul style='margin-left:-20px'>"]
        body += [f"<li>{html.escape(p.text)}{cite(p.sources)}</li>" for p in case.teaching_points]
        body.append("</ul><p><b>How it differs from the alternatives</b></p>")
        body.append("<ul style='margin-left:-20px'>")
        for note in case.differential_discussion:
            body.append(
                f"<li><i>{html.escape(diagnosis_name(note.diagnosis))}</i>: "
                f"{html.escape(note.text)}{cite(note.sources)}</li>"
            )
        body.append("</ul>")
        for source in case.references:
            numbers.setdefault(source, len(numbers) + 1)
        body.append("<p><b>References</b></p><ol style='margin-left:-20px'>")
        for source, _number in sorted(numbers.items(), key=lambda item: item[1]):
            entry = sources.get(source)
            text = entry.citation if entry else source
            check = "" if entry is None or entry.verified else " (citation to check)"
            body.append(f"<li><small>{html.escape(text)}{check}</small></li>")
        body.append("</ol>")
        if not (case.teaching_points or case.differential_discussion or numbers):
            # An imported case starts without teaching: say so instead of empty headings.
            body = ["<p>No teaching points, differentials or references written yet.</p>"]
        self.discussion_label.setText("".join(body) if view.show_discussion else "")

    def _fill_map(self) -> None:
        case = self.case
        assert case is not None
        view = self._view
        if self.site_map is not None:
            self.site_map.highlight_sites(set(view.lit_sites))
            self.site_map.clear_selection()
        self.map_caption.setText(html.escape(view.map_caption))

    # --- images ----------------------------------------------------------------------------
    def _first_series_made(self, images: CaseImages) -> None:
        """The synthetic study's first series, on screen while the others are generated."""
        if self.case is None or images.case_id != self.case.id or self.images is not None:
            return
        label = next(iter(images.series))
        self.series_tabs.blockSignals(True)
        self.series_tabs.addTab(label)
        self.series_tabs.setCurrentIndex(0)
        self.series_tabs.blockSignals(False)
        self.viewer.set_series(images.series[label])
        self.image_status.setText("Showing the first series; generating the others…")
        self.firstSeriesShown.emit(images.case_id)

    def _images_loaded(self, images: CaseImages) -> None:
        if self.case is None or images.case_id != self.case.id:
            return  # a case opened since this one was asked for
        self.series_tabs.blockSignals(True)
        while self.series_tabs.count():  # the first series shown ahead of the others
            self.series_tabs.removeTab(0)
        self.series_tabs.blockSignals(False)
        self.images = images
        if images.problem and not images.series:
            self.image_status.setText(f"The images could not be shown: {images.problem}")
            self.imagesReady.emit(images.case_id)
            return
        self._slices = lesion_slices(images.annotations)
        self.series_tabs.blockSignals(True)
        for label in images.series:
            index = self.series_tabs.addTab(label)
            self.series_tabs.setTabToolTip(index, f"Show the {label} series")
        self.series_tabs.setCurrentIndex(0)
        self.series_tabs.blockSignals(False)
        status = "Synthetic images from the atlas's generator" if self.case.synthetic else ""
        self.image_status.setText(images.problem or status)
        self._show_series(0)
        if self._pending_site and self._view is not None and self._view.lit_sites:
            self.go_to_site(self._pending_site)  # not in Quiz me: that would point at a lesion
        self._pending_site = None
        self.imagesReady.emit(images.case_id)

    def series_labels(self) -> list[str]:
        return [self.series_tabs.tabText(i) for i in range(self.series_tabs.count())]

    def current_series_label(self) -> str:
        return self.series_tabs.tabText(self.series_tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        self._show_series(index)

    def _show_series(self, index: int, slice_index: int | None = None) -> None:
        if self.images is None or not 0 <= index < len(self.images.series):
            return
        label = list(self.images.series)[index]
        series = self.images.series[label]
        previous, at = self.viewer.series, self.viewer.slice_index()
        place = self._series_states.get(series.uid)
        if (
            slice_index is None
            and previous is not None
            and previous is not series
            and at >= 0
            and linked_positions_supported(previous, series)
        ):
            # One study, parallel slices: the same place in the body, whatever the index.
            slice_index = linked_slice(previous, at, series)
        if slice_index is None and place is not None:
            slice_index = place.slice
        if slice_index is None and self._revealed:
            slice_index = self._slices.get((series.uid, self._revealed[-1]))
        self._switch_series(series, slice_index, keep_framing=True)
        self.viewer.set_annotations(self._visible_annotations())
        self.viewer.reveal_all()

    def _switch_series(self, series, slice_index: int | None, keep_framing: bool) -> None:
        """Put a series in the viewer, keeping the place left on the one before and coming back
        to the window, polarity (and framing) last used on this one."""
        if self.viewer.series is series:
            if slice_index is not None:
                self.viewer.set_slice(slice_index)
            return
        if self.viewer.series is not None:
            self._series_states[self.viewer.series.uid] = self.viewer.place()
        self.viewer.set_series(series, slice_index)
        place = self._series_states.get(series.uid)
        if place is not None:
            if not keep_framing:
                place = replace(place, x_range=None, y_range=None)
            self.viewer.restore_place(place, keep_slice=True)

    def series_place(self, label: str):
        """The place kept for a series of this case (None before it was left)."""
        if self.images is None or label not in self.images.series:
            return None
        series = self.images.series[label]
        if self.viewer.series is series:
            return self.viewer.place()
        return self._series_states.get(series.uid)

    def _visible_annotations(self) -> list[Annotation]:
        if self.images is None:
            return []
        view = self._view
        if view is None or not view.show_findings or self.case is None:
            return []
        shown = set(self._revealed)
        case = self.case
        return [
            replace(a, label=safe_label(case, a.label, a.site_id, view.show_diagnosis))
            for a in self.images.annotations
            if a.lesion_id in shown
        ]

    def _select_series(self, label: str) -> None:
        labels = self.series_labels()
        if label in labels and labels.index(label) != self.series_tabs.currentIndex():
            self.series_tabs.setCurrentIndex(labels.index(label))

    def _best_series_for(self, lesion_id: str) -> str | None:
        """The series that shows a lesion best: sagittal spine or feet for those, else coronal."""
        if self.images is None or self.case is None:
            return None
        lesion = self.case.lesion(lesion_id)
        model = site_model()
        preferred = ["COR STIR"]
        if lesion is not None and lesion.site_id in model.expand("spine"):
            preferred.insert(0, "SAG spine")
        if lesion is not None and any(
            lesion.site_id in model.expand(g) for g in ("foot.left", "foot.right")
        ):
            preferred.insert(0, "SAG feet")
        for label in [*preferred, *self.images.series]:
            series = self.images.series.get(label)
            if series is not None and (series.uid, lesion_id) in self._slices:
                return label
        return None

    def go_to_lesion(self, lesion_id: str, reveal: bool = True) -> None:
        """Show the lesion on the series and slice that show it best (marking it if asked)."""
        reveal = reveal and self._findings_shown  # nothing is marked before the findings
        if reveal and lesion_id not in self._revealed:
            self._revealed.append(lesion_id)
        label = self._best_series_for(lesion_id)
        if label is None:
            self._update_next_button()
            return
        series = self.images.series[label]
        target = self._slices[(series.uid, lesion_id)]
        self.series_tabs.blockSignals(True)
        self.series_tabs.setCurrentIndex(self.series_labels().index(label))
        self.series_tabs.blockSignals(False)
        self._switch_series(series, target, keep_framing=False)
        self.viewer.set_annotations(self._visible_annotations())
        self.viewer.reveal_all()
        self.viewer.set_slice(target)
        if reveal or lesion_id in self._revealed:
            on_slice = [
                a
                for a in self.images.annotations
                if a.lesion_id == lesion_id and a.series_uid == series.uid and a.slice == target
            ]
            if on_slice:
                self.viewer.select_annotation(on_slice[0].id)  # shows the finding beside it
        for row in range(self.lesion_list.count()):
            item = self.lesion_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == lesion_id:
                self.lesion_list.setCurrentItem(item)
        if self.site_map is not None and self.case is not None:
            lesion = self.case.lesion(lesion_id)
            if lesion is not None:
                self.site_map.set_selection([lesion.site_id])  # select() would report a click
        self._update_next_button()

    def go_to_site(self, site_id: str) -> bool:
        """Open the case on the slice showing its lesion in ``site_id`` (a site or a group)."""
        if self.case is None:
            return False
        lesions = self.case.lesions_at(site_id)
        if not lesions:
            return False
        self.go_to_lesion(lesions[0].id, reveal=self._findings_shown)
        return True

    # --- findings, quiz, notes -------------------------------------------------------------
    @property
    def _findings_shown(self) -> bool:
        return self._view is not None and self._view.show_findings

    def _reveal(self, stage: str) -> bool:
        """Reveal one stage (remembered for this case); False in Quiz me before the answer."""
        if self.case is None or (self._quiz and self._answer is None):
            return False
        self._reveals = self._reveals.with_stage(stage)
        if self.remember:
            self.notes.set_revealed(self.case.id, self._reveals.stages())
            self._show_notes_problem()
        self._refresh()
        return True

    def revealed_stages(self) -> tuple[str, ...]:
        return self._reveals.stages()

    def reveal_findings(self, mark_first: bool = True) -> None:
        """Show the findings text and lesion list (and mark the first lesion on the images)."""
        if not self._reveal("findings"):
            return
        if mark_first:
            self.reveal_next()

    def reveal_diagnosis(self) -> None:
        """Show the diagnosis, the pattern and the outcome (the title becomes the real one)."""
        self._reveal("diagnosis")

    def reveal_discussion(self) -> None:
        """Show the teaching points, the differentials and the references."""
        if "diagnosis" not in self._reveals.stages():
            self._reveal("diagnosis")
        self._reveal("discussion")

    def reveal_next(self) -> str | None:
        """Mark the next lesion on the images; returns its id (None when all are shown)."""
        if self.case is None:
            return None
        if not self._findings_shown:
            self.reveal_findings()
            return self._revealed[-1] if self._revealed and self._findings_shown else None
        for lesion in self.case.lesions:
            if lesion.id not in self._revealed:
                self.go_to_lesion(lesion.id)
                return lesion.id
        return None

    def revealed_lesions(self) -> list[str]:
        return list(self._revealed)

    def _update_next_button(self) -> None:
        if self.case is None:
            return
        left = [lesion for lesion in self.case.lesions if lesion.id not in self._revealed]
        self.next_button.setEnabled(bool(left))
        self.next_button.setText(
            f"Next finding ({len(left)} more)" if left else "All findings shown"
        )

    def _lesion_chosen(self, item: QListWidgetItem) -> None:
        self.go_to_lesion(item.data(Qt.ItemDataRole.UserRole))

    def _map_site_clicked(self, site_id: str) -> None:
        if self.case is None or not self._view.lit_sites:
            return  # Quiz me: the map gives nothing away, a click neither
        lesions = self.case.lesions_at(site_id)
        if lesions:
            self.go_to_lesion(lesions[0].id, reveal=self._findings_shown)

    def _diagnosis_hidden(self) -> bool:
        return self._view is None or not self._view.show_diagnosis

    def set_quiz_mode(self, on: bool) -> None:
        if self._quiz == bool(on):
            return
        self._quiz = bool(on)
        self.quiz_toggle.blockSignals(True)
        self.quiz_toggle.setChecked(self._quiz)
        self.quiz_toggle.blockSignals(False)
        self._answer = None
        if self.case is not None:
            if self._quiz:
                self._revealed = []
                self.viewer.clear_selection()
            self._refresh()
        self.quizChanged.emit(self._quiz)

    def quiz_mode(self) -> bool:
        return self._quiz

    def answer(self, diagnosis: str) -> bool:
        """The reader's answer in quiz mode: shows whether it is right, then the diagnosis."""
        if self.case is None:
            return False
        right = diagnosis == self.case.diagnosis
        self._answer = diagnosis
        t = current_theme()
        chosen = html.escape(DIAGNOSES.get(diagnosis, diagnosis))
        if right:
            text = f"<b style='color:{t.accent}'>Correct</b>: {chosen}."
        else:
            text = (
                f"<b style='color:{t.warning}'>Not this time</b>: you chose {chosen}; "
                "the answer is below."
            )
        self.feedback_label.setText(text)
        self._revealed = [lesion.id for lesion in self.case.lesions]  # all outlined now
        self._refresh()
        if self.case.lesions and self.images is not None:
            self.go_to_lesion(self.case.lesions[0].id)
        return right

    def diagnosis_visible(self) -> bool:
        return not self._diagnosis_hidden()

    def _bookmark_toggled(self, on: bool) -> None:
        if self.case is not None:
            self.notes.set_bookmark(self.case.id, on)
            self._show_notes_problem()

    def save_notes(self) -> None:
        self._save_timer.stop()
        if self.case is not None:
            self.notes.set_text(self.case.id, self.notes_edit.toPlainText())
            self._show_notes_problem()

    def _show_notes_problem(self) -> None:
        problem = getattr(self.notes, "problem", None) or ""
        self.notes_status.setText(problem)
        self.notes_status.setVisible(bool(problem))

    def _open_linked(self) -> None:
        if self.case is not None:
            linked = self.library.linked(self.case)
            if linked is not None:
                self.openLinkedCase.emit(linked.id)

    def hideEvent(self, event) -> None:
        self.save_notes()
        super().hideEvent(event)
