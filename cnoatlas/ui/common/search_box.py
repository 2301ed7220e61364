"""The search field of the main window: type, see chapters, cases and sites, choose one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from cnoatlas.domain.errors import AtlasError

if TYPE_CHECKING:  # the index (and the case library under it) loads on first search
    from cnoatlas.domain.search import SearchIndex

KIND_LABELS = {"chapter": "Chapter", "case": "Case", "site": "Site"}
MAX_RESULTS = 30
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchBox(QLineEdit):
    """A line edit with a popup of results; ``resultChosen(kind, id)`` when the user picks one."""

    resultChosen = Signal(str, str)

    def __init__(self, index: SearchIndex | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.setAccessibleName("Search chapters, cases and sites")
        self.setPlaceholderText("Search (Ctrl+F)")
        self.setToolTip("Search chapters, cases and sites: 'clav' finds the clavicle")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 32)
        # Framed in the theme's muted colour so the field reads as one on every theme.
        self.setStyleSheet(
            "QLineEdit#searchBox { border: 1px solid palette(placeholder-text);"
            " border-radius: 4px; padding: 1px 6px; }"
            "QLineEdit#searchBox:focus { border: 2px solid palette(highlight); }"
        )
        self._index = index
        self.results = QStandardItemModel(self)
        self.completer = QCompleter(self.results, self)
        # Our own index does the matching; the completer only shows and picks.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.setWidget(self)
        # Titles of cases are long: the list is wider than the field it drops from.
        self.completer.popup().setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        self.completer.popup().setObjectName("searchResults")
        self.completer.popup().setAccessibleName("Search results")
        self.completer.activated[QModelIndex].connect(self._chosen)
        self.textEdited.connect(self.update_results)
        self.returnPressed.connect(self._choose_first)

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            from cnoatlas.domain.search import search_index

            self._index = search_index()  # built on first use, not at start-up
        return self._index

    def update_results(self, text: str) -> None:
        self.results.clear()
        try:
            found = self.index.search(text, limit=MAX_RESULTS) if text.strip() else []
        except AtlasError as exc:  # a broken data file: say which, rather than fail silently
            found = []
            problem = QStandardItem(f"Search is unavailable: {exc}")
            problem.setEnabled(False)
            self.results.appendRow(problem)
        for result in found:
            item = QStandardItem(f"{result.title}   ·  {KIND_LABELS[result.kind]}")
            item.setData(result.kind, KIND_ROLE)
            item.setData(result.id, ID_ROLE)
            item.setToolTip(result.id)
            item.setEditable(False)
            self.results.appendRow(item)
        if not found and text.strip() and not self.results.rowCount():
            empty = QStandardItem(f"Nothing found for “{text.strip()}”")
            empty.setEnabled(False)
            self.results.appendRow(empty)
        if text.strip():
            self.completer.complete(self.popup_rect())
        else:
            self.completer.popup().hide()

    def popup_rect(self) -> QRect:
        """Where the results drop (in this field's coordinates): as wide as they need, their
        right edge at the field's right edge, and moved back inside the screen when the field
        sits at a screen edge (the window's top-right corner)."""
        popup = self.completer.popup()
        width = max(self.width(), popup.minimumWidth())
        left = self.width() - width  # right-aligned with the field
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            global_left = self.mapToGlobal(QPoint(left, 0)).x()
            global_left = max(screen.left(), min(global_left, screen.right() + 1 - width))
            left = self.mapFromGlobal(QPoint(global_left, 0)).x()
            width = min(width, screen.width())
        return QRect(left, 0, width, self.height())

    def result_rows(self) -> list[tuple[str, str]]:
        """(kind, id) of each result shown, in order."""
        rows = []
        for row in range(self.results.rowCount()):
            item = self.results.item(row)
            if item.data(ID_ROLE):
                rows.append((item.data(KIND_ROLE), item.data(ID_ROLE)))
        return rows

    def _chosen(self, index: QModelIndex) -> None:
        # The popup's index belongs to the completer's proxy model; its data is the same.
        kind, target = index.data(KIND_ROLE), index.data(ID_ROLE)
        if kind and target:
            self.completer.popup().hide()
            self.clear()
            self.results.clear()
            self.resultChosen.emit(kind, target)

    def _choose_first(self) -> None:
        if self.completer.popup().isVisible():
            return  # the popup handles Enter on its own current row
        rows = self.result_rows()
        if rows:
            self.clear()
            self.results.clear()
            self.resultChosen.emit(*rows[0])

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.completer.popup().hide()
            self.clear()
            self.clearFocus()
            return
        super().keyPressEvent(event)
