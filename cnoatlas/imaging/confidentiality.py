"""What counts as identifying: shared by the viewer's screen, its tag browser and the
de-identifier (no Qt): one set of rules for studies imported and studies only opened.

The profile is DICOM PS3.15 Annex E, the Basic Application Level Confidentiality Profile, with
the options *Retain Patient Characteristics*, *Retain Longitudinal Temporal Information with
Modified Dates*, *Clean Descriptors* and *Clean Structured Content*. Its element table
(Table E.1-1) is embedded as data in ``annex_e``; ``profile_action(tag, vr)`` says what the
atlas does with an element, ``tests/unit/test_annex_e.py`` checks that against every row.

``PROFILE_TAGS``: further elements (beyond the table) that ``safe_tags`` hides and
``deidentify`` removes. ``patient_identifiers(ds)`` collects the pieces to look for in every
other value: the patient's names, IDs, other IDs and birth date, and the names of every person
(PN anywhere, nested sequences included), the institution, its department, address and station.
``holds_identifier(value, pieces)`` says whether a value holds one, or looks like a name with a
title (``Dr.``), a hospital or a long number (an MRN, a phone number).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from cnoatlas.imaging.annex_e import TABLE_E1_1

# Value representations of free text and names: where a name or ID can hide.
TEXT_VRS = frozenset({"LO", "SH", "PN", "ST", "LT", "UT", "UC"})

# Elements of the profile (PS3.15 Table E.1-1) beyond safe_tags' own deny-list: free text,
# devices, requests, people and places.
PROFILE_REMOVE: frozenset[str] = frozenset(
    {
        "AcquisitionComments",
        "AcquisitionDeviceProcessingDescription",
        "ActualHumanPerformersSequence",
        "AdmittingDiagnosesCodeSequence",
        "AdmittingDiagnosesDescription",
        "AuthorObserverSequence",
        "CassetteID",
        "CommentsOnThePerformedProcedureStep",
        "ContentCreatorIdentificationCodeSequence",
        "ContributionDescription",
        "CustodialOrganizationSequence",
        "DataSetTrailingPadding",
        "DetectorID",
        "DeviceUID",
        "DigitalSignaturesSequence",
        "DischargeDiagnosisDescription",
        "DistributionAddress",
        "DistributionName",
        "GantryID",
        "GeneratorID",
        "GraphicAnnotationSequence",
        "HumanPerformerOrganization",
        "IconImageSequence",
        "IdentifyingComments",
        "ImagePresentationComments",
        "ImagingServiceRequestComments",
        "Impressions",
        "InsurancePlanIdentification",
        "IntendedRecipientsOfResultsIdentificationSequence",
        "InterpretationApproverSequence",
        "InterpretationDiagnosisDescription",
        "InterpretationIDIssuer",
        "MedicalRecordLocator",
        "ModifiedAttributesSequence",
        "ModifiedImageDescription",
        "ModifyingDeviceID",
        "ModifyingDeviceManufacturer",
        "OrderCallbackPhoneNumber",
        "OrderEntererLocation",
        "OriginalAttributesSequence",
        "ParticipantSequence",
        "PerformedLocation",
        "PerformedProcedureStepDescription",
        "PerformedStationAETitle",
        "PerformedStationGeographicLocationCodeSequence",
        "PerformedStationName",
        "PerformedStationNameCodeSequence",
        "PersonIdentificationCodeSequence",
        "PhysiciansReadingStudyIdentificationSequence",
        "PlateID",
        "PreMedication",
        "ReasonForTheImagingServiceRequest",
        "ReferencedDigitalSignatureSequence",
        "ReferencedPatientAliasSequence",
        "ReferencedPatientPhotoSequence",
        "ReferencedPerformedProcedureStepSequence",
        "ReferencedSOPInstanceMACSequence",
        "ReferringPhysicianIdentificationSequence",
        "RequestedContrastAgent",
        "RequestedProcedureDescription",
        "RequestedProcedureLocation",
        "ResponsibleOrganization",
        "ResultsComments",
        "ResultsDistributionListSequence",
        "ResultsIDIssuer",
        "ScheduledHumanPerformersSequence",
        "ScheduledPatientInstitutionResidence",
        "ScheduledPerformingPhysicianIdentificationSequence",
        "ScheduledProcedureStepDescription",
        "ScheduledStationAETitle",
        "ScheduledStationGeographicLocationCodeSequence",
        "ScheduledStationName",
        "ScheduledStationNameCodeSequence",
        "ScheduledStudyLocation",
        "ScheduledStudyLocationAETitle",
        "ServiceEpisodeDescription",
        "SourceApplicationEntityTitle",
        "StorageMediaFileSetID",
        "StudyDescription",
        "StudyIDIssuer",
        "TextString",
        "TopicAuthor",
        "TopicKeywords",
        "TopicSubject",
        "TopicTitle",
        "VerifyingObserverIdentificationCodeSequence",
        "VerifyingOrganization",
        "VisitComments",
    }
)
PROFILE_TAGS: frozenset[int] = frozenset(
    t for k in PROFILE_REMOVE if (t := tag_for_keyword(k)) is not None
)


def values(value: Any) -> list:
    """An element value as a list of its values."""
    if value is None:
        return []
    if isinstance(value, MultiValue | list | tuple):
        return list(value)
    return [value]  # one value (a PersonName iterates over its characters: not a list)


# --- the PS3.15 table and the options -------------------------------------------------------
_EXACT: dict[int, str] = {}
_MASKED: list[tuple[int, int, str]] = []
for _tag, _mask, _action, _name in TABLE_E1_1:
    if _mask == 0xFFFFFFFF:
        _EXACT[_tag] = _action
    else:
        _MASKED.append((_tag, _mask, _action))


def basic_action(tag: int) -> str | None:
    """The basic profile's action (``D``, ``Z``, ``X``, ``U``, ``X/Z/D`` …) or None if not listed."""
    tag = int(tag)
    action = _EXACT.get(tag)
    if action is not None:
        return action
    for row_tag, mask, row_action in _MASKED:
        if tag & mask == row_tag:
            return row_action
    return None


