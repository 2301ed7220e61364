"""De-identification: planted identifiers never survive, UIDs stay coherent, pixels stay the same.

Inputs are pydicom's bundled test files and files written here with planted identifiers; every
element of every output file (nested sequences and file meta included) and its raw bytes are
searched for them.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from cnoatlas.imaging.confidentiality import PROFILE_REMOVE
from cnoatlas.imaging.deidentify import (
    EMPTIED,
    KEPT_PATIENT,
    Deidentifier,
    Report,
    age_years,
    burned_in_reason,
    derived_age,
    scan_values,
)
from cnoatlas.imaging.safe_tags import is_identifying
from cnoatlas.imaging.series import load_series

FILES = Path(pydicom.__file__).parent / "data" / "test_files"
pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")

# What the planted files carry; none of it may reach an output file or the report.
PLANTED = {
    "name": "Plantedname^Secretina",
    "id": "PID778899",
    "birth": "20100314",
    "institution": "Saint Plantedhospital",
    "physician": "Plantedphys^Doctor",
    "operator": "Operatorjoe",
    "address": "12 Plantedstreet",
}
# The strings searched for in every output (parts of the above, case-insensitive).
NEEDLES = (
    "plantedname",
    "secretina",
    "pid778899",
    "20100314",
    "plantedhospital",
    "plantedphys",
    "operatorjoe",
    "plantedstreet",
)
STUDY_DATE = "20210601"


def planted_dataset(index: int, base: str = "MR_small.dcm") -> Dataset:
    """Slice ``index`` of one planted series: MR_small with identifiers in many places."""
    ds = pydicom.dcmread(FILES / base)
    ds.PatientName = PLANTED["name"]
    ds.PatientID = PLANTED["id"]
    ds.PatientBirthDate = PLANTED["birth"]
    ds.PatientSex = "F"
    if "PatientAge" in ds:
        del ds.PatientAge
    ds.PatientAddress = PLANTED["address"]
    ds.OtherPatientIDs = PLANTED["id"] + "-OLD"
    ds.EthnicGroup = "Planted group"
    ds.InstitutionName = PLANTED["institution"]
    ds.InstitutionAddress = PLANTED["address"]
    ds.ReferringPhysicianName = PLANTED["physician"]
    ds.PerformingPhysicianName = PLANTED["physician"]
    ds.OperatorsName = PLANTED["operator"]
    ds.AccessionNumber = "ACC" + PLANTED["id"]
    ds.StudyID = PLANTED["id"]
    ds.StationName = "PLANTEDHOSPITAL1"
    ds.DeviceSerialNumber = "SN-PID778899"
    ds.StudyDate = STUDY_DATE
    ds.SeriesDate = STUDY_DATE
    ds.AcquisitionDateTime = STUDY_DATE + "101500"
    # Free text that names the patient: removed by the profile or by the text search.
    ds.ImageComments = f"follow-up of {PLANTED['name']}"
    ds.SeriesDescription = "STIR coronal Secretina"
    ds.ProtocolName = "WB STIR"
    ds.AcquisitionComments = "text"  # removed by the profile anyway
    ds.ContrastBolusAgent = f"gadolinium, born {PLANTED['birth']}"  # kept text, holds the date
    # A private block with the name inside.
    block = ds.private_block(0x0029, "PLANTED VENDOR", create=True)
    block.add_new(0x10, "LO", f"{PLANTED['name']} private")
    # Nested: a request sequence (identifying), a reference to slice 0, a coded item with text.
    request = Dataset()
    request.RequestedProcedureID = PLANTED["id"]
    request.ScheduledProcedureStepID = "SPS" + PLANTED["id"]
    ds.RequestAttributesSequence = Sequence([request])
    reference = Dataset()
    reference.ReferencedSOPClassUID = ds.SOPClassUID
    reference.ReferencedSOPInstanceUID = f"1.2.826.0.1.3680043.2.99.1.{0}"
    inner = reference.private_block(0x0031, "PLANTED NESTED", create=True)
    inner.add_new(0x01, "LO", PLANTED["physician"])
    reference.ContentCreatorName = PLANTED["physician"]
    ds.ReferencedImageSequence = Sequence([reference])
    region = Dataset()
    region.CodeValue = "T-D1213"
    region.CodingSchemeDesignator = "SRT"
    region.CodeMeaning = "Knee of Plantedname"
    ds.AnatomicRegionSequence = Sequence([region])
    # One series, several slices.
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.2.99.7"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.2.99.8"
    ds.FrameOfReferenceUID = "1.2.826.0.1.3680043.2.99.9"
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.2.99.1.{index}"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.SourceApplicationEntityTitle = "PLANTEDHOSPITAL"
    ds.InstanceNumber = index + 1
    ds.ImagePositionPatient = [0.0, 0.0, 5.0 * index]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    arr = ds.pixel_array.copy()
    arr = (arr + 7 * index).astype(arr.dtype)
    ds.PixelData = arr.tobytes()
    return ds


def write_planted_series(folder: Path, slices: int = 3) -> list[Path]:
    """A planted MR series plus the files that must be refused; returns the series' paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(slices):
        path = folder / f"Plantedname_Secretina_{index:02d}.dcm"  # a name in the file name too
        planted_dataset(index).save_as(path, enforce_file_format=True)
        written.append(path)
    return written


