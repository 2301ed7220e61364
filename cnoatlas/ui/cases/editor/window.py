"""The case editor: the form, the images with the annotation tools, the lesions on the map.

Thin over a ``DraftSession`` (cnoatlas.library.drafts): every edit goes to the draft, which
journals it; the editor redraws from the draft and shows the loader's problems beside each
field. A synthetic case's study is made again in the background (a ``QThread``) a moment after
its lesions or patient change, through the generator's cache; its ground-truth outlines come
with it. "Mark ready" writes the case into the library (``caseReady``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.errors import AtlasError
from cnoatlas.library.drafts import DraftSession, NotReady, load_draft_images
from cnoatlas.ui.cases.editor.annotate import AnnotationTool
from cnoatlas.ui.cases.editor.form import CaseForm
from cnoatlas.ui.cases.editor.lesions import LesionPanel

log = logging.getLogger("cnoatlas.ui")
REGENERATE_PAUSE_MS = 900  # lesions placed in a burst give one new study, not one each
UNDO_KEYS = ("Ctrl+Z",)
REDO_KEYS = ("Ctrl+Shift+Z", "Ctrl+Y")


_RUNNING: set = set()  # workers still running: kept alive past their editor, waited for at quit


def _keep_until_done(worker: QThread) -> None:
    from PySide6.QtCore import QCoreApplication

    if not _RUNNING:
        app = QCoreApplication.instance()
        if app is not None and not getattr(app, "_cnoatlas_waits_for_editors", False):
            app._cnoatlas_waits_for_editors = True
            app.aboutToQuit.connect(lambda: [w.wait(120000) for w in list(_RUNNING)])
    _RUNNING.add(worker)
    worker.finished.connect(lambda: _RUNNING.discard(worker))


class ImagesWorker(QThread):
    """Reads (or makes, for a synthetic draft) the draft's images off the UI thread."""

    done = Signal(int, object)  # generation number, CaseImages

    def __init__(self, number: int, job: Callable[[], object]) -> None:
        super().__init__()
        self.number = number
        self.job = job

    def run(self) -> None:
        try:
            images = self.job()
        except Exception as exc:  # shown in the editor; the log has the details
            log.exception("the draft's images could not be made")
            images = exc
        self.done.emit(self.number, images)


