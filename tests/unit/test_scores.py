"""The NBO diagnostic score against the worked values of Kostik et al. 2023 (the abstract)."""

from __future__ import annotations

import json

import pytest

from cnoatlas import cli
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.scores import JANSSON_PREDICTORS, nbods, nbods_from_criteria


def test_weights_and_cutoff_are_the_abstracts():
    everything = nbods(crp_mg_l=10, bands_per_ul=100, multifocal=True, femur=True)
    assert [(i.item, i.points) for i in everything.items] == [
        ("CRP ≤ 55 mg/L", 56),
        ("Multifocal involvement", 27),
        ("Femoral involvement", 17),
        ("Band neutrophils ≤ 220 cells/µL", 15),
    ]
    assert everything.points == 115 and everything.cutoff == 17 and everything.above_cutoff


@pytest.mark.parametrize(
    ("crp", "bands", "multifocal", "femur", "points", "above"),
    [
        (55, 220, False, False, 71, True),  # both limits are inclusive (≤)
        (55.1, 220.5, False, False, 0, False),
        (120, 400, False, True, 17, False),  # exactly 17 is not above the cut-off
        (120, 200, False, True, 32, True),
        (120, 400, True, False, 27, True),
        (120, 200, False, False, 15, False),
    ],
)
def test_totals_against_the_cutoff(crp, bands, multifocal, femur, points, above):
    result = nbods(crp_mg_l=crp, bands_per_ul=bands, multifocal=multifocal, femur=femur)
    assert result.points == points and result.above_cutoff is above


def test_items_can_be_set_directly_and_json_has_the_contract_shape():
    result = nbods_from_criteria(crp_low=True, bands_low=False, multifocal=False, femur=False)
    data = result.to_json()
    assert set(data) == {"points", "cutoff", "above_cutoff", "items", "citation"}
    assert data["points"] == 56 and data["above_cutoff"] is True
    assert all(set(i) == {"item", "met", "points"} for i in data["items"])
    assert "Front Pediatr 2023" in data["citation"]


def test_bad_measures_are_refused():
    with pytest.raises(AtlasError, match="--crp"):
        nbods(crp_mg_l=-1, bands_per_ul=1, multifocal=True, femur=True)
    with pytest.raises(AtlasError, match="--bands"):
        nbods(crp_mg_l=1, bands_per_ul="lots", multifocal=True, femur=True)  # type: ignore[arg-type]


def test_jansson_is_a_checklist_of_odds_ratios_without_points():
    assert [odds for _, _, odds in JANSSON_PREDICTORS] == [81.5, 30.0, 26.8, 20.3, 13.9, 10.9, 6.9]


def test_cli_prints_the_contract_json(capsys):
    code = cli.main(
        ["score", "nbods", "--crp", "12", "--bands", "100", "--multifocal", "yes", "--femur", "no",
         "--json"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["points"] == 98 and data["cutoff"] == 17 and data["above_cutoff"] is True
    assert [i["met"] for i in data["items"]] == [True, True, False, True]


@pytest.mark.parametrize(
    "argv",
    [
        ["--crp", "x", "--bands", "1", "--multifocal", "yes", "--femur", "no"],
        ["--crp", "-3", "--bands", "1", "--multifocal", "yes", "--femur", "no"],
        ["--crp", "3", "--bands", "1", "--multifocal", "maybe", "--femur", "no"],
        ["--crp", "3", "--multifocal", "yes", "--femur", "no"],
    ],
)
def test_cli_bad_input_is_one_line_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(["score", "nbods", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]
