"""The DICOM header of one slice in a searchable dialog, with every identifying element left out."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.imaging.safe_tags import TagRow
from cnoatlas.imaging.series import Series


def header_rows(series: Series, index: int) -> list[TagRow]:
    """The rows the browser shows for one slice; a header that cannot be read gives one row
    saying so (never an exception into the dialog)."""
    from cnoatlas.imaging.dicom_io import as_problem
    from cnoatlas.imaging.safe_tags import safe_rows

    try:
        return list(safe_rows(series.header(index)))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        reason = str(as_problem(exc, "header not readable"))
        return [TagRow("", "", "", f"(header not readable: {reason})")]


class TagBrowser(QDialog):
    """The header of one slice, searchable, with every identifying element left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagBrowser")
        self.setWindowTitle("DICOM header (identifiers removed)")
        self.resize(720, 560)
        self.filter = QLineEdit()
        self.filter.setObjectName("tagFilter")
        self.filter.setAccessibleName("Filter tags")
        self.filter.setPlaceholderText("Filter by keyword, tag or value")
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("tagTree")
        self.tree.setAccessibleName("Header elements")
        self.tree.setHeaderLabels(["Tag", "Keyword", "VR", "Value"])
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        note = QLabel(
            "Names, identifiers, dates of birth, addresses, institutions, staff, "
            "accession numbers and patient-linked UIDs are never shown."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(note)

    def show_slice(self, series: Series, index: int) -> None:
        self.setWindowTitle(f"DICOM header of slice {index + 1} (identifiers removed)")
        self.tree.clear()
        parents: list[QTreeWidgetItem] = []
        for row in header_rows(series, index):
            item = QTreeWidgetItem([row.tag, row.keyword, row.vr, row.value])
            del parents[row.depth :]
            if parents:
                parents[-1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            if row.vr == "SQ":
                parents.append(item)
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        self._apply_filter(self.filter.text())

    def rows(self) -> list[tuple[str, str, str, str]]:
        found = []

        def walk(item: QTreeWidgetItem) -> None:
            found.append(tuple(item.text(c) for c in range(4)))
            for k in range(item.childCount()):
                walk(item.child(k))

        for k in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(k))
        return found

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for k in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(k)
            shown = not needle or any(needle in item.text(c).lower() for c in range(4))
            item.setHidden(not shown)
