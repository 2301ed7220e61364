"""Importing DICOM as a user case: the case folder, the report, refusals and atomicity."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest

from cnoatlas.domain.cases import load_library, user_cases_dir, validate_path
from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging.series import load_series
from cnoatlas.library import user_cases
from cnoatlas.library.user_cases import REPORT_FILE, ImportCancelled, import_dicom
from tests.unit.test_deidentify import (
    FILES,
    NEEDLES,
    assert_clean,
    write_burned_in,
    write_planted_series,
)

pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A private user folder for each test (imported cases live there)."""
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def study(tmp_path) -> Path:
    """A planted 3-slice MR series, burned-in files, a bundled CT and a report (no image)."""
    folder = tmp_path / "study"
    write_planted_series(folder / "mr")
    write_burned_in(folder / "other")
    shutil.copy(FILES / "CT_small.dcm", folder / "ct.dcm")
    shutil.copy(FILES / "test-SR.dcm", folder / "report.dcm")
    return folder


def left_over(home: Path) -> list[Path]:
    root = home / "data" / "cases"
    return sorted(root.rglob("*")) if root.exists() else []


def test_import_writes_a_clean_valid_case(study):
    result = import_dicom(study, "my-case", "Clavicle from clinic")
    folder = user_cases_dir() / "my-case"
    assert result.folder == folder
    files = sorted((folder / "dicom").rglob("*.dcm"))
    assert len(files) == 4  # three MR slices and the CT
    for path in files:
        assert_clean(path)
    # The report and the case hold no identifier either; neither do the file names.
    for path in (folder / REPORT_FILE, folder / "case.json"):
        text = path.read_text(encoding="utf-8").lower()
        assert not [n for n in NEEDLES if n in text]
    assert not [p for p in folder.rglob("*") if "plantedname" in p.name.lower()]
    report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["files"] == {"found": 8, "imported": 4, "refused": 3, "skipped": 1}
    reasons = " ".join(item["reason"] for item in report["refused"])
    assert "BurnedInAnnotation is YES" in reasons
    assert "secondary capture" in reasons and "ultrasound" in reasons
    assert report["skipped"][0]["reason"].startswith("no image")
    actions = {(a["keyword"], a["action"]): a["files"] for a in report["attributes"]}
    assert actions[("PatientName", "replaced")] == 4
    assert actions[("(private elements)", "removed")] == 4  # CT_small has some too
    assert actions[("InstitutionName", "removed")] >= 3
    assert actions[("SOPInstanceUID", "replaced (new UID)")] == 4
    # The case: valid, imported, not synthetic, characteristics from the images.
    count, problems = validate_path(folder)
    assert (count, problems) == (1, [])
    case = load_library().get("my-case")
    assert case is not None and case.imported and not case.synthetic
    assert case.title == "Clavicle from clinic"
    assert (case.patient.age_years, case.patient.sex) == (11.0, "F")
    assert case.diagnosis == "other" and case.series.dicom == "dicom"
    assert not (user_cases_dir() / ".importing").exists()  # the staging folder is gone


def test_series_stay_coherent_and_pixels_unchanged(study):
    import_dicom(study, "my-case")
    folder = user_cases_dir() / "my-case" / "dicom"
    mr_out = next(s for s in load_series(folder).series if s.modality == "MR" and len(s) == 3)
    mr_in = load_series(study / "mr").series[0]
    assert np.array_equal(mr_out.pixels, mr_in.pixels)
    assert mr_out.uid != mr_in.uid
    headers = [mr_out.header(i) for i in range(3)]
    assert len({h.StudyInstanceUID for h in headers}) == 1
    assert len({h.FrameOfReferenceUID for h in headers}) == 1
    assert all(h.SOPInstanceUID != f"1.2.826.0.1.3680043.2.99.1.{i}" for i, h in enumerate(headers))
    # Both series of the import share one new study UID.
    ct_out = next(s for s in load_series(folder).series if s.modality == "CT")
    assert ct_out.study_uid != mr_out.study_uid  # different studies stay different
    assert str(mr_out.header(0).PatientName) == "ANON^my-case"


def test_the_salt_decides_the_uids(study, home):
    import_dicom(study / "mr", "first", salt=b"same")
    import_dicom(study / "mr", "second", salt=b"same")
    import_dicom(study / "mr", "third")

    def uids(case_id):
        files = sorted((user_cases_dir() / case_id / "dicom").rglob("*.dcm"))
        return {pydicom.dcmread(f).SOPInstanceUID for f in files}

    assert uids("first") == uids("second")
    assert not uids("first") & uids("third")


def test_zip_input(study, tmp_path):
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((study / "mr").iterdir()):
            zf.write(path, f"DICOM/{path.name}")
    result = import_dicom(archive, "zipped")
    assert result.report["files"]["imported"] == 3


