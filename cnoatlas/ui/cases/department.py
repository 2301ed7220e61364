"""The department's teaching library, beside the local one: list, pull and push teaching files.

A thin widget over ``cnoatlas.library.teaching_files``: every transfer runs on a worker thread
with a progress bar and Cancel; errors arrive as one line; a pulled case joins the local library
and opens like any other (and works offline from then on).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.cases import AGE_BANDS, DIAGNOSES, age_band, case_library
from cnoatlas.domain.errors import AtlasError
from cnoatlas.library import teaching_files as tf
from cnoatlas.ui.common.settings import AppSettings

COLUMNS = ("Title", "Diagnosis", "Age", "Sex", "Sites", "Author", "Date")


def _site_name(site_id: str) -> str:
    from cnoatlas.domain.sites import site_model

    model = site_model()
    return model.name(site_id) if model.is_known(site_id) else site_id


class _Signals(QObject):
    progress = Signal(int, int)
    done = Signal(object)  # the result
    failed = Signal(str)  # one line


class _Task(QRunnable):
    """Runs ``work(transfer)`` on a worker; reports progress, the result or one line of error."""

    def __init__(
        self, work: Callable[[tf.Transfer], object], done: Callable[[object], None]
    ) -> None:
        super().__init__()
        self.work = work
        self.done = done  # the view's handler of the result (on the GUI thread)
        self.signals = _Signals()
        self.transfer = tf.Transfer(progress=self._progress)

    def _progress(self, done: int, total: int) -> None:
        with contextlib.suppress(RuntimeError):
            self.signals.progress.emit(done, total)

    def run(self) -> None:
        try:
            result = self.work(self.transfer)
        except AtlasError as exc:
            message = str(exc)
        except Exception as exc:  # a bug of ours: one line here, the traceback in the log
            import logging

            logging.getLogger("cnoatlas.library").exception("library transfer failed")
            message = f"internal error ({type(exc).__name__}); see the log"
        else:
            with contextlib.suppress(RuntimeError):
                self.signals.done.emit(result)
            return
        with contextlib.suppress(RuntimeError):
            self.signals.failed.emit(message)


class DepartmentLibrary(QWidget):
    """Teaching files on the department's DICOMweb server (or a shared folder)."""

    caseArrived = Signal(str)  # a pulled case's id
    backRequested = Signal()

    def __init__(self, ask_password: Callable[[str, str], str | None] | None = None) -> None:
        super().__init__()
        self.setObjectName("departmentLibrary")
        self.setAccessibleName("Department library")
        self.settings = AppSettings()
        self.ask_password = ask_password or self._ask_password
        self.files: list[tf.TeachingFile] = []
        self._task: _Task | None = None
        self._password: str | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

        back = QPushButton("← My cases")
        back.setObjectName("departmentBack")
        back.setAccessibleName("Back to my cases")
        back.clicked.connect(self.backRequested)
        self.server = QLineEdit(self.settings.library("server"))
        self.server.setObjectName("departmentServer")
        self.server.setAccessibleName("Server address")
        self.server.setPlaceholderText("https://pacs.example.org/dicom-web, or a shared folder")
        self.user = QLineEdit(self.settings.library("user"))
        self.user.setObjectName("departmentUser")
        self.user.setAccessibleName("User name")
        self.user.setPlaceholderText("user (optional)")
        self.refresh_button = QPushButton("Connect")
        self.refresh_button.setObjectName("departmentConnect")
        self.refresh_button.setAccessibleName("Connect and list the teaching files")
        self.refresh_button.clicked.connect(self.refresh)
        heading = QLabel("Department library")
        heading.setObjectName("departmentTitle")
        heading.setProperty("role", "heading")
        heading.setWordWrap(True)  # two lines rather than a page wider than a laptop at 3.0
        top = QHBoxLayout()
        top.addWidget(back)
        top.addWidget(heading)
        top.addWidget(self.server, 3)
        top.addWidget(self.user, 1)
        top.addWidget(self.refresh_button)

        self.diagnosis = QComboBox()
        self.diagnosis.setObjectName("departmentDiagnosis")
        self.diagnosis.setAccessibleName("Filter by diagnosis")
        self.diagnosis.addItem("All diagnoses", "")
        for key, label in DIAGNOSES.items():
            self.diagnosis.addItem(label, key)
        self.diagnosis.currentIndexChanged.connect(self._show)
        self.age = QComboBox()
        self.age.setObjectName("departmentAge")
        self.age.setAccessibleName("Filter by age")
        self.age.addItem("All ages", "")
        for band_id, label, _low, _high in AGE_BANDS:
            self.age.addItem(label, band_id)
        self.age.currentIndexChanged.connect(self._show)
        self.search = QLineEdit()
        self.search.setObjectName("departmentSearch")
        self.search.setAccessibleName("Search the teaching files")
        self.search.setPlaceholderText("Search title, site or author")
        self.search.textChanged.connect(self._show)
        for box in (self.diagnosis, self.age):  # long entries must not widen the page
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(8)
        filters = QHBoxLayout()
        filters.addWidget(self.diagnosis)
        filters.addWidget(self.age)
        filters.addWidget(self.search, 1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("departmentTable")
        self.table.setAccessibleName("Teaching files on the server")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for column, text in enumerate(COLUMNS):  # a squeezed header keeps its whole text
            self.table.horizontalHeaderItem(column).setToolTip(text)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.pull_selected())

        self.pull_button = QPushButton("Pull into my library")
        self.pull_button.setObjectName("departmentPull")
        self.pull_button.setAccessibleName("Pull the chosen teaching file into my library")
        self.pull_button.clicked.connect(self.pull_selected)
        self.push_button = QPushButton("Share a case…")
        self.push_button.setObjectName("departmentPush")
        self.push_button.setAccessibleName("Share one of my cases with the department")
        self.push_button.clicked.connect(self.choose_and_push)
        self.progress = QProgressBar()
        self.progress.setObjectName("departmentProgress")
        self.progress.setAccessibleName("Transfer progress")
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("departmentCancel")
        self.cancel_button.setAccessibleName("Cancel the transfer")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.pull_button)
        actions.addWidget(self.push_button)
        actions.addStretch(1)
        actions.addWidget(self.progress, 2)
        actions.addWidget(self.cancel_button)
        self.status = QLabel("Give the department's DICOMweb address (or a shared folder).")
        self.status.setObjectName("departmentStatus")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        self._update_buttons()

    # --- the server ----------------------------------------------------------------------------
    def _ask_password(self, url: str, user: str) -> str | None:
        text, ok = QInputDialog.getText(
            self, "Password", f"Password for {user} at {url}:", QLineEdit.EchoMode.Password
        )
        if not ok:
            return None
        if QMessageBox.question(self, "Keep the password?", "Keep it in the system keyring?") == (
            QMessageBox.StandardButton.Yes
        ) and not tf.remember_password(url, user, text):
            self.status.setText("No system keyring here: the password is asked for each time.")
        return text

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.busy():  # Settings may have changed the server meanwhile
            self.server.setText(self.server.text() or self.settings.library("server"))
            self.user.setText(self.user.text() or self.settings.library("user"))

    def _client(self):
        url, user = self.server.text().strip(), self.user.text().strip()
        self.settings.set_library("server", url)
        self.settings.set_library("user", user)
        password = None
        if user and not tf.is_folder_url(url):
            password = self._password or tf.password_for(url, user) or self.ask_password(url, user)
            if password is None:
                raise AtlasError("no password given")
            self._password = password  # for this session only, in memory
        ca_bundle = self.settings.library("ca_bundle") or None
        tf.check_address(url)  # a mistyped address is said now, not from the worker

        def open_client():
            # Made on the worker: a folder's client keeps an SQLite index bound to its thread.
            return tf.open_archive(url, user or None, password, ca_bundle)

        return open_client

    def _start(self, work: Callable[[object, tf.Transfer], object], done, busy: str) -> None:
        if self._task is not None:
            return
        try:
            open_client = self._client()
        except AtlasError as exc:
            self.status.setText(str(exc))
            return
        url = self.server.text().strip()
        task = _Task(lambda transfer: work(open_client(), url, transfer), done)
        task.setAutoDelete(False)  # kept until it reports: Cancel reads its transfer
        task.signals.progress.connect(self._on_progress)
        # One slot for both steps: two queued slots arrive as two events, and the view would be
        # idle with the old status between them. Idle first: ``done`` may start the next task.
        # (A bound method of this widget: it runs on the GUI thread, queued.)
        task.signals.done.connect(self._complete)
        task.signals.failed.connect(self._failed)
        self._task = task
        self.status.setText(busy)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self._update_buttons()
        self.pool.start(task)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _complete(self, result) -> None:
        done = self._task.done
        self._finished()
        done(result)

    def _finished(self) -> None:
        self._task = None
        self.progress.hide()
        self.cancel_button.hide()
        self._update_buttons()

    def _failed(self, message: str) -> None:
        self._finished()
        self.status.setText(message)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.transfer.cancel.set()

    def busy(self) -> bool:
        return self._task is not None

    def _update_buttons(self) -> None:
        idle = self._task is None
        self.refresh_button.setEnabled(idle)
        self.push_button.setEnabled(idle and bool(self.server.text().strip()))
        self.pull_button.setEnabled(idle and self.table.currentRow() >= 0)

    # --- listing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._start(
            lambda client, url, _t: tf.list_teaching_files(client, url),
            self._listed,
            "Reading the department's teaching files…",
        )

    def _listed(self, files) -> None:
        self.files = list(files)
        self._show()
        n = len(self.files)
        self.status.setText(f"{n} teaching file{'s' if n != 1 else ''} on the server.")

    def shown_files(self) -> list[tf.TeachingFile]:
        dx = self.diagnosis.currentData()
        band = self.age.currentData()
        words = self.search.text().lower().split()
        out = []
        for f in self.files:
            if band and not (isinstance(f.age_years, (int, float)) and age_band(f.age_years) == band):
                continue
            names = [_site_name(site) for site in f.site_ids]
            text = " ".join((f.title, f.author, *f.site_ids, *names)).lower()
            if (not dx or f.diagnosis == dx) and all(w in text for w in words):
                out.append(f)
        return out

    def _show(self) -> None:
        files = self.shown_files()
        self.table.setRowCount(len(files))
        for row, f in enumerate(files):
            age = f"{f.age_years:g}" if isinstance(f.age_years, (int, float)) else ""
            date = f"{f.date[:4]}-{f.date[4:6]}-{f.date[6:8]}" if len(f.date) == 8 else f.date
            cells = (
                f.title,
                DIAGNOSES.get(f.diagnosis, f.diagnosis),
                age,
                f.sex,
                ", ".join(_site_name(s) for s in f.site_ids),
                f.author,
                date,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, f.study_uid)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if files:
            self.table.selectRow(0)
        self._update_buttons()

    # --- pull and push ------------------------------------------------------------------------
    def pull_selected(self, case_id: str | None = None) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        study_uid = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        chosen = next((f for f in self.files if f.study_uid == study_uid), None)
        new_id = case_id or (chosen.case_id if chosen else "")
        if new_id and case_library().get(new_id) is not None:
            new_id = f"{new_id}-department"
        self._start(
            lambda client, url, transfer: tf.pull_case(client, study_uid, url, new_id, transfer),
            self._pulled,
            "Pulling the teaching file…",
        )

    def _pulled(self, folder) -> None:
        self.status.setText(f"Pulled into your library as '{folder.name}'; it works offline now.")
        self.caseArrived.emit(folder.name)

    def shareable_cases(self) -> list[str]:
        return [c.id for c in case_library() if c.imported or c.synthetic]

    def choose_and_push(self) -> None:
        cases = self.shareable_cases()
        if not cases:
            self.status.setText("No case to share: import or write one first.")
            return
        case_id, ok = QInputDialog.getItem(self, "Share a case", "Case:", cases, 0, False)
        if ok and case_id and self.confirm_push(case_id):
            self.push(case_id)

    def confirm_push(self, case_id: str) -> bool:
        """Say exactly what will leave the machine, and ask."""
        case = case_library().get(case_id)
        if case is None:
            return False
        kind = "generated (synthetic) images" if case.synthetic else "de-identified images"
        text = (
            f"These will be sent to {self.server.text().strip()}:\n\n"
            f"• the case's {kind}, checked again for anything that could identify a patient;\n"
            f"• its text: title, history, findings, teaching points and discussion;\n"
            f"• its {len(case.lesions)} lesion(s) with their sites, and its annotations;\n"
            "• a key-image note titled “For Teaching”.\n\nNothing else leaves this computer."
        )
        answer = QMessageBox.question(self, f"Share '{case.title}'?", text)
        return answer == QMessageBox.StandardButton.Yes

    def push(self, case_id: str) -> None:
        self._start(
            lambda client, url, transfer: tf.push_case(client, case_id, url, transfer=transfer),
            self._pushed,
            f"Sending '{case_id}'…",
        )

    def _pushed(self, result) -> None:
        _study_uid, count = result
        self.status.setText(f"Shared: {count} instances sent.")
        self.refresh()
