"""The case page as a teaching file: nothing of the diagnosis on screen before its reveal (every
case, Quiz me too), reveals remembered, follow-up states, and a viewer that keeps its place."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QListWidget, QWidget

from cnoatlas.domain.case_reveal import names_diagnosis
from cnoatlas.domain.cases import DIAGNOSES, case_library, lesion_slices
from cnoatlas.domain.user_notes import UserNotes
from cnoatlas.library.studies import CaseImages
from cnoatlas.ui.cases import page as page_module
from cnoatlas.ui.cases.page import CasePage
from cnoatlas.ui.cases.reasoning import ReasoningPanel

CASES = [case.id for case in case_library()]


@pytest.fixture
def notes(tmp_path):
    return UserNotes(tmp_path / "notes.json")


def _page(qtbot, notes, size=(1600, 950)) -> CasePage:
    reader = CasePage(case_library(), notes)
    qtbot.addWidget(reader)
    reader.resize(*size)
    reader.show()
    qtbot.waitExposed(reader)
    return reader


@pytest.fixture
def page(qtbot, notes):
    return _page(qtbot, notes)


def _static_texts() -> set[str]:
    """Texts that read the same on every case (the calculator's headings): no spoiler."""
    panel = ReasoningPanel()
    texts = {w.text() for w in panel.findChildren(QLabel) if w.text()}
    texts |= {w.text() for w in panel.findChildren(QAbstractButton)}
    panel.deleteLater()
    return texts


def screen_texts(page: CasePage) -> list[tuple[str, str]]:
    """(widget, text) for every text a reader can see: labels, buttons, list rows, the page's
    accessible description, and the labels the viewer draws on the image. The answer buttons
    list every diagnosis alike and are left out."""
    static = _static_texts()
    answers = set(page.answer_buttons.values())
    found = [("page description", page.accessibleDescription())]
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(page) or widget in answers:
            continue
        name = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel | QAbstractButton) and widget.text() not in static:
            found.append((name, widget.text()))
        if isinstance(widget, QListWidget):
            found += [(name, widget.item(i).text()) for i in range(widget.count())]
    for item in page.viewer._annotation_items:  # the outlines' words drawn on the image
        if item.isVisible():
            found.append(("image label", item.annotation.label))
    found.append(("finding box", page.viewer.finding_text()))
    return found


def spoilers(page: CasePage) -> list[tuple[str, str, str]]:
    case = page.case
    return [
        (where, word, text[:80])
        for where, text in screen_texts(page)
        if (word := names_diagnosis(case, text))
    ]


@pytest.fixture
def no_images(monkeypatch):
    """Every case opened at once, without generating twenty studies: the text is what counts."""
    monkeypatch.setattr(page_module, "load_case_images", lambda case, **_: CaseImages(case.id))


def test_no_diagnosis_text_before_its_reveal_over_every_case(qtbot, notes, no_images):
    page = _page(qtbot, notes)
    for case_id in CASES:
        case = page.show_case(case_id, synchronous=True)
        assert spoilers(page) == [], case_id
        page.reveal_findings()
        assert page.lesion_list.isVisible() and page.findings_label.text()
        assert spoilers(page) == [], case_id
        # Quiz me over a case whose findings were revealed: every hint goes again.
        page.set_quiz_mode(True)
        assert spoilers(page) == [], case_id
        assert not page.lesion_list.isVisible() and not page.findings_label.isVisible()
        assert page.site_map is None or page.site_map.highlighted_sites() == set()
        assert not any(ch.isdigit() for ch in page.map_caption.text())
        page.set_quiz_mode(False)
        # The check can fail: once revealed, the diagnosis is on screen and found.
        page.reveal_diagnosis()
        assert any(where == "caseDiagnosis" for where, *_ in spoilers(page)), case_id
        assert page.title_label.text() == case.title.replace("&", "&amp;")


def test_reveals_are_remembered_per_case(qtbot, notes, no_images):
    page = _page(qtbot, notes)
    page.show_case("ewing-sarcoma-femur", synchronous=True)
    assert not page.diagnosis_label.isVisible() and page.reveal_diagnosis_button.isVisible()
    assert not page.reveal_discussion_button.isVisible()  # the discussion names the diagnosis
    qtbot.mouseClick(page.reveal_diagnosis_button, Qt.MouseButton.LeftButton)
    assert page.diagnosis_label.isVisible() and "Ewing" in page.diagnosis_label.text()
    assert page.reveal_discussion_button.isVisible() and not page.discussion_label.isVisible()
    assert page.reveal_button.isVisible()  # the findings keep their own reveal
    page.show_case("osteosarcoma-distal-femur", synchronous=True)
    assert not page.diagnosis_label.isVisible()  # another case starts hidden
    page.show_case("ewing-sarcoma-femur", synchronous=True)
    assert page.diagnosis_label.isVisible() and not page.discussion_label.isVisible()
    assert page.revealed_stages() == ("diagnosis",)
    qtbot.mouseClick(page.reveal_discussion_button, Qt.MouseButton.LeftButton)
    # A new session (a new page reading the saved notes) finds the case as it was left.
    later = _page(qtbot, UserNotes(notes.path))
    later.show_case("ewing-sarcoma-femur", synchronous=True)
    assert later.revealed_stages() == ("diagnosis", "discussion")
    assert later.discussion_label.isVisible() and "References" in later.discussion_label.text()
    assert later.reveal_button.isVisible() and not later.lesion_list.isVisible()


