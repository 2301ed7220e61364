"""Image questions driven like a learner: scroll, click marks on the slice, submit, read the result.

A small synthetic study (tests.unit.test_quiz_images.write_study) stands in for a generated one.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from cnoatlas.domain.progress import ProgressStore
from cnoatlas.domain.quiz import question
from cnoatlas.domain.quiz.session import QuizSession
from cnoatlas.imaging.series import load_series
from cnoatlas.library.studies import read_study
from cnoatlas.ui.quiz.page import QuizPage
from cnoatlas.ui.viewer.items import ImageMark
from cnoatlas.ui.viewer.series_viewer import SeriesViewer
from tests.ui.mouse import drag
from tests.unit.test_quiz_images import STIR_UID, quiz_case, write_study


@pytest.fixture
def study(tmp_path):
    return read_study("case-x", write_study(tmp_path / "study"))


@pytest.fixture
def store(tmp_path):
    s = ProgressStore(tmp_path / "progress.sqlite3")
    yield s
    s.close()


def _page(qtbot, store, study, question_id: str, mode: str = "practice") -> QuizPage:
    page = QuizPage(store=store, seed=1, prepare_images=False)
    qtbot.addWidget(page)
    page.resize(1280, 1000)
    page.show()
    qtbot.waitExposed(page)
    page.cases = [quiz_case(study)]
    page.studies = {"case-x": study}
    q = question(question_id, page.cases)
    page.session = QuizSession(mode, [q, question("feature:vertebra-plana")], store)
    page.stack.setCurrentWidget(page.question_panel)
    page._show_current()
    viewer = page.question_panel.viewer
    qtbot.waitUntil(lambda: viewer.series is not None and viewer.series.loaded.all())
    return page


def _viewport_point(viewer: SeriesViewer, col: float, row: float) -> QPoint:
    """Where image (col, row) is on the viewer's canvas."""
    scene = viewer.view.mapViewToScene(QPointF(col, row))
    return viewer.graphics.mapFromScene(scene)


def _click_image(qtbot, viewer: SeriesViewer, col: float, row: float) -> None:
    qtbot.mouseClick(
        viewer.graphics.viewport(), Qt.MouseButton.LeftButton, pos=_viewport_point(viewer, col, row)
    )


def _drag(viewer: SeriesViewer, start: QPoint, dx: int, dy: int) -> None:
    drag(viewer.graphics.viewport(), start, dx, dy)


# --- the viewer's marking mode -------------------------------------------------------------------
@pytest.fixture
def viewer(qtbot, study):
    widget = SeriesViewer()
    qtbot.addWidget(widget)
    widget.resize(500, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_series(load_series(study.series_dir).series[0], 2)
    widget.set_marking(True)
    return widget


def test_a_click_reports_the_image_point_under_the_mouse(qtbot, viewer):
    with qtbot.waitSignal(viewer.pointClicked) as blocker:
        _click_image(qtbot, viewer, 12.0, 20.0)
    uid, index, col, row = blocker.args
    assert uid == STIR_UID and index == 2
    # One screen pixel is under one image pixel here: the point is within a pixel of the target.
    assert col == pytest.approx(12.0, abs=1.0) and row == pytest.approx(20.0, abs=1.0)


def test_a_drag_pans_and_marks_nothing(qtbot, viewer):
    clicks = []
    viewer.pointClicked.connect(lambda *args: clicks.append(args))
    before = viewer.view_range()
    _drag(viewer, _viewport_point(viewer, 24.0, 32.0), 60, 0)
    assert viewer.view_range()[0][0] < before[0][0]  # dragged right: the view moved left
    assert clicks == []


def test_marks_are_drawn_on_their_slice_and_a_click_on_one_removes_it(qtbot, viewer):
    viewer.set_marks([ImageMark(2, 12.0, 20.0), (3, 30.0, 40.0), ImageMark(2, 30.0, 50.0)])
    assert viewer.visible_mark_numbers() == [1, 3]
    viewer.set_slice(3)
    assert viewer.visible_mark_numbers() == [2]
    viewer.set_slice(2)
    clicks = []
    viewer.pointClicked.connect(lambda *args: clicks.append(args))
    with qtbot.waitSignal(viewer.marksChanged) as blocker:
        _click_image(qtbot, viewer, 12.0, 20.0)
    assert [(m.slice, m.col) for m in blocker.args[0]] == [(3, 30.0), (2, 30.0)]
    assert clicks == []  # taking a mark back is not a new point
    viewer.set_marking(False)
    _click_image(qtbot, viewer, 30.0, 50.0)
    assert len(viewer.marks()) == 2  # out of marking mode a click changes no mark


# --- spot the lesion ------------------------------------------------------------------------------
def test_a_click_inside_the_outline_is_right(qtbot, store, study):
    page = _page(qtbot, store, study, "case:case-x:spot-0")
    panel = page.question_panel
    assert panel.viewer.slice_index() == 2  # opened on the lesion's slice
    assert not panel.submit_button.isEnabled()
    _click_image(qtbot, panel.viewer, 13.0, 21.0)
    assert panel.mark_count.text() == "Your mark is placed."
    with qtbot.waitSignal(page.answerRecorded) as blocker:
        qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].correct
    assert panel.verdict.text().startswith("✓")
    assert panel.image_verdict.text().startswith("✓") and not panel.image_verdict.isHidden()
    assert not panel.submit_button.isEnabled() and panel.next_button.isEnabled()
    assert not panel.feedback.isHidden()
    # The outline is revealed and the mark is coloured as a hit.
    assert panel.viewer.visible_annotation_ids()
    assert panel.viewer.marks()[0].colour is not None
    assert store.answer_count() == 1


