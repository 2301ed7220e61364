"""The benchmark suite behind ``cnoatlas bench``: figures, their targets, and the runner.

Every figure is measured as a ratio against the raw cost of the same work in the same run, or as
a time with an absolute budget where the issue sets one, so the figures hold on a noisy machine.
The bench reports and never judges: a missed target is a figure with ``passed: false``, not an
error. This module is pure Python (no Qt, no numpy) so its statistics can be unit tested; each
section lives in its own module and imports what it measures inside its functions.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from cnoatlas.bench.core import (
    COMPARISONS,
    JSON_VERSION,
    BenchResult,
    Context,
    Figure,
    LineFit,
    Section,
    _load_average,
    format_value,
    interleaved,
    linear_fit,
    median,
    percentile,
    repeat,
    timed,
)

__all__ = [
    "COMPARISONS",
    "JSON_VERSION",
    "BenchResult",
    "Context",
    "Figure",
    "LineFit",
    "Section",
    "format_value",
    "interleaved",
    "linear_fit",
    "median",
    "percentile",
    "repeat",
    "run_bench",
    "sections",
    "timed",
]


def sections() -> dict[str, Section]:
    """The sections in the order they run (imported lazily: each pulls in what it measures)."""
    from cnoatlas.bench import (
        cases,
        generator,
        interaction,
        library,
        scaling,
        series,
        startup,
        store,
        workloads,
    )

    return {
        "startup": startup.run,
        "series": series.run,
        "interaction": interaction.run,
        "generator": generator.run,
        "store": store.run,
        "cases": cases.run,
        "library": library.run,
        "scaling": scaling.run,
        "workload": workloads.run,
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
    section_seconds: dict[str, float] = {}
    saved_home = os.environ.get("CNOATLAS_HOME")
    with tempfile.TemporaryDirectory(prefix="cnoatlas-bench-") as scratch:
        os.environ["CNOATLAS_HOME"] = str(Path(scratch) / "home")
        try:
            for name in names:
                if progress is not None:
                    progress(name)
                workdir = Path(scratch) / name
                workdir.mkdir()
                began = time.perf_counter()
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
                section_seconds[name] = round(time.perf_counter() - began, 1)
        finally:
            if saved_home is None:
                os.environ.pop("CNOATLAS_HOME", None)
            else:
                os.environ["CNOATLAS_HOME"] = saved_home
    machine["load_average_end"] = _load_average()
    machine["section_seconds"] = section_seconds
    return BenchResult(quick, machine, figures, errors, time.perf_counter() - start)