def test_quiz_me_shows_no_outline_nor_label_until_the_answer(page, qtbot):
    case = page.show_case("cno-response-baseline", synchronous=True)
    page.reveal_findings()
    assert page.viewer.annotations() and page.viewer.annotations_button.isEnabled()
    qtbot.mouseClick(page.quiz_toggle, Qt.MouseButton.LeftButton)
    assert page.viewer.annotations() == [] and page.viewer.visible_annotation_ids() == []
    button = page.viewer.annotations_button
    assert not button.isEnabled() and "once you answer" in button.toolTip()
    assert not page.viewer.zoom_finding_button.isEnabled()
    page.reveal_next()  # N: nothing to reveal before the answer
    assert page.viewer.annotations() == [] and spoilers(page) == []
    page.answer("lch")
    assert button.isEnabled() and page.diagnosis_label.isVisible()
    assert {a.lesion_id for a in page.viewer.annotations()} == {x.id for x in case.lesions}
    assert page.site_map is None or page.site_map.highlighted_sites() == set(case.site_ids)


def test_a_follow_up_lists_each_lesion_state_and_lights_only_what_remains(page):
    page.show_case("cno-response-3-months", synchronous=True)
    page.reveal_findings()
    rows = [page.lesion_list.item(i).text() for i in range(page.lesion_list.count())]
    assert rows[0].endswith(": resolved") and rows[1].endswith(": resolved")
    assert rows[2].endswith("unchanged since the baseline")
    assert not any("silent" in r or "symptoms" in r for r in rows)
    if page.site_map is not None:
        assert page.site_map.highlighted_sites() == {"vertebra.t1.body"}
    assert "2 resolved" in page.map_caption.text()


def _tab(page: CasePage, label: str) -> None:
    page.series_tabs.setCurrentIndex(page.series_labels().index(label))


def test_slice_window_and_zoom_are_kept_per_series_across_tabs(page):
    page.show_case("cno-response-baseline", synchronous=True)
    viewer = page.viewer
    _tab(page, "COR T1")
    viewer.set_slice(25)
    viewer.set_window(900.0, 1500.0)
    viewer.show_region((100.0, 200.0), (300.0, 400.0))
    _tab(page, "SAG spine")  # not parallel: not linked, it keeps its own slice
    assert page.current_series_label() == "SAG spine"
    viewer.set_slice(3)
    _tab(page, "COR T1")
    assert viewer.slice_index() == 25
    assert viewer.window() == (900.0, 1500.0)
    (x0, x1), _ = viewer.view_range()
    assert x0 == pytest.approx(100.0, abs=2) and x1 == pytest.approx(200.0, abs=2)
    _tab(page, "SAG spine")
    assert viewer.slice_index() == 3


def test_series_of_one_study_are_linked_by_position(page):
    page.show_case("cno-response-baseline", synchronous=True)
    viewer = page.viewer
    _tab(page, "COR T1")
    viewer.set_slice(25)
    t1 = viewer.series
    for label in ("COR STIR", "DWI"):
        _tab(page, label)
        assert viewer.series.position_mm(viewer.slice_index()) == pytest.approx(
            t1.position_mm(25), abs=t1.slice_spacing / 2
        )
    viewer.set_slice(10)  # scrolled on DWI: T1 follows to the same place, not to its own 25
    _tab(page, "COR T1")
    assert viewer.slice_index() == t1.nearest_slice(page.images.series["DWI"].position_mm(10))


def test_the_window_level_stays_within_the_data(page):
    page.show_case("cno-medial-clavicle", synchronous=True)
    viewer = page.viewer
    values = viewer.series.loaded_values()
    lo, hi = float(values.min()), float(values.max())
    for _ in range(40):  # a long right-drag upwards: the level falls, but not below the data
        viewer.drag_window(0.0, -400.0)
    center, _ = viewer.window()
    assert center >= lo and center == pytest.approx(lo)
    for _ in range(60):  # and far to the right: no window so wide that all turns one grey
        viewer.drag_window(4000.0, 0.0)
    assert viewer.window()[1] <= 2 * (hi - lo) + 1e-6
    viewer.set_window(-500.0, 100.0)
    assert viewer.window()[0] == pytest.approx(lo)


