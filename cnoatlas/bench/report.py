"""The machine a bench ran on, and the figures as a plain-text table."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from cnoatlas.bench.core import BenchResult, _load_average, format_value


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def machine_info() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "cores_usable": usable,
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "pyside6": _version("PySide6-Essentials") or _version("PySide6"),
        "numpy": _version("numpy"),
        "pydicom": _version("pydicom"),
        "pyqtgraph": _version("pyqtgraph"),
        "load_average_start": _load_average(),
        "executable": sys.executable,
    }


def format_table(result: BenchResult) -> str:
    rows = [("figure", "value", "target", "")]
    group = ""
    lines: list[str] = []
    for figure in result.figures:
        if figure.group != group:
            group = figure.group
            rows.append((f"[{group}]", "", "", ""))
        rows.append(
            (
                "  " + figure.label,
                format_value(figure.value, figure.unit),
                figure.target_text,
                "pass" if figure.passed else "MISS",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        lines.append(
            f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
        )
    m = result.machine
    passed = sum(f.passed for f in result.figures)
    lines.append("")
    lines.append(
        f"{passed} of {len(result.figures)} targets met"
        + (" (--quick: fewer repetitions, smaller sizes)" if result.quick else "")
        + f" in {result.seconds:.0f} s"
    )
    lines.append(
        f"machine: {m.get('cpu')}, {m.get('cores')} cores; Python {m.get('python')}, "
        f"PySide6 {m.get('pyside6')}, numpy {m.get('numpy')}, pydicom {m.get('pydicom')}, "
        f"pyqtgraph {m.get('pyqtgraph')}"
    )
    lines.append(
        f"load average at start {m.get('load_average_start')}, at end {m.get('load_average_end')}"
    )
    for error in result.errors:
        lines.append(f"measurement failed: {error['section']}: {error['error']}")
    return "\n".join(lines)
