"""The teaching cases as the quiz sees them (QuizCase views of the case library)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.quiz.questions import CaseLesion, CaseView

log = logging.getLogger("cnoatlas.quiz")


def _vignette(case) -> str:
    labs = "; ".join(
        f"{lab.name} {lab.value_text}"
        + ("" if lab.flag == "normal" or lab.flag in lab.value_text else f" ({lab.flag})")
        for lab in case.labs
    )
    text = f"{case.presentation.strip()} {case.history.strip()}"
    return f"{text} Laboratory results: {labs}." if labs else text


def _outline(annotation: Annotation) -> tuple[tuple[float, float], ...]:
    g = annotation.geometry
    if annotation.kind == "polygon":
        return tuple((float(c), float(r)) for c, r in g["points"])
    (cx, cy), (rx, ry) = g["center"], g["radii"]
    steps = 24
    return tuple(
        (cx + rx * math.cos(2 * math.pi * i / steps), cy + ry * math.sin(2 * math.pi * i / steps))
        for i in range(steps)
    )


def _area(outline: Sequence[tuple[float, float]]) -> float:
    n = len(outline)
    return 0.5 * abs(
        sum(
            outline[i][0] * outline[(i + 1) % n][1] - outline[(i + 1) % n][0] * outline[i][1]
            for i in range(n)
        )
    )


def _lesion(lesion, annotations: Sequence[Annotation]) -> CaseLesion:
    """The lesion where its outline is largest (the slice a reader would show), or its site."""
    shapes = [
        (a, _outline(a))
        for a in annotations
        if a.lesion_id == lesion.id and a.kind in ("ellipse", "polygon")
    ]
    if not shapes:
        return CaseLesion(lesion.site_id, silent=lesion.silent)
    best, outline = max(shapes, key=lambda item: (_area(item[1]), -item[0].slice))
    return CaseLesion(lesion.site_id, best.series_uid, best.slice, outline, lesion.silent)


def case_view(case, annotations: Sequence[Annotation] = ()) -> CaseView:
    """A case of the library (cnoatlas.domain.cases.Case) as a quiz case.

    With the annotations of its generated study, each lesion gets the outline where it is
    largest, and the image questions (spot the lesion, find every lesion) become available;
    without them lesions carry their sites only.
    """
    teaching = " ".join(point.text for point in case.teaching_points[:1])
    if case.outcome:
        teaching = f"{teaching} {case.outcome}".strip()
    sources = tuple(dict.fromkeys(s for point in case.teaching_points[:1] for s in point.sources))
    return CaseView(
        id=case.id,
        title=case.title,
        diagnosis=case.specific_diagnosis,  # an "other" case is asked by its named diagnosis
        age_years=case.patient.age_years,
        sex={"F": "female", "M": "male"}.get(case.patient.sex),
        history=_vignette(case),
        lesions=tuple(_lesion(lesion, annotations) for lesion in case.lesions),
        pattern=case.pattern,
        teaching=teaching,
        sources=sources or ("nico2022",),
        follow_up=case.timepoints.follow_up_of is not None,
    )


def library_cases() -> list[CaseView]:
    """The cases that loaded cleanly; a broken case is left out (and logged), and so are the
    user's imported cases with no lesions or teaching written for them yet (a case finished in
    the case editor has both, and is asked like a shipped one)."""
    from cnoatlas.domain.cases import case_library

    library = case_library()
    for problem in library.problems:
        log.warning("case left out of the quiz: %s", problem)
    return [
        case_view(case)
        for case in library
        if not case.imported or (case.lesions and case.teaching_points)
    ]