def test_zoom_to_finding_frames_the_lesion_and_draws_it_smoothly(page, qtbot):
    page.show_case("cno-pelvis-sacroiliac", synchronous=True)
    viewer = page.viewer
    assert not viewer.zoom_finding_button.isEnabled()  # no finding shown yet
    page.reveal_findings()
    viewer.fit()
    (fx0, fx1), _ = viewer.view_range()
    assert not viewer.smooth_when_magnified() or viewer.zoom_factor() > 1.0
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Z)
    (x0, x1), (y0, y1) = viewer.view_range()
    lesion = page.revealed_lesions()[-1]
    shape = next(
        a for a in viewer.annotations() if a.lesion_id == lesion and a.slice == viewer.slice_index()
    )
    for col, row in shape.points():
        assert x0 <= col <= x1 and y0 <= row <= y1
    assert (x1 - x0) < (fx1 - fx0) / 2  # magnified, not just centred
    assert viewer.zoom_factor() > 1.0 and viewer.smooth_when_magnified()
    viewer.fit()
    viewer.zoom(0.5)
    assert not viewer.smooth_when_magnified()


def test_zoom_to_finding_button_goes_back_to_the_lesion_slice(page, qtbot):
    page.show_case("cno-medial-clavicle", synchronous=True)
    page.reveal_findings()
    viewer = page.viewer
    assert viewer.finding_text()
    page.reveal_diagnosis()  # a later reveal leaves the finding box open
    assert viewer.finding_text()
    best = lesion_slices(page.images.annotations)[(viewer.series.uid, "l1")]
    viewer.set_slice(0 if best > 5 else viewer.slice_count() - 1)
    qtbot.mouseClick(viewer.zoom_finding_button, Qt.MouseButton.LeftButton)
    assert viewer.slice_index() == best and viewer.visible_annotation_ids()
    assert viewer.finding_text()


def test_every_diagnosis_has_an_answer_button(page):
    assert set(page.answer_buttons) == set(DIAGNOSES)


@pytest.mark.parametrize("case_id", ["lch-vertebra-plana", "ewing-sarcoma-femur"])
def test_labels_drawn_on_the_images_never_name_the_diagnosis_before_its_reveal(page, case_id):
    # The generator labels its shapes by lesion kind ("LCH", "Ewing"): the page must not.
    page.show_case(case_id, synchronous=True)
    page.reveal_findings()
    while page.reveal_next():
        pass
    seen = 0
    for label in page.series_labels():
        _tab(page, label)
        for a in page.viewer.annotations():
            page.viewer.set_slice(a.slice)
            page.viewer.select_annotation(a.id)
            assert spoilers(page) == [], (label, a.id)
            seen += 1
    assert seen >= len(page.case.lesions)  # the walk did see outlines and their labels


def test_the_quiz_me_and_revealed_screenshot_views(qtbot):
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import build_view

    window = build_view(ViewRequest.parse("case-quiz:lch-vertebra-plana", size=(1366, 768)))
    qtbot.addWidget(window)
    reader = window.page("cases").case_page
    assert reader.quiz_mode() and not reader.diagnosis_visible()
    assert spoilers(reader) == [] and reader.viewer.annotations() == []
    window.close()
    window = build_view(ViewRequest.parse("case-revealed:lch-vertebra-plana", size=(1366, 768)))
    qtbot.addWidget(window)
    reader = window.page("cases").case_page
    assert reader.discussion_label.text() and reader.diagnosis_visible()
    assert reader.viewer.annotations()
    # A screenshot never writes the reveals into the user's notes.
    assert reader.notes.revealed("lch-vertebra-plana") == ()


def test_the_revealed_text_column_fits_a_laptop_screen(qtbot, notes, no_images):
    # The calculator's long items wrap instead of widening the column past its scroll area.
    page = _page(qtbot, notes, size=(1366, 700))
    page.show_case("cno-pelvis-sacroiliac", synchronous=True)
    page.reveal_findings()
    page.reveal_discussion()
    assert page.reasoning_card.isVisible()
    viewport = page.text_column.parentWidget()
    qtbot.waitUntil(lambda: page.text_column.width() <= viewport.width())
    assert page.text_column.minimumSizeHint().width() <= viewport.width()
    box = page.reasoning.jansson_boxes["multiple"]
    before = box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)  # the words toggle it too
    assert box.isChecked() != before


def test_a_reveal_keeps_what_the_reader_ticked_in_the_calculator(qtbot, notes, no_images):
    page = _page(qtbot, notes)
    page.show_case("osteomyelitis-acute-femur", synchronous=True)
    page.reveal_findings()
    panel = page.reasoning
    assert "favours" not in panel.total_label.text()  # what it favours waits for the diagnosis
    panel.nbods_boxes["bands"].setChecked(True)
    page.reveal_diagnosis()
    assert panel.nbods_boxes["bands"].isChecked() and panel.result().points == 32
    assert "favours nonbacterial" in panel.total_label.text()
