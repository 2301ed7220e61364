"""What a case page may show at each reveal state: the rules, over the Case, with no widgets.

A case page is a teaching file: the history and the images come first; the findings, the
diagnosis and the discussion each wait behind their own reveal. "Quiz me" hides every hint (the
lit sites on the map, the lesion counts, the labels on the images, the real title) until the
reader answers. The widget asks ``case_view`` what to show and shows exactly that.

A follow-up case also says, lesion by lesion, what became of each lesion since its baseline
(``lesion_states``): a resolved lesion is not lit on the map as active and never listed as silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cnoatlas.domain.cases import DIAGNOSES, PATTERNS, Case
from cnoatlas.domain.sites import site_model

STAGES = ("findings", "diagnosis", "discussion")

# What became of a lesion at follow-up, in words a report uses.
FOLLOW_UP_STATES = {
    "new": "new since the baseline",
    "smaller": "smaller than at baseline",
    "resolved": "resolved",
    "stable": "unchanged since the baseline",
}
# The generator's lesion state -> the follow-up state shown (an active lesion at a site that had
# one at baseline is unchanged; at a site that had none, it is new).
_GENERATOR_TO_FOLLOW_UP = {
    "resolved": "resolved",
    "smaller": "smaller",
    "stable-fracture": "stable",
}

# Words that name a diagnosis (beyond the diagnosis labels themselves), by diagnosis id.
_DIAGNOSIS_WORDS: dict[str, tuple[str, ...]] = {
    "cno": ("CNO", "CRMO", "nonbacterial", "non-bacterial", "SAPHO"),
    "bacterial-osteomyelitis": ("osteomyelitis", "bacterial"),
    "brodie-abscess": ("Brodie", "abscess"),
    "spondylodiscitis": ("spondylodiscitis", "discitis"),
    "lch": ("LCH", "Langerhans", "histiocytosis"),
    "ewing-sarcoma": ("Ewing", "sarcoma"),
    "osteosarcoma": ("osteosarcoma", "sarcoma"),
    "leukaemia": ("leukaemia", "leukemia"),
    "lymphoma": ("lymphoma",),
    # The named diagnoses filed under "other" (assets/other_diagnoses.json).
    "neuroblastoma": ("neuroblastoma",),
    "scurvy": ("scurvy", "vitamin C deficiency"),
    "hypophosphatasia": ("hypophosphatasia",),
    "osteoid-osteoma": ("osteoid osteoma",),
    "stress-injury": ("stress injury", "stress fracture", "stress reaction"),
    "fibrous-dysplasia": ("fibrous dysplasia",),
    "juvenile-spondyloarthritis": ("spondyloarthritis", "enthesitis-related"),
}


@dataclass(frozen=True)
class Reveals:
    """Which stages the reader has revealed on a case (kept per case in the user's notes)."""

    findings: bool = False
    diagnosis: bool = False
    discussion: bool = False

    @classmethod
    def of(cls, stages) -> Reveals:
        stages = set(stages)
        return cls(*(stage in stages for stage in STAGES))

    def stages(self) -> tuple[str, ...]:
        return tuple(
            s
            for s, on in zip(STAGES, (self.findings, self.diagnosis, self.discussion), strict=True)
            if on
        )

    def with_stage(self, stage: str) -> Reveals:
        if stage not in STAGES:
            raise ValueError(f"unknown reveal stage {stage!r}")
        return Reveals.of({*self.stages(), stage})


@dataclass(frozen=True)
class LesionLine:
    """One lesion as the findings list shows it."""

    lesion_id: str
    text: str  # "Right tibia, distal metaphysis (no symptoms)" or "… : resolved"
    state: str | None  # follow-up state (FOLLOW_UP_STATES key), None on a first study
    active: bool  # lit on the map as a lesion (a resolved one is not)


@dataclass(frozen=True)
class CaseView:
    """Everything a case page may show in one reveal state."""

    title: str
    quiz: bool
    answered: bool
    show_findings: bool  # the findings text, the lesion list, outlines on the images, reasoning
    show_labels: bool  # the words drawn beside the outlines
    show_diagnosis: bool  # the diagnosis, the pattern, the outcome, the linked study
    show_discussion: bool  # teaching points, differentials, references
    can_reveal: tuple[str, ...]  # the reveal buttons on offer (in quiz mode, none: answer first)
    lit_sites: tuple[str, ...]  # sites lit on the map
    map_caption: str
    lines: tuple[LesionLine, ...]  # the findings list (empty while the findings are hidden)
    findings_hidden_because: str  # why the viewer's "Findings" is off ("" when it is on)


def diagnosis_words(case: Case) -> tuple[str, ...]:
    """Words that would give this case's diagnosis away: its names, its pattern, its title."""
    words = [DIAGNOSES[case.diagnosis], *_DIAGNOSIS_WORDS.get(case.diagnosis, ())]
    if case.specific_diagnosis != case.diagnosis:
        words += [case.diagnosis_label, *_DIAGNOSIS_WORDS.get(case.specific_diagnosis, ())]
    if case.pattern and case.pattern != "unclassified":
        words.append(PATTERNS[case.pattern])
    if case.title != case.presenting_title:
        words.append(case.title)
    return tuple(dict.fromkeys(w for w in words if w))


def names_diagnosis(case: Case, text: str) -> str | None:
    """The first word of ``diagnosis_words`` found in ``text`` (whole words, any case), if any."""
    for word in diagnosis_words(case):
        if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.IGNORECASE):
            return word
    return None


