"""Scoring: is an answer right, how much of a lesion search was found, and the exam report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnoatlas.domain.quiz.questions import DIAGNOSES, Question

SLICE_TOLERANCE = 1  # a mark one slice off a lesion's outline still finds it
MARGIN_PX = 3.0  # and so does a mark just outside the outline


@dataclass(frozen=True)
class Mark:
    """A click on an image: which series, which slice, where (pixel column, row)."""

    series_uid: str
    slice: int
    col: float
    row: float

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Mark:
        return cls(
            str(data["series_uid"]), int(data["slice"]), float(data["col"]), float(data["row"])
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "series_uid": self.series_uid,
            "slice": self.slice,
            "col": self.col,
            "row": self.row,
        }


def _inside(points: Sequence[Sequence[float]], x: float, y: float) -> bool:
    inside = False
    j = len(points) - 1
    for i in range(len(points)):
        xi, yi = points[i]
        xj, yj = points[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _edge_distance(points: Sequence[Sequence[float]], x: float, y: float) -> float:
    best = float("inf")
    for i in range(len(points)):
        (ax, ay), (bx, by) = points[i - 1], points[i]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        px, py = ax + t * dx, ay + t * dy
        best = min(best, ((x - px) ** 2 + (y - py) ** 2) ** 0.5)
    return best


def hits(lesion: Mapping[str, Any], mark: Mark) -> bool:
    """Whether a mark lands on a lesion (its outline, with a small tolerance in space and slice)."""
    if mark.series_uid != lesion["series_uid"]:
        return False
    if abs(mark.slice - int(lesion["slice"])) > SLICE_TOLERANCE:
        return False
    outline = lesion["outline"]
    if len(outline) < 3:
        return False
    return (
        _inside(outline, mark.col, mark.row)
        or _edge_distance(outline, mark.col, mark.row) <= MARGIN_PX
    )


@dataclass(frozen=True)
class SearchResult:
    """How a find-all-lesions search went: indexes into the lesions and the marks."""

    found: tuple[int, ...]
    missed: tuple[int, ...]
    false_marks: tuple[int, ...]
    true_marks: int

    @property
    def sensitivity(self) -> float:
        total = len(self.found) + len(self.missed)
        return len(self.found) / total if total else 1.0

    @property
    def precision(self) -> float:
        total = self.true_marks + len(self.false_marks)
        return self.true_marks / total if total else 0.0

    @property
    def perfect(self) -> bool:
        return not self.missed and not self.false_marks


def score_search(lesions: Sequence[Mapping[str, Any]], marks: Sequence[Mark]) -> SearchResult:
    """Found, missed and false marks; a mark on an already found lesion is neither new nor false."""
    found: set[int] = set()
    false_marks = []
    true_marks = 0
    for m_index, mark in enumerate(marks):
        targets = [i for i, lesion in enumerate(lesions) if hits(lesion, mark)]
        if targets:
            true_marks += 1
            found.update(targets)
        else:
            false_marks.append(m_index)
    missed = tuple(i for i in range(len(lesions)) if i not in found)
    return SearchResult(tuple(sorted(found)), missed, tuple(false_marks), true_marks)


def score_sites(chosen: Sequence[str], answer: Sequence[str]) -> SearchResult:
    """The same measures for a multi-select map answer: a site chosen or missed."""
    wanted = list(answer)
    found = tuple(i for i, site in enumerate(wanted) if site in chosen)
    missed = tuple(i for i, site in enumerate(wanted) if site not in chosen)
    false = tuple(i for i, site in enumerate(chosen) if site not in wanted)
    return SearchResult(found, missed, false, len(chosen) - len(false))


@dataclass(frozen=True)
class Outcome:
    """One answered question."""

    question_id: str
    topic: str
    correct: bool
    credit: float  # 0..1; partial for map, rank and lesion-search answers
    truth: str | None  # the diagnosis id the answer key names, for the confusion table
    chosen: str | None  # the diagnosis id the learner chose
    differential: str | None
    response: Any


def _credit(question: Question, response: Any) -> tuple[bool, float]:
    kind = question.response
    if kind == "single":
        right = response == question.answer
        return right, float(right)
    if kind == "multi":
        result = score_sites(list(response), list(question.answer))
        f1_den = result.sensitivity + result.precision
        return result.perfect, 2 * result.sensitivity * result.precision / f1_den if f1_den else 0.0
    if kind == "rank":
        answer = list(question.answer)
        response = list(response)
        right = sum(1 for a, b in zip(answer, response, strict=False) if a == b)
        return response == answer, right / len(answer)
    marks = [
        m if isinstance(m, Mark) else Mark.from_json(m)
        for m in ([response] if kind == "mark" else response)
    ]
    lesions = [question.answer] if kind == "mark" else list(question.answer)
    result = score_search(lesions, marks)
    if kind == "mark":
        return bool(result.found), float(bool(result.found))
    return result.perfect, result.sensitivity * (result.precision if marks else 0.0)


def score(question: Question, response: Any) -> Outcome:
    correct, credit = _credit(question, response)
    truth = question.answer if isinstance(question.answer, str) else None
    chosen = response if isinstance(response, str) else None
    if truth not in DIAGNOSES or chosen not in DIAGNOSES:
        truth = chosen = None
    differential = question.differential
    if differential is None and truth == "cno" and chosen not in (None, "cno"):
        differential = chosen  # a CNO case taken for X counts against X
    return Outcome(
        question.id, question.topic, correct, credit, truth, chosen, differential, response
    )


@dataclass(frozen=True)
class TopicScore:
    topic: str
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ConfusionRow:
    """CNO set against one differential, over the questions that contrast the two."""

    differential: str
    cno_as_cno: int = 0
    cno_as_differential: int = 0
    differential_as_differential: int = 0
    differential_as_cno: int = 0
    other_wrong: int = 0  # a third diagnosis chosen (case questions offer several)

    @property
    def total(self) -> int:
        return (
            self.cno_as_cno
            + self.cno_as_differential
            + self.differential_as_differential
            + self.differential_as_cno
            + self.other_wrong
        )

    @property
    def errors(self) -> int:
        return self.cno_as_differential + self.differential_as_cno + self.other_wrong


@dataclass(frozen=True)
class ExamReport:
    total: int
    correct: int
    by_topic: tuple[TopicScore, ...]
    confusion: tuple[ConfusionRow, ...]  # in the order of the diagnosis vocabulary
    unanswered: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _confusion(outcomes: Sequence[Outcome]) -> tuple[ConfusionRow, ...]:
    counts: dict[str, list[int]] = {}
    for o in outcomes:
        d = o.differential
        if not d or not o.truth or not o.chosen:
            continue
        row = counts.setdefault(d, [0, 0, 0, 0, 0])
        if o.truth == "cno":
            row[0 if o.chosen == "cno" else 1 if o.chosen == d else 4] += 1
        elif o.truth == d:
            row[2 if o.chosen == d else 3 if o.chosen == "cno" else 4] += 1
    return tuple(ConfusionRow(d, *counts[d]) for d in DIAGNOSES if d in counts)


def report(questions: Sequence[Question], outcomes: Sequence[Outcome]) -> ExamReport:
    """The end-of-exam summary; a question left unanswered counts as wrong."""
    answered = {o.question_id: o for o in outcomes}
    topics: dict[str, list[int]] = {}
    for q in questions:
        tally = topics.setdefault(q.topic, [0, 0])
        tally[1] += 1
        if q.id in answered:
            tally[0] += int(answered[q.id].correct)
    return ExamReport(
        total=len(questions),
        correct=sum(1 for q in questions if q.id in answered and answered[q.id].correct),
        by_topic=tuple(TopicScore(t, c, n) for t, (c, n) in sorted(topics.items())),
        confusion=_confusion([answered[q.id] for q in questions if q.id in answered]),
        unanswered=sum(1 for q in questions if q.id not in answered),
    )
