"""The case page's timeline of earlier studies (the seed's Fig. 12 case) and its data."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from cnoatlas import paths
from cnoatlas.domain.cases import case_library, check_case
from cnoatlas.domain.user_notes import UserNotes
from cnoatlas.ui.cases.page import CasePage
from cnoatlas.ui.cases.timeline import StudyTimeline, when_text


@pytest.fixture
def page(qtbot, tmp_path):
    reader = CasePage(case_library(), UserNotes(tmp_path / "notes.json"))
    qtbot.addWidget(reader)
    reader.resize(1600, 950)
    reader.show()
    qtbot.waitExposed(reader)
    return reader


def test_piecemeal_case_shows_its_earlier_studies_and_links_them_to_today(page, qtbot):
    case = page.show_case("cno-piecemeal-imaging", synchronous=True)
    assert [p.months_before for p in case.prior_studies] == [36, 24, 1]  # oldest first
    timeline = page.timeline
    assert timeline.isVisible()
    assert timeline.point_labels() == ["3 years", "2 years", "1 month", "Now"]
    # two years before: the foot MRI; today's study still shows that metatarsal lesion
    button = timeline.findChild(type(timeline._group.button(1)), "timelinePoint1")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "MRI of the left foot" in timeline.detail.text()
    assert case.lesion("l7").description in timeline.detail.text()
    stir = page.images.series[page.current_series_label()]
    assert any(
        a.lesion_id == "l7" and a.series_uid == stir.uid and a.slice == page.viewer.slice_index()
        for a in page.images.annotations
    )
    # three years before: the tibial lesion has gone
    timeline.choose(0)
    assert "no lesion there" in timeline.detail.text()


def test_a_case_without_earlier_studies_has_no_timeline(qtbot):
    timeline = StudyTimeline()
    qtbot.addWidget(timeline)
    library = case_library()
    timeline.fill(library.get("cno-piecemeal-imaging"))
    with qtbot.waitSignal(timeline.siteChosen) as chosen:
        timeline.choose(2)
    assert chosen.args == ["fibula.left.distal-metaphysis"]
    timeline.fill(library.get("scurvy-metaphyses"))
    assert timeline.isHidden() and timeline.point_labels() == []


def test_when_text():
    assert [when_text(m) for m in (36, 12, 18, 1)] == ["3 years", "1 year", "18 months", "1 month"]


def test_prior_studies_are_validated(tmp_path):
    source = paths.cases_dir() / "cno-piecemeal-imaging" / "case.json"
    raw = json.loads(source.read_text(encoding="utf-8"))
    raw["prior_studies"][0]["site_ids"] = ["tibia.left"]  # a group, not a site
    raw["prior_studies"][1]["months_before"] = 0
    del raw["prior_studies"][2]["finding"]
    raw["timepoints"] = None
    raw.pop("timepoints")
    folder = tmp_path / raw["id"]
    folder.mkdir()
    (folder / "case.json").write_text(json.dumps(raw), encoding="utf-8")
    case, problems = check_case(folder)
    fields = {p.field for p in problems}
    assert case is None
    assert {"prior_studies[0].site_ids[0]", "prior_studies[1].months_before",
            "prior_studies[2].finding"} <= fields, fields  # fmt: skip
