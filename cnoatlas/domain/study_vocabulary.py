"""The words of a synthetic study description: lesion kinds, follow-up states and options.

Shared by the case validator (cnoatlas.domain.cases) and the image generator
(cnoatlas.imaging.phantom), so a case file and the generator cannot disagree.
"""

from __future__ import annotations

LESION_KINDS = (
    "cno-oedema",
    "bacterial-osteomyelitis",
    "brodie-abscess",
    "spondylodiscitis",
    "lch",
    "ewing-sarcoma",
    "osteosarcoma",
    "leukaemia",
    # the "other" differentials and lymphoma (cases with those diagnoses)
    "lymphoma",
    "neuroblastoma",
    "scurvy",
    "hypophosphatasia",
    "osteoid-osteoma",
    "stress-injury",
    "fibrous-dysplasia",
)
LESION_STATES = ("active", "smaller", "resolved", "stable-fracture")
# Normal findings a description can ask for (never annotated: a resident must learn not to call
# them lesions): patchy bright STIR foci in the tarsal bones of healthy children, and islands of
# red marrow (intermediate on STIR, brighter than muscle on T1) in the metaphyses.
NORMAL_VARIANTS = ("tarsal-foci", "red-marrow-islands")
# Option name -> the type its value must have (height_loss is a fraction of the vertebral height).
LESION_OPTIONS: dict[str, type] = {
    "periosteal_reaction": bool,
    "soft_tissue_oedema": bool,
    "joint_effusion": bool,
    "height_loss": float,
    "hyperostosis": bool,
    "abscess": bool,
    "sequestrum": bool,
    "sinus_tract": bool,
    "subperiosteal_collection": bool,
    "vertebra_plana": bool,
    "soft_tissue_mass": bool,
}
