"""The case editor's form: patient, texts, labs, diagnosis, findings, teaching and citations.

Thin widgets over a ``CaseDraft``: a typed text is written to the draft shortly after the last
key (one undoable edit per pause, one journal line), and every field shows the loader's
problems for it right beside it (``show_problems``), so the form says what ``cnoatlas cases
validate`` would say while the lecturer types.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.case_draft import CaseDraft, FieldProblems
from cnoatlas.domain.cases import DIAGNOSES, LAB_FLAGS, PATTERNS, SEXES
from cnoatlas.domain.sources import bibliography

TYPING_PAUSE_MS = 350  # a typed text becomes one edit after this pause

_SOURCE_ROLE = Qt.ItemDataRole.UserRole


def _problem_label(field: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"problem-{field}")
    label.setProperty("role", "error")
    label.setStyleSheet("color: #ff7b72;")
    label.setWordWrap(True)
    label.hide()
    return label


def _sources_list(name: str, accessible: str) -> QListWidget:
    box = QListWidget()
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    for source_id, source in bibliography().items():
        check = "" if source.verified else " (to check)"
        item = QListWidgetItem(f"{source.short}  [{source_id}]{check}")
        item.setData(_SOURCE_ROLE, source_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        box.addItem(item)
    box.setMaximumHeight(96)
    return box


def checked_sources(box: QListWidget) -> list[str]:
    return [
        box.item(i).data(_SOURCE_ROLE)
        for i in range(box.count())
        if box.item(i).checkState() == Qt.CheckState.Checked
    ]


def set_checked_sources(box: QListWidget, ids: list[str]) -> None:
    for i in range(box.count()):
        item = box.item(i)
        on = item.data(_SOURCE_ROLE) in ids
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class CaseForm(QScrollArea):
    """Every text field of the case. ``edited`` after each edit it makes in the draft."""

    edited = Signal()

    def __init__(self, draft: CaseDraft) -> None:
        super().__init__()
        self.setObjectName("caseEditorForm")
        self.setAccessibleName("Case details")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.draft = draft
        self.problems: dict[str, QLabel] = {}
        self._pending: dict[tuple, Callable[[], object]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.commit_pending)
        self._filling = False

        body = QWidget()
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setContentsMargins(4, 4, 12, 4)
        self.setWidget(body)

        origin = "synthetic (made by the image generator)" if draft.synthetic else "imported DICOM"
        ident = QLabel(f"<b>{draft.case_id}</b> · {origin}")
        ident.setObjectName("editorCaseId")
        self.form.addRow("Case", ident)

        # --- patient ---
        self.age = QDoubleSpinBox()
        self.age.setObjectName("editorAge")
        self.age.setAccessibleName("Patient age in years")
        self.age.setRange(0, 120)
        self.age.setDecimals(1)
        self.age.setSuffix(" years")
        self.age.valueChanged.connect(
            lambda v: self._edit(("patient", "age_years"), lambda: _whole(v))
        )
        self.sex = QComboBox()
        self.sex.setObjectName("editorSex")
        self.sex.setAccessibleName("Patient sex")
        for key, word in SEXES.items():
            self.sex.addItem(f"{key} ({word})", key)
        self.sex.currentIndexChanged.connect(
            lambda _i: self._edit(("patient", "sex"), self.sex.currentData, now=True)
        )
        patient = QHBoxLayout()
        patient.addWidget(self.age)
        patient.addWidget(self.sex)
        self._row("Patient", patient, "patient")

        # --- a synthetic case's series ---
        self.sequences = None
        if draft.synthetic:
            from cnoatlas.domain.cases import GENERATOR_SEQUENCES

            self.sequences = QListWidget()
            self.sequences.setObjectName("editorSequences")
            self.sequences.setAccessibleName("Series the generator makes")
            for name in GENERATOR_SEQUENCES:
                item = QListWidgetItem(name)
                item.setData(_SOURCE_ROLE, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.sequences.addItem(item)
            self.sequences.setMaximumHeight(96)
            self.sequences.setToolTip("Each series takes seconds to make; COR STIR is needed")
            self.sequences.itemChanged.connect(
                lambda _item: (
                    self._filling
                    or self._edit(
                        ("generator", "sequences"),
                        lambda: checked_sources(self.sequences),
                        now=True,
                    )
                )
            )
            self._row("Series", self.sequences, "series")

        # --- texts ---
        self.texts: dict[str, QLineEdit | QPlainTextEdit] = {}
        for key, label, long in (
            ("title", "Title", False),
            ("presenting_title", "Presenting title", False),
            ("presentation", "Presentation", True),
            ("history", "History", True),
            ("outcome", "Outcome", False),
        ):
            widget = QPlainTextEdit() if long else QLineEdit()
            widget.setObjectName(f"editor-{key}")
            widget.setAccessibleName(label)
            if long:
                widget.setMaximumHeight(84)
                widget.setTabChangesFocus(True)
                widget.textChanged.connect(lambda k=key, w=widget: self._edit((k,), w.toPlainText))
            else:
                widget.textEdited.connect(lambda _t, k=key, w=widget: self._edit((k,), w.text))
            if key == "presenting_title":
                widget.setPlaceholderText("What a candidate is told (no diagnosis)")
            if key == "outcome":
                widget.setPlaceholderText("How the diagnosis was confirmed (optional)")
            self.texts[key] = widget
            self._row(label, widget, key)

        # --- labs ---
        self.labs = QListWidget()
        self.labs.setObjectName("editorLabs")
        self.labs.setAccessibleName("Laboratory results")
        self.labs.setMaximumHeight(90)
        self.lab_name = QLineEdit()
        self.lab_name.setObjectName("editorLabName")
        self.lab_name.setPlaceholderText("Test (CRP)")
        self.lab_value = QLineEdit()
        self.lab_value.setObjectName("editorLabValue")
        self.lab_value.setPlaceholderText("Value")
        self.lab_unit = QLineEdit()
        self.lab_unit.setObjectName("editorLabUnit")
        self.lab_unit.setPlaceholderText("Unit (mg/L)")
        self.lab_flag = QComboBox()
        self.lab_flag.setObjectName("editorLabFlag")
        self.lab_flag.setAccessibleName("Reference flag")
        self.lab_flag.addItems(LAB_FLAGS)
        add_lab = QPushButton("Add")
        add_lab.setObjectName("editorAddLab")
        add_lab.setAccessibleName("Add the laboratory result")
        add_lab.clicked.connect(self.add_lab)
        remove_lab = QPushButton("Remove")
        remove_lab.setObjectName("editorRemoveLab")
        remove_lab.setAccessibleName("Remove the chosen laboratory result")
        remove_lab.clicked.connect(self._remove_lab)
        lab_row = QHBoxLayout()
        for widget in (self.lab_name, self.lab_value, self.lab_unit, self.lab_flag, add_lab):
            lab_row.addWidget(widget)
        labs = QVBoxLayout()
        labs.addWidget(self.labs)
        labs.addLayout(lab_row)
        labs.addWidget(remove_lab, 0, Qt.AlignmentFlag.AlignLeft)
        self._row("Labs", labs, "labs")

        # --- diagnosis ---
        self.diagnosis = QComboBox()
        self.diagnosis.setObjectName("editorDiagnosis")
        self.diagnosis.setAccessibleName("Diagnosis")
        for key, label in DIAGNOSES.items():
            self.diagnosis.addItem(label, key)
        self.diagnosis.currentIndexChanged.connect(
            lambda _i: self._edit(("diagnosis",), self.diagnosis.currentData, now=True)
        )
        self._row("Diagnosis", self.diagnosis, "diagnosis")
        self.pattern = QComboBox()
        self.pattern.setObjectName("editorPattern")
        self.pattern.setAccessibleName("Lesion pattern")
        self.pattern.addItem("No pattern (not CNO)", None)
        for key, label in PATTERNS.items():
            self.pattern.addItem(label, key)
        self.pattern.currentIndexChanged.connect(
            lambda _i: self._edit(("pattern",), self.pattern.currentData, now=True)
        )
        self._row("Pattern", self.pattern, "pattern")

        # --- findings ---
        self.findings = QPlainTextEdit()
        self.findings.setObjectName("editorFindings")
        self.findings.setAccessibleName("Findings, one per line")
        self.findings.setPlaceholderText("One finding per line")
        self.findings.setMaximumHeight(90)
        self.findings.setTabChangesFocus(True)
        self.findings.textChanged.connect(
            lambda: self._edit(
                ("findings",),
                lambda: [
                    ln.strip() for ln in self.findings.toPlainText().splitlines() if ln.strip()
                ],
            )
        )
        self._row("Findings", self.findings, "findings")

        # --- teaching points and differential discussion ---
        self.points = QListWidget()
        self.points.setObjectName("editorTeachingPoints")
        self.points.setAccessibleName("Teaching points")
        self.points.setMaximumHeight(90)
        self.point_text = QLineEdit()
        self.point_text.setObjectName("editorPointText")
        self.point_text.setPlaceholderText("A teaching point in your own words")
        self.point_sources = _sources_list("editorPointSources", "Sources of the teaching point")
        add_point = QPushButton("Add teaching point")
        add_point.setObjectName("editorAddPoint")
        add_point.clicked.connect(self.add_teaching_point)
        remove_point = QPushButton("Remove")
        remove_point.setObjectName("editorRemovePoint")
        remove_point.clicked.connect(lambda: self._remove_selected(self.points, "teaching_points"))
        points = QVBoxLayout()
        points.addWidget(self.points)
        points.addWidget(self.point_text)
        points.addWidget(self.point_sources)
        buttons = QHBoxLayout()
        buttons.addWidget(add_point)
        buttons.addWidget(remove_point)
        buttons.addStretch(1)
        points.addLayout(buttons)
        self._row("Teaching", points, "teaching_points")

        self.notes = QListWidget()
        self.notes.setObjectName("editorDifferential")
        self.notes.setAccessibleName("Differential discussion")
        self.notes.setMaximumHeight(80)
        self.note_diagnosis = QComboBox()
        self.note_diagnosis.setObjectName("editorNoteDiagnosis")
        self.note_diagnosis.setAccessibleName("Diagnosis discussed")
        for key, label in DIAGNOSES.items():
            self.note_diagnosis.addItem(label, key)
        self.note_text = QLineEdit()
        self.note_text.setObjectName("editorNoteText")
        self.note_text.setPlaceholderText("Why it is or is not this diagnosis")
        self.note_sources = _sources_list("editorNoteSources", "Sources of the discussion")
        add_note = QPushButton("Add to the discussion")
        add_note.setObjectName("editorAddNote")
        add_note.clicked.connect(self.add_differential)
        remove_note = QPushButton("Remove")
        remove_note.setObjectName("editorRemoveNote")
        remove_note.clicked.connect(
            lambda: self._remove_selected(self.notes, "differential_discussion")
        )
        notes = QVBoxLayout()
        notes.addWidget(self.notes)
        row = QHBoxLayout()
        row.addWidget(self.note_diagnosis)
        row.addWidget(self.note_text, 1)
        notes.addLayout(row)
        notes.addWidget(self.note_sources)
        buttons = QHBoxLayout()
        buttons.addWidget(add_note)
        buttons.addWidget(remove_note)
        buttons.addStretch(1)
        notes.addLayout(buttons)
        self._row("Differential", notes, "differential_discussion")

        self.new_source_button = QPushButton("New source…")
        self.new_source_button.setObjectName("editorNewSource")
        self.new_source_button.setAccessibleName("Add a source that is not in the bibliography")
        self.new_source_button.setToolTip(
            "Add an article to your bibliography (shown as a citation still to check)"
        )
        self.new_source_button.clicked.connect(lambda: self.new_source())
        self.source_problem = QLabel()
        self.source_problem.setObjectName("editorSourceProblem")
        self.source_problem.setStyleSheet("color: #ff7b72;")
        self.source_problem.hide()
        self.references = _sources_list("editorReferences", "References of the case")
        self.references.itemChanged.connect(
            lambda _item: (
                self._filling
                or self._edit(("references",), lambda: checked_sources(self.references), now=True)
            )
        )
        references = QVBoxLayout()
        references.addWidget(self.references)
        references.addWidget(self.new_source_button, 0, Qt.AlignmentFlag.AlignLeft)
        references.addWidget(self.source_problem)
        self._row("References", references, "references")
        self.refresh()

    # --- layout helpers ---
    def _row(self, label: str, field_widget, key: str) -> None:
        # Each row is a widget holding its layouts: a parentless layout handed to
        # QFormLayout.addRow was destroyed twice (by the form and by its Python wrapper) when
        # the editor was deleted, a segfault seen when a later window processed the deletion.
        row = QWidget()
        holder = QVBoxLayout(row)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.setSpacing(2)
        if isinstance(field_widget, QWidget):
            holder.addWidget(field_widget)
        else:
            holder.addLayout(field_widget)
        problem = _problem_label(key)
        self.problems[key] = problem
        holder.addWidget(problem)
        self.form.addRow(label, row)

    # --- edits ---
    def _edit(self, path: tuple, value: Callable[[], object], now: bool = False) -> None:
        if self._filling:
            return
        self._pending[path] = value
        if now:
            self.commit_pending()
        else:
            self._timer.start()

    def commit_pending(self) -> None:
        """Write the texts typed since the last pause into the draft (one edit per field)."""
        self._timer.stop()
        pending, self._pending = self._pending, {}
        changed = False
        for path, value in pending.items():
            before = self.draft.revision
            self.draft.set(path, value())
            changed = changed or self.draft.revision != before
        if changed:
            self.edited.emit()

    def add_lab(self) -> None:
        name = self.lab_name.text().strip()
        if not name:
            return
        self.commit_pending()
        self.draft.append(
            "labs",
            {
                "name": name,
                "value": self.lab_value.text().strip(),
                "unit": self.lab_unit.text().strip(),
                "flag": self.lab_flag.currentText(),
            },
            f"add lab {name}",
        )
        for widget in (self.lab_name, self.lab_value, self.lab_unit):
            widget.clear()
        self.edited.emit()

    def _remove_lab(self) -> None:
        self._remove_selected(self.labs, "labs")

    def _remove_selected(self, box: QListWidget, key: str) -> None:
        row = box.currentRow()
        if 0 <= row < len(self.draft.data[key]):
            self.commit_pending()
            self.draft.remove(key, row)
            self.edited.emit()

    def add_teaching_point(self) -> None:
        text = self.point_text.text().strip()
        if not text:
            return
        self.commit_pending()
        sources = checked_sources(self.point_sources)
        self.draft.append("teaching_points", {"text": text, "sources": sources}, "add teaching")
        self.point_text.clear()
        set_checked_sources(self.point_sources, [])
        self.edited.emit()

    def add_differential(self) -> None:
        text = self.note_text.text().strip()
        if not text:
            return
        self.commit_pending()
        note = {
            "diagnosis": self.note_diagnosis.currentData(),
            "text": text,
            "sources": checked_sources(self.note_sources),
        }
        self.draft.append("differential_discussion", note, "add discussion")
        self.note_text.clear()
        set_checked_sources(self.note_sources, [])
        self.edited.emit()

    def new_source(self, fields: dict | None = None):
        """Add a source to the user's bibliography (asked in a dialog unless ``fields`` are
        given: id, authors, title, journal, year, details); it joins every source list."""
        from cnoatlas.domain.errors import AtlasError
        from cnoatlas.domain.sources import add_user_source

        if fields is None:
            fields = NewSourceDialog.ask(self)
            if fields is None:
                return None
        try:
            source = add_user_source(**fields)
        except AtlasError as exc:
            self.source_problem.setText(str(exc))
            self.source_problem.show()
            return None
        self.source_problem.hide()
        for box in (self.point_sources, self.note_sources, self.references):
            item = QListWidgetItem(f"{source.short}  [{source.id}] (to check)")
            item.setData(_SOURCE_ROLE, source.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            box.addItem(item)
        return source

    # --- showing the draft ---
    def refresh(self) -> None:
        """Show the draft's values (after an undo, a redo or a recovery)."""
        self._filling = True
        try:
            d = self.draft.data
            self.age.setValue(float(d["patient"].get("age_years") or 0))
            self.sex.setCurrentIndex(max(0, self.sex.findData(d["patient"].get("sex"))))
            for key, widget in self.texts.items():
                value = d.get(key) or ""
                if isinstance(widget, QPlainTextEdit):
                    if widget.toPlainText() != value:
                        widget.setPlainText(value)
                elif widget.text() != value:
                    widget.setText(value)
            self.labs.clear()
            for lab in d["labs"]:
                self.labs.addItem(f"{lab['name']}: {lab['value']} {lab['unit']} ({lab['flag']})")
            self.diagnosis.setCurrentIndex(max(0, self.diagnosis.findData(d["diagnosis"])))
            self.pattern.setCurrentIndex(max(0, self.pattern.findData(d["pattern"])))
            findings = "\n".join(d["findings"])
            if [ln.strip() for ln in self.findings.toPlainText().splitlines() if ln.strip()] != d[
                "findings"
            ]:
                self.findings.setPlainText(findings)
            self.points.clear()
            for point in d["teaching_points"]:
                self.points.addItem(f"{point['text']}  [{', '.join(point['sources'])}]")
            self.notes.clear()
            for note in d["differential_discussion"]:
                label = DIAGNOSES.get(note["diagnosis"], note["diagnosis"])
                self.notes.addItem(f"{label}: {note['text']}  [{', '.join(note['sources'])}]")
            set_checked_sources(self.references, d["references"])
            if self.sequences is not None:
                set_checked_sources(self.sequences, d["generator"]["sequences"])
        finally:
            self._filling = False

    def show_problems(self, problems: FieldProblems) -> None:
        """Each field's problems beside it; hidden when it has none."""
        for key, label in self.problems.items():
            reasons = problems.under(key)
            if key == "patient":
                reasons += problems.under("series.generator.age_years")
                reasons += problems.under("series.generator.sex")
            label.setText("; ".join(reasons))
            label.setVisible(bool(reasons))
            label.setAccessibleName(f"Problems: {'; '.join(reasons)}" if reasons else "")


class NewSourceDialog(QDialog):
    """The fields of a new source."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newSourceDialog")
        self.setWindowTitle("New source")
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for key, label, hint in (
            ("source_id", "Id", "smith2021"),
            ("authors", "Authors", "Smith A, Jones B"),
            ("title", "Title", "Title of the article"),
            ("journal", "Journal", "Pediatr Radiol"),
            ("year", "Year", "2021"),
            ("details", "Volume:pages", "51:1234-42 (optional)"),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"newSource-{key}")
            edit.setAccessibleName(label)
            edit.setPlaceholderText(hint)
            self.edits[key] = edit
            form.addRow(label, edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def fields(self) -> dict:
        out: dict = {k: e.text() for k, e in self.edits.items()}
        year = out["year"].strip()
        out["year"] = int(year) if year.isdigit() else -1
        return out

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> dict | None:
        dialog = cls(parent)
        return dialog.fields() if dialog.exec() else None


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 1)
