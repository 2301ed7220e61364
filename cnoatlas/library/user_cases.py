"""Importing the user's own DICOM images as a case: a de-identified copy and a report.

``import_dicom(path, case_id, …)`` reads a folder, zip or DICOMDIR (the series engine's
``find_sources``), de-identifies every image it can (``cnoatlas.imaging.deidentify``), refuses
images that may carry identifiers in their pixels, and writes, all at once::

    user_cases_dir()/<case-id>/case.json                    (a minimal, valid imported case)
    user_cases_dir()/<case-id>/deidentification-report.json (what was removed; no old values)
    user_cases_dir()/<case-id>/dicom/series-01/IM00001.dcm   (one folder per series)

Everything is first written to a hidden folder beside it, checked, then renamed into place:
a failure or a cancel leaves nothing half-imported. No patient identifier reaches the case
folder, the report or a message: files are named by their position, not their name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import threading
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnoatlas import paths
from cnoatlas.domain.cases import (
    CASE_FILE,
    DIAGNOSES,
    SEXES,
    check_case,
    user_cases_dir,
    valid_case_id,
)
from cnoatlas.domain.errors import AtlasError

log = logging.getLogger("cnoatlas.import")
REPORT_FILE = "deidentification-report.json"
DICOM_FOLDER = "dicom"
_STAGING = ".importing"  # hidden: the library skips folders starting with a dot

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    case_id: str
    folder: Path
    report: dict[str, Any]  # the JSON written to deidentification-report.json
    lines: tuple[str, ...]  # the report as text


class ImportCancelled(AtlasError):
    """The user stopped the import; nothing was written."""


def check_new_case_id(case_id: str) -> None:
    """AtlasError when ``case_id`` is malformed or already used (shipped or imported)."""
    if not valid_case_id(case_id or ""):
        raise AtlasError(
            f"--case-id '{case_id}': must be lowercase words or digits joined by dashes "
            "(e.g. my-clavicle-case)"
        )
    for root in (paths.cases_dir(), user_cases_dir()):
        if (root / case_id).exists():
            raise AtlasError(f"--case-id '{case_id}': a case with this id already exists")


def import_dicom(
    path: Path,
    case_id: str,
    title: str | None = None,
    *,
    diagnosis: str = "other",
    age_years: float | None = None,
    sex: str | None = None,
    salt: bytes | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportResult:
    """De-identify the images under ``path`` into a new imported case (see the module doc)."""
    from cnoatlas.imaging.deidentify import Deidentifier, Report

    check_new_case_id(case_id)
    if diagnosis not in DIAGNOSES:
        raise AtlasError(f"--diagnosis '{diagnosis}': one of {', '.join(DIAGNOSES)}")
    if sex is not None and sex not in SEXES:
        raise AtlasError(f"--sex '{sex}': must be F or M")
    if age_years is not None and not 0 <= age_years <= 120:
        raise AtlasError(f"--age {age_years:g}: must be between 0 and 120 years")
    title = (title or "").strip() or f"Imported case {case_id}"

    root = user_cases_dir()
    staging_root = root / _STAGING
    staging = staging_root / case_id
    try:
        staging_root.mkdir(parents=True, exist_ok=True)
        if staging.exists():  # left over by a crash: it never counted as a case
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as exc:
        raise AtlasError(_write_problem(exc)) from None
    try:
        report = Report(case_id)
        deid = Deidentifier(case_id, salt=salt)
        with _quiet_pydicom():  # its warnings quote values: a name must not reach the screen
            characteristics = _write_images(Path(path), staging, deid, report, progress, cancel)
        if report.files_imported == 0:  # the folder is not named: its name may be a name
            why = "; ".join(sorted({i["reason"] for i in report.refused + report.skipped}))
            raise AtlasError(
                "the chosen folder or zip has no DICOM images to import"
                + (f" ({report.files_found} file(s): {why})" if why else "")
            )
        age = age_years if age_years is not None else characteristics.get("age_years")
        patient_sex = sex or characteristics.get("sex")
        if age is None:
            raise AtlasError("the images do not state the patient's age: give it (--age YEARS)")
        if patient_sex not in SEXES:
            raise AtlasError(
                "the images do not state the patient's sex as F or M: give it (--sex F or --sex M)"
            )
        report_json = report.to_json()
        case_json = new_case_json(case_id, title, diagnosis, age, patient_sex, report_json)
        try:
            for name, data in ((REPORT_FILE, report_json), (CASE_FILE, case_json)):
                (staging / name).write_text(
                    json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
        except OSError as exc:
            raise AtlasError(_write_problem(exc)) from None
        _case, problems = check_case(staging)
        if problems:  # our own output must be a valid case; say what is wrong, keep nothing
            raise AtlasError(f"the imported case would not be valid: {problems[0]}")
        final = root / case_id
        if final.exists():
            raise AtlasError(f"--case-id '{case_id}': a case with this id already exists")
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        with contextlib.suppress(OSError):
            staging_root.rmdir()  # only when empty
    return ImportResult(case_id, final, report_json, tuple(report.lines()))


@contextlib.contextmanager
def _quiet_pydicom():
    """No pydicom warning or log line while patient data is handled (they may quote values)."""
    logger = logging.getLogger("pydicom")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def new_case_json(
    case_id: str,
    title: str,
    diagnosis: str,
    age_years: float,
    sex: str,
    report: dict[str, Any],
) -> dict[str, Any]:
    """A minimal valid case for imported images, to be filled in by the teacher."""
    modalities = sorted({s["modality"] for s in report["series"] if s["modality"]})
    count = len(report["series"])
    what = f"{'/'.join(modalities) or 'DICOM'} study, {count} series"
    return {
        "id": case_id,
        "title": title,
        "presenting_title": f"Imported {what}",
        "synthetic": False,
        "imported": True,
        "patient": {"age_years": age_years, "sex": sex},
        "presentation": f"Imported {what}; no presentation written yet.",
        "history": "No history written yet (imported images, de-identified on import).",
        "labs": [],
        "series": {"dicom": DICOM_FOLDER},
        "findings": [],
        "lesions": [],
        "diagnosis": diagnosis,
        "pattern": "unclassified" if diagnosis == "cno" else None,  # the lecturer classifies it later
        "teaching_points": [],
        "differential_discussion": [],
        "references": [],
    }


# Reasons whose bracketed detail is a library's error text, which may quote a file name or value.
_QUOTING_REASONS = (
    "cannot read the file",
    "not readable as DICOM",
    "image size elements are not numbers",
    "pixel data could not be decoded",
)


def safe_reason(reason: str) -> str:
    """A reason fit for the report: error text that may quote a value is left out."""
    for start in _QUOTING_REASONS:
        if reason.startswith(start):
            return start
    return reason


_STOPPING = (KeyboardInterrupt, SystemExit, GeneratorExit, ImportCancelled)


def _skip(report, where: str, reason: str) -> None:
    report.skipped.append({"file": where, "reason": reason})
    log.info("import %s: %s not imported: %s", report.case_id, where, reason)


def _write_problem(exc: OSError) -> str:
    """One line for a failed write of the case: the disk's fault, not the images'."""
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the user data folder is read-only"
    else:
        why = exc.strerror or type(exc).__name__
    return f"cannot write the imported case in {user_cases_dir()}: {why}; nothing was imported"


def _prepare_one(source, deid, report, where: str):
    """(dataset, actions, old series UID) of one file ready to write, or None (reported)."""
    from cnoatlas.imaging.deidentify import burned_in_reason, prepare_for_writing, read_full
    from cnoatlas.imaging.dicom_io import SkippedFile, UnreadableFile, read_header

    try:
        read_header(source)  # the viewer's own checks: an image it can show
        with source.open() as fp:
            ds = read_full(fp)
    except (SkippedFile, UnreadableFile) as exc:
        _skip(report, where, safe_reason(str(exc)))
        return None
    except _STOPPING:
        raise
    except BaseException as exc:  # a file pydicom cannot read whole
        _skip(report, where, f"unreadable ({type(exc).__name__})")
        return None
    reason = burned_in_reason(ds)
    if reason:
        report.refused.append({"file": where, "reason": reason})
        log.info("import %s: %s refused: %s", report.case_id, where, reason)
        return None
    old_series = str(ds.get("SeriesInstanceUID", "") or "") or "(none)"
    if not ds.get("SOPClassUID") or not ds.get("SOPInstanceUID"):
        _skip(report, where, "no SOP Class or Instance UID")
        return None
    try:
        done = deid.apply(ds)
        prepare_for_writing(ds)
    except _STOPPING:
        raise
    except BaseException as exc:  # odd values: not imported, said why
        _skip(report, where, f"could not be de-identified ({type(exc).__name__})")
        return None
    return ds, done, old_series


def _write_images(path, staging, deid, report, progress, cancel) -> dict[str, Any]:
    """De-identify and write every usable image; fills ``report``; returns age/sex found."""
    from cnoatlas.imaging.deidentify import age_years, write_file
    from cnoatlas.imaging.dicom_io import find_sources

    sources, problems = find_sources(path)
    report.files_found = len(sources) + len(problems)
    for number, _problem in enumerate(problems, start=len(sources) + 1):
        report.skipped.append({"file": f"file {number}", "reason": "missing (named by DICOMDIR)"})
    folders: dict[str, dict[str, Any]] = {}
    characteristics: dict[str, Any] = {}
    ages: Counter = Counter()
    sexes: Counter = Counter()
    total = len(sources)
    for number, source in enumerate(sources, start=1):
        if cancel is not None and cancel.is_set():
            raise ImportCancelled("import cancelled; nothing was imported")
        if progress is not None:
            progress(number - 1, total)
        where = f"file {number}"
        # One bad file never stops the import: whatever it raises (a native decoder's
        # BaseException too) is caught here and reported by the file's position and the kind
        # of failure, never by its name or a value from it.
        try:
            prepared = _prepare_one(source, deid, report, where)
        except _STOPPING:
            raise
        except BaseException as exc:  # the file boundary
            prepared = None
            _skip(report, where, f"could not be imported ({type(exc).__name__})")
        if prepared is None:
            continue
        ds, done, old_series = prepared
        series = folders.get(old_series)
        folder = series["folder"] if series else f"series-{len(folders) + 1:02d}"
        count = series["files"] + 1 if series else 1
        out = staging / DICOM_FOLDER / folder / f"IM{count:05d}.dcm"
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            write_file(out, ds)
        except OSError as exc:  # the disk, not the file: nothing is imported, say why
            raise AtlasError(_write_problem(exc)) from None
        except _STOPPING:
            raise
        except BaseException as exc:  # a value pydicom cannot write
            out.unlink(missing_ok=True)
            _skip(report, where, f"could not be written ({type(exc).__name__})")
            continue
        report.count(done)
        if series is None:
            series = folders[old_series] = {
                "folder": folder,
                "modality": str(ds.get("Modality", "") or ""),
                "description": str(ds.get("SeriesDescription", "") or ""),
                "files": 0,
            }
            report.series.append(series)
        series["files"] += 1
        age = age_years(ds.get("PatientAge"))
        if age is not None:
            ages[age] += 1
        if str(ds.get("PatientSex", "")) in SEXES:
            sexes[str(ds.PatientSex)] += 1
    if progress is not None:
        progress(total, total)
    # The value most files give (a stray series from another scanner may say otherwise).
    if ages:
        characteristics["age_years"] = ages.most_common(1)[0][0]
    if sexes:
        characteristics["sex"] = sexes.most_common(1)[0][0]
    return characteristics
