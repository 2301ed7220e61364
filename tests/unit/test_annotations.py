"""The annotation file format: round trip, validation with file/field in every error, hit tests."""

from __future__ import annotations

import json

import pytest

from cnoatlas.domain.annotations import (
    Annotation,
    for_slice,
    load_annotations,
    parse_annotations,
    save_annotations,
)
from cnoatlas.domain.errors import DataFileError


def item(**changes) -> dict:
    base = {
        "id": "lesion-1-s12",
        "lesion_id": "lesion-1",
        "series_uid": "1.2.3",
        "sop_instance_uid": "1.2.3.12",
        "slice": 12,
        "kind": "ellipse",
        "geometry": {"center": [100, 80], "radii": [10, 6]},
        "site_id": "femur.right.distal-metaphysis",
        "finding": "marrow oedema next to the growth plate",
        "label": "oedema",
    }
    base.update(changes)
    return base


def document(*items) -> dict:
    return {"version": 1, "annotations": list(items)}


def test_round_trip_keeps_every_field(tmp_path):
    items = [
        item(),
        item(
            id="lesion-1-s13",
            slice=13,
            kind="polygon",
            geometry={"points": [[1, 1], [20, 1], [20, 15]]},
        ),
        item(id="arrow-1", kind="arrow", geometry={"from": [0, 0], "to": [5.5, 7.25]}),
        item(id="text-1", kind="text", geometry={"at": [3, 4]}, label=""),
    ]
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(document(*items)), encoding="utf-8")
    loaded = load_annotations(path)
    assert [a.kind for a in loaded] == ["ellipse", "polygon", "arrow", "text"]
    assert loaded[0].geometry == {"center": [100.0, 80.0], "radii": [10.0, 6.0]}
    copy = tmp_path / "copy.json"
    save_annotations(copy, loaded)
    assert load_annotations(copy) == loaded
    assert json.loads(copy.read_text())["annotations"][2]["geometry"]["to"] == [5.5, 7.25]


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (item(kind="circle"), "annotations[lesion-1-s12].kind", "must be one of"),
        (item(slice=-1), "annotations[lesion-1-s12].slice", ">= 0"),
        (item(slice="3"), "annotations[lesion-1-s12].slice", "whole number"),
        (item(site_id="Femur Right"), "annotations[lesion-1-s12].site_id", "not a site id"),
        (item(finding=""), "annotations[lesion-1-s12].finding", "non-empty"),
        (item(geometry={"center": [1, 2]}), "annotations[lesion-1-s12].geometry.radii", "missing"),
        (
            item(geometry={"center": [1, "x"], "radii": [1, 1]}),
            "annotations[lesion-1-s12].geometry.center",
            "numbers",
        ),
        (
            item(geometry={"center": [1, 2], "radii": [0, 1]}),
            "annotations[lesion-1-s12].geometry.radii",
            "positive",
        ),
        (
            item(kind="polygon", geometry={"points": [[0, 0], [1, 1]]}),
            "annotations[lesion-1-s12].geometry.points",
            "at least 3",
        ),
        (item(id="bad id!"), "annotations[0].id", "letters"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, bad, field, words):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document(bad)), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_annotations(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert words in caught.value.problem
    assert str(caught.value).startswith(f"{path}: {field}: ")


def test_document_level_errors(tmp_path):
    with pytest.raises(DataFileError, match="version"):
        parse_annotations({"version": 2, "annotations": []}, "f.json")
    with pytest.raises(DataFileError, match="annotations: must be a list"):
        parse_annotations({"version": 1}, "f.json")
    with pytest.raises(DataFileError, match="appears twice"):
        parse_annotations(document(item(), item()), "f.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match="line 1: not valid JSON"):
        load_annotations(broken)
    with pytest.raises(DataFileError, match="file not found"):
        load_annotations(tmp_path / "missing.json")


def test_saving_an_invalid_annotation_writes_nothing(tmp_path):
    bad = Annotation(
        id="a",
        lesion_id="l",
        series_uid="1",
        sop_instance_uid="",
        slice=0,
        kind="ellipse",
        geometry={"center": [0, 0], "radii": [0, 0]},
        site_id="tibia.left",
        finding="x",
    )
    with pytest.raises(DataFileError):
        save_annotations(tmp_path / "out.json", [bad])
    assert not (tmp_path / "out.json").exists()


def test_hit_tests_follow_the_shapes():
    (ellipse, polygon, arrow, text) = parse_annotations(
        document(
            item(id="e"),
            item(id="p", kind="polygon", geometry={"points": [[0, 0], [10, 0], [10, 10], [0, 10]]}),
            item(id="a", kind="arrow", geometry={"from": [0, 0], "to": [10, 0]}),
            item(id="t", kind="text", geometry={"at": [50, 50]}),
        )
    )
    assert ellipse.contains(100, 80) and ellipse.contains(109, 80)
    assert not ellipse.contains(100, 95, tolerance=1)
    assert polygon.contains(5, 5) and not polygon.contains(20, 20)
    assert arrow.contains(5, 1) and not arrow.contains(5, 9)
    assert text.contains(52, 51) and not text.contains(90, 90)
    assert ellipse.anchor() == (100.0, 74.0)


def test_for_slice_picks_one_series_and_slice():
    annotations = parse_annotations(
        document(
            item(id="a", slice=3),
            item(id="b", slice=4),
            item(id="c", slice=3, series_uid="9.9"),
        )
    )
    assert [a.id for a in for_slice(annotations, "1.2.3", 3)] == ["a"]
    assert for_slice(annotations, "1.2.3", 7) == []


def test_unknown_keys_survive_a_round_trip(tmp_path):
    (loaded,) = parse_annotations(document(item(teaching_order=2)))
    assert loaded.to_dict()["teaching_order"] == 2
