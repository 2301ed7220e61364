"""`cnoatlas sites` and the map screenshot as a user runs them."""

import json

from PySide6.QtGui import QImage

SEGMENTS = {
    "epiphysis",
    "metaphysis",
    "diaphysis",
    "apophysis",
    "body",
    "posterior-elements",
    "base",
    "shaft",
    "head",
    "third",
    "column",
    None,
}


def test_sites_json_prints_the_contract_shape(run_cli):
    result = run_cli("sites", "--json")
    assert result.returncode == 0, result.stderr
    sites = json.loads(result.stdout)
    assert isinstance(sites, list) and len(sites) > 200
    assert all(set(s) == {"id", "name", "bone", "side", "segment"} for s in sites)
    assert all(s["side"] in {"left", "right", "midline"} for s in sites)
    assert all(s["segment"] in SEGMENTS for s in sites)
    ids = [s["id"] for s in sites]
    assert len(ids) == len(set(ids))
    by_id = {s["id"]: s for s in sites}
    for example in (
        "tibia.left.proximal-metaphysis",
        "clavicle.right.medial-third",
        "vertebra.t7.body",
        "sacroiliac-joint.left",
        "mandible.left",
    ):
        assert example in by_id
    assert by_id["vertebra.t7.body"] == {
        "id": "vertebra.t7.body",
        "name": "T7 vertebral body",
        "bone": "T7 vertebra",
        "side": "midline",
        "segment": "body",
    }
    assert by_id["tibia.left.proximal-metaphysis"]["segment"] == "metaphysis"


def test_sites_table_is_readable(run_cli):
    result = run_cli("sites")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "BONE", "SIDE", "SEGMENT"]
    row = next(line for line in lines if line.startswith("clavicle.left.medial-third "))
    assert "Left clavicle, medial third" in row and row.split()[-1] == "third"


def test_map_screenshot_with_a_selected_site(run_cli, tmp_path):
    out = tmp_path / "map.png"
    result = run_cli(
        "screenshot",
        "--view",
        "map",
        "--select",
        "tibia.left.proximal-metaphysis",
        "--out",
        str(out),
        "--size",
        "1280x720",
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


def test_map_screenshot_refuses_an_unknown_site(run_cli, tmp_path):
    result = run_cli(
        "screenshot", "--view", "map", "--select", "tibia.middle", "--out", str(tmp_path / "x.png")
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "tibia.middle" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()
