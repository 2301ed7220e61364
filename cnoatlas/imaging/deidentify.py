"""De-identification of DICOM images for import as a teaching case (no Qt).

Follows DICOM PS3.15 Annex E, the Basic Application Level Confidentiality Profile, with the
options *Retain Patient Characteristics* (sex, age, size, weight are kept), *Retain
Longitudinal Temporal Information with Modified Dates* (dates shift by one random offset per
import, which keeps intervals between the series; times are kept), *Clean Descriptors* (series
and study description and protocol name are kept only when clean; every other descriptor and
comment is removed) and *Clean Structured Content* (a content tree is walked with the same
rules). *Retain Safe Private* is NOT used: every private element goes.

The element table is PS3.15 Table E.1-1 (``annex_e``); what the atlas does with each element
is ``confidentiality.profile_action``, the same rule the viewer's tag browser applies:

* removed: private and UN elements, the overlay (60xx) and curve (50xx) groups, icon images,
  the request (0032), visit (0038) and results (4008) groups, every person name, and every
  element the table says to remove or replace that no option keeps;
* emptied: the type 2 elements a valid file must still carry (``EMPTIED``), and any kept value
  of any VR, CS and code meanings in sequences included, that holds an identifier of the study
  (``confidentiality.value_identifies``: the patient's names, IDs and birth date, the names of
  the staff and the institution anywhere in the file, a titled name, a hospital, a long number);
* replaced: PatientName (``ANON^<case-id>``), PatientID (the case id), every UID that is not
  a DICOM-defined one (new ``2.25.`` UIDs derived from the old one with a secret salt: the
  same salt maps the same UID to the same new UID, so series stay coherent);
* shifted: every date (DA, and the date part of DT) by the import's offset;
* zeroed: the 128-byte file preamble; the file meta header is written anew;
* added: PatientIdentityRemoved YES, DeidentificationMethod, DeidentificationMethodCodeSequence.

Images that may show identifiers in their pixels are refused (``burned_in_reason``).
The ``Report`` counts, per attribute keyword and action, the files concerned; it never holds
an original value, and names refused files by their position only (names may hold a name).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pydicom
from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from cnoatlas.imaging.confidentiality import (
    EMPTIED_TYPE2,
    RETAINED_CHARACTERISTICS,
    patient_identifiers,
    profile_action,
    value_identifies,
    values,
)

REPORT_VERSION = 1
METHOD = (
    "CNO Atlas import: DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile "
    "with the Retain Patient Characteristics, Retain Longitudinal Temporal Information with "
    "Modified Dates, Clean Descriptors and Clean Structured Content options"
)
METHOD_SHORT = "CNO Atlas: PS3.15 E basic, clean descriptors/SR, modified dates"  # LO: <= 64
# DeidentificationMethodCodeSequence values (CID 7050): basic profile and the options used.
_METHOD_CODES = (
    ("113100", "Basic Application Confidentiality Profile"),
    ("113105", "Clean Descriptors Option"),
    ("113104", "Clean Structured Content Option"),
    ("113108", "Retain Patient Characteristics Option"),
    ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
)

# Whole groups that only describe the request, the visit and results.
_REMOVE_GROUPS = {0x0032, 0x0038, 0x4008}
_STRING_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UR", "UT"}
)
_MAX_DEPTH = 32  # sequences nested deeper than this are removed whole
# Elements a valid image must still carry (type 2): emptied instead of removed.
EMPTIED: frozenset[str] = frozenset(keyword_for_tag(t) for t in EMPTIED_TYPE2)
# The patient elements kept (Retain Patient Characteristics): the body, not the person.
KEPT_PATIENT: frozenset[str] = frozenset(keyword_for_tag(t) for t in RETAINED_CHARACTERISTICS)
_DICOM_ROOT = "1.2.840.10008."
# UIDs that name a thing, not a class: replaced even when they look standard.
_KEEP_UID_KEYWORDS = {"TransferSyntaxUID", "ImplementationClassUID"}

_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"  # and its .1 to .4 multi-frame children
_ULTRASOUND = ("1.2.840.10008.5.1.4.1.1.6.", "1.2.840.10008.5.1.4.1.1.3.")
_PHOTOGRAPHY = "1.2.840.10008.5.1.4.1.1.77."  # visible light: endoscopy, photographs, …


# File meta elements written anew for every file (file_meta_for).
_FILE_META_REBUILT = {
    "FileMetaInformationVersion",
    "MediaStorageSOPClassUID",
    "MediaStorageSOPInstanceUID",
    "ImplementationClassUID",
    "ImplementationVersionName",
}


def burned_in_reason(ds: Dataset) -> str | None:
    """Why an image may show identifying text or a face in its pixels; None when it need not.

    BurnedInAnnotation YES refuses any image. Secondary captures (screenshots, scanned
    documents), ultrasound and images marked as screen saves are refused unless they state
    BurnedInAnnotation NO. Visible-light photographs are always refused (a face is enough).
    """
    burned = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if burned == "YES":
        return "BurnedInAnnotation is YES: text in the pixels may identify the patient"
    if str(ds.get("RecognizableVisualFeatures", "") or "").strip().upper() == "YES":
        return "RecognizableVisualFeatures is YES: the image may show the patient's face"
    sop_class = str(ds.get("SOPClassUID", "") or "")
    modality = str(ds.get("Modality", "") or "").upper()
    image_type = [str(v).upper() for v in values(ds.get("ImageType"))]
    if sop_class.startswith(_PHOTOGRAPHY) or modality in ("XC", "GM", "SM", "ES"):
        return "a photograph: it may show the patient's face or other identifying features"
    if burned == "NO":
        return None
    if sop_class.startswith(_SECONDARY_CAPTURE) or modality in ("SC", "OT", "DOC"):
        kind = "secondary capture (screenshot or scanned document)"
    elif sop_class.startswith(_ULTRASOUND) or modality in ("US", "IVUS"):
        kind = "ultrasound image"
    elif "SCREEN SAVE" in image_type:
        kind = "screen save"
    else:
        return None
    return f"{kind} without BurnedInAnnotation NO: its pixels may carry the patient's name"


# --- the report ---------------------------------------------------------------------------
@dataclass
class Report:
    """What an import did, without any original value."""

    case_id: str
    files_found: int = 0
    # (keyword, action) -> number of files in which it happened
    actions: Counter = field(default_factory=Counter)
    refused: list[dict[str, str]] = field(default_factory=list)  # may carry identifiers
    skipped: list[dict[str, str]] = field(default_factory=list)  # no image, unreadable
    series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def files_imported(self) -> int:
        return sum(s["files"] for s in self.series)

    def count(self, per_file: set[tuple[str, str]]) -> None:
        self.actions.update(per_file)

    def to_json(self) -> dict[str, Any]:
        attributes = [
            {"keyword": keyword, "action": action, "files": files}
            for (keyword, action), files in sorted(self.actions.items())
        ]
        return {
            "version": REPORT_VERSION,
            "case_id": self.case_id,
            "method": METHOD,
            "files": {
                "found": self.files_found,
                "imported": self.files_imported,
                "refused": len(self.refused),
                "skipped": len(self.skipped),
            },
            "series": self.series,
            "attributes": attributes,
            "refused": self.refused,
            "skipped": self.skipped,
            "notes": [
                "Dates are shifted by one random number of days for the whole import; the "
                "offset is not recorded.",
                "New UIDs are derived from the old ones with a secret that is not stored.",
                "Files are named by their position among the files found: original file "
                "names may hold a name.",
            ],
        }

    def lines(self) -> list[str]:
        """The report as text for a terminal or a dialog."""
        f = self.to_json()["files"]
        out = [
            f"{f['imported']} of {f['found']} file(s) imported in {len(self.series)} series; "
            f"{f['refused']} refused, {f['skipped']} skipped."
        ]
        for s in self.series:
            desc = s["description"] or "(no description)"
            out.append(f"  {s['folder']}: {s['modality'] or '?'} {desc}, {s['files']} file(s)")
        for item in self.refused:
            out.append(f"refused: {item['file']}: {item['reason']}")
        for item in self.skipped:
            out.append(f"not imported: {item['file']}: {item['reason']}")
        if self.actions:
            out.append(f"{'Attribute':38} {'what was done':40} files")
            for (keyword, action), files in sorted(self.actions.items()):
                out.append(f"  {keyword:36} {action:40} {files:5}")
        return out


# --- the de-identifier ----------------------------------------------------------------------
class Deidentifier:
    """Applies the profile to datasets of one import (one salt, one date offset)."""

    def __init__(
        self, case_id: str, salt: bytes | None = None, date_offset_days: int | None = None
    ) -> None:
        self.case_id = case_id
        self.salt = salt if salt is not None else secrets.token_bytes(32)
        if date_offset_days is None:
            # Back in time by 1 to 10 years, whole days: weekdays and intervals are kept.
            date_offset_days = -(365 + secrets.randbelow(9 * 365))
        self.offset = dt.timedelta(days=date_offset_days)

    # UIDs ------------------------------------------------------------------------------------
    def new_uid(self, old: str) -> str:
        """A ``2.25`` UID from the old one and the salt (same salt, same result)."""
        digest = hmac.new(self.salt, old.strip().encode(), hashlib.sha256).digest()
        return f"2.25.{int.from_bytes(digest[:16], 'big')}"

    def _uid_value(self, value: Any) -> Any:
        if isinstance(value, MultiValue | list | tuple):
            return [self.new_uid(str(v)) if v else v for v in value]
        return self.new_uid(str(value)) if value else value

    # dates -----------------------------------------------------------------------------------
    def _shift_date(self, text: str) -> str:
        text = text.strip()
        day = dt.datetime.strptime(text[:8], "%Y%m%d").date()
        return (day + self.offset).strftime("%Y%m%d")

    def _shift(self, value: Any, vr: str) -> Any | None:
        """The shifted value; None when a date cannot be read (then it is emptied)."""
        shifted = []
        for v in values(value):
            text = str(v).strip()
            if not text:
                shifted.append("")
                continue
            try:
                if vr == "DA":
                    if "-" in text:  # a range (query style): shift both ends
                        parts = [self._shift_date(p) if p else "" for p in text.split("-")]
                        shifted.append("-".join(parts))
                    else:
                        shifted.append(self._shift_date(text))
                else:  # DT: date then time; shifting the date keeps the time
                    if len(text) < 8:
                        return None
                    shifted.append(self._shift_date(text[:8]) + text[8:])
            except ValueError:
                return None
        return shifted[0] if len(shifted) == 1 else shifted

    # the dataset -----------------------------------------------------------------------------
    def apply(self, ds: Dataset) -> set[tuple[str, str]]:
        """De-identify ``ds`` in place; the (keyword, action) pairs that happened."""
        done: set[tuple[str, str]] = set()
        secrets_ = patient_identifiers(ds)
        age = None if ds.get("PatientAge") else derived_age(ds)
        self._walk(ds, secrets_, done)
        if bytes(getattr(ds, "preamble", None) or b"").strip(b"\0"):
            done.add(("(file preamble)", "zeroed"))
        ds.preamble = b"\0" * 128  # 128 bytes anyone may fill: a name or a whole other file
        if age:
            ds.PatientAge = age
            done.add(("PatientAge", "derived from the birth date"))
        ds.PatientName = f"ANON^{self.case_id}"
        ds.PatientID = self.case_id
        done.add(("PatientName", "replaced"))
        done.add(("PatientID", "replaced"))
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = METHOD_SHORT
        if any(action == "date shifted" for _keyword, action in done):
            ds.LongitudinalTemporalInformationModified = "MODIFIED"
        codes = Sequence()
        for value, meaning in _METHOD_CODES:
            item = Dataset()
            item.CodeValue = value
            item.CodingSchemeDesignator = "DCM"
            item.CodeMeaning = meaning
            codes.append(item)
        ds.DeidentificationMethodCodeSequence = codes
        for keyword in ("PatientBirthDate", "PatientSex", "StudyID", "AccessionNumber"):
            if keyword not in ds:  # type 2 in the patient and study modules: present, empty
                setattr(ds, keyword, "")
        if "ReferringPhysicianName" not in ds:
            ds.ReferringPhysicianName = ""
        meta = getattr(ds, "file_meta", None)
        if meta is not None:  # a new header: the sender's AE titles and private meta go
            ts = str(meta.get("TransferSyntaxUID", "") or "")
            kept = {"TransferSyntaxUID", "FileMetaInformationGroupLength"}
            for elem in meta:
                if elem.keyword not in kept and elem.keyword not in _FILE_META_REBUILT:
                    done.add((_report_name(int(elem.tag), elem.keyword), "removed"))
            ds.file_meta = file_meta_for(ds, ts or ExplicitVRLittleEndian)
        return done

    def _walk(self, ds: Dataset, found: list[str], done: set, depth: int = 0) -> None:
        for elem in list(ds):
            tag = int(elem.tag)
            keyword = elem.keyword or _tag_text(tag)
            action = self._action(tag, elem.VR, depth == 0)
            if action == "remove" or (elem.VR == "SQ" and depth >= _MAX_DEPTH):
                del ds[tag]
                done.add((_report_name(tag, keyword), "removed"))
                continue
            if action == "empty":
                if elem.value not in (None, "", b""):
                    elem.value = ""
                    done.add((keyword, "emptied"))
                continue
            if action == "keep":
                continue
            if elem.VR == "SQ":
                for item in elem.value or []:
                    self._walk(item, found, done, depth + 1)
                continue
            if action == "uid" or elem.VR == "UI":
                if keyword in _KEEP_UID_KEYWORDS:
                    continue
                if any(v and not str(v).startswith(_DICOM_ROOT) for v in values(elem.value)):
                    elem.value = self._uid_value(elem.value)
                    done.add((keyword, "replaced (new UID)"))
                continue
            if elem.VR in ("DA", "DT"):
                if elem.value in (None, "", b""):
                    continue
                shifted = self._shift(elem.value, elem.VR)
                if shifted is None:
                    elem.value = ""
                    done.add((keyword, "emptied (unreadable date)"))
                else:
                    elem.value = shifted
                    done.add((keyword, "date shifted"))
                continue
            if action == "shift":  # a time (TM): kept, the shift is by whole days
                continue
            # Every other value of every VR (CS, IS, descriptors, code meanings …): checked.
            if value_identifies(elem, found):
                if elem.VR in _STRING_VRS:  # emptied: a type 2 element stays valid
                    elem.value = ""
                    done.add((keyword, "emptied (held the patient's name or ID)"))
                else:
                    del ds[tag]
                    done.add((keyword, "removed (held the patient's name or ID)"))

    @staticmethod
    def _action(tag: int, vr: str, top: bool) -> str:
        action = profile_action(tag, vr)
        if action == "replace":
            return "keep" if top else "remove"  # replaced once the walk is done
        if action == "clean":
            return "walk"  # checked like any kept text
        if action == "uid" and tag >> 16 == 0x0010:
            return "remove"
        if action == "walk" and tag >> 16 in _REMOVE_GROUPS:
            return "remove"
        return action


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _report_name(tag: int, keyword: str) -> str:
    """Private elements and repeating groups are reported as one line each, not per tag."""
    group = tag >> 16
    if group & 1:
        return "(private elements)"
    if group & 0xFF00 == 0x6000:
        return "(overlay group 60xx)"
    if group & 0xFF00 == 0x5000:
        return "(curve group 50xx)"
    return keyword or _tag_text(tag)


def derived_age(ds: Dataset) -> str | None:
    """PatientAge (``012Y``, ``018M``) from the birth date and the study date, when both read."""
    born = str(ds.get("PatientBirthDate", "") or "").strip()
    seen = ""
    for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        seen = str(ds.get(keyword, "") or "").strip()
        if seen:
            break
    try:
        b = dt.datetime.strptime(born[:8], "%Y%m%d").date()
        s = dt.datetime.strptime(seen[:8], "%Y%m%d").date()
    except ValueError:
        return None
    if s < b:
        return None
    years = s.year - b.year - ((s.month, s.day) < (b.month, b.day))
    if years >= 2:
        return f"{min(years, 999):03d}Y"
    months = (s.year - b.year) * 12 + s.month - b.month - (s.day < b.day)
    return f"{months:03d}M" if months >= 1 else f"{(s - b).days:03d}D"


def age_years(value: Any) -> float | None:
    """A PatientAge (``012Y``, ``006M``, ``010W``, ``020D``) in years; None when unreadable."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*([DWMY])\s*", str(value or ""))
    if not match:
        return None
    number, unit = int(match[1]), match[2]
    years = {"Y": 1.0, "M": 1 / 12, "W": 7 / 365.25, "D": 1 / 365.25}[unit] * number
    return round(years, 1) if unit != "Y" else float(number)


