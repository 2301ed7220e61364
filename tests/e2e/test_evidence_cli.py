"""`cnoatlas evidence` and the overlay screenshot as a user runs them."""

import json

from PySide6.QtGui import QImage


def test_evidence_json_prints_only_the_contract_shape(run_cli):
    result = run_cli("evidence", "--json")
    assert result.returncode == 0, result.stderr
    datasets = json.loads(result.stdout)
    assert {d["id"] for d in datasets} >= {"andronikou2020", "dangelo2021", "lch-typical-sites"}
    for dataset in datasets:
        assert set(dataset) == {"id", "title", "unit", "citation", "population", "values"}
        assert dataset["citation"]
        for value in dataset["values"]:
            assert set(value) == {"label", "value", "site_ids"} and value["site_ids"]


def test_evidence_table_is_readable(run_cli):
    result = run_cli("evidence")
    assert result.returncode == 0, result.stderr
    assert "Tibia" in result.stdout and "68 %" in result.stdout
    assert "Andronikou et al. 2020, via Nico et al. 2022" in result.stdout


def test_overlay_screenshot_and_an_unknown_dataset(run_cli, tmp_path):
    out = tmp_path / "overlay.png"
    result = run_cli("screenshot", "--view", "overlay:andronikou2020", "--out", str(out))
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)
    bad = run_cli("screenshot", "--view", "overlay:nope", "--out", str(tmp_path / "x.png"))
    assert bad.returncode == 2
    assert "unknown evidence dataset 'nope'" in bad.stderr and "andronikou2020" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
