"""The synthetic paediatric whole-body MRI generator behind the teaching cases.

from cnoatlas.imaging.phantom import StudyDescription, generate_study, write_study
study = generate_study(StudyDescription.from_json(case["generator"]))
write_study(study, "out/")          # series folders + annotations.json
folder = cached_study_dir(desc)     # generated once per description, then reused
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from cnoatlas.imaging.phantom.version import GENERATOR_VERSION

if TYPE_CHECKING:
    from cnoatlas.imaging.phantom.lesions import KINDS, STATES, Lesion
    from cnoatlas.imaging.phantom.render import SEQUENCES
    from cnoatlas.imaging.phantom.study import (
        Series,
        Study,
        StudyDescription,
        cached_study_dir,
        generate_study,
        load_description,
        write_study,
    )

# The generator's modules (numpy) load on first use, so that `phantom.version` is light.
_WHERE = {
    "KINDS": "lesions",
    "STATES": "lesions",
    "Lesion": "lesions",
    "SEQUENCES": "render",
    "Series": "study",
    "Study": "study",
    "StudyDescription": "study",
    "cached_study_dir": "study",
    "generate_study": "study",
    "load_description": "study",
    "write_study": "study",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "GENERATOR_VERSION",
    "KINDS",
    "SEQUENCES",
    "STATES",
    "Lesion",
    "Series",
    "Study",
    "StudyDescription",
    "cached_study_dir",
    "generate_study",
    "load_description",
    "write_study",
]
