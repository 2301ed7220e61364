"""The Cases page as a reader uses it: browse and filter, open a case, reveal, quiz, notes, map."""

import html
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from cnoatlas.domain.cases import case_library, lesion_slices
from cnoatlas.domain.user_notes import UserNotes
from cnoatlas.ui.cases.browser import CaseBrowser, CasesPage, thumbnail_path
from cnoatlas.ui.cases.page import CasePage


@pytest.fixture(autouse=True)
def _no_background_thumbnails(monkeypatch):
    # Thumbnails are made only where a test asks for them: generating all would take minutes.
    monkeypatch.setattr(CaseBrowser, "AUTO_THUMBNAILS", False)


@pytest.fixture
def notes(tmp_path):
    return UserNotes(tmp_path / "notes.json")


@pytest.fixture
def page(qtbot, notes):
    reader = CasePage(case_library(), notes)
    qtbot.addWidget(reader)
    reader.resize(1600, 950)
    reader.show()
    qtbot.waitExposed(reader)
    return reader


def test_opening_a_case_shows_history_first_and_its_series(page):
    case = page.show_case("cno-silent-vertebra", synchronous=True)
    # The real title names the diagnosis: it waits for the diagnosis to be revealed.
    assert page.title_label.text() == case.presenting_title
    assert page.reveal_diagnosis_button.isVisible() and not page.diagnosis_label.isVisible()
    assert "ankle pain" in page.presentation_label.text()
    assert page.series_labels() == ["COR STIR", "COR T1", "DWI", "SAG spine"]
    assert page.current_series_label() == "COR STIR"
    assert page.viewer.series is not None and page.viewer.slice_count() > 10
    # Findings wait to be revealed; nothing is marked on the images yet.
    assert page.reveal_button.isVisible() and not page.lesion_list.isVisible()
    assert page.viewer.annotations() == []
    assert page.site_map is None or "vertebra.t8.body" in page.site_map.highlighted_sites()
    page.reveal_diagnosis()
    assert page.title_label.text() == "CNO with a silent vertebral lesion and loss of height"


def test_reveal_findings_marks_lesions_one_by_one(page, qtbot):
    case = page.show_case("cno-silent-vertebra", synchronous=True)
    qtbot.mouseClick(page.reveal_button, Qt.MouseButton.LeftButton)
    assert page.lesion_list.isVisible() and "T8 body" in page.findings_label.text()
    assert page.revealed_lesions() == ["l1"]
    stir = page.images.series["COR STIR"]
    best = lesion_slices(page.images.annotations)[(stir.uid, "l1")]
    assert page.current_series_label() == "COR STIR" and page.viewer.slice_index() == best
    assert page.viewer.visible_annotation_ids()
    assert case.lesion("l1").description in page.viewer.finding_text()

    for _ in range(3):
        qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.revealed_lesions() == ["l1", "l2", "l3", "l4"]
    # The vertebral lesion is shown on the sagittal spine, at its slice.
    assert page.current_series_label() == "SAG spine"
    spine = page.images.series["SAG spine"]
    assert page.viewer.slice_index() == lesion_slices(page.images.annotations)[(spine.uid, "l4")]
    assert "T8 vertebral body: marrow oedema, height loss" in page.viewer.finding_text()
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert not page.next_button.isEnabled() and page.next_button.text() == "All findings shown"


def test_clicking_a_lit_site_on_the_case_map_goes_to_that_lesion(page):
    assert page.site_map is not None
    page.show_case("cno-claviculo-spinal", synchronous=True)
    page.site_map.select("vertebra.t9.body")  # as a click on the map would
    assert page.current_series_label() == "SAG spine"
    spine = page.images.series["SAG spine"]
    assert page.viewer.slice_index() == lesion_slices(page.images.annotations)[(spine.uid, "l3")]
    assert page.revealed_lesions() == []  # seen, not yet marked: findings are still hidden


