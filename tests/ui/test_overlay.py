"""The evidence overlay as a user sees it: coloured bones, labels, legend, caption, compare, hover."""

import re

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QLabel

from cnoatlas.domain.colormap import NumericScale
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.evidence import evidence_library, fact_cards
from cnoatlas.domain.sites import site_model
from cnoatlas.ui.atlas.overlay import OverlayView
from cnoatlas.ui.common.theme import apply_theme
from cnoatlas.ui.common.views import ViewRequest
from cnoatlas.ui.shell.screens import build_view, render_view

NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture
def view(qtbot):
    widget = OverlayView()
    qtbot.addWidget(widget)
    widget.resize(1600, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _callout(panel, label):
    return next(c for c in panel.labels.callouts() if " ".join(c.lines[:-1]) == label)


def _pixel(panel, site_id):
    """The colour the map paints in the middle of a site (labels and leaders included)."""
    image = panel.site_map.grab().toImage()
    point = panel.site_map.site_anchor(site_id).toPoint()
    colour = image.pixelColor(point)
    return colour.red(), colour.green(), colour.blue()


def _painted_as(panel, bone, rgb):
    """True when the shaft of the bone (on the side without a leader line) has colour ``rgb``."""
    sides = [f"{bone}.left.diaphysis", f"{bone}.right.diaphysis"]
    return any(
        all(abs(a - b) <= 12 for a, b in zip(_pixel(panel, site), rgb, strict=True))
        for site in sides
    )


def test_tibia_shows_68_percent_with_andronikou(view):
    view.show_dataset("andronikou2020")
    panel = view.primary
    tibia = _callout(panel, "Tibia")
    assert tibia.lines[-1] == "68 %"
    assert panel.site_map.rect().contains(tibia.box.toRect())
    # The leader line ends on a tibia, and the tibia is painted in the scale's colour for 68.
    assert panel.site_map.site_at(tibia.anchor).startswith("tibia.")
    assert _painted_as(panel, "tibia", NumericScale(0, 100).rgb(68))
    assert "Tibia 68 %" in panel.labels.texts()


def test_every_number_on_the_overlay_comes_from_a_cited_dataset_entry(view):
    for dataset_id, dataset in evidence_library().items():
        view.show_dataset(dataset_id)
        panel = view.primary
        callouts = panel.labels.callouts()
        assert len(callouts) == len(dataset.values), dataset_id  # every value is labelled
        for callout in callouts:
            label = " ".join(callout.lines[:-1])
            entry = next(v for v in dataset.values if v.label == label)
            assert dataset.source_of(entry).citation  # a reference stands behind it
            numbers = [float(n) for n in NUMBER.findall(" ".join(callout.lines))]
            if dataset.quantitative:
                assert numbers == [float(entry.value)], (dataset_id, callout.lines)
            else:
                assert numbers == [], (dataset_id, callout.lines)  # levels, never numbers
        # The caption's numbers are the cohort's, and it always names the source.
        caption = re.sub(r"<[^>]+>", "", panel.caption.text())
        assert dataset.source.short in caption
        cohort = {float(n) for n in (dataset.population.patients, dataset.population.lesions) if n}
        years = {float(dataset.source.year), float(dataset.via.year) if dataset.via else 0.0}
        assert {float(n) for n in NUMBER.findall(caption)} <= cohort | years


def test_sites_without_data_are_hatched_grey_not_the_colour_of_zero(view):
    view.show_dataset("andronikou2020")
    r, g, b = _pixel(view.primary, "humerus.left.diaphysis")
    assert max(r, g, b) - min(r, g, b) < 16  # grey (with grey hatching), no hue
    zero = NumericScale(0, 100).rgb(0)
    assert max(zero) - min(zero) > 60  # the colour of 0 % is a saturated purple
    assert "No data" in view.primary.legend.describe().replace("no data", "No data")


def test_choosing_a_dataset_from_the_list_recolours_and_relabels(qtbot, view):
    row = list(view.datasets).index("dangelo2021")
    rect = view.dataset_list.visualItemRect(view.dataset_list.item(row))
    with qtbot.waitSignal(view.datasetChanged) as signal:
        qtbot.mouseClick(view.dataset_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == ["dangelo2021"]
    assert "Tibia 64.0 %" in view.primary.labels.texts()
    assert "d'Angelo et al. 2021" in view.primary.caption.text()
    assert _painted_as(view.primary, "tibia", NumericScale(0, 100).rgb(64.0))
    assert not _painted_as(view.primary, "tibia", NumericScale(0, 100).rgb(68))


def test_compare_shows_a_second_map_beside_the_first(qtbot, view):
    view.show_dataset("andronikou2020")
    assert not view.secondary.isVisible()
    index = view.compare_box.findData("ewing-sarcoma-typical-sites")
    with qtbot.waitSignal(view.comparisonChanged):
        view.compare_box.setCurrentIndex(index)
    assert view.secondary.isVisible()
    assert view.secondary.site_map is not view.primary.site_map
    assert view.secondary.site_map.x() != view.primary.site_map.x() or (
        view.secondary.mapTo(view, QPoint(0, 0)).x() > view.primary.mapTo(view, QPoint(0, 0)).x()
    )
    assert "Pelvis typical" in view.secondary.labels.texts()
    assert "Tibia 68 %" in view.primary.labels.texts()
    assert "citation to check" in view.secondary.caption.text()
    view.compare_box.setCurrentIndex(view.compare_box.findData(""))
    assert not view.secondary.isVisible()


def test_hovering_a_bone_tells_its_value_label_and_source(qtbot, view):
    view.show_dataset("andronikou2020")
    site_map = view.primary.site_map
    anchor = site_map.site_anchor("femur.left.diaphysis").toPoint()
    # Qt sends no move event when the cursor is already there (an earlier test may have left it).
    qtbot.mouseMove(site_map, QPoint(1, 1))
    with qtbot.waitSignal(site_map.siteHovered):
        qtbot.mouseMove(site_map, anchor)
    tip = site_map.toolTip()
    assert site_model().name("femur.left.diaphysis") in tip
    assert "Femur: 43 %" in tip
    assert "Andronikou et al. 2020, via Nico et al. 2022" in tip


def test_fact_cards_each_carry_their_citation(view):
    cards = view.facts.cards
    assert [c.card.id for c in cards] == [c.id for c in fact_cards()]
    for card_view in cards:
        source = card_view.findChild(QLabel, "factSource")
        assert card_view.card.sources[0].short in source.text()
        if not card_view.card.verified:
            assert "to check" in source.text()


def test_key_figures_follow_the_disease_the_map_shows(view):
    view.show_dataset("andronikou2020")
    cno = view.facts.shown_cards()
    assert cno and "clavicle" in cno and not view.facts.none_label.isVisible()
    view.show_dataset("lch-typical-sites")
    # CNO figures beside an LCH map would read as LCH figures: none is shown, and it says why.
    assert view.facts.shown_cards() == []
    assert view.facts.none_label.isVisible()
    assert "Langerhans" in view.facts.none_label.text()
    view.show_dataset("dangelo2021")
    assert view.facts.shown_cards() == cno


def test_overlay_view_refuses_an_unknown_dataset_and_lists_the_known(qtbot):
    with pytest.raises(AtlasError, match=r"unknown evidence dataset 'nope' \(known: .*andronikou"):
        build_view(ViewRequest.parse("overlay:nope"))


@pytest.mark.parametrize("theme", ["dark", "contrast"])
def test_overlay_screenshot_renders_at_the_requested_size(qtbot, tmp_path, theme):
    out = tmp_path / f"overlay-{theme}.png"
    try:
        image = render_view(
            ViewRequest.parse("overlay:andronikou2020", size=(1920, 1080), theme=theme), out
        )
    finally:
        apply_theme(QApplication.instance(), "dark", 1.0)
    assert out.exists() and (image.width(), image.height()) == (1920, 1080)


def test_atlas_page_offers_the_overlays_as_a_second_mode(qtbot):
    from cnoatlas.ui.shell.main_window import MainWindow

    window = MainWindow(restore_state=False)
    qtbot.addWidget(window)
    window.show()
    page = window.page("atlas")
    tabs = page.modes.tabBar()
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Evidence overlays")
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
    assert page.modes.currentWidget() is page.overlay
    assert page.overlay.isVisible()
    assert "Tibia 68 %" in page.overlay.primary.labels.texts()


def test_clicking_a_bone_keeps_its_evidence_colour_and_tells_its_figure(qtbot, view):
    view.show_dataset("andronikou2020")
    site_map = view.primary.site_map
    anchor = site_map.site_anchor("femur.right.diaphysis").toPoint()
    qtbot.mouseClick(site_map, Qt.MouseButton.LeftButton, pos=anchor)
    assert site_map.selected_sites() == []
    assert "Femur: 43 %" in site_map.toolTip()


def _colours_inside(panel, site_id):
    """Every colour the map paints well inside a site (its outline and its neighbours left out):
    the pixels of its path shrunk by a few pixels."""
    from PySide6.QtGui import QPainterPathStroker

    image = panel.site_map.grab().toImage()
    path = panel.site_map.site_path(site_id)
    stroker = QPainterPathStroker()
    stroker.setWidth(6)
    inner = path.subtracted(stroker.createStroke(path))
    box = inner.boundingRect().toAlignedRect()
    colours = set()
    for y in range(box.top(), box.bottom() + 1):
        for x in range(box.left(), box.right() + 1):
            if inner.contains(QPointF(x + 0.5, y + 0.5)):
                c = image.pixelColor(x, y)
                colours.add((c.red(), c.green(), c.blue()))
    return colours


def test_only_the_sites_without_data_carry_hatch_lines(view):
    from cnoatlas.domain.colormap import NO_DATA
    from cnoatlas.ui.atlas.overlay import NO_DATA_HATCH

    view.show_dataset("andronikou2020")
    panel = view.primary
    dataset = view.datasets["andronikou2020"]
    drawn = panel.site_map.site_ids()
    assert panel.site_map.hatched_sites() == {s for s in drawn if dataset.value_at(s) is None}
    lines = NO_DATA_HATCH.getRgb()[:3]
    # A bone without data: its grey and the dark diagonal lines over it, nothing else.
    humerus = _colours_inside(panel, "humerus.left.diaphysis")
    assert humerus == {NO_DATA, lines}
    # A bone with data (the tibia without the label's leader line): its colour only, no lines.
    leader = panel.site_map.site_at(_callout(panel, "Tibia").anchor)
    other = next(
        f"tibia.{side}.diaphysis" for side in ("left", "right") if f".{side}." not in leader
    )
    assert _colours_inside(panel, other) == {NumericScale(0, 100).rgb(68)}
    # Another dataset hatches its own uncovered sites and no others.
    view.show_dataset("lch-typical-sites")
    lch = view.datasets["lch-typical-sites"]
    assert panel.site_map.hatched_sites() == {s for s in drawn if lch.value_at(s) is None}
