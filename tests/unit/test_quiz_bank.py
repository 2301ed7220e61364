"""The cited statement and feature bank: ids, answers, citations and site ids all check out."""

import json
import shutil

import pytest

from cnoatlas import paths
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.quiz import DIAGNOSES, KINDS, question, question_ids
from cnoatlas.domain.quiz.bank import bank, load_bank
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.sources import bibliography


def test_bank_ids_are_unique_and_answers_are_among_the_options():
    b = bank()
    ids = [s.id for s in b.statements] + [s.id for s in b.best_answers]
    assert len(ids) == len(set(ids))
    assert len({f.id for f in b.features}) == len(b.features)
    for item in b.best_answers:
        assert item.answer in item.options
    for feature in b.features:
        assert feature.favours in DIAGNOSES and feature.against in DIAGNOSES
        assert "cno" in (feature.favours, feature.against)


def test_every_question_is_complete_cited_and_uses_known_sites():
    sources = bibliography()
    model = site_model()
    ids = question_ids()
    assert len(ids) == len(set(ids))
    for qid in ids:
        q = question(qid)
        assert q.id == qid
        assert q.kind in KINDS
        assert q.prompt and q.explanation
        assert all(s in sources for s in q.sources) and q.sources
        assert q.via is None or q.via in sources
        assert q.citation()
        if q.response == "single":
            assert q.answer in q.options
        elif q.response in ("multi", "rank"):
            assert set(q.answer) <= set(q.options)
        if q.kind.startswith("map"):
            for site in q.options:
                assert model.is_known(site), site
        if q.kind == "pattern":
            listed = [s for s in model.sites if model.sites[s].name in q.prompt]
            assert listed, q.prompt


def test_json_shape_is_the_contracts():
    q = question("feature:vertebra-plana")
    data = q.to_json()
    assert list(data) == ["id", "kind", "prompt", "options", "answer", "explanation", "citation"]
    assert data["answer"] == "lch"
    assert "Khung" in data["citation"]
    json.dumps(data)


def _copy_bank(tmp_path):
    folder = tmp_path / "quiz"
    shutil.copytree(paths.assets_dir() / "quiz", folder)
    return folder


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "change", "field", "problem"),
    [
        (
            "statements.json",
            lambda d: d["statements"].append(dict(d["statements"][0])),
            None,  # the appended copy: its index depends on the bank's size
            "duplicate id",
        ),
        (
            "statements.json",
            lambda d: d["statements"][1].update(citation="nobody1999"),
            "statements[1].citation",
            "unknown source",
        ),
        (
            "statements.json",
            lambda d: d["single_best_answers"][0].update(answer="Not offered"),
            "single_best_answers[0].answer",
            "must be one of the options",
        ),
        (
            "statements.json",
            lambda d: d["statements"][0].update(answer="yes"),
            "statements[0].answer",
            "true or false",
        ),
        (
            "features.json",
            lambda d: d["features"][0].update(favours="flu"),
            "features[0].favours",
            "not a diagnosis id",
        ),
        (
            "features.json",
            lambda d: d["features"][0].update(topic="astrology"),
            "features[0].topic",
            "is not one of",
        ),
        (
            "statements.json",
            lambda d: d["statements"][2].pop("review"),
            "statements[2].review",
            "must be non-empty text",
        ),
        (
            "statements.json",
            lambda d: d["single_best_answers"][1].update(review="  "),
            "single_best_answers[1].review",
            "must be non-empty text",
        ),
        (
            "features.json",
            lambda d: d["features"][3].update(review=""),
            "features[3].review",
            "must be non-empty text",
        ),
    ],
)
def test_a_broken_bank_names_file_field_and_problem(tmp_path, file, change, field, problem):
    folder = _copy_bank(tmp_path)
    if field is None:
        count = len(json.loads((folder / file).read_text(encoding="utf-8"))["statements"])
        field = f"statements[{count}].id"
    _edit(folder / file, change)
    with pytest.raises(DataFileError) as err:
        load_bank(folder)
    assert err.value.field == field
    assert problem in err.value.problem
    assert err.value.file.endswith(file)


def test_an_invalid_json_file_is_reported_with_its_line(tmp_path):
    folder = _copy_bank(tmp_path)
    (folder / "features.json").write_text('{"version": 1,\n "features": [,]}', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"features.json: line 2: not valid JSON"):
        load_bank(folder)


def test_map_frequencies_come_from_the_evidence_dataset():
    from cnoatlas.domain.evidence import get_dataset

    data = get_dataset("andronikou2020")
    table = bank().frequencies
    assert {v.site_id: v.value for v in table.values} == {
        v.site_ids[0]: float(v.value) for v in data.values
    }
    assert table.sources == ("andronikou2020",) and table.via == "nico2022"


def test_every_bank_item_has_a_review_note_citing_its_source():
    b = load_bank()
    for item in (*b.statements, *b.best_answers, *b.features):
        assert len(item.review) >= 20, item.id
        assert item.review.startswith("Key"), item.id


def test_feature_stems_do_not_name_the_sign_they_ask_about():
    b = load_bank()
    named = {
        "vertebra-plana": "vertebra plana",
        "osteoid-matrix": "osteoid",
        "penumbra": "penumbra",
    }
    for f in b.features:
        if f.id in named:
            assert named[f.id] not in f.finding.lower(), f.id
