"""The differential cases: every group has two cases or more, the "other" cases name their
diagnosis from a validated vocabulary, they validate, render and are cited, and the quiz asks
for their named diagnosis among options that are distinct under the hierarchy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnoatlas import paths
from cnoatlas.domain.cases import DIAGNOSES, check_case, diagnosis_name, load_library
from cnoatlas.domain.diagnoses import distinct, load_other_diagnoses, other_diagnoses, overlap
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.sources import bibliography

NEW_CASES = {
    "lymphoma-femur": "lymphoma",
    "neuroblastoma-metastases": "neuroblastoma",
    "scurvy-metaphyses": "scurvy",
    "hypophosphatasia-metaphyses": "hypophosphatasia",
    "osteoid-osteoma-femur": "osteoid-osteoma",
    "stress-injury-tibia": "stress-injury",
    "fibrous-dysplasia-femur": "fibrous-dysplasia",
}
# How the atlas groups the differentials (each group needs two cases or more).
GROUPS = {
    "infection": {"bacterial-osteomyelitis", "brodie-abscess", "spondylodiscitis"},
    "lch": {"lch"},
    "bone tumours": {"ewing-sarcoma", "osteosarcoma"},
    "blood cancers": {"leukaemia", "lymphoma"},
    "other": {"other"},
}


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_library_has_26_cases_and_every_differential_group_two(library):
    assert len(library) >= 27 and library.problems == []
    for group, members in GROUPS.items():
        n = sum(case.diagnosis in members for case in library)
        assert n >= 2, group
    others = {case.other_diagnosis for case in library if case.diagnosis == "other"}
    assert len(others) >= 5 and None not in others


def test_new_cases_name_their_diagnosis_and_cite_every_teaching_text(library):
    known = set(bibliography())
    for case_id, specific in NEW_CASES.items():
        case = library.get(case_id)
        assert case is not None, case_id
        assert case.specific_diagnosis == specific
        assert case.diagnosis == ("lymphoma" if specific == "lymphoma" else "other")
        assert case.diagnosis_label == diagnosis_name(specific) != DIAGNOSES["other"]
        assert len(case.teaching_points) >= 3
        for item in (*case.teaching_points, *case.differential_discussion):
            assert item.sources and set(item.sources) <= known, case_id
        assert all(lab.unit or isinstance(lab.value, str) for lab in case.labs), case_id
        assert case.references and case.outcome


def _case(tmp_path: Path, **changes) -> list[str]:
    source = paths.cases_dir() / "scurvy-metaphyses" / "case.json"
    raw = json.loads(source.read_text(encoding="utf-8"))
    raw.update(changes)
    raw = {k: v for k, v in raw.items() if v is not ...}
    folder = tmp_path / raw["id"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.json").write_text(json.dumps(raw), encoding="utf-8")
    _case_obj, problems = check_case(folder)
    return [f"{p.field}: {p.reason}" for p in problems]


def test_other_diagnosis_is_required_for_other_and_checked(tmp_path):
    assert _case(tmp_path) == []
    missing = _case(tmp_path, other_diagnosis=...)
    assert any(p.startswith("other_diagnosis: an 'other' case names") for p in missing)
    unknown = _case(tmp_path, other_diagnosis="rickets")
    assert any("unknown diagnosis 'rickets'" in p for p in unknown)
    misplaced = _case(tmp_path, diagnosis="lch")
    assert any(
        p.startswith("other_diagnosis: only a case with diagnosis 'other'") for p in misplaced
    )
    # a differential note may name a sub-diagnosis, but not an unknown one
    notes = [{"diagnosis": "rickets", "text": "No.", "sources": ["nico2022"]}]
    assert any(
        "differential_discussion[0].diagnosis" in p
        for p in _case(tmp_path, differential_discussion=notes)
    )


def _vocabulary(tmp_path: Path, entries) -> Path:
    path = tmp_path / "other_diagnoses.json"
    path.write_text(json.dumps({"other_diagnoses": entries}), encoding="utf-8")
    return path


def test_the_vocabulary_file_is_validated_naming_file_and_field(tmp_path):
    good = {"id": "scurvy", "label": "Scurvy", "short": "scurvy", "sources": ["golriz2017"]}
    assert set(load_other_diagnoses(_vocabulary(tmp_path, [good]))) == {"scurvy"}
    cases = [
        ([good, good], "other_diagnoses[1].id", "duplicate"),
        ([{**good, "id": "lch"}], "other_diagnoses[0].id", "already a named diagnosis"),
        ([{**good, "sources": ["nobody2099"]}], "other_diagnoses[0].sources[0]", "unknown source"),
        ([{**good, "label": ""}], "other_diagnoses[0].label", "non-empty"),
        ([{**good, "colour": "red"}], "other_diagnoses[0].colour", "not a known field"),
    ]
    for entries, field, words in cases:
        with pytest.raises(DataFileError) as err:
            load_other_diagnoses(_vocabulary(tmp_path, entries))
        assert err.value.field == field and words in err.value.problem, (field, err.value)
        assert "other_diagnoses.json" in str(err.value)


def test_sub_diagnoses_are_kinds_of_other_and_distinct_from_everything_else():
    subs = list(other_diagnoses())
    assert {"juvenile-spondyloarthritis", "scurvy", "neuroblastoma"} <= set(subs)
    assert distinct(subs)
    for sub in subs:
        assert overlap(sub, "other")
        assert not any(overlap(sub, named) for named in DIAGNOSES if named != "other")
    assert overlap("brodie-abscess", "bacterial-osteomyelitis")


def test_quiz_asks_each_new_case_for_its_named_diagnosis_with_distinct_options(library):
    from cnoatlas.domain.quiz.cases import case_view
    from cnoatlas.domain.quiz.generate import question, question_ids
    from cnoatlas.domain.quiz.questions import DIAGNOSES as QUIZ_LABELS

    views = [case_view(case) for case in library if not case.imported]
    asked = [q for q in question_ids(views) if q.endswith(":diagnosis")]
    for qid in asked:  # every case diagnosis item, old and new
        q = question(qid, views)
        assert distinct(q.options) and q.answer in q.options, qid
        assert "other" not in q.options
        assert all(q.label(o) == QUIZ_LABELS[o] for o in q.options)
    for case_id, specific in NEW_CASES.items():
        q = question(f"case:{case_id}:diagnosis", views)
        assert q.answer == specific
        assert "cno" in q.options and len(q.options) >= 4
        assert specific.split("-")[0] not in q.prompt.lower()  # the vignette does not name it


def test_new_cases_render_with_every_lesion_outlined(library):
    from cnoatlas.imaging.phantom import StudyDescription, generate_study

    for case_id in NEW_CASES:
        case = library.get(case_id)
        desc = case.generator_description()
        desc = {**desc, "sequences": ["cor_stir_wb"]}
        study = generate_study(StudyDescription.from_json(desc, case_id), scale=0.5)
        pixels = study.series[0].pixels
        assert pixels.max() > 0 and pixels.std() > 0
        outlined = {a["lesion_id"] for a in study.annotations}
        assert {lesion.id for lesion in case.lesions} <= outlined, case_id
