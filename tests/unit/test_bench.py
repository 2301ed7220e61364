"""The benchmark's pure parts: statistics, line fits, targets, the JSON shape and the runner."""

import json
import math

import pytest

from cnoatlas.bench import (
    BenchResult,
    Context,
    Figure,
    format_value,
    interleaved,
    linear_fit,
    median,
    percentile,
    run_bench,
)
from cnoatlas.bench.report import format_table, machine_info

FIGURE_KEYS = {"name", "group", "label", "value", "unit", "target", "compare", "passed", "detail"}


def test_median_of_odd_and_even_counts():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert median([7.0]) == 7.0
    with pytest.raises(ValueError):
        median([])


def test_percentile_interpolates_between_ranks_like_numpy():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([10.0, 20.0], 25) == pytest.approx(12.5)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        percentile([], 50)


def test_p95_sees_a_slow_tail_the_median_hides():
    times = [1.0] * 90 + [9.0] * 10
    assert median(times) == 1.0
    assert percentile(times, 95) == 9.0


def test_linear_fit_recovers_slope_and_intercept_of_a_line():
    fit = linear_fit([20, 40, 80, 160], [12.0, 22.0, 42.0, 82.0])  # 0.5 ms per slice + 2 ms
    assert fit.slope == pytest.approx(0.5)
    assert fit.intercept == pytest.approx(2.0)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.max_deviation == pytest.approx(0.0, abs=1e-12)


def test_linear_fit_flags_growth_that_is_not_linear():
    xs = [20, 40, 80, 160]
    quadratic = [x * x / 100 for x in xs]
    curved = linear_fit(xs, quadratic)
    assert curved.r2 < 0.98
    assert curved.max_deviation > 0.05
    noisy = linear_fit(xs, [10.2, 19.7, 40.5, 79.8])
    assert 0.99 < noisy.r2 < 1.0


def test_linear_fit_needs_two_distinct_x():
    with pytest.raises(ValueError):
        linear_fit([10], [1.0])
    with pytest.raises(ValueError):
        linear_fit([10, 10], [1.0, 2.0])


@pytest.mark.parametrize(
    ("value", "target", "compare", "passed"),
    [
        (1.2, 1.2, "<=", True),
        (1.21, 1.2, "<=", False),
        (5.0, 5.0, "<", False),
        (4.99, 5.0, "<", True),
        (0.99, 0.98, ">=", True),
        (0.97, 0.98, ">=", False),
        (math.nan, 1.0, "<=", False),
        (math.inf, 1.0, "<=", False),
    ],
)
def test_figure_passes_against_its_target(value, target, compare, passed):
    assert Figure("g.x", "x", value, "x", target, compare).passed is passed


def test_figure_rejects_an_unknown_comparison():
    with pytest.raises(ValueError):
        Figure("g.x", "x", 1.0, "x", 1.0, "==")


def test_figure_json_has_every_field_and_is_valid_json():
    figure = Figure(
        "series.full_load_ratio",
        "full load vs plain loop",
        0.4123456,
        "x",
        1.2,
        detail={"plain_ms": 50.123456, "runs": 9, "nan": math.nan, "list": [1.0, math.inf]},
    )
    data = figure.to_json()
    assert set(data) == FIGURE_KEYS
    assert data["group"] == "series"
    assert data["value"] == 0.4123
    assert data["passed"] is True
    assert data["detail"] == {"plain_ms": 50.1235, "runs": 9, "nan": None, "list": [1.0, None]}
    json.loads(json.dumps(data, allow_nan=False))  # no NaN or Infinity reaches the JSON


def test_format_value_by_unit():
    assert format_value(1.234, "x") == "1.23x"
    assert format_value(12.34, "%") == "12.3 %"
    assert format_value(0.99876, "R²") == "R² 0.9988"
    assert format_value(2.5, "ms") == "2.5 ms"
    assert format_value(123.4, "ms") == "123 ms"
    assert format_value(math.nan, "ms") == "n/a"


def test_interleaved_runs_works_in_turn():
    calls = []
    times = interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3)
    assert calls == ["a", "b"] * 4  # one warm-up round, then three timed rounds
    assert [len(times["a"]), len(times["b"])] == [3, 3]
    assert all(t >= 0 for t in times["a"] + times["b"])


def test_context_repetitions_quick_or_full(tmp_path):
    assert Context(quick=True, workdir=tmp_path).reps(9, 3) == 3
    assert Context(quick=False, workdir=tmp_path).reps(9, 3) == 9


