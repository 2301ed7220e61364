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


# --- comparison with an earlier run ---------------------------------------------------------
# A figure without A/B repeats behind it (a count, a single timing) gets this noise.
DEFAULT_NOISE = 0.10


def _noise(figure: dict[str, Any]) -> float:
    if figure.get("unit") == "count":
        return 0.0
    value = (figure.get("detail") or {}).get("noise")
    return float(value) if isinstance(value, int | float) else DEFAULT_NOISE


def compare_runs(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Each figure of ``new`` (bench JSON) beside the same figure of ``old``: the change and
    whether it is a regression, an improvement, or within the noise of the two runs (the larger
    spread of their A/B repeats). Figures only one run has are "new" or "gone"."""
    before = {f["name"]: f for f in old.get("figures", []) if isinstance(f, dict) and "name" in f}
    rows: list[dict[str, Any]] = []
    for figure in new.get("figures", []):
        name = figure["name"]
        value = figure.get("value")
        row: dict[str, Any] = {
            "name": name,
            "label": figure.get("label", name),
            "unit": figure.get("unit", ""),
            "value": value,
            "old": None,
            "change": None,
            "noise": None,
            "verdict": "new",
        }
        earlier = before.pop(name, None)
        if earlier is not None:
            was = earlier.get("value")
            row["old"] = was
            noise = max(_noise(figure), _noise(earlier))
            row["noise"] = round(noise, 4)
            if not isinstance(value, int | float) or not isinstance(was, int | float):
                row["verdict"] = "n/a"
            else:
                scale = abs(was) if was else 1.0
                change = (value - was) / scale
                row["change"] = round(change, 4)
                worse = -change if figure.get("compare") == ">=" else change
                if worse > noise:
                    row["verdict"] = "regressed"
                elif -worse > noise:
                    row["verdict"] = "improved"
                else:
                    row["verdict"] = "same"
        rows.append(row)
    for name, earlier in before.items():
        rows.append(
            {
                "name": name,
                "label": earlier.get("label", name),
                "unit": earlier.get("unit", ""),
                "value": None,
                "old": earlier.get("value"),
                "change": None,
                "noise": None,
                "verdict": "gone",
            }
        )
    return rows


def format_compare(rows: list[dict[str, Any]], old_label: str) -> str:
    def text(value: Any, unit: str) -> str:
        return format_value(float(value), unit) if isinstance(value, int | float) else "—"

    table = [("figure", "before", "now", "change", "noise", "")]
    for r in rows:
        table.append(
            (
                "  " + str(r["label"]),
                text(r["old"], r["unit"]),
                text(r["value"], r["unit"]),
                f"{100 * r['change']:+.1f} %" if r["change"] is not None else "",
                f"±{100 * r['noise']:.1f} %" if r["noise"] is not None else "",
                "REGRESSED" if r["verdict"] == "regressed" else r["verdict"],
            )
        )
    widths = [max(len(t[i]) for t in table) for i in range(6)]
    lines = [f"compared with {old_label}"]
    for t in table:
        lines.append(
            f"{t[0]:<{widths[0]}}  {t[1]:>{widths[1]}}  {t[2]:>{widths[2]}}  "
            f"{t[3]:>{widths[3]}}  {t[4]:>{widths[4]}}  {t[5]}".rstrip()
        )
    regressed = [r for r in rows if r["verdict"] == "regressed"]
    lines.append(
        f"{len(regressed)} regression(s) beyond the noise"
        + (": " + ", ".join(r["name"] for r in regressed) if regressed else "")
    )
    return "\n".join(lines)
