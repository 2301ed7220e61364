"""Lecturer mode as a lecturer drives it: keys, unknowns, reveals, presenter view, the editor."""

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QThreadPool
from PySide6.QtGui import QFont, QWheelEvent
from PySide6.QtWidgets import QApplication, QListWidget, QMenu

from cnoatlas import paths
from cnoatlas.domain.playlist import (
    Playlist,
    PlaylistItem,
    example_playlist_path,
    library_catalogue,
    load_playlist,
    playlists_dir,
)
from cnoatlas.ui.lecture.presentation import PresentationWindow

IMAGE_WAIT_MS = 300_000  # a fresh user folder makes each synthetic study once


@pytest.fixture
def open_window(qtbot):
    windows = []

    def make(playlist):
        window = PresentationWindow(playlist)
        qtbot.addWidget(window)
        window.resize(1280, 720)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
    QThreadPool.globalInstance().waitForDone()


def _texts(window) -> str:
    return "\n".join(window.slide.visible_texts())


def _wheel(widget, notches: int) -> None:
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_stepping_through_the_example_never_shows_an_answer_before_its_step(qtbot, open_window):
    catalogue = library_catalogue()
    playlist = load_playlist(example_playlist_path())
    assert playlist.unknowns  # the example runs its cases as unknowns
    window = open_window(playlist)
    keys = [Qt.Key.Key_PageDown, Qt.Key.Key_Space, Qt.Key.Key_Right, Qt.Key.Key_Down]
    seen_kinds = []
    for number, step in enumerate(window.steps):
        assert window.index == number
        item = playlist.items[step.item]
        text = _texts(window)
        seen_kinds.append(step.kind)
        # never an id, a file path or debug text on the projector
        assert ".json" not in text and str(paths.PROJECT_ROOT) not in text
        assert not any(case_id in text for case_id in catalogue.cases)
        if item.kind == "case":
            case = catalogue.cases[item.ref]
            before = step.kind in ("case-history", "case-images", "case-lesion", "case-findings")
            number_of_case = playlist.case_number(step.item)
            if before:
                assert case.title not in text
                assert case.diagnosis_label not in text
                assert f"Case {number_of_case}: {case.presenting_title}" in text
            if step.kind == "case-history":
                assert case.history in text
            if step.kind == "case-lesion":
                qtbot.waitUntil(lambda: not window.images_pending(), timeout=IMAGE_WAIT_MS)
                lesion_ids = [lesion.id for lesion in case.lesions]
                revealed = set(lesion_ids[: lesion_ids.index(step.lesion) + 1])
                viewer = window.slide.visual.currentWidget()
                assert {a.lesion_id for a in viewer.annotations()} == revealed
                assert case.lesion(step.lesion).description in text
            if step.kind == "case-images":
                qtbot.waitUntil(lambda: not window.images_pending(), timeout=IMAGE_WAIT_MS)
                assert window.slide.visual.currentWidget().annotations() == []
            if step.kind == "case-diagnosis":
                assert case.diagnosis_label in text
                assert case.title in text
        if item.kind == "question":
            from cnoatlas.domain.quiz import question
            from cnoatlas.domain.quiz.cases import library_cases

            q = question(item.ref, cases=library_cases())
            assert q.prompt in text
            if step.kind == "question":
                assert q.explanation not in text and "✔" not in text
            else:
                assert q.explanation in text and "✔" in text
        if item.kind == "overlay":
            assert any("%" in t for t in window.slide.visible_texts())
        qtbot.keyClick(window, keys[number % len(keys)])
    assert window.index == len(window.steps) - 1  # it stops at the last step
    assert {"text", "overlay", "case-lesion", "question", "answer"} <= set(seen_kinds)


def test_back_keys_jump_black_screen_and_escape(qtbot, open_window):
    window = open_window(load_playlist(example_playlist_path()))
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.index == 1
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.index == 0
    qtbot.keyClick(window, Qt.Key.Key_1)
    qtbot.keyClick(window, Qt.Key.Key_2)
    assert window.index == 0  # digits wait for Enter
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.index == 11
    qtbot.keyClick(window, Qt.Key.Key_B)
    assert window.is_black() and window.blackout.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # the first key only lifts the black screen
    assert not window.is_black() and window.index == 11
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.index == len(window.steps) - 1
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.index == 0
    with qtbot.waitSignal(window.finished):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_step_keys_over_the_images_step_and_the_wheel_scrolls_slices(qtbot, open_window):
    playlist = Playlist("One case", [PlaylistItem("case", "cno-medial-clavicle")], unknowns=True)
    window = open_window(playlist)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # the images
    qtbot.waitUntil(lambda: not window.images_pending(), timeout=IMAGE_WAIT_MS)
    viewer = window.slide.visual.currentWidget()
    assert viewer.series is not None
    start = viewer.slice_index()
    _wheel(viewer.graphics.viewport(), -2)
    assert viewer.slice_index() == start + 2  # the wheel still scrolls the stack
    # Down is a slice key for the viewer, but during a lecture it moves to the next step
    qtbot.keyClick(viewer.graphics.viewport(), Qt.Key.Key_Down)
    assert window.current_step().kind == "case-lesion"
    qtbot.keyClick(viewer.graphics.viewport(), Qt.Key.Key_Space)
    assert window.current_step().kind == "case-findings"


