"""Identifiers planted in every place issue 22 lists are found nowhere after import, nor on screen.

Places: the 128-byte preamble, a name in a CS value (Scan Options), the MRN in Body Part
Examined, the doctor's and the hospital's name in Series Description, Protocol Name and a Code
Meaning inside a sequence, private tags (top level and inside sequences), nested sequences
three deep, a UN element, a standard text element not in the profile's table, and the file
and folder names. Searched: every output file's bytes and elements, every file and folder
name, the report and case files, the import's result lines, every log line, and the text the
viewer shows (overlay labels, the tag browser) for the study opened without import.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from cnoatlas.domain.cases import user_cases_dir
from cnoatlas.imaging.series import load_series
from cnoatlas.library.user_cases import import_dicom
from cnoatlas.ui.viewer.series_viewer import SeriesViewer
from tests.unit.test_deidentify import FILES, NEEDLES, PLANTED, assert_clean, planted_dataset

pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")

DOCTOR = "Plantedphys"  # also the ReferringPhysicianName's family name
HOSPITAL = "Saint Plantedhospital"  # also the InstitutionName
MRN = PLANTED["id"]


def hostile_dataset(index: int) -> Dataset:
    ds = planted_dataset(index)
    ds.preamble = b"Plantedname Secretina PID778899".ljust(128, b"\0")
    ds.ScanOptions = ["FS", "SECRETINA"]  # a name in a CS value
    ds.BodyPartExamined = MRN  # the MRN where a body part belongs
    ds.SeriesDescription = f"STIR cor {DOCTOR}"
    ds.ProtocolName = f"WB STIR {HOSPITAL}"
    ds.StudyDescription = f"WB MRI Dr. {DOCTOR}"
    ds.ContrastBolusRoute = "IV Secretina"  # kept text that is not in the profile's table
    region = ds.AnatomicRegionSequence[0]
    region.CodeMeaning = f"Knee (requested by {DOCTOR})"
    # Three levels of sequences, a private tag and a code meaning at the bottom.
    deepest = Dataset()
    deepest.CodeValue = "113100"
    deepest.CodingSchemeDesignator = "DCM"
    deepest.CodeMeaning = f"{HOSPITAL} protocol"
    block = deepest.private_block(0x0043, "PLANTED DEEP", create=True)
    block.add_new(0x01, "LO", MRN)
    middle = Dataset()
    middle.ConceptNameCodeSequence = Sequence([deepest])
    middle.ScanOptions = "SECRETINA"
    top = Dataset()
    top.ContentSequence = Sequence([middle])
    ds.AcquisitionContextSequence = Sequence([top])
    ds.add_new(0x00189999, "UN", b"Plantedname in an unknown element")
    return ds


@pytest.fixture
def study(tmp_path) -> Path:
    folder = tmp_path / "Plantedname_Secretina" / "PID778899"  # names in the folders too
    folder.mkdir(parents=True)
    for index in range(3):
        path = folder / f"Secretina_{index}.dcm"
        hostile_dataset(index).save_as(path, enforce_file_format=True)
        assert b"Plantedname" in path.read_bytes()[:128]
    return folder


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _no_needle(text: str, where: str) -> None:
    found = [n for n in NEEDLES if n in text.lower()]
    assert not found, f"{found} in {where}"


def test_none_survives_the_import(study, caplog):
    caplog.set_level(logging.DEBUG)
    result = import_dicom(study, "planted", age_years=11, sex="F")
    folder = user_cases_dir() / "planted"
    files = sorted((folder / "dicom").rglob("*.dcm"))
    assert len(files) == 3
    for path in folder.rglob("*"):
        _no_needle(str(path.relative_to(folder)), "a file or folder name")
        if path.is_file():
            _no_needle(path.read_bytes().decode("latin-1"), path.name)
    for path in files:
        assert_clean(path)
        raw = path.read_bytes()
        assert raw[:128] == b"\0" * 128 and raw[128:132] == b"DICM"
        ds = pydicom.dcmread(path)
        assert not ds.get("ScanOptions") or "SECRETINA" not in ds.ScanOptions
        assert not ds.get("BodyPartExamined")
        assert not ds.get("SeriesDescription") and not ds.get("ProtocolName")
        assert "AcquisitionContextSequence" not in ds or not any(
            e.tag.is_private for item in ds.AcquisitionContextSequence for e in item
        )
        assert not any(e.VR == "UN" for e in ds.iterall())
    _no_needle(json.dumps(result.report), "the report")
    _no_needle("\n".join(result.lines), "the result lines")
    _no_needle("\n".join(r.getMessage() for r in caplog.records), "the log")
    report = result.report
    actions = {(a["keyword"], a["action"]) for a in report["attributes"]}
    assert ("(file preamble)", "zeroed") in actions
    assert ("ScanOptions", "emptied (held the patient's name or ID)") in actions
    assert ("BodyPartExamined", "emptied (held the patient's name or ID)") in actions


def test_none_reaches_the_screen_of_a_study_opened_without_import(qtbot, study):
    series = load_series(study).series[0]
    _no_needle(series.description, "the series description")
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.resize(500, 450)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.set_series(series, 1)
    for name, label in viewer._labels.items():
        _no_needle(label.text(), f"the {name} overlay label")
    dialog = viewer.open_tag_browser()
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    assert rows and "Modality" in " ".join(" ".join(r) for r in rows)
    for row in rows:
        _no_needle(" ".join(row), "the tag browser")
    _no_needle(dialog.windowTitle(), "the tag browser's title")