def test_quiz_mode_hides_diagnosis_until_an_answer(page, qtbot):
    case = page.show_case("lch-vertebra-plana", synchronous=True)
    qtbot.mouseClick(page.quiz_toggle, Qt.MouseButton.LeftButton)
    assert page.quiz_mode()
    assert page.title_label.text() == case.presenting_title
    assert not page.diagnosis_label.isVisible() and page.answer_box.isVisible()
    assert "histiocytosis" not in page.title_label.text().lower()
    qtbot.mouseClick(page.answer_buttons["cno"], Qt.MouseButton.LeftButton)
    assert "Not this time" in page.feedback_label.text()
    assert page.diagnosis_label.isVisible()
    assert "Langerhans cell histiocytosis" in page.diagnosis_label.text()
    assert page.title_label.text() == case.title
    page.show_case("cno-medial-clavicle", synchronous=True)  # the next case is hidden again
    assert not page.diagnosis_visible()
    assert page.answer(case_library().get("cno-medial-clavicle").diagnosis) is True
    assert "Correct" in page.feedback_label.text()


def test_discussion_cites_every_source_with_its_reference(page):
    case = page.show_case("brodie-abscess-tibia", synchronous=True)
    assert page.discussion_label.text() == ""  # behind its own reveal
    page.reveal_discussion()
    text = page.discussion_label.text()
    assert "penumbra" in text and "References" in text
    assert "McGuinness B, Wilson N, Doyle AJ" in text and "(citation to check)" in text
    assert case.outcome in page.diagnosis_label.text()


def test_bookmark_and_notes_are_saved_per_case(page, qtbot, notes):
    page.show_case("ewing-sarcoma-femur", synchronous=True)
    qtbot.mouseClick(page.bookmark_toggle, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.notes_edit, "Onion-skin periosteum")
    page.save_notes()
    stored = UserNotes(notes.path)
    assert stored.bookmarks() == ["ewing-sarcoma-femur"]
    assert stored.get("ewing-sarcoma-femur").text == "Onion-skin periosteum"
    page.show_case("osteosarcoma-distal-femur", synchronous=True)
    assert page.notes_edit.toPlainText() == "" and not page.bookmark_toggle.isChecked()
    page.show_case("ewing-sarcoma-femur", synchronous=True)
    assert page.notes_edit.toPlainText() == "Onion-skin periosteum"