# --- files --------------------------------------------------------------------------------
def read_full(fp) -> Dataset:
    """The whole file, pixels included."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(fp, force=True)


def file_meta_for(ds: Dataset, transfer_syntax: str) -> FileMetaDataset:
    """A fresh file meta header: nothing of the sender's (AE titles, source UIDs) is kept."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = UID(transfer_syntax)
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "CNOATLAS_DEID"
    return meta


def prepare_for_writing(ds: Dataset) -> None:
    """Give ``ds`` a new file meta header; big-endian data is rewritten little-endian."""
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    if not ts:
        ts = ImplicitVRLittleEndian if ds.original_encoding[0] else ExplicitVRLittleEndian
    if ts == ExplicitVRBigEndian:
        # pydicom writes big endian reluctantly; the pixels are re-encoded little endian.
        if "PixelData" in ds:
            arr = np.asarray(ds.pixel_array)
            ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
            ds["PixelData"].VR = "OW" if int(ds.BitsAllocated) > 8 else "OB"
        ts = ExplicitVRLittleEndian
    ds.file_meta = file_meta_for(ds, ts)
    ds.preamble = b"\0" * 128


def write_file(path, ds: Dataset) -> None:
    """Write a dataset prepared by ``prepare_for_writing`` as a DICOM file (with preamble)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The encoding comes from the new file meta (big endian input is written little endian).
        pydicom.dcmwrite(path, ds, enforce_file_format=True)


def scan_values(ds: Dataset) -> Iterable[tuple[str, Any]]:
    """Every (keyword, value) of a dataset and its sequences, file meta included (for checks)."""
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        for elem in meta:
            yield elem.keyword or _tag_text(int(elem.tag)), elem.value
    yield from _scan(ds)


def _scan(ds: Dataset) -> Iterable[tuple[str, Any]]:
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value or []:
                yield from _scan(item)
        elif int(elem.tag) != 0x7FE00010:
            yield elem.keyword or _tag_text(int(elem.tag)), elem.value
