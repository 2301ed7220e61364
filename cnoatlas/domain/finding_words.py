"""The words of an on-image label: where the lesion is and what the image shows there.

A label reads like an atlas caption, "Right tibia, distal metaphysis: marrow oedema, no
symptoms": the site as a reader names it, then the finding in descriptive words. It never names
a diagnosis ("CNO", "LCH", "Ewing"), which would give the answer away before its reveal, and it
is never a bare cryptic word ("knee", "silent").
"""

from __future__ import annotations

# The synthetic-image generator tags each shape with a short word for its lesion kind (some of
# them diagnoses); these are the findings those lesions show, in descriptive words.
GENERATOR_FINDINGS = {
    "CNO": "marrow oedema",
    "abscess": "oedema around a rimmed collection",
    "Brodie": "cavity with a dark rim",
    "discitis": "disc and both endplates",
    "LCH": "lytic focus with soft tissue",
    "Ewing": "marrow replaced, soft-tissue mass",
    "osteosarcoma": "mass breaking the cortex",
    "leukaemia": "diffuse marrow replacement",
    "resolved": "resolved, normal marrow again",
    "healed": "healed, height loss remains",
}

# Words that name a diagnosis: never part of a label (tests check every rendered label).
DIAGNOSIS_WORDS = (
    "CNO",
    "CRMO",
    "LCH",
    "Langerhans",
    "Ewing",
    "sarcoma",
    "osteomyelitis",
    "Brodie",
    "leukaemia",
    "leukemia",
    "abscess",
    "discitis",
    "SAPHO",
)


# Words of a case's own short note on a lesion ("T8 height loss", "silent, symmetric") that add
# a finding to the label; the rest of such notes (a bone, "knee", "silent") the label already says.
QUALIFIERS = ("height loss", "fracture", "symmetric")


def finding_label(
    site_name: str,
    generator_word: str,
    silent: bool,
    smaller: bool = False,
    own_words: str = "",
    case_note: str = "",
) -> str:
    """The label of one lesion's outline.

    ``generator_word``: the generator's tag of the shape ("CNO", "resolved"); ``own_words``: the
    words of an imported case's annotation, used when the tag is not the generator's;
    ``case_note``: the case's short note on the lesion, whose QUALIFIERS are kept.
    """
    finding = GENERATOR_FINDINGS.get(generator_word, own_words or generator_word)
    if smaller and not finding.startswith("smaller"):
        finding = f"smaller, {finding}"
    for word in QUALIFIERS:
        if word in case_note.lower() and word not in finding:
            finding += f", {word}"
    over = generator_word in ("resolved", "healed")
    if silent and not over and finding:
        finding += ", no symptoms"
    if not site_name:
        return finding
    return f"{site_name}: {finding}" if finding else site_name
