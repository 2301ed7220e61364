"""The Quiz and Progress pages driven like a learner: click, type, read the feedback and report."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QWidget,
)

from cnoatlas.domain.progress import ProgressStore
from cnoatlas.domain.quiz import question
from cnoatlas.ui.progress.page import ProgressPage
from cnoatlas.ui.quiz.page import QuizPage


@pytest.fixture
def store(tmp_path):
    s = ProgressStore(tmp_path / "progress.sqlite3")
    yield s
    s.close()


class NoStudies:
    """A StudySource with no study at hand."""

    def is_available(self, case) -> bool:
        return False

    def load(self, case, generate=False):
        return None


@pytest.fixture
def page(qtbot, store):
    # Image questions come with the studies in the phantom cache, which other tests fill: here
    # none is at hand, so the questions depend on the seed alone (tests/ui/test_quiz_images.py
    # covers the image questions).
    p = QuizPage(store=store, seed=3, prepare_images=False, studies=NoStudies())
    qtbot.addWidget(p)
    p.resize(1280, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def _start(qtbot, page, mode, n):
    page.start_panel.mode_buttons[mode].click()
    page.start_panel.count.setValue(n)
    qtbot.mouseClick(page.start_panel.start_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.question_panel


def _answer_current(qtbot, page, right: bool):
    """Answer the question on screen by clicking, rightly or wrongly."""
    panel = page.question_panel
    q = panel.question
    if q.response == "single":
        options = list(q.options)
        target = q.answer if right else next(o for o in options if o != q.answer)
        qtbot.mouseClick(panel.option_buttons[options.index(target)], Qt.MouseButton.LeftButton)
        return
    order = list(q.answer)
    if not right:
        order = (
            list(reversed(order))
            if q.response == "rank"
            else [o for o in q.options if o not in q.answer][:1]
        )
    for option in order:
        qtbot.mouseClick(panel.option_buttons[q.options.index(option)], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)


def test_every_interactive_widget_has_a_name(qtbot, page):
    _start(qtbot, page, "practice", 1)
    kinds = (QAbstractButton, QAbstractSpinBox, QAbstractItemView)
    widgets = [w for w in page.findChildren(QWidget) if isinstance(w, kinds)]
    assert len(widgets) > 15
    for widget in widgets:
        if isinstance(widget.parent(), QAbstractItemView):
            continue  # Qt's own viewport children of a table
        assert widget.objectName(), widget
        assert widget.accessibleName(), widget.objectName()


def test_practice_click_an_option_and_see_the_explanation(qtbot, page, store):
    _start(qtbot, page, "practice", 3)
    panel = page.question_panel
    q = panel.question
    assert panel.prompt.text() == q.prompt
    assert not panel.feedback.isVisible()
    _answer_current(qtbot, page, right=False)
    assert panel.feedback.isVisible()
    assert panel.verdict.text().startswith("✗")
    assert q.explanation in panel.explanation.text()
    assert panel.citation.text().startswith(("Source: ", "Sources:\n"))
    assert store.answer_count() == 1  # stored before the next question is shown
    assert store.seen_ids() == [q.id]
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.question.id != q.id and not panel.feedback.isVisible()
    _answer_current(qtbot, page, right=True)
    assert panel.verdict.text().startswith("✓")


def test_keys_answer_and_move_on(qtbot, page, store):
    _start(qtbot, page, "practice", 5)
    panel = page.question_panel
    while panel.question.response != "single":  # keys 1-9 answer single-choice questions
        _answer_current(qtbot, page, right=True)
        qtbot.keyClick(page, Qt.Key.Key_Return)
    first = panel.question
    qtbot.keyClick(page, Qt.Key.Key_1)
    assert panel.feedback.isVisible()
    outcome = store.conn.execute(
        "SELECT response FROM answers WHERE question_id = ?", (first.id,)
    ).fetchone()
    assert outcome == (f'"{first.options[0]}"',)
    qtbot.keyClick(page, Qt.Key.Key_Return)
    assert panel.question is not first


def test_a_short_exam_gives_no_feedback_then_a_report(qtbot, page, store):
    _start(qtbot, page, "exam", 3)
    panel = page.question_panel
    assert panel.timer_label.isVisible() and "Time left" in panel.timer_label.text()
    session = page.session
    results = []
    with qtbot.waitSignal(page.sessionFinished) as finished:
        for index in range(3):
            assert not panel.feedback.isVisible()
            right = index != 1
            results.append(right)
            _answer_current(qtbot, page, right=right)
    report = finished.args[0]
    assert page.stack.currentWidget() is page.report_panel
    assert (report.total, report.correct) == (3, 2)
    assert page.report_panel.score.text().startswith("2 of 3 right")
    topics = page.report_panel.topic_table
    assert topics.rowCount() == len({q.topic for q in session.questions})
    text = page.report_panel.review.toPlainText()
    for q in session.questions:
        assert q.explanation in text
    assert store.answer_count() == 3


def test_exam_confusion_table_counts_cno_against_the_differential(qtbot, store):
    page = QuizPage(store=store, seed=1, prepare_images=False)
    qtbot.addWidget(page)
    page.show()
    _start(qtbot, page, "exam", 2)
    page.session.questions = [question("feature:vertebra-plana"), question("feature:abscess")]
    page._show_current()
    panel = page.question_panel
    qtbot.mouseClick(panel.option_buttons[0], Qt.MouseButton.LeftButton)  # "cno": wrong
    qtbot.mouseClick(panel.option_buttons[1], Qt.MouseButton.LeftButton)  # infection: right
    table = page.report_panel.confusion_table
    rows = {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 6)]
        for r in range(table.rowCount())
    }
    assert rows["Langerhans cell histiocytosis"] == ["0", "0", "0", "1", "0"]
    assert rows["Bacterial osteomyelitis"] == ["0", "0", "1", "0", "0"]


def test_finishing_an_exam_early_counts_the_rest_as_unanswered(qtbot, page):
    _start(qtbot, page, "exam", 4)
    _answer_current(qtbot, page, right=True)
    qtbot.mouseClick(page.question_panel.finish_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.report_panel
    assert "3 left unanswered" in page.report_panel.score.text()


def test_progress_page_shows_statistics_and_exports(qtbot, store, tmp_path):
    from datetime import UTC, datetime, timedelta

    from cnoatlas.domain.quiz import score

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    for day, (qid, response) in enumerate(
        [
            ("feature:vertebra-plana", "cno"),
            ("feature:abscess", "bacterial-osteomyelitis"),
            ("statement:onset-age", "true"),
        ]
    ):
        store.record(score(question(qid), response), "practice", t0 + timedelta(days=day))
    page = ProgressPage(store=store)
    qtbot.addWidget(page)
    page.show()
    assert "3 answers so far" in page.summary.text()
    assert page.weak_table.item(0, 0).text() == "Langerhans cell histiocytosis"
    assert len(page.day_plot.getPlotItem().listDataItems()) == 1
    # Days read as "1 Mar", not "03-01"; topic names sit on the left axis of horizontal bars,
    # where long names cannot run into each other.
    day_ticks = page.day_plot.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [text for _x, text in day_ticks] == ["1 Mar", "2 Mar", "3 Mar"]
    # Every topic has a bar saying how many answers it stands on; unanswered ones say so.
    bars = {b.name: b.value_text() for b in page.topic_bars.bars}
    assert bars["CNO and its mimics"] == "1 of 1 · 100%"
    assert bars["The spine"] == "0 of 1 · 0%"
    assert bars["Cases"] == "not answered yet"
    assert "The spine: 0 of 1" in page.topic_bars.accessibleDescription()
    assert page.cards.isVisibleTo(page) and not page.empty_card.isVisibleTo(page)
    assert "due for review" in page.due.text()
    assert not page.damaged.isVisible()
    with qtbot.waitSignal(page.exported) as done:
        page.export_to(tmp_path / "out.csv")
    assert done.args[1] == 3
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") == 4


def test_progress_page_empty_state_has_no_axes_and_a_way_to_the_quiz(qtbot, store):
    page = ProgressPage(store=store)
    qtbot.addWidget(page)
    page.show()
    assert page.empty_card.isVisible() and not page.cards.isVisible()
    assert not page.day_plot.isVisible()  # no raw 0.1-0.9 axes before the first answer
    with qtbot.waitSignal(page.openQuiz):
        qtbot.mouseClick(page.empty_button, Qt.MouseButton.LeftButton)


def test_progress_page_shows_the_damaged_database_message(qtbot, tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 500)
    damaged = ProgressStore(path)
    page = ProgressPage(store=damaged)
    qtbot.addWidget(page)
    page.show()
    assert page.damaged.isVisible()
    assert "damaged" in page.damaged.text()
    assert "No answers yet" in page.summary.text()
    damaged.close()
    QApplication.processEvents()


def test_map_questions_are_answered_by_clicking_the_skeleton(qtbot, page, store):
    _start(qtbot, page, "practice", 2)
    page.session.questions[0] = question("map:most-frequent")
    page._show_current()
    panel = page.question_panel
    site_map = panel.site_map
    assert site_map is not None and site_map.isVisible()
    q = panel.question
    for bone in ("tibia", "femur", "clavicle"):
        leaf = sorted(panel._option_leaves[q.options.index(bone)])[0]
        qtbot.mouseClick(
            site_map, Qt.MouseButton.LeftButton, pos=site_map.site_anchor(leaf).toPoint()
        )
        assert panel.option_buttons[q.options.index(bone)].isChecked()
    assert set(panel._chosen) == {"tibia", "femur", "clavicle"}
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert panel.verdict.text().startswith("✓")
    assert store.seen_ids() == ["map:most-frequent"]


def test_the_quiz_page_follows_a_theme_change(qtbot, page):
    from cnoatlas.ui.common.theme import THEMES, apply_theme

    app = QApplication.instance()
    before = app.property("cnoatlas_theme")
    try:
        other = "light" if before != "light" else "dark"
        apply_theme(app, other, 1.0)
        QApplication.processEvents()
        assert THEMES[other].alt_base in page.styleSheet()
    finally:
        apply_theme(app, before or "dark", 1.0)


def test_case_questions_come_from_the_case_library(qtbot, page):
    page.start_panel.mode_buttons["practice"].click()
    for key, box in page.start_panel.topic_boxes.items():
        box.setChecked(key == "cases")
    qtbot.mouseClick(page.start_panel.start_button, Qt.MouseButton.LeftButton)
    # Cases whose study is in the cache also bring image questions: go to a diagnosis one.
    page.session.index = next(
        i for i, q in enumerate(page.session.questions) if q.kind == "diagnosis"
    )
    page._show_current()
    q = page.question_panel.question
    assert q.kind == "diagnosis" and q.case_id
    assert page.cases and q.case_id in {c.id for c in page.cases}
    _answer_current(qtbot, page, right=True)
    assert page.question_panel.verdict.text().startswith("✓")


def test_two_sources_are_listed_one_per_line_not_run_together(qtbot):
    from PySide6.QtWidgets import QLabel

    from cnoatlas.domain.quiz.questions import citation_text
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import build_view

    window = build_view(ViewRequest.parse("quiz-question:feature:vertebra-plana@right"))
    qtbot.addWidget(window)
    q = window.page("quiz").question_panel.question
    assert len(q.sources) == 2
    text = window.findChild(QLabel, "quizCitation").text()
    assert text.split("\n") == ["Sources:", *(citation_text([s]) for s in q.sources)]


def _key(qtbot, page, key):
    """A key press where the learner's keyboard focus is (the page gets it back after answers)."""
    from PySide6.QtWidgets import QApplication

    qtbot.keyClick(QApplication.focusWidget() or page, key)