def _tags(keywords: set[str]) -> frozenset[int]:
    return frozenset(t for k in keywords if (t := tag_for_keyword(k)) is not None)


# Retain Patient Characteristics Option: the body, not the person.
RETAINED_CHARACTERISTICS = _tags({"PatientSex", "PatientAge", "PatientSize", "PatientWeight"})
# Clean Descriptors Option: the descriptors a teaching file needs, kept only when clean (no
# identifier, no titled name, no hospital, no long number); every other descriptor is removed.
CLEANED_DESCRIPTORS = _tags({"SeriesDescription", "ProtocolName", "StudyDescription"})
# Clean Structured Content Option: the content tree is walked like the dataset (person names
# removed, UIDs replaced, dates shifted, text checked), not dropped.
CLEANED_STRUCTURED = _tags({"ContentSequence"})
# Elements a valid image must still carry (type 2 in their modules): emptied, not removed.
EMPTIED_TYPE2 = _tags({"AccessionNumber", "StudyID", "ReferringPhysicianName", "PatientBirthDate"})
# Values the de-identifier writes itself (replaced after the walk).
REPLACED = _tags({"PatientName", "PatientID"})
_TEMPORAL_VRS = frozenset({"DA", "DT", "TM"})
# VRs whose values are numbers, dates or codes of a fixed form: checked for the patient's own
# pieces only, not by the look of the text (a long number is normal there).
_FORMAL_VRS = frozenset({"AS", "DA", "DS", "DT", "FD", "FL", "IS", "SL", "SS", "SV", "TM", "UI"})
_FORMAL_VRS |= frozenset({"UL", "US", "UV", "AT"})