class CaseEditor(QWidget):
    """One draft on screen. ``caseReady`` (case id) once written; ``closed`` when left."""

    caseReady = Signal(str)
    closed = Signal()
    imagesShown = Signal(int)  # generation number of the images now on screen

    def __init__(
        self,
        session: DraftSession,
        images_loader: Callable | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("caseEditor")
        self.setAccessibleName("Case editor")
        self.session = session
        self.draft = session.draft
        self.images_loader = images_loader or load_draft_images
        self.images = None
        self._truth: list = []
        self._generation = 0
        self._worker: ImagesWorker | None = None
        self._again = False
        self._shown_description: str | None = None
        self._pending_description: str | None = None  # the one being made
        self._tried_description: str | None = None  # the last one made (or failed)
        self._workers: list[ImagesWorker] = []

        from cnoatlas.ui.viewer.series_viewer import SeriesViewer

        # --- header ---
        self.title = QLabel()
        self.title.setObjectName("editorTitle")
        self.title.setProperty("role", "heading")
        # A long title is cut, never widening the editor past the window.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(200)
        self.status = QLabel()
        self.status.setObjectName("editorStatus")
        self.status.setAccessibleName("Draft or ready")
        self.problem_count = QLabel()
        self.problem_count.setObjectName("editorProblemCount")
        self.problem_count.setProperty("role", "muted")
        self.message = QLabel()
        self.message.setObjectName("editorMessage")
        self.message.setWordWrap(True)
        self.undo_button = self._button("editorUndo", "Undo", "Undo the last edit (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = self._button("editorRedo", "Redo", "Redo (Ctrl+Shift+Z)")
        self.redo_button.clicked.connect(self.redo)
        self.ready_button = self._button(
            "editorReady", "Mark ready", "Check the case and add it to your library"
        )
        self.ready_button.clicked.connect(self.mark_ready)
        self.close_button = self._button(
            "editorClose",
            "Close",
            "Leave the editor (a draft is kept and reopens where you left it)",
        )
        self.close_button.clicked.connect(self.close_editor)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.problem_count)
        header.addWidget(self.status)
        for button in (self.undo_button, self.redo_button, self.ready_button, self.close_button):
            header.addWidget(button)

        # --- the three columns ---
        self.form = CaseForm(self.draft)
        self.form.edited.connect(self._changed)
        self.series_tabs = QTabBar()
        self.series_tabs.setObjectName("editorSeriesTabs")
        self.series_tabs.setAccessibleName("Series")
        self.series_tabs.currentChanged.connect(self._show_series)
        self.viewer = SeriesViewer(name="editorViewer")
        self.tools = AnnotationTool(self.draft, self.viewer)
        self.tools.edited.connect(self._changed)
        self.image_status = QLabel()
        self.image_status.setObjectName("editorImageStatus")
        self.image_status.setProperty("role", "muted")
        self.image_status.setWordWrap(True)
        images = QWidget()
        column = QVBoxLayout(images)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.series_tabs)
        column.addWidget(self.viewer, 1)
        column.addWidget(self.tools)
        column.addWidget(self.image_status)
        self.lesions = LesionPanel(self.draft)
        self.lesions.edited.connect(self._changed)
        self.lesions.lesionChosen.connect(self.go_to_lesion)
        self.splitter = QSplitter()
        self.splitter.setObjectName("editorSplitter")
        self.splitter.addWidget(self.form)
        self.splitter.addWidget(images)
        self.splitter.addWidget(self.lesions)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([640, 760, 480])
        self.form.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 10)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

        for text, keys, slot in (
            ("Undo", UNDO_KEYS, self.undo),
            ("Redo", REDO_KEYS, self.redo),
            ("DeleteShape", ("Delete",), self.tools.delete_selected),
            ("CancelShape", ("Escape",), self.tools.cancel),
        ):
            action = QAction(text, self)
            action.setObjectName(f"editorAction{text}")
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

        self._regen_timer = QTimer(self)
        self._regen_timer.setSingleShot(True)
        self._regen_timer.setInterval(REGENERATE_PAUSE_MS)
        self._regen_timer.timeout.connect(self.load_images)

        if session.recovered or session.dropped:
            lost = f"; {session.dropped} unfinished edit left out" if session.dropped else ""
            self.message.setText(
                f"Recovered this draft: {session.recovered} edit(s) from its journal{lost}."
            )
        self.message.setVisible(bool(self.message.text()))
        self._changed()
        self.load_images()

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        return button

    # --- edits ---
    def commit_pending(self) -> None:
        """Write whatever is typed but not yet an edit (before undo, ready or closing)."""
        self.form.commit_pending()
        self.lesions.commit_pending()

    def undo(self) -> None:
        self.commit_pending()
        if self.draft.undo() is not None:
            self._redraw_all()

    def redo(self) -> None:
        self.commit_pending()
        if self.draft.redo() is not None:
            self._redraw_all()

    def _redraw_all(self) -> None:
        self.form.refresh()
        self.lesions.refresh()
        self._changed()

    def _changed(self) -> None:
        """After any edit: problems beside their fields, status, annotations, maybe new images."""
        problems = self.draft.validate()
        self.form.show_problems(problems)
        self.lesions.show_problems(problems)
        ready = self.draft.status == "ready"
        self.status.setText("Ready" if ready else "Draft")
        self.status.setStyleSheet(
            "padding: 3px 10px; border-radius: 8px; font-weight: bold; "
            + (
                "background: #2e7d32; color: white;"
                if ready
                else "background: #8d6e00; color: white;"
            )
        )
        self.problem_count.setText(
            f"{len(problems)} problem(s) before it can be ready" if problems else "Complete"
        )
        self.title.setText(f"Case editor · {self.draft.data['title'] or self.draft.case_id}")
        self.undo_button.setEnabled(self.draft.can_undo())
        self.redo_button.setEnabled(self.draft.can_redo())
        self.tools.after_change()
        self._show_annotations()
        wanted = self._description_text() if self.draft.synthetic else None
        if wanted not in (self._tried_description, self._pending_description):
            self._regen_timer.start()
            if self.images is not None:
                self.image_status.setText("Lesions changed: the study will be made again…")

    def mark_ready(self) -> bool:
        self.commit_pending()
        try:
            folder = self.session.write_ready()
        except NotReady as exc:
            self._changed()
            self.message.setText(str(exc))
            self.message.show()
            return False
        except AtlasError as exc:
            self.message.setText(str(exc))
            self.message.show()
            return False
        self._changed()
        self.message.setText(f"Ready: the case is in your library ({folder.name}).")
        self.message.show()
        self.caseReady.emit(self.draft.case_id)
        return True

    def close_editor(self) -> None:
        self.commit_pending()
        self.stop()
        self.session.close()
        self.closed.emit()

    # --- images ---
    def _description_text(self) -> str:
        return json.dumps(self.draft.generator_description(), sort_keys=True)

    def load_images(self) -> None:
        """Read the draft's images (make them, for a synthetic draft) on a worker thread."""
        self._regen_timer.stop()
        if self._worker is not None and self._worker.isRunning():
            self._again = True  # one more round once this one is done
            return
        self._again = False
        self._generation += 1
        description = self._description_text() if self.draft.synthetic else None
        snapshot = type(self.draft)(self.draft.data, self.draft.folder)  # a copy: no listener
        self._pending_description = description
        self.image_status.setText(
            "Making the synthetic study from the lesions…"
            if self.draft.synthetic
            else "Reading the images…"
        )
        worker = ImagesWorker(self._generation, lambda: self.images_loader(snapshot))
        worker.done.connect(self._images_done)
        self._worker = worker
        self._workers.append(worker)
        worker.finished.connect(lambda w=worker: self._forget_worker(w))
        _keep_until_done(worker)
        worker.start()

    def _forget_worker(self, worker: ImagesWorker) -> None:
        if worker is self._worker:
            self._worker = None
        if worker in self._workers:
            self._workers.remove(worker)
            worker.deleteLater()

    def wait_for_images(self, timeout_ms: int = 60000) -> None:
        """Block until the images being made are made (tests, screenshots)."""
        if self._worker is not None:
            self._worker.wait(timeout_ms)

    def _images_done(self, number: int, images) -> None:
        if number != self._generation:
            return
        self._tried_description = self._pending_description
        self._pending_description = None
        if isinstance(images, Exception):
            self.image_status.setText(f"The images could not be made ({images})")
        elif images.problem and not images.series:
            self.image_status.setText(f"The images could not be shown: {images.problem}")
        else:
            self._shown_description = self._tried_description
            self._set_images(images)
            self.image_status.setText(
                "Synthetic study made from the lesions on the map; outlines from the generator"
                if self.draft.synthetic
                else images.problem or "Draw on any slice; each shape is tied to a lesion"
            )
        self.imagesShown.emit(number)
        if self._again or (
            self.draft.synthetic and self._description_text() != self._tried_description
        ):
            QTimer.singleShot(0, self.load_images)

    def _set_images(self, images) -> None:
        if self.images is not None:  # a study made again: drawn shapes follow their series
            moved = {
                old.uid: (new.uid, [s.sop_instance_uid for s in new.slices])
                for name, old in self.images.series.items()
                if (new := images.series.get(name)) is not None and new.uid != old.uid
            }
            if moved and self.draft.follow_series(moved):
                self.undo_button.setEnabled(self.draft.can_undo())
        label = self.series_tabs.tabText(self.series_tabs.currentIndex())
        slice_index = self.viewer.slice_index() if self.viewer.series is not None else None
        self.images = images
        self._truth = list(images.annotations)
        self.series_tabs.blockSignals(True)
        while self.series_tabs.count():
            self.series_tabs.removeTab(0)
        for name in images.series:
            self.series_tabs.addTab(name)
        labels = list(images.series)
        self.series_tabs.setCurrentIndex(labels.index(label) if label in labels else 0)
        self.series_tabs.blockSignals(False)
        self._show_series(self.series_tabs.currentIndex(), slice_index)

    def _show_series(self, index: int, slice_index: int | None = None) -> None:
        if self.images is None or not 0 <= index < len(self.images.series):
            return
        series = list(self.images.series.values())[index]
        if slice_index is not None and not 0 <= slice_index < len(series):
            slice_index = None
        self.viewer.set_series(series, slice_index)
        self._show_annotations()
        self.tools.after_change()

    def _show_annotations(self) -> None:
        self.viewer.set_annotations([*self._truth, *self.draft.annotations()])
        if self.tools.selected is not None:
            self.tools._place_handles()

    def go_to_lesion(self, lesion_id: str) -> None:
        """Tie new shapes to this lesion and show the slice where its outline is largest."""
        from cnoatlas.domain.cases import lesion_slices

        self.tools.choose_lesion(lesion_id)
        series = self.viewer.series
        if series is None:
            return
        shown = [*self._truth, *self.draft.annotations()]
        best = lesion_slices(a for a in shown if a.lesion_id == lesion_id).get(
            (series.uid, lesion_id)
        )
        if best is not None:
            self.viewer.set_slice(best)

    def stop(self) -> None:
        self._regen_timer.stop()
        for worker in list(self._workers):
            worker.wait(120000)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)


