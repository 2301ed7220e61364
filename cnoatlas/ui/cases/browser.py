"""The Cases page: a filterable grid of teaching cases with image thumbnails, and the case reader.

Thumbnails are the coronal STIR slice with most of a case's lesions. The atlas ships them
(assets/thumbnails, see library/thumbnails.py), so every card has its picture at once; a case
whose description changed, or an imported one, gets its picture made on a worker thread from a
small in-memory rendering, kept as PNG in the user cache.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.cases import (
    AGE_BANDS,
    DIAGNOSES,
    PATTERNS,
    Case,
    CaseFilter,
    CaseLibrary,
    case_library,
)
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.user_notes import UserNotes
from cnoatlas.library import thumbnails
from cnoatlas.ui.cases.names import SHORT_DIAGNOSES
from cnoatlas.ui.common.flow import FlowLayout
from cnoatlas.ui.common.theme import current_theme
from cnoatlas.ui.common.views import ViewRequest, new_main_window, register_view, settle

if TYPE_CHECKING:  # the reader (pydicom, the image loading) is imported when a case opens
    from cnoatlas.ui.cases.page import CasePage

log = logging.getLogger("cnoatlas.cases")
# Small enough for five cards a row and two rows on a 1366x768 laptop; a whole-body coronal
# slice stays recognisable at this height.
THUMB_SIZE = QSize(100, 228)
CARD_WIDTH = THUMB_SIZE.width() + 128  # the narrowest a card gets; columns share what is left
_ROLE_ID = Qt.ItemDataRole.UserRole


# --- thumbnails ---------------------------------------------------------------------------
def thumbnail_path(case: Case) -> Path:
    """Where a thumbnail made on this machine is cached; the name changes with the images."""
    return thumbnails.cached_thumbnail(case, (THUMB_SIZE.width(), THUMB_SIZE.height()))


def shipped_thumbnail(case: Case) -> QImage | None:
    """The picture the atlas ships for this case, if its description has not changed since."""
    path = thumbnails.shipped_thumbnail(case)
    if not path.is_file():
        return None
    image = QImage(str(path))
    return None if image.isNull() else image


def cached_thumbnail(case: Case) -> QImage | None:
    """A ready picture (shipped, or made here before): instant, fine on the GUI thread."""
    image = shipped_thumbnail(case)
    if image is not None:
        return image
    cached = thumbnail_path(case)
    if cached.is_file():
        image = QImage(str(cached))
        if not image.isNull():
            return image
    return None


def fit_thumbnail(thumb: thumbnails.ThumbPixels) -> QImage:
    """Grey pixels to a QImage of at most THUMB_SIZE, in the body's true proportions."""
    pixels = thumb.pixels
    rows, cols = pixels.shape
    image = QImage(pixels.data, cols, rows, cols, QImage.Format.Format_Grayscale8).copy()
    aspect = thumb.aspect if thumb.aspect > 0 else 1.0
    true_size = QSize(round(cols / aspect), rows) if aspect != 1.0 else QSize(cols, rows)
    return image.scaled(
        true_size.scaled(THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def make_thumbnail(case: Case, scale: float = thumbnails.SMALL_SCALE) -> QImage:
    """The card's picture: shipped or cached if there is one, else made (slow: a worker)."""
    image = cached_thumbnail(case)
    if image is not None:
        return image
    scaled = fit_thumbnail(thumbnails.case_pixels(case, scale))
    cached = thumbnail_path(case)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".part.png")
    scaled.save(str(tmp), "PNG")
    tmp.replace(cached)
    return scaled


class _ThumbSignals(QObject):
    ready = Signal(str, QImage)
    failed = Signal(str, str)


class ThumbnailTask(QRunnable):
    def __init__(self, case: Case, cancel: threading.Event) -> None:
        super().__init__()
        self.case = case
        self.cancel = cancel
        self.signals = _ThumbSignals()

    def run(self) -> None:
        if self.cancel.is_set():
            return
        try:
            image, problem = make_thumbnail(self.case), ""
        except Exception as exc:  # a missing thumbnail must never break the browser
            log.warning("no thumbnail for case %s: %s", self.case.id, exc)
            image, problem = None, str(exc)
        if self.cancel.is_set():
            return
        with contextlib.suppress(RuntimeError):  # the browser was closed meanwhile
            if image is not None:
                self.signals.ready.emit(self.case.id, image)
            else:
                self.signals.failed.emit(self.case.id, problem)


_PLACEHOLDERS: dict[tuple[str, str, str], QPixmap] = {}


def _placeholder(text: str) -> QPixmap:
    """The black card with a word on it, painted once per text, theme and font, and shared by
    every card that waits (a page of stale thumbnails paints one, not one per card)."""
    t = current_theme()
    key = (text, str(t.muted), QFont().toString())  # the application font: its size too
    pixmap = _PLACEHOLDERS.get(key)
    if pixmap is None:
        pixmap = _PLACEHOLDERS[key] = _paint_placeholder(text, t.muted)
    return pixmap


def _paint_placeholder(text: str, colour) -> QPixmap:
    pixmap = QPixmap(THUMB_SIZE)
    pixmap.fill(QColor("#000000"))
    painter = QPainter(pixmap)
    painter.setPen(QColor(colour))
    font = QFont(painter.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    painter.setFont(font)
    painter.drawText(
        pixmap.rect().adjusted(8, 8, -8, -8),
        Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
        text,
    )
    painter.end()
    return pixmap


def _framed(image: QImage) -> QPixmap:
    """The thumbnail centred on a black card of THUMB_SIZE, as a radiology viewer shows it."""
    pixmap = QPixmap(THUMB_SIZE)
    pixmap.fill(QColor("#000000"))
    painter = QPainter(pixmap)
    x = (THUMB_SIZE.width() - image.width()) // 2
    y = (THUMB_SIZE.height() - image.height()) // 2
    painter.drawImage(x, y, image)
    painter.end()
    return pixmap


# --- the browser --------------------------------------------------------------------------
class CaseBrowser(QWidget):
    """Filters, search and a grid of case cards; ``caseOpened`` when one is chosen."""

    caseOpened = Signal(str)
    thumbnailReady = Signal(str)
    caseImported = Signal(str)  # a case id, after "Import DICOM…"
    departmentRequested = Signal()  # "Department library"
    newCaseRequested = Signal()  # "New case…"
    draftRequested = Signal(str)  # a case id whose draft is left on disk: "Drafts" menu
    # Thumbnails start when the grid is first shown; tests may turn this off.
    AUTO_THUMBNAILS = True

    def __init__(self, library: CaseLibrary | None = None, notes: UserNotes | None = None) -> None:
        super().__init__()
        self.setObjectName("caseBrowser")
        self.setAccessibleName("Case library")
        self.library = library or case_library()
        self.notes = notes or UserNotes()
        self._thumbs: dict[str, QImage] = {}
        self._failed: dict[str, str] = {}
        self._requested: set[str] = set()
        self._tasks: list[ThumbnailTask] = []
        self._cancel = threading.Event()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(700)
        self._thumb_timer.timeout.connect(
            self.request_thumbnails
        )  # generation is heavy; one at a time keeps the UI smooth

        title = QLabel("Teaching cases")
        title.setObjectName("casesTitle")
        title.setProperty("role", "title")
        self.count_label = QLabel()
        self.count_label.setObjectName("caseCount")
        self.count_label.setProperty("role", "muted")

        self.search = QLineEdit()
        self.search.setObjectName("caseSearch")
        self.search.setAccessibleName("Search the cases")
        self.search.setPlaceholderText("Search history, findings and discussion…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)

        def combo(name: str, accessible: str, items: list[tuple[str, object]]) -> QComboBox:
            box = QComboBox()
            box.setObjectName(name)
            box.setAccessibleName(accessible)
            for text, value in items:
                box.addItem(text, value)
            # Long entries (bone names, patterns) must not widen the page on a small screen.
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(9)
            box.currentIndexChanged.connect(self.refresh)
            return box

        self.diagnosis_filter = combo(
            "caseDiagnosisFilter",
            "Diagnosis",
            [("All diagnoses", None)] + [(DIAGNOSES[d], d) for d in self.library.diagnoses()],
        )
        self.site_filter = combo(
            "caseSiteFilter",
            "Site",
            [("All sites", None)] + [(name, gid) for gid, name in self.library.site_groups()],
        )
        self.age_filter = combo(
            "caseAgeFilter",
            "Age",
            [("All ages", None)] + [(label, band) for band, label, _lo, _hi in AGE_BANDS],
        )
        self.pattern_filter = combo(
            "casePatternFilter",
            "CNO pattern",
            [("All patterns", None)] + [(label, p) for p, label in PATTERNS.items()],
        )
        self.origin_filter = combo(
            "caseOriginFilter",
            "Image origin",
            [("All images", None), ("Synthetic", True), ("Imported", False)],
        )
        self.origin_filter.setToolTip("The atlas's synthetic cases, the ones you imported, or all")
        self.bookmarked_only = QCheckBox("Bookmarked")
        self.bookmarked_only.setObjectName("caseBookmarkedFilter")
        self.bookmarked_only.setAccessibleName("Show bookmarked cases only")
        self.bookmarked_only.toggled.connect(self.refresh)
        self.quiz_toggle = QCheckBox("Quiz me")
        self.quiz_toggle.setObjectName("browserQuizToggle")
        self.quiz_toggle.setAccessibleName("Quiz me: hide diagnoses")
        self.quiz_toggle.setToolTip(
            "Hide titles and diagnoses: cards show only the presentation, and the search looks "
            "only at what a candidate would be told"
        )
        self.quiz_toggle.toggled.connect(self._quiz_toggled)

        # Filters wrap onto more lines rather than widen the page (small screens, large scales).
        filters = FlowLayout(spacing=8)
        self.search.setMinimumWidth(160)
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        filters.addWidget(self.search)
        for widget in (
            self.diagnosis_filter,
            self.site_filter,
            self.age_filter,
            self.pattern_filter,
            self.origin_filter,
        ):
            filters.addWidget(widget)
        filters.addWidget(self.bookmarked_only)
        filters.addWidget(self.quiz_toggle)

        self.grid = QListWidget()
        self.grid.setObjectName("caseGrid")
        self.grid.setAccessibleName("Cases: Enter opens the case")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setIconSize(THUMB_SIZE)
        self.grid.setGridSize(QSize(CARD_WIDTH, THUMB_SIZE.height() + 96))
        self.grid.setWordWrap(True)
        self.grid.setUniformItemSizes(True)
        self.grid.setSpacing(6)
        self.grid.itemActivated.connect(self._activated)
        self.grid.itemClicked.connect(self._activated)

        self.empty_label = QLabel("No case matches these filters.")
        self.empty_label.setObjectName("caseEmpty")
        self.empty_label.setProperty("role", "muted")
        self.empty_label.hide()
        self.problems_label = QLabel()
        self.problems_label.setObjectName("caseProblems")
        self.problems_label.setProperty("role", "disclaimer")
        self.problems_label.setWordWrap(True)
        told = []
        if self.library.problems:
            shown = "; ".join(str(p) for p in self.library.problems[:3])
            told.append(f"{len(self.library.problems)} problem(s) kept some cases out: {shown}")
        if getattr(self.notes, "problem", None):  # notes set aside or not saved: say so
            told.append(f"Notes: {self.notes.problem}")
        self.problems_label.setText("  ".join(told))
        self.problems_label.setVisible(bool(told))

        self.import_button = QPushButton("Import DICOM…")
        self.import_button.setObjectName("caseImportButton")
        self.import_button.setAccessibleName("Import DICOM images as a de-identified case")
        self.import_button.setToolTip(
            "Copy a DICOM folder or zip as a new case, with names and IDs removed"
        )
        self.import_button.clicked.connect(self.open_import_dialog)
        self.package_button = QPushButton("Import case package…")
        self.package_button.setObjectName("casePackageButton")
        self.package_button.setAccessibleName("Import a case package (.cnocase) from a colleague")
        self.package_button.setToolTip("Add a case a colleague packed with 'cnoatlas cases pack'")
        self.package_button.clicked.connect(lambda: self.import_package())
        self.department_button = QPushButton("Department library")
        self.department_button.setObjectName("caseDepartmentButton")
        self.department_button.setAccessibleName("The department's teaching library")
        self.department_button.setToolTip("Teaching files shared on your department's server")
        self.department_button.clicked.connect(self.departmentRequested)

        self.new_button = QPushButton("New case…")
        self.new_button.setObjectName("caseNewButton")
        self.new_button.setAccessibleName("Write a new case in the case editor")
        self.new_button.setToolTip("Write your own case: synthetic images or your imported DICOM")
        self.new_button.clicked.connect(self.newCaseRequested)
        self.drafts_button = QToolButton()
        self.drafts_button.setObjectName("caseDraftsButton")
        self.drafts_button.setAccessibleName("Drafts left in the case editor")
        self.drafts_button.setToolTip("Cases you were writing: open one to go on where you left it")
        self.drafts_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.drafts_menu = QMenu(self.drafts_button)
        self.drafts_button.setMenu(self.drafts_menu)
        self.refresh_drafts()

        heading = FlowLayout(spacing=10)
        title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        for widget in (
            title,
            self.count_label,
            self.drafts_button,
            self.new_button,
            self.department_button,
            self.package_button,
            self.import_button,
        ):
            heading.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 12)
        layout.setSpacing(10)
        layout.addLayout(heading)
        layout.addLayout(filters)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.empty_label)
        self.refresh()

    # --- filtering -------------------------------------------------------------------------
    def current_filter(self) -> CaseFilter:
        return CaseFilter(
            diagnosis=self.diagnosis_filter.currentData(),
            site_group=self.site_filter.currentData(),
            age_band=self.age_filter.currentData(),
            pattern=self.pattern_filter.currentData(),
            synthetic=self.origin_filter.currentData(),
            text=self.search.text(),
            hide_diagnosis=self.quiz_toggle.isChecked(),
        )

    def open_import_dialog(self):
        """The import dialog (modeless); an imported case joins the library at once."""
        from cnoatlas.ui.cases.import_dialog import ImportDialog

        dialog = ImportDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self.caseImported)
        dialog.openCase.connect(self.caseOpened)
        dialog.show()
        return dialog

    def import_package(self, path: str | None = None, ask=None) -> str | None:
        """Unpack a .cnocase file into the library (asking before replacing a case); its id."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from cnoatlas.library.packages import CaseExists, unpack_case

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import case package", "", "Case packages (*.cnocase)"
            )
            if not path:
                return None
        ask = ask or (
            lambda text: QMessageBox.question(self, "Replace the case?", text)
            == QMessageBox.StandardButton.Yes
        )
        try:
            try:
                result = unpack_case(Path(path))
            except CaseExists as exc:
                question = (
                    f"Your library already has a case '{exc.case_id}'. "
                    "Replace it with the one in the package?"
                )
                if not ask(question):
                    return None
                result = unpack_case(Path(path), replace=True)
        except AtlasError as exc:
            self.problems_label.setText(str(exc))
            self.problems_label.show()
            return None
        self.caseImported.emit(result.case_id)
        return result.case_id

    def set_library(self, library: CaseLibrary) -> None:
        self.library = library
        self.refresh()
        self.refresh_drafts()

    def refresh_drafts(self) -> None:
        """The drafts left on disk (an editor closed, or the atlas killed, mid-edit)."""
        from cnoatlas.library.drafts import pending_drafts

        pending = pending_drafts()
        self.drafts_menu.clear()
        for case_id in pending:
            action = self.drafts_menu.addAction(case_id)
            action.triggered.connect(lambda _on=False, c=case_id: self.draftRequested.emit(c))
        self.drafts_button.setText(f"Drafts ({len(pending)})")
        self.drafts_button.setVisible(bool(pending))

    def visible_case_ids(self) -> list[str]:
        return [self.grid.item(i).data(_ROLE_ID) for i in range(self.grid.count())]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._spread_columns)  # once the grid has its new width

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            QTimer.singleShot(0, self, self._spread_columns)  # a new scale: new card text room

    def _spread_columns(self) -> None:
        """Widen the cards so the columns fill the row, with no empty strip at the right."""
        width = self.grid.viewport().width() - 2 * self.grid.spacing()
        # At a large scale a card is wide enough for about 22 characters a line, and tall enough
        # for four lines of its text (at 1.0 the fixed card size is larger than both).
        fm = self.grid.fontMetrics()
        narrowest = max(CARD_WIDTH, round(fm.averageCharWidth() * 22))
        columns = max(1, width // narrowest)
        text = max(96, round(4 * fm.lineSpacing() + 14))
        card = QSize(max(narrowest, width // columns), THUMB_SIZE.height() + text)
        if card != self.grid.gridSize():
            self.grid.setGridSize(card)

    def refresh(self) -> None:
        cases = self.library.filter(self.current_filter())
        if self.bookmarked_only.isChecked():
            marked = set(self.notes.bookmarks())
            cases = [c for c in cases if c.id in marked]
        quiz = self.quiz_toggle.isChecked()
        if quiz:  # grouping by diagnosis would hint at the answer
            cases.sort(key=lambda c: c.presenting_title.lower())
        else:
            order = list(DIAGNOSES)
            cases.sort(key=lambda c: (order.index(c.diagnosis), c.title.lower()))
        # In quiz mode the diagnosis and pattern filters would give the answer away.
        self.diagnosis_filter.setEnabled(not quiz)
        self.pattern_filter.setEnabled(not quiz)
        self.grid.clear()
        for case in cases:
            item = QListWidgetItem(self._card_text(case, quiz))
            item.setData(_ROLE_ID, case.id)
            item.setToolTip(case.presentation)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            item.setIcon(QIcon(self._pixmap(case.id)))
            self.grid.addItem(item)
        self.empty_label.setVisible(not cases)
        self.count_label.setText(f"{len(cases)} of {len(self.library)} cases")
        if self.isVisible() and self.AUTO_THUMBNAILS:
            self._thumb_timer.start()

    def _card_text(self, case: Case, quiz: bool) -> str:
        star = "★ " if self.notes.is_bookmarked(case.id) else ""
        if quiz:
            return f"{star}{case.presenting_title}"
        sex = "girl" if case.patient.sex == "F" else "boy"
        short = SHORT_DIAGNOSES.get(case.diagnosis, case.diagnosis_label).split(" /")[0]
        return f"{star}{short} · {case.patient.age_years:g} y {sex}\n{case.title}"

    def _quiz_toggled(self, on: bool) -> None:
        if on:
            self.diagnosis_filter.setCurrentIndex(0)
            self.pattern_filter.setCurrentIndex(0)
        self.refresh()

    def set_quiz_mode(self, on: bool) -> None:
        self.quiz_toggle.setChecked(on)

    def _activated(self, item: QListWidgetItem) -> None:
        self.caseOpened.emit(item.data(_ROLE_ID))

    # --- thumbnails ------------------------------------------------------------------------
    def _pixmap(self, case_id: str) -> QPixmap:
        if case_id not in self._thumbs and case_id not in self._failed:
            case = self.library.get(case_id)
            ready = cached_thumbnail(case) if case is not None else None
            if ready is not None:  # shipped or made before: no worker needed
                self._thumbs[case_id] = ready
        if case_id in self._thumbs:
            return _framed(self._thumbs[case_id])
        if case_id in self._failed:
            return _placeholder("No image")
        return _placeholder("Preparing images…")

    def request_thumbnails(self) -> None:
        """Queue a thumbnail for every shown case that has none yet (worker thread)."""
        for case_id in self.visible_case_ids():
            if case_id in self._thumbs or case_id in self._requested:
                continue
            case = self.library.get(case_id)
            if case is None:
                continue
            self._requested.add(case_id)
            task = ThumbnailTask(case, self._cancel)
            task.signals.ready.connect(self._thumbnail_ready)
            task.signals.failed.connect(self._thumbnail_failed)
            self._tasks.append(task)
            task.setAutoDelete(False)
            self.pool.start(task)

    def load_thumbnails_now(self) -> None:
        """Make every thumbnail on this thread (screenshots and tests only: it blocks)."""
        for case_id in self.visible_case_ids():
            case = self.library.get(case_id)
            if case is not None and case_id not in self._thumbs:
                try:
                    self._thumbnail_ready(case_id, make_thumbnail(case))
                except Exception as exc:
                    self._thumbnail_failed(case_id, str(exc))

    def has_thumbnail(self, case_id: str) -> bool:
        return case_id in self._thumbs

    def _set_icon(self, case_id: str) -> None:
        for i in range(self.grid.count()):
            item = self.grid.item(i)
            if item.data(_ROLE_ID) == case_id:
                item.setIcon(QIcon(self._pixmap(case_id)))

    def _thumbnail_ready(self, case_id: str, image: QImage) -> None:
        self._thumbs[case_id] = image
        self._set_icon(case_id)
        self.thumbnailReady.emit(case_id)

    def _thumbnail_failed(self, case_id: str, reason: str) -> None:
        self._failed[case_id] = reason
        self._set_icon(case_id)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.AUTO_THUMBNAILS:
            # A moment's delay: paging through the sections should not start the generator.
            self._thumb_timer.start()

    def hideEvent(self, event) -> None:
        # Out of sight, queued thumbnails wait: a closing window then waits for one task at most.
        self._thumb_timer.stop()
        self.pool.clear()
        self._requested = set(self._thumbs) | set(self._failed)
        super().hideEvent(event)

    def stop_thumbnails(self) -> None:
        """Drop queued thumbnails and wait for the one being made (closing, tests)."""
        self._cancel.set()
        self.pool.clear()
        self.pool.waitForDone()
        self._cancel = threading.Event()
        self._requested = set(self._thumbs)


class CasesPage(QStackedWidget):
    """The Cases section: the browser, and the case reader it opens.

    The reader (with the image viewer, pyqtgraph and pydicom behind it) is built when a case is
    first opened, so the browser and its cards show at once on first run.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("page-cases")
        self.setAccessibleName("Cases page")
        self.library = case_library()
        self.notes = UserNotes()
        self.browser = CaseBrowser(self.library, self.notes)
        self._case_page: CasePage | None = None
        self._department = None  # the Department library view, built on first use
        self.addWidget(self.browser)
        self.browser.departmentRequested.connect(lambda: self.setCurrentWidget(self.department))
        self.browser.caseOpened.connect(lambda case_id: self.open_case(case_id))
        self.browser.quiz_toggle.toggled.connect(self._browser_quiz_toggled)
        self.browser.caseImported.connect(self.reload_library)
        self.browser.newCaseRequested.connect(self.new_case)
        self.browser.draftRequested.connect(self.resume_draft)
        self.editor = None  # the case editor, while one is open

    @property
    def case_page(self) -> CasePage:
        """The case reader, built on first use."""
        if self._case_page is None:
            from cnoatlas.ui.cases.page import CasePage

            reader = CasePage(self.library, self.notes)
            self._case_page = reader
            self.addWidget(reader)
            reader.backRequested.connect(self.show_browser)
            reader.openLinkedCase.connect(lambda case_id: self.open_case(case_id))
            reader.quizChanged.connect(self.browser.set_quiz_mode)
            reader.editRequested.connect(lambda case_id: self.edit_case(case_id))
            if self.browser.quiz_toggle.isChecked():
                reader.set_quiz_mode(True)
        return self._case_page

    @property
    def department(self):
        """The department's teaching library (DICOMweb), built on first use."""
        if self._department is None:
            from cnoatlas.ui.cases.department import DepartmentLibrary

            self._department = DepartmentLibrary()
            self.addWidget(self._department)
            self._department.backRequested.connect(self.show_browser)
            self._department.caseArrived.connect(self._case_arrived)
        return self._department

    def _browser_quiz_toggled(self, on: bool) -> None:
        if self._case_page is not None:
            self._case_page.set_quiz_mode(on)

    def closeEvent(self, event) -> None:
        self.browser.stop_thumbnails()
        super().closeEvent(event)

    def reload_library(self, _case_id: str = "") -> None:
        """Read the cases again (an import or the case editor added one)."""
        from cnoatlas.domain.playlist import forget_catalogue

        self.library = case_library(reload=True)
        forget_catalogue()  # the playlist editor offers the new case too
        if self._case_page is not None:
            self._case_page.library = self.library
        self.browser.set_library(self.library)

    def _case_arrived(self, case_id: str) -> None:
        """A pulled teaching file: into the library, and open it."""
        self.reload_library()
        self.open_case(case_id)

    def open_case(self, case_id: str, site_id: str | None = None, synchronous: bool = False):
        """Show a case, at its lesion in ``site_id`` when given (the map's hook)."""
        case = self.case_page.show_case(case_id, site_id or None, synchronous=synchronous)
        self.setCurrentWidget(self.case_page)
        return case

    # --- the case editor ------------------------------------------------------------------
    def open_editor(self, session, images_loader=None):
        """Show the case editor on a draft (closing the one open, its draft kept)."""
        from cnoatlas.ui.cases.editor.window import CaseEditor

        self._close_editor_widget()
        editor = CaseEditor(session, images_loader)
        self.editor = editor
        self.addWidget(editor)
        editor.caseReady.connect(self._editor_ready)
        editor.closed.connect(self._editor_closed)
        self.setCurrentWidget(editor)
        return editor

    def _close_editor_widget(self) -> None:
        if self.editor is not None:
            editor, self.editor = self.editor, None
            editor.commit_pending()
            editor.stop()
            editor.session.close()
            self.removeWidget(editor)
            editor.deleteLater()

    def new_case(self, choice=None, images_loader=None):
        """ "New case…": a synthetic draft, or an import whose case then opens in the editor.

        ``choice``: (case id, "synthetic" or "dicom", age, sex) instead of asking."""
        from cnoatlas.library.drafts import new_draft
        from cnoatlas.ui.cases.editor.window import NewCaseDialog

        if choice is None:
            dialog = NewCaseDialog(self)
            if not dialog.exec():
                return None
            choice = dialog.choice()
        case_id, source, age, sex = choice
        if source == "dicom":
            dialog = self.browser.open_import_dialog()
            dialog.case_id_edit.setText(case_id)
            dialog.age_box.setValue(age)
            dialog.sex_box.setCurrentIndex(max(0, dialog.sex_box.findData(sex)))
            dialog.imported.connect(
                lambda new_id: self.edit_case(new_id, images_loader=images_loader)
            )
            return dialog
        try:
            session = new_draft(case_id, "synthetic", age, sex)
        except AtlasError as exc:
            self.browser.problems_label.setText(str(exc))
            self.browser.problems_label.show()
            return None
        return self.open_editor(session, images_loader)

    def edit_case(self, case_id: str, copy_id: str | None = None, images_loader=None):
        """ "Edit" a user case (its draft, if one is left), or "Edit a copy" of a shipped one."""
        from PySide6.QtWidgets import QInputDialog

        from cnoatlas.library.drafts import copy_case, edit_case

        self.reload_library()
        case = self.library.get(case_id)
        if case is None:
            self.browser.problems_label.setText(self.library.why_missing(case_id))
            self.browser.problems_label.show()
            return None
        try:
            if case.imported:
                session = edit_case(case)
            else:
                if copy_id is None:
                    copy_id, ok = QInputDialog.getText(
                        self,
                        "Edit a copy",
                        "Id of your copy:",
                        text=_free_copy_id(self.library, case_id),
                    )
                    if not ok or not copy_id.strip():
                        return None
                session = copy_case(case, copy_id.strip())
        except AtlasError as exc:
            target = self._case_page.image_status if self._case_page is not None else None
            if target is not None and self.currentWidget() is self._case_page:
                target.setText(str(exc))
            else:
                self.browser.problems_label.setText(str(exc))
                self.browser.problems_label.show()
            return None
        return self.open_editor(session, images_loader)

    def resume_draft(self, case_id: str, images_loader=None):
        """Open a draft left on disk: its journal is replayed, nothing typed is lost."""
        from cnoatlas.library.drafts import recover

        try:
            session = recover(case_id)
        except AtlasError as exc:
            self.browser.problems_label.setText(str(exc))
            self.browser.problems_label.show()
            return None
        return self.open_editor(session, images_loader)

    def _editor_ready(self, case_id: str) -> None:
        self.reload_library()

    def _editor_closed(self) -> None:
        self._close_editor_widget()
        self.browser.refresh_drafts()
        self.show_browser()

    def show_browser(self) -> None:
        if self._case_page is not None:
            self._case_page.save_notes()
        self.browser.refresh()
        self.setCurrentWidget(self.browser)

    def keyPressEvent(self, event) -> None:
        reader = self._case_page
        if event.key() == Qt.Key.Key_Escape and reader is not None and self.currentWidget() is reader:
            self.show_browser()
            return
        super().keyPressEvent(event)