def test_a_click_outside_the_outline_is_wrong_and_the_lesion_is_shown(qtbot, store, study):
    page = _page(qtbot, store, study, "case:case-x:spot-0")
    panel = page.question_panel
    _click_image(qtbot, panel.viewer, 38.0, 58.0)
    _click_image(qtbot, panel.viewer, 40.0, 8.0)  # a second click moves the one mark
    assert len(panel.viewer.marks()) == 1
    with qtbot.waitSignal(page.answerRecorded) as blocker:
        qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert not blocker.args[0].correct
    assert panel.verdict.text().startswith("✗")
    assert "tibia" in panel.verdict.text()
    assert panel.viewer.slice_index() == 2
    assert any(a.startswith("lesion-1") for a in panel.viewer.visible_annotation_ids())


# --- find every lesion ----------------------------------------------------------------------------
def test_find_all_counts_found_missed_and_false_marks(qtbot, store, study):
    page = _page(qtbot, store, study, "case:case-x:find-all")
    panel = page.question_panel
    viewer = panel.viewer
    viewer.set_slice(2)
    _click_image(qtbot, viewer, 12.0, 20.0)  # lesion 1
    viewer.set_slice(4)
    _click_image(qtbot, viewer, 40.0, 8.0)  # nothing there
    assert panel.mark_count.text() == "2 marks placed"
    with qtbot.waitSignal(page.answerRecorded) as blocker:
        panel.submit()
    outcome = blocker.args[0]
    assert not outcome.correct
    text = panel.verdict.text()
    assert "Found 1 of 2" in text and "missed 1" in text and "false marks 1" in text
    assert "sensitivity 50%" in text and "precision 50%" in text
    colours = [m.colour for m in viewer.marks()]
    assert colours[0] != colours[1]  # a hit and a false mark look different
    assert viewer.slice_index() == 3  # the missed lesion is shown


def test_an_exam_records_the_marks_without_feedback(qtbot, store, study):
    page = _page(qtbot, store, study, "case:case-x:spot-0", mode="exam")
    panel = page.question_panel
    _click_image(qtbot, panel.viewer, 12.0, 20.0)
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert store.answer_count() == 1
    assert page.session.index == 1  # straight on to the next question
    assert panel.feedback.isHidden()
    assert not panel.image_box.isVisible()


def test_a_case_diagnosis_shows_the_key_image_in_practice(qtbot, store, study):
    page = QuizPage(store=store, seed=1, prepare_images=False)
    qtbot.addWidget(page)
    page.resize(1280, 1000)
    page.show()
    page.cases = [quiz_case(study)]
    page.studies = {"case-x": study}
    page.session = QuizSession("practice", [question("case:case-x:diagnosis", page.cases)], store)
    page.stack.setCurrentWidget(page.question_panel)
    page._show_current()
    panel = page.question_panel
    assert panel.key_viewer is None or panel.key_viewer.isHidden()
    # The images come with the question, beside its options, with nothing outlined or marked.
    assert panel.image_box.isVisible() and panel.options_box.isVisible()
    viewer = panel.viewer
    qtbot.waitUntil(lambda: viewer.series is not None and viewer.series.loaded.all())
    assert not viewer.visible_annotation_ids() and not panel.mark_count.isVisible()
    assert viewer.findings_note() != ""  # Findings is off until the answer
    panel.choose(panel.question.options.index("cno"))
    assert panel.verdict.text().startswith("✓")
    assert panel.key_viewer is not None and not panel.key_viewer.isHidden()
    assert panel.key_viewer.slice_index() == 2  # where lesion 1 is largest
    assert panel.key_viewer.visible_annotation_ids()
    viewer.set_slice(2)
    assert viewer.findings_note() == "" and viewer.visible_annotation_ids()


def test_a_case_diagnosis_without_its_images_keeps_its_options(qtbot, store, study):
    page = QuizPage(store=store, seed=1, prepare_images=False)
    qtbot.addWidget(page)
    page.resize(1280, 1000)
    page.show()
    page.cases = [quiz_case(study)]
    page.studies = {}  # the study is not made yet
    page.session = QuizSession("practice", [question("case:case-x:diagnosis", page.cases)], store)
    page.stack.setCurrentWidget(page.question_panel)
    page._show_current()
    panel = page.question_panel
    assert panel.options_box.isVisible() and not panel.image_box.isVisible()
    assert not panel.next_button.isEnabled()  # still to be answered


