"""`cnoatlas import` as a user runs it: a de-identified user case, listed and valid."""

import json

import pydicom
import pytest

from tests.unit.test_deidentify import (
    FILES,
    NEEDLES,
    assert_clean,
    write_burned_in,
    write_planted_series,
)

pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "study"
    write_planted_series(folder / "mr", slices=3)
    write_burned_in(folder / "burned")
    return folder


def _no_identifier(text: str) -> None:
    assert not [n for n in NEEDLES if n in text.lower()], text


def test_import_then_list_and_validate(run_cli, study, tmp_path):
    result = run_cli("import", str(study), "--case-id", "clinic-case", "--title", "From clinic")
    assert result.returncode == 0, result.stderr
    _no_identifier(result.stdout + result.stderr)
    assert "3 of 6 file(s) imported in 1 series; 3 refused" in result.stdout
    assert "PatientName" in result.stdout and "refused: file" in result.stdout

    folder = tmp_path / "home" / "data" / "cases" / "clinic-case"
    files = sorted((folder / "dicom").rglob("*.dcm"))
    assert len(files) == 3
    for path in files:
        assert_clean(path)
        assert str(pydicom.dcmread(path).PatientName) == "ANON^clinic-case"
    report = json.loads((folder / "deidentification-report.json").read_text(encoding="utf-8"))
    assert report["files"]["refused"] == 3

    listed = run_cli("cases", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    by_id = {c["id"]: c for c in json.loads(listed.stdout)}
    assert by_id["clinic-case"]["synthetic"] is False
    assert by_id["clinic-case"]["title"] == "From clinic"
    assert (by_id["clinic-case"]["age_years"], by_id["clinic-case"]["sex"]) == (11, "F")
    assert by_id["cno-medial-clavicle"]["synthetic"] is True  # the shipped cases are still there

    valid = run_cli("cases", "validate", str(folder))
    assert valid.returncode == 0, valid.stderr

    again = run_cli("import", str(study), "--case-id", "clinic-case")
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_import_json_report(run_cli, study):
    result = run_cli("import", str(study / "mr"), "--case-id", "json-case", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["case_id"] == "json-case" and report["files"]["imported"] == 3
    _no_identifier(result.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--case-id", "Bad_Id"], "lowercase"),
        (["--case-id", "cno-medial-clavicle"], "already exists"),
    ],
)
def test_bad_input_is_one_line_exit_2(run_cli, study, args, message):
    result = run_cli("import", str(study), *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stdout == ""


def test_no_images_is_refused(run_cli, tmp_path):
    folder = tmp_path / "burned-only"
    write_burned_in(folder)
    result = run_cli("import", str(folder), "--case-id", "nothing-here")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no DICOM images" in result.stderr
    _no_identifier(result.stderr)
    assert not (tmp_path / "home" / "data" / "cases" / "nothing-here").exists()


def test_pydicom_warnings_do_not_reach_the_screen(run_cli, tmp_path):
    """Warnings quote values (a name could be one); an import prints none of them."""
    import shutil

    folder = tmp_path / "odd"
    folder.mkdir()
    # An invalid UID inside: reading it makes pydicom warn, quoting the value.
    shutil.copy(FILES / "rtdose_1frame.dcm", folder / "dose.dcm")
    result = run_cli("import", str(folder), "--case-id", "odd-values", "--age", "9", "--sex", "M")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_an_import_named_cno_is_a_valid_case_left_unclassified(run_cli, study, tmp_path):
    result = run_cli("import", str(study), "--case-id", "clinic-cno", "--diagnosis", "cno")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "home" / "data" / "cases" / "clinic-cno"
    case = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    assert (case["diagnosis"], case["pattern"]) == ("cno", "unclassified")
    valid = run_cli("cases", "validate", str(folder))
    assert valid.returncode == 0, valid.stderr