def write_burned_in(folder: Path) -> dict[str, Path]:
    """Files that may carry identifiers in their pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    ds = planted_dataset(10)
    ds.BurnedInAnnotation = "YES"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.2.99.20"
    out["burned"] = folder / "burned.dcm"
    ds.save_as(out["burned"], enforce_file_format=True)
    ds = planted_dataset(11)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"  # secondary capture, BurnedInAnnotation unset
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.Modality = "OT"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.2.99.21"
    out["capture"] = folder / "capture.dcm"
    ds.save_as(out["capture"], enforce_file_format=True)
    ds = planted_dataset(12)
    ds.Modality = "US"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.2.99.22"
    out["ultrasound"] = folder / "ultrasound.dcm"
    ds.save_as(out["ultrasound"], enforce_file_format=True)
    return out


def walk_elements(ds: Dataset):
    """Every element of a dataset and its sequence items, depth first."""
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value or []:
                yield from walk_elements(item)


def assert_clean(path: Path) -> None:
    """No planted string in any element value (nested, file meta) nor in the raw bytes."""
    raw = path.read_bytes().lower()
    for needle in NEEDLES:
        assert needle.encode() not in raw, f"{needle!r} in the bytes of {path.name}"
    ds = pydicom.dcmread(path)
    for keyword, value in scan_values(ds):
        text = str(value).lower()
        for needle in NEEDLES:
            assert needle not in text, f"{needle!r} survives in {keyword} of {path.name}"


def deidentify(ds: Dataset, **kwargs) -> tuple[Dataset, set]:
    ds = copy.deepcopy(ds)
    done = Deidentifier("case-x", **kwargs).apply(ds)
    return ds, done


# --- one dataset ----------------------------------------------------------------------------
def test_planted_identifiers_are_removed_everywhere_in_the_dataset():
    ds, done = deidentify(planted_dataset(0), salt=b"s", date_offset_days=-1000)
    for keyword, value in scan_values(ds):
        for needle in NEEDLES:
            assert needle not in str(value).lower(), (needle, keyword)
    assert str(ds.PatientName) == "ANON^case-x"
    assert ds.PatientID == "case-x"
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.DeidentificationMethod
    codes = {item.CodeValue for item in ds.DeidentificationMethodCodeSequence}
    assert "113100" in codes  # the basic profile
    # No private element, anywhere.
    assert not [e for e in walk_elements(ds) if e.tag.is_private]
    # The kept descriptors survive when clean; the one naming the patient goes.
    assert ds.ProtocolName == "WB STIR"
    assert not ds.get("SeriesDescription")
    assert ("SeriesDescription", "emptied (held the patient's name or ID)") in done
    assert not ds.get("ContrastBolusAgent")
    assert not ds.AnatomicRegionSequence[0].get("CodeMeaning")
    assert ds.AnatomicRegionSequence[0].CodeValue == "T-D1213"


def test_nothing_the_viewer_hides_is_left_but_the_replaced_values():
    """The display deny-list (safe_tags.is_identifying) and the profile are one definition."""
    ds, _done = deidentify(planted_dataset(0), salt=b"s")
    allowed = {"PatientName", "PatientID", *EMPTIED}
    left = []
    for elem in walk_elements(ds):
        if not is_identifying(elem.tag, elem.VR) or elem.keyword in allowed:
            continue
        if elem.VR == "UI":  # the viewer hides UIDs; the profile replaces them (checked below)
            continue
        if elem.VR in ("DA", "DT"):  # the viewer hides dates; the profile shifts them
            continue
        left.append(elem.keyword or str(elem.tag))
    assert left == []
    for keyword in EMPTIED:
        assert ds.get(keyword) in ("", None)


def test_profile_keywords_are_real_dicom_keywords():
    unknown = [k for k in PROFILE_REMOVE | EMPTIED | KEPT_PATIENT if tag_for_keyword(k) is None]
    assert unknown == []


def test_patient_characteristics_are_kept_and_age_derived():
    ds, done = deidentify(planted_dataset(0), salt=b"s")
    assert ds.PatientSex == "F"
    assert ds.PatientAge == "011Y"  # 2010-03-14 to 2021-06-01
    assert ("PatientAge", "derived from the birth date") in done
    assert ds.PatientBirthDate == ""
    assert "PatientAddress" not in ds and "EthnicGroup" not in ds and "OtherPatientIDs" not in ds


def test_dates_shift_by_the_offset_and_times_stay():
    ds, done = deidentify(planted_dataset(0), salt=b"s", date_offset_days=-365)
    assert ds.StudyDate == "20200601"
    assert ds.SeriesDate == "20200601"
    assert ds.AcquisitionDateTime == "20200601101500"
    assert ("StudyDate", "date shifted") in done
    assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
    assert len(ds.DeidentificationMethod) <= 64
    ds2, _ = deidentify(planted_dataset(0), salt=b"s")  # a random offset: a real shift
    assert ds2.StudyDate != STUDY_DATE and len(ds2.StudyDate) == 8


def test_uids_are_new_consistent_and_salted():
    originals = [planted_dataset(i) for i in range(3)]
    deid = Deidentifier("case-x", salt=b"one")
    outs = [copy.deepcopy(ds) for ds in originals]
    for ds in outs:
        deid.apply(ds)
    assert len({ds.StudyInstanceUID for ds in outs}) == 1
    assert len({ds.SeriesInstanceUID for ds in outs}) == 1
    assert len({ds.FrameOfReferenceUID for ds in outs}) == 1
    assert len({ds.SOPInstanceUID for ds in outs}) == 3
    for old, new in zip(originals, outs, strict=True):
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            assert new[keyword].value != old[keyword].value
            assert str(new[keyword].value).startswith("2.25.")
            assert len(str(new[keyword].value)) <= 64
        assert new.SOPClassUID == old.SOPClassUID  # a class, not an instance: kept
    # The reference to slice 0 points at slice 0's new UID.
    assert outs[2].ReferencedImageSequence[0].ReferencedSOPInstanceUID == outs[0].SOPInstanceUID
    # Same salt: same UIDs; another salt: others.
    again = copy.deepcopy(originals[0])
    Deidentifier("case-x", salt=b"one").apply(again)
    assert again.SOPInstanceUID == outs[0].SOPInstanceUID
    other = copy.deepcopy(originals[0])
    Deidentifier("case-x", salt=b"two").apply(other)
    assert other.SOPInstanceUID != outs[0].SOPInstanceUID


def test_overlays_curves_and_icons_are_removed():
    ds = pydicom.dcmread(FILES / "examples_overlay.dcm")
    assert any(e.tag.group & 0xFF00 == 0x6000 for e in ds)
    out, done = deidentify(ds, salt=b"s")
    assert not any(e.tag.group & 0xFF00 in (0x6000, 0x5000) for e in out)
    assert ("(overlay group 60xx)", "removed") in done
    assert "IconImageSequence" not in out
    assert "Sssssss" not in str(list(scan_values(out)))  # the file's own patient name


@pytest.mark.parametrize("name", ["MR_small.dcm", "CT_small.dcm", "rtdose_1frame.dcm"])
def test_bundled_files_lose_their_names(name):
    ds = pydicom.dcmread(FILES / name)
    old_name = str(ds.PatientName).split("^")[0].lower()
    out, _done = deidentify(ds, salt=b"s")
    assert old_name and all(old_name not in str(v).lower() for _k, v in scan_values(out))


# --- burned-in text -------------------------------------------------------------------------
def test_burned_in_rules():
    ds = planted_dataset(0)
    assert burned_in_reason(ds) is None  # an MR image
    ds.BurnedInAnnotation = "YES"
    assert "BurnedInAnnotation" in burned_in_reason(ds)
    sc = planted_dataset(0)
    sc.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    assert "secondary capture" in burned_in_reason(sc)
    sc.BurnedInAnnotation = "NO"
    assert burned_in_reason(sc) is None
    us = planted_dataset(0)
    us.Modality = "US"
    assert "ultrasound" in burned_in_reason(us)
    shot = planted_dataset(0)
    shot.ImageType = ["DERIVED", "SECONDARY", "SCREEN SAVE"]
    assert "screen save" in burned_in_reason(shot)
    face = planted_dataset(0)
    face.RecognizableVisualFeatures = "YES"
    assert "face" in burned_in_reason(face)
    photo = planted_dataset(0)
    photo.SOPClassUID = "1.2.840.10008.5.1.4.1.1.77.1.4"
    photo.BurnedInAnnotation = "NO"
    assert "photograph" in burned_in_reason(photo)


# --- helpers ----------------------------------------------------------------------------------
def test_ages():
    assert age_years("012Y") == 12.0
    assert age_years("006M") == 0.5
    assert age_years("") is None and age_years("twelve") is None
    ds = Dataset()
    ds.PatientBirthDate = "20200115"
    ds.StudyDate = "20210301"
    assert derived_age(ds) == "013M"
    ds.StudyDate = "20100101"  # before the birth: no age
    assert derived_age(ds) is None


def test_report_holds_no_original_value():
    _ds, done = deidentify(planted_dataset(0), salt=b"s")
    report = Report("case-x", files_found=1)
    report.count(done)
    report.refused.append({"file": "file 2", "reason": "BurnedInAnnotation is YES"})
    text = (str(report.to_json()) + "\n".join(report.lines())).lower()
    for needle in NEEDLES:
        assert needle not in text
    keywords = {a["keyword"] for a in report.to_json()["attributes"]}
    assert {"PatientName", "PatientBirthDate", "InstitutionName", "(private elements)"} <= keywords


def test_output_reads_back_with_the_same_pixels(tmp_path):
    from cnoatlas.imaging.deidentify import prepare_for_writing, write_file

    src = tmp_path / "in"
    paths = write_planted_series(src)
    out = tmp_path / "out"
    out.mkdir()
    deid = Deidentifier("case-x", salt=b"s")
    for index, path in enumerate(paths):
        ds = pydicom.dcmread(path)
        deid.apply(ds)
        prepare_for_writing(ds)
        write_file(out / f"{index}.dcm", ds)
        assert_clean(out / f"{index}.dcm")
    before = load_series(src).series[0]
    after = load_series(out).series[0]
    assert len(after) == len(before) == 3
    assert np.array_equal(after.pixels, before.pixels)
    assert after.uid != before.uid


def test_the_tag_browser_hides_what_the_import_removes():
    """One definition: safe_rows hides the profile's elements and text naming the patient."""
    from cnoatlas.imaging.safe_tags import safe_rows

    ds = planted_dataset(0)
    rows = list(safe_rows(ds))
    shown = {row.keyword for row in rows}
    assert "ProtocolName" in shown and "Modality" in shown
    assert not shown & {"SeriesDescription", "ContrastBolusAgent", "AcquisitionComments"}
    assert not shown & {"CodeMeaning", "StudyDescription"}
    text = " ".join(f"{row.keyword} {row.value}" for row in rows).lower()
    assert not [n for n in NEEDLES if n in text]
