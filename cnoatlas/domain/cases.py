"""Teaching cases: one folder per case under cases/, each with a case.json read and checked here.

A broken case never stops the library from loading: ``load_library`` keeps the good cases and a
list of every problem found, each naming the file, the field and the reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnoatlas import paths
from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.datafile import read_json
from cnoatlas.domain.diagnoses import other_diagnoses
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.sites import SiteModel, site_model
from cnoatlas.domain.sources import bibliography
from cnoatlas.domain.study_vocabulary import (
    LESION_KINDS,
    LESION_OPTIONS,
    LESION_STATES,
    NORMAL_VARIANTS,
)

CASE_FILE = "case.json"

DIAGNOSES: dict[str, str] = {
    "cno": "Chronic nonbacterial osteomyelitis (CNO)",
    "bacterial-osteomyelitis": "Acute bacterial osteomyelitis",
    "brodie-abscess": "Brodie abscess",
    "spondylodiscitis": "Infective spondylodiscitis",
    "lch": "Langerhans cell histiocytosis",
    "ewing-sarcoma": "Ewing sarcoma",
    "osteosarcoma": "Osteosarcoma",
    "leukaemia": "Acute leukaemia",
    "lymphoma": "Lymphoma",
    "other": "Other diagnosis",
}


def diagnosis_name(diagnosis: str) -> str:
    """The label of a diagnosis id: a named one, or a sub-diagnosis of "other"."""
    sub = other_diagnoses().get(diagnosis)
    return sub.label if sub is not None else DIAGNOSES.get(diagnosis, diagnosis)

PATTERNS: dict[str, str] = {
    "tibio-appendicular-multifocal": "Tibio-appendicular multifocal",
    "claviculo-spinal-pauci-focal": "Claviculo-spinal pauci-focal",
    "tibio-clavicular-crossover": "Tibio-clavicular crossover",
    "unclassified": "Unclassified",
}
LAB_FLAGS = ("normal", "high", "low", "positive", "negative")  # the last two: qualitative tests
SEXES = {"F": "girl", "M": "boy"}
# Age bands for the browser filter: (id, label, lowest age, first age past the band).
AGE_BANDS: tuple[tuple[str, str, float, float], ...] = (
    ("under-5", "Under 5 years", 0.0, 5.0),
    ("5-9", "5 to 9 years", 5.0, 10.0),
    ("10-14", "10 to 14 years", 10.0, 15.0),
    ("15-plus", "15 years and over", 15.0, 200.0),
)

# The synthetic study description shared with the image generator (cnoatlas.imaging.phantom).
GENERATOR_SEQUENCES = (
    "cor_stir_wb", "cor_t1_wb", "dwi_wb", "sag_stir_spine", "sag_stir_feet",
    "ax_stir_pelvis", "ax_t1_pelvis", "ax_stir_knees", "ax_t1_knees",
)  # fmt: skip
GENERATOR_KINDS = LESION_KINDS
GENERATOR_STATES = LESION_STATES
GENERATOR_OPTIONS = LESION_OPTIONS

# A case lesion's state at this examination: the generator's states, and "new" (a lesion not
# seen on the earlier examination of a follow-up pair; the generator draws it as active).
CASE_LESION_STATES = (*LESION_STATES, "new")

_CASE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CASE_FIELDS = {
    "id",
    "title",
    "presenting_title",
    "synthetic",
    "patient",
    "presentation",
    "history",
    "labs",
    "series",
    "findings",
    "lesions",
    "diagnosis",
    "other_diagnosis",
    "pattern",
    "teaching_points",
    "differential_discussion",
    "outcome",
    "timepoints",
    "prior_studies",
    "references",
    "imported",
}
_OPTIONAL = {"timepoints", "pattern", "outcome", "imported", "other_diagnosis", "prior_studies"}
_REQUIRED = _CASE_FIELDS - _OPTIONAL
# An imported case (``"imported": true``, made by ``cnoatlas import``) starts with no lesions,
# findings or teaching yet, and may be an adult's study.
IMPORTED_MAX_AGE = 120
USER_CASES_FOLDER = "cases"  # under paths.user_data_dir(): the user's imported cases


def valid_case_id(text: str) -> bool:
    """Lowercase words (letters, digits) joined by dashes."""
    return bool(_CASE_ID.fullmatch(text))


def user_cases_dir() -> Path:
    """Where imported cases live (one folder per case), in the user's data folder."""
    return paths.user_data_dir() / USER_CASES_FOLDER


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file."""

    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.field}: {self.reason}"
            if self.field
            else f"{self.file}: {self.reason}"
        )


@dataclass(frozen=True)
class Patient:
    age_years: float
    sex: str  # "F" or "M"


@dataclass(frozen=True)
class Lab:
    name: str
    value: float | str  # a text for qualitative tests ("positive", "blasts seen")
    unit: str  # "" for qualitative tests
    flag: str  # normal, high, low, positive or negative

    @property
    def value_text(self) -> str:
        value = self.value if isinstance(self.value, str) else f"{self.value:g}"
        return f"{value} {self.unit}".strip()

    @property
    def abnormal(self) -> bool:
        return self.flag in ("high", "low", "positive")


@dataclass(frozen=True)
class Lesion:
    id: str  # matches the generator lesion id, so image annotations link to it
    site_id: str
    description: str
    silent: bool  # no symptoms at this site: found by imaging
    annotation: str | None = None  # short on-image label
    state: str | None = None  # one of CASE_LESION_STATES; None: not said (an active lesion)


@dataclass(frozen=True)
class CitedText:
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DifferentialNote:
    diagnosis: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Timepoints:
    baseline_of: str | None = None  # this case is the baseline of that follow-up case
    follow_up_of: str | None = None  # this case is the follow-up of that baseline case
    interval_months: float | None = None


@dataclass(frozen=True)
class PriorStudy:
    """An earlier study of the same child, before the case's own (the case's timeline)."""

    months_before: float  # before the case's study
    study: str  # what was imaged ("MRI of the left foot")
    finding: str  # what it showed and how it was read then
    site_ids: tuple[str, ...] = ()  # where (leaf sites); today's lesion there, if any, links


@dataclass(frozen=True)
class SeriesSource:
    generator: dict[str, Any] | None = None  # the study description for the image generator
    dicom: str | None = None  # a folder relative to the case folder

    @property
    def sequences(self) -> tuple[str, ...]:
        return tuple(self.generator.get("sequences", ())) if self.generator else ()


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    presenting_title: str
    synthetic: bool
    patient: Patient
    presentation: str
    history: str
    labs: tuple[Lab, ...]
    series: SeriesSource
    findings: tuple[str, ...]
    lesions: tuple[Lesion, ...]
    diagnosis: str
    pattern: str | None
    teaching_points: tuple[CitedText, ...]
    differential_discussion: tuple[DifferentialNote, ...]
    outcome: str | None  # how the diagnosis was confirmed; shown with the diagnosis
    timepoints: Timepoints
    references: tuple[str, ...]
    folder: Path = field(compare=False)
    imported: bool = False  # made by `cnoatlas import` from de-identified DICOM
    # with diagnosis "other": the named diagnosis (assets/other_diagnoses.json)
    other_diagnosis: str | None = None
    prior_studies: tuple[PriorStudy, ...] = ()  # oldest first

    @property
    def specific_diagnosis(self) -> str:
        """The most specific diagnosis id: the sub-diagnosis of an "other" case, else the
        diagnosis (what the quiz asks for)."""
        return self.other_diagnosis or self.diagnosis

    @property
    def diagnosis_label(self) -> str:
        return diagnosis_name(self.specific_diagnosis)

    @property
    def pattern_label(self) -> str | None:
        return PATTERNS.get(self.pattern) if self.pattern else None

    @property
    def site_ids(self) -> tuple[str, ...]:
        """The lesion sites, in lesion order, without repeats."""
        return tuple(dict.fromkeys(lesion.site_id for lesion in self.lesions))

    @property
    def age_band(self) -> str:
        return age_band(self.patient.age_years)

    def lesion(self, lesion_id: str) -> Lesion | None:
        return next((lesion for lesion in self.lesions if lesion.id == lesion_id), None)

    def lesions_at(self, site_id: str, model: SiteModel | None = None) -> tuple[Lesion, ...]:
        """The lesions lying in a site or group."""
        model = model or site_model()
        if not model.is_known(site_id):
            return ()
        leaves = model.expand(site_id)
        return tuple(lesion for lesion in self.lesions if lesion.site_id in leaves)

    def generator_description(self) -> dict[str, Any] | None:
        """The image generator's study description, named after the case."""
        if self.series.generator is None:
            return None
        return {**self.series.generator, "case_id": self.id}

    def display_title(self, hide_diagnosis: bool) -> str:
        return self.presenting_title if hide_diagnosis else self.title

    def cited_sources(self) -> tuple[str, ...]:
        """Every source id the case cites, in first-use order."""
        ids: list[str] = []
        for item in (*self.teaching_points, *self.differential_discussion):
            ids.extend(item.sources)
        ids.extend(self.references)
        return tuple(dict.fromkeys(ids))

    def search_text(self, hide_diagnosis: bool = False) -> str:
        """All the words a search may match; with the diagnosis hidden, only the presentation."""
        model = site_model()
        parts = [self.presenting_title, self.presentation, self.history]
        parts += [lab.name for lab in self.labs]
        if not hide_diagnosis:
            parts += [self.title, self.diagnosis, self.diagnosis_label, self.pattern_label or ""]
            parts.append(self.other_diagnosis or "")
            parts += list(self.findings)
            for lesion in self.lesions:
                parts += [lesion.description, lesion.site_id, lesion.annotation or ""]
                if model.is_known(lesion.site_id):
                    parts.append(model.name(lesion.site_id))
            parts += [p.text for p in self.teaching_points]
            parts += [d.text for d in self.differential_discussion]
            parts.append(self.outcome or "")
        return " ".join(parts).lower()

    def as_contract(self) -> dict[str, Any]:
        """The shape `cnoatlas cases list --json` prints."""
        return {
            "id": self.id,
            "title": self.title,
            "diagnosis": self.diagnosis,
            "synthetic": self.synthetic,
            "age_years": self.patient.age_years,
            "sex": self.patient.sex,
            "site_ids": list(self.site_ids),
            "pattern": self.pattern,
        }


