"""The RAI-CROMRIS description exercise: the key follows each lesion's study description, the
comparison goes parameter by parameter, and nothing is ever scored."""

from __future__ import annotations

import dataclasses

import pytest

from cnoatlas.domain import raicromris
from cnoatlas.domain.cases import case_library
from cnoatlas.domain.sources import bibliography


@pytest.fixture(scope="module")
def library():
    return case_library()


def test_the_five_verified_parameters_and_their_source():
    assert [p for p, _t, _c in raicromris.PARAMETERS] == [
        "marrow", "extension", "soft_tissue", "expansion", "collapse",
    ]  # fmt: skip
    source = bibliography()[raicromris.SOURCE]
    assert source.year == 2021 and "Pediatr Rheumatol" in source.journal


def test_key_of_a_collapsed_vertebra_and_of_a_thickened_clavicle(library):
    vertebra = raicromris.lesion_key(library.get("cno-silent-vertebra"), "l4")
    assert vertebra["collapse"].answer == "present"
    assert vertebra["marrow"].answer == "present"
    clavicle = raicromris.lesion_key(library.get("cno-medial-clavicle"), "l1")
    assert clavicle["expansion"].answer == "present"
    assert clavicle["soft_tissue"].answer == "present"
    assert clavicle["extension"].answer == "large part of the bone"
    assert clavicle["collapse"].answer == "not a vertebra"


def test_key_follows_healing(library):
    later = library.get("cno-response-3-months")
    healed = raicromris.lesion_key(later, "l2")
    assert (healed["marrow"].answer, healed["extension"].answer) == ("absent", "none")
    fracture = raicromris.lesion_key(later, "l3")
    assert fracture["collapse"].answer == "present"  # height loss is not regained
    assert fracture["soft_tissue"].answer == "absent"


def test_comparison_is_per_parameter_with_no_total(library):
    case = library.get("cno-silent-vertebra")
    key = raicromris.lesion_key(case, "l4")
    answers = {p: key[p].answer for p in key}
    answers["collapse"] = "absent"
    answers["expansion"] = None
    rows = raicromris.compare(case, "l4", answers)
    assert [r.parameter for r in rows] == [p for p, _t, _c in raicromris.PARAMETERS]
    assert [r.agrees for r in rows] == [True, True, True, False, False]
    fields = {f.name for f in dataclasses.fields(rows[0])}
    assert not fields & {"points", "score", "grade"}
    with pytest.raises(ValueError):
        raicromris.compare(case, "l4", {"collapse": "severe"})
    with pytest.raises(KeyError):
        raicromris.lesion_key(case, "no-such-lesion")


def test_only_cno_cases_with_generated_lesions_offer_the_exercise(library):
    offered = {case.id for case in library if raicromris.applies(case)}
    assert "cno-silent-vertebra" in offered and "scurvy-metaphyses" not in offered
    assert all(library.get(i).diagnosis == "cno" for i in offered)
