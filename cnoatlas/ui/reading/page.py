"""The Reading page: short chapters with numbered references, and chips to related material."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.cases import case_library
from cnoatlas.domain.chapters import Block, Chapter, chapter_library, get_chapter
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.evidence import evidence_library
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.sources import bibliography
from cnoatlas.ui.common.theme import Theme, current_theme
from cnoatlas.ui.common.typography import app_scale
from cnoatlas.ui.common.views import ViewRequest, new_main_window, register_view

LINE_CHARACTERS = 80  # the measure a comfortable line of text should not exceed
TEXT_FACTOR = 1.1  # reading text a little larger than the controls


def _inline_html(block: Block) -> str:
    out = []
    for part in block.parts:
        text = html.escape(part.text)
        if part.style == "strong":
            out.append(f"<b>{text}</b>")
        elif part.style == "em":
            out.append(f"<i>{text}</i>")
        elif part.style == "cite":
            out.append(f"<sup>[{text}]</sup>")
        else:
            out.append(text)
    return "".join(out).strip()


def chapter_html(chapter: Chapter, t: Theme) -> str:
    """The chapter as rich text for QTextBrowser, coloured for the theme."""
    sources = bibliography()
    out = [
        f"<h1>{html.escape(chapter.title)}</h1>",
        f"<p class='lead'>{html.escape(chapter.summary)}</p>",
    ]
    open_list = ""  # "ul" or "ol" while a list is open
    nested = False
    for block in chapter.blocks:
        want = {"item": "ul", "step": "ol"}.get(block.kind, "")
        if block.kind == "item" and block.level == 1 and open_list:
            if not nested:
                out.append("<ul>")
                nested = True
            out.append(f"<li>{_inline_html(block)}</li>")
            continue
        if nested:
            out.append("</ul>")
            nested = False
        if open_list and open_list != want:
            out.append(f"</{open_list}>")
            open_list = ""
        if want and not open_list:
            start = f" start='{block.level}'" if want == "ol" else ""
            out.append(f"<{want}{start}>")
            open_list = want
        if block.kind == "heading":
            out.append(f"<h{block.level}>{_inline_html(block)}</h{block.level}>")
        elif want:
            out.append(f"<li>{_inline_html(block)}</li>")
        else:
            out.append(f"<p>{_inline_html(block)}</p>")
    if nested:
        out.append("</ul>")
    if open_list:
        out.append(f"</{open_list}>")
    out.append("<h2>References</h2><ol class='refs'>")
    for source_id in chapter.references:
        source = sources[source_id]
        check = (
            f" <span style='color:{t.warning}'>(citation to check)</span>"
            if not source.verified
            else ""
        )
        out.append(f"<li>{html.escape(source.citation)}{check}</li>")
    out.append("</ol>")
    style = (
        f"body {{ color: {t.text}; }}"
        "p, li { line-height: 150%; }"
        "h1 { font-size: x-large; margin-bottom: 4px; }"
        f"p.lead {{ color: {t.muted}; margin-bottom: 12px; }}"
        "h2 { font-size: large; margin-top: 18px; }"
        "h3 { font-size: medium; margin-top: 12px; }"
        f"sup {{ color: {t.accent}; }}"
        f"ol.refs li {{ color: {t.muted}; line-height: 130%; }}"
    )
    return f"<html><head><style>{style}</style></head><body>{''.join(out)}</body></html>"


class LinkChip(QLabel):
    """A rounded, word-wrapping link to a site, case or dataset; click, Enter or Space opens it."""

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class ReadingPage(QWidget):
    """Chapter list on the left, the chapter in the middle, related material on the right."""

    chapterShown = Signal(str)
    openCase = Signal(str, str)  # case id, site id ("" here): MainWindow opens it on Cases
    openSite = Signal(str)  # MainWindow selects the site on the Atlas page
    openEvidence = Signal(str)  # MainWindow shows the evidence overlay

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-reading")
        self.setAccessibleName("Reading page")
        self._chapter: Chapter | None = None
        self.problem = ""  # why the chapters could not be read, shown instead of them
        try:
            self.chapters = chapter_library()
        except AtlasError as exc:  # a lecturer's edit broke a chapter file: say which and why
            self.chapters, self.problem = (), str(exc)
        self._refresh_pending = False

        self.chapter_list = QListWidget()
        self.chapter_list.setObjectName("chapterList")
        self.chapter_list.setAccessibleName("Chapters")
        self.chapter_list.setWordWrap(True)
        self.chapter_list.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.chapter_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for number, chapter in enumerate(self.chapters, start=1):
            item = QListWidgetItem(f"{number}.  {chapter.title}")
            item.setData(Qt.ItemDataRole.UserRole, chapter.id)
            item.setToolTip(chapter.summary)
            self.chapter_list.addItem(item)
        self.chapter_list.currentItemChanged.connect(self._on_item)

        self.text = QTextBrowser()
        self.text.setObjectName("chapterText")
        self.text.setAccessibleName("Chapter text")
        self.text.setOpenLinks(False)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.links = QFrame()
        self.links.setObjectName("chapterLinks")
        self.links.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.links_layout = QVBoxLayout(self.links)

        # The related links sit right of the text; when the page is too narrow for three
        # columns at this scale they move under the chapter list (see _place_links).
        self.left_column = QVBoxLayout()
        self.left_column.addWidget(self.chapter_list)
        self.left_column.addStretch(1)
        self.right_column = QVBoxLayout()
        self.right_column.addWidget(self.links)
        self.right_column.addStretch(1)

        self.columns = QHBoxLayout(self)
        self.columns.setContentsMargins(16, 12, 16, 12)
        self.columns.setSpacing(24)
        self.columns.addLayout(self.left_column)
        self.columns.addWidget(self.text, 4)
        self.columns.addLayout(self.right_column)
        self.columns.addStretch(1)  # on a wide screen spare room goes to the right, not the lines
        self._fit_measure()
        if self.chapters:
            self.chapter_list.setCurrentRow(0)
        else:
            self.links.hide()
            self.text.setPlainText(
                f"The chapters could not be read.\n\n{self.problem or 'There are no chapters.'}"
            )

    # --- public API --------------------------------------------------------------------
    def chapter_ids(self) -> list[str]:
        return [c.id for c in self.chapters]

    def current_chapter(self) -> str:
        return self._chapter.id if self._chapter else ""

    def show_chapter(self, chapter_id: str) -> None:
        """Show a chapter; AtlasError naming the known chapters for an unknown id."""
        chapter = get_chapter(chapter_id, self.chapters)
        row = self.chapters.index(chapter)
        if self.chapter_list.currentRow() != row:
            self.chapter_list.setCurrentRow(row)  # _on_item renders it
        else:
            self._render(chapter)

    def link_chips(self) -> list[LinkChip]:
        return self.links.findChildren(LinkChip)

    # --- rendering ---------------------------------------------------------------------
    def _on_item(self, item: QListWidgetItem | None, _previous=None) -> None:
        if item is not None:
            self._render(get_chapter(item.data(Qt.ItemDataRole.UserRole), self.chapters))

    def _render(self, chapter: Chapter) -> None:
        self._chapter = chapter
        self._paint(chapter)
        self.text.verticalScrollBar().setValue(0)
        self.chapterShown.emit(chapter.id)

    def _paint(self, chapter: Chapter) -> None:
        self.text.setHtml(chapter_html(chapter, current_theme()))
        self._fill_links(chapter)

    def _fill_links(self, chapter: Chapter) -> None:
        while self.links_layout.count():
            item = self.links_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()  # gone now, not only once the event loop deletes it
                widget.setParent(None)
                widget.deleteLater()
        model = site_model()
        cases = case_library()
        datasets = evidence_library()
        groups = (
            ("On the skeleton", "site", [(s, model.name(s)) for s in chapter.site_ids]),
            ("Cases", "case", [(c, cases.get(c).title) for c in chapter.case_ids if c in cases]),
            ("Evidence maps", "evidence", [(d, datasets[d].title) for d in chapter.evidence_ids]),
        )
        for heading, kind, entries in groups:
            if not entries:
                continue
            label = QLabel(heading)
            label.setProperty("role", "muted")
            self.links_layout.addWidget(label)
            for target, title in entries:
                self.links_layout.addWidget(self._chip(kind, target, title))
            self.links_layout.addSpacing(8)

    def _chip(self, kind: str, target: str, title: str) -> LinkChip:
        chip = LinkChip(title)
        chip.setObjectName(f"link-{kind}-{target}")
        chip.setAccessibleName(f"Open {title}")
        chip.setProperty("role", "chip")
        chip.setProperty("link_kind", kind)
        chip.setProperty("link_target", target)
        chip.clicked.connect(lambda k=kind, i=target: self._follow(k, i))
        return chip

    def _follow(self, kind: str, target: str) -> None:
        if kind == "site":
            self.openSite.emit(target)
        elif kind == "case":
            self.openCase.emit(target, "")
        elif kind == "evidence":
            self.openEvidence.emit(target)

    def _fit_measure(self) -> None:
        """Size the columns from the font, so the measure and the scale grow together."""
        app = QApplication.instance()
        base = QFont(app.font() if app else self.font())
        base.setPointSizeF(base.pointSizeF() * TEXT_FACTOR)
        self.text.setFont(base)
        metrics = QFontMetricsF(base)
        margin = self.text.document().documentMargin() * 2
        scroll = self.text.verticalScrollBar().sizeHint().width()
        self.text.setMaximumWidth(
            round(metrics.averageCharWidth() * LINE_CHARACTERS + margin + scroll)
        )
        # Narrow minimums: at scale 3 on a 1366x768 laptop the list and the text must still fit
        # side by side (the text reflows; lines only get shorter).
        large = app_scale() >= 2.5
        self.text.setMinimumWidth(round(metrics.averageCharWidth() * (20 if large else 26)))
        chars = QFontMetricsF(self.font()).averageCharWidth()
        self.chapter_list.setFixedWidth(round(chars * (20 if large else 30)))
        self.links.setFixedWidth(round(chars * (20 if large else 34)))
        self._fit_list_height()
        self._place_links()
        t = current_theme()
        border = 2 if t.name == "contrast" else 1
        sheet = f"""
            QFrame#chapterLinks {{
                background: {t.alt_base}; border: {border}px solid {t.border}; border-radius: 8px;
            }}
            QLabel[role="chip"] {{
                padding: 4px 12px; border-radius: 12px;
                background: {t.base}; color: {t.accent}; border: {border}px solid {t.accent};
            }}
            QLabel[role="chip"]:hover {{ background: {t.accent}; color: {t.accent_text}; }}
            QLabel[role="chip"]:focus {{ border: 2px solid {t.text}; }}
            QListWidget#chapterList::item {{ padding: 6px 4px; }}
            QListWidget#chapterList::item:selected {{
                background: {t.accent}; color: {t.accent_text};
            }}
            """
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)

    def _fit_list_height(self) -> None:
        """The chapter list as tall as its (wrapped) titles, so none is hidden."""
        chapter_list = self.chapter_list
        if not chapter_list.count():
            return
        chapter_list.doItemsLayout()
        last = chapter_list.visualItemRect(chapter_list.item(chapter_list.count() - 1))
        bottom = last.bottom() + chapter_list.verticalScrollBar().value()
        chapter_list.setFixedHeight(bottom + 2 * chapter_list.frameWidth() + 8)
        chapter_list.scrollToTop()  # it may have scrolled to its current row while too short

    def links_beside_text(self) -> bool:
        return self.right_column.indexOf(self.links) >= 0

    def _place_links(self) -> None:
        margins = self.columns.contentsMargins()
        needed = (
            self.chapter_list.width()
            + self.text.maximumWidth()
            + self.links.width()
            + 2 * self.columns.spacing()
            + margins.left()
            + margins.right()
        )
        beside = self.width() >= needed
        if beside == self.links_beside_text():
            return
        source, target = (
            (self.left_column, self.right_column)
            if beside
            else (self.right_column, self.left_column)
        )
        source.removeWidget(self.links)
        target.insertWidget(0 if beside else 1, self.links)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_links()
        QTimer.singleShot(0, self, self._fit_list_height)  # once the list has its new width

    def changeEvent(self, event: QEvent) -> None:
        # A new theme or UI scale. apply_theme sends these events before it records the theme's
        # name, so re-measure and re-colour once the event loop is back.
        kinds = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.PaletteChange)
        if event.type() in kinds and not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self, self._refresh)
        super().changeEvent(event)

    def _refresh(self) -> None:
        self._fit_measure()
        if self._chapter is not None:
            position = self.text.verticalScrollBar().value()
            self._paint(self._chapter)
            self.text.verticalScrollBar().setValue(position)
        self._refresh_pending = False  # after: restyling above sends the same events again


@register_view("chapter", "a reading chapter", argument="a chapter id")
def _chapter_view(request: ViewRequest) -> QWidget:

    get_chapter(request.argument or "")  # AtlasError naming the chapters for an unknown id
    window = new_main_window()
    window.show_page("reading")
    page = window.page("reading")
    if not isinstance(page, ReadingPage):
        raise AtlasError("the Reading page is not available")
    page.show_chapter(request.argument or "")
    return window
