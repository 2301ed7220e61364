"""A structured lesion description by the five RAI-CROMRIS parameters, as a case exercise.

RAI-CROMRIS (Capponi et al., Pediatr Rheumatol 2021;19:123) rates each bone unit on five
parameters: bone marrow hyperintensity, signal extension, soft-tissue or periosteal
hyperintensity, bony expansion and vertebral collapse. Only the parameters are verified
(medical-facts.md section 3); their grades and points are not, so the exercise asks for a
plain description of each parameter and compares it with the case's key, parameter by
parameter. It never adds anything up and shows no points.

The key of a synthetic case comes from its study description (what the generator was asked to
draw): the lesion's state, its length, its options (periosteal reaction, soft-tissue oedema,
hyperostosis, height loss) and its site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCE = "capponi2021"

# (id, the question, the answers a resident chooses from)
PARAMETERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("marrow", "Bone marrow hyperintensity (STIR)", ("present", "absent")),
    ("extension", "Signal extension within the bone", ("small focus", "large part of the bone", "none")),
    ("soft_tissue", "Soft-tissue or periosteal hyperintensity", ("present", "absent")),
    ("expansion", "Bony expansion", ("present", "absent")),
    ("collapse", "Vertebral collapse", ("present", "absent", "not a vertebra")),
)  # fmt: skip
LABELS = {key: text for key, text, _choices in PARAMETERS}
CHOICES = {key: choices for key, _text, choices in PARAMETERS}

# A lesion drawn at least this long (mm) takes up a large part of a child's bone unit in the
# generator's body model: a threshold of the synthetic key, not a published grade.
LARGE_MM = 25.0
_SOFT_OPTIONS = ("periosteal_reaction", "soft_tissue_oedema", "soft_tissue_mass",
                 "subperiosteal_collection", "sinus_tract")  # fmt: skip


@dataclass(frozen=True)
class KeyItem:
    parameter: str
    answer: str
    why: str


@dataclass(frozen=True)
class Comparison:
    parameter: str
    given: str | None
    key: KeyItem

    @property
    def agrees(self) -> bool:
        return self.given == self.key.answer


def applies(case) -> bool:
    """The exercise is for CNO lesions in a generated study (RAI-CROMRIS scores CNO activity)."""
    return case.diagnosis == "cno" and bool(describable_lesions(case))


def describable_lesions(case) -> list[str]:
    """The ids of the case's lesions that the generator drew (those have a key)."""
    generator = case.series.generator or {}
    drawn = {g.get("id") for g in generator.get("lesions", []) if isinstance(g, dict)}
    return [lesion.id for lesion in case.lesions if lesion.id in drawn]


def _generated(case, lesion_id: str) -> dict[str, Any] | None:
    generator = case.series.generator or {}
    return next((g for g in generator.get("lesions", []) if g.get("id") == lesion_id), None)


def lesion_key(case, lesion_id: str) -> dict[str, KeyItem]:
    """The case's key for one lesion, parameter by parameter, each with its reason."""
    g = _generated(case, lesion_id)
    if g is None:
        raise KeyError(lesion_id)
    state = g.get("state", "active")
    size = float(g.get("size_mm", 0))
    options = g.get("options", {}) or {}
    site = str(g.get("site_id", ""))
    vertebral = site.startswith("vertebra.") and site.endswith(".body")
    key: dict[str, KeyItem] = {}
    if state == "resolved":
        key["marrow"] = KeyItem("marrow", "absent", "The lesion has resolved: normal marrow signal.")
        key["extension"] = KeyItem("extension", "none", "No abnormal signal is left to measure.")
    else:
        faint = " (faint, healing)" if state in ("smaller", "stable-fracture") else ""
        key["marrow"] = KeyItem("marrow", "present", f"Bright marrow signal on STIR{faint}.")
        drawn = size * (0.55 if state == "smaller" else 0.5 if state == "stable-fracture" else 1.0)
        large = drawn >= LARGE_MM
        key["extension"] = KeyItem(
            "extension",
            "large part of the bone" if large else "small focus",
            f"The abnormal signal is about {drawn:.0f} mm long in this study.",
        )
    active = state == "active"
    soft = active and any(options.get(name) for name in _SOFT_OPTIONS)
    key["soft_tissue"] = KeyItem(
        "soft_tissue",
        "present" if soft else "absent",
        "Bright signal along the periosteum or in the soft tissues beside the bone."
        if soft
        else "The signal stays inside the bone.",
    )
    expanded = bool(options.get("hyperostosis")) and state != "resolved"
    key["expansion"] = KeyItem(
        "expansion",
        "present" if expanded else "absent",
        "The bone is thickened (hyperostosis)." if expanded else "The bone keeps its normal width.",
    )
    if not vertebral:
        key["collapse"] = KeyItem("collapse", "not a vertebra", "The lesion is not in a vertebral body.")
    else:
        loss = float(options.get("height_loss", 0) or 0)
        collapsed = loss > 0 or state == "stable-fracture" or bool(options.get("vertebra_plana"))
        key["collapse"] = KeyItem(
            "collapse",
            "present" if collapsed else "absent",
            "The vertebral body has lost height (and does not regain it)."
            if collapsed
            else "The vertebral body keeps its height.",
        )
    return key


def compare(case, lesion_id: str, answers: dict[str, str | None]) -> list[Comparison]:
    """Each parameter's answer beside the key, in the parameters' order (no points, no total)."""
    key = lesion_key(case, lesion_id)
    for parameter, value in answers.items():
        if parameter not in CHOICES:
            raise ValueError(f"unknown RAI-CROMRIS parameter '{parameter}'")
        if value is not None and value not in CHOICES[parameter]:
            raise ValueError(f"'{value}' is not an answer for {LABELS[parameter]}")
    return [Comparison(p, answers.get(p), key[p]) for p, _t, _c in PARAMETERS]
