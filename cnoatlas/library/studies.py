"""The images behind the image questions: a case's study, the series the quiz shows, its outlines.

Spot-the-lesion and find-every-lesion questions are asked on one series of a case's study, the
coronal STIR of the whole body where the generator made one: every lesion of a whole-body study
is on it, which is what the search for silent lesions needs. A case whose study is not at hand
(not generated yet, or without annotations) simply has no image questions; the diagnosis
question does not need them.

Nothing here touches Qt: the quiz page calls ``load_quiz_study(case, generate=True)`` from a
worker thread, since generating a study takes seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnoatlas.domain.annotations import Annotation, load_annotations
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.quiz.cases import case_view
from cnoatlas.domain.quiz.questions import CaseView

log = logging.getLogger("cnoatlas.quiz")

# Series folders the quiz prefers, best first (the generator names folders NN_<sequence key>).
PREFERRED_SERIES = ("cor_stir", "stir")


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


def _series_uid(folder: Path) -> str | None:
    import pydicom

    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SeriesInstanceUID"])
        except Exception:  # not DICOM (a note, a thumbnail): try the next file
            continue
        uid = str(ds.get("SeriesInstanceUID", "") or "")
        if uid:
            return uid
    return None


def choose_series(
    folder: Path, annotations: Sequence[Annotation]
) -> tuple[Path, str, list[Annotation]] | None:
    """The series folder under a study folder the quiz shows, its UID and its annotations.

    A coronal STIR first; otherwise the series with outlines of the most lesions.
    """
    shapes = [a for a in annotations if a.kind in ("ellipse", "polygon")]
    candidates = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        uid = _series_uid(sub)
        if uid is None:
            continue
        lesions = {a.lesion_id for a in shapes if a.series_uid == uid}
        if not lesions:
            continue
        name = sub.name.lower()
        preference = next(
            (i for i, word in enumerate(PREFERRED_SERIES) if word in name), len(PREFERRED_SERIES)
        )
        candidates.append((preference, -len(lesions), sub.name, sub, uid))
    if not candidates:
        return None
    *_, sub, uid = min(candidates)
    return sub, uid, [a for a in annotations if a.series_uid == uid]


def _expected_folder(case) -> Path | None:
    """Where the phantom cache keeps this case's study (whether or not it exists yet)."""
    description = case.generator_description()
    if description is None:
        return case.folder / (case.series.dicom or "") if case.series.dicom else None
    from cnoatlas.imaging.phantom.study import study_cache_path

    return study_cache_path(description)


def is_available(case) -> bool:
    """Whether the case's study and its annotations are on disk now (no generation)."""
    try:
        folder = _expected_folder(case)
    except AtlasError:
        return False
    return folder is not None and (folder / "annotations.json").is_file()


def study_folder(case, generate: bool = False) -> Path | None:
    """The case's study folder with annotations.json; generated first if asked (slow)."""
    if generate and case.generator_description() is not None:
        from cnoatlas.imaging.phantom.study import cached_study_dir

        return cached_study_dir(case.generator_description())
    return _expected_folder(case) if is_available(case) else None


def read_study(case_id: str, folder: Path, reword: object = None) -> QuizStudy | None:
    """The quiz series of a study folder (annotations.json beside the series folders)."""
    annotations = load_annotations(folder / "annotations.json")
    if reword is not None:
        from cnoatlas.domain.cases import teaching_annotations

        annotations = teaching_annotations(reword, annotations)
    chosen = choose_series(folder, annotations)
    if chosen is None:
        return None
    series_dir, uid, on_series = chosen
    return QuizStudy(case_id, series_dir, uid, tuple(on_series))


def load_quiz_study(case, generate: bool = False) -> QuizStudy | None:
    """A library case's QuizStudy: from the cache, or generated first when ``generate``."""
    try:
        folder = study_folder(case, generate)
        if folder is None:
            return None
        return read_study(case.id, folder, reword=case)
    except AtlasError as exc:
        log.warning("images of case %s left out of the quiz: %s", case.id, exc)
        return None


def quiz_cases(cases: Iterable, studies: dict[str, QuizStudy]) -> list[CaseView]:
    """Library cases as quiz cases; those with a study get the image questions."""
    result = []
    for case in cases:
        study = studies.get(case.id)
        result.append(case_view(case, study.annotations if study else ()))
    return result
