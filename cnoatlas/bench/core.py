"""The pieces every benchmark section is made of: statistics, figures, the run context and
the result. Pure Python (no Qt, no numpy) so its statistics can be unit tested.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMPARISONS = ("<=", "<", ">=")
JSON_VERSION = 1


# --- statistics -----------------------------------------------------------------------------
def median(values: Iterable[float]) -> float:
    data = sorted(float(v) for v in values)
    if not data:
        raise ValueError("median of no values")
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100), interpolated linearly between ranks (numpy's default)."""
    data = sorted(float(v) for v in values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    rank = (len(data) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


@dataclass(frozen=True)
class LineFit:
    """A least-squares line ``y = slope * x + intercept`` and how well it fits."""

    slope: float
    intercept: float
    r2: float  # coefficient of determination, 1.0 for points exactly on a line
    max_deviation: float  # largest |y - fit| over the points, relative to the largest y


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> LineFit:
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("a line needs at least two (x, y) pairs")
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a line needs at least two different x values")
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    residuals = [y - (slope * x + intercept) for x, y in zip(xs, ys, strict=True)]
    ss_res = sum(r * r for r in residuals)
    ss_tot = sum((y - my) ** 2 for y in ys)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    top = max(abs(y) for y in ys) or 1.0
    return LineFit(slope, intercept, r2, max(abs(r) for r in residuals) / top)


def timed(work: Callable[[], Any], collect: bool = False) -> float:
    """Milliseconds one call of ``work`` takes; ``collect``: collect garbage first (untimed), so
    the cycles left by the previous measurement are not charged to this one."""
    if collect:
        gc.collect()
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000.0


def repeat(work: Callable[[], Any], n: int, warmup: int = 1) -> list[float]:
    """Milliseconds of ``n`` calls of ``work`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        work()
    return [timed(work) for _ in range(n)]


def interleaved(
    works: dict[str, Callable[[], Any]], n: int, warmup: int = 1, collect: bool = True
) -> dict[str, list[float]]:
    """Milliseconds of each work, run A, B, A, B… so drift on the machine hits both alike.

    ``collect``: garbage is collected before every run (untimed). For many short runs pass
    False: the collector is then off for the whole measurement, so neither side pays for it."""
    for _ in range(warmup):
        for work in works.values():
            work()
    times: dict[str, list[float]] = {key: [] for key in works}
    enabled = gc.isenabled()
    if not collect:
        gc.collect()
        gc.disable()
    try:
        for _ in range(n):
            for key, work in works.items():
                times[key].append(timed(work, collect=collect))
    finally:
        if enabled:
            gc.enable()
    return times


def ratio_noise(floor: Sequence[float], subject: Sequence[float]) -> float:
    """How much the ratio moves between A/B rounds: the interquartile range of the per-round
    ratios ``subject[i] / floor[i]`` over their median (0.1 = the ratio wobbles by 10 %).
    ``--compare`` calls a change a regression only when it is larger than this."""
    rounds = [b / a for a, b in zip(floor, subject, strict=False) if a > 0]
    if len(rounds) < 2:
        return 0.0
    mid = median(rounds)
    if mid <= 0:
        return 0.0
    return (percentile(rounds, 75) - percentile(rounds, 25)) / mid


def ratio_figure(
    name: str,
    label: str,
    floor: Sequence[float],
    subject: Sequence[float],
    target: float,
    *,
    statistic: str = "median",
    compare: str = "<=",
    floor_name: str = "floor",
    subject_name: str = "subject",
    detail: dict[str, Any] | None = None,
) -> Figure:
    """A figure that is the ratio of ``subject`` to its ``floor`` (milliseconds of A/B rounds
    run in the same sitting): the ratio of their medians, or of their 95th percentiles. The
    absolute times and the noise of the ratio go in ``detail``."""
    if statistic not in ("median", "p95"):
        raise ValueError(f"statistic must be median or p95, not {statistic!r}")

    def stat(values: Sequence[float]) -> float:
        return median(values) if statistic == "median" else percentile(values, 95)

    low = stat(floor)
    value = stat(subject) / low if low > 0 else math.nan
    info: dict[str, Any] = {
        f"{subject_name}_ms": median(subject),
        f"{subject_name}_p95_ms": percentile(subject, 95),
        f"{floor_name}_ms": median(floor),
        f"{floor_name}_p95_ms": percentile(floor, 95),
        "runs": min(len(floor), len(subject)),
        "statistic": statistic,
        "noise": ratio_noise(floor, subject),
    }
    info.update(detail or {})
    return Figure(name, label, value, "x", target, compare, info)


# --- figures --------------------------------------------------------------------------------
@dataclass
class Figure:
    """One measured figure, its target and the raw numbers behind it."""

    name: str  # stable id, e.g. "series.full_load_ratio"
    label: str  # what a reader sees in the table
    value: float
    unit: str  # "x", "ms", "%", "ms/slice", "R²", "count"
    target: float
    compare: str = "<="
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.compare not in COMPARISONS:
            raise ValueError(f"compare must be one of {COMPARISONS}, not {self.compare!r}")

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def passed(self) -> bool:
        if not math.isfinite(self.value):
            return False
        if self.compare == "<=":
            return self.value <= self.target
        if self.compare == "<":
            return self.value < self.target
        return self.value >= self.target

    @property
    def target_text(self) -> str:
        return f"{self.compare} {format_value(self.target, self.unit)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group,
            "label": self.label,
            "value": _json_number(self.value),
            "unit": self.unit,
            "target": _json_number(self.target),
            "compare": self.compare,
            "passed": self.passed,
            "detail": {k: _json_number(v) for k, v in self.detail.items()},
        }


def _json_number(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, list):
        return [_json_number(v) for v in value]
    return value


def format_value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "R²":
        return f"R² {value:.4f}"
    if unit == "count":
        return f"{value:.0f}"
    if unit in ("ms", "ms/slice"):
        return f"{value:.3g} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{value:.3g} {unit}"


# --- the run --------------------------------------------------------------------------------
@dataclass
class Context:
    """What a section needs: quick or full, a scratch folder, and how often to repeat."""

    quick: bool
    workdir: Path

    def reps(self, full: int, quick: int) -> int:
        return quick if self.quick else full


Section = Callable[[Context], list[Figure]]


@dataclass
class BenchResult:
    quick: bool
    machine: dict[str, Any]
    figures: list[Figure]
    errors: list[dict[str, str]]
    seconds: float

    @property
    def failed_targets(self) -> list[Figure]:
        return [f for f in self.figures if not f.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "quick": self.quick,
            "seconds": round(self.seconds, 1),
            "machine": self.machine,
            "passed": sum(f.passed for f in self.figures),
            "failed": len(self.failed_targets),
            "errors": self.errors,
            "figures": [f.to_json() for f in self.figures],
        }


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None
