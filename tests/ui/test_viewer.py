"""The series viewer as a user drives it: wheel, keys, right-drag window, zoom, linking, findings."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel

from cnoatlas.domain.annotations import parse_annotations
from cnoatlas.imaging.series import load_series
from cnoatlas.ui.viewer.grid import ViewerGrid
from cnoatlas.ui.viewer.loading import load_in_background
from cnoatlas.ui.viewer.series_viewer import SeriesViewer
from tests.ui.mouse import drag
from tests.unit.test_series import write_series


@pytest.fixture
def series(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(200, 900, (32, 24)).astype(np.uint16)
    write_series(
        tmp_path / "stir",
        9,
        rows=32,
        columns=24,
        pixels=pixels,
        description="COR STIR",
        frame_of_reference="1.5.1",
    )
    return load_series(tmp_path / "stir").series[0]


@pytest.fixture
def viewer(qtbot, series):
    widget = SeriesViewer()
    qtbot.addWidget(widget)
    widget.resize(500, 450)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_series(series, 4)
    return widget


def _centre(viewer: SeriesViewer) -> QPoint:
    return viewer.graphics.viewport().rect().center()


def _wheel(viewer: SeriesViewer, notches: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    target = viewer.graphics.viewport()
    pos = QPointF(_centre(viewer))
    event = QWheelEvent(
        pos,
        QPointF(target.mapToGlobal(pos.toPoint())),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(target, event)


def _drag(viewer: SeriesViewer, button, dx: int, dy: int) -> None:
    drag(viewer.graphics.viewport(), _centre(viewer), dx, dy, button)


def test_wheel_scrolls_slices_and_the_counter_follows(qtbot, viewer):
    with qtbot.waitSignal(viewer.sliceChanged) as signal:
        _wheel(viewer, -1)
    assert signal.args == [5]
    _wheel(viewer, 2)
    assert viewer.slice_index() == 3
    assert viewer.counter.text() == "4 / 9"
    assert viewer.slider.value() == 3


def test_keys_scroll_page_and_jump(qtbot, viewer):
    viewer.activateWindow()
    viewer.setFocus()
    qtbot.waitUntil(viewer.hasFocus)
    qtbot.keyClick(viewer, Qt.Key.Key_Down)
    assert viewer.slice_index() == 5
    qtbot.keyClick(viewer, Qt.Key.Key_Up)
    qtbot.keyClick(viewer, Qt.Key.Key_Up)
    assert viewer.slice_index() == 3
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert viewer.slice_index() == 8  # clamped at the last slice
    qtbot.keyClick(viewer, Qt.Key.Key_Home)
    assert viewer.slice_index() == 0


def test_slider_moves_the_slice(viewer):
    viewer.slider.setValue(7)
    assert viewer.slice_index() == 7
    assert "Im 8/9" in viewer._labels["top_right"].text()


def test_right_drag_changes_the_window(qtbot, viewer):
    center, width = viewer.window()
    with qtbot.waitSignal(viewer.windowChanged):
        _drag(viewer, Qt.MouseButton.RightButton, 60, 30)
    new_center, new_width = viewer.window()
    assert new_width > width and new_center > center
    assert f"W {new_width:.0f}" in viewer._labels["bottom_left"].text()


def test_window_api_sets_the_levels_the_image_uses(viewer, series):
    viewer.set_window(500, 200)
    levels = viewer.image.getLevels()
    expected = series.raw_levels(viewer.slice_index(), 500, 200)
    assert tuple(levels) == pytest.approx(expected)
    viewer.set_inverted(True)  # inverted grey: the same window, levels swapped
    assert tuple(viewer.image.getLevels()) == pytest.approx(expected[::-1])


def test_zoom_fit_and_pan(qtbot, viewer):
    before = viewer.zoom_factor()
    _wheel(viewer, 1, Qt.KeyboardModifier.ControlModifier)  # Ctrl+wheel zooms, not scrolls
    assert viewer.slice_index() == 4
    assert viewer.zoom_factor() > before * 1.05
    viewer.zoom(2.0)
    assert viewer.zoom_factor() > before * 2
    range_before = viewer.view_range()
    _drag(viewer, Qt.MouseButton.LeftButton, 40, 0)
    assert viewer.view_range()[0][0] < range_before[0][0]  # dragged right: view moves left
    viewer.fit()
    assert viewer.zoom_factor() == pytest.approx(before, rel=0.02)


def test_invert_and_dwi_default(qtbot, tmp_path, viewer):
    assert not viewer.inverted()
    viewer.invert_button.click()
    assert viewer.inverted() and "inverted" in viewer._labels["bottom_left"].text()
    write_series(tmp_path / "dwi", 3, description="AX DWI b800")
    dwi = load_series(tmp_path / "dwi").series[0]
    viewer.set_series(dwi)
    assert viewer.inverted() and viewer.invert_button.isChecked()


def test_overlay_shows_no_identifier(viewer):
    text = " ".join(label.text() for label in viewer._labels.values())
    for secret in ("Doe", "Jane", "ID-0042", "20150101", "St Elsewhere", "ACC-77"):
        assert secret not in text
    assert "COR STIR" in text and "Pos" in text
    assert viewer._labels["mark_left"].text() == "R"
    assert viewer._labels["mark_top"].text() == "S"
    assert viewer.scale_bar.text.endswith(("mm", "cm"))


def test_tag_browser_hides_identifiers(qtbot, viewer):
    dialog = viewer.open_tag_browser()
    qtbot.addWidget(dialog)
    flat = " ".join(" ".join(row) for row in dialog.rows())
    assert "Modality" in flat and "PatientSex" in flat
    for secret in ("Doe", "ID-0042", "20150101", "St Elsewhere", "House", "ACC-77"):
        assert secret not in flat
    dialog.filter.setText("Modality")
    visible = [
        dialog.tree.topLevelItem(k)
        for k in range(dialog.tree.topLevelItemCount())
        if not dialog.tree.topLevelItem(k).isHidden()
    ]
    assert [item.text(1) for item in visible] == ["Modality"]


def _annotations(series):
    return parse_annotations(
        {
            "version": 1,
            "annotations": [
                {
                    "id": "a1",
                    "lesion_id": "l1",
                    "series_uid": series.uid,
                    "sop_instance_uid": "",
                    "slice": 4,
                    "kind": "ellipse",
                    "geometry": {"center": [12, 16], "radii": [4, 3]},
                    "site_id": "tibia.left.proximal-metaphysis",
                    "finding": "bright marrow oedema",
                    "label": "oedema",
                },
                {
                    "id": "a2",
                    "lesion_id": "l2",
                    "series_uid": series.uid,
                    "sop_instance_uid": series.slices[6].sop_instance_uid,
                    "slice": 0,
                    "kind": "arrow",
                    "geometry": {"from": [2, 2], "to": [8, 8]},
                    "site_id": "vertebra.t7.body",
                    "finding": "second lesion",
                    "label": "T7",
                },
            ],
        }
    )


def test_annotations_toggle_reveal_and_click(qtbot, viewer, series):
    viewer.set_annotations(_annotations(series))
    assert viewer.visible_annotation_ids() == ["a1"]
    viewer.annotations_button.click()  # hide all
    assert viewer.visible_annotation_ids() == []
    viewer.annotations_button.click()
    assert viewer.visible_annotation_ids() == ["a1"]

    viewer.hide_all()
    assert viewer.visible_annotation_ids() == []
    revealed = viewer.reveal_next()
    assert revealed.id == "a1" and viewer.visible_annotation_ids() == ["a1"]
    revealed = viewer.reveal_next()
    # a2 names its slice by SOP instance (slice 6), which wins over the stale index 0.
    assert revealed.id == "a2" and viewer.slice_index() == 6
    assert viewer.visible_annotation_ids() == ["a2"]
    assert viewer.reveal_next() is None

    viewer.set_slice(4)
    with qtbot.waitSignal(viewer.annotationClicked) as clicked:
        assert viewer.click_at(12, 16)
    assert clicked.args == ["a1"]
    assert "bright marrow oedema" in viewer.finding_text()
    # The site as a reader names it, never its id.
    assert "Left tibia, proximal metaphysis" in viewer.finding_text()
    assert "tibia.left" not in viewer.finding_text()
    assert not viewer.click_at(0, 30)
    assert viewer.finding_text() == ""


def test_grid_layouts_and_linked_scrolling_by_position(qtbot, tmp_path, series):
    write_series(
        tmp_path / "t1",
        17,
        rows=32,
        columns=24,
        spacing=2.0,
        description="COR T1",
        frame_of_reference="1.5.1",
    )
    t1 = load_series(tmp_path / "t1").series[0]
    grid = ViewerGrid(layout="1x2")
    qtbot.addWidget(grid)
    grid.resize(900, 450)
    grid.show()
    assert len(grid.visible_viewers()) == 2
    grid.viewer(0).set_series(series, 0)
    grid.viewer(1).set_series(t1, 0)
    grid.set_linked(True)
    grid.viewer(0).set_slice(3)  # 12 mm from the first STIR slice
    assert grid.viewer(1).slice_index() == 6  # 12 mm at 2 mm spacing
    assert grid.viewer(1).series.position_mm(6) == pytest.approx(series.position_mm(3))
    grid.set_linked(False)
    grid.viewer(0).set_slice(8)
    assert grid.viewer(1).slice_index() == 6
    grid.layout_buttons["2x2"].click()
    assert grid.layout_name() == "2x2" and len(grid.visible_viewers()) == 4
    grid.link_button.click()
    assert grid.linked()
    grid.viewer(0).set_slice(3)
    assert grid.viewer(1).slice_index() == 6
    grid.link_button.click()
    assert not grid.linked()
    grid.set_layout("1x1")
    assert len(grid.visible_viewers()) == 1 and not grid.viewer(1).isVisible()


def test_baseline_and_follow_up_link_by_relative_position(qtbot, tmp_path, series):
    write_series(
        tmp_path / "follow",
        5,
        rows=32,
        columns=24,
        description="COR STIR",
        frame_of_reference="7.7.7",
    )  # another visit: another frame of reference
    follow = load_series(tmp_path / "follow").series[0]
    grid = ViewerGrid(layout="1x2")
    qtbot.addWidget(grid)
    grid.viewer(0).set_series(series, 0)
    grid.viewer(1).set_series(follow, 0)
    grid.set_linked(True)
    grid.viewer(0).set_slice(8)  # last baseline slice
    assert grid.viewer(1).slice_index() == 4  # last follow-up slice
    grid.viewer(0).set_slice(4)
    assert grid.viewer(1).slice_index() == 2


def test_cine_plays_through_slices(qtbot, viewer):
    viewer.play(frames_per_second=50)
    qtbot.waitUntil(lambda: viewer.slice_index() != 4, timeout=2000)
    viewer.stop()
    assert not viewer.is_playing()


def test_background_loading_streams_into_the_viewer(qtbot, tmp_path):
    write_series(tmp_path / "s", 6, rows=16, columns=16)
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    task = load_in_background(viewer, tmp_path / "s", first_slice=2)
    # Waited for on the viewer's side: a signal connected only now may already have gone.
    qtbot.waitUntil(lambda: task.delivered is not None, timeout=10000)
    assert viewer.series is not None and viewer.series.loaded.all()
    assert viewer.slice_index() == 2
    assert viewer.image.image is not None


def test_first_image_is_painted_before_the_series_is_scanned(qtbot, tmp_path):
    from cnoatlas.imaging.dicom_io import find_sources
    from cnoatlas.imaging.series import first_image

    write_series(tmp_path / "s", 7, rows=16, columns=12)
    sources, _ = find_sources(tmp_path / "s")
    first = first_image(sources, 5)
    assert first is not None and int(first.pixels[0, 0]) // 100 == 5  # the guessed slice is right
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.show_first_image(first)
    assert viewer.image.image is not None and viewer.image.image.shape == (16, 12)
    assert "reading" in viewer._labels["status"].text()


def test_the_slice_in_view_is_on_screen_when_open_returns(qtbot, tmp_path):
    # No thread start or queued signal between "open" and the first picture.
    write_series(tmp_path / "s", 7, rows=16, columns=12)
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    task = load_in_background(viewer, tmp_path / "s", first_slice=5)
    shown = viewer.image.image
    assert shown is not None and int(shown[0, 0]) // 100 == 5
    qtbot.waitUntil(lambda: task.delivered is not None, timeout=10000)
    assert viewer.series.loaded.all() and viewer.slice_index() == 5


def test_a_missing_folder_is_reported_by_the_loader(qtbot, tmp_path):
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    load_in_background(viewer, tmp_path / "nowhere")
    # The viewer's own connection was made before the worker started, so it cannot miss it.
    qtbot.waitUntil(lambda: "nowhere" in viewer._labels["status"].text(), timeout=5000)
    assert viewer.image.image is None


def test_series_view_renders_a_folder_with_its_annotations(qtbot, tmp_path):
    import json

    from cnoatlas.ui.common.views import ViewRequest, grab_widget
    from cnoatlas.ui.shell.screens import build_view

    uid, slices = write_series(tmp_path / "study" / "stir", 5, rows=64, columns=48)
    (tmp_path / "study" / "annotations.json").write_text(
        json.dumps(
            {
                "version": 1,
                "annotations": [
                    {
                        "id": "a1",
                        "lesion_id": "l1",
                        "series_uid": uid,
                        "sop_instance_uid": slices[2].SOPInstanceUID,
                        "slice": 2,
                        "kind": "ellipse",
                        "geometry": {"center": [24, 30], "radii": [6, 5]},
                        "site_id": "tibia.left.proximal-metaphysis",
                        "finding": "oedema",
                        "label": "oedema",
                    }
                ],
            }
        )
    )
    request = ViewRequest.parse(f"series:{tmp_path / 'study' / 'stir'}", size=(640, 480), slice=2)
    window = build_view(request)
    qtbot.addWidget(window)
    image = grab_widget(window, request.size)
    assert (image.width(), image.height()) == (640, 480)
    assert window.viewer.slice_index() == 2
    assert window.viewer.visible_annotation_ids() == ["a1"]


def test_series_view_refuses_a_slice_out_of_range(qtbot, tmp_path):
    from cnoatlas.domain.errors import AtlasError
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import build_view

    write_series(tmp_path / "s", 3)
    with pytest.raises(AtlasError, match="slices 0 to 2"):
        build_view(ViewRequest.parse(f"series:{tmp_path / 's'}", slice=7))


def test_presets_follow_the_series_type(qtbot, viewer):
    names = [viewer.presets.itemText(k) for k in range(viewer.presets.count())]
    assert names[0] == "Auto" and "Oedema" in names  # a STIR series without a file window
    row = names.index("Oedema")
    center, width = viewer.presets.itemData(row)
    viewer.presets.activated.emit(row)
    assert viewer.window() == pytest.approx((center, width))


def test_monochrome1_shows_low_values_bright(qtbot, tmp_path):
    write_series(
        tmp_path / "cr",
        1,
        rows=4,
        columns=2,
        pixels=np.array([[0, 1000]] * 4, dtype=np.uint16),
        PhotometricInterpretation="MONOCHROME1",
        WindowCenter=500,
        WindowWidth=1000,
    )
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.set_series(load_series(tmp_path / "cr").series[0])
    lo, hi = viewer.image.getLevels()
    assert lo > hi  # drawn inverted, though the user has not pressed Invert
    assert not viewer.inverted()


def test_series_view_of_a_study_links_its_series_in_a_grid(qtbot, tmp_path):
    from cnoatlas.ui.common.views import ViewRequest
    from cnoatlas.ui.shell.screens import build_view

    write_series(tmp_path / "study" / "a", 6, description="COR STIR", frame_of_reference="4.4")
    write_series(tmp_path / "study" / "b", 6, description="COR T1", frame_of_reference="4.4")
    window = build_view(ViewRequest.parse(f"series:{tmp_path / 'study'}", slice=2))
    qtbot.addWidget(window)
    assert window.grid is not None and window.grid.layout_name() == "1x2"
    assert window.grid.linked()
    window.grid.viewer(0).set_slice(4)
    assert window.grid.viewer(1).slice_index() == 4


def test_loader_reads_the_slice_the_user_scrolls_to_next(qtbot, tmp_path):
    from cnoatlas.ui.viewer.loading import SeriesLoadTask

    write_series(tmp_path / "s", 20, rows=8, columns=8)
    task = SeriesLoadTask(tmp_path / "s", first_slice=0)
    order = []
    task.signals.sliceLoaded.connect(lambda _n, i: order.append(i))
    task.want(13)
    task.run()  # in this thread: the signals arrive in order
    assert order[:2] == [0, 13]
    assert sorted(order) == list(range(20))


def test_a_series_shown_before_its_pixels_gets_a_real_window_when_they_arrive(qtbot, tmp_path):
    from cnoatlas.imaging.series import scan

    pixels = np.full((8, 6), 700, dtype=np.uint16)
    pixels[2:6, 2:4] = 900
    write_series(tmp_path / "s", 4, pixels=pixels)
    series = scan(tmp_path / "s").series[0]
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.set_series(series, 1)
    assert "loading" in viewer._labels["status"].text()
    series.load_slice(1)
    viewer.slice_loaded(1)
    center, width = viewer.window()
    assert 700 <= center <= 900 and width > 1  # from the data, not the placeholder
    assert viewer._labels["status"].isHidden()


def test_on_image_text_grows_with_the_interface_scale(qtbot, viewer, series):
    from cnoatlas.ui.common.theme import apply_theme

    def label_points() -> list[float]:
        layer = viewer.label_layer
        return [layer.font.pointSizeF()] * len(viewer.label_texts())

    def corner_points() -> float:
        return viewer.findChild(QLabel, "seriesViewer-top_left").fontInfo().pointSizeF()

    app = QApplication.instance()
    apply_theme(app, "dark", 1.0)
    qtbot.waitUntil(lambda: viewer.text_scale() == 1.0)
    viewer.set_annotations(_annotations(series))
    (small,), corner = label_points(), corner_points()
    assert small >= 10  # readable at scale 1 too
    try:
        apply_theme(app, "dark", 2.0)  # Settings › Interface scale
        qtbot.waitUntil(lambda: label_points() == [pytest.approx(2 * small)])
        assert corner_points() >= 1.8 * corner
        # A slide asks for its own size, whatever the interface scale.
        viewer.set_text_scale(3.0)
        assert label_points() == [pytest.approx(3 * small)]
    finally:
        apply_theme(app, "dark", 1.0)


def test_slider_keeps_a_usable_width_in_a_narrow_viewer(qtbot, viewer):
    from cnoatlas.ui.viewer.series_viewer import SLIDER_MIN_WIDTH

    viewer.resize(460, 450)  # a case page on a 1366×768 laptop
    qtbot.waitUntil(lambda: viewer.slider.width() >= SLIDER_MIN_WIDTH)
    # On its own row, above the buttons; side by side again when there is room.
    assert viewer.slider.geometry().bottom() < viewer.counter.geometry().top()
    viewer.resize(1200, 450)
    qtbot.waitUntil(lambda: viewer.slider.geometry().top() >= viewer.counter.geometry().top() - 4)
    assert viewer.slider.width() >= SLIDER_MIN_WIDTH


def test_labels_toggle_with_the_button_and_the_l_key_and_keep_clear_of_the_letters(
    qtbot, viewer, series
):
    viewer.set_annotations(_annotations(series))
    assert viewer.label_texts() == ["oedema"]
    viewer.labels_button.click()
    assert viewer.label_texts() == [] and viewer.visible_annotation_ids() == ["a1"]
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert viewer.label_texts() == ["oedema"] and viewer.labels_button.isChecked()
    keep = viewer.overlay_keep_out()
    assert keep, "the corner texts and the letters are keep-out boxes"
    for box in viewer.label_boxes():
        for k in keep:
            assert not box.intersects(QRectF(k.x, k.y, k.w, k.h))


def test_the_scale_bar_text_is_never_clipped(qtbot, viewer):
    from PySide6.QtGui import QFontMetricsF

    for scale in (1.0, 2.0, 3.5):
        viewer.set_text_scale(scale)
        viewer.resize(900, 700)
        qtbot.wait(10)
        bar = viewer.scale_bar
        for mm_per_pixel in (0.05, 0.3, 1.0, 2.5, 7.0):
            bar.set_scale(mm_per_pixel)
            rect = bar.text_rect()
            needed = QFontMetricsF(bar._font).horizontalAdvance(bar.text)
            assert rect.width() >= needed
            assert rect.left() >= 0 and rect.right() <= bar.width()
            assert rect.bottom() <= bar.height() - 8 - 4  # above the bar
            assert bar.bar_pixels < bar.width()


def test_a_short_series_is_handed_to_the_viewer_whole_and_reported_in_batches(qtbot, tmp_path):
    from cnoatlas.ui.viewer.loading import SeriesLoadTask

    write_series(tmp_path / "s", 20, rows=8, columns=8)
    task = SeriesLoadTask(tmp_path / "s", first_slice=3)
    task.handoff_seconds = 60.0  # everything is read before the hand-off
    whole_at_scan = []
    batches = []
    task.signals.scanned.connect(lambda r: whole_at_scan.append(bool(r.series[0].loaded.all())))
    task.signals.slicesLoaded.connect(lambda _n, indices: batches.append(list(indices)))
    task.run()  # in this thread
    assert whole_at_scan == [True]
    assert all(b == [] for b in batches)  # nothing arrived after the viewer was given it

    task = SeriesLoadTask(tmp_path / "s", first_slice=3)
    task.handoff_seconds = 0.0  # handed over after the first slice
    task.batch_seconds = 3600.0  # then one report at the end of the series
    batches = []
    task.signals.slicesLoaded.connect(lambda _n, indices: batches.append(list(indices)))
    task.run()
    assert len(batches) == 1 and sorted(batches[0]) == sorted(set(range(20)) - {3})


def test_pixels_reported_again_do_not_draw_the_same_slice_again(qtbot, tmp_path, monkeypatch):
    from cnoatlas.imaging.series import scan

    write_series(tmp_path / "s", 4, rows=8, columns=6)
    series = scan(tmp_path / "s").series[0]
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.set_series(series, 1)
    drawn = []
    real = viewer.image.setImage
    monkeypatch.setattr(viewer.image, "setImage", lambda *a, **k: (drawn.append(1), real(*a, **k)))
    series.load_slice(2)
    viewer.slice_loaded()  # not the slice in view
    assert drawn == [] and "loading" in viewer._labels["status"].text()
    series.load_slice(1)
    viewer.slice_loaded()
    viewer.slice_loaded(1)
    assert drawn == [1] and viewer._labels["status"].isHidden()
    viewer.set_window(*viewer.window())  # an explicit change draws again
    assert drawn == [1, 1]


def test_the_bench_grabs_what_qt_repaints_on_a_slice_change(qtbot, viewer):
    from PySide6.QtWidgets import QApplication

    from cnoatlas.bench.interaction import repainted_regions

    app = QApplication.instance()
    regions = repainted_regions(app, viewer, lambda: viewer.set_slice(5))
    canvas = viewer.graphics.viewport()
    painted = [w for w, _ in regions]
    assert canvas in painted or any(w.isAncestorOf(canvas) for w in painted)
    # the slider moved and the counter changed: both are painted (by themselves or the bar)
    for changed in (viewer.slider, viewer.counter):
        assert any(w is changed or w.isAncestorOf(changed) for w in painted)
    # the buttons did not change and are not painted
    button = viewer.tags_button
    for widget, rect in regions:
        if widget.isAncestorOf(button):
            top_left = button.mapTo(widget, button.rect().topLeft())
            assert not rect.intersects(button.rect().translated(top_left))
    regions = repainted_regions(app, viewer, lambda: viewer.zoom(1.2))
    assert all(w is canvas or canvas.isAncestorOf(w) for w, _ in regions)


def test_the_first_image_is_painted_once_and_at_once(qtbot, tmp_path, monkeypatch):
    import pyqtgraph.widgets.GraphicsView as graphics_view
    from PySide6.QtWidgets import QApplication

    from cnoatlas.imaging.dicom_io import find_sources
    from cnoatlas.imaging.series import first_image

    paints = []
    real = graphics_view.GraphicsView.paintEvent

    def counted(self, event):
        paints.append(self)
        real(self, event)

    # Before the viewer is made: Qt looks the override up when the widget is wrapped.
    monkeypatch.setattr(graphics_view.GraphicsView, "paintEvent", counted)
    write_series(tmp_path / "s", 5, rows=32, columns=24)
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.resize(400, 400)
    viewer.show()
    qtbot.waitExposed(viewer)
    for _ in range(3):
        QApplication.processEvents()
    paints.clear()
    sources, _ = find_sources(tmp_path / "s")
    viewer.show_first_image(first_image(sources, 2))
    viewer.paint_now()
    assert paints == [viewer.graphics]  # painted now, before the loop runs again
    for _ in range(3):
        QApplication.processEvents()
    assert paints == [viewer.graphics]  # and not again
