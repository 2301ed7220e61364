"""The case editor driven end to end: import, lesions from the map, shapes on two slices, texts,
ready, then the case in the browser and in a quiz session; a kill mid-edit and the recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QPointF, Qt

from cnoatlas.domain import cases, playlist
from cnoatlas.domain.quiz import question_ids
from cnoatlas.domain.quiz.images import quiz_cases
from cnoatlas.domain.quiz.session import start_session
from cnoatlas.library import drafts
from cnoatlas.library.studies import LIBRARY_STUDIES, CaseImages
from cnoatlas.ui.cases.browser import CaseBrowser, CasesPage
from tests.unit.test_deidentify import FILES, NEEDLES, write_planted_series

pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")

SITE_A = "clavicle.left.medial-third"
SITE_B = "femur.right.diaphysis"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cases, "_LIBRARY", None)
    monkeypatch.setattr(playlist, "_CATALOGUE", None)
    monkeypatch.setattr(CaseBrowser, "AUTO_THUMBNAILS", False)
    return tmp_path / "home"


def _click_image(qtbot, viewer, col: float, row: float) -> None:
    """A real left click on the image at pixel (col, row)."""
    scene = viewer.view.mapViewToScene(QPointF(col, row))
    pos = viewer.graphics.mapFromScene(scene)
    qtbot.mouseClick(viewer.graphics.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _type(qtbot, widget, text: str) -> None:
    """Type over whatever the field holds (select all, then the keys)."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def test_the_editor_end_to_end(qtbot, tmp_path):
    write_planted_series(tmp_path / "mr", slices=3)
    page = CasesPage()
    qtbot.addWidget(page)
    page.resize(1800, 1000)
    page.show()
    assert page.browser.new_button.accessibleName()

    # 1. "New case…" with imported images: the import dialog, then the editor on the case.
    dialog = page.new_case(("taught-case", "dicom", 12, "F"))
    dialog.path_edit.setText(str(tmp_path / "mr"))
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        dialog.start_button.click()
    qtbot.waitUntil(lambda: page.editor is not None, timeout=10000)
    editor = page.editor
    assert page.currentWidget() is editor
    qtbot.waitUntil(lambda: editor.viewer.series is not None, timeout=30000)
    assert editor.viewer.slice_count() == 3
    assert editor.status.text() == "Ready"  # the imported case is in the library already

    # 2. Two lesions from the skeleton map (real clicks on the sites).
    assert list(editor.lesions.maps) == ["front", "spine-lateral", "foot-lateral"]
    site_map = editor.lesions.maps["front"]
    qtbot.waitUntil(lambda: site_map.width() > 200)
    for site in (SITE_A, SITE_B):
        qtbot.mouseClick(
            site_map, Qt.MouseButton.LeftButton, pos=site_map.site_anchor(site).toPoint()
        )
    assert [x["site_id"] for x in editor.draft.data["lesions"]] == [SITE_A, SITE_B]
    assert editor.status.text() == "Draft"  # an edit makes a ready case a draft again
    editor.lesions.choose("l1")
    _type(qtbot, editor.lesions.description, "Bright marrow at the inner clavicle.")
    editor.lesions.choose("l2")  # choosing another lesion writes what was typed
    editor.lesions.symptomatic.setChecked(False)
    editor.lesions.state.setCurrentIndex(editor.lesions.state.findData("new"))
    _type(qtbot, editor.lesions.description, "A silent focus in the femoral shaft.")
    editor.lesions.commit_pending()
    lesions = editor.draft.data["lesions"]
    assert lesions[0]["description"].startswith("Bright marrow")
    assert (lesions[1]["symptomatic"], lesions[1]["state"]) == (False, "new")

    # 3. An ellipse on slice 0 (lesion 1) and a polygon on slice 1 (lesion 2), drawn by clicks.
    tools, viewer = editor.tools, editor.viewer
    editor.lesions.choose("l1")
    assert tools.lesion.currentData() == "l1"
    viewer.set_slice(0)
    qtbot.mouseClick(tools.buttons["ellipse"], Qt.MouseButton.LeftButton)
    assert viewer.marking()
    _click_image(qtbot, viewer, 30, 30)
    _click_image(qtbot, viewer, 36, 34)
    ellipse = editor.draft.data["annotations"][-1]
    assert ellipse["kind"] == "ellipse" and ellipse["slice"] == 0
    assert ellipse["lesion_id"] == "l1"
    assert ellipse["geometry"]["center"] == pytest.approx([30, 30], abs=1)
    assert ellipse["geometry"]["radii"] == pytest.approx([6, 4], abs=1)
    editor.lesions.choose("l2")
    viewer.set_slice(1)
    qtbot.mouseClick(tools.buttons["polygon"], Qt.MouseButton.LeftButton)
    for col, row in ((10, 10), (22, 10), (16, 22), (10, 10)):  # the first corner closes it
        _click_image(qtbot, viewer, col, row)
    polygon = editor.draft.data["annotations"][-1]
    assert polygon["kind"] == "polygon" and polygon["slice"] == 1
    assert len(polygon["geometry"]["points"]) == 3 and polygon["lesion_id"] == "l2"
    assert polygon["sop_instance_uid"] == viewer.series.slices[1].sop_instance_uid
    assert polygon["id"] in viewer.visible_annotation_ids()

    # Handles: move the polygon by dragging its handles' frame; undo with Ctrl+Z, redo.
    assert tools.selected == polygon["id"] and tools.roi is not None
    tools.roi.setPos(tools.roi.pos() + QPointF(3, 0))
    tools.roi.sigRegionChangeFinished.emit(tools.roi)
    moved = editor.draft.annotation(polygon["id"])["geometry"]["points"]
    assert moved[0] == pytest.approx([13, 10], abs=0.2)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5000)
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.draft.annotation(polygon["id"])["geometry"]["points"][0] == [10, 10]
    qtbot.keyClick(
        viewer,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert editor.draft.annotation(polygon["id"])["geometry"]["points"][0] == [13, 10]

    # Copy the ellipse to the neighbouring slices: slice 1 only (there is no slice -1).
    qtbot.mouseClick(tools.buttons["select"], Qt.MouseButton.LeftButton)
    tools.select(ellipse["id"])
    made = tools.copy_to_neighbours()
    assert [editor.draft.annotation(i)["slice"] for i in made] == [1]

    # An arrow begun and dropped with Escape leaves nothing; Delete removes the chosen shape.
    count = len(editor.draft.data["annotations"])
    qtbot.mouseClick(tools.buttons["arrow"], Qt.MouseButton.LeftButton)
    _click_image(qtbot, viewer, 40, 40)
    assert tools.points
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not tools.points and len(editor.draft.data["annotations"]) == count
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert tools.tool == "select" and not viewer.marking()
    tools.select(made[0])
    qtbot.keyClick(viewer, Qt.Key.Key_Delete)
    assert len(editor.draft.data["annotations"]) == count - 1

    # 4. The texts, typed; problems beside the fields go away as they are filled.
    form = editor.form
    assert form.problems["findings"].isVisibleTo(form)
    _type(qtbot, form.texts["title"], "CNO of the clavicle and femur")
    _type(qtbot, form.texts["presenting_title"], "12-year-old girl with a sore collarbone")
    _type(qtbot, form.texts["presentation"], "Six weeks of pain over the left collarbone.")
    _type(qtbot, form.texts["history"], "No fever and no injury; she is otherwise well.")
    _type(qtbot, form.findings, "Marrow oedema of the medial clavicle.")
    qtbot.keyClick(form.findings, Qt.Key.Key_Return)
    qtbot.keyClicks(form.findings, "A silent femoral focus.")
    for widget, text in ((form.lab_name, "CRP"), (form.lab_value, "6"), (form.lab_unit, "mg/L")):
        _type(qtbot, widget, text)
    form.add_lab()
    _type(qtbot, form.point_text, "Image the whole skeleton: silent lesions are common.")
    form.point_sources.item(0).setCheckState(Qt.CheckState.Checked)
    form.add_teaching_point()
    _type(qtbot, form.note_text, "No punched-out lytic lesion, so LCH is less likely.")
    form.note_diagnosis.setCurrentIndex(form.note_diagnosis.findData("lch"))
    form.note_sources.item(0).setCheckState(Qt.CheckState.Checked)
    form.add_differential()
    form.references.item(0).setCheckState(Qt.CheckState.Checked)
    form.diagnosis.setCurrentIndex(form.diagnosis.findData("cno"))
    form.pattern.setCurrentIndex(form.pattern.findData("claviculo-spinal-pauci-focal"))
    qtbot.waitUntil(lambda: not form.problems["findings"].isVisibleTo(form), timeout=5000)
    editor.commit_pending()
    assert not editor.draft.validate(), editor.draft.validate().problems
    assert editor.problem_count.text() == "Complete"
    assert editor.draft.data["labs"][0]["name"] == "CRP"

    # 5. Ready: written into the library; seen in the browser and in a quiz session.
    with qtbot.waitSignal(editor.caseReady, timeout=10000):
        qtbot.mouseClick(editor.ready_button, Qt.MouseButton.LeftButton)
    assert editor.status.text() == "Ready"
    assert drafts.pending_drafts() == []
    case = page.library.get("taught-case")
    assert case is not None and case.title == "CNO of the clavicle and femur"
    assert [lesion.site_id for lesion in case.lesions] == [SITE_A, SITE_B]
    qtbot.mouseClick(editor.close_button, Qt.MouseButton.LeftButton)
    assert page.currentWidget() is page.browser
    assert "taught-case" in page.browser.visible_case_ids()
    from cnoatlas.domain.playlist import library_catalogue

    assert "taught-case" in library_catalogue().cases  # the playlist editor offers it

    study = LIBRARY_STUDIES.load(case)
    assert study is not None  # the drawn outlines, read back from beside the DICOM series
    assert {a.lesion_id for a in study.annotations} == {"l1", "l2"}
    quiz = quiz_cases(list(page.library), {"taught-case": study})
    ids = question_ids(quiz)
    for wanted in ("case:taught-case:diagnosis", "case:taught-case:find-all"):
        assert wanted in ids
    session = start_session("practice", len(ids), 1, cases=quiz)
    asked = [q for q in session.questions if q.id.startswith("case:taught-case:")]
    assert asked and any(q.id.endswith("find-all") for q in asked)

    # "Edit" on the case page opens it again, as a ready case until it is changed.
    page.open_case("taught-case", synchronous=True)
    assert page.case_page.edit_button.text() == "Edit"
    qtbot.mouseClick(page.case_page.edit_button, Qt.MouseButton.LeftButton)
    assert page.editor is not None and page.editor.status.text() == "Ready"
    assert len(page.editor.draft.data["annotations"]) == len(editor.draft.data["annotations"])
    page.editor.stop()

    # No patient identifier reached the case, its annotations or the screen texts.
    folder = case.folder
    written = (folder / "case.json").read_text() + (folder / "dicom/annotations.json").read_text()
    assert not [n for n in NEEDLES if n in written.lower()]


def test_edit_a_copy_of_a_shipped_case_keeps_the_shipped_one(qtbot):
    page = CasesPage()
    qtbot.addWidget(page)
    stub = lambda draft: CaseImages(draft.case_id, problem="not made in this test")  # noqa: E731
    editor = page.edit_case("cno-medial-clavicle", copy_id="my-clavicle", images_loader=stub)
    assert editor is not None and editor.draft.case_id == "my-clavicle"
    assert editor.draft.data["copied_from"] == "cno-medial-clavicle"
    assert editor.problem_count.text() == "Complete"
    editor.form.texts["title"].setText("My clavicle")
    editor.form.texts["title"].textEdited.emit("My clavicle")
    editor.commit_pending()
    assert editor.mark_ready()
    assert page.library.get("my-clavicle").title == "My clavicle"
    assert page.library.get("cno-medial-clavicle").title != "My clavicle"
    editor.stop()


def test_lesions_on_a_synthetic_draft_regenerate_the_study_in_the_background(qtbot):
    made = []

    def loader(draft):  # stands in for the generator: what it was asked to draw
        made.append([x["site_id"] for x in draft.data["lesions"]])
        return CaseImages(draft.case_id, problem="stub study")

    page = CasesPage()
    qtbot.addWidget(page)
    editor = page.new_case(("synth-case", "synthetic", 9, "M"), images_loader=loader)
    qtbot.waitUntil(lambda: made == [[]], timeout=5000)
    editor.lesions.site_clicked(SITE_A)
    editor.lesions.site_clicked(SITE_B)  # a burst of edits: one new study, with both
    qtbot.waitUntil(lambda: len(made) == 2, timeout=10000)
    assert made[1] == [SITE_A, SITE_B]
    description = editor.draft.generator_description()
    assert [x["site_id"] for x in description["lesions"]] == [SITE_A, SITE_B]
    boxes = editor.form.sequences
    assert [boxes.item(i).checkState() == Qt.CheckState.Checked for i in range(2)] == [
        True,
        False,
    ]
    boxes.item(1).setCheckState(Qt.CheckState.Checked)  # COR T1 as well
    assert editor.draft.data["generator"]["sequences"] == ["cor_stir_wb", "cor_t1_wb"]
    qtbot.waitUntil(lambda: len(made) == 3, timeout=10000)  # a new series: made again
    boxes.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert "cor_stir_wb" in editor.form.problems["series"].text()
    editor.stop()


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication
    from cnoatlas.library.studies import CaseImages
    from cnoatlas.ui.cases.browser import CaseBrowser, CasesPage

    CaseBrowser.AUTO_THUMBNAILS = False
    app = QApplication([])
    page = CasesPage()
    stub = lambda draft: CaseImages(draft.case_id, problem="no images here")
    editor = page.new_case(("killed-case", "synthetic", 9, "M"), images_loader=stub)
    editor.lesions.site_clicked("clavicle.left.medial-third")
    title = editor.form.texts["title"]
    for n in range(1, 100000):
        title.setText(f"Title {n}")
        title.textEdited.emit(title.text())
        editor.commit_pending()
        print(n, flush=True)
    """
)


def test_a_killed_editor_is_recovered_on_restart(qtbot, home):
    env = {**os.environ, "CNOATLAS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT], stdout=subprocess.PIPE, env=env, text=True
    )
    last = 0
    try:
        for line in proc.stdout:
            last = int(line)
            if last >= 15:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and last >= 15

    page = CasesPage()  # the atlas started again
    qtbot.addWidget(page)
    assert page.browser.drafts_button.isVisibleTo(page.browser)
    assert page.browser.drafts_menu.actions()[0].text() == "killed-case"
    stub = lambda draft: CaseImages(draft.case_id, problem="no images here")  # noqa: E731
    editor = page.resume_draft("killed-case", images_loader=stub)
    kept = int(editor.draft.data["title"].split()[1])
    assert kept >= last  # every edit reported done survived the kill
    assert editor.form.texts["title"].text() == f"Title {kept}"
    assert [x["site_id"] for x in editor.draft.data["lesions"]] == [SITE_A]
    assert "Recovered" in editor.message.text()
    editor.undo()  # the recovered history can be undone
    assert editor.draft.data["title"] == f"Title {kept - 1}"
    editor.stop()


def test_a_new_source_joins_every_source_list(qtbot):
    page = CasesPage()
    qtbot.addWidget(page)
    stub = lambda draft: CaseImages(draft.case_id, problem="none")  # noqa: E731
    editor = page.new_case(("src-case", "synthetic", 9, "M"), images_loader=stub)
    form = editor.form
    before = form.references.count()
    assert (
        form.new_source(
            {
                "source_id": "x",
                "authors": "A",
                "title": "T",
                "journal": "J",
                "year": 2020,
                "details": "",
            }
        )
        is None
    )
    assert "lowercase" in form.source_problem.text()
    source = form.new_source(
        {
            "source_id": "doe2020",
            "authors": "Doe J",
            "title": "T",
            "journal": "J",
            "year": 2020,
            "details": "",
        }
    )
    assert source is not None and form.references.count() == before + 1
    item = form.point_sources.item(form.point_sources.count() - 1)
    assert "to check" in item.text()
    item.setCheckState(Qt.CheckState.Checked)
    form.point_text.setText("A point citing the new source.")
    form.add_teaching_point()
    assert editor.draft.data["teaching_points"][-1]["sources"] == ["doe2020"]
    assert not editor.draft.validate().under("teaching_points")
    editor.stop()
