"""The "Import DICOM…" dialog of the Cases page: choose a folder or zip, name the case, import.

A thin widget over ``cnoatlas.library.user_cases.import_dicom``: the import (de-identification and
writing) runs on a worker thread; the dialog shows its progress, then the report of what was
removed, replaced and refused. The report never holds an original value.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.errors import AtlasError
from cnoatlas.ui.common.dialogs import scroll_when_tall


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)  # an ImportResult
    failed = Signal(str)


class ImportTask(QRunnable):
    """One import on a worker thread; results come back through ``signals``."""

    def __init__(self, path: Path, case_id: str, title: str, age, sex) -> None:
        super().__init__()
        self.args = (path, case_id, title, age, sex)
        self.cancel = threading.Event()
        self.signals = _Signals()

    def run(self) -> None:
        from cnoatlas.library.user_cases import import_dicom

        path, case_id, title, age, sex = self.args
        try:
            result = import_dicom(
                path,
                case_id,
                title,
                age_years=age,
                sex=sex,
                progress=lambda done, total: self.signals.progress.emit(done, total),
                cancel=self.cancel,
            )
        except AtlasError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # shown in one line; nothing was imported
            import logging

            logging.getLogger("cnoatlas.import").exception("import failed")
            self.signals.failed.emit(f"the import failed ({type(exc).__name__}); nothing was kept")
        else:
            self.signals.finished.emit(result)


def _button(text: str, name: str, accessible: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    return button


class ImportDialog(QDialog):
    """Folder/zip, case id, title (and age/sex when the images lack them), then the report."""

    imported = Signal(str)  # the new case's id
    openCase = Signal(str)  # the user asks to read the new case

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setAccessibleName("Import DICOM as a case")
        self.setWindowTitle("Import DICOM as a case")
        self.setMinimumWidth(620)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.task: ImportTask | None = None
        self.result = None

        intro = QLabel(
            "Makes a de-identified copy of a DICOM folder or zip as a new case on this computer. "
            "Names, IDs, birth date, institution and staff are removed, dates are shifted and "
            "UIDs replaced; images that may show text in their pixels are refused."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")

        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setAccessibleName("DICOM folder or zip to import")
        self.path_edit.setPlaceholderText(
            "A folder (searched with its subfolders), a zip or a DICOMDIR"
        )
        self.folder_button = _button("Folder…", "importChooseFolder", "Choose a DICOM folder")
        self.zip_button = _button("Zip…", "importChooseZip", "Choose a zip file")
        self.folder_button.clicked.connect(self._choose_folder)
        self.zip_button.clicked.connect(self._choose_zip)
        path_row = QWidget()  # a widget, not a bare layout, in the form (see editor/form.py)
        path_layout = QHBoxLayout(path_row)
        path_layout.setContentsMargins(0, 0, 0, 0)
        path_layout.addWidget(self.path_edit, 1)
        path_layout.addWidget(self.folder_button)
        path_layout.addWidget(self.zip_button)

        self.case_id_edit = QLineEdit()
        self.case_id_edit.setObjectName("importCaseId")
        self.case_id_edit.setAccessibleName("New case id")
        self.case_id_edit.setPlaceholderText("lowercase-words-with-dashes")
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("importTitle")
        self.title_edit.setAccessibleName("Case title")
        self.title_edit.setPlaceholderText("Imported case <id>")
        self.age_box = QDoubleSpinBox()
        self.age_box.setObjectName("importAge")
        self.age_box.setAccessibleName("Patient age in years, when the images do not state it")
        self.age_box.setRange(-1, 120)
        self.age_box.setDecimals(1)
        self.age_box.setSpecialValueText("from the images")
        self.age_box.setValue(-1)
        self.sex_box = QComboBox()
        self.sex_box.setObjectName("importSex")
        self.sex_box.setAccessibleName("Patient sex, when the images do not state it")
        for text, value in (("from the images", None), ("F (girl)", "F"), ("M (boy)", "M")):
            self.sex_box.addItem(text, value)

        form = QFormLayout()
        form.addRow("Images", path_row)
        form.addRow("Case id", self.case_id_edit)
        form.addRow("Title", self.title_edit)
        form.addRow("Age (years)", self.age_box)
        form.addRow("Sex", self.sex_box)

        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setAccessibleName("Import progress")
        self.progress.hide()
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_view = QPlainTextEdit()
        self.report_view.setObjectName("importReport")
        self.report_view.setAccessibleName("De-identification report")
        self.report_view.setReadOnly(True)
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setPlaceholderText("The report of what was removed appears here.")

        self.start_button = _button("Import", "importStart", "Start the import")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.close_button = _button("Close", "importClose", "Close, or cancel a running import")
        self.close_button.clicked.connect(self.reject)
        self.open_button = _button("Open the case", "importOpenCase", "Open the imported case")
        self.open_button.hide()
        self.open_button.clicked.connect(self._open_case)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(buttons)
        scroll_when_tall(self)  # at a large scale on a laptop the fields scroll, not squeeze

    # --- choosing ---------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "DICOM folder to import")
        if folder:
            self.path_edit.setText(folder)

    def _choose_zip(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Zip or DICOMDIR to import", "", "DICOM archives (*.zip DICOMDIR);;All files (*)"
        )
        if name:
            self.path_edit.setText(name)

    # --- running ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self) -> None:
        """Check the form, then import on the worker thread."""
        from cnoatlas.library.user_cases import check_new_case_id

        if self.running:
            return
        path_text = self.path_edit.text().strip()
        case_id = self.case_id_edit.text().strip()
        try:
            if not path_text:
                raise AtlasError("choose a DICOM folder or zip first")
            if not Path(path_text).exists():
                raise AtlasError(f"{path_text}: no such file or folder")
            check_new_case_id(case_id)
        except AtlasError as exc:
            self._show_error(str(exc).replace("--case-id ", "case id "))
            return
        age = self.age_box.value() if self.age_box.value() >= 0 else None
        task = ImportTask(
            Path(path_text),
            case_id,
            self.title_edit.text().strip(),
            age,
            self.sex_box.currentData(),
        )
        task.signals.progress.connect(self._progress)
        task.signals.finished.connect(self._finished)
        task.signals.failed.connect(self._failed)
        task.setAutoDelete(False)
        self.task = task
        self.result = None
        self.report_view.clear()
        self.status.setText("Importing and de-identifying…")
        self.status.setProperty("role", "muted")
        self.progress.setRange(0, 0)
        self.progress.show()
        self._set_busy(True)
        self.pool.start(task)

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.path_edit,
            self.folder_button,
            self.zip_button,
            self.case_id_edit,
            self.title_edit,
            self.age_box,
            self.sex_box,
            self.start_button,
        ):
            widget.setEnabled(not busy)
        self.close_button.setText("Cancel" if busy else "Close")

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _finished(self, result) -> None:
        self.task = None
        self.result = result
        self.progress.hide()
        self._set_busy(False)
        self.start_button.setEnabled(False)  # one import per dialog: the form now names it
        self.status.setText(
            f"Imported as case '{result.case_id}'. The report is saved beside it "
            "(deidentification-report.json)."
        )
        self.report_view.setPlainText("\n".join(result.lines))
        self.open_button.show()
        self.open_button.setDefault(True)
        self.imported.emit(result.case_id)

    def _open_case(self) -> None:
        if self.result is not None:
            self.openCase.emit(self.result.case_id)
            self.accept()

    def _failed(self, message: str) -> None:
        self.task = None
        self.progress.hide()
        self._set_busy(False)
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.status.setText(f"Not imported: {message}")
        self.status.setProperty("role", "disclaimer")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def wait(self) -> None:
        """Block until the worker is done (tests, closing)."""
        self.pool.waitForDone()

    def reject(self) -> None:
        if self.task is not None:  # cancel first; the worker removes what it wrote
            self.task.cancel.set()
            self.status.setText("Cancelling…")
            self.pool.waitForDone()
        super().reject()

    def closeEvent(self, event) -> None:
        if self.task is not None:
            self.task.cancel.set()
            self.pool.waitForDone()
        super().closeEvent(event)