def test_a_practice_session_is_finished_with_the_keyboard_alone(qtbot, page, store):
    reports = []
    page.sessionFinished.connect(reports.append)
    _start(qtbot, page, "practice", 4)
    panel = page.question_panel
    for number in range(4):
        q = panel.question
        if q.response == "single":
            _key(qtbot, page, Qt.Key.Key_1)  # answer with a number key
            assert panel.locked and panel.next_button.isEnabled()
            _key(qtbot, page, Qt.Key.Key_Return)
        else:
            _key(qtbot, page, Qt.Key.Key_Return)  # nothing chosen: Enter says what it needs
            assert "press S to skip" in panel.hint.text() and not panel.locked
            _key(qtbot, page, Qt.Key.Key_S)
        if number < 3:
            assert page.stack.currentWidget() is panel
    # The session ends on a summary page: score and time, each topic, what to review.
    summary = page.summary_panel
    assert page.stack.currentWidget() is summary
    assert len(reports) == 1 and reports[0].total == 4
    assert reports[0].unanswered == 4 - store.answer_count()
    answered = 4 - reports[0].unanswered
    assert summary.score.text().startswith(f"{reports[0].correct} of {answered} right")
    assert " in 0:" in summary.score.text()
    assert {b.name for b in summary.topic_bars.bars}
    missed = [o for o in page.session.outcomes.values() if not o.correct]
    if missed:
        assert f"{len(missed)} missed" in summary.review.text()
    else:
        assert "Nothing missed" in summary.review.text()
    qtbot.mouseClick(summary.restart, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.start_panel


def test_an_exam_question_can_be_skipped_while_the_clock_runs(qtbot, page, store):
    _start(qtbot, page, "exam", 3)
    panel = page.question_panel
    assert page.clock.isActive() and panel.skip_button.isVisible()
    first = panel.question.id
    qtbot.mouseClick(panel.skip_button, Qt.MouseButton.LeftButton)
    assert panel.question.id != first and page.session.skipped == [first]
    _key(qtbot, page, Qt.Key.Key_S)
    _key(qtbot, page, Qt.Key.Key_S)
    assert page.stack.currentWidget() is page.report_panel
    assert store.answer_count() == 0  # a skipped question stores nothing
    assert page.session.report().unanswered == 3


def test_quiz_page_runs_on_a_read_only_data_folder(qtbot, tmp_path, monkeypatch):
    """A write-protected data folder: the page opens, says so, and the quiz still runs."""
    import errno

    from cnoatlas.domain import progress

    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(progress, "_SHARED", {})

    def refuse(self):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(ProgressStore, "_connect", refuse)
    p = QuizPage(seed=3, prepare_images=False, studies=NoStudies())
    qtbot.addWidget(p)
    p.resize(1280, 900)
    p.show()
    qtbot.waitExposed(p)
    p.show_start()
    assert p.start_panel.message.isVisible()
    assert "read-only" in p.start_panel.message.text()
    _start(qtbot, p, "practice", 2)
    _answer_current(qtbot, p, right=True)
    assert p.question_panel.feedback.isVisible()
    assert p.store.read_only and p.store.unsaved == 1
    assert "read-only" in p.question_panel.explanation.text()  # said where the answer was
