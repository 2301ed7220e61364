"""The case editor's lesions: the skeleton map to place them, a list and the chosen one's details.

A click on a site of the map adds a lesion there (a site that has one already selects it);
each lesion has a state, whether it hurts, a description and label and, for a synthetic case,
how the image generator draws it (kind, size, options such as periosteal reaction).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.case_draft import CHOICES, CaseDraft, FieldProblems
from cnoatlas.domain.cases import GENERATOR_OPTIONS
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.sites import site_model

log = logging.getLogger("cnoatlas.ui")
_ID_ROLE = Qt.ItemDataRole.UserRole
LESION_FILL = QColor(255, 140, 60, 190)
TYPING_PAUSE_MS = 350


class LesionPanel(QWidget):
    """The map, the lesion list and one lesion's fields. ``edited`` after each draft edit;
    ``lesionChosen`` when the lecturer picks a lesion (the annotation tool ties to it)."""

    edited = Signal()
    lesionChosen = Signal(str)

    def __init__(self, draft: CaseDraft) -> None:
        super().__init__()
        self.setObjectName("caseEditorLesions")
        self.setAccessibleName("Lesions")
        self.draft = draft
        self.model = site_model()
        self._filling = False
        self._pending: dict[str, object] = {}
        self._pending_lesion: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.commit_pending)

        from cnoatlas.ui.atlas.site_map import SiteMap

        self.maps: dict[str, SiteMap] = {}
        self.map_view = QComboBox()
        self.map_view.setObjectName("editorMapView")
        self.map_view.setAccessibleName("Skeleton view")
        maps = QVBoxLayout()
        for view, label in (
            ("front", "Whole skeleton"),
            ("spine-lateral", "Spine, lateral"),
            ("foot-lateral", "Right foot, lateral"),
        ):
            try:
                site_map = SiteMap(view)
            except AtlasError as exc:  # a broken drawing: the other view still works
                log.warning("no %s map in the case editor: %s", view, exc)
                continue
            site_map.setObjectName(f"editorSiteMap-{view}")
            site_map.setAccessibleName(f"Skeleton map ({label}): click a site to add a lesion")
            site_map.siteClicked.connect(self.site_clicked)
            site_map.setMinimumHeight(260)
            self.maps[view] = site_map
            self.map_view.addItem(label, view)
            maps.addWidget(site_map, 1)
            site_map.setVisible(len(self.maps) == 1)
        self.map_view.currentIndexChanged.connect(self._map_view_changed)
        hint = QLabel("Click a site to add a lesion there.")
        hint.setProperty("role", "muted")

        self.list = QListWidget()
        self.list.setObjectName("editorLesionList")
        self.list.setAccessibleName("Lesions of the case")
        self.list.setMaximumHeight(110)
        self.list.currentRowChanged.connect(self._row_changed)
        self.remove_button = QPushButton("Remove lesion")
        self.remove_button.setObjectName("editorRemoveLesion")
        self.remove_button.setAccessibleName("Remove the chosen lesion and its annotations")
        self.remove_button.clicked.connect(self.remove_current)
        self.problem = QLabel()
        self.problem.setObjectName("problem-lesions")
        self.problem.setStyleSheet("color: #ff7b72;")
        self.problem.setWordWrap(True)
        self.problem.hide()

        # --- the chosen lesion ---
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        self.site_label = QLabel("–")
        self.site_label.setObjectName("editorLesionSite")
        self.site_label.setWordWrap(True)
        form.addRow("Site", self.site_label)
        self.state = QComboBox()
        self.state.setObjectName("editorLesionState")
        self.state.setAccessibleName("Lesion state")
        for state in CHOICES["lesion_state"]:
            self.state.addItem(state.replace("-", " "), state)
        self.state.currentIndexChanged.connect(
            lambda _i: self._set("state", self.state.currentData(), now=True)
        )
        self.symptomatic = QCheckBox("Symptomatic")
        self.symptomatic.setToolTip(
            "The lesion hurts or swells (unticked: silent, found by imaging)"
        )
        self.symptomatic.setObjectName("editorLesionSymptomatic")
        self.symptomatic.toggled.connect(lambda on: self._set("symptomatic", on, now=True))
        state_row = QWidget()  # a widget, not a bare layout, in the form (see form.py's _row)
        state_layout = QHBoxLayout(state_row)
        state_layout.setContentsMargins(0, 0, 0, 0)
        state_layout.addWidget(self.state)
        state_layout.addWidget(self.symptomatic)
        form.addRow("State", state_row)
        self.description = QLineEdit()
        self.description.setObjectName("editorLesionDescription")
        self.description.setAccessibleName("What the lesion shows")
        self.description.setPlaceholderText("What the images show at this site")
        self.description.textEdited.connect(lambda t: self._set("description", t))
        form.addRow("Description", self.description)
        self.label = QLineEdit()
        self.label.setObjectName("editorLesionLabel")
        self.label.setAccessibleName("Short label on the image")
        self.label.setPlaceholderText("Short on-image label (optional)")
        self.label.textEdited.connect(lambda t: self._set("annotation", t))
        form.addRow("Label", self.label)

        self.generator = QWidget()
        gen = QGridLayout(self.generator)
        gen.setContentsMargins(0, 0, 0, 0)
        self.kind = QComboBox()
        self.kind.setObjectName("editorLesionKind")
        self.kind.setAccessibleName("Lesion kind drawn by the generator")
        self.kind.addItems(CHOICES["lesion_kind"])
        self.kind.currentTextChanged.connect(lambda t: self._set("kind", t, now=True))
        self.size = QDoubleSpinBox()
        self.size.setObjectName("editorLesionSize")
        self.size.setAccessibleName("Lesion size in millimetres")
        self.size.setRange(3, 200)
        self.size.setSuffix(" mm")
        self.size.setDecimals(0)
        self.size.valueChanged.connect(lambda v: self._set("size_mm", v))
        gen.addWidget(self.kind, 0, 0)
        gen.addWidget(self.size, 0, 1)
        self.options: dict[str, QCheckBox | QDoubleSpinBox] = {}
        for number, (name, kind) in enumerate(GENERATOR_OPTIONS.items()):
            text = name.replace("_", " ")
            if kind is bool:
                box = QCheckBox(text)
                box.toggled.connect(lambda _on, n=name: self._set_option(n))
            else:
                box = QDoubleSpinBox()
                box.setRange(0, 0.9)
                box.setSingleStep(0.1)
                box.setPrefix(f"{text} ")
                box.valueChanged.connect(lambda _v, n=name: self._set_option(n))
            box.setObjectName(f"editorOption-{name}")
            box.setAccessibleName(text)
            self.options[name] = box
            gen.addWidget(box, 1 + number // 2, number % 2)
        form.addRow("Generator", self.generator)
        self.generator.setVisible(draft.synthetic)
        form.labelForField(self.generator).setVisible(draft.synthetic)

        top = QHBoxLayout()
        top.addWidget(hint, 1)
        top.addWidget(self.map_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(maps, 1)
        layout.addWidget(self.list)
        layout.addWidget(self.problem)
        layout.addWidget(self.details)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.refresh()

    # --- the map ---
    def _map_view_changed(self, index: int) -> None:
        view = self.map_view.itemData(index)
        for key, site_map in self.maps.items():
            site_map.setVisible(key == view)

    def site_clicked(self, site_id: str) -> str | None:
        """Add a lesion at a site (or choose the one there); its id."""
        if site_id not in self.model.sites:
            return None  # a group (a whole bone): name one site
        self.commit_pending()
        for lesion in self.draft.data["lesions"]:
            if lesion["site_id"] == site_id:
                self.choose(lesion["id"])
                return lesion["id"]
        lesion_id = self.draft.add_lesion(site_id)
        self.refresh()
        self.choose(lesion_id)
        self.edited.emit()
        return lesion_id

    # --- the list ---
    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(_ID_ROLE) if item is not None else None

    def choose(self, lesion_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(_ID_ROLE) == lesion_id:
                self.list.setCurrentRow(row)
                return

    def _row_changed(self, _row: int) -> None:
        if self._filling:
            return
        self.commit_pending()
        self._fill_details()
        lesion_id = self.current_id()
        if lesion_id:
            self.lesionChosen.emit(lesion_id)

    def remove_current(self) -> None:
        lesion_id = self.current_id()
        if lesion_id is None:
            return
        self.commit_pending()
        self.draft.remove_lesion(lesion_id)
        self.refresh()
        self.edited.emit()

    # --- edits ---
    def _set(self, key: str, value: object, now: bool = False) -> None:
        if self._filling or self.current_id() is None:
            return
        if self._pending and self._pending_lesion != self.current_id():
            self.commit_pending()
        self._pending_lesion = self.current_id()  # typed text belongs to the lesion shown
        self._pending[key] = value
        if now:
            self.commit_pending()
        else:
            self._timer.start()

    def _set_option(self, name: str) -> None:
        lesion_id = self.current_id()
        if self._filling or lesion_id is None:
            return
        options = dict(self.draft.lesion(lesion_id).get("options") or {})
        box = self.options[name]
        value = box.isChecked() if isinstance(box, QCheckBox) else round(box.value(), 2)
        if value:
            options[name] = value
        else:
            options.pop(name, None)
        self._set("options", options, now=True)

    def commit_pending(self) -> None:
        self._timer.stop()
        lesion_id = self._pending_lesion
        pending, self._pending = self._pending, {}
        if (
            lesion_id is None
            or not pending
            or not any(x["id"] == lesion_id for x in self.draft.data["lesions"])
        ):
            return
        before = self.draft.revision
        for key, value in pending.items():
            if key == "size_mm":
                value = int(value) if float(value).is_integer() else value
            self.draft.set_lesion(lesion_id, key, value)
        if self.draft.revision != before:
            self._refresh_list_text()
            self.edited.emit()

    # --- showing the draft ---
    def _text(self, lesion: dict) -> str:
        site = lesion["site_id"]
        name = self.model.name(site) if self.model.is_known(site) else site
        hurts = "symptomatic" if lesion["symptomatic"] else "silent"
        return f"{lesion['id']}: {name} · {lesion['state'].replace('-', ' ')} · {hurts}"

    def _refresh_list_text(self) -> None:
        for row, lesion in enumerate(self.draft.data["lesions"]):
            if row < self.list.count():
                self.list.item(row).setText(self._text(lesion))

    def refresh(self) -> None:
        current = self.current_id()
        self._filling = True
        try:
            self.list.clear()
            for lesion in self.draft.data["lesions"]:
                self.list.addItem(self._text(lesion))
                self.list.item(self.list.count() - 1).setData(_ID_ROLE, lesion["id"])
            ids = [lesion["id"] for lesion in self.draft.data["lesions"]]
            if ids:
                self.list.setCurrentRow(ids.index(current) if current in ids else len(ids) - 1)
            fills = {lesion["site_id"]: LESION_FILL for lesion in self.draft.data["lesions"]}
            for site_map in self.maps.values():
                site_map.set_site_fills(fills)
        finally:
            self._filling = False
        self._fill_details()

    def _fill_details(self) -> None:
        lesion_id = self.current_id()
        self.details.setEnabled(lesion_id is not None)
        self.remove_button.setEnabled(lesion_id is not None)
        if lesion_id is None:
            self.site_label.setText("No lesion yet: click a site on the map")
            return
        lesion = self.draft.lesion(lesion_id)
        self._filling = True
        try:
            site = lesion["site_id"]
            name = self.model.name(site) if self.model.is_known(site) else site
            self.site_label.setText(f"{name}  ({site})")
            self.state.setCurrentIndex(max(0, self.state.findData(lesion["state"])))
            self.symptomatic.setChecked(bool(lesion["symptomatic"]))
            if self.description.text() != lesion["description"]:
                self.description.setText(lesion["description"])
            if self.label.text() != (lesion.get("annotation") or ""):
                self.label.setText(lesion.get("annotation") or "")
            if self.draft.synthetic:
                self.kind.setCurrentText(lesion.get("kind", "cno-oedema"))
                self.size.setValue(float(lesion.get("size_mm", 20)))
                options = lesion.get("options") or {}
                for name_, box in self.options.items():
                    if isinstance(box, QCheckBox):
                        box.setChecked(bool(options.get(name_)))
                    else:
                        box.setValue(float(options.get(name_) or 0))
        finally:
            self._filling = False

    def show_problems(self, problems: FieldProblems) -> None:
        reasons = problems.under("lesions")
        self.problem.setText("; ".join(reasons))
        self.problem.setVisible(bool(reasons))
