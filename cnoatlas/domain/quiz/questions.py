"""What a quiz question is: its kind, the answer key, the explanation and where the fact comes from.

Options are stable ids wherever a vocabulary exists (diagnosis ids, site ids, pattern ids), so that
answers can be scored, counted and compared across sessions; ``Question.label`` gives the text a
learner reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cnoatlas.domain.sources import bibliography

# How each kind is answered: one option, several options, an ordering, or marks on images.
KINDS: dict[str, str] = {
    "diagnosis": "single",
    "spot-lesion": "mark",
    "find-all-lesions": "marks",
    "map-sites": "multi",
    "map-rank": "rank",
    "map-choice": "single",
    "feature": "single",
    "pattern": "single",
    "true-false": "single",
    "single-best-answer": "single",
}

TOPICS: dict[str, str] = {
    "clinical": "Clinical picture",
    "imaging": "Imaging and WB-MRI",
    "distribution": "Where lesions occur",
    "spine": "The spine",
    "differentials": "CNO and its mimics",
    "pathway": "Diagnostic pathway",
    "follow-up": "Follow-up and complications",
    "cases": "Cases",
}

# One word per topic, for chart axes.
TOPIC_SHORT: dict[str, str] = {
    "clinical": "Clinical",
    "imaging": "Imaging",
    "distribution": "Sites",
    "spine": "Spine",
    "differentials": "Mimics",
    "pathway": "Pathway",
    "follow-up": "Follow-up",
    "cases": "Cases",
}

_NAMED: dict[str, str] = {
    "cno": "CNO (chronic nonbacterial osteomyelitis)",
    "bacterial-osteomyelitis": "Bacterial osteomyelitis",
    "brodie-abscess": "Brodie abscess",
    "spondylodiscitis": "Infectious spondylodiscitis",
    "lch": "Langerhans cell histiocytosis",
    "ewing-sarcoma": "Ewing sarcoma",
    "osteosarcoma": "Osteosarcoma",
    "leukaemia": "Leukaemia",
    "lymphoma": "Lymphoma",
}

# The same diagnoses as they read inside a sentence.
_NAMED_SHORT: dict[str, str] = {
    "cno": "CNO",
    "bacterial-osteomyelitis": "bacterial osteomyelitis",
    "brodie-abscess": "a Brodie abscess",
    "spondylodiscitis": "infectious spondylodiscitis",
    "lch": "Langerhans cell histiocytosis (LCH)",
    "ewing-sarcoma": "Ewing sarcoma",
    "osteosarcoma": "osteosarcoma",
    "leukaemia": "leukaemia",
    "lymphoma": "lymphoma",
}


class _DiagnosisLabels(Mapping[str, str]):
    """The quiz's diagnosis ids and their texts: the named diagnoses, then the sub-diagnoses of
    "other" (assets/other_diagnoses.json, read on first use: scurvy, osteoid osteoma,
    juvenile spondyloarthritis...), then the catch-all "other" itself."""

    def __init__(self, named: dict[str, str], short: bool, other: str) -> None:
        self._named, self._short, self._other = named, short, other
        self._all: dict[str, str] | None = None

    def _labels(self) -> dict[str, str]:
        if self._all is None:
            from cnoatlas.domain.diagnoses import other_diagnoses

            subs = {
                d.id: (d.short if self._short else d.label) for d in other_diagnoses().values()
            }
            self._all = {**self._named, **subs, "other": self._other}
        return self._all

    def __getitem__(self, key: str) -> str:
        return self._labels()[key]

    def __iter__(self):
        return iter(self._labels())

    def __len__(self) -> int:
        return len(self._labels())


DIAGNOSES: Mapping[str, str] = _DiagnosisLabels(_NAMED, False, "Something else")
DIAGNOSIS_SHORT: Mapping[str, str] = _DiagnosisLabels(_NAMED_SHORT, True, "another condition")

PATTERNS: dict[str, str] = {
    "tibio-appendicular-multifocal": "Tibio-appendicular multifocal",
    "claviculo-spinal-pauci-focal": "Claviculo-spinal pauci-focal",
    "tibio-clavicular-crossover": "Tibio-clavicular crossover",
}

TRUE_FALSE: dict[str, str] = {"true": "True", "false": "False"}


@dataclass(frozen=True)
class CaseLesion:
    """One lesion of a case as the quiz sees it: where it is and its outline on one slice.

    Without image geometry (no series yet) a lesion still names its site; only the image
    questions (spot the lesion, find every lesion) need the outline.
    """

    site_id: str
    series_uid: str = ""
    slice: int = -1
    outline: tuple[tuple[float, float], ...] = ()  # (column, row) points of a closed polygon
    silent: bool = False  # found by imaging, not a painful site: never named in a prompt

    @property
    def on_image(self) -> bool:
        return bool(self.series_uid) and self.slice >= 0 and len(self.outline) >= 3

    def to_json(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "series_uid": self.series_uid,
            "slice": self.slice,
            "outline": [[float(c), float(r)] for c, r in self.outline],
        }


class QuizCase(Protocol):
    """The view of a teaching case the quiz needs; the case library provides objects like this."""

    id: str
    title: str
    diagnosis: str
    age_years: float | None
    sex: str | None
    history: str  # the vignette a learner reads: presentation, history, laboratory results
    lesions: Sequence[CaseLesion]
    pattern: str | None
    teaching: str  # what the case teaches, shown after the answer
    sources: tuple[str, ...]  # source ids behind the teaching text
    follow_up: bool  # a follow-up study of a known patient: never asked as a diagnosis


@dataclass(frozen=True)
class CaseView:
    """A plain QuizCase (tests, adapters)."""

    id: str
    title: str
    diagnosis: str
    age_years: float | None
    sex: str | None
    history: str
    lesions: tuple[CaseLesion, ...]
    pattern: str | None = None
    teaching: str = ""
    sources: tuple[str, ...] = ("nico2022",)
    follow_up: bool = False

    @property
    def has_images(self) -> bool:
        return any(len(lesion.outline) >= 3 for lesion in self.lesions)


@dataclass(frozen=True, eq=False)
class Question:
    id: str
    kind: str
    topic: str
    prompt: str
    options: tuple[str, ...]
    answer: Any  # str, tuple[str, ...] (multi, rank), or lesion dicts (mark, marks)
    explanation: str
    sources: tuple[str, ...]
    via: str | None = None  # the review that reports the sources' figures, if we read them there
    labels: Mapping[str, str] = field(default_factory=dict)
    differential: str | None = None  # the diagnosis this question sets against CNO
    case_id: str | None = None

    @property
    def response(self) -> str:
        """How the learner answers: single, multi, rank, mark or marks."""
        return KINDS[self.kind]

    def label(self, option: str) -> str:
        return self.labels.get(option, option)

    def citation(self) -> str:
        """The sources in full, as a reader can look them up."""
        return citation_text(self.sources, self.via)

    def to_json(self) -> dict[str, Any]:
        answer = self.answer
        if isinstance(answer, tuple):
            answer = list(answer)
        return {
            "id": self.id,
            "kind": self.kind,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer": answer,
            "explanation": self.explanation,
            "citation": self.citation(),
        }


def citation_text(sources: Sequence[str], via: str | None = None) -> str:
    books = bibliography()

    def one(source_id: str) -> str:
        source = books[source_id]
        return source.citation + ("" if source.verified else " (citation to check)")

    text = " ".join(one(s) for s in sources)
    if via:
        text += f" As reported in: {one(via)}"
    return text
