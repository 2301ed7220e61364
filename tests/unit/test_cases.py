"""Case files: the format rules, the library's filters and search, and the user's notes."""

import json
import re
import shutil
from pathlib import Path

import pytest

from cnoatlas import paths
from cnoatlas.domain.cases import (
    DIAGNOSES,
    CaseFilter,
    check_case,
    load_case,
    load_library,
    validate_path,
)
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.sources import bibliography
from cnoatlas.domain.user_notes import UserNotes

SEED = paths.PROJECT_ROOT.parent / "shared" / "seed" / "000_df8e8018f9d0dcf1.txt"
SEED_CANDIDATES = [SEED, Path("/work/shared/seed/000_df8e8018f9d0dcf1.txt")]


def _minimal(case_id: str = "test-case", **changes) -> dict:
    case = {
        "id": case_id,
        "title": "CNO of the distal tibia",
        "presenting_title": "10-year-old girl with ankle pain",
        "synthetic": True,
        "patient": {"age_years": 10, "sex": "F"},
        "presentation": "Ankle pain for two months.",
        "history": "No fever.",
        "labs": [{"name": "ESR", "value": 22, "unit": "mm/h", "flag": "high"}],
        "series": {
            "generator": {
                "age_years": 10,
                "sex": "F",
                "seed": 1,
                "sequences": ["cor_stir_wb"],
                "lesions": [
                    {
                        "id": "l1",
                        "site_id": "tibia.left.distal-metaphysis",
                        "kind": "cno-oedema",
                        "size_mm": 20,
                        "state": "active",
                    }
                ],
            }
        },
        "findings": ["Oedema next to the growth plate."],
        "lesions": [
            {
                "id": "l1",
                "site_id": "tibia.left.distal-metaphysis",
                "description": "Periphyseal oedema.",
                "silent": False,
            }
        ],
        "diagnosis": "cno",
        "pattern": "unclassified",
        "teaching_points": [{"text": "A point.", "sources": ["nico2022"]}],
        "differential_discussion": [
            {"diagnosis": "lch", "text": "Contrast.", "sources": ["khung2013"]}
        ],
        "references": ["nico2022"],
    }
    case.update(changes)
    return case