def test_pointer_highlight_follows_the_mouse_and_l_turns_it_off(qtbot, open_window):
    window = open_window(load_playlist(example_playlist_path()))
    qtbot.mouseMove(window.slide, QPoint(200, 150))
    pointer = window.slide.pointer
    qtbot.waitUntil(lambda: pointer.position() is not None)
    assert pointer.position().toPoint() == QPoint(200, 150)
    qtbot.mouseMove(window.slide, QPoint(640, 300))
    assert pointer.position().toPoint() == QPoint(640, 300)
    assert pointer.isVisible() and pointer.geometry() == window.slide.rect()
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert pointer.position() is None and not pointer.enabled


def test_presenter_view_shows_notes_next_step_and_time(qtbot, open_window):
    playlist = load_playlist(example_playlist_path())
    window = open_window(playlist)
    qtbot.keyClick(window, Qt.Key.Key_P)
    presenter = window.presenter
    assert presenter is not None and presenter.isVisible()
    assert presenter.notes.text() == playlist.items[0].notes
    assert presenter.counter.text().startswith(f"Step 1 of {len(window.steps)}")
    assert presenter.next.text().startswith("Overlay")
    assert ":" in presenter.clock.text()
    qtbot.keyClick(presenter, Qt.Key.Key_PageDown)  # keys pressed on the laptop work too
    assert window.index == 1
    assert presenter.notes.text() == playlist.items[1].notes
    # the slide itself never shows the speaker notes
    assert playlist.items[1].notes not in _texts(window)
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert not presenter.isVisible()


def test_unknowns_switch_hides_titles_and_the_default_shows_them(qtbot, open_window):
    case = library_catalogue().cases["lch-vertebra-plana"]
    playlist = Playlist("T", [PlaylistItem("case", case.id)], unknowns=False)
    window = open_window(playlist)
    assert case.title in _texts(window)
    window.set_unknowns(True)
    text = _texts(window)
    assert case.title not in text and "Case 1: " + case.presenting_title in text


def test_a_broken_playlist_loads_with_the_bad_items_marked(qtbot, open_window, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(
        json.dumps(
            {
                "title": "Broken",
                "items": [
                    {"kind": "text", "title": "Welcome"},
                    {"kind": "case", "case": "no-such-case"},
                    {"kind": "overlay", "dataset": "nobody2001"},
                    {"kind": "map", "sites": ["wing.left"]},
                    {"kind": "question", "question": "feature:unicorn"},
                    {"kind": "hologram"},
                ],
            }
        ),
        encoding="utf-8",
    )
    window = open_window(load_playlist(path))
    assert [s.kind for s in window.steps] == ["text"] + ["missing"] * 5
    expected = [
        "missing: case 'no-such-case'",
        "missing: evidence dataset 'nobody2001'",
        "missing: site 'wing.left'",
        "missing: question 'feature:unicorn'",
        "unknown item kind 'hologram'",
    ]
    for problem in expected:
        qtbot.keyClick(window, Qt.Key.Key_PageDown)
        assert problem in _texts(window)
        assert "Missing item" in _texts(window)


def test_export_of_the_current_slide_is_a_full_hd_png(qtbot, open_window, tmp_path):
    window = open_window(load_playlist(example_playlist_path()))
    out = window.save_slide(tmp_path / "slide.png")
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)


def test_editor_builds_reorders_saves_and_reopens_a_playlist(qtbot, tmp_path):
    from cnoatlas.ui.lecture.playlist_editor import PlaylistEditor

    editor = PlaylistEditor()
    qtbot.addWidget(editor)
    editor.show()
    assert editor.items.dragDropMode() == QListWidget.DragDropMode.InternalMove
    editor.title_edit.setText("Friday teaching")
    editor.title_edit.textEdited.emit("Friday teaching")
    for choices, wanted in (
        (editor.case_list, "cno-silent-vertebra"),
        (editor.view_list, "andronikou2020"),
        (editor.question_list, "feature:vertebra-plana"),
    ):
        for row in range(choices.count()):
            if choices.item(row).data(Qt.ItemDataRole.UserRole)[1] == wanted:
                editor.choices.setCurrentWidget(choices)
                choices.setCurrentRow(row)
                editor.add_selected()
    editor.add_text_slide()
    editor.item_title.setText("Questions?")
    editor.item_title.textEdited.emit("Questions?")
    assert editor.item_kinds() == ["case", "overlay", "question", "text"]
    editor.move_item(3, 0)  # what a drag does
    assert editor.item_kinds() == ["text", "case", "overlay", "question"]
    editor.items.setCurrentRow(1)
    editor.step_boxes["discussion"].setChecked(False)
    editor.notes.setPlainText("Ask about the ankle first.")
    editor.unknowns.setChecked(True)
    path = editor.save()
    assert path.parent == playlists_dir() and path.name == "friday-teaching.json"
    saved = load_playlist(path)
    assert saved.title == "Friday teaching" and saved.unknowns
    assert saved.items[0].title == "Questions?"
    assert "discussion" not in saved.items[1].steps
    assert saved.items[1].notes == "Ask about the ankle first."
    shared = editor.export_file(tmp_path / "to-a-colleague.json")
    other = PlaylistEditor()
    qtbot.addWidget(other)
    imported = other.import_file(shared)
    assert load_playlist(imported) == saved


