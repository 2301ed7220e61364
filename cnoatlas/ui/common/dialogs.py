"""About, keyboard shortcuts and settings dialogs."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
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


def grow_to_fit(dialog: QWidget) -> None:
    """Make a dialog at least as large as its contents need now (after a scale change), never
    larger than its screen; a dialog the user made larger stays as it is."""
    # Layouts measured at the old scale while the dialog was hidden: measure them again.
    for layout in dialog.findChildren(QLayout):
        layout.invalidate()
    if dialog.layout() is not None:
        dialog.layout().activate()
    hint = dialog.sizeHint().expandedTo(dialog.minimumSizeHint())
    width, height = max(dialog.width(), hint.width()), max(dialog.height(), hint.height())
    screen = dialog.screen()
    if screen is not None:
        room = screen.availableGeometry()
        width, height = min(width, room.width()), min(height, room.height())
    if (width, height) != (dialog.width(), dialog.height()):
        dialog.resize(width, height)


def scroll_when_tall(dialog: QDialog) -> QScrollArea:
    """Put what a dialog holds into a vertical scroll area, sized to its contents but never
    taller than the screen: at a large scale on a laptop its fields scroll instead of being
    squeezed. Call at the end of the dialog's __init__."""
    inner = dialog.layout()
    body = QWidget()
    body.setObjectName(f"{dialog.objectName() or 'dialog'}Body")
    body.setLayout(inner)  # the layout's widgets move to the body with it
    scroll = QScrollArea()
    scroll.setObjectName(f"{dialog.objectName() or 'dialog'}Scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(body)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    hint = body.sizeHint()
    width, height = hint.width() + scroll.verticalScrollBar().sizeHint().width() + 4, hint.height()
    screen = dialog.screen()
    if screen is not None:
        room = screen.availableGeometry()
        width, height = min(width, room.width()), min(height, room.height() - 40)
    dialog.resize(max(width, dialog.width()), height)
    return scroll


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
        # Keys as wide as they need, the action takes the rest and wraps: never a sideways scroll.
        head = table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)  # sized in showEvent
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setWordWrap(True)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table = table
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(_close_buttons(self))

    def showEvent(self, event) -> None:
        """Wide enough for both columns at the scale in use now (never wider than the screen)."""
        table = self.table
        fm = table.fontMetrics()
        columns = [
            max(
                (fm.horizontalAdvance(table.item(r, c).text()) for r in range(table.rowCount())
                 if table.item(r, c) and table.columnSpan(r, c) == 1),
                default=0,
            )
            + 24
            for c in (0, 1)
        ]  # fmt: skip
        wanted = (
            sum(columns)
            + table.verticalScrollBar().sizeHint().width()
            + 2 * table.frameWidth()
            + self.layout().contentsMargins().left()
            + self.layout().contentsMargins().right()
            + 8
        )
        screen = self.screen().availableGeometry() if self.screen() else None
        limit = screen.width() if screen else wanted
        height = round(table.rowHeight(0) * 18) if table.rowCount() else self.height()
        if screen:
            height = min(height, screen.height() - 80)
        # The keys column as wide as its keys (the spanning section headings do not count).
        table.horizontalHeader().resizeSection(0, columns[0])
        self.resize(min(max(wanted, 560), limit), max(height, 320))
        super().showEvent(event)
        table.resizeRowsToContents()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.table.resizeRowsToContents()  # wrapped actions take the lines they need


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
        cache_budget_mb: int | None = None,  # None: the study cache's default
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
        from cnoatlas.library.study_cache import MAX_BUDGET_MB, MIN_BUDGET_MB, default_budget_mb

        self.cache_spin = QSpinBox()
        self.cache_spin.setObjectName("cacheBudgetSpin")
        self.cache_spin.setAccessibleName("Image cache limit in megabytes")
        self.cache_spin.setRange(MIN_BUDGET_MB, MAX_BUDGET_MB)
        self.cache_spin.setSingleStep(100)
        self.cache_spin.setSuffix(" MB")
        self.cache_spin.setValue(
            default_budget_mb() if cache_budget_mb is None else cache_budget_mb
        )
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
        # The settings scroll (up and down only) when a large scale makes them taller than the
        # screen; the Close button stays in view below them.
        body = QWidget()
        body.setObjectName("settingsBody")
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(form)
        inner.addWidget(hint)
        inner.addWidget(library_title)
        inner.addLayout(library)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self._body = body
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(_close_buttons(self))
        self.theme_combo.currentIndexChanged.connect(
            lambda _i: self.themeChanged.emit(self.theme_combo.currentData())
        )
        # Apply on editingFinished-like commits only, so typing "2.5" does not flash 2 first.
        self.scale_spin.setKeyboardTracking(False)
        self.scale_spin.valueChanged.connect(self._scale_chosen)
        self.auto_scale_check.toggled.connect(self._auto_toggled)
        self.setWindowModality(Qt.WindowModality.NonModal)

    def sizeHint(self) -> QSize:
        # As large as the settings themselves (the scroll area alone would hint a small box).
        body = self._body.sizeHint()
        margins = self.layout().contentsMargins()
        return QSize(
            body.width() + margins.left() + margins.right() + 24,
            body.height() + margins.top() + margins.bottom() + 80,
        )

    def changeEvent(self, event) -> None:
        # The scale chosen here changes this dialog's fonts too: it grows to show them whole.
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            QTimer.singleShot(0, self, lambda: grow_to_fit(self))

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
