"""The pictures on the case cards: which slice, from which images, and where they are kept.

A card shows the coronal STIR slice that holds most of the case's lesions. The atlas ships one
small PNG per case in assets/thumbnails/ (made by tools/build_thumbnails.py), named by a hash of
what the images are made from (the case's generator description, or its DICOM folder). A case
whose description changed, or one the user imported, has no shipped picture under that name: it is
made in the background, from a small rendering of the synthetic study (no DICOM is written, no
full-size study is generated) or from the case's own DICOM.

No Qt here: the pixels come back as a uint8 array; the UI scales and saves them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnoatlas import paths
from cnoatlas.domain.annotations import Annotation, load_annotations, parse_annotations
from cnoatlas.domain.cases import Case, annotation_area
from cnoatlas.domain.errors import AtlasError

# The coronal whole-body STIR is what a reader recognises a case by.
THUMB_SEQUENCE = "cor_stir_wb"
# Background thumbnails render the study at this fraction of full size: about half a second a
# case on one core, and still more pixels than the card shows.
SMALL_SCALE = 0.5


@dataclass
class ThumbPixels:
    pixels: np.ndarray  # uint8, rows x columns
    aspect: float  # height of a pixel over its width


def thumbnail_key(case: Case) -> str:
    """16 hex digits that change when the case's images would change (its description, or the
    generator's version: the same description gives other pixels after a generator change)."""
    from cnoatlas.imaging.phantom.version import GENERATOR_VERSION

    description = case.generator_description()
    source = (
        {"generator": GENERATOR_VERSION, **description}
        if description
        else {"dicom": str(case.folder / (case.series.dicom or ""))}
    )
    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:16]


def shipped_thumbnails_dir() -> Path:
    return paths.assets_dir() / "thumbnails"


def shipped_thumbnail(case: Case) -> Path:
    """Where the shipped picture for the case's current description is (it may not exist)."""
    return shipped_thumbnails_dir() / f"{case.id}-{thumbnail_key(case)}.png"


def cached_thumbnail(case: Case, size: tuple[int, int]) -> Path:
    """Where a picture made on this machine is kept."""
    name = f"{case.id}-{thumbnail_key(case)}-{size[0]}x{size[1]}.png"
    return paths.user_cache_dir() / "case-thumbnails" / name


def best_slice(annotations: list[Annotation], series_uid: str, count: int) -> int:
    """The slice that shows most of the case's lesions, else the middle one.

    The middle slice alone makes every synthetic case look alike; the lesion-bearing slice lets a
    reader tell the cards apart without giving the diagnosis away.
    """
    totals: dict[int, float] = {}
    for a in annotations:
        if a.series_uid == series_uid:
            totals[a.slice] = totals.get(a.slice, 0.0) + annotation_area(a)
    if not totals:
        return count // 2
    return max(totals, key=lambda k: (totals[k], -abs(k - count // 2)))


def _to_uint8(values: np.ndarray, center: float, width: float) -> np.ndarray:
    from cnoatlas.imaging.windowing import to_uint8

    return np.ascontiguousarray(to_uint8(values, center, width))


def synthetic_pixels(case: Case, scale: float = SMALL_SCALE) -> ThumbPixels:
    """The card's slice from an in-memory rendering of the case's synthetic study."""
    from cnoatlas.imaging.phantom import StudyDescription, generate_study

    gen = case.generator_description()
    if gen is None:
        raise AtlasError(f"{case.folder}: the case has no synthetic series")
    desc = StudyDescription.from_json(gen, case.folder / "case.json")
    if THUMB_SEQUENCE in desc.sequences:  # only the series the card shows
        desc = StudyDescription.from_json({**desc.to_json(), "sequences": [THUMB_SEQUENCE]})
    study = generate_study(desc, scale=scale)
    series = study.series[0]
    annotations = parse_annotations(study.annotations_json())
    k = best_slice(annotations, series.series_uid, series.pixels.shape[0])
    center, width = series.window
    row_mm, col_mm = series.pixel_spacing
    return ThumbPixels(_to_uint8(series.pixels[k], center, width), row_mm / col_mm)


def dicom_pixels(folder: Path) -> ThumbPixels:
    """The card's slice from a DICOM folder (an imported case, or a study on disk)."""
    from cnoatlas.imaging.series import load_series
    from cnoatlas.imaging.windowing import auto_window

    stir = sorted(folder.glob(f"*{THUMB_SEQUENCE}"))
    result = load_series(stir[0] if stir else folder)
    if not result.series:
        raise AtlasError(f"{folder}: no images for a thumbnail")
    series = result.series[0]
    try:
        annotations = load_annotations(folder / "annotations.json")
    except AtlasError:
        annotations = []
    values = series.modality_slice(best_slice(annotations, series.uid, len(series)))
    center, width = series.file_window() or auto_window(values)
    aspect = series.aspect if series.aspect > 0 else 1.0
    return ThumbPixels(_to_uint8(values, center, width), aspect)


def case_pixels(case: Case, scale: float = SMALL_SCALE) -> ThumbPixels:
    if case.series.generator is not None:
        return synthetic_pixels(case, scale)
    return dicom_pixels(case.folder / (case.series.dicom or ""))