class NewCaseDialog(QDialog):
    """ "New case…": its id, where its images come from, and the patient."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newCaseDialog")
        self.setWindowTitle("New case")
        self.case_id = QLineEdit()
        self.case_id.setObjectName("newCaseId")
        self.case_id.setAccessibleName("Case id")
        self.case_id.setPlaceholderText("my-clavicle-case")
        self.source = QComboBox()
        self.source.setObjectName("newCaseSource")
        self.source.setAccessibleName("Images")
        self.source.addItem("Synthetic: the generator draws the lesions you place", "synthetic")
        self.source.addItem("Import DICOM images (de-identified on import)", "dicom")
        self.age = QDoubleSpinBox()
        self.age.setObjectName("newCaseAge")
        self.age.setRange(3, 16)
        self.age.setValue(10)
        self.age.setSuffix(" years")
        self.sex = QComboBox()
        self.sex.setObjectName("newCaseSex")
        self.sex.addItem("Girl (F)", "F")
        self.sex.addItem("Boy (M)", "M")
        self.problem = QLabel()
        self.problem.setObjectName("newCaseProblem")
        self.problem.setStyleSheet("color: #ff7b72;")
        form = QFormLayout(self)
        form.addRow("Case id", self.case_id)
        form.addRow("Images", self.source)
        form.addRow("Age", self.age)
        form.addRow("Sex", self.sex)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str, str, float, str]:
        """(case id, "synthetic" or "dicom", age, sex)."""
        return (
            self.case_id.text().strip(),
            self.source.currentData(),
            self.age.value(),
            self.sex.currentData(),
        )