def test_linked_follow_up_opens_from_the_baseline(page, qtbot):
    page.show_case("cno-response-baseline", synchronous=True)
    assert page.linked_button.isVisible() and "follow-up" in page.linked_button.text()
    with qtbot.waitSignal(page.openLinkedCase) as blocker:
        qtbot.mouseClick(page.linked_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["cno-response-3-months"]


# --- the browser ------------------------------------------------------------------------------
@pytest.fixture
def browser(qtbot, notes):
    widget = CaseBrowser(case_library(), notes)
    qtbot.addWidget(widget)
    widget.resize(1600, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.stop_thumbnails()


def _choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_browser_filters_and_search(browser, qtbot):
    total = len(case_library())
    assert len(browser.visible_case_ids()) == total
    _choose(browser.diagnosis_filter, "lch")
    assert set(browser.visible_case_ids()) == {"lch-skull-femur", "lch-vertebra-plana"}
    _choose(browser.diagnosis_filter, None)
    _choose(browser.site_filter, "clavicle")
    assert "cno-medial-clavicle" in browser.visible_case_ids()
    assert "leukaemia-multifocal" not in browser.visible_case_ids()
    _choose(browser.site_filter, None)
    _choose(browser.age_filter, "under-5")
    assert browser.visible_case_ids() and all(
        case_library().get(c).patient.age_years < 5 for c in browser.visible_case_ids()
    )
    _choose(browser.age_filter, None)
    qtbot.keyClicks(browser.search, "sequestrum draining")
    assert browser.visible_case_ids() == ["osteomyelitis-tibia-sequestrum"]
    browser.search.clear()
    qtbot.keyClicks(browser.search, "no such words anywhere")
    assert browser.visible_case_ids() == [] and browser.empty_label.isVisible()


def test_browser_quiz_mode_shows_presenting_titles_only(browser, qtbot):
    qtbot.mouseClick(browser.quiz_toggle, Qt.MouseButton.LeftButton)
    texts = [browser.grid.item(i).text() for i in range(browser.grid.count())]
    assert "3-year-old boy with a soft lump on his head and a limp" in texts
    assert not any("sarcoma" in t.lower() or "CNO" in t for t in texts)
    assert not browser.diagnosis_filter.isEnabled()
    qtbot.keyClicks(browser.search, "ewing")
    assert browser.visible_case_ids() == []


def test_bookmarked_filter(browser, notes, qtbot):
    notes.set_bookmark("brodie-abscess-tibia", True)
    qtbot.mouseClick(browser.bookmarked_only, Qt.MouseButton.LeftButton)
    assert browser.visible_case_ids() == ["brodie-abscess-tibia"]
    assert browser.grid.item(0).text().startswith("★")


def test_every_card_has_its_shipped_picture_at_once_on_a_cold_cache(notes, qtbot):
    from cnoatlas.library.study_cache import cache_size

    before = cache_size()
    browser = CaseBrowser(case_library(), notes)
    qtbot.addWidget(browser)
    ids = browser.visible_case_ids()
    assert len(ids) >= 18
    assert all(browser.has_thumbnail(case_id) for case_id in ids)
    assert cache_size() == before  # no study generated for the cards


def test_thumbnail_is_made_in_the_background(qtbot, notes, monkeypatch, tmp_path):
    # as if the case's description had changed since its picture was shipped
    from cnoatlas.library import thumbnails

    monkeypatch.setattr(thumbnails, "shipped_thumbnails_dir", lambda: tmp_path / "none")
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))  # nor one made here before
    browser = CaseBrowser(case_library(), notes)
    qtbot.addWidget(browser)
    browser.resize(1200, 800)
    _choose(browser.diagnosis_filter, "osteosarcoma")
    assert browser.visible_case_ids() == ["osteosarcoma-distal-femur"]
    assert not browser.has_thumbnail("osteosarcoma-distal-femur")
    with qtbot.waitSignal(browser.thumbnailReady, timeout=120_000) as blocker:
        browser.request_thumbnails()
    assert blocker.args == ["osteosarcoma-distal-femur"]
    icon = browser.grid.item(0).icon().pixmap(browser.grid.iconSize()).toImage()
    centre = icon.pixelColor(icon.width() // 2, icon.height() // 2)
    assert centre.value() > 0  # body, not the black placeholder card
    browser.stop_thumbnails()
    assert thumbnail_path(case_library().get("osteosarcoma-distal-femur")).is_file()


# --- from the map to the case -------------------------------------------------------------
def test_clicking_a_case_card_opens_it(qtbot):
    cases = CasesPage()
    qtbot.addWidget(cases)
    cases.resize(1600, 950)
    cases.show()
    qtbot.waitExposed(cases)
    grid = cases.browser.grid
    row = cases.browser.visible_case_ids().index("spondylodiscitis-lumbar")
    rect = grid.visualItemRect(grid.item(row))
    with qtbot.waitSignal(cases.case_page.imagesReady, timeout=120_000):
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert cases.currentWidget() is cases.case_page
    assert cases.case_page.case.id == "spondylodiscitis-lumbar"
    qtbot.keyClick(cases, Qt.Key.Key_Escape)
    assert cases.currentWidget() is cases.browser


def test_atlas_site_lists_cases_and_opens_one_at_that_lesion(qtbot):
    from cnoatlas.ui.shell.main_window import MainWindow

    window = MainWindow(restore_state=False)
    qtbot.addWidget(window)
    window.resize(1600, 950)
    window.show()
    atlas = window.page("atlas")
    atlas.select_site("vertebra.t8.body")
    related = atlas.panel.related
    titles = [related.item(i).text() for i in range(related.count())]
    assert "CNO with a silent vertebral lesion and loss of height" in titles
    item = related.item(titles.index("CNO with a silent vertebral lesion and loss of height"))
    cases = window.page("cases")
    with qtbot.waitSignal(cases.case_page.imagesReady, timeout=120_000):
        qtbot.mouseClick(
            related.viewport(), Qt.MouseButton.LeftButton, pos=related.visualItemRect(item).center()
        )
    assert window.current_page() == "cases"
    page = cases.case_page
    assert page.case.id == "cno-silent-vertebra"
    assert page.current_series_label() == "SAG spine"
    spine = page.images.series["SAG spine"]
    assert page.viewer.slice_index() == lesion_slices(page.images.annotations)[(spine.uid, "l4")]


def test_lab_units_read_as_typeset_not_ascii(page):
    # "×10⁹/L", never the keyboard stand-in "x10^9/L", on the page and in every shipped case.
    page.show_case("cno-tibio-appendicular", synchronous=True)
    grid = page.labs_grid
    texts = [grid.itemAt(i).widget().text() for i in range(grid.count())]
    assert any("8.1 ×10⁹/L" in t for t in texts)
    assert not any("^" in t or "x10" in t for t in texts)
    for case in case_library().cases.values():
        for lab in case.labs:
            assert "^" not in lab.unit and "x10" not in lab.unit, (case.id, lab.unit)


def test_filters_show_their_whole_default_text_on_a_laptop_screen(qtbot, browser):
    from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

    browser.resize(1366 - 190, 700)  # the page beside the navigation column
    qtbot.wait(10)
    for combo in browser.findChildren(QComboBox):
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        field = combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
        )
        text = combo.currentText()
        assert combo.fontMetrics().horizontalAdvance(text) <= field.width(), text