def test_refusals_leave_nothing(study, home, tmp_path):
    with pytest.raises(AtlasError, match="lowercase"):
        import_dicom(study, "My_Case")
    with pytest.raises(AtlasError, match="already exists"):
        import_dicom(study, "cno-medial-clavicle")  # a shipped case
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    with pytest.raises(AtlasError, match="no DICOM images"):
        import_dicom(empty, "nothing")
    only_burned = tmp_path / "burned"
    write_burned_in(only_burned)
    with pytest.raises(AtlasError, match="no DICOM images") as caught:
        import_dicom(only_burned, "nothing")
    assert not [n for n in NEEDLES if n in str(caught.value).lower()]
    with pytest.raises(AtlasError, match="no such file"):
        import_dicom(tmp_path / "missing", "nothing")
    assert left_over(home) == []
    import_dicom(study, "once")
    with pytest.raises(AtlasError, match="already exists"):
        import_dicom(study, "once")


def test_age_and_sex_must_be_known(tmp_path, home):
    folder = tmp_path / "ct"
    folder.mkdir()
    shutil.copy(FILES / "CT_small.dcm", folder / "ct.dcm")  # sex O
    with pytest.raises(AtlasError, match="--sex"):
        import_dicom(folder, "no-sex")
    assert left_over(home) == []
    result = import_dicom(folder, "no-sex", sex="M", age_years=7)
    case = load_library().get("no-sex")
    assert (case.patient.age_years, case.patient.sex) == (7, "M")
    assert result.report["series"][0]["modality"] == "CT"


def test_a_failure_halfway_leaves_nothing(study, home, monkeypatch):
    from cnoatlas.imaging import deidentify

    written = []
    real = deidentify.write_file

    def failing(path, ds):
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        real(path, ds)

    monkeypatch.setattr(deidentify, "write_file", failing)
    with pytest.raises(AtlasError, match="the disk is full; nothing was imported"):
        import_dicom(study, "half")
    assert len(written) == 2
    assert left_over(home) == []
    assert load_library().get("half") is None


def test_cancel_leaves_nothing(study, home):
    cancel = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 2:
            cancel.set()

    with pytest.raises(ImportCancelled):
        import_dicom(study, "cancelled", progress=progress, cancel=cancel)
    assert seen[:3] == [0, 1, 2]
    assert left_over(home) == []


def test_new_case_json_is_minimal():
    report = {"series": [{"modality": "MR"}, {"modality": "CT"}, {"modality": "MR"}]}
    case = user_cases.new_case_json("x", "T", "other", 12, "F", report)
    assert case["synthetic"] is False and case["imported"] is True
    assert case["findings"] == [] and case["teaching_points"] == [] and case["lesions"] == []
    assert case["presenting_title"] == "Imported CT/MR study, 3 series"


def _errors(path: Path) -> set[str]:
    run = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return {line.strip() for line in (run.stdout + run.stderr).splitlines() if "Error" in line}


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy is not installed")
@pytest.mark.parametrize("name", ["MR_small.dcm", "CT_small.dcm", "examples_overlay.dcm"])
def test_dciodvfy_finds_no_new_errors(tmp_path, name):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FILES / name, folder / name)
    import_dicom(folder, "checked", age_years=10, sex="F")
    out = next((user_cases_dir() / "checked" / "dicom").rglob("*.dcm"))
    assert _errors(out) <= _errors(folder / name)


def test_reasons_never_quote_library_errors():
    assert user_cases.safe_reason("not readable as DICOM (bad value 'Doe^John')") == (
        "not readable as DICOM"
    )
    assert user_cases.safe_reason("colour image (RGB); the viewer shows greyscale only") == (
        "colour image (RGB); the viewer shows greyscale only"
    )


@pytest.mark.parametrize(
    "name",
    [
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_implicit.dcm",
        "rtdose.dcm",
    ],
)
def test_other_encodings_keep_their_pixels(tmp_path, name):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FILES / name, folder / name)
    import_dicom(folder, "encoded", age_years=10, sex="F")
    before = load_series(folder).series[0]
    after = load_series(user_cases_dir() / "encoded" / "dicom").series[0]
    assert np.array_equal(after.pixels, before.pixels)
    old_name = str(pydicom.dcmread(FILES / name).PatientName).split("^")[0].lower()
    for path in (user_cases_dir() / "encoded" / "dicom").rglob("*.dcm"):
        assert old_name.encode() not in path.read_bytes().lower()


def test_a_file_without_instance_uid_is_skipped(tmp_path):
    folder = tmp_path / "in"
    write_planted_series(folder, slices=2)
    broken = pydicom.dcmread(next(folder.iterdir()))
    del broken.SOPInstanceUID
    broken.SeriesInstanceUID = "1.2.826.0.1.3680043.2.99.30"
    broken.save_as(folder / "zz-broken.dcm", enforce_file_format=False)
    result = import_dicom(folder, "partial")
    assert result.report["files"]["imported"] == 2
    assert result.report["skipped"] == [
        {"file": "file 3", "reason": "no SOP Class or Instance UID"}
    ]