def test_the_main_window_lists_f5_in_its_view_menu(qtbot):
    from cnoatlas.ui.shell.main_window import MainWindow

    window = MainWindow(restore_state=False)
    qtbot.addWidget(window)
    shortcuts = {a.shortcut().toString(): a.text() for a in window.shortcut_actions()}
    assert shortcuts["F5"] == "Present lecture"
    view_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&View")
    assert "Present lecture" in [a.text() for a in view_menu.actions()]
    editor = window.open_playlists()
    assert editor.objectName() == "playlistEditor"


def test_map_slide_highlights_the_chosen_sites(qtbot, open_window):
    playlist = Playlist("T", [PlaylistItem("map", sites=("tibia", "clavicle.left.medial-third"))])
    window = open_window(playlist)
    site_map = window.slide.visual.currentWidget()
    highlighted = site_map.highlighted_sites()
    assert "clavicle.left.medial-third" in highlighted
    assert {"tibia.left.diaphysis", "tibia.right.diaphysis"} <= highlighted
    assert not any(s.startswith("femur") for s in highlighted)
    assert "Left clavicle, medial third" in _texts(window)


def test_full_screen_on_the_remembered_screen_and_text_size_within_limits(qtbot, open_window):
    window = open_window(load_playlist(example_playlist_path()))
    window.start()
    assert window.isFullScreen()
    screen_name = QApplication.screens()[0].name()
    assert window.settings.screen == screen_name
    assert window.presenter is None  # one screen: the presenter view waits for P
    for _ in range(20):
        window.zoom_text(0.25)
    assert window.slide.scale == 3.0
    big = window.slide.text.font().pixelSize()
    for _ in range(20):
        window.zoom_text(-0.25)
    assert window.slide.scale == 1.0
    assert window.slide.text.font().pixelSize() < big
    window.set_look("light", 2.0)
    from cnoatlas.ui.lecture.presentation import PresentationSettings

    remembered = PresentationSettings()
    assert (remembered.theme, remembered.scale, remembered.screen) == ("light", 2.0, screen_name)


def test_add_what_the_atlas_shows_takes_the_open_case_and_the_overlay(qtbot):
    from cnoatlas.ui.lecture.playlist_editor import PlaylistEditor
    from cnoatlas.ui.shell.main_window import MainWindow

    window = MainWindow(restore_state=False)
    qtbot.addWidget(window)
    editor = PlaylistEditor()
    qtbot.addWidget(editor)
    window.show_page("atlas")
    atlas = window.page("atlas")
    atlas.modes.setCurrentWidget(atlas.overlay)
    atlas.overlay.show_dataset("andronikou2020")
    assert editor.add_from_window(window) == PlaylistItem("overlay", "andronikou2020")
    window.open_case("cno-silent-vertebra")
    assert editor.add_from_window(window).ref == "cno-silent-vertebra"
    assert editor.item_kinds() == ["overlay", "case"]
    assert editor.add_from_window(None) is None and "first" in editor.status.text()
    QThreadPool.globalInstance().waitForDone()


def test_add_to_playlist_shortcut_adds_the_open_case_from_any_page(qtbot):
    from cnoatlas.ui.shell.main_window import MainWindow

    window = MainWindow(restore_state=False)
    qtbot.addWidget(window)
    action = next(a for a in window.shortcut_actions() if a.shortcut().toString() == "Ctrl+Shift+A")
    assert action.text() == "Add to playlist"
    window.open_case("cno-medial-clavicle")
    action.trigger()
    editor = window.open_playlists()
    assert editor.isVisible()
    assert editor.item_kinds()[-1] == "case"
    QThreadPool.globalInstance().waitForDone()


def test_labels_on_slide_images_keep_pace_with_the_slide_text(qtbot, open_window):
    from PySide6.QtGui import QFontMetricsF

    playlist = Playlist("One case", [PlaylistItem("case", "cno-medial-clavicle")], unknowns=True)
    window = open_window(playlist)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # the images
    qtbot.waitUntil(lambda: not window.images_pending(), timeout=IMAGE_WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # the first lesion, labelled on the image
    viewer = window.slide.visual.currentWidget()

    def label_fonts():
        return [QFont(viewer.label_layer.font)] * len(viewer.label_texts())

    (font,) = label_fonts()
    # Readable from where the body text is: not the 9-point label of a desk monitor.
    assert QFontMetricsF(font).height() >= 0.6 * window.slide.unit()
    window.zoom_text(0.5)
    (bigger,) = label_fonts()
    assert bigger.pointSizeF() > font.pointSizeF()
