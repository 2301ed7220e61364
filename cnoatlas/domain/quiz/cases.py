"""The teaching cases as the quiz sees them (QuizCase views of the case library)."""

from __future__ import annotations

import logging

from cnoatlas.domain.quiz.questions import CaseLesion, CaseView

log = logging.getLogger("cnoatlas.quiz")


def _vignette(case) -> str:
    labs = "; ".join(
        f"{lab.name} {lab.value_text}{'' if lab.flag == 'normal' else f' ({lab.flag})'}"
        for lab in case.labs
    )
    text = f"{case.presentation.strip()} {case.history.strip()}"
    return f"{text} Laboratory results: {labs}." if labs else text


def case_view(case) -> CaseView:
    """A case of the library (cnoatlas.domain.cases.Case) as a quiz case.

    Lesions carry their sites only: image questions (spot the lesion, find every lesion) need
    the lesion outlines of a generated series, which the case library does not hold.
    """
    teaching = " ".join(point.text for point in case.teaching_points[:1])
    if case.outcome:
        teaching = f"{teaching} {case.outcome}".strip()
    sources = tuple(dict.fromkeys(s for point in case.teaching_points[:1] for s in point.sources))
    return CaseView(
        id=case.id,
        title=case.title,
        diagnosis=case.diagnosis,
        age_years=case.patient.age_years,
        sex={"F": "female", "M": "male"}.get(case.patient.sex),
        history=_vignette(case),
        lesions=tuple(CaseLesion(lesion.site_id) for lesion in case.lesions),
        pattern=case.pattern,
        teaching=teaching,
        sources=sources or ("nico2022",),
    )


def library_cases() -> list[CaseView]:
    """The shipped cases that loaded cleanly; a broken case is left out (and logged)."""
    from cnoatlas.domain.cases import case_library

    library = case_library()
    for problem in library.problems:
        log.warning("case left out of the quiz: %s", problem)
    return [case_view(case) for case in library]
