"""The skeleton map as a user meets it: hover names a bone, click picks it, keys move around."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath

from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.sites import site_model
from cnoatlas.ui.atlas.page import AtlasPage
from cnoatlas.ui.atlas.site_map import SiteMap
from cnoatlas.ui.common.views import ViewRequest
from cnoatlas.ui.shell.screens import build_view

TARGET = "tibia.left.proximal-metaphysis"


def inside_point(path: QPainterPath) -> QPoint:
    """An integer pixel well inside a widget-coordinate path (centre first, then a grid)."""
    box = path.boundingRect()
    candidates = [box.center()]
    for i in range(1, 16):
        for j in range(1, 16):
            candidates.append(
                QPointF(box.left() + box.width() * i / 16, box.top() + box.height() * j / 16)
            )
    for c in candidates:
        p = c.toPoint()
        ring = [QPointF(p.x() + dx, p.y() + dy) for dx in (-2, 0, 2) for dy in (-2, 0, 2)]
        if all(path.contains(q) for q in ring):
            return p
    raise AssertionError("no pixel well inside the shape")


@pytest.fixture
def site_map(qtbot):
    widget = SiteMap("front")
    qtbot.addWidget(widget)
    widget.resize(700, 1000)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_click_on_a_shape_emits_its_id(qtbot, site_map):
    point = inside_point(site_map.site_path(TARGET))
    with qtbot.waitSignal(site_map.siteClicked) as clicked:
        qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == [TARGET]
    assert site_map.selected_sites() == [TARGET]
    # The patient's left tibia is drawn on the viewer's right (radiological convention).
    assert point.x() > site_map.width() / 2


def test_click_on_empty_space_clears_the_selection(qtbot, site_map):
    site_map.select(TARGET)
    with qtbot.waitSignal(site_map.selectionChanged) as changed:
        qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=QPoint(5, 500))
    assert changed.args == [[]]


def test_hover_shows_the_site_name(qtbot, site_map):
    point = inside_point(site_map.site_path("clavicle.right.medial-third"))
    qtbot.mouseMove(site_map, point)
    qtbot.waitUntil(lambda: site_map.hovered_site() == "clavicle.right.medial-third")
    assert site_map.toolTip() == "Right clavicle, medial third"
    assert site_map.hover_text() == "Right clavicle, medial third"
    qtbot.mouseMove(site_map, QPoint(3, 3))
    qtbot.waitUntil(lambda: site_map.hovered_site() == "")
    assert site_map.hover_text() == ""


def test_keyboard_walks_sites_in_anatomical_order_and_enter_selects(qtbot, site_map):
    order = site_map.site_ids()
    assert order[0] == "skull.vault"
    assert order == [s for s in site_model().sites if s in set(order)]
    site_map.setFocus()
    qtbot.keyClick(site_map, Qt.Key.Key_Tab)
    assert site_map.current_site() == "skull.vault"
    qtbot.keyClick(site_map, Qt.Key.Key_Down)
    qtbot.keyClick(site_map, Qt.Key.Key_Tab)
    assert site_map.current_site() == order[2]
    qtbot.keyClick(site_map, Qt.Key.Key_Up)
    assert site_map.current_site() == order[1]
    with qtbot.waitSignal(site_map.selectionChanged) as changed:
        qtbot.keyClick(site_map, Qt.Key.Key_Return)
    assert changed.args == [[order[1]]]
    # Left/Right move to the neighbour on screen: across the midline between the thighs.
    site_map.select("femur.right.diaphysis")
    qtbot.keyClick(site_map, Qt.Key.Key_Right)
    assert site_map.current_site() == "femur.left.diaphysis"
    qtbot.keyClick(site_map, Qt.Key.Key_Left)
    assert site_map.current_site() == "femur.right.diaphysis"
    qtbot.keyClick(site_map, Qt.Key.Key_Escape)
    assert site_map.selected_sites() == []


def test_multi_select_toggles(qtbot, site_map):
    site_map.set_multi_select(True)
    a, b = "vertebra.l1.body", "clavicle.left.medial-third"
    for sid in (a, b):
        qtbot.mouseClick(
            site_map, Qt.MouseButton.LeftButton, pos=inside_point(site_map.site_path(sid))
        )
    assert site_map.selected_sites() == [a, b]
    qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=inside_point(site_map.site_path(a)))
    assert site_map.selected_sites() == [b]
    site_map.set_multi_select(False)
    qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=inside_point(site_map.site_path(a)))
    assert site_map.selected_sites() == [a]


def test_anatomical_view_mirrors_the_skeleton(qtbot, site_map):
    before = site_map.site_anchor(TARGET)
    site_map.set_anatomical_view(True)
    after = site_map.site_anchor(TARGET)
    assert before.x() > site_map.width() / 2 > after.x()
    assert site_map.site_at(after) == TARGET
    point = inside_point(site_map.site_path(TARGET))
    with qtbot.waitSignal(site_map.siteClicked) as clicked:
        qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == [TARGET]


def test_fills_and_highlights_are_painted(qtbot, site_map):
    red = QColor("#d01010")
    site_map.set_site_fills({TARGET: red})
    site_map.highlight_sites({"vertebra.l3.body"})
    image = site_map.grab().toImage()
    ratio = image.devicePixelRatio()

    def pixel(sid):
        p = inside_point(site_map.site_path(sid))
        return image.pixelColor(int(p.x() * ratio), int(p.y() * ratio))

    assert pixel(TARGET) == red
    lit = pixel("vertebra.l3.body")
    plain = pixel("vertebra.l4.body")
    assert lit != plain
    site_map.set_site_fills({})
    site_map.highlight_sites(set())
    image = site_map.grab().toImage()
    assert pixel(TARGET) == plain


def test_zoom_and_pan_keep_hit_testing_right(qtbot, site_map):
    anchor = site_map.site_anchor(TARGET)
    site_map.zoom_by(3.0, anchor)
    assert site_map.zoom() == pytest.approx(3.0)
    assert site_map.site_at(anchor) == TARGET  # the point under the cursor stays put
    site_map.setFocus()
    qtbot.keyClick(site_map, Qt.Key.Key_Minus)
    assert site_map.zoom() < 3.0
    start = site_map.site_anchor(TARGET).toPoint()
    qtbot.mousePress(site_map, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(site_map, start + QPoint(40, 30))
    with qtbot.assertNotEmitted(site_map.siteClicked):
        qtbot.mouseRelease(site_map, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 30))
    moved = site_map.site_anchor(TARGET)
    assert moved.x() == pytest.approx(start.x() + 40, abs=2)
    assert moved.y() == pytest.approx(start.y() + 30, abs=2)
    qtbot.keyClick(site_map, Qt.Key.Key_0)
    assert site_map.zoom() == 1.0
    assert site_map.site_anchor(TARGET) == anchor


def test_anchor_and_bounds_are_inside_the_shape(site_map):
    for sid in site_map.site_ids():
        anchor = site_map.site_anchor(sid)
        assert site_map.site_bounds(sid).contains(anchor), sid
        assert site_map.site_path(sid).contains(anchor), sid
    with pytest.raises(KeyError):
        site_map.site_anchor("no.such.site")


def test_vertebral_bodies_behind_the_sternum_stay_clickable(qtbot, site_map):
    site_map.zoom_by(4.0, site_map.site_anchor("vertebra.t7.body"))  # vertebrae are small
    body = site_map.site_path("vertebra.t7.body")
    visible = body.subtracted(site_map.site_path("sternum.body"))
    assert not visible.isEmpty()
    with qtbot.waitSignal(site_map.siteClicked) as clicked:
        qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=inside_point(visible))
    assert clicked.args == ["vertebra.t7.body"]
    sternum = inside_point(site_map.site_path("sternum.body"))
    assert site_map.site_at(QPointF(sternum)) == "sternum.body"


def test_lateral_spine_map_holds_the_vertebrae(qtbot):
    spine = SiteMap("spine-lateral")
    qtbot.addWidget(spine)
    spine.resize(240, 700)
    spine.show()
    assert len(spine.site_ids()) == 50
    for sid in ("vertebra.l2.posterior-elements", "vertebra.c5.body", "sacrum", "coccyx"):
        point = inside_point(spine.site_path(sid))
        with qtbot.waitSignal(spine.siteClicked) as clicked:
            qtbot.mouseClick(spine, Qt.MouseButton.LeftButton, pos=point)
        assert clicked.args == [sid]


# --- the atlas page ------------------------------------------------------------------------------
def test_page_shows_the_clicked_site_in_its_panel(qtbot):
    page = AtlasPage()
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    assert page.panel.title.text() == "Choose a site"
    point = inside_point(page.site_map.site_path("clavicle.left.medial-third"))
    qtbot.mouseClick(page.site_map, Qt.MouseButton.LeftButton, pos=point)
    assert page.panel.title.text() == "Left clavicle, medial third"
    assert "medial third" in page.panel.note_text()
    assert "Nico et al. 2022" in page.panel.note_text()
    related = [page.panel.related.item(i).text() for i in range(page.panel.related.count())]
    assert "CNO of the medial clavicle in a teenage boy" in related  # the case library's cases
    # A vertebra chosen on the lateral spine is selected on the front view as well.
    point = inside_point(page.spine_map.site_path("vertebra.t7.body"))
    qtbot.mouseClick(page.spine_map, Qt.MouseButton.LeftButton, pos=point)
    assert page.site_map.selected_sites() == ["vertebra.t7.body"]
    assert "disc" in page.panel.note_text()
    # So is the right foot: its lateral view beside the spine selects on the front view too.
    assert page.foot_map.isVisible()
    point = inside_point(page.foot_map.site_path("calcaneus.right"))
    qtbot.mouseClick(page.foot_map, Qt.MouseButton.LeftButton, pos=point)
    assert page.site_map.selected_sites() == ["calcaneus.right"]
    assert page.foot_map.selected_sites() == ["calcaneus.right"]
    assert page.spine_map.selected_sites() == []
    # The sacrum is drawn in both views: chosen on the spine, it is chosen on the front too.
    point = inside_point(page.spine_map.site_path("sacrum"))
    qtbot.mouseClick(page.spine_map, Qt.MouseButton.LeftButton, pos=point)
    assert page.site_map.selected_sites() == ["sacrum"]
    assert page.panel.title.text() == "Sacrum"
    point = inside_point(page.spine_map.site_path("vertebra.t7.body"))
    qtbot.mouseClick(page.spine_map, Qt.MouseButton.LeftButton, pos=point)
    page.mirror.click()
    assert page.site_map.is_anatomical_view()


def test_map_view_with_select_opens_the_panel(qtbot):
    window = build_view(ViewRequest("map", select="femur.right.intertrochanteric"))
    qtbot.addWidget(window)
    page = window.page("atlas")
    assert window.current_page() == "atlas"
    assert page.selected_site() == "femur.right.intertrochanteric"
    assert page.site_map.selected_sites() == ["femur.right.intertrochanteric"]
    assert page.panel.title.text() == "Right femur, intertrochanteric region"
    assert page.panel.isVisible() or not window.isVisible()
    with pytest.raises(AtlasError, match=r"knee\.left"):
        build_view(ViewRequest("map", select="knee.left"))
    with pytest.raises(AtlasError, match="group"):
        page.select_site("tibia.left")


def test_colours_follow_the_theme(qtbot, site_map):
    from PySide6.QtWidgets import QApplication

    from cnoatlas.ui.common.theme import apply_theme, current_theme

    app = QApplication.instance()
    original = current_theme().name
    point = inside_point(site_map.site_path("skull.vault"))

    def bone_colour():
        image = site_map.grab().toImage()
        ratio = image.devicePixelRatio()
        return image.pixelColor(int(point.x() * ratio), int(point.y() * ratio))

    try:
        apply_theme(app, "dark", 1.0)
        dark = bone_colour()
        apply_theme(app, "contrast", 1.0)
        contrast = bone_colour()
    finally:
        apply_theme(app, original, 1.0)
    assert dark != contrast
    assert contrast == QColor("#000000")  # high contrast: black bones, white outlines


def test_ctrl_tab_is_left_to_focus_navigation(qtbot, site_map):
    site_map.setFocus()
    qtbot.keyClick(site_map, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert site_map.current_site() == ""


def test_every_site_can_be_picked_at_its_anchor(site_map):
    """Even shapes partly covered (the vertebral bodies behind the sternum) have a visible spot."""
    site_map.zoom_by(4.0)  # small bones need a closer look; the anchor is zoom-independent
    for sid in site_map.site_ids():
        assert site_map.site_at(site_map.site_anchor(sid)) == sid, sid


def test_panel_guides_before_a_choice_and_forgets_a_cleared_site(qtbot):
    page = AtlasPage()
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)

    def related() -> list[str]:
        return [page.panel.related.item(i).text() for i in range(page.panel.related.count())]

    # Not an empty box: what the panel will hold, and a prompt in the case list.
    assert "Evidence overlays" in page.panel.note_text()
    assert related() == ["Choose a site to list its teaching cases and chapters."]
    page.select_site("tibia.left.proximal-metaphysis")
    assert any("tibio-clavicular" in t for t in related())
    page.site_map.clear_selection()
    assert page.panel.title.text() == "Choose a site"
    assert related() == ["Choose a site to list its teaching cases and chapters."]
    # Long titles wrap; no sideways scrolling in a list of titles.
    assert page.panel.related.wordWrap()


# --- issue 16: into view, small targets, caption, selection colour --------------------------
def test_selecting_a_site_elsewhere_brings_it_into_view(qtbot, site_map):
    site_map.zoom_by(4.0, QPointF(350, 150))  # zoomed on the skull
    far = "tibia.left.distal-metaphysis"
    view = site_map.rect()
    assert not view.contains(site_map.site_bounds(far).toRect())
    site_map.ensure_visible(far)
    assert view.contains(site_map.site_bounds(far).toRect())
    assert site_map.zoom() == pytest.approx(4.0)  # the zoom is kept, only the view moves


def test_page_select_site_from_search_pans_the_map(qtbot):
    page = AtlasPage()
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    page.site_map.zoom_by(4.0, QPointF(200, 100))
    page.select_site("tibia.right.distal-metaphysis")
    box = page.site_map.site_bounds("tibia.right.distal-metaphysis")
    assert page.site_map.rect().contains(box.toRect())


def test_a_site_chosen_before_the_page_is_laid_out_leaves_the_maps_whole(qtbot):
    """Chosen before the page has its size (a map view opened with a selection), a vertebra
    or the sacrum must not push the lateral spine off the side of its map."""
    page = AtlasPage()
    qtbot.addWidget(page)
    page.select_site("sacrum")  # not yet shown: the maps have no real size
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    for m in (page.spine_map, page.site_map, page.foot_map):
        drawn = QRectF()
        for sid in m.site_ids():
            drawn = drawn.united(m.site_bounds(sid))
        assert QRectF(m.rect()).contains(drawn), (m.view, drawn, m.rect())
    assert page.spine_map.selected_sites() == ["sacrum"]


def test_small_sites_get_a_minimum_hit_target(qtbot, site_map):
    from cnoatlas.ui.atlas.site_map import MIN_TARGET

    small = [
        sid
        for sid in site_map.site_ids()
        if min(site_map.site_bounds(sid).width(), site_map.site_bounds(sid).height()) < 6
    ]
    assert small  # at this size some sites are hair-thin
    for sid in small:
        centre = site_map.site_bounds(sid).center()
        # A point a few pixels off the thin shape still picks a site, the nearest small one.
        near = QPointF(centre.x() + MIN_TARGET / 2 - 2, centre.y())
        assert site_map.site_at(near) is not None, sid
    assert site_map.site_at(QPointF(2, 2)) is None  # empty corners stay empty


def test_caption_follows_the_keyboard_not_a_stale_hover(qtbot, site_map):
    anchor = site_map.site_anchor(TARGET).toPoint()
    qtbot.mouseMove(site_map, anchor)
    assert site_map.hovered_site() == TARGET
    site_map.setFocus()
    qtbot.keyClick(site_map, Qt.Key.Key_Right)
    assert site_map.hovered_site() == ""
    assert site_map.current_site() and site_map.current_site() != TARGET


def test_high_contrast_selection_has_its_own_colour():
    from cnoatlas.ui.atlas.site_map import _Colours
    from cnoatlas.ui.common.theme import THEMES

    for name, t in THEMES.items():
        c = _Colours(t)
        assert c.selected.name() != c.highlight.name(), name
        assert c.selected.name() != c.bone.name(), name


def test_search_results_stay_on_the_screen(qtbot):
    from cnoatlas.ui.common.search_box import SearchBox

    box = SearchBox()
    qtbot.addWidget(box)
    box.resize(220, 28)
    screen = box.screen().availableGeometry()
    box.move(screen.right() - 230, screen.top() + 4)  # the window's top-right corner
    box.show()
    rect = box.popup_rect()
    left = box.mapToGlobal(rect.topLeft()).x()
    assert left >= screen.left() and left + rect.width() <= screen.right() + 1
    assert rect.width() >= box.completer.popup().minimumWidth()


def _reference_path(shape) -> QPainterPath:
    """The path as the map used to build it: segment by segment, from Segment tuples."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill if shape.evenodd else Qt.FillRule.WindingFill)
    for seg in shape.segments:
        if seg.op == "M":
            path.moveTo(*seg.points[0])
        elif seg.op == "L":
            path.lineTo(*seg.points[0])
        elif seg.op == "Q":
            path.quadTo(*seg.points[0], *seg.points[1])
        elif seg.op == "C":
            path.cubicTo(*seg.points[0], *seg.points[1], *seg.points[2])
        else:
            path.closeSubpath()
    return path