def profile_action(tag: int, vr: str | None) -> str:
    """What the profile with the atlas's options does with one element, at any depth.

    ``keep`` (a retained characteristic), ``clean`` (a descriptor kept when clean), ``walk``
    (a sequence walked, or an element not in the table: kept, its values checked), ``shift``
    (a date of the longitudinal option: dates shifted, times kept), ``uid`` (replaced),
    ``replace`` (the patient's name and ID), ``empty`` or ``remove``.
    """
    tag = int(tag)
    group = tag >> 16
    if group & 1 or vr == "UN":  # private or unknown: their content is unknown
        return "remove"
    if group & 0xFF00 in (0x5000, 0x6000):  # curves and overlays, whole groups (not only data)
        return "remove"
    if tag in REPLACED:
        return "replace"
    if tag in RETAINED_CHARACTERISTICS:
        return "keep"
    if tag in CLEANED_DESCRIPTORS:
        return "clean"
    if tag in CLEANED_STRUCTURED:
        return "walk"
    if tag in EMPTIED_TYPE2:
        return "empty"
    action = basic_action(tag)
    if action is None:
        if vr == "PN" or tag in PROFILE_TAGS:
            return "remove"
        return "walk"
    if "U" in action and vr == "SQ":  # X/Z/U*: a reference; its UIDs are replaced
        return "walk"
    if "U" in action or vr == "UI":
        return "uid"
    if vr in _TEMPORAL_VRS:
        return "shift"
    return "remove"


# --- the identifiers of one study ---------------------------------------------------------
_ID_KEYWORDS = (
    "PatientID",
    "OtherPatientIDs",
    "AccessionNumber",
    "StudyID",
    "AdmissionID",
    "MedicalRecordLocator",
    "IssuerOfPatientID",
    "DeviceSerialNumber",
    "RequestedProcedureID",
    "PerformedProcedureStepID",
    "ScheduledProcedureStepID",
    "FillerOrderNumberImagingServiceRequest",
    "PlacerOrderNumberImagingServiceRequest",
)
_PLACE_KEYWORDS = (
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "StationName",
    "PatientAddress",
    "ReferringPhysicianAddress",
    "PersonAddress",
    "PatientInstitutionResidence",
    "PerformedLocation",
)
# Words of an institution's name too common to stand for it.
_COMMON_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "of",
        "at",
        "de",
        "la",
        "le",
        "der",
        "die",
        "das",
        "und",
        "hospital",
        "hospitals",
        "clinic",
        "clinics",
        "klinik",
        "klinikum",
        "krankenhaus",
        "university",
        "universitat",
        "universitaet",
        "centre",
        "center",
        "medical",
        "children",
        "childrens",
        "kinder",
        "general",
        "saint",
        "sankt",
        "santa",
        "san",
        "street",
        "road",
        "avenue",
        "department",
        "radiology",
        "imaging",
        "paediatric",
        "pediatric",
        "pediatrics",
        "paediatrics",
        "unit",
        "anon",
    ]
)
_OURS = frozenset({"PatientName", "PatientID"})
_MAX_DEPTH = 32  # sequences nest this deep at most before the rest is left unsearched


def _pieces_of_name(text: str, pieces: set[str]) -> None:
    for part in re.split(r"[\^=\s,.;:/()\[\]\"'_-]+", text):
        part = part.strip().lower()
        if len(part) >= 3 and part not in _COMMON_WORDS:
            pieces.add(part)


def _date_forms(born: str) -> set[str]:
    if not re.fullmatch(r"\d{8}", born):
        return set()
    y, m, d = born[:4], born[4:6], born[6:]
    return {born, f"{y}-{m}-{d}", f"{d}.{m}.{y}", f"{d}/{m}/{y}", f"{m}/{d}/{y}", f"{y}/{m}/{d}"}


