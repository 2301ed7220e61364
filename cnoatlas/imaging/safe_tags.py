"""The header elements a viewer may show: everything except what could identify a person.

The rules are the de-identifier's (``confidentiality.profile_action``: PS3.15 Annex E with the
atlas's options), so a study only opened shows no more than an imported one: every element the
profile removes, empties or replaces (UIDs, the dates it would shift) is hidden, as are a
deny-list of identifying elements, the whole patient group (0010,xxxx) except sex, age, size
and weight, every person-name (PN) element, every private and unknown (UN) element, overlays
and curves; every other value of every VR (CS included) is checked against the study's
identifiers (``confidentiality.value_identifies``) and hidden when it holds one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag

from cnoatlas.imaging.confidentiality import (
    PROFILE_TAGS,
    TEXT_VRS,
    holds_identifier,
    patient_identifiers,
    profile_action,
    value_identifies,
)

# Patient-group elements that describe a body, not a person.
_PATIENT_ALLOWED = {0x00100040, 0x00101010, 0x00101020, 0x00101030}  # sex, age, size, weight
_DENY_KEYWORDS = {
    # institution, people and places
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "InstitutionCodeSequence",
    "StationName",
    "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers",
    "PhysiciansOfRecordIdentificationSequence",
    "PerformingPhysicianIdentificationSequence",
    "OperatorIdentificationSequence",
    "PersonAddress",
    "PersonTelephoneNumbers",
    "RequestingService",
    "ScheduledProcedureStepLocation",
    "CurrentPatientLocation",
    "PatientInstitutionResidence",
    "DeviceSerialNumber",
    "RegionOfResidence",
    "MilitaryRank",
    "BranchOfService",
    # identifiers of the visit, request and study
    "AccessionNumber",
    "StudyID",
    "AdmissionID",
    "IssuerOfAdmissionIDSequence",
    "RequestedProcedureID",
    "PerformedProcedureStepID",
    "ScheduledProcedureStepID",
    "FillerOrderNumberImagingServiceRequest",
    "PlacerOrderNumberImagingServiceRequest",
    "OtherPatientIDsSequence",
    "ReferencedPatientSequence",
    "ReferencedStudySequence",
    "RequestAttributesSequence",
    "ContentCreatorName",
    "VerifyingObserverSequence",
    "ServiceEpisodeID",
    "IssuerOfServiceEpisodeIDSequence",
    "TextComments",
    "AdditionalPatientHistory",
    "PatientComments",
    "ImageComments",
    "StudyComments",
    "RequestedProcedureComments",
    "InterpretationText",
    "ReasonForStudy",
    "FrameComments",
    "DerivationDescription",
    # UIDs that tie the images to one patient and visit
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "MediaStorageSOPInstanceUID",
    "FrameOfReferenceUID",
    "SynchronizationFrameOfReferenceUID",
    "ReferencedSOPInstanceUID",
    "IrradiationEventUID",
    "StorageMediaFileSetUID",
    "InstanceCreatorUID",
    "UID",
    "ReferencedFrameOfReferenceUID",
    "RelatedFrameOfReferenceUID",
    "DimensionOrganizationUID",
    "ConcatenationUID",
    "TransactionUID",
    # dates that, with a name, identify a visit; age is kept instead
    "PatientBirthDate",
    "PatientBirthTime",
}
_DENY_TAGS = {
    t
    for t in (
        0x00080080,
        0x00080081,
        0x00081010,
        0x00081040,
        0x00080050,
        0x00200010,
        0x0020000D,
        0x0020000E,
        0x00080018,
        0x00020003,
        0x00200052,
    )
}


@dataclass(frozen=True)
class TagRow:
    tag: str  # "(0008,0060)"
    keyword: str
    vr: str
    value: str
    depth: int = 0


def is_identifying(tag: int | BaseTag, vr: str | None) -> bool:
    """Whether an element could identify the patient, the visit or the staff."""
    tag = int(tag)
    group = tag >> 16
    if group & 1:  # private elements: their content is unknown
        return True
    if group == 0x0010 and tag not in _PATIENT_ALLOWED:
        return True
    if vr == "PN" or tag in _DENY_TAGS or tag in PROFILE_TAGS:
        return True
    if keyword_for_tag(tag) in _DENY_KEYWORDS:
        return True
    action = profile_action(tag, vr)
    if action == "shift":  # a date the import would shift; shown as it is it dates the visit
        return vr != "TM"
    return action in ("remove", "empty", "uid", "replace")


def _text(value: object, limit: int = 120) -> str:
    """One line for the table, whatever the value is (bytes, numbers, inf, odd objects)."""
    try:
        if isinstance(value, bytes | bytearray | memoryview):
            return f"<{len(value)} bytes>"
        if isinstance(value, MultiValue | list | tuple):
            value = "\\".join(str(v) for v in value)  # DICOM's own separator
        text = " ".join(str(value).split())
    except Exception:
        return "(value not readable)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_rows(
    ds: Dataset, depth: int = 0, max_depth: int = 3, pieces: list[str] | None = None
) -> Iterator[TagRow]:
    """Rows for a tag browser, in tag order, with identifying elements left out.

    Never raises for odd content: an element pydicom cannot convert (an unknown VR, a length
    that does not fit its VR) is shown as "(value not readable)", and when the patient's
    identifiers themselves cannot be read, free-text values are withheld.
    """
    withhold_text = False
    if pieces is None:  # the patient's own name and ID, wherever else they were typed
        try:
            pieces = patient_identifiers(ds)
        except Exception:
            pieces, withhold_text = [], True
    tags: list[tuple[Dataset, int]] = []
    meta = getattr(ds, "file_meta", None) if depth == 0 else None
    if isinstance(meta, Dataset):
        tags.extend((meta, t) for t in sorted(meta._dict))
    tags.extend((ds, t) for t in sorted(ds._dict))
    for owner, raw_tag in tags:
        tag_int = int(raw_tag)
        if tag_int == 0x7FE00010:
            continue
        raw_vr = getattr(owner._dict.get(raw_tag), "VR", None)
        try:
            elem = owner[raw_tag]
            vr = str(elem.VR)
        except Exception:
            elem, vr = None, str(raw_vr or "UN")
        if is_identifying(tag_int, vr):
            continue
        if elem is not None:
            try:
                if value_identifies(elem, pieces):
                    continue
            except Exception:
                continue  # a value the checks cannot read could still name someone
        tag = f"({tag_int >> 16:04X},{tag_int & 0xFFFF:04X})"
        try:
            keyword = keyword_for_tag(tag_int) or "unknown"
        except Exception:
            keyword = "unknown"
        if elem is None:
            if vr in TEXT_VRS:
                continue  # an unreadable text value could still name someone
            yield TagRow(tag, keyword, vr, "(value not readable)", depth)
            continue
        try:
            value = elem.value
        except Exception:
            continue
        if vr in TEXT_VRS:
            if withhold_text:
                continue
            try:
                if pieces and holds_identifier(value, pieces):
                    continue
            except Exception:
                continue
        if vr == "SQ":
            items = value if isinstance(value, list) else []
            yield TagRow(tag, keyword, "SQ", f"{len(items)} item(s)", depth)
            if depth < max_depth:
                for item in items:
                    if isinstance(item, Dataset):
                        yield from safe_rows(item, depth + 1, max_depth, pieces)
            continue
        yield TagRow(tag, keyword, vr, _text(value), depth)