def _free_copy_id(library: CaseLibrary, case_id: str) -> str:
    from cnoatlas.domain.cases import user_cases_dir

    base, n = f"{case_id}-copy", 1
    candidate = base
    while candidate in library or (user_cases_dir() / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# --- screenshot views ---------------------------------------------------------------------
def _cases_window(request: ViewRequest):

    window = new_main_window()
    window.resize(*request.size)
    window.show_page("cases")
    return window, window.page("cases")


@register_view("case", "a teaching case with its first series on screen", argument="a case id")
def _case_view(request: ViewRequest, state: str = "") -> QWidget:
    case_id = request.argument or ""
    if case_library().get(case_id) is None:
        if case_library().problems_of(case_id):  # there, but broken: say what is wrong
            raise AtlasError(case_library().why_missing(case_id))
        known = ", ".join(case_library().cases)
        raise AtlasError(f"unknown case '{case_id}' (known cases: {known})")
    model = site_model()
    if request.select is not None and not model.is_known(request.select):
        raise AtlasError(f"--select: unknown site '{request.select}' (see 'cnoatlas sites')")
    window, page = _cases_window(request)
    # A screenshot shows the case as a first reader sees it: the user's reveals are not read
    # (nor are the view's own reveals written to them).
    page.case_page.remember = False
    page.case_page.set_quiz_mode(state == "quiz")
    page.open_case(case_id, synchronous=True)
    if state == "revealed":
        page.case_page.reveal_findings()
        page.case_page.reveal_discussion()
    if request.select is not None:
        # A chosen site: show the findings and that lesion marked on its best slice.
        page.case_page.reveal_findings(mark_first=False)
        if not page.case_page.go_to_site(request.select):
            raise AtlasError(f"--select: case '{case_id}' has no lesion in '{request.select}'")
        page.case_page.go_to_lesion(page.case_page.case.lesions_at(request.select)[0].id)
    if request.slice is not None:
        viewer = page.case_page.viewer
        if not 0 <= request.slice < viewer.slice_count():
            raise AtlasError(
                f"--slice {request.slice}: the series has slices 0 to {viewer.slice_count() - 1}"
            )
        viewer.set_slice(request.slice)
    return window


@register_view(
    "case-quiz", "a teaching case in Quiz me, before the answer (no hints)", argument="a case id"
)
def _case_quiz_view(request: ViewRequest) -> QWidget:
    return _case_view(request, "quiz")


@register_view(
    "case-revealed",
    "a teaching case with findings, diagnosis and discussion revealed",
    argument="a case id",
)
def _case_revealed_view(request: ViewRequest) -> QWidget:
    return _case_view(request, "revealed")


@register_view("cases", "the case library: filters, search and thumbnails")
def _cases_view(request: ViewRequest) -> QWidget:
    window, page = _cases_window(request)
    page.browser.AUTO_THUMBNAILS = False
    page.browser.load_thumbnails_now()
    return window


@register_view(
    "editor",
    "the case editor on a case (a shipped case as an unsaved copy; nothing is written)",
    argument="a case id",
)
def _editor_view(request: ViewRequest) -> QWidget:
    from cnoatlas.library.drafts import preview

    case_id = request.argument or ""
    case = case_library().get(case_id)
    if case is None:
        raise AtlasError(case_library().why_missing(case_id))
    model = site_model()
    if request.select is not None and not model.is_known(request.select):
        raise AtlasError(f"--select: unknown site '{request.select}' (see 'cnoatlas sites')")
    session = preview(case, None if case.imported else f"{case_id}-copy")
    window, page = _cases_window(request)
    editor = page.open_editor(session)
    editor.wait_for_images(600000)
    settle()
    if request.select is not None:
        lesion = next(
            (
                x
                for x in session.draft.data["lesions"]
                if x["site_id"] in model.expand(request.select)
            ),
            None,
        )
        if lesion is None:
            raise AtlasError(f"--select: case '{case_id}' has no lesion in '{request.select}'")
        editor.lesions.choose(lesion["id"])
        editor.go_to_lesion(lesion["id"])
    elif session.draft.data["lesions"]:
        editor.go_to_lesion(editor.lesions.current_id() or session.draft.data["lesions"][0]["id"])
    chosen = editor.tools.lesion.currentData()
    drawn = [a for a in session.draft.data["annotations"] if a["lesion_id"] == chosen]
    if drawn:  # a shape the lecturer drew on this lesion: chosen, with its handles
        editor.tools.select(drawn[0]["id"])
    if request.slice is not None:
        viewer = editor.viewer
        if not 0 <= request.slice < viewer.slice_count():
            raise AtlasError(
                f"--slice {request.slice}: the series has slices 0 to {viewer.slice_count() - 1}"
            )
        viewer.set_slice(request.slice)
    return window