# --- which cases get image questions ----------------------------------------------------------
def test_missing_studies_are_prepared_on_a_worker_and_join_the_next_session(
    qtbot, store, study, monkeypatch
):
    from dataclasses import replace

    # The synthetic study stands in for the generated one of one library case.
    relabelled = replace(
        study,
        case_id="cno-silent-vertebra",
        annotations=tuple(
            replace(a, lesion_id={"lesion-1": "l1", "lesion-2": "l2"}[a.lesion_id])
            for a in study.annotations
        ),
    )
    made = []

    class NothingCached:  # a StudySource whose studies must all be made
        def is_available(self, case):
            return False

        def load(self, case, generate=False):
            made.append((case.id, generate))
            return relabelled if case.id == "cno-silent-vertebra" else None

    page = QuizPage(store=store, seed=2, prepare_images=True, studies=NothingCached())
    qtbot.addWidget(page)
    for key, box in page.start_panel.topic_boxes.items():
        box.setChecked(key == "cases")
    page.start_panel.count.setValue(50)
    page.start_panel.start_button.click()
    # Nothing was cached: this session has no image questions, and the worker has started.
    assert {q.response for q in page.session.questions} == {"single"}
    assert page.start_panel.image_status.text().startswith("Preparing images")
    qtbot.waitUntil(lambda: page._prep is None)
    assert all(generate for _id, generate in made)
    assert set(page.studies) == {"cno-silent-vertebra"}
    assert "ready for 1 case." in page.start_panel.image_status.text()
    page.show_start()
    page.start_panel.start_button.click()
    image_ids = {q.id for q in page.session.questions if q.response in ("mark", "marks")}
    assert image_ids == {
        "case:cno-silent-vertebra:spot-0",
        "case:cno-silent-vertebra:spot-1",
        "case:cno-silent-vertebra:find-all",
    }


def test_after_an_image_question_the_keys_work_without_a_click(qtbot, store, study):
    from PySide6.QtWidgets import QApplication

    page = _page(qtbot, store, study, "case:case-x:spot-0")
    panel = page.question_panel
    _click_image(qtbot, panel.viewer, 13.0, 21.0)  # the viewer now has the keyboard
    target = QApplication.focusWidget() or page
    qtbot.keyClick(target, Qt.Key.Key_Return)  # submits the mark
    assert panel.locked
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_Return)  # next question
    assert panel.question.id == "feature:vertebra-plana"
    qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_1)
    assert panel.locked  # the number key answered it: no click on the page was needed


def test_an_image_question_can_be_skipped_with_no_mark(qtbot, store, study):
    page = _page(qtbot, store, study, "case:case-x:spot-0")
    panel = page.question_panel
    assert not panel.next_button.isEnabled() and panel.skip_button.isVisible()
    qtbot.keyClick(page, Qt.Key.Key_S)
    assert panel.question.id == "feature:vertebra-plana"
    assert store.answer_count() == 0


def test_the_findings_button_says_why_it_waits_and_a_study_read_before_shows_at_once(
    qtbot, store, study
):
    page = _page(qtbot, store, study, "case:case-x:spot-0")
    panel = page.question_panel
    viewer = panel.viewer
    button = viewer.annotations_button
    assert not button.isEnabled() and "once you answer" in button.toolTip()
    _click_image(qtbot, viewer, 13.0, 21.0)
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert button.isEnabled() and viewer.visible_annotation_ids()
    # The close-up on the lesion is drawn smoothly, not in square blocks.
    assert viewer.zoom_factor() > 1.0 and viewer.smooth_when_magnified()
    # The same study for the next image question: its series is on screen at once, with no
    # "reading…" strip painted over it.
    shown = viewer.series
    q = question("case:case-x:spot-0", page.cases)
    page.session = QuizSession("practice", [q, q], store)
    page._show_current()
    assert viewer.series is shown and viewer.slice_index() == 2
    assert viewer._labels["status"].isHidden()
    assert not button.isEnabled()


def test_an_exam_with_an_image_question_is_finished_with_the_keyboard_alone(qtbot, store, study):
    from PySide6.QtWidgets import QApplication

    page = _page(qtbot, store, study, "case:case-x:find-all", mode="exam")
    panel = page.question_panel
    assert page.stack.currentWidget() is panel and panel.question.response == "marks"

    def key(k):
        qtbot.keyClick(QApplication.focusWidget() or page, k)

    key(Qt.Key.Key_Return)  # nothing marked: Enter says what it needs, and how to skip
    assert "press S to skip" in panel.hint.text()
    key(Qt.Key.Key_S)  # the image question passed over while the clock runs
    assert panel.question.id == "feature:vertebra-plana"
    key(Qt.Key.Key_1)  # answered with a number key; an exam moves on by itself or with Enter
    if page.stack.currentWidget() is panel:
        key(Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.report_panel
    assert page.session.skipped == ["case:case-x:find-all"] and store.answer_count() == 1
