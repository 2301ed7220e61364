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


# --- filled from a case ---------------------------------------------------------------------
@dataclass(frozen=True)
class Prefill:
    """Each item's starting state on a case page, with a note on where it came from."""

    met: dict[str, bool]
    notes: dict[str, str]


def _lab(case, *names: str):
    wanted = {n.lower() for n in names}
    return next((lab for lab in case.labs if lab.name.strip().lower() in wanted), None)


def nbods_prefill(case) -> Prefill:
    """The NBODS items as far as the case's own labs and lesions tell them."""
    met: dict[str, bool] = {}
    notes: dict[str, str] = {}
    crp = _lab(case, "CRP", "C-reactive protein")
    if crp is not None and isinstance(crp.value, int | float) and crp.unit.lower() == "mg/l":
        met["crp"] = crp.value <= NBODS_CRP_LIMIT
        notes["crp"] = f"CRP {crp.value_text} in this case."
    else:
        met["crp"] = False
        notes["crp"] = "No CRP in mg/L in this case: tick it if you know it is ≤ 55 mg/L."
    bands = _lab(case, "Band neutrophils", "Bands", "Band forms")
    if bands is not None and isinstance(bands.value, int | float):
        met["bands"] = bands.value <= NBODS_BANDS_LIMIT
        notes["bands"] = f"Band neutrophils {bands.value_text} in this case."
    else:
        met["bands"] = False
        notes["bands"] = "No band count in this case: tick it if it is ≤ 220 cells/µL."
    bones = {lesion.site_id.split(".")[0] for lesion in case.lesions}
    met["multifocal"] = len(case.lesions) > 1 and len({le.site_id for le in case.lesions}) > 1
    notes["multifocal"] = (
        f"{len(case.lesions)} lesion(s) in this case. The paper's own definition of multifocal "
        "is not in its abstract."
    )
    met["femur"] = "femur" in bones
    notes["femur"] = "A femoral lesion in this case." if met["femur"] else "No femoral lesion."
    return Prefill(met, notes)


def jansson_prefill(case) -> Prefill:
    """The Jansson predictors that the case's data can tell; the rest start unticked."""
    met = dict.fromkeys((key for key, _, _ in JANSSON_PREDICTORS), False)
    notes: dict[str, str] = {}
    counts = [
        lab
        for lab in case.labs
        if lab.name.strip().lower() in {"wcc", "wbc", "haemoglobin", "hemoglobin", "platelets"}
    ]
    if counts:
        met["normal-count"] = all(lab.flag == "normal" for lab in counts)
        notes["normal-count"] = "From the case's blood count."
    sites = {lesion.site_id.split(".")[0] for lesion in case.lesions}
    met["axial-site"] = bool(sites & {"vertebra", "clavicle", "sternum"})
    met["multiple"] = len({le.site_id for le in case.lesions}) > 1
    crp = _lab(case, "CRP", "C-reactive protein")
    if crp is not None and isinstance(crp.value, int | float) and crp.unit.lower() == "mg/l":
        met["crp"] = crp.value >= 10  # 1 mg/dL = 10 mg/L
        notes["crp"] = f"CRP {crp.value_text} (1 mg/dL = 10 mg/L)."
    for key in ("symmetric", "marginal-sclerosis", "normal-temperature"):
        notes[key] = "Judge it from the images and the history."
    return Prefill(met, notes)
