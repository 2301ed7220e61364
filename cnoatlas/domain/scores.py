"""Diagnostic reasoning tools, shown only with weights that have been checked against the paper.

NBODS, the NBO diagnostic score of Kostik et al. (Front Pediatr 2023;11:1067206): four items
whose weights, and the cut-off, are given in the paper's abstract (checked 2026-12, see
../shared/reference/medical-facts.md section 3). It separates nonbacterial from bacterial
osteomyelitis in the authors' cohort (91 histologically confirmed NBO, 31 bacterial
osteomyelitis); it says nothing about tumours or leukaemia.

The Jansson clinical score is a checklist with odds ratios only: its item points are not
verified, so the atlas never adds them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.sources import bibliography

NBODS_SOURCE = "kostik2023"
NBODS_CUTOFF = 17  # a total above 17 favours nonbacterial osteomyelitis
NBODS_CRP_LIMIT = 55.0  # mg/L; CRP at or below scores
NBODS_BANDS_LIMIT = 220.0  # band neutrophils, cells/µL; at or below scores
NBODS_COHORT = (
    "91 children with histologically confirmed nonbacterial osteomyelitis and 31 with "
    "bacterial osteomyelitis; sensitivity 89.0 % and specificity 96.9 % for a total above 17 "
    "in the authors' cohort"
)

# (item id, what it says, points) — the four weights of the abstract
NBODS_ITEMS: tuple[tuple[str, str, int], ...] = (
    ("crp", "CRP ≤ 55 mg/L", 56),
    ("multifocal", "Multifocal involvement", 27),
    ("femur", "Femoral involvement", 17),
    ("bands", "Band neutrophils ≤ 220 cells/µL", 15),
)


@dataclass(frozen=True)
class ScoreItem:
    id: str
    item: str
    met: bool
    points: int  # the points this item adds (0 when not met)
    weight: int  # the points it would add when met


@dataclass(frozen=True)
class NbodsResult:
    items: tuple[ScoreItem, ...]

    @property
    def points(self) -> int:
        return sum(i.points for i in self.items)

    @property
    def cutoff(self) -> int:
        return NBODS_CUTOFF

    @property
    def above_cutoff(self) -> bool:
        return self.points > NBODS_CUTOFF

    @property
    def citation(self) -> str:
        return bibliography()[NBODS_SOURCE].citation

    def verdict(self) -> str:
        if self.above_cutoff:
            return (
                f"{self.points} points, above the cut-off of {NBODS_CUTOFF}: favours nonbacterial "
                "over bacterial osteomyelitis."
            )
        return (
            f"{self.points} points, not above the cut-off of {NBODS_CUTOFF}: bacterial "
            "osteomyelitis is not made less likely."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "cutoff": NBODS_CUTOFF,
            "above_cutoff": self.above_cutoff,
            "items": [{"item": i.item, "met": i.met, "points": i.points} for i in self.items],
            "citation": self.citation,
        }


def nbods_from_criteria(
    *, crp_low: bool, bands_low: bool, multifocal: bool, femur: bool
) -> NbodsResult:
    """The score from the four yes/no items (each editable on the case page)."""
    met = {"crp": crp_low, "multifocal": multifocal, "femur": femur, "bands": bands_low}
    return NbodsResult(
        tuple(
            ScoreItem(key, text, met[key], weight if met[key] else 0, weight)
            for key, text, weight in NBODS_ITEMS
        )
    )


def _measure(value: float, name: str, unit: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AtlasError(f"{name} must be a number in {unit}, not '{value}'") from None
    if number != number or number < 0 or number == float("inf"):
        raise AtlasError(f"{name} must be a number of {unit} at or above 0, not '{value}'")
    return number


def nbods(*, crp_mg_l: float, bands_per_ul: float, multifocal: bool, femur: bool) -> NbodsResult:
    """The score from measured values: CRP in mg/L, band neutrophils in cells/µL."""
    crp = _measure(crp_mg_l, "--crp", "mg/L")
    bands = _measure(bands_per_ul, "--bands", "cells/µL")
    return nbods_from_criteria(
        crp_low=crp <= NBODS_CRP_LIMIT,
        bands_low=bands <= NBODS_BANDS_LIMIT,
        multifocal=bool(multifocal),
        femur=bool(femur),
    )


# --- Jansson clinical score: a checklist with odds ratios (no points) ---------------------
JANSSON_SOURCE = "jansson2009"
JANSSON_PREDICTORS: tuple[tuple[str, str, float], ...] = (
    ("normal-count", "Normal blood cell count", 81.5),
    ("symmetric", "Symmetric lesions", 30.0),
    ("marginal-sclerosis", "Lesions with marginal sclerosis", 26.8),
    ("normal-temperature", "Normal body temperature", 20.3),
    ("axial-site", "Vertebral, clavicular or sternal location", 13.9),
    ("multiple", "More than one radiologically proven lesion", 10.9),
    ("crp", "CRP ≥ 1 mg/dL", 6.9),
)
JANSSON_NOTE = (
    "Odds ratios for nonbacterial osteitis in 224 patients (102 with nonbacterial osteitis). "
    "The published score runs from 0 to 63, and 39 or more gave a positive predictive value of "
    "97 % with a sensitivity of 68 %; the points of each item have not been checked, so the "
    "atlas shows no total."
)