def age_band(age_years: float) -> str:
    for band_id, _label, low, high in AGE_BANDS:
        if low <= age_years < high:
            return band_id
    return AGE_BANDS[-1][0]


# --- reading and checking -----------------------------------------------------------------
def display_path(path: Path) -> str:
    """A path as a user would type it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


class _Checker:
    """Collects every problem of one case file instead of stopping at the first."""

    def __init__(self, path: Path, model: SiteModel, sources: Iterable[str]) -> None:
        self.file = display_path(path)
        self.model = model
        self.sources = frozenset(sources)
        self.problems: list[Problem] = []

    def add(self, where: str, reason: str) -> None:
        # Field names and values come from the file: control characters (a newline in a key)
        # are escaped so that every problem stays one line.
        self.problems.append(Problem(self.file, _one_line(where), _one_line(reason)))

    def text(self, raw: dict, key: str, where: str, required: bool = True) -> str | None:
        if key not in raw:  # a missing required field is reported once, by obj()
            return None
        value = raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where}{key}", "must be a non-empty text")
            return None
        return value.strip()

    def boolean(self, raw: dict, key: str, where: str) -> bool | None:
        if key not in raw:
            return None
        value = raw.get(key)
        if not isinstance(value, bool):
            self.add(f"{where}{key}", "must be true or false")
            return None
        return value

    def number(self, raw: dict, key: str, where: str, low: float, high: float) -> float | None:
        if key not in raw:
            return None
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(f"{where}{key}", "must be a number")
            return None
        if not low <= value <= high:
            self.add(f"{where}{key}", f"must be between {low:g} and {high:g}")
            return None
        return value

    def obj(self, value: Any, where: str, allowed: Iterable[str], required: Iterable[str]) -> bool:
        if not isinstance(value, dict):
            self.add(where, "must be an object")
            return False
        prefix = f"{where}." if where else ""
        for key in sorted(set(value) - set(allowed)):
            self.add(f"{prefix}{key}", "is not a known field")
        for key in sorted(set(required) - set(value)):
            self.add(f"{prefix}{key}", "is missing")
        return True

    def items(self, raw: dict, key: str, min_items: int = 0) -> list:
        value = raw.get(key)
        if not isinstance(value, list):
            if key in raw:
                self.add(key, "must be a list")
            return []
        if len(value) < min_items:
            self.add(key, f"needs at least {min_items} item{'s' if min_items > 1 else ''}")
        return value

    def source_ids(self, value: Any, where: str, required: bool = True) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            self.add(where, "must be a list of source ids")
            return ()
        if required and not value:
            self.add(where, "needs at least one source id (every fact is cited)")
        for index, source in enumerate(value):
            if source not in self.sources:
                self.add(
                    f"{where}[{index}]", f"unknown source '{source}' (see assets/sources.json)"
                )
        return tuple(value)

    def site(self, value: Any, where: str) -> str | None:
        if not isinstance(value, str):
            self.add(where, "must be a site id")
            return None
        if value not in self.model.sites:
            reason = (
                f"'{value}' is a group; name one site"
                if self.model.is_known(value)
                else f"unknown site '{value}'"
            )
            self.add(where, reason)
            return None
        return value

    def diagnosis(self, value: Any, where: str, sub: bool = False) -> str | None:
        """A diagnosis id; with ``sub``, a sub-diagnosis of "other" is accepted too."""
        if isinstance(value, str) and (value in DIAGNOSES or (sub and value in other_diagnoses())):
            return value
        known = [*DIAGNOSES, *(other_diagnoses() if sub else ())]
        self.add(where, f"unknown diagnosis {value!r} (one of: {', '.join(known)})")
        return None


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _check_generator(c: _Checker, gen: Any, where: str, patient: Patient | None) -> None:
    fields = ("age_years", "sex", "seed", "sequences", "lesions")
    if not c.obj(gen, where, (*fields, "variants"), fields):  # case_id comes from the case
        return
    variants = gen.get("variants", [])
    if not isinstance(variants, list) or any(v not in NORMAL_VARIANTS for v in variants):
        c.add(f"{where}.variants", f"must be a list of: {', '.join(NORMAL_VARIANTS)}")
    age = c.number(gen, "age_years", f"{where}.", 3, 16)  # the generator's body models
    if patient and age is not None and age != patient.age_years:
        c.add(f"{where}.age_years", f"{age:g} differs from patient.age_years {patient.age_years:g}")
    if gen.get("sex") not in SEXES:
        c.add(f"{where}.sex", "must be 'F' or 'M'")
    elif patient and gen["sex"] != patient.sex:
        c.add(f"{where}.sex", f"'{gen['sex']}' differs from patient.sex '{patient.sex}'")
    if isinstance(gen.get("seed"), bool) or not isinstance(gen.get("seed"), int):
        c.add(f"{where}.seed", "must be a whole number")
    sequences = gen.get("sequences")
    if not isinstance(sequences, list) or not sequences:
        c.add(f"{where}.sequences", "must be a non-empty list")
    else:
        for index, name in enumerate(sequences):
            if name not in GENERATOR_SEQUENCES:
                c.add(
                    f"{where}.sequences[{index}]",
                    f"unknown sequence {name!r} (one of: {', '.join(GENERATOR_SEQUENCES)})",
                )
        if sequences and sequences[0] != "cor_stir_wb" and "cor_stir_wb" not in sequences:
            c.add(f"{where}.sequences", "must include cor_stir_wb (the thumbnail and first view)")
    lesions = gen.get("lesions")
    if not isinstance(lesions, list):
        c.add(f"{where}.lesions", "must be a list")
        return
    lesion_fields = ("id", "site_id", "kind", "size_mm", "intensity", "options", "state")
    for index, lesion in enumerate(lesions):
        at = f"{where}.lesions[{index}]"
        if not c.obj(lesion, at, lesion_fields, ("id", "site_id", "kind", "size_mm", "state")):
            continue
        c.text(lesion, "id", f"{at}.")
        c.site(lesion.get("site_id"), f"{at}.site_id")
        if lesion.get("kind") not in GENERATOR_KINDS:
            c.add(f"{at}.kind", f"unknown kind {lesion.get('kind')!r}")
        if lesion.get("state") not in GENERATOR_STATES:
            c.add(f"{at}.state", f"unknown state {lesion.get('state')!r}")
        c.number(lesion, "size_mm", f"{at}.", 3, 200)
        if "intensity" in lesion:
            c.number(lesion, "intensity", f"{at}.", 0, 1)
        options = lesion.get("options", {})
        if c.obj(options, f"{at}.options", GENERATOR_OPTIONS, ()):
            for key, kind in GENERATOR_OPTIONS.items():
                if key not in options:
                    continue
                value = options[key]
                if kind is bool and not isinstance(value, bool):
                    c.add(f"{at}.options.{key}", "must be true or false")
                elif kind is float:
                    c.number(options, key, f"{at}.options.", 0, 0.9)


def _parse(c: _Checker, raw: Any, folder: Path, ready: bool = False) -> Case | None:
    if not c.obj(raw, "", _CASE_FIELDS, _REQUIRED):
        return None
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not _CASE_ID.fullmatch(case_id):
        c.add("id", "must be lowercase words joined by dashes")
    elif case_id != folder.name:
        c.add("id", f"'{case_id}' must equal the folder name '{folder.name}'")
    title = c.text(raw, "title", "")
    presenting = c.text(raw, "presenting_title", "")
    synthetic = c.boolean(raw, "synthetic", "")
    presentation = c.text(raw, "presentation", "")
    history = c.text(raw, "history", "")
    imported = c.boolean(raw, "imported", "") is True
    if imported and synthetic is True:
        c.add("imported", "an imported case is not synthetic: set synthetic false")
    # An imported case is filled in later: lists may start empty (unless it is being marked
    # ready in the case editor: then it needs what every teaching case has).
    least = 0 if imported and not ready else 1

    patient = None
    if c.obj(raw.get("patient"), "patient", ("age_years", "sex"), ("age_years", "sex")):
        top_age = IMPORTED_MAX_AGE if imported else 18
        age = c.number(raw["patient"], "age_years", "patient.", 0, top_age)
        sex = raw["patient"].get("sex")
        if sex not in SEXES:
            c.add("patient.sex", "must be 'F' or 'M'")
        elif age is not None:
            patient = Patient(age, sex)

    labs = []
    for index, lab in enumerate(c.items(raw, "labs")):
        at = f"labs[{index}]"
        keys = ("name", "value", "unit", "flag")
        if not c.obj(lab, at, keys, keys):
            continue
        name = c.text(lab, "name", f"{at}.")
        unit = lab.get("unit")
        if "unit" in lab and not isinstance(unit, str):
            c.add(f"{at}.unit", "must be a text (empty for a qualitative test)")
        if isinstance(lab.get("value"), str):
            value = c.text(lab, "value", f"{at}.")
        else:
            value = c.number(lab, "value", f"{at}.", 0, 100000)
        if lab.get("flag") not in LAB_FLAGS:
            c.add(f"{at}.flag", f"must be one of: {', '.join(LAB_FLAGS)}")
        elif name and isinstance(unit, str) and value is not None:
            labs.append(Lab(name, value, unit, lab["flag"]))

    series = None
    raw_series = raw.get("series")
    if c.obj(raw_series, "series", ("generator", "dicom"), ()):
        if ("generator" in raw_series) == ("dicom" in raw_series):
            c.add("series", "needs exactly one of 'generator' or 'dicom'")
        elif "generator" in raw_series:
            _check_generator(c, raw_series["generator"], "series.generator", patient)
            series = SeriesSource(generator=raw_series["generator"])
        else:
            rel = raw_series["dicom"]
            if not isinstance(rel, str) or not rel.strip() or Path(rel).is_absolute():
                c.add("series.dicom", "must be a folder path relative to the case folder")
            elif not (folder / rel).is_dir():
                c.add("series.dicom", f"folder '{rel}' not found in {folder.name}/")
            else:
                series = SeriesSource(dicom=rel)
    if synthetic is True and series is not None and series.generator is None:
        c.add("synthetic", "a synthetic case must use a 'generator' series")
    if synthetic is False and series is not None and series.generator is not None:
        c.add("synthetic", "a case with a generator series is synthetic: set true")

    findings = []
    for index, text in enumerate(c.items(raw, "findings", least)):
        if not isinstance(text, str) or not text.strip():
            c.add(f"findings[{index}]", "must be a non-empty text")
        else:
            findings.append(text.strip())

    lesions: list[Lesion] = []
    seen: set[str] = set()
    for index, lesion in enumerate(c.items(raw, "lesions", least)):
        at = f"lesions[{index}]"
        keys = ("id", "site_id", "description", "silent", "annotation", "state")
        if not c.obj(lesion, at, keys, ("id", "site_id", "description", "silent")):
            continue
        lesion_id = c.text(lesion, "id", f"{at}.")
        if lesion_id in seen:
            c.add(f"{at}.id", f"duplicate lesion id '{lesion_id}'")
        seen.add(lesion_id or "")
        site = c.site(lesion.get("site_id"), f"{at}.site_id")
        description = c.text(lesion, "description", f"{at}.")
        silent = c.boolean(lesion, "silent", f"{at}.")
        label = c.text(lesion, "annotation", f"{at}.", required=False)
        state = lesion.get("state")
        if state is not None and state not in CASE_LESION_STATES:
            c.add(f"{at}.state", f"must be one of: {', '.join(CASE_LESION_STATES)}")
            state = None
        if lesion_id and site and description and silent is not None:
            lesions.append(Lesion(lesion_id, site, description, silent, label, state))
    if series is not None and series.generator is not None:
        generated = [
            g.get("id") for g in series.generator.get("lesions", []) if isinstance(g, dict)
        ]
        for index, lesion in enumerate(raw.get("lesions") or []):
            if isinstance(lesion, dict) and lesion.get("id") not in generated:
                c.add(f"lesions[{index}].id", f"'{lesion.get('id')}' has no generator lesion")
        for index, gen_id in enumerate(generated):
            if gen_id not in seen:
                c.add(f"series.generator.lesions[{index}].id", f"'{gen_id}' is not a case lesion")

    diagnosis = c.diagnosis(raw.get("diagnosis"), "diagnosis")
    other = raw.get("other_diagnosis")
    if diagnosis == "other" and other is None and not imported:
        c.add("other_diagnosis", f"an 'other' case names its diagnosis (one of: "
              f"{', '.join(other_diagnoses())}; see assets/other_diagnoses.json)")  # fmt: skip
    elif other is not None and diagnosis is not None and diagnosis != "other":
        c.add("other_diagnosis", "only a case with diagnosis 'other' has one: leave it out")
        other = None
    elif other is not None and other not in other_diagnoses():
        c.add("other_diagnosis", f"unknown diagnosis {other!r} (one of: "
              f"{', '.join(other_diagnoses())}; see assets/other_diagnoses.json)")  # fmt: skip
        other = None
    pattern = raw.get("pattern")
    if diagnosis == "cno":
        if pattern not in PATTERNS:
            c.add("pattern", f"a CNO case needs a pattern (one of: {', '.join(PATTERNS)})")
    elif diagnosis is not None and pattern is not None:
        c.add("pattern", "only CNO cases have a lesion pattern: use null")

    points = []
    for index, point in enumerate(c.items(raw, "teaching_points", least)):
        at = f"teaching_points[{index}]"
        if c.obj(point, at, ("text", "sources"), ("text", "sources")):
            text = c.text(point, "text", f"{at}.")
            sources = c.source_ids(point.get("sources"), f"{at}.sources")
            if text:
                points.append(CitedText(text, sources))

    notes = []
    for index, note in enumerate(c.items(raw, "differential_discussion", least)):
        at = f"differential_discussion[{index}]"
        keys = ("diagnosis", "text", "sources")
        if c.obj(note, at, keys, keys):
            dx = c.diagnosis(note.get("diagnosis"), f"{at}.diagnosis", sub=True)
            text = c.text(note, "text", f"{at}.")
            sources = c.source_ids(note.get("sources"), f"{at}.sources")
            if dx and text:
                notes.append(DifferentialNote(dx, text, sources))

    outcome = c.text(raw, "outcome", "", required=False)
    timepoints = Timepoints()
    raw_tp = raw.get("timepoints")
    if raw_tp is not None:
        keys = ("baseline_of", "follow_up_of", "interval_months")
        if c.obj(raw_tp, "timepoints", keys, ("interval_months",)):
            links = {k: raw_tp.get(k) for k in ("baseline_of", "follow_up_of")}
            if sum(v is not None for v in links.values()) != 1:
                c.add("timepoints", "needs exactly one of 'baseline_of' or 'follow_up_of'")
            for key, value in links.items():
                if value is not None and (not isinstance(value, str) or value == case_id):
                    c.add(f"timepoints.{key}", "must be the id of another case")
            interval = c.number(raw_tp, "interval_months", "timepoints.", 0, 240)
            timepoints = Timepoints(links["baseline_of"], links["follow_up_of"], interval)

    priors: list[PriorStudy] = []
    for index, prior in enumerate(c.items(raw, "prior_studies")):
        at = f"prior_studies[{index}]"
        keys = ("months_before", "study", "finding", "site_ids")
        if not c.obj(prior, at, keys, ("months_before", "study", "finding")):
            continue
        months = c.number(prior, "months_before", f"{at}.", 0.5, 240)
        study = c.text(prior, "study", f"{at}.")
        finding = c.text(prior, "finding", f"{at}.")
        sites = prior.get("site_ids", [])
        if not isinstance(sites, list):
            c.add(f"{at}.site_ids", "must be a list of site ids")
            sites = []
        checked = [c.site(site, f"{at}.site_ids[{k}]") for k, site in enumerate(sites)]
        if months is not None and study and finding and None not in checked:
            priors.append(PriorStudy(months, study, finding, tuple(checked)))
    priors.sort(key=lambda p: -p.months_before)

    references = (
        c.source_ids(raw.get("references"), "references", required=ready or not imported)
        if "references" in raw
        else ()
    )

    if c.problems or None in (title, presenting, synthetic, presentation, history, patient):
        return None
    return Case(
        id=case_id,
        title=title,
        presenting_title=presenting,
        synthetic=synthetic,
        patient=patient,
        presentation=presentation,
        history=history,
        labs=tuple(labs),
        series=series,
        findings=tuple(findings),
        lesions=tuple(lesions),
        diagnosis=diagnosis,
        pattern=pattern,
        teaching_points=tuple(points),
        differential_discussion=tuple(notes),
        outcome=outcome,
        timepoints=timepoints,
        references=references,
        folder=folder,
        imported=imported,
        other_diagnosis=other,
        prior_studies=tuple(priors),
    )


def check_case(folder: Path, model: SiteModel | None = None) -> tuple[Case | None, list[Problem]]:
    """Read one case folder: the case (None when anything is wrong) and every problem found."""
    path = folder / CASE_FILE
    checker = _Checker(path, model or site_model(), bibliography())
    if not path.is_file():
        checker.add("", f"file not found (every case folder holds a {CASE_FILE})")
        return None, checker.problems
    try:
        raw = read_json(path)
    except DataFileError as exc:
        checker.add(exc.field, exc.problem)
        return None, checker.problems
    case = _parse(checker, raw, folder)
    return case, checker.problems


def check_case_data(
    raw: Any, folder: Path, model: SiteModel | None = None, ready: bool = False
) -> tuple[Case | None, list[Problem]]:
    """The same checks as ``check_case`` on a case.json not written yet (the case editor's).

    ``folder`` is where the case will live (its name is the case id). ``ready``: an imported
    case must then have what every teaching case has (findings, lesions, teaching, sources).
    """
    checker = _Checker(folder / CASE_FILE, model or site_model(), bibliography())
    case = _parse(checker, raw, folder, ready=ready)
    return case, checker.problems


def load_case(folder: Path) -> Case:
    """One case; DataFileError (file, field, reason) for its first problem."""
    case, problems = check_case(folder)
    if problems:
        first = problems[0]
        raise DataFileError(first.file, first.field, first.reason)
    assert case is not None
    return case


# --- the library --------------------------------------------------------------------------
@dataclass
class CaseFilter:
    """What the browser narrows the library to; None means any."""

    diagnosis: str | None = None
    site_group: str | None = None  # a site or group id
    age_band: str | None = None
    pattern: str | None = None
    synthetic: bool | None = None
    text: str = ""
    hide_diagnosis: bool = False  # quiz mode: search only what a candidate may see


class CaseLibrary:
    """The loaded cases (by id, in folder order) and the problems of those that did not load."""

    def __init__(self, cases: Iterable[Case] = (), problems: Iterable[Problem] = ()) -> None:
        self.cases: dict[str, Case] = {case.id: case for case in cases}
        self.problems: list[Problem] = list(problems)

    def __len__(self) -> int:
        return len(self.cases)

    def __iter__(self):
        return iter(self.cases.values())

    def __contains__(self, case_id: object) -> bool:
        return case_id in self.cases

    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def problems_of(self, case_id: str) -> list[Problem]:
        """The problems that kept the case with this id (its folder's name) out of the library."""
        return [p for p in self.problems if case_id and Path(p.file).parent.name == case_id]

    def why_missing(self, case_id: str) -> str:
        """One line on why ``case_id`` is not in the library: unknown, or not valid and why."""
        problems = self.problems_of(case_id)
        if not problems:
            return f"unknown case '{case_id}' (see 'cnoatlas cases list')"
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        folder = Path(problems[0].file).parent
        return (
            f"case '{case_id}' is not valid: {problems[0]}{more} "
            f"('cnoatlas cases validate {folder}' lists them)"
        )

    def search(self, query: str, hide_diagnosis: bool = False) -> list[Case]:
        """Cases whose text holds every word of the query (any order, any case)."""
        words = query.lower().split()
        return [c for c in self if all(w in c.search_text(hide_diagnosis) for w in words)]

    def filter(self, spec: CaseFilter) -> list[Case]:
        model = site_model()
        leaves = (
            model.expand(spec.site_group)
            if spec.site_group and model.is_known(spec.site_group)
            else None
        )
        result = []
        for case in self.search(spec.text, spec.hide_diagnosis):
            if spec.diagnosis and case.diagnosis != spec.diagnosis:
                continue
            if spec.pattern and case.pattern != spec.pattern:
                continue
            if spec.age_band and case.age_band != spec.age_band:
                continue
            if spec.synthetic is not None and case.synthetic != spec.synthetic:
                continue
            if spec.site_group and (leaves is None or not leaves & set(case.site_ids)):
                continue
            result.append(case)
        return result

    def cases_at(self, site_id: str) -> list[tuple[Case, Lesion]]:
        """Each case with a lesion in this site or group, with its first lesion there."""
        model = site_model()
        hits = []
        for case in self:
            lesions = case.lesions_at(site_id, model)
            if lesions:
                hits.append((case, lesions[0]))
        return hits

    def site_groups(self) -> list[tuple[str, str]]:
        """(group id, name) of the whole bones or regions the cases' lesions lie in."""
        model = site_model()
        groups: dict[str, str] = {}
        for case in self:
            for site_id in case.site_ids:
                root = (model.ancestors(site_id) or (site_id,))[-1]
                groups[root] = model.name(root)
        return sorted(groups.items(), key=lambda item: item[1].lower())

    def diagnoses(self) -> list[str]:
        present = {case.diagnosis for case in self}
        return [d for d in DIAGNOSES if d in present]

    def linked(self, case: Case) -> Case | None:
        """The other timepoint of a baseline / follow-up pair."""
        other = case.timepoints.baseline_of or case.timepoints.follow_up_of
        return self.cases.get(other) if other else None


def _check_links(cases: list[Case]) -> list[Problem]:
    by_id = {case.id: case for case in cases}
    problems = []
    for case in cases:
        file = display_path(case.folder / CASE_FILE)
        for key, back in (("baseline_of", "follow_up_of"), ("follow_up_of", "baseline_of")):
            other_id = getattr(case.timepoints, key)
            if other_id is None:
                continue
            other = by_id.get(other_id)
            if other is None:
                problems.append(Problem(file, f"timepoints.{key}", f"unknown case '{other_id}'"))
            elif getattr(other.timepoints, back) != case.id:
                problems.append(
                    Problem(file, f"timepoints.{key}", f"'{other_id}' does not link back ({back})")
                )
    return problems


def case_folders(path: Path) -> list[Path]:
    """A case folder itself, or every case folder inside a library folder (sorted by name)."""
    if (path / CASE_FILE).is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_library(root: Path | None = None) -> CaseLibrary:
    """Every case under ``root``; broken ones go to ``problems``.

    By default: the shipped cases/ and then the user's imported cases (user_cases_dir()),
    which are marked ``imported`` and may not reuse a shipped case's id.
    """
    roots = [root] if root is not None else [paths.cases_dir(), user_cases_dir()]
    if not roots[0].is_dir():
        return CaseLibrary(problems=[Problem(display_path(roots[0]), "", "case folder not found")])
    model = site_model()
    cases, problems = [], []
    for number, folder_root in enumerate(roots):
        user = number > 0
        if user and not folder_root.is_dir():
            continue
        for folder in case_folders(folder_root):
            case, found = check_case(folder, model)
            problems += found
            if case is None:
                continue
            if user and any(c.id == case.id for c in cases):
                file = display_path(folder / CASE_FILE)
                problems.append(Problem(file, "id", f"'{case.id}' is a shipped case's id"))
                continue
            cases.append(replace(case, imported=True) if user else case)
    problems += _check_links(cases)
    return CaseLibrary(cases, problems)


def validate_path(path: Path) -> tuple[int, list[Problem]]:
    """Check a case folder or a whole library: (cases checked, every problem found).

    A single case's links to other cases are checked against the library it sits in.
    """
    if not path.exists():
        return 0, [Problem(display_path(path), "", "no such file or folder")]
    if path.is_file() and path.name == CASE_FILE:
        path = path.parent
    if (path / CASE_FILE).is_file():
        file = display_path(path / CASE_FILE)
        library = load_library(path.parent)
        return 1, [p for p in library.problems if p.file == file]
    library = load_library(path)
    folders = case_folders(path)
    if not folders:
        return 0, [Problem(display_path(path), "", f"no case folders (each holds a {CASE_FILE})")]
    return len(folders), library.problems


_LIBRARY: CaseLibrary | None = None


def case_library(reload: bool = False) -> CaseLibrary:
    """The shipped library, read once (``reload`` reads cases/ again)."""
    global _LIBRARY
    if _LIBRARY is None or reload:
        _LIBRARY = load_library()
    return _LIBRARY


# --- images ----------------------------------------------------------------------------------
def annotation_area(annotation: Annotation) -> float:
    """The area of an outline in square pixels (0 for arrows and text)."""
    g = annotation.geometry
    if annotation.kind == "ellipse":
        return 3.14159 * float(g["radii"][0]) * float(g["radii"][1])
    if annotation.kind == "polygon":
        pts = g["points"]
        return 0.5 * abs(
            sum(
                pts[i][0] * pts[(i + 1) % len(pts)][1] - pts[(i + 1) % len(pts)][0] * pts[i][1]
                for i in range(len(pts))
            )
        )
    return 0.0


def lesion_slices(annotations: Iterable[Annotation]) -> dict[tuple[str, str], int]:
    """For each (series uid, lesion id): the slice where the lesion's outline is largest."""
    best: dict[tuple[str, str], tuple[float, int]] = {}
    for a in annotations:
        key = (a.series_uid, a.lesion_id)
        area = annotation_area(a)
        if key not in best or area > best[key][0]:
            best[key] = (area, a.slice)
    return {key: value[1] for key, value in best.items()}


def teaching_annotations(case: Case, annotations: Iterable[Annotation]) -> list[Annotation]:
    """The study's annotations worded by the case: a finding label and the lesion's description.

    The generator labels a shape by lesion kind ("Ewing"); the label says where the lesion is and
    what it shows instead (``finding_label``), so it gives no diagnosis away before its reveal.
    """
    from cnoatlas.domain.finding_words import finding_label

    model = site_model()
    result = []
    for a in annotations:
        lesion = case.lesion(a.lesion_id)
        if lesion is None:
            result.append(a)
            continue
        site = model.name(lesion.site_id) if model.is_known(lesion.site_id) else ""
        label = finding_label(
            site,
            a.label,
            lesion.silent,
            smaller=a.finding.startswith("smaller"),
            case_note=lesion.annotation or "",
        )
        result.append(replace(a, label=label, finding=lesion.description))
    return result
