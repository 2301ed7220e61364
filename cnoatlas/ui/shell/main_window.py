"""The main window: page navigation, menus, settings, remembered window state."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from cnoatlas import APP_NAME, __version__, paths
from cnoatlas.domain.errors import AtlasError
from cnoatlas.ui.common.search_box import SearchBox
from cnoatlas.ui.common.settings import AppSettings
from cnoatlas.ui.common.theme import apply_theme
from cnoatlas.ui.common.views import ViewRequest, register_view, set_main_window_factory
from cnoatlas.ui.shell.pages import PAGES, build_page

if TYPE_CHECKING:
    from cnoatlas.ui.common.dialogs import AboutDialog, SettingsDialog, ShortcutsDialog

log = logging.getLogger("cnoatlas.gui")


def _scrollable(key: str) -> QScrollArea:
    """Lets a page scroll rather than forcing the window wider than a 1366x768 laptop screen."""
    area = QScrollArea()
    area.setObjectName(f"scroll-{key}")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    return area


class MainWindow(QMainWindow):
    pageChanged = Signal(str)

    def __init__(
        self,
        settings: AppSettings | None = None,
        restore_state: bool = True,
        page_after_paint: bool = False,
        remember_state: bool = True,
    ) -> None:
        """``page_after_paint``: the window paints first (navigation, menus) and builds its first
        page right after, so the app shows up at once (``run_gui``; screenshots build it now)."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.settings = settings or AppSettings()
        # A screenshot's window (remember_state False) leaves the user's window state alone.
        self._remember_state = remember_state
        from cnoatlas.library import study_cache

        study_cache.set_budget_mb(self.settings.cache_budget_mb)
        self._pages: dict[str, QWidget] = {}  # built so far; see page()
        self._areas: dict[str, QScrollArea] = {}
        self._keys: list[str] = []
        self._prebuild_scheduled = False
        self._after_paint = ""  # the page to build once the window has painted
        self._dialogs: dict[str, object] = {}

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName("Sections")
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        for spec in PAGES:
            item = QListWidgetItem(spec.title)
            item.setToolTip(f"{spec.intro} ({spec.shortcut})")
            self.navigation.addItem(item)
            self._keys.append(spec.key)
            # A page is built when first shown: start-up builds one page, not all five (the
            # Cases page alone imports pydicom and pyqtgraph). The rest follow once idle.
            self._areas[spec.key] = _scrollable(spec.key)
            self.stack.addWidget(self._areas[spec.key])
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_navigation()
        self.navigation.currentRowChanged.connect(self._on_row_changed)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_menus()
        disclaimer = QLabel("Educational tool, not for clinical diagnosis")
        disclaimer.setObjectName("disclaimerLabel")
        disclaimer.setProperty("role", "disclaimer")
        self.statusBar().addPermanentWidget(disclaimer)
        if getattr(self.settings, "problem", None):  # a settings file kept aside, unsaved
            self.statusBar().showMessage(self.settings.problem)
        self.resize(1280, 800)

        page = PAGES[0].key
        if restore_state:
            geometry, state, saved_page = self.settings.window_state()
            if geometry is not None:
                self.restoreGeometry(geometry)
            if state is not None:
                self.restoreState(state)
            if saved_page in self._areas:
                page = saved_page
        if page_after_paint:
            self._after_paint = page
        self.show_page(page)

    def _fit_navigation(self) -> None:
        """The sidebar as wide as its longest name at the current scale (padding included)."""
        from cnoatlas.ui.common.typography import app_scale

        self.navigation.ensurePolished()
        pad = round(8 * app_scale())  # the item padding the style sheet gives, each side x2
        fm = self.navigation.fontMetrics()
        widest = max(fm.horizontalAdvance(spec.title) for spec in PAGES)
        self.navigation.setFixedWidth(widest + 4 * pad + 2 * self.navigation.frameWidth() + 12)

    def event(self, event) -> bool:
        if event.type() in (
            event.Type.FontChange,
            event.Type.StyleChange,
            event.Type.ApplicationFontChange,
        ):
            QTimer.singleShot(0, self, self._fit_navigation)  # once the new sizes are known
        return super().event(event)

    # --- pages -------------------------------------------------------------------------
    @property
    def page_keys(self) -> list[str]:
        return list(self._keys)

    def page(self, key: str) -> QWidget:
        """The page widget for ``key``, built now if it has not been yet."""
        if key not in self._pages:
            page = build_page(PAGES[self._keys.index(key)])
            self._pages[key] = page
            self._areas[key].setWidget(page)
            # Pages that point at a teaching case (the atlas's site panel) open it on Cases.
            if hasattr(page, "openCase"):
                page.openCase.connect(self.open_case)
            # The Reading page's chips open a site on the Atlas page or an evidence overlay.
            if hasattr(page, "openSite"):
                page.openSite.connect(self.open_site)
            if hasattr(page, "openEvidence"):
                page.openEvidence.connect(self.open_evidence)
            if hasattr(page, "openQuiz"):  # the Progress page's empty state
                page.openQuiz.connect(lambda: self.show_page("quiz"))
            if hasattr(page, "openProgress"):  # the quiz's end-of-session summary
                page.openProgress.connect(lambda: self.show_page("progress"))
            if hasattr(page, "openChapter"):  # the Atlas's site panel lists chapters too
                page.openChapter.connect(self.open_chapter)
        return self._pages[key]

    def _build_next_page(self) -> None:
        """Build one page not built yet, then come back for the next (keeps the UI responsive)."""
        for key in self._keys:
            if key not in self._pages:
                self.page(key)
                QTimer.singleShot(0, self, self._build_next_page)
                return

    def _build_after_paint(self) -> None:
        if self._after_paint:
            key, self._after_paint = self._after_paint, ""
            self.page(key)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._after_paint:
            QTimer.singleShot(0, self, self._build_after_paint)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._after_paint:  # in case no paint reaches the window itself
            QTimer.singleShot(150, self, self._build_after_paint)
        if not self._prebuild_scheduled:
            self._prebuild_scheduled = True
            QTimer.singleShot(400, self, self._build_next_page)

    def current_page(self) -> str:
        return self._keys[self.stack.currentIndex()]

    def show_page(self, key: str) -> None:
        if key not in self._areas:
            raise AtlasError(f"unknown page '{key}' (pages: {', '.join(self._keys)})")
        self.navigation.setCurrentRow(self._keys.index(key))

    def open_case(self, case_id: str, site_id: str = "") -> None:
        """Show a teaching case on the Cases page, at its lesion in ``site_id`` if given."""
        self.show_page("cases")
        self.page("cases").open_case(case_id, site_id or None)

    def open_site(self, site_id: str) -> None:
        """Show a site selected on the Atlas page, its panel open."""
        self.show_page("atlas")
        page = self.page("atlas")
        page.modes.setCurrentIndex(0)
        page.select_site(site_id)

    def open_evidence(self, dataset_id: str) -> None:
        """Show the skeleton coloured by an evidence dataset (Atlas page, overlays)."""
        self.show_page("atlas")
        page = self.page("atlas")
        page.modes.setCurrentWidget(page.overlay)
        page.overlay.show_dataset(dataset_id)

    def open_chapter(self, chapter_id: str) -> None:
        self.show_page("reading")
        self.page("reading").show_chapter(chapter_id)

    def open_search_result(self, kind: str, target: str) -> None:
        """Go to what a search result names: a chapter, a case or a site."""
        opener = {"chapter": self.open_chapter, "case": self.open_case, "site": self.open_site}
        opener[kind](target)

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def _on_row_changed(self, row: int) -> None:
        if row < 0:
            return
        if self._keys[row] != self._after_paint:
            self.page(self._keys[row])
        self.stack.setCurrentIndex(row)
        spec = PAGES[row]
        self.setWindowTitle(f"{spec.title} — {APP_NAME}")
        self.pageChanged.emit(spec.key)

    # --- menus and actions -------------------------------------------------------------
    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName("action" + "".join(w.capitalize() for w in text.split()).strip("&."))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden (full screen)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("Open log folder", self._open_log_folder))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))

        view_menu = bar.addMenu("&View")
        for spec in PAGES:
            view_menu.addAction(
                self._action(
                    f"Go to {spec.title}",
                    lambda _=False, k=spec.key: self.show_page(k),
                    spec.shortcut,
                )
            )
        view_menu.addSeparator()
        self.fullscreen_action = self._action("Full screen", self.toggle_full_screen, "F11")
        self.fullscreen_action.setCheckable(True)
        view_menu.addAction(self.fullscreen_action)
        view_menu.addAction(self._action("Settings…", self.open_settings, "Ctrl+,"))
        view_menu.addSeparator()
        view_menu.addAction(self._action("Present lecture", self.present_lecture, "F5"))
        view_menu.addAction(self._action("Lecture playlists…", self.open_playlists, "Ctrl+Shift+L"))
        view_menu.addAction(self._action("Add to playlist", self.add_to_playlist, "Ctrl+Shift+A"))

        view_menu.addSeparator()
        view_menu.addAction(
            self._action("Search…", self.focus_search, QKeySequence.StandardKey.Find)
        )
        self.search_box = SearchBox()
        self.search_box.resultChosen.connect(self.open_search_result)
        # The holder keeps the field off the window's edge; Python keeps it alive (PySide6 does
        # not hand a corner widget's ownership to the menu bar).
        self._search_holder = QWidget()
        self._search_holder.setObjectName("searchHolder")
        row = QHBoxLayout(self._search_holder)
        row.setContentsMargins(0, 2, 8, 2)
        row.addWidget(self.search_box)
        bar.setCornerWidget(self._search_holder, Qt.Corner.TopRightCorner)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("Keyboard shortcuts", self.open_shortcuts, "F1"))
        help_menu.addAction(self._action(f"About {APP_NAME}", self.open_about))

    def shortcut_actions(self) -> list[QAction]:
        return [a for a in self.actions() if not a.shortcut().isEmpty()]

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    def _show_dialog(self, key: str, factory):
        # The dialogs module is imported with the first dialog, not before the window shows.
        from cnoatlas.ui.common.dialogs import grow_to_fit

        dialog = self._dialogs.get(key)
        if dialog is None:
            dialog = factory()
            self._dialogs[key] = dialog
        dialog.show()
        # The scale may have grown since it was last shown: once its fonts are current, it
        # grows to show its contents whole.
        grow_to_fit(dialog)
        QTimer.singleShot(0, dialog, lambda: grow_to_fit(dialog))
        dialog.raise_()
        return dialog

    def open_about(self) -> AboutDialog:
        def make() -> AboutDialog:
            from cnoatlas.domain.sources import bibliography
            from cnoatlas.ui.common.dialogs import AboutDialog

            return AboutDialog(bibliography(), self)

        return self._show_dialog("about", make)

    def open_shortcuts(self) -> ShortcutsDialog:
        def make() -> ShortcutsDialog:
            from cnoatlas.ui.atlas.site_map import map_shortcuts
            from cnoatlas.ui.common.dialogs import ShortcutsDialog
            from cnoatlas.ui.viewer.series_viewer import viewer_shortcuts

            sections = [
                ("Skeleton map (click it first)", map_shortcuts()),
                ("Image viewer (click the image first)", viewer_shortcuts()),
            ]
            return ShortcutsDialog(self.shortcut_actions(), self, sections)

        return self._show_dialog("shortcuts", make)

    def open_settings(self) -> SettingsDialog:
        def make() -> SettingsDialog:
            from cnoatlas.ui.common.dialogs import SettingsDialog

            dialog = SettingsDialog(
                self.settings.theme,
                self.settings.scale,
                self,
                self.settings.cache_budget_mb,
                scale_is_auto=self.settings.scale_is_auto,
            )
            dialog.themeChanged.connect(self.set_theme)
            dialog.scaleChanged.connect(self.set_scale)
            dialog.cacheBudgetChanged.connect(self.set_cache_budget)
            return dialog

        return self._show_dialog("settings", make)

    def present_lecture(self, source=None):
        """Present a playlist (the last one used, or the example) full screen."""
        from cnoatlas.ui.lecture.presentation import present

        self.presentation = present(source, self)
        return self.presentation

    def open_playlists(self):
        def make():
            from cnoatlas.ui.lecture.playlist_editor import PlaylistEditor
            from cnoatlas.ui.lecture.presentation import remember_playlist

            editor = PlaylistEditor()
            editor.presentRequested.connect(self.present_lecture)
            editor.saved.connect(remember_playlist)
            return editor

        return self._show_dialog("playlists", make)

    def add_to_playlist(self):
        """Adds what the window shows (a case, an overlay, the map, a question) to the playlist
        open in the editor, and shows the editor so the lecturer sees where it went."""
        editor = self.open_playlists()
        return editor.add_from_window(self)

    def set_theme(self, name: str) -> None:
        self.settings.theme = name
        apply_theme(QApplication.instance(), name, self.settings.scale)

    def set_cache_budget(self, megabytes: int) -> None:
        from cnoatlas.library import study_cache

        self.settings.cache_budget_mb = megabytes
        study_cache.set_budget_mb(self.settings.cache_budget_mb)  # applies at the next study

    def set_scale(self, scale: float) -> None:
        """``scale`` 0 (or less): follow the screen again; otherwise the user's own choice."""
        self.settings.scale = scale if scale > 0 else None
        apply_theme(QApplication.instance(), self.settings.theme, self.settings.scale)
        dialog = self._dialogs.get("settings")
        if scale <= 0 and dialog is not None:
            dialog.show_scale(self.settings.scale)

    def _open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.user_log_dir())))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._remember_state:
            self.settings.save_window_state(
                self.saveGeometry(), self.saveState(), self.current_page()
            )
            self.settings.sync()
        super().closeEvent(event)


@register_view("home", "the main window as it opens")
def _home_view(request: ViewRequest) -> QWidget:
    # A screenshot shows the window as a first-time user sees it, not the last session's state.
    return MainWindow(restore_state=False, remember_state=False)


@register_view("page", "one page of the main window as it opens", argument="a page key")
def _page_view(request: ViewRequest) -> QWidget:
    window = MainWindow(restore_state=False, remember_state=False)
    if request.argument not in window.page_keys:
        window.close()
        raise AtlasError(
            f"unknown page '{request.argument}' (pages: {', '.join(window.page_keys)})"
        )
    window.show_page(request.argument)
    return window


# Views of other features show a page of a fresh window made here.
set_main_window_factory(lambda: MainWindow(restore_state=False, remember_state=False))
log.debug("%s %s main window module loaded", APP_NAME, __version__)
