"""The benchmark suite behind ``cnoatlas bench``: figures, their targets, and the runner.

Every figure is measured as a ratio against the raw cost of the same work in the same run, or as
a time with an absolute budget where the issue sets one, so the figures hold on a noisy machine.
The bench reports and never judges: a missed target is a figure with ``passed: false``, not an
error. This module is pure Python (no Qt, no numpy) so its statistics can be unit tested; each
section lives in its own module and imports what it measures inside its functions.
"""

from __future__ import annotations

import gc
import math
import os
import tempfile
import time
import traceback
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
    works: dict[str, Callable[[], Any]], n: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Milliseconds of each work, run A, B, A, B… so drift on the machine hits both alike."""
    for _ in range(warmup):
        for work in works.values():
            work()
    times: dict[str, list[float]] = {key: [] for key in works}
    for _ in range(n):
        for key, work in works.items():
            times[key].append(timed(work, collect=True))
    return times


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


def sections() -> dict[str, Section]:
    """The sections in the order they run (imported lazily: each pulls in what it measures)."""
    from cnoatlas.bench import cases, generator, interaction, scaling, series, startup, store

    return {
        "startup": startup.run,
        "series": series.run,
        "interaction": interaction.run,
        "generator": generator.run,
        "store": store.run,
        "scaling": scaling.run,
        "cases": cases.run,
    }


def run_bench(
    quick: bool = False,
    only: Sequence[str] | None = None,
    chosen: dict[str, Section] | None = None,
    progress: Callable[[str], None] | None = None,
) -> BenchResult:
    """Run every section (or ``only`` those); a section that raises is an error, not a figure.

    User state goes to a private folder for the run (``CNOATLAS_HOME``), so the bench never
    touches the learner's settings, progress or phantom cache, and every cache starts cold.
    """
    from cnoatlas.bench.report import machine_info

    available = chosen if chosen is not None else sections()
    names = [n for n in available if not only or n in only]
    start = time.perf_counter()
    figures: list[Figure] = []
    errors: list[dict[str, str]] = []
    machine = machine_info()
    saved_home = os.environ.get("CNOATLAS_HOME")
    with tempfile.TemporaryDirectory(prefix="cnoatlas-bench-") as scratch:
        os.environ["CNOATLAS_HOME"] = str(Path(scratch) / "home")
        try:
            for name in names:
                if progress is not None:
                    progress(name)
                workdir = Path(scratch) / name
                workdir.mkdir()
                try:
                    figures.extend(available[name](Context(quick, workdir)))
                except Exception as exc:
                    errors.append(
                        {
                            "section": name,
                            "error": f"{type(exc).__name__}: {exc}",
                            "traceback": traceback.format_exc(limit=6),
                        }
                    )
        finally:
            if saved_home is None:
                os.environ.pop("CNOATLAS_HOME", None)
            else:
                os.environ["CNOATLAS_HOME"] = saved_home
    machine["load_average_end"] = _load_average()
    return BenchResult(quick, machine, figures, errors, time.perf_counter() - start)


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None