@pytest.mark.parametrize("view", ["front", "spine-lateral", "foot-lateral"])
def test_paths_built_from_flat_coordinates_match_the_segments(view):
    from cnoatlas.domain.skeleton_map import skeleton_map
    from cnoatlas.ui.atlas.site_map import painter_path

    drawing = skeleton_map(view)
    for shape in [*drawing.shapes.values(), *drawing.decor]:
        built, reference = painter_path(shape), _reference_path(shape)
        assert built == reference, shape.id  # every element, exactly
        assert built.fillRule() == reference.fillRule()


def test_maps_of_one_view_share_their_built_paths(qtbot):
    from cnoatlas.domain.skeleton_map import skeleton_map

    a, b = SiteMap("front"), SiteMap("front")
    custom = SiteMap("front", drawing=skeleton_map("front"))
    for widget in (a, b, custom):
        qtbot.addWidget(widget)
    sid = "tibia.left.diaphysis"
    assert a._paths[sid] is b._paths[sid]  # built once for the process
    assert custom._paths[sid] is not a._paths[sid]  # a drawing passed in is built afresh
    assert custom._paths[sid] == a._paths[sid]
    # A map's own state stays its own: a fill on one is not on the other.
    a.set_site_fills({sid: QColor("#ff0000")})
    assert not b._fills