def test_runner_reports_a_broken_section_as_an_error_and_keeps_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "mine"))
    homes = []

    def good(ctx: Context) -> list[Figure]:
        import os

        homes.append(os.environ["CNOATLAS_HOME"])
        assert ctx.quick and ctx.workdir.is_dir()
        return [
            Figure("good.ratio", "good", 0.5, "x", 1.0),
            Figure("good.slow", "slow", 7, "ms", 5),
        ]

    def broken(ctx: Context) -> list[Figure]:
        raise RuntimeError("the probe exited 1")

    seen = []
    result = run_bench(quick=True, chosen={"good": good, "broken": broken}, progress=seen.append)
    assert seen == ["good", "broken"]
    assert [f.name for f in result.figures] == ["good.ratio", "good.slow"]
    assert [f.name for f in result.failed_targets] == ["good.slow"]
    assert result.errors[0]["section"] == "broken"
    assert "RuntimeError: the probe exited 1" in result.errors[0]["error"]
    # The run used a private user folder and gave the caller's back.
    assert homes and homes[0] != str(tmp_path / "mine")
    import os

    assert os.environ["CNOATLAS_HOME"] == str(tmp_path / "mine")


def test_runner_runs_only_the_sections_asked_for(tmp_path):
    ran = []
    sections = {name: (lambda ctx, name=name: ran.append(name) or []) for name in ("a", "b", "c")}
    run_bench(chosen=sections, only=["c", "a"])
    assert ran == ["a", "c"]


def test_result_json_shape_and_table(tmp_path):
    figures = [
        Figure("startup.window_ratio", "first painted window vs bare", 1.5, "x", 2.0),
        Figure("store.record_p95", "record one answer", 6.0, "ms", 5.0, "<"),
    ]
    result = BenchResult(True, machine_info(), figures, [], 12.3)
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) == {
        "version",
        "quick",
        "seconds",
        "machine",
        "passed",
        "failed",
        "errors",
        "figures",
    }
    assert (data["passed"], data["failed"]) == (1, 1)
    assert all(set(f) == FIGURE_KEYS for f in data["figures"])
    assert {"cpu", "cores", "python", "pyside6", "numpy"} <= set(data["machine"])
    table = format_table(result)
    assert "[startup]" in table and "[store]" in table
    row = next(line for line in table.splitlines() if "record one answer" in line)
    assert row.split()[-1] == "MISS"
    assert "1 of 2 targets met" in table


def test_ratio_figure_is_the_ratio_of_medians_or_p95_with_its_noise():
    from cnoatlas.bench.core import ratio_figure, ratio_noise

    floor = [1.0, 1.0, 1.0, 1.0, 2.0]
    subject = [1.5, 1.5, 1.5, 1.5, 3.0]
    figure = ratio_figure("g.r", "r", floor, subject, 2.0, subject_name="viewer")
    assert figure.value == 1.5 and figure.unit == "x" and figure.passed
    assert figure.detail["viewer_ms"] == 1.5 and figure.detail["floor_ms"] == 1.0
    assert figure.detail["noise"] == 0.0  # every round the same ratio
    p95 = ratio_figure("g.p", "p", floor, subject, 1.4, statistic="p95")
    assert p95.value == pytest.approx(1.5) and not p95.passed
    assert ratio_noise([1, 1, 1, 1], [1, 2, 1, 2]) == pytest.approx(1.0 / 1.5)


def test_compare_flags_only_changes_beyond_the_noise():
    from cnoatlas.bench.report import compare_runs, format_compare

    def run(**values):
        return {
            "figures": [
                {"name": n, "label": n, "value": v, "unit": "x", "compare": c,
                 "detail": {"noise": 0.05}}
                for n, (v, c) in values.items()
            ]
        }  # fmt: skip

    old = run(a=(1.0, "<="), b=(1.0, "<="), c=(1.0, "<="), d=(0.99, ">="), gone=(1.0, "<="))
    new = run(a=(1.03, "<="), b=(1.2, "<="), c=(0.8, "<="), d=(0.90, ">="), fresh=(1.0, "<="))
    verdicts = {r["name"]: r["verdict"] for r in compare_runs(old, new)}
    assert verdicts == {
        "a": "same",
        "b": "regressed",
        "c": "improved",
        "d": "regressed",
        "fresh": "new",
        "gone": "gone",
    }
    text = format_compare(compare_runs(old, new), "old.json")
    assert "REGRESSED" in text and "2 regression(s)" in text
