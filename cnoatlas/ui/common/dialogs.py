"""About, keyboard shortcuts and settings dialogs."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnoatlas import APP_NAME, __version__
from cnoatlas.domain.sources import Source
from cnoatlas.ui.common.settings import AppSettings
from cnoatlas.ui.common.theme import MAX_SCALE, MIN_SCALE, THEME_LABELS, THEME_NAMES

DISCLAIMER = (
    "CNO Atlas is an educational tool for teaching and self-study. It is not a medical device "
    "and must not be used for clinical diagnosis or treatment decisions."
)


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    buttons.setObjectName("closeButtons")
    return buttons


class AboutDialog(QDialog):
    def __init__(self, sources: dict[str, Source], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.resize(720, 560)
        refs = "".join(f"<li>{html.escape(s.citation)}</li>" for s in sources.values())
        primary = next((s for s in sources.values() if s.role == "primary"), None)
        based_on = (
            f"<p>The atlas is built on the review by {html.escape(primary.short)} "
            f"({html.escape(primary.journal)}). Every figure it shows names its source.</p>"
            if primary
            else ""
        )
        body = QTextBrowser()
        body.setObjectName("aboutText")
        body.setAccessibleName("About CNO Atlas")
        body.setOpenExternalLinks(False)
        body.setHtml(
            f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>An offline atlas of chronic nonbacterial osteomyelitis (CNO, also called CRMO) "
            "and its diagnosis with whole-body MRI, for residents and lecturers in radiology, "
            "paediatrics and rheumatology.</p>"
            f"<p><b>{html.escape(DISCLAIMER)}</b></p>"
            f"{based_on}<h3>Sources cited</h3><ol>{refs}</ol>"
            "<p>Images made by the atlas's own generator are labelled <i>synthetic</i>; "
            "they show no real patient.</p>"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(body)
        layout.addWidget(_close_buttons(self))


class ShortcutsDialog(QDialog):
    """Lists every shortcut from the window's own actions, so the list cannot drift.

    ``sections`` adds (heading, [(keys, action), ...]) groups for keys that belong to one widget
    (the image viewer, the map), read from the same lists those widgets use.
    """

    def __init__(
        self,
        actions: list[QAction],
        parent: QWidget | None = None,
        sections: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 640)
        window_rows = [
            (a.shortcut().toString(), a.text().replace("&", ""))
            for a in actions
            if not a.shortcut().isEmpty()
        ]
        groups = [("Anywhere in the window", window_rows), *sections] if sections else []
        count = sum(len(rows) + 1 for _, rows in groups) if groups else len(window_rows)
        table = QTableWidget(count, 2)
        table.setObjectName("shortcutsTable")
        table.setAccessibleName("Keyboard shortcuts")
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        row = 0
        for heading, rows in groups or [("", window_rows)]:
            if heading:
                item = QTableWidgetItem(heading)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                table.setItem(row, 0, item)
                table.setSpan(row, 0, 1, 2)
                row += 1
            for keys, text in rows:
                table.setItem(row, 0, QTableWidgetItem(keys))
                table.setItem(row, 1, QTableWidgetItem(text))
                row += 1
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(_close_buttons(self))


class SettingsDialog(QDialog):
    """Theme, UI scale and the image cache's size, applied as soon as they change.

    ``scaleChanged`` carries the chosen scale, or 0.0 when the scale follows the screen."""

    themeChanged = Signal(str)
    scaleChanged = Signal(float)
    cacheBudgetChanged = Signal(int)

    def __init__(
        self,
        theme: str,
        scale: float,
        parent: QWidget | None = None,
        cache_budget_mb: int = 500,
        scale_is_auto: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.theme_combo = QComboBox()
        self.theme_combo.setObjectName("themeCombo")
        self.theme_combo.setAccessibleName("Theme")
        for name in THEME_NAMES:
            self.theme_combo.addItem(THEME_LABELS[name], name)
        self.theme_combo.setCurrentIndex(THEME_NAMES.index(theme))
        self.scale_spin = QDoubleSpinBox()
        self.scale_spin.setObjectName("scaleSpin")
        self.scale_spin.setAccessibleName("Interface scale")
        self.scale_spin.setRange(MIN_SCALE, MAX_SCALE)
        self.scale_spin.setSingleStep(0.25)
        self.scale_spin.setDecimals(2)
        self.scale_spin.setSuffix(" ×")
        self.scale_spin.setValue(scale)
        self.auto_scale_check = QCheckBox("Follow the screen")
        self.auto_scale_check.setObjectName("autoScaleCheck")
        self.auto_scale_check.setAccessibleName("Interface scale follows the screen")
        self.auto_scale_check.setToolTip(
            "The scale is chosen from the screen's resolution and size; change the number to "
            "choose your own."
        )
        self.auto_scale_check.setChecked(scale_is_auto)
        hint = QLabel("Use 1.5 to 3 and the high-contrast theme when projecting in a lecture hall.")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        from cnoatlas.library.study_cache import MAX_BUDGET_MB, MIN_BUDGET_MB

        self.cache_spin = QSpinBox()
        self.cache_spin.setObjectName("cacheBudgetSpin")
        self.cache_spin.setAccessibleName("Image cache limit in megabytes")
        self.cache_spin.setRange(MIN_BUDGET_MB, MAX_BUDGET_MB)
        self.cache_spin.setSingleStep(100)
        self.cache_spin.setSuffix(" MB")
        self.cache_spin.setValue(cache_budget_mb)
        self.cache_spin.setToolTip(
            "Synthetic studies are kept on disk to open again at once; beyond this size the "
            "least recently opened ones are removed (and made again when needed)."
        )
        self.cache_spin.setKeyboardTracking(False)
        self.cache_spin.valueChanged.connect(self.cacheBudgetChanged.emit)
        form = QFormLayout()
        form.addRow("Theme", self.theme_combo)
        form.addRow("Interface scale", self.scale_spin)
        form.addRow("", self.auto_scale_check)
        form.addRow("Image cache limit", self.cache_spin)
        # The department library's server (the password is never kept here: see the README).
        settings = AppSettings()
        self.library_fields: dict[str, QLineEdit] = {}
        library = QFormLayout()
        for key, label, placeholder in (
            ("server", "Server", "https://pacs.example.org/dicom-web, or a shared folder"),
            ("user", "User", "optional"),
            ("ca_bundle", "CA bundle", "a .pem file, if the server's certificate needs one"),
        ):
            field = QLineEdit(settings.library(key))
            field.setObjectName(f"library-{key}")
            field.setAccessibleName(f"Department library {label.lower()}")
            field.setPlaceholderText(placeholder)
            field.editingFinished.connect(
                lambda k=key, f=field: AppSettings().set_library(k, f.text())
            )
            self.library_fields[key] = field
            library.addRow(label, field)
        library_title = QLabel("Department library")
        library_title.setProperty("role", "heading")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(library_title)
        layout.addLayout(library)
        layout.addWidget(_close_buttons(self))
        self.theme_combo.currentIndexChanged.connect(
            lambda _i: self.themeChanged.emit(self.theme_combo.currentData())
        )
        # Apply on editingFinished-like commits only, so typing "2.5" does not flash 2 first.
        self.scale_spin.setKeyboardTracking(False)
        self.scale_spin.valueChanged.connect(self._scale_chosen)
        self.auto_scale_check.toggled.connect(self._auto_toggled)
        self.setWindowModality(Qt.WindowModality.NonModal)

    def _scale_chosen(self, value: float) -> None:
        if self.auto_scale_check.isChecked():
            self.auto_scale_check.blockSignals(True)
            self.auto_scale_check.setChecked(False)  # a number typed is the user's own choice
            self.auto_scale_check.blockSignals(False)
        self.scaleChanged.emit(value)

    def _auto_toggled(self, on: bool) -> None:
        self.scaleChanged.emit(0.0 if on else self.scale_spin.value())

    def show_scale(self, scale: float) -> None:
        """Show the scale now in use (after following the screen) without emitting."""
        self.scale_spin.blockSignals(True)
        self.scale_spin.setValue(scale)
        self.scale_spin.blockSignals(False)
