"""The playlist editor: build a lecture from the library's cases, maps and questions.

Pick from the lists on the left, drag to reorder, choose which parts of a case to show and write
speaker notes; the lecture is saved as readable JSON in the user folder (playlists/) and can be
exported and imported as one file to share with colleagues.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.playlist import (
    CASE_STEPS,
    STEP_LABELS,
    Catalogue,
    Playlist,
    PlaylistItem,
    check_item,
    example_playlist_path,
    library_catalogue,
    load_playlist,
    playlist_file_name,
    playlists_dir,
    save_playlist,
)

ROLE = Qt.ItemDataRole.UserRole


def _list(name: str, accessible: str) -> QListWidget:
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setWordWrap(True)
    widget.setSpacing(3)
    return widget


def _button(text: str, name: str, slot, tip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    if tip:
        button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def item_on_screen(window: QWidget | None) -> PlaylistItem | None:
    """What the atlas window shows now, as a playlist item: the open case, the overlay or the
    selected site on the Atlas page, or the question on the Quiz page."""
    if window is None or not hasattr(window, "current_page"):
        return None
    key = window.current_page()
    page = window.page(key)
    if key == "cases":
        reader = getattr(page, "case_page", None)
        case = getattr(reader, "case", None)
        if case is not None and page.currentWidget() is reader:
            return PlaylistItem("case", case.id)
    elif key == "atlas":
        overlay = getattr(page, "overlay", None)
        if overlay is not None and page.modes.currentWidget() is overlay:
            return PlaylistItem("overlay", overlay.current_dataset())
        site = page.selected_site() if hasattr(page, "selected_site") else ""
        return PlaylistItem("map", sites=(site,) if site else (), title="The skeleton")
    elif key == "quiz":
        panel = getattr(page, "question_panel", None)
        question = getattr(panel, "question", None)
        if question is not None and page.stack.currentWidget() is panel:
            return PlaylistItem("question", question.id)
    return None


def atlas_window() -> QWidget | None:
    return next((w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow"), None)


class PlaylistEditor(QWidget):
    """Edits one playlist; ``presentRequested`` asks for it to be presented as it stands."""

    presentRequested = Signal(object)  # Playlist
    saved = Signal(str)  # the file written

    def __init__(self, catalogue: Catalogue | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playlistEditor")
        self.setAccessibleName("Playlist editor")
        self.setWindowTitle("Lecture playlists")
        self.catalogue = catalogue or library_catalogue()
        self.playlist = Playlist()
        self.path: Path | None = None
        self._filling = False
        self._prompts: dict[str, str] = {}  # question id -> prompt

        # what can be added
        self.case_list = _list("playlistCaseChoices", "Cases to add")
        for case in sorted(self.catalogue.cases.values(), key=lambda c: c.title):
            entry = QListWidgetItem(f"{case.title}\n{case.presenting_title}")
            entry.setData(ROLE, ("case", case.id))
            self.case_list.addItem(entry)
        self.view_list = _list("playlistViewChoices", "Maps and overlays to add")
        whole = QListWidgetItem("Skeleton map (the selected sites highlighted)")
        whole.setData(ROLE, ("map", ""))
        self.view_list.addItem(whole)
        for dataset in self.catalogue.datasets.values():
            entry = QListWidgetItem(f"Overlay: {dataset.title}")
            entry.setData(ROLE, ("overlay", dataset.id))
            self.view_list.addItem(entry)
        self.question_list = _list("playlistQuestionChoices", "Questions to add")
        self._fill_questions()
        self.choices = QTabWidget()
        self.choices.setObjectName("playlistChoices")
        self.choices.setAccessibleName("What to add")
        self.choices.setUsesScrollButtons(False)  # all three tabs always readable (any scale)
        self.choices.setElideMode(Qt.TextElideMode.ElideNone)
        self.choices.addTab(self.case_list, "Cases")
        self.choices.addTab(self.view_list, "Maps")
        self.choices.addTab(self.question_list, "Questions")
        for widget in (self.case_list, self.view_list, self.question_list):
            widget.itemDoubleClicked.connect(self._add_choice)
        add = _button("Add ▶", "playlistAdd", self.add_selected, "Add the chosen item (Enter)")
        add_text = _button("Add text slide", "playlistAddText", self.add_text_slide)
        add_shown = _button(
            "Add what the atlas shows",
            "playlistAddShown",
            lambda: self.add_from_window(atlas_window()),
            "The open case, the overlay or site on the Atlas page, or the quiz question",
        )
        left = QVBoxLayout()
        left.addWidget(self.choices, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(add_text)
        left.addLayout(row)
        left.addWidget(add_shown)

        # the lecture
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("playlistTitle")
        self.title_edit.setAccessibleName("Lecture title")
        self.title_edit.textEdited.connect(self._title_edited)
        self.unknowns = QCheckBox("Show cases as unknowns")
        self.unknowns.setObjectName("playlistUnknowns")
        self.unknowns.setAccessibleName("Show every case as an unknown")
        self.unknowns.setToolTip("Hide each case's title and diagnosis until its diagnosis step")
        self.unknowns.toggled.connect(self._unknowns_toggled)
        self.items = _list("playlistItems", "Lecture items, in order")
        self.items.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.items.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items.model().rowsMoved.connect(self._sync_order)
        self.items.currentRowChanged.connect(self._show_details)
        remove = _button("Remove", "playlistRemove", self.remove_current)
        middle = QVBoxLayout()
        middle.addWidget(self.title_edit)
        middle.addWidget(self.unknowns)
        middle.addWidget(self.items, 1)
        middle.addWidget(QLabel("Drag to reorder."))
        middle.addWidget(remove)

        # the chosen item
        self.step_boxes: dict[str, QCheckBox] = {}
        steps_box = QVBoxLayout()
        self.steps_label = QLabel("Parts of the case to show")
        steps_box.addWidget(self.steps_label)
        for part in CASE_STEPS:
            box = QCheckBox(STEP_LABELS[part])
            box.setObjectName(f"playlistStep-{part}")
            box.setAccessibleName(f"Show the {STEP_LABELS[part].lower()}")
            box.toggled.connect(self._steps_changed)
            self.step_boxes[part] = box
            steps_box.addWidget(box)
        self.item_title = QLineEdit()
        self.item_title.setObjectName("playlistItemTitle")
        self.item_title.setAccessibleName("Slide title")
        self.item_title.setPlaceholderText("Slide title")
        self.item_title.textEdited.connect(self._details_changed)
        self.item_text = QPlainTextEdit()
        self.item_text.setObjectName("playlistItemText")
        self.item_text.setAccessibleName("Slide text")
        self.item_text.setPlaceholderText("Text of the slide (blank line: new paragraph)")
        self.item_text.textChanged.connect(self._details_changed)
        self.item_sites = QLineEdit()
        self.item_sites.setObjectName("playlistItemSites")
        self.item_sites.setAccessibleName("Sites to highlight")
        self.item_sites.setPlaceholderText("Site ids to highlight, comma separated")
        self.item_sites.editingFinished.connect(self._details_changed)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("playlistItemNotes")
        self.notes.setAccessibleName("Speaker notes")
        self.notes.setPlaceholderText("Speaker notes (only the presenter view shows them)")
        self.notes.textChanged.connect(self._details_changed)
        self.problem = QLabel()
        self.problem.setObjectName("playlistItemProblem")
        self.problem.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.problem)
        right.addLayout(steps_box)
        right.addWidget(self.item_title)
        right.addWidget(self.item_text)
        right.addWidget(self.item_sites)
        right.addWidget(QLabel("Speaker notes"))
        right.addWidget(self.notes, 1)

        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(middle, 3)
        columns.addLayout(right, 3)
        buttons = QHBoxLayout()
        for button in (
            _button("New", "playlistNew", self.new_playlist),
            _button("Open…", "playlistOpen", self._open_dialog, "A playlist from your folder"),
            _button("Open example", "playlistExample", self.open_example),
            _button("Save", "playlistSave", lambda: self.save()),
            _button("Import…", "playlistImport", self._import_dialog, "A colleague's file"),
            _button("Export…", "playlistExport", self._export_dialog, "One file to share"),
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(
            _button("Present", "playlistPresent", lambda: self.presentRequested.emit(self.playlist))
        )
        self.status = QLabel()
        self.status.setObjectName("playlistStatus")
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.resize(1200, 720)
        self.set_playlist(Playlist(), None)

    def _fill_questions(self) -> None:
        from cnoatlas.domain.quiz import question
        from cnoatlas.domain.quiz.cases import library_cases

        cases = library_cases()
        for qid in sorted(self.catalogue.question_ids):
            if qid.startswith("case:"):
                continue  # case questions need the case's images: add the case instead
            try:
                prompt = question(qid, cases=cases).prompt
            except AtlasError:
                continue
            self._prompts[qid] = prompt
            entry = QListWidgetItem(prompt)
            entry.setToolTip(qid)
            entry.setData(ROLE, ("question", qid))
            self.question_list.addItem(entry)

    # --- the playlist ------------------------------------------------------------------------
    def set_playlist(self, playlist: Playlist, path: Path | None) -> None:
        self.playlist = playlist
        self.path = path
        self._filling = True
        self.title_edit.setText(playlist.title)
        self.unknowns.setChecked(playlist.unknowns)
        self.items.clear()
        for item in playlist.items:
            self.items.addItem(self._entry(item))
        self._filling = False
        self.items.setCurrentRow(0 if playlist.items else -1)
        self._show_details(self.items.currentRow())
        problems = playlist.problems()
        self.status.setText(
            f"{len(problems)} item(s) could not be found: they show as 'missing' slides."
            if problems
            else ""
        )

    def _entry(self, item: PlaylistItem) -> QListWidgetItem:
        entry = QListWidgetItem(self._describe(item))
        entry.setData(ROLE, item)
        if item.problem:
            entry.setForeground(Qt.GlobalColor.red)
        return entry

    def _describe(self, item: PlaylistItem) -> str:
        if item.problem:
            return f"⚠ {item.problem}"
        if item.kind == "case":
            case = self.catalogue.cases[item.ref]
            shown = ", ".join(STEP_LABELS[p].lower() for p in item.steps)
            return f"Case: {case.title}\n   {shown}"
        if item.kind == "overlay":
            return f"Overlay: {self.catalogue.datasets[item.ref].title}"
        if item.kind == "question":
            prompt = self._prompts.get(item.ref, item.ref)
            return f"Question: {prompt if len(prompt) < 90 else prompt[:88] + '…'}"
        return item.describe()

    def _sync_order(self, *_args) -> None:
        self.playlist.items = [self.items.item(i).data(ROLE) for i in range(self.items.count())]

    def item_kinds(self) -> list[str]:
        return [item.kind for item in self.playlist.items]

    def add_item(self, item: PlaylistItem) -> None:
        """Add after the chosen item (at the end if none)."""
        item = check_item(item, self.catalogue)
        row = self.items.currentRow() + 1 if self.items.currentRow() >= 0 else self.items.count()
        self.items.insertItem(row, self._entry(item))
        self._sync_order()
        self.items.setCurrentRow(row)

    def add_selected(self) -> None:
        widget = self.choices.currentWidget()
        entry = widget.currentItem() if isinstance(widget, QListWidget) else None
        if entry is not None:
            self._add_choice(entry)

    def _add_choice(self, entry: QListWidgetItem) -> None:
        kind, ref = entry.data(ROLE)
        if kind == "map":
            self.add_item(PlaylistItem("map", title="The skeleton"))
        else:
            self.add_item(PlaylistItem(kind, ref))

    def add_from_window(self, window: QWidget | None) -> PlaylistItem | None:
        item = item_on_screen(window)
        if item is None:
            self.status.setText("Open a case, an overlay or a quiz question in the atlas first.")
            return None
        self.add_item(item)
        return item

    def add_text_slide(self) -> None:
        self.add_item(PlaylistItem("text", title="New slide"))
        self.item_title.setFocus()

    def remove_current(self) -> None:
        row = self.items.currentRow()
        if row >= 0:
            self.items.takeItem(row)
            self._sync_order()

    def move_item(self, row: int, to: int) -> None:
        """What a drag does, for the keyboard and for tests."""
        entry = self.items.takeItem(row)
        self.items.insertItem(to, entry)
        self._sync_order()
        self.items.setCurrentRow(to)

    # --- details -----------------------------------------------------------------------------
    def _current(self) -> PlaylistItem | None:
        entry = self.items.currentItem()
        return entry.data(ROLE) if entry is not None else None

    def _show_details(self, _row: int) -> None:
        item = self._current()
        self._filling = True
        kind = item.kind if item else ""
        self.problem.setText(item.problem if item and item.problem else "")
        self.problem.setVisible(bool(item and item.problem))
        self.steps_label.setVisible(kind == "case")
        for part, box in self.step_boxes.items():
            box.setVisible(kind == "case")
            box.setChecked(bool(item) and part in item.steps)
        for widget in (self.item_title, self.item_text):
            widget.setVisible(kind in ("text", "map", "overlay"))
        self.item_text.setVisible(kind == "text")
        self.item_sites.setVisible(kind == "map")
        self.item_title.setText(item.title if item else "")
        self.item_text.setPlainText(item.text if item else "")
        self.item_sites.setText(", ".join(item.sites) if item else "")
        self.notes.setEnabled(item is not None)
        self.notes.setPlainText(item.notes if item else "")
        self._filling = False

    def _replace_current(self, item: PlaylistItem) -> None:
        entry = self.items.currentItem()
        if entry is None:
            return
        if item.kind == "map":  # edited sites: check them again
            item = check_item(replace(item, problem=""), self.catalogue)
        entry.setData(ROLE, item)
        entry.setText(self._describe(item))
        self._sync_order()

    def _steps_changed(self) -> None:
        item = self._current()
        if self._filling or item is None or item.kind != "case":
            return
        chosen = tuple(p for p in CASE_STEPS if self.step_boxes[p].isChecked())
        if not chosen:  # a case shows at least its history
            self.step_boxes["history"].setChecked(True)
            return
        self._replace_current(replace(item, steps=chosen))

    def _details_changed(self) -> None:
        item = self._current()
        if self._filling or item is None:
            return
        sites = tuple(s.strip() for s in self.item_sites.text().split(",") if s.strip())
        self._replace_current(
            replace(
                item,
                title=self.item_title.text().strip(),
                text=self.item_text.toPlainText().strip(),
                notes=self.notes.toPlainText().strip(),
                sites=sites if item.kind == "map" else item.sites,
            )
        )

    def _title_edited(self, text: str) -> None:
        self.playlist.title = text.strip() or "Untitled lecture"

    def _unknowns_toggled(self, on: bool) -> None:
        if not self._filling:
            self.playlist.unknowns = on

    # --- files -------------------------------------------------------------------------------
    def new_playlist(self) -> None:
        self.set_playlist(Playlist(), None)

    def open_file(self, path: str | Path) -> Playlist:
        """Open a playlist (a bad file: AtlasError, the editor keeps what it had)."""
        path = Path(path)
        playlist = load_playlist(path, self.catalogue)
        self.set_playlist(playlist, path)
        return playlist

    def open_example(self) -> None:
        self.open_file(example_playlist_path())
        self.path = None  # the shipped example is saved as the user's own copy

    def save(self, path: str | Path | None = None) -> Path:
        """Save to ``path``, to the file it came from, or to the user's playlists folder."""
        if path is None:
            path = self.path or playlists_dir() / playlist_file_name(self.playlist.title)
        written = save_playlist(self.playlist, path)
        self.path = written
        self.status.setText(f"Saved to {written}")
        self.saved.emit(str(written))
        return written

    def import_file(self, source: str | Path) -> Path:
        """Take a colleague's playlist into the user's playlists folder and open it."""
        playlist = load_playlist(source, self.catalogue)
        target = playlists_dir() / playlist_file_name(playlist.title)
        self.set_playlist(playlist, None)
        return self.save(target)

    def export_file(self, target: str | Path) -> Path:
        """One JSON file to send to a colleague; the editor keeps saving to its own file."""
        keep = self.path
        written = save_playlist(copy.deepcopy(self.playlist), target)
        self.path = keep
        self.status.setText(f"Exported to {written}")
        return written

    def _pick(self, save: bool, caption: str) -> str:
        folder = str(playlists_dir())
        pattern = "Playlists (*.json)"
        if save:
            return QFileDialog.getSaveFileName(self, caption, folder, pattern)[0]
        return QFileDialog.getOpenFileName(self, caption, folder, pattern)[0]

    def _run(self, action, *args) -> None:
        try:
            action(*args)
        except AtlasError as exc:
            QMessageBox.warning(self, "Playlist", str(exc))

    def _open_dialog(self) -> None:
        path = self._pick(False, "Open a playlist")
        if path:
            self._run(self.open_file, path)

    def _import_dialog(self) -> None:
        path = self._pick(False, "Import a playlist")
        if path:
            self._run(self.import_file, path)

    def _export_dialog(self) -> None:
        path = self._pick(True, "Export the playlist")
        if path:
            self._run(self.export_file, path)