def _write(root: Path, case: dict, folder_name: str | None = None) -> Path:
    folder = root / (folder_name or case["id"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.json").write_text(json.dumps(case), encoding="utf-8")
    return folder


def _problems(tmp_path: Path, **changes) -> list[str]:
    folder = _write(tmp_path, _minimal(**changes), "test-case")
    case, problems = check_case(folder)
    assert (case is None) == bool(problems)
    return [f"{p.field}: {p.reason}" for p in problems]


# --- the shipped library -------------------------------------------------------------------
@pytest.fixture(scope="module")
def library():
    return load_library()


def test_shipped_library_loads_without_problems(library):
    assert library.problems == []
    assert len(library) >= 16


def test_library_covers_cno_patterns_and_the_differentials(library):
    cno = [c for c in library if c.diagnosis == "cno"]
    assert len(cno) >= 8
    assert {c.pattern for c in cno} >= {
        "tibio-appendicular-multifocal",
        "claviculo-spinal-pauci-focal",
        "tibio-clavicular-crossover",
    }
    counts = {d: sum(c.diagnosis == d for c in library) for d in DIAGNOSES}
    assert counts["bacterial-osteomyelitis"] >= 2 and counts["lch"] >= 2
    for dx in ("brodie-abscess", "spondylodiscitis", "ewing-sarcoma", "osteosarcoma", "leukaemia"):
        assert counts[dx] >= 1, dx
    assert any(lesion.silent for c in cno for lesion in c.lesions)


def test_follow_up_pair_is_linked_both_ways(library):
    baseline = library.get("cno-response-baseline")
    follow_up = library.linked(baseline)
    assert follow_up.id == "cno-response-3-months"
    assert library.linked(follow_up) is baseline
    assert follow_up.timepoints.interval_months == 3


def test_every_teaching_point_is_cited_from_the_bibliography(library):
    known = set(bibliography())
    for case in library:
        for item in (*case.teaching_points, *case.differential_discussion):
            assert item.sources and set(item.sources) <= known, case.id
        assert case.presenting_title != case.title
        assert DIAGNOSES[case.diagnosis].split()[0].lower() not in case.presenting_title.lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_case_texts_never_copy_nine_words_of_the_seed_paper(library):
    seed = next((p for p in SEED_CANDIDATES if p.exists()), None)
    if seed is None:
        pytest.skip("the seed paper is not beside the repository")
    words = _words(seed.read_text(encoding="utf-8"))
    nine = {tuple(words[i : i + 9]) for i in range(len(words) - 8)}
    copied = []
    for case in library:
        raw = json.loads((case.folder / "case.json").read_text(encoding="utf-8"))
        for text in _strings(raw):
            w = _words(text)
            copied += [
                (case.id, " ".join(w[i : i + 9]))
                for i in range(len(w) - 8)
                if tuple(w[i : i + 9]) in nine
            ]
    assert copied == []


def test_contract_shape_of_a_case(library):
    entry = library.get("cno-claviculo-spinal").as_contract()
    assert list(entry) == [
        "id",
        "title",
        "diagnosis",
        "synthetic",
        "age_years",
        "sex",
        "site_ids",
        "pattern",
    ]
    assert entry["site_ids"][0] == "clavicle.right.medial-third"
    assert entry["pattern"] == "claviculo-spinal-pauci-focal"


def test_filters_by_diagnosis_site_age_pattern_and_origin(library):
    by_dx = library.filter(CaseFilter(diagnosis="lch"))
    assert {c.id for c in by_dx} == {"lch-skull-femur", "lch-vertebra-plana"}
    clavicle = {c.id for c in library.filter(CaseFilter(site_group="clavicle"))}
    assert "cno-medial-clavicle" in clavicle and "ewing-sarcoma-femur" not in clavicle
    young = library.filter(CaseFilter(age_band="under-5"))
    assert young and all(c.patient.age_years < 5 for c in young)
    crossover = library.filter(CaseFilter(pattern="tibio-clavicular-crossover"))
    assert [c.id for c in crossover] == ["cno-tibio-clavicular"]
    assert library.filter(CaseFilter(synthetic=False)) == []
    combined = library.filter(CaseFilter(diagnosis="cno", site_group="spine"))
    assert "cno-silent-vertebra" in {c.id for c in combined}
    assert all(c.diagnosis == "cno" for c in combined)


def test_site_groups_offer_whole_bones_and_regions(library):
    groups = dict(library.site_groups())
    assert "clavicle" in groups and "tibia" in groups
    assert not any(g.count(".") > 1 for g in groups)


def test_full_text_search_and_hidden_diagnosis(library):
    found = {c.id for c in library.search("Vertebra   PLANA")}
    assert "lch-vertebra-plana" in found and "osteosarcoma-distal-femur" not in found
    assert [c.id for c in library.search("pamidronate stable")] == ["cno-response-3-months"]
    assert library.search("EWING") and library.search("ewing", hide_diagnosis=True) == []
    assert library.search("collarbone", hide_diagnosis=True)


def test_cases_at_a_site_finds_the_lesion_there(library):
    hits = {case.id: lesion for case, lesion in library.cases_at("vertebra.t8.body")}
    assert hits["cno-silent-vertebra"].id == "l4"
    assert {c.id for c, _ in library.cases_at("clavicle")} >= {"cno-medial-clavicle"}
    assert library.cases_at("no.such.site") == []


# --- the rules of the format ---------------------------------------------------------------
def test_minimal_case_is_valid(tmp_path):
    case = load_case(_write(tmp_path, _minimal()))
    assert case.site_ids == ("tibia.left.distal-metaphysis",)
    assert case.labs[0].value_text == "22 mm/h" and case.labs[0].abnormal


def test_broken_copy_of_a_shipped_case_names_file_field_and_reason(tmp_path, monkeypatch):
    library = tmp_path / "cases"
    shutil.copytree(paths.cases_dir() / "cno-claviculo-spinal", library / "cno-claviculo-spinal")
    path = library / "cno-claviculo-spinal" / "case.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["lesions"][2]["site_id"] = "tibia.middle"
    path.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    checked, problems = validate_path(library)
    assert checked == 1
    assert [str(p) for p in problems] == [
        "cases/cno-claviculo-spinal/case.json: lesions[2].site_id: unknown site 'tibia.middle'"
    ]


def test_unknown_fields_are_errors(tmp_path):
    case = _minimal()
    case["titel"] = case.pop("title")
    case["lesions"][0]["sillent"] = True
    _, found = check_case(_write(tmp_path, case))
    assert [f"{p.field}: {p.reason}" for p in found] == [
        "titel: is not a known field",
        "title: is missing",
        "lesions[0].sillent: is not a known field",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": "Other_Id"}, "id: must be lowercase words joined by dashes"),
        ({"id": "another-case"}, "id: 'another-case' must equal the folder name 'test-case'"),
        ({"diagnosis": "crmo"}, "diagnosis: unknown diagnosis 'crmo'"),
        ({"pattern": None}, "pattern: a CNO case needs a pattern"),
        ({"diagnosis": "lch"}, "pattern: only CNO cases have a lesion pattern: use null"),
        ({"references": ["nobody2099"]}, "references[0]: unknown source 'nobody2099'"),
        ({"patient": {"age_years": 10, "sex": "X"}}, "patient.sex: must be 'F' or 'M'"),
        ({"synthetic": False}, "synthetic: a case with a generator series is synthetic"),
        ({"series": {}}, "series: needs exactly one of 'generator' or 'dicom'"),
        ({"series": {"dicom": "images"}}, "series.dicom: folder 'images' not found"),
        ({"findings": []}, "findings: needs at least 1 item"),
    ],
)
def test_each_rule_reports_its_field(tmp_path, changes, expected):
    problems = _problems(tmp_path, **changes)
    assert any(p.startswith(expected) for p in problems), problems


def test_site_must_be_a_leaf_not_a_group(tmp_path):
    case = _minimal()
    case["lesions"][0]["site_id"] = "tibia.left"
    assert "lesions[0].site_id: 'tibia.left' is a group; name one site" in _problems(
        tmp_path, **case
    )


def test_generator_lesions_must_match_case_lesions(tmp_path):
    case = _minimal()
    gen = case["series"]["generator"]
    gen["lesions"][0]["id"] = "lesion-a"
    gen["lesions"][0]["options"] = {"abscess": "yes", "wings": True}
    gen["age_years"] = 12
    problems = _problems(tmp_path, **case)
    assert "lesions[0].id: 'l1' has no generator lesion" in problems
    assert "series.generator.lesions[0].id: 'lesion-a' is not a case lesion" in problems
    assert "series.generator.lesions[0].options.abscess: must be true or false" in problems
    assert "series.generator.lesions[0].options.wings: is not a known field" in problems
    assert "series.generator.age_years: 12 differs from patient.age_years 10" in problems


def test_invalid_json_names_the_line(tmp_path):
    folder = tmp_path / "test-case"
    folder.mkdir()
    (folder / "case.json").write_text('{"id": "test-case",\n "title": }', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"case\.json: line 2: not valid JSON"):
        load_case(folder)


def test_one_broken_case_never_stops_the_library(tmp_path):
    _write(tmp_path, _minimal("good-case"))
    _write(tmp_path, _minimal("bad-case", diagnosis="flu"))
    library = load_library(tmp_path)
    assert list(library.cases) == ["good-case"]
    assert len(library.problems) == 1 and "bad-case" in library.problems[0].file


def test_timepoint_links_must_point_back(tmp_path):
    _write(tmp_path, _minimal("first", timepoints={"baseline_of": "second", "interval_months": 0}))
    _write(tmp_path, _minimal("second", timepoints={"follow_up_of": "third", "interval_months": 3}))
    problems = [f"{p.field}: {p.reason}" for p in load_library(tmp_path).problems]
    assert "timepoints.baseline_of: 'second' does not link back (follow_up_of)" in problems
    assert "timepoints.follow_up_of: unknown case 'third'" in problems


def test_validate_path_on_one_folder_and_on_nothing(tmp_path):
    folder = _write(tmp_path, _minimal())
    assert validate_path(folder) == (1, [])
    assert validate_path(folder / "case.json") == (1, [])
    checked, problems = validate_path(tmp_path / "missing")
    assert checked == 0 and "no such file or folder" in str(problems[0])


# --- bookmarks and notes ---------------------------------------------------------------------
def test_notes_and_bookmarks_persist(tmp_path):
    path = tmp_path / "notes.json"
    notes = UserNotes(path)
    notes.set_bookmark("cno-medial-clavicle", True)
    notes.set_text("lch-vertebra-plana", "Compare with the CNO T8 fracture.")
    again = UserNotes(path)
    assert again.bookmarks() == ["cno-medial-clavicle"]
    assert again.get("lch-vertebra-plana").text.startswith("Compare")
    assert again.get("lch-vertebra-plana").updated
    assert [p.name for p in tmp_path.iterdir()] == ["notes.json"]  # no temporary file left
    again.set_bookmark("cno-medial-clavicle", False)
    assert UserNotes(path).bookmarks() == []


def test_unreadable_notes_file_is_set_aside_not_lost(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("{not json", encoding="utf-8")
    notes = UserNotes(path)
    assert notes.problem and "could not be read" in notes.problem
    assert notes.bookmarks() == []
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("notes.json.unreadable-")]
    assert kept and kept[0].read_text(encoding="utf-8") == "{not json"


def test_notes_default_to_the_user_data_folder():
    assert UserNotes().path.parent == paths.user_data_dir()


def test_what_a_quiz_shows_never_names_the_cases_own_diagnosis(library):
    giveaways = {
        "cno": "nonbacterial",
        "bacterial-osteomyelitis": "osteomyelitis",
        "brodie-abscess": "brodie",
        "spondylodiscitis": "discitis",
        "lch": "histiocytosis",
        "ewing-sarcoma": "ewing",
        "osteosarcoma": "osteosarcoma",
        "leukaemia": "leukaemi",
        "lymphoma": "lymphoma",
        # the sub-diagnoses of "other"
        "neuroblastoma": "neuroblastoma",
        "scurvy": "scurvy",
        "hypophosphatasia": "hypophosphatasia",
        "osteoid-osteoma": "osteoid",
        "stress-injury": "stress",
        "fibrous-dysplasia": "dysplasia",
        "juvenile-spondyloarthritis": "spondyloarthritis",
    }
    for case in library:
        visible = case.search_text(hide_diagnosis=True)
        word = giveaways[case.specific_diagnosis]
        assert word not in visible, case.id
        assert word in case.search_text() or case.diagnosis == "cno"


def test_generator_vocabulary_and_every_case_study_match_the_phantom(library):
    from cnoatlas.domain import cases
    from cnoatlas.imaging.phantom import lesions, render
    from cnoatlas.imaging.phantom.study import StudyDescription

    assert set(cases.GENERATOR_KINDS) == set(lesions.KINDS)
    assert set(cases.GENERATOR_STATES) == set(lesions.STATES)
    assert cases.GENERATOR_OPTIONS == lesions.OPTIONS
    assert set(cases.GENERATOR_SEQUENCES) == set(render.SEQUENCES)
    for case in library:
        description = StudyDescription.from_json(case.generator_description(), case.id)
        assert {lesion.id for lesion in description.lesions} == {x.id for x in case.lesions}
