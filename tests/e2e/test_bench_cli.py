"""`cnoatlas bench --quick` as CI runs it: it completes and prints every figure with its target."""

import json

GROUPS = {
    "startup", "series", "interaction", "generator", "store", "cases", "library", "scaling",
    "workload",
}


def test_bench_quick_json_has_every_figure_with_its_target(run_cli):
    result = run_cli("bench", "--quick", "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # --json: nothing but JSON on stdout
    assert data["quick"] is True
    assert data["errors"] == []
    assert {"cpu", "cores", "python", "pyside6", "numpy"} <= set(data["machine"])
    figures = data["figures"]
    assert {f["group"] for f in figures} == GROUPS
    names = [f["name"] for f in figures]
    assert len(names) == len(set(names))
    for figure in figures:
        assert {"name", "value", "unit", "target", "passed"} <= set(figure), figure
        assert isinstance(figure["value"], int | float), figure
        assert isinstance(figure["target"], int | float), figure
        assert isinstance(figure["passed"], bool), figure
        assert figure["unit"] in {"x", "ms", "%", "s", "R²", "count"}, figure
    assert data["passed"] + data["failed"] == len(figures)
    for required in (
        "startup.window_ratio",
        "series.first_slice_share",
        "series.engine_load_ratio",
        "series.memory_ratio",
        "interaction.slice_change_p95_ratio",
        "interaction.window_level_p95_ratio",
        "interaction.zoom_p95_ratio",
        "interaction.map_hit_test_ratio",
        "interaction.overlay_switch_p95_ratio",
        "generator.full_study_ratio",
        "generator.cached_reopen_ratio",
        "store.record_ratio",
        "store.statistics_ratio",
        "scaling.slope_ratio",
        "scaling.linearity",
        "cases.cold_page_ratio",
        "cases.cache_after_browsing",
        "library.list_ratio",
        "library.pull_ratio",
        "workload.whole_body_cold_ratio",
        "workload.long_series_first_slice_ratio",
        "workload.long_series_memory_ratio",
        "workload.rle_load_ratio",
        "workload.jpeg2000_load_ratio",
        "workload.jpegls_load_ratio",
        "workload.lecture_export_ratio",
    ):
        assert required in names, required


def test_bench_table_names_the_machine(run_cli):
    result = run_cli("bench", "--quick", "--only", "store", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "[store]" in result.stdout
    assert "targets met" in result.stdout
    assert "cores" in result.stdout


def test_bench_rejects_an_unknown_section(run_cli):
    result = run_cli("bench", "--only", "everything")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_bench_compare_refuses_a_file_that_is_not_bench_json(run_cli, tmp_path):
    bad = tmp_path / "old.json"
    bad.write_text('{"nothing": 1}', encoding="utf-8")
    for path in (bad, tmp_path / "absent.json"):
        result = run_cli("bench", "--only", "store", "--compare", str(path))
        assert result.returncode == 2
        assert str(path) in result.stderr and "Traceback" not in result.stderr