@pytest.mark.parametrize("view", ["front", "spine-lateral", "foot-lateral"])
def test_the_drawing_cache_carries_the_anchor_points_the_map_would_work_out(view):
    """tools/build_skeleton_cache.py stores every site's anchor (a label's leader line meets it
    there); they are exactly the points of the map's own rule, so a label lands where it did."""
    from cnoatlas.domain.skeleton_map import skeleton_map
    from cnoatlas.ui.atlas.site_map import site_anchor_point

    drawing = skeleton_map(view)
    assert set(drawing.anchors) == set(drawing.shapes), "run tools/build_skeleton_cache.py"
    widget = SiteMap(view)
    for sid in drawing.shapes:
        point = site_anchor_point(widget._paths, widget._boxes, sid)
        assert drawing.anchors[sid] == (point.x(), point.y()), sid
        assert widget.site_anchor(sid) == widget.scene_transform().map(point)


def test_an_anchor_outside_its_site_is_worked_out_again(qtbot):
    from dataclasses import replace

    from cnoatlas.domain.skeleton_map import skeleton_map
    from cnoatlas.ui.atlas.site_map import site_anchor_point

    shipped = skeleton_map("foot-lateral")
    sid = "talus.right"
    wrong = replace(shipped, anchors={**shipped.anchors, sid: (-1000.0, -1000.0)})
    widget = SiteMap("foot-lateral", drawing=wrong)
    qtbot.addWidget(widget)
    expected = site_anchor_point(widget._paths, widget._boxes, sid)
    assert widget.site_anchor(sid) == widget.scene_transform().map(expected)