def patient_identifiers(ds: Dataset) -> list[str]:
    """Lower-case pieces that identify this study's patient, staff or institution."""
    pieces: set[str] = set()
    ours = str(ds.get("PatientIdentityRemoved", "") or "").strip().upper() == "YES"

    def collect(item: Dataset, depth: int) -> None:
        for elem in item:
            if elem.VR == "SQ":
                if depth < _MAX_DEPTH:
                    for child in elem.value or []:
                        if isinstance(child, Dataset):
                            collect(child, depth + 1)
                continue
            keyword = elem.keyword
            if keyword in _OURS and ours:
                continue  # our own replacement (ANON^case-id) names nobody
            if elem.VR == "PN" or keyword in _PLACE_KEYWORDS:
                for value in values(elem.value):
                    text = _as_text(value)
                    _pieces_of_name(text, pieces)
                    if keyword in _PLACE_KEYWORDS and len(text.strip()) >= 3:
                        pieces.add(" ".join(text.lower().split()))
            elif keyword in _ID_KEYWORDS:
                for value in values(elem.value):
                    text = _as_text(value).strip().lower()
                    if len(text) >= 3:
                        pieces.add(text)
            elif keyword == "PatientBirthDate":
                pieces.update(_date_forms(_as_text(elem.value).strip()))

    with contextlib.suppress(Exception):  # an odd value must not stop the search
        collect(ds, 0)
    return sorted(pieces)


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1", "replace")
    return str(value)


_TITLED = re.compile(r"(?<![a-z])(dr|prof|doz|dott|dra)\.\s*[a-z]|(?<![a-z])prof\s+[a-z]")
_INSTITUTION = re.compile(
    r"hospital|h\u00f4pital|klinik|krankenhaus|clinic\b|infirmary|ospedale|universit|"
    r"medical cent"
)
_LONG_NUMBER = re.compile(r"\d{6,}")


def _piece_in(piece: str, text: str) -> bool:
    if any(c.isdigit() for c in piece) or " " in piece:
        return piece in text  # an ID or a date: wherever it is, glued or not
    # A name part: as a whole word (``Ann`` is not in ``scanning``).
    return re.search(rf"(?<![a-z0-9]){re.escape(piece)}(?![a-z0-9])", text) is not None


def holds_identifier(value: Any, pieces: list[str], *, looks: bool = True) -> bool:
    """Whether any of the value's texts holds one of the pieces (case-insensitive).

    With ``looks`` (text and codes, not numbers or dates) a titled name (``Dr. X``), a
    hospital's name or a run of six digits counts too, whoever it names.
    """
    for v in values(value):
        text = _as_text(v).lower()
        if not text:
            continue
        if any(_piece_in(piece, text) for piece in pieces):
            return True
        if looks and (_TITLED.search(text) or _INSTITUTION.search(text)):
            return True
        if looks and _LONG_NUMBER.search(text):
            return True
    return False


_NUMBER_VRS = frozenset({"DS", "FD", "FL", "IS", "SL", "SS", "SV", "UL", "US", "UV"})
_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
# Codes whose values are numbers by design (SNOMED CT concept ids are long numbers).
_FORMAL_KEYWORDS = frozenset(
    {
        "CodeValue",
        "LongCodeValue",
        "ContextIdentifier",
        "CodingSchemeVersion",
        "ContextGroupVersion",
    }
)


def value_identifies(elem: Any, pieces: list[str]) -> bool:
    """The one check every kept value of every VR goes through (screen, browser, import)."""
    vr = str(elem.VR)
    if vr == "SQ" or elem.value is None:
        return False  # sequences are walked item by item
    if vr in ("OB", "OW", "OF", "OD", "OL", "OV"):
        if int(elem.tag) in _PIXEL_TAGS or not isinstance(elem.value, bytes | bytearray):
            return False  # image data: refused by its header (burned-in), not searched
        return len(elem.value) <= 1 << 16 and holds_identifier(elem.value, pieces, looks=False)
    if vr in _FORMAL_VRS or elem.keyword in _FORMAL_KEYWORDS:
        # Numbers, dates, UIDs and codes: only a value that IS an identifier counts (an
        # accession number "256" must not take Rows = 256 with it).
        # Short numbers are everywhere in numeric elements: there only a long one counts.
        shortest = 6 if vr in _NUMBER_VRS else 3
        exact = {p for p in pieces if len(p) >= shortest}
        return any(_as_text(v).strip().lower() in exact for v in values(elem.value))
    return holds_identifier(elem.value, pieces)
