"""The images behind the image questions, as the quiz sees them.

Spot-the-lesion and find-every-lesion questions are asked on one series of a case's study. The
quiz does not know where studies live or how they are made: it asks a ``StudySource`` (the case
library implements one, ``cnoatlas.library.studies``) and gets back a ``QuizStudy``, the series
and the outlines drawn on it. A case without a study simply has no image questions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.quiz.cases import case_view
from cnoatlas.domain.quiz.questions import CaseView


@dataclass(frozen=True)
class QuizStudy:
    """The series a case's image questions are asked on, and the outlines drawn on it."""

    case_id: str
    series_dir: Path  # the folder holding that one series
    series_uid: str
    annotations: tuple[Annotation, ...]  # on that series only, worded by the case

    def key_slice(self, lesion_id: str) -> int | None:
        """The slice where this lesion's outline is largest (None if it is not on the series)."""
        from cnoatlas.domain.cases import lesion_slices

        return lesion_slices(a for a in self.annotations if a.lesion_id == lesion_id).get(
            (self.series_uid, lesion_id)
        )


class StudySource(Protocol):
    """Where the quiz gets a case's study: implemented by the case library."""

    def is_available(self, case) -> bool:
        """Whether the case's study is at hand now, without making it."""
        ...

    def load(self, case, generate: bool = False) -> QuizStudy | None:
        """The case's QuizStudy (made first when ``generate``; slow), or None."""
        ...


def quiz_cases(cases: Iterable, studies: dict[str, QuizStudy]) -> list[CaseView]:
    """Library cases as quiz cases; those with a study get the image questions."""
    result = []
    for case in cases:
        study = studies.get(case.id)
        result.append(case_view(case, study.annotations if study else ()))
    return result
