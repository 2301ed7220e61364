"""The case editor's draft model: fields, the loader's checks, undo/redo, neighbouring copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnoatlas import paths
from cnoatlas.domain.case_draft import CaseDraft, Change, Step, apply_step, document_from_case
from cnoatlas.domain.case_draft import empty_document as new_doc
from cnoatlas.domain.cases import check_case_data, load_case

SITE_A = "clavicle.left.medial-third"
SITE_B = "tibia.right.distal-metaphysis"


def filled(tmp_path: Path) -> CaseDraft:
    draft = CaseDraft(new_doc("my-case", "synthetic", 11, "F"), tmp_path / "my-case")
    draft.set(("title",), "CNO of the clavicle and tibia")
    draft.set(("presenting_title",), "11-year-old girl with a sore collarbone")
    draft.set(("presentation",), "Two months of pain over the collarbone.")
    draft.set(("history",), "No fever, no injury.")
    draft.append("labs", {"name": "CRP", "value": "4", "unit": "mg/L", "flag": "normal"})
    draft.append("findings", "Bright marrow in the medial clavicle on STIR.")
    a = draft.add_lesion(SITE_A, description="Marrow oedema of the medial clavicle.")
    b = draft.add_lesion(SITE_B, state="new", symptomatic=False, description="Silent focus.")
    draft.set_lesion(b, "size_mm", 15)
    draft.append(
        "teaching_points", {"text": "Look at the whole skeleton.", "sources": ["nico2022"]}
    )
    draft.append(
        "differential_discussion",
        {"diagnosis": "lch", "text": "Less likely here.", "sources": ["nico2022"]},
    )
    draft.append("references", "nico2022")
    assert (a, b) == ("l1", "l2")
    return draft


def test_a_new_draft_names_every_missing_field(tmp_path):
    draft = CaseDraft(new_doc("my-case", "synthetic"), tmp_path / "my-case")
    fields = draft.validate().by_field()
    for name in ("title", "history", "findings", "lesions", "teaching_points"):
        assert name in fields, name


def test_a_filled_draft_passes_the_loaders_checks(tmp_path):
    draft = filled(tmp_path)
    assert not draft.validate(), draft.validate().problems
    raw = draft.case_json()
    case, problems = check_case_data(raw, tmp_path / "my-case")
    assert problems == [] and case is not None
    assert case.labs[0].value == 4  # typed as text, stored as a number
    assert [lesion.state for lesion in case.lesions] == ["active", "new"]
    assert case.lesions[1].silent is True
    gen = raw["series"]["generator"]["lesions"]
    assert gen[1]["state"] == "active" and gen[1]["size_mm"] == 15  # "new" is drawn as active


def test_problems_sit_beside_their_field(tmp_path):
    draft = filled(tmp_path)
    draft.set(("labs", 0, "flag"), "very high")
    draft.set(("lesions", 0, "site_id"), "clavicle")  # a group, not a site
    problems = draft.validate()
    assert any("flag" in reason for reason in problems.under("labs"))
    assert any("group" in reason for reason in problems.under("lesions"))
    assert problems.under("history") == []


def test_undo_and_redo_walk_the_edits(tmp_path):
    draft = filled(tmp_path)
    draft.set(("history",), "Changed.")
    assert draft.undo() is not None
    assert draft.data["history"] == "No fever, no injury."
    draft.redo()
    assert draft.data["history"] == "Changed."
    lesion = draft.add_lesion("vertebra.t7.body")
    draft.remove_lesion(lesion)
    draft.undo()
    assert draft.lesion(lesion)["site_id"] == "vertebra.t7.body"
    draft.set(("title",), "New title")
    assert not draft.can_redo()  # a new edit drops the redo list


def test_removing_a_lesion_removes_its_annotations_in_one_step(tmp_path):
    draft = filled(tmp_path)
    geometry = {"center": [10, 10], "radii": [3, 4]}
    draft.add_annotation("ellipse", "1.2.3", 5, geometry, "l1")
    draft.remove_lesion("l1")
    assert draft.data["annotations"] == []
    draft.undo()
    assert len(draft.data["annotations"]) == 1 and draft.lesion("l1")


def test_copy_to_neighbouring_slices_skips_slices_outside_the_series(tmp_path):
    draft = filled(tmp_path)
    ident = draft.add_annotation("polygon", "1.2.3", 0, {"points": [[1, 1], [5, 1], [3, 4]]}, "l2")
    made = draft.copy_annotation(ident, slice_count=10, sop_uids=[f"sop{i}" for i in range(10)])
    assert len(made) == 1  # slice -1 does not exist
    copy_ = draft.annotation(made[0])
    assert copy_["slice"] == 1 and copy_["sop_instance_uid"] == "sop1"
    assert copy_["geometry"] == draft.annotation(ident)["geometry"]
    draft.move_annotation(made[0], {"points": [[2, 2], [6, 2], [4, 5]]})
    assert draft.annotation(ident)["geometry"]["points"][0] == [1, 1]  # a copy, not a link
    shown = draft.annotations()
    assert {a.site_id for a in shown} == {SITE_B}


def test_ready_only_when_valid_and_any_edit_makes_a_draft_again(tmp_path):
    draft = CaseDraft(new_doc("my-case", "synthetic"), tmp_path / "my-case")
    assert draft.mark_ready() and draft.status == "draft"
    draft = filled(tmp_path)
    assert not draft.mark_ready() and draft.status == "ready"
    draft.set(("history",), "More history.")
    assert draft.status == "draft"
    draft.undo()
    assert draft.status == "ready"


def test_a_failed_step_changes_nothing():
    doc = {"a": [1, 2], "b": "x"}
    with pytest.raises(ValueError):
        apply_step(doc, Step("bad", (Change("set", ("b",), "y"), Change("remove", ("a", 9)))))
    assert doc == {"a": [1, 2], "b": "x"}


def test_a_shipped_case_opens_as_a_valid_copy(tmp_path):
    folder = paths.cases_dir() / "cno-medial-clavicle"
    case = load_case(folder)
    raw = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    doc = document_from_case(case, raw)
    doc["case_id"] = "my-clavicle-copy"
    draft = CaseDraft(doc, tmp_path / "my-clavicle-copy")
    assert not draft.validate(), draft.validate().problems
    out = draft.case_json()
    assert (
        out["series"]["generator"]["lesions"][0]["options"]
        == (raw["series"]["generator"]["lesions"][0]["options"])
    )
    assert out["teaching_points"] == raw["teaching_points"]


def test_drawn_shapes_follow_their_series_into_a_study_made_again(tmp_path):
    draft = filled(tmp_path)
    ident = draft.add_annotation("ellipse", "old-uid", 2, {"center": [5, 5], "radii": [2, 2]}, "l1")
    other = draft.add_annotation("arrow", "elsewhere", 0, {"from": [1, 1], "to": [4, 4]}, "l2")
    assert draft.follow_series({"old-uid": ("new-uid", ["s0", "s1", "s2"])}) == 1
    assert draft.annotation(ident)["series_uid"] == "new-uid"
    assert draft.annotation(ident)["sop_instance_uid"] == "s2"
    assert draft.annotation(other)["series_uid"] == "elsewhere"
    draft.undo()
    assert draft.annotation(ident)["series_uid"] == "old-uid"
