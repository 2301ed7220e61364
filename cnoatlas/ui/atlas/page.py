"""The Atlas page: the skeleton (front view and lateral spine) beside a panel on the chosen site."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.errors import AtlasError, DataFileError
from cnoatlas.domain.sites import site_model
from cnoatlas.ui.atlas.site_map import SiteMap
from cnoatlas.ui.common.flow import FlowLayout, ReflowBox
from cnoatlas.ui.common.typography import app_scale
from cnoatlas.ui.common.views import ViewRequest, new_main_window, register_view

if TYPE_CHECKING:
    from cnoatlas.ui.atlas.overlay import OverlayView

SEGMENT_LABELS = {
    "posterior-elements": "posterior elements",
    "third": "third of the clavicle",
    "column": "acetabular column",
}


# What the notes area says before a site is chosen (no facts here, so nothing to cite).
CHOOSE_A_SITE = (
    "<p>Pick a bone, or a part of one, to read what CNO typically does there; every point "
    "names its source.</p>"
    "<p>Long bones are split into epiphysis, metaphysis and diaphysis: zoom in (wheel or +) "
    "to reach the growth-plate regions.</p>"
    "<p>To see how often each bone is involved, open <b>Evidence overlays</b>.</p>"
)
CHAPTER_ROLE = Qt.ItemDataRole.UserRole + 1  # a related item that is a reading chapter


def _chapters_for(site_id: str) -> list:
    """Reading chapters that link this site or its bone; none if a chapter file is broken
    (the Reading page names the problem)."""
    from cnoatlas.domain.chapters import chapters_for_site

    try:
        return list(chapters_for_site(site_id))
    except DataFileError:
        return []


class SitePanel(QFrame):
    """Name, anatomy and teaching notes of one site, and the cases and chapters that show it."""

    def minimumSizeHint(self) -> QSize:
        # Wide enough for a heading's longest word at any scale (280 px at 1.0).
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), round(280 * (0.5 + app_scale() / 2))), hint.height())

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sitePanel")
        self.setProperty("role", "card")
        self.setAccessibleName("Site details")
        self.site_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        self.title = QLabel("Choose a site")
        self.title.setObjectName("siteTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.anatomy = QLabel("Click a bone on the skeleton, or use Tab and the arrow keys.")
        self.anatomy.setObjectName("siteAnatomy")
        self.anatomy.setProperty("role", "muted")
        self.anatomy.setWordWrap(True)
        notes_heading = QLabel("What CNO typically does here")
        notes_heading.setObjectName("siteNotesHeading")
        notes_heading.setProperty("role", "heading")
        notes_heading.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName("siteNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setObjectName("siteNotesScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.notes)
        related_heading = QLabel("Cases and chapters")
        related_heading.setObjectName("siteRelatedHeading")
        related_heading.setProperty("role", "heading")
        related_heading.setWordWrap(True)
        self.related = QListWidget()
        self.related.setObjectName("siteRelated")
        self.related.setAccessibleName("Cases and chapters about this site")
        self.related.setMaximumHeight(160)
        # Long case titles wrap instead of hiding behind a sideways scroll bar.
        self.related.setWordWrap(True)
        self.related.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.related.setResizeMode(QListWidget.ResizeMode.Adjust)
        for widget in (self.title, self.anatomy, notes_heading):
            layout.addWidget(widget)
        layout.addWidget(scroll, 1)
        layout.addWidget(related_heading)
        layout.addWidget(self.related)
        self.set_related([])
        self.show_site("")

    def show_site(self, site_id: str) -> None:
        self.site_id = site_id
        if not site_id:
            self.title.setText("Choose a site")
            self.anatomy.setText("Click a bone on the skeleton, or use Tab and the arrow keys.")
            self.notes.setText(CHOOSE_A_SITE)
            self.set_related([])
            return
        # Read when a site is first shown, not at start-up: the page paints without them.
        from cnoatlas.domain.site_notes import for_whole_bone, notes_for
        from cnoatlas.domain.sources import bibliography

        model = site_model()
        site = model.get(site_id)
        self.title.setText(site.name)
        segment = SEGMENT_LABELS.get(site.segment or "", site.segment or "whole bone")
        self.anatomy.setText(f"Bone: {site.bone}   ·   Segment: {segment}   ·   Side: {site.side}")
        notes = notes_for(site_id)
        if not notes:
            self.notes.setText(
                "<p>The review this atlas is built on says nothing specific about this site.</p>"
            )
            return
        sources = bibliography()
        parts = []
        for note in notes:
            src = sources.get(note.source)
            cite = src.short if src else note.source
            where = f", {note.where}" if note.where else ""
            # A note on the whole bone, read on one part of it, says so: its figure is the bone's.
            bone = for_whole_bone(note, site_id, model)
            scope = f"<b>{_escape(bone.capitalize())}, the whole bone:</b> " if bone else ""
            parts.append(
                f"<p>{scope}{_escape(note.text)}<br><i>{_escape(cite)}{_escape(where)}</i></p>"
            )
        self.notes.setText("".join(parts))

    def set_related(self, items: list[str]) -> None:
        """Cases and chapters that show this site (filled in by the case library and reading)."""
        self.related.clear()
        if not items:
            empty = QListWidgetItem(
                "No teaching case or chapter on this site yet."
                if self.site_id
                else "Choose a site to list its teaching cases and chapters."
            )
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.related.addItem(empty)
            return
        for text in items:
            self.related.addItem(text)

    def set_cases(self, cases: list[tuple[str, str]]) -> None:
        """The teaching cases with a lesion at this site, as (case id, title); Enter opens one."""
        self.set_related([title for _id, title in cases])
        for row, (case_id, _title) in enumerate(cases):
            self.related.item(row).setData(Qt.ItemDataRole.UserRole, case_id)

    def add_chapters(self, chapters: list[tuple[str, str]]) -> None:
        """Reading chapters about this site, as (chapter id, title), after the cases."""
        if chapters and self.related.count() == 1 and not self.related.item(0).flags():
            self.related.clear()  # the "no case" placeholder
        for chapter_id, title in chapters:
            item = QListWidgetItem(f"Chapter: {title}")
            item.setData(CHAPTER_ROLE, chapter_id)
            self.related.addItem(item)

    def note_text(self) -> str:
        return self.notes.text()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class AtlasPage(QWidget):
    """The skeleton map page. ``siteSelected`` tells other pages which site is chosen."""

    siteSelected = Signal(str)
    openCase = Signal(str, str)  # case id, site id: MainWindow shows it on the Cases page
    openChapter = Signal(str)  # chapter id: MainWindow shows it on the Reading page

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-atlas")
        self.setAccessibleName("Atlas page")
        self.site_map = SiteMap("front")
        self.spine_map = SiteMap("spine-lateral")
        self.spine_map.setMinimumSize(150, 260)
        self.spine_map.setMaximumWidth(200)
        self.spine_map.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        # The right foot from the side (calcaneus under the talus), under the spine.
        self.foot_map = SiteMap("foot-lateral")
        self.foot_map.setMinimumSize(150, 140)
        self.foot_map.setMaximumWidth(320)
        self.foot_map.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.panel = SitePanel()

        toolbar = FlowLayout(spacing=8)  # the buttons wrap on a narrow page
        self.fit_button = self._button("fitButton", "Fit", "Show the whole skeleton (0)")
        self.zoom_in = self._button("zoomInButton", "Zoom in", "Zoom in (+)")
        self.zoom_out = self._button("zoomOutButton", "Zoom out", "Zoom out (−)")
        self.mirror = self._button(
            "mirrorButton", "Anatomical view", "Mirror the skeleton: radiological or anatomical"
        )
        self.mirror.setCheckable(True)
        self.fit_button.clicked.connect(self._fit)
        self.zoom_in.clicked.connect(lambda: self.site_map.zoom_by(1.25))
        self.zoom_out.clicked.connect(lambda: self.site_map.zoom_by(1 / 1.25))
        self.mirror.toggled.connect(self.set_anatomical_view)
        for b in (self.fit_button, self.zoom_in, self.zoom_out, self.mirror):
            toolbar.addWidget(b)
        hint = QLabel("Hover to name a bone · click to read about it · drag to pan · wheel to zoom")
        hint.setProperty("role", "muted")
        hint.setObjectName("mapHint")
        hint.setToolTip(hint.text())
        # On its own line under the buttons: it wraps there rather than being squeezed.
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        hint.setWordWrap(True)

        maps = QHBoxLayout()
        maps.addWidget(self.site_map, 3)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.spine_map, 3)
        side.addWidget(self.foot_map, 1)
        maps.addLayout(side, 1)

        left_widget = QWidget()
        left_widget.setObjectName("atlasMaps")
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(toolbar)
        left.addWidget(hint)
        left.addLayout(maps, 1)
        explore = QWidget()
        explore.setObjectName("atlasExplore")
        layout = QVBoxLayout(explore)
        layout.setContentsMargins(16, 12, 16, 12)
        # Maps beside the panel; one above the other when the page is too narrow for both.
        self.explore_row = ReflowBox(320, spacing=16)
        self.explore_row.setObjectName("atlasExploreRow")
        self.explore_row.addWidget(left_widget, 5)
        self.explore_row.addWidget(self.panel, 3)
        layout.addWidget(self.explore_row)
        # A second mode: the skeleton coloured by evidence, with sources (cnoatlas.ui.atlas.overlay).
        # It is built when first opened (see ``overlay``): it costs as much as the rest of the
        # page and start-up shows this page first.
        self._overlay: OverlayView | None = None
        self.modes = QTabWidget()
        self.modes.setObjectName("atlasModes")
        self.modes.setAccessibleName("Atlas modes")
        self.modes.setUsesScrollButtons(False)
        self.modes.setElideMode(Qt.TextElideMode.ElideNone)
        self.modes.addTab(explore, "Explore the skeleton")
        self.modes.addTab(QWidget(), "Evidence overlays")
        self.modes.currentChanged.connect(lambda index: self.overlay if index == 1 else None)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.modes)

        self.panel.related.itemActivated.connect(self._case_chosen)
        self.panel.related.itemClicked.connect(self._case_chosen)
        self.site_map.siteClicked.connect(self._on_clicked)
        self.spine_map.siteClicked.connect(self._on_clicked)
        self.foot_map.siteClicked.connect(self._on_clicked)
        self.site_map.selectionChanged.connect(self._on_selection)
        for key, slot in (
            ("+", lambda: self.site_map.zoom_by(1.25)),
            ("-", lambda: self.site_map.zoom_by(1 / 1.25)),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    @property
    def overlay(self) -> OverlayView:
        """The evidence overlays tab, built on first use."""
        if self._overlay is None:
            from cnoatlas.ui.atlas.overlay import OverlayView

            self._overlay = OverlayView()
            current = self.modes.currentIndex()
            pending = self.modes.widget(1)
            self.modes.blockSignals(True)
            self.modes.removeTab(1)
            self.modes.insertTab(1, self._overlay, "Evidence overlays")
            self.modes.setCurrentIndex(current)
            self.modes.blockSignals(False)
            pending.deleteLater()
        return self._overlay

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def _fit(self) -> None:
        self.site_map.fit()
        self.spine_map.fit()
        self.foot_map.fit()

    def set_anatomical_view(self, mirrored: bool) -> None:
        self.site_map.set_anatomical_view(mirrored)
        self.mirror.setChecked(mirrored)

    def select_site(self, site_id: str) -> None:
        """Select a site on the maps and open its panel; AtlasError for an unknown id."""
        model = site_model()
        if site_id not in model.sites:
            hint = " (a group; choose one of its sites)" if site_id in model.groups else ""
            raise AtlasError(f"unknown site '{site_id}'{hint}")
        self._show(site_id)

    def selected_site(self) -> str:
        return self.panel.site_id

    def _on_clicked(self, site_id: str) -> None:
        self._show(site_id)

    def _on_selection(self, ids: list) -> None:
        if not ids:
            self.spine_map.clear_selection()
            self.foot_map.clear_selection()
            self.panel.show_site("")

    def _show(self, site_id: str) -> None:
        for m in (self.site_map, self.spine_map, self.foot_map):
            if site_id in m.site_ids():
                if m.selected_sites() != [site_id]:
                    m.set_selection([site_id])
                m.ensure_visible(site_id)  # chosen from search or a list: bring it into view
            else:
                m.clear_selection()
        from cnoatlas.domain.cases import case_library

        self.panel.show_site(site_id)
        self.panel.set_cases([(c.id, c.title) for c, _lesion in case_library().cases_at(site_id)])
        self.panel.add_chapters([(c.id, c.title) for c in _chapters_for(site_id)])
        self.siteSelected.emit(site_id)

    def _case_chosen(self, item: QListWidgetItem) -> None:
        chapter_id = item.data(CHAPTER_ROLE)
        if chapter_id:
            self.openChapter.emit(chapter_id)
            return
        case_id = item.data(Qt.ItemDataRole.UserRole)
        if case_id:
            self.openCase.emit(case_id, self.panel.site_id)


@register_view("map", "the skeleton map (with --select: that site selected, its panel open)")
def _map_view(request: ViewRequest) -> QWidget:

    if request.select is not None:
        model = site_model()
        if request.select not in model.sites:
            raise AtlasError(f"--select: unknown site '{request.select}' (see 'cnoatlas sites')")
    window = new_main_window()
    window.show_page("atlas")
    page = window.page("atlas")
    if request.select and isinstance(page, AtlasPage):
        page.select_site(request.select)
    return window
