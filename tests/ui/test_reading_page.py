"""The Reading page and the global search as a user drives them."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QKeySequence
from PySide6.QtWidgets import QApplication

from cnoatlas.domain.chapters import chapter_library
from cnoatlas.ui.common.search_box import ID_ROLE
from cnoatlas.ui.common.theme import THEMES, apply_theme
from cnoatlas.ui.reading.page import LINE_CHARACTERS, ReadingPage
from cnoatlas.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    apply_theme(QApplication.instance(), "dark", 1.0)


@pytest.fixture
def page(qtbot):
    widget = ReadingPage()
    qtbot.addWidget(widget)
    widget.resize(1600, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    apply_theme(QApplication.instance(), "dark", 1.0)


def _wait_for_case(qtbot, window, case_id):
    cases = window.page("cases")
    qtbot.waitUntil(lambda: cases.case_page.case is not None, timeout=10_000)
    assert cases.case_page.case.id == case_id
    assert cases.currentWidget() is cases.case_page


def test_clicking_a_chapter_shows_it_with_numbered_references(qtbot, page):
    chapters = chapter_library()
    assert page.current_chapter() == chapters[0].id
    row = [c.id for c in chapters].index("diagnostic-pathway")
    rect = page.chapter_list.visualItemRect(page.chapter_list.item(row))
    with qtbot.waitSignal(page.chapterShown) as shown:
        qtbot.mouseClick(page.chapter_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert shown.args == ["diagnostic-pathway"]
    text = page.text.toPlainText()
    assert text.startswith("The diagnostic pathway")
    references = text[text.rindex("References") :]
    assert "Roderick MR" in references and "(citation to check)" in references
    assert "[@" not in text  # citations are rendered as numbers


def test_chips_link_the_chapter_to_sites_cases_and_evidence(qtbot, page):
    page.show_chapter("where-lesions-are")
    chips = {(c.property("link_kind"), c.property("link_target")): c for c in page.link_chips()}
    assert ("site", "clavicle.right.medial-third") in chips
    assert ("case", "cno-claviculo-spinal") in chips
    assert ("evidence", "dangelo2021") in chips
    assert chips[("site", "clavicle.right.medial-third")].text() == "Right clavicle, medial third"
    with qtbot.waitSignal(page.openSite) as opened:
        qtbot.mouseClick(chips[("site", "clavicle.right.medial-third")], Qt.MouseButton.LeftButton)
    assert opened.args == ["clavicle.right.medial-third"]
    chip = chips[("evidence", "dangelo2021")]
    chip.setFocus()
    with qtbot.waitSignal(page.openEvidence) as opened:
        qtbot.keyClick(chip, Qt.Key.Key_Return)
    assert opened.args == ["dangelo2021"]


def test_the_measure_stays_near_eighty_characters_and_scales(qtbot, page):
    def measure() -> float:
        return page.text.maximumWidth() / QFontMetricsF(page.text.font()).averageCharWidth()

    assert LINE_CHARACTERS <= measure() <= LINE_CHARACTERS + 15
    narrow = page.text.maximumWidth()
    apply_theme(QApplication.instance(), "dark", 2.0)
    qtbot.waitUntil(lambda: page.text.maximumWidth() > 1.6 * narrow)
    assert LINE_CHARACTERS <= measure() <= LINE_CHARACTERS + 15


def test_a_theme_change_recolours_the_chapter(qtbot, page):
    apply_theme(QApplication.instance(), "light", 1.0)
    qtbot.waitUntil(lambda: THEMES["light"].text in page.text.toHtml())
    apply_theme(QApplication.instance(), "contrast", 1.0)
    qtbot.waitUntil(lambda: THEMES["contrast"].warning in page.text.toHtml().lower())


def test_a_case_chip_opens_the_case_on_the_cases_page(qtbot, window):
    window.show_page("reading")
    reading = window.page("reading")
    reading.show_chapter("what-is-cno")
    chip = next(
        c for c in reading.link_chips() if c.property("link_target") == "cno-medial-clavicle"
    )
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert window.current_page() == "cases"
    _wait_for_case(qtbot, window, "cno-medial-clavicle")


def test_site_and_evidence_chips_open_the_atlas(qtbot, window):
    window.open_chapter("where-lesions-are")
    reading = window.page("reading")
    chips = {c.property("link_target"): c for c in reading.link_chips()}
    qtbot.mouseClick(chips["vertebra.t7.body"], Qt.MouseButton.LeftButton)
    assert window.current_page() == "atlas"
    assert window.page("atlas").selected_site() == "vertebra.t7.body"
    window.show_page("reading")
    qtbot.mouseClick(chips["dangelo2021"], Qt.MouseButton.LeftButton)
    atlas = window.page("atlas")
    assert window.current_page() == "atlas"
    assert atlas.modes.currentWidget() is atlas.overlay
    assert atlas.overlay.current_dataset() == "dangelo2021"


def _choose(qtbot, window, text: str, target: str) -> None:
    """Ctrl+F, type, then pick ``target`` in the popup with the arrow keys and Enter."""
    window.activateWindow()
    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    box = window.search_box
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClicks(box, text)
    popup = box.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    rows = [popup.model().index(r, 0).data(ID_ROLE) for r in range(popup.model().rowCount())]
    assert target in rows, rows
    popup.setCurrentIndex(popup.model().index(rows.index(target), 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def test_ctrl_f_search_and_choose_a_case(qtbot, window):
    shortcuts = [a.shortcut() for a in window.shortcut_actions()]
    assert QKeySequence(QKeySequence.StandardKey.Find) in shortcuts  # listed in Help > Shortcuts
    _choose(qtbot, window, "clav", "cno-tibio-clavicular")
    assert window.current_page() == "cases"
    _wait_for_case(qtbot, window, "cno-tibio-clavicular")
    assert window.search_box.text() == ""


def test_ctrl_f_search_and_choose_a_chapter(qtbot, window):
    _choose(qtbot, window, "pedcno", "follow-up")
    assert window.current_page() == "reading"
    assert window.page("reading").current_chapter() == "follow-up"
    assert window.page("reading").text.toPlainText().startswith("Follow-up")


def test_ctrl_f_search_and_choose_a_site(qtbot, window):
    _choose(qtbot, window, "medial third clav", "clavicle.left.medial-third")
    assert window.current_page() == "atlas"
    assert window.page("atlas").selected_site() == "clavicle.left.medial-third"


def test_enter_in_the_search_box_opens_the_best_result(qtbot, window):
    window.activateWindow()
    qtbot.keySequence(window, QKeySequence.StandardKey.Find)
    qtbot.waitUntil(window.search_box.hasFocus)
    qtbot.keyClicks(window.search_box, "diagnostic pathway")
    qtbot.waitUntil(window.search_box.completer.popup().isVisible)
    qtbot.keyClick(window.search_box.completer.popup(), Qt.Key.Key_Return)
    assert window.current_page() == "reading"
    assert window.page("reading").current_chapter() == "diagnostic-pathway"


def test_related_links_move_under_the_chapter_list_when_the_page_is_narrow(qtbot, page):
    page.resize(2400, 900)
    qtbot.waitUntil(page.links_beside_text)
    page.resize(900, 900)
    qtbot.waitUntil(lambda: not page.links_beside_text())
    assert page.links.isVisible() and page.text.width() >= page.text.minimumWidth()
    last = page.chapter_list.item(page.chapter_list.count() - 1)
    qtbot.waitUntil(  # every chapter title stays visible in the list
        lambda: page.chapter_list.viewport().rect().contains(page.chapter_list.visualItemRect(last))
    )


def test_a_broken_chapter_file_is_named_on_the_page_and_in_search(qtbot, monkeypatch, tmp_path):
    from cnoatlas.domain.chapters import load_chapters
    from cnoatlas.ui.common.search_box import SearchBox
    from cnoatlas.ui.reading import page as reading_page

    (tmp_path / "broken.md").write_text("no front matter\n", encoding="utf-8")

    def broken():
        return load_chapters(tmp_path)

    monkeypatch.setattr(reading_page, "chapter_library", broken)
    page = ReadingPage()
    qtbot.addWidget(page)
    assert page.chapter_list.count() == 0
    assert "broken.md: line 1: must start with a '---'" in page.text.toPlainText()

    class BrokenIndex:
        def search(self, query, limit=None):
            broken()

    box = SearchBox(BrokenIndex())
    qtbot.addWidget(box)
    box.update_results("clavicle")
    assert box.result_rows() == []
    assert "broken.md" in box.results.item(0).text()


def test_the_atlas_site_panel_lists_chapters_that_open_on_the_reading_page(qtbot, window):
    window.open_site("vertebra.t7.body")
    related = window.page("atlas").panel.related
    texts = [related.item(r).text() for r in range(related.count())]
    assert "Chapter: Where the lesions are" in texts
    item = related.item(texts.index("Chapter: Where the lesions are"))
    related.scrollToItem(item)
    rect = related.visualItemRect(item)
    qtbot.mouseClick(related.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_page() == "reading"
    assert window.page("reading").current_chapter() == "where-lesions-are"
