"""What counts as identifying: shared by the viewer's tag display and the de-identifier (no Qt).

``PROFILE_TAGS``: elements of DICOM PS3.15 Annex E's basic confidentiality profile that
``safe_tags`` hides and ``deidentify`` removes, beyond safe_tags' own deny-list.
``patient_identifiers(ds)`` / ``holds_identifier(value, pieces)``: the patient's names, IDs and
birth date as pieces to look for in other text (a description that names the patient).
"""

from __future__ import annotations

import re
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

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


def patient_identifiers(ds: Dataset) -> list[str]:
    """Lower-case pieces of the patient's names, IDs and birth date to search other text for."""
    pieces: set[str] = set()
    for keyword in (
        "PatientName",
        "OtherPatientNames",
        "PatientBirthName",
        "PatientMotherBirthName",
    ):
        for name in values(ds.get(keyword)):
            for part in re.split(r"[\^=\s,]+", str(name)):
                if len(part) >= 3:
                    pieces.add(part.lower())
    for keyword in ("PatientID", "OtherPatientIDs"):
        for value in values(ds.get(keyword)):
            if len(str(value).strip()) >= 3:
                pieces.add(str(value).strip().lower())
    born = str(ds.get("PatientBirthDate", "") or "").strip()
    if len(born) == 8:
        pieces.add(born)
    for item in ds.get("OtherPatientIDsSequence") or []:
        value = str(item.get("PatientID", "") or "").strip()
        if len(value) >= 3:
            pieces.add(value.lower())
    return sorted(pieces)


def holds_identifier(value: Any, pieces: list[str]) -> bool:
    """Whether any of the value's texts contains one of the pieces (case-insensitive)."""
    for v in values(value):
        text = v.decode("latin-1", "replace") if isinstance(v, bytes) else str(v)
        text = text.lower()
        if any(piece in text for piece in pieces):
            return True
    return False
