"""The rules of what a case page shows at each reveal state, over every shipped case."""

from dataclasses import replace

import pytest

from cnoatlas.domain.case_reveal import (
    Reveals,
    case_view,
    diagnosis_words,
    lesion_states,
    names_diagnosis,
    safe_label,
)
from cnoatlas.domain.cases import case_library
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.user_notes import UserNotes

CASES = [case.id for case in case_library()]


def _baseline(case):
    return case_library().get(case.timepoints.follow_up_of or "")


@pytest.mark.parametrize("case_id", CASES)
def test_nothing_of_the_diagnosis_before_its_reveal(case_id):
    case = case_library().get(case_id)
    for reveals in (Reveals(), Reveals(findings=True), Reveals(findings=True, discussion=True)):
        view = case_view(case, reveals, baseline=_baseline(case))
        assert not view.show_diagnosis and not view.show_discussion
        assert view.title == case.presenting_title
        shown = [view.title, view.map_caption, *(line.text for line in view.lines)]
        for lesion in case.lesions:  # what the findings put on the images and beside them
            if view.show_labels:
                shown += [lesion.annotation or "", lesion.description]
        shown += list(case.findings) if view.show_findings else []
        shown += [case.presentation, case.history]
        for text in shown:
            assert names_diagnosis(case, text) is None, (case_id, text)
    revealed = case_view(case, Reveals(diagnosis=True))
    assert revealed.show_diagnosis and revealed.title == case.title
    assert "discussion" in revealed.can_reveal and not revealed.show_discussion


@pytest.mark.parametrize("case_id", CASES)
def test_quiz_me_hides_every_hint_until_the_answer(case_id):
    case = case_library().get(case_id)
    everything = Reveals(True, True, True)  # revealed before: Quiz me hides it all again
    view = case_view(case, everything, quiz=True, baseline=_baseline(case))
    assert view.title == case.presenting_title
    assert not (view.show_findings or view.show_labels or view.show_diagnosis)
    assert view.lit_sites == () and view.lines == () and view.can_reveal == ()
    assert not any(ch.isdigit() for ch in view.map_caption)  # no "7 lesions, 4 silent"
    assert view.findings_hidden_because
    after = case_view(case, Reveals(), quiz=True, answered=True, baseline=_baseline(case))
    assert after.show_findings and after.show_diagnosis and after.show_discussion
    assert after.title == case.title and after.lit_sites and not after.findings_hidden_because


def test_diagnosis_words_match_whole_words_only():
    lch = case_library().get("lch-vertebra-plana")
    assert "LCH" in diagnosis_words(lch)
    assert names_diagnosis(lch, "typical of lch in a child") == "LCH"
    assert names_diagnosis(lch, "vertebra plana") is None
    assert names_diagnosis(lch, "the LCHX scanner") is None
    # An on-image label naming the diagnosis gives way to the site until the reveal.
    assert safe_label(lch, "LCH", "vertebra.t8.body", False) == site_model().name(
        "vertebra.t8.body"
    )
    assert safe_label(lch, "LCH", "vertebra.t8.body", True) == "LCH"
    assert safe_label(lch, "vertebra plana", "vertebra.t8.body", False) == "vertebra plana"


def test_follow_up_lesions_have_their_state_against_the_baseline():
    follow = case_library().get("cno-response-3-months")
    baseline = case_library().get("cno-response-baseline")
    assert lesion_states(follow, baseline) == {"l1": "resolved", "l2": "resolved", "l3": "stable"}
    view = case_view(follow, Reveals(findings=True), baseline=baseline)
    texts = {line.lesion_id: line.text for line in view.lines}
    assert texts["l1"].endswith("resolved") and "silent" not in texts["l1"]
    assert "symptoms" not in " ".join(texts.values())
    # Resolved lesions are not lit as active; the stable fracture is.
    assert view.lit_sites == ("vertebra.t1.body",)
    assert "2 resolved" in view.map_caption and "1 unchanged" in view.map_caption
    # A lesion at a site the baseline did not have is new.
    extra = replace(follow.lesions[2], id="l9", site_id="clavicle.left.medial")
    grown = replace(follow, lesions=(*follow.lesions, extra))
    assert lesion_states(grown, baseline)["l9"] == "new"
    assert lesion_states(baseline, None) == {}  # a first study has no states


def test_reveal_stages_are_kept_per_case_in_the_notes(tmp_path):
    notes = UserNotes(tmp_path / "notes.json")
    notes.set_revealed("cno-medial-clavicle", ("diagnosis", "findings", "bogus"))
    notes.set_text("cno-medial-clavicle", "clavicle")
    again = UserNotes(tmp_path / "notes.json")
    assert again.revealed("cno-medial-clavicle") == ("findings", "diagnosis")
    assert again.get("cno-medial-clavicle").text == "clavicle"
    assert again.revealed("lch-vertebra-plana") == ()
    assert Reveals.of(again.revealed("cno-medial-clavicle")) == Reveals(True, True, False)


def test_a_window_is_kept_to_the_data_range():
    from cnoatlas.imaging.windowing import clamp_window

    assert clamp_window(-300.0, 500.0, (0.0, 2600.0)) == (0.0, 500.0)  # no negative level
    assert clamp_window(9000.0, 1e6, (0.0, 2600.0)) == (2600.0, 5200.0)  # no grey wash
    assert clamp_window(975.0, 1950.0, (0.0, 2600.0)) == (975.0, 1950.0)  # a fair one stays
    assert clamp_window(-300.0, 0.0, None) == (-300.0, 1e-3)  # no data yet: width only
