"""Where the quiz finds a case's study: the phantom cache or the case's own DICOM folder.

Spot-the-lesion and find-every-lesion questions are asked on one series of a case's study, the
coronal STIR of the whole body where the generator made one: every lesion of a whole-body study
is on it, which is what the search for silent lesions needs. A case whose study is not at hand
(not generated yet, or without annotations) simply has no image questions; the diagnosis
question does not need them.

``LIBRARY_STUDIES`` is the ``StudySource`` (``cnoatlas.domain.quiz.images``) the quiz page asks;
it calls ``load(case, generate=True)`` from a worker thread, since making a study takes seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cnoatlas.domain.annotations import Annotation, load_annotations
from cnoatlas.domain.cases import Case, teaching_annotations
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.quiz.images import QuizStudy

log = logging.getLogger("cnoatlas.quiz")

# Series folders the quiz prefers, best first (the generator names folders NN_<sequence key>).
PREFERRED_SERIES = ("cor_stir", "stir")


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
    from cnoatlas.imaging.phantom.study import study_cache_path  # the generator: import on use

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
        from cnoatlas.library.study_cache import study_folder as cached_study

        return cached_study(case.generator_description())  # within the cache's size budget
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


class _LibraryStudies:
    """The case library as the quiz's ``StudySource``."""

    def is_available(self, case) -> bool:
        return is_available(case)

    def load(self, case, generate: bool = False) -> QuizStudy | None:
        return load_quiz_study(case, generate)


LIBRARY_STUDIES = _LibraryStudies()


# Series tab labels, in reading order, for the generator's sequences.
SERIES_LABELS = {
    "cor_stir_wb": "COR STIR",
    "cor_t1_wb": "COR T1",
    "dwi_wb": "DWI",
    "sag_stir_spine": "SAG spine",
    "sag_stir_feet": "SAG feet",
    "ax_stir_pelvis": "AX STIR pelvis",
    "ax_t1_pelvis": "AX T1 pelvis",
    "ax_stir_knees": "AX STIR knees",
    "ax_t1_knees": "AX T1 knees",
}


# --- a case's series, as the case page and the lecture slides show them ----------------------
@dataclass
class CaseImages:
    """A case's series (tab label -> Series, in tab order) and its teaching annotations."""

    case_id: str
    series: dict[str, object] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # tab label -> generator key
    annotations: list[Annotation] = field(default_factory=list)
    problem: str = ""


def case_images_cached(case: Case) -> bool:
    """Whether the case's images are ready to read (always, for a case with DICOM files)."""
    if case.series.generator is None:
        return True
    from cnoatlas.imaging.phantom.study import study_cache_path

    return (study_cache_path(case.generator_description()) / "annotations.json").is_file()


def case_image_folder(case: Case) -> Path:
    """The folder holding the case's DICOM series (generating a synthetic study if needed)."""
    if case.series.generator is not None:
        from cnoatlas.library.study_cache import study_folder

        return study_folder(case.generator_description())  # within the cache's size budget
    return case.folder / (case.series.dicom or "")


def _generate_progressively(case: Case, on_first: Callable[[CaseImages], None]) -> Path:
    """Generate the case's synthetic study, handing its first series to ``on_first`` (as a
    CaseImages with that one series) while the others are still being made."""
    from cnoatlas.imaging.phantom.study import cached_study_dir
    from cnoatlas.imaging.series import load_series

    sent = False

    def series_written(folder: Path) -> None:
        nonlocal sent
        if sent:
            return
        sent = True
        first = CaseImages(case.id)
        _label_series(first, load_series(folder).series)
        if first.series:
            on_first(first)

    return cached_study_dir(case.generator_description(), on_series=series_written)


def _label_series(images: CaseImages, series_list) -> None:
    by_name = {name.lower(): key for key, name in _generator_names().items()}
    found = []
    for series in series_list:
        key = by_name.get((series.description or "").lower(), "")
        label = SERIES_LABELS.get(key) or series.description or f"Series {len(found) + 1}"
        found.append((list(SERIES_LABELS).index(key) if key else 99, label, key, series))
    for _order, label, key, series in sorted(found, key=lambda item: item[0]):
        images.series[label] = series
        images.keys[label] = key


def read_case_series(case_id: str, locate: Callable[[], Path]) -> tuple[CaseImages, Path | None]:
    """The series in the folder ``locate()`` gives (it may make the study first), labelled for
    the tabs; the folder, or None with the problem said when it could not be read."""
    from cnoatlas.imaging.series import load_series

    images = CaseImages(case_id)
    try:
        folder = locate()
        result = load_series(folder)
    except AtlasError as exc:
        images.problem = str(exc)
        return images, None
    _label_series(images, result.series)
    if not images.series:
        images.problem = f"{folder}: no images found"
    return images, folder


def add_annotations(
    images: CaseImages, file: Path, word: Callable[[list[Annotation]], list[Annotation]]
) -> None:
    """Add the outlines of ``file`` (if there is one), worded by ``word``; a file that cannot be
    read is the images' problem."""
    if not file.is_file():
        return
    try:
        images.annotations += word(load_annotations(file))
    except AtlasError as exc:
        images.problem = str(exc)


def load_case_images(
    case: Case, on_first: Callable[[CaseImages], None] | None = None
) -> CaseImages:
    """Read every series of the case and its annotations (slow: call from a worker).

    ``on_first``: when the case's synthetic study is not cached yet, it is called with the
    first series (no annotations yet) as soon as that series is made, before the others are."""

    def locate() -> Path:
        if on_first is not None and not case_images_cached(case):
            return _generate_progressively(case, on_first)
        return case_image_folder(case)

    images, folder = read_case_series(case.id, locate)
    if folder is None:
        return images

    def word(annotations: list[Annotation]) -> list[Annotation]:
        return teaching_annotations(case, annotations)

    add_annotations(images, folder / "annotations.json", word)
    if case.series.generator is not None:  # a synthetic case's outlines from the case editor
        add_annotations(images, case.folder / "annotations.json", word)
    return images


def _generator_names() -> dict[str, str]:
    from cnoatlas.imaging.phantom.render import SEQUENCES

    return {key: spec[0] for key, spec in SEQUENCES.items()}
