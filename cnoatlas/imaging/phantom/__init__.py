"""The synthetic paediatric whole-body MRI generator behind the teaching cases.

from cnoatlas.imaging.phantom import StudyDescription, generate_study, write_study
study = generate_study(StudyDescription.from_json(case["generator"]))
write_study(study, "out/")          # series folders + annotations.json
folder = cached_study_dir(desc)     # generated once per description, then reused
"""

from cnoatlas.imaging.phantom.lesions import KINDS, STATES, Lesion
from cnoatlas.imaging.phantom.render import SEQUENCES
from cnoatlas.imaging.phantom.study import (
    GENERATOR_VERSION,
    Series,
    Study,
    StudyDescription,
    cached_study_dir,
    generate_study,
    load_description,
    write_study,
)

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
