"""`cnoatlas cases list` and `cnoatlas cases validate` as a user runs them."""

import json
import shutil

from tests.e2e.conftest import ROOT


def test_cases_list_json_prints_the_contract_shape(run_cli):
    result = run_cli("cases", "list", "--json")
    assert result.returncode == 0, result.stderr
    cases = json.loads(result.stdout)
    assert len(cases) >= 16
    keys = {"id", "title", "diagnosis", "synthetic", "age_years", "sex", "site_ids", "pattern"}
    assert all(set(c) == keys for c in cases)
    by_id = {c["id"]: c for c in cases}
    assert by_id["cno-medial-clavicle"]["site_ids"] == ["clavicle.left.medial-third"]
    assert by_id["lch-vertebra-plana"]["pattern"] is None


def test_cases_validate_passes_on_the_library(run_cli):
    result = run_cli("cases", "validate", str(ROOT / "cases"))
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout and result.stderr == ""


def test_cases_validate_lists_every_problem_of_a_broken_copy(run_cli, tmp_path):
    library = tmp_path / "cases"
    for name in ("cno-medial-clavicle", "lch-vertebra-plana"):
        shutil.copytree(ROOT / "cases" / name, library / name)
    clavicle = library / "cno-medial-clavicle" / "case.json"
    clavicle.write_text(
        clavicle.read_text(encoding="utf-8").replace('"diagnosis": "cno"', '"diagnosis": "crmo"'),
        encoding="utf-8",
    )
    plana = library / "lch-vertebra-plana" / "case.json"
    raw = json.loads(plana.read_text(encoding="utf-8"))
    raw["lesions"][0]["site_id"] = "vertebra.t9"
    plana.write_text(json.dumps(raw), encoding="utf-8")

    result = run_cli("cases", "validate", "cases")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("cases/cno-medial-clavicle/case.json: diagnosis: unknown diagnosis")
    assert (
        "cases/lch-vertebra-plana/case.json: lesions[0].site_id: "
        "'vertebra.t9' is a group; name one site" in lines
    )
    assert "Traceback" not in result.stderr

    single = run_cli("cases", "validate", "cases/lch-vertebra-plana")
    assert single.returncode == 2 and "cno-medial-clavicle" not in single.stderr


def test_case_screenshot_shows_the_case_page(run_cli, tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "case.png"
    result = run_cli(
        "screenshot",
        "--view",
        "case:cno-medial-clavicle",
        "--out",
        str(out),
        "--size",
        "1280x800",
        "--select",
        "clavicle.left.medial-third",
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)

    unknown = run_cli("screenshot", "--view", "case:no-such-case", "--out", str(out))
    assert unknown.returncode == 2
    assert unknown.stderr.count("\n") == 1 and "unknown case 'no-such-case'" in unknown.stderr
    elsewhere = run_cli(
        "screenshot",
        "--view",
        "case:cno-medial-clavicle",
        "--out",
        str(out),
        "--select",
        "tibia.left.distal-metaphysis",
    )
    assert elsewhere.returncode == 2 and "has no lesion in" in elsewhere.stderr