def test_a_solitary_lesion_case_does_not_read_as_an_unfilled_pattern(page):
    page.show_case("cno-medial-clavicle", synchronous=True)
    page.reveal_diagnosis()
    text = html.unescape(page.diagnosis_label.text())
    assert "none of Andronikou's three patterns" in text and "Unclassified" not in text
    page.show_case("cno-tibio-appendicular", synchronous=True)
    page.reveal_diagnosis()
    assert "Tibio-appendicular multifocal" in page.diagnosis_label.text()


def test_lab_values_never_break_inside_a_unit(page):
    page.show_case("cno-tibio-appendicular", synchronous=True)
    grid = page.labs_grid
    values = [grid.itemAtPosition(row, 1).widget() for row in range(grid.rowCount())]
    assert values and all(not label.wordWrap() for label in values)


def test_case_cards_share_the_row_with_no_empty_strip_at_the_right(qtbot, browser):
    from cnoatlas.ui.cases.browser import CARD_WIDTH

    def leftover() -> int:
        room, card = browser.grid.viewport().width(), browser.grid.gridSize().width()
        return room - card * (room // card)

    for width in (1176, 1730):  # the page on a 1366 and a 1920 wide screen
        browser.resize(width, 800)
        qtbot.waitUntil(lambda: leftover() < CARD_WIDTH // 3)
        assert browser.grid.gridSize().width() >= CARD_WIDTH


def test_the_nbods_calculator_is_filled_from_the_case_and_editable(page, qtbot):
    page.show_case("osteomyelitis-acute-femur", synchronous=True)
    panel = page.reasoning
    assert not page.reasoning_card.isVisible()  # filled from the lesions: after the findings
    page.reveal_findings()
    assert page.reasoning_card.isVisible()
    # A high CRP, one femoral lesion: only the femur item (17) scores, which is not above 17.
    assert not panel.nbods_boxes["crp"].isChecked() and panel.nbods_boxes["femur"].isChecked()
    assert panel.result().points == 17 and not panel.result().above_cutoff
    assert "not above the cut-off of 17" in panel.total_label.text()
    panel.nbods_boxes["bands"].setChecked(True)  # the reader knows the band count is low
    assert panel.result().points == 32 and "32 points, above" in panel.total_label.text()
    # Jansson: odds ratios, never a total.
    assert "odds ratio 81.5" in panel.jansson_boxes["normal-count"].text()
    assert "points" not in panel.jansson_boxes["normal-count"].text()


def test_the_calculator_waits_in_quiz_mode(page, qtbot):
    page.show_case("cno-tibio-appendicular", synchronous=True)
    qtbot.mouseClick(page.quiz_toggle, Qt.MouseButton.LeftButton)
    assert not page.reasoning_card.isVisible()
    page.answer("cno")
    assert page.reasoning_card.isVisible()
    assert page.reasoning.result().points == 100


def test_the_case_browser_shows_without_the_dicom_reader():
    # The cards need no DICOM: pydicom and the case reader are imported when a case opens (they
    # were a third of the Cases page's cold start).
    code = (
        "import sys\n"
        "from cnoatlas.ui.shell.app import ensure_app\n"
        "from cnoatlas.ui.cases.browser import CasesPage\n"
        "app = ensure_app(); page = CasesPage(); page.browser.AUTO_THUMBNAILS = False\n"
        "page.resize(1280, 800); page.show(); app.processEvents()\n"
        "print(len(page.browser.visible_case_ids()),\n"
        "      [m for m in ('pydicom', 'cnoatlas.ui.cases.page') if m in sys.modules])\n"
        "page.open_case(page.browser.visible_case_ids()[0], synchronous=True)\n"
        "print([m for m in ('pydicom', 'cnoatlas.ui.cases.page') if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    shown, opened = result.stdout.strip().splitlines()[-2:]
    assert shown == f"{len(case_library())} []"
    assert opened == "['pydicom', 'cnoatlas.ui.cases.page']"