def lesion_states(case: Case, baseline: Case | None) -> dict[str, str]:
    """For a follow-up case: each lesion's state against its baseline (FOLLOW_UP_STATES keys).

    The synthetic study description says how each lesion changed; a lesion it calls active is
    unchanged when the baseline had a lesion at that site, new when it had none. An imported
    follow-up without a description is compared by site alone. Empty for a first study.
    """
    if not case.timepoints.follow_up_of:
        return {}
    generated = {}
    if case.series.generator:
        generated = {
            str(g.get("id")): str(g.get("state", "active"))
            for g in case.series.generator.get("lesions", ())
        }
    before = {lesion.site_id for lesion in baseline.lesions} if baseline is not None else None
    states = {}
    for lesion in case.lesions:
        state = _GENERATOR_TO_FOLLOW_UP.get(generated.get(lesion.id, "active"))
        if state is None:
            state = "new" if before is not None and lesion.site_id not in before else "stable"
        states[lesion.id] = state
    return states


def lesion_lines(case: Case, baseline: Case | None = None) -> tuple[LesionLine, ...]:
    model = site_model()
    states = lesion_states(case, baseline)
    lines = []
    for lesion in case.lesions:
        name = model.name(lesion.site_id) if model.is_known(lesion.site_id) else lesion.site_id
        state = states.get(lesion.id)
        if state is not None:
            text = f"{name}: {FOLLOW_UP_STATES[state]}"
        else:
            text = f"{name}  (no symptoms there)" if lesion.silent else name
        lines.append(LesionLine(lesion.id, text, state, state != "resolved"))
    return tuple(lines)


def _caption(case: Case, lines: tuple[LesionLine, ...]) -> str:
    n = len(case.lesions)
    if any(line.state for line in lines):
        counts: dict[str, int] = {}
        for line in lines:
            counts[line.state or "stable"] = counts.get(line.state or "stable", 0) + 1
        parts = [f"{k} {FOLLOW_UP_STATES[s].split(' ')[0]}" for s, k in counts.items()]
        return (
            f"{n} lesion{'s' if n != 1 else ''} followed up: {', '.join(parts)}. "
            "Lit: the lesions still present. Click one to see it on the images."
        )
    silent = sum(lesion.silent for lesion in case.lesions)
    return (
        f"{n} lesion{'s' if n != 1 else ''}"
        + (f", {silent} without symptoms" if silent else "")
        + ". Click a lit site to see it on the images."
    )


def case_view(
    case: Case,
    reveals: Reveals = Reveals(),
    quiz: bool = False,
    answered: bool = False,
    baseline: Case | None = None,
) -> CaseView:
    """What the case page shows for this case in this state.

    Outside a quiz each stage shows once revealed (the discussion names the diagnosis, so it is
    offered only once the diagnosis is shown). In Quiz me nothing beyond the history and the
    bare images shows until the reader answers; then everything does.
    """
    if quiz:
        shown = Reveals(True, True, True) if answered else Reveals()
    else:
        shown = Reveals(
            reveals.findings, reveals.diagnosis, reveals.diagnosis and reveals.discussion
        )
    lines = lesion_lines(case, baseline)
    hinting = not quiz or answered  # the map and its counts
    active = {line.lesion_id for line in lines if line.active}
    lit = tuple(dict.fromkeys(x.site_id for x in case.lesions if x.id in active))
    if quiz and not answered:
        offer: tuple[str, ...] = ()
    else:
        offer = tuple(
            stage
            for stage, on in (
                ("findings", not shown.findings),
                ("diagnosis", not shown.diagnosis),
                ("discussion", shown.diagnosis and not shown.discussion),
            )
            if on
        )
    if shown.findings:
        why = ""
    elif quiz:
        why = "The findings are shown once you answer"
    else:
        why = "Reveal the findings first"
    return CaseView(
        title=case.display_title(not shown.diagnosis),
        quiz=quiz,
        answered=answered,
        show_findings=shown.findings,
        show_labels=shown.findings,
        show_diagnosis=shown.diagnosis,
        show_discussion=shown.discussion,
        can_reveal=offer,
        lit_sites=lit if hinting else (),
        map_caption=_caption(case, lines)
        if hinting
        else "Sites and counts are shown once you answer.",
        lines=lines if shown.findings else (),
        findings_hidden_because=why,
    )


def safe_label(case: Case, label: str, site_id: str, diagnosis_shown: bool) -> str:
    """An on-image label that does not name the diagnosis before it is revealed: a label that
    would (an imported case's "CNO") gives way to the site's name."""
    if diagnosis_shown or not names_diagnosis(case, label):
        return label
    model = site_model()
    return model.name(site_id) if model.is_known(site_id) else "lesion"
