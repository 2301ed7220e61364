"""Start-up: the atlas's first painted main window against a bare PySide6 window, and imports.

Both windows start the same way, as a fresh ``python -c`` subprocess on the offscreen platform,
and exit the moment their first paint event arrives; the runs alternate A, B, A, B so a busy
machine slows both alike. The figure is the ratio of the medians.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from cnoatlas.bench.core import Context, Figure, ratio_figure

# Exits (without tearing Qt down, which neither side should be charged for) on the first paint,
# saying which heavy modules were loaded by then.
_ON_FIRST_PAINT = """
import os, sys
from PySide6.QtCore import QEvent, QObject
class _FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            heavy = [m for m in ("numpy", "pydicom", "pyqtgraph") if m in sys.modules]
            sys.stdout.write("painted " + ",".join(heavy) + "\\n"); sys.stdout.flush()
            os._exit(0)
        return False
"""
BARE_WINDOW = (
    _ON_FIRST_PAINT
    + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
first = _FirstPaint(); window.installEventFilter(first)
window.show()
sys.exit(app.exec())
"""
)
# What ``cnoatlas`` does (cnoatlas.cli.main -> ui.app.run_gui), up to the window's first paint.
ATLAS_WINDOW = (
    _ON_FIRST_PAINT
    + """
from cnoatlas.cli import main
import cnoatlas.ui.shell.app as app_module
from cnoatlas.ui.shell.main_window import MainWindow
_show = MainWindow.show
def _watched_show(self):
    self._bench_first_paint = _FirstPaint(); self.installEventFilter(self._bench_first_paint)
    _show(self)
MainWindow.show = _watched_show
sys.exit(main([]))
"""
)
# The same start, up to the first paint of the skeleton map: the Atlas page ready to use. The
# probe watches that one widget (from its construction), as the bare probe watches its window:
# an application-wide filter would run Python for every event of every widget, a cost of the
# probe (tens of milliseconds) that the app itself never pays.
ATLAS_PAGE = (
    _ON_FIRST_PAINT
    + """
from cnoatlas.cli import main
from cnoatlas.ui.atlas.site_map import SiteMap
_init = SiteMap.__init__
def _watched_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    if self.objectName() == "siteMap-front":
        self._bench_first_paint = _FirstPaint(); self.installEventFilter(self._bench_first_paint)
SiteMap.__init__ = _watched_init
sys.exit(main([]))
"""
)
HEAVY_MODULES = ("PySide6.QtCore", "numpy", "pydicom", "pyqtgraph")
_IMPORT = """
import json, sys, time
start = time.perf_counter()
import {module}
ms = (time.perf_counter() - start) * 1000
print(json.dumps({{"ms": ms, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _env(ctx: Context) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CNOATLAS_HOME"] = str(ctx.workdir / "home")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # As an installed app starts: from compiled bytecode (the warm-up run writes it, into the
    # run's scratch folder, never into the source tree), even where the shell disables it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(ctx.workdir / "pycache")
    return env


def _run(code: str, env: dict[str, str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    ms = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"start-up probe exited {done.returncode}: {tail}")
    return ms, done.stdout


def painted_heavy(out: str) -> list[str] | None:
    """The heavy modules a probe reported at its first paint; None when it never painted."""
    for line in out.splitlines():
        if line.startswith("painted"):
            return [m for m in line[len("painted") :].strip().split(",") if m]
    return None


def window_times(ctx: Context, n: int) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """Milliseconds to each probe's first paint (A, B, … in turn), and the heavy modules each
    probe had loaded when it painted."""
    env = _env(ctx)
    probes = {"bare": BARE_WINDOW, "atlas": ATLAS_WINDOW, "page": ATLAS_PAGE}
    times: dict[str, list[float]] = {key: [] for key in probes}
    heavy: dict[str, list[str]] = {key: [] for key in probes}
    for code in probes.values():  # warm the OS file cache for every probe
        _run(code, env, ctx.workdir)
    for _ in range(n):
        for key, code in probes.items():
            ms, out = _run(code, env, ctx.workdir)
            loaded = painted_heavy(out)
            if loaded is None:
                raise RuntimeError(f"the {key} window exited without painting")
            times[key].append(ms)
            heavy[key] = sorted(set(heavy[key]) | set(loaded))
    return times, heavy


# The floor of the entry point's import: the standard library a command line needs anyway.
STDLIB_CLI = "argparse, json, logging, pathlib"


def import_times(
    ctx: Context, modules: dict[str, str], n: int
) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """Milliseconds to import each module in a fresh interpreter, the modules in turn (A, B, …)
    so a busy spell hits all alike; and the heavy modules each import pulled in."""
    env = _env(ctx)
    codes = {k: _IMPORT.format(module=m, heavy=HEAVY_MODULES) for k, m in modules.items()}
    for code in codes.values():
        _run(code, env, ctx.workdir)
    times: dict[str, list[float]] = {k: [] for k in codes}
    heavy: dict[str, list[str]] = {k: [] for k in codes}
    for _ in range(n):
        for key, code in codes.items():
            _ms, out = _run(code, env, ctx.workdir)
            report = json.loads(out.strip().splitlines()[-1])
            times[key].append(report["ms"])
            heavy[key] = report["heavy"]
    return times, heavy


def run(ctx: Context) -> list[Figure]:
    n = ctx.reps(7, 2)
    windows, painted = window_times(ctx, n)
    figures = [
        ratio_figure(
            "startup.window_ratio",
            "first painted main window vs bare PySide6 window",
            windows["bare"],
            windows["atlas"],
            2.0,
            floor_name="bare",
            subject_name="atlas",
        ),
        ratio_figure(
            "startup.atlas_page_ratio",
            "skeleton map painted (Atlas page ready) vs bare PySide6 window",
            windows["bare"],
            windows["page"],
            2.0,
            floor_name="bare",
            subject_name="atlas_page",
        ),
    ]
    n_imports = ctx.reps(7, 2)
    modules = {
        "stdlib": STDLIB_CLI,
        "entry": "cnoatlas.cli",
        "qt": "PySide6.QtWidgets",
        "window": "cnoatlas.ui.shell.main_window",
    }
    times, heavy = import_times(ctx, modules, n_imports)
    entry_heavy = heavy["entry"]
    # Before the window shows: what importing its module pulls in, and what constructing it
    # loads before its first paint (the real start, not only the import).
    window_heavy = sorted(
        {m for m in heavy["window"] if not m.startswith("PySide6")} | set(painted["atlas"])
    )
    figures += [
        ratio_figure(
            "startup.entry_import_ratio",
            f"import of the entry point (cnoatlas.cli) vs import of {STDLIB_CLI}",
            times["stdlib"],
            times["entry"],
            4.0,
            floor_name="stdlib",
            subject_name="entry",
            detail={"heavy_modules": ", ".join(entry_heavy) or "none"},
        ),
        Figure(
            "startup.entry_heavy_modules",
            "Qt/numpy/pydicom/pyqtgraph imported by the entry point",
            float(len(entry_heavy)),
            "count",
            0.0,
            detail={"modules": ", ".join(entry_heavy) or "none"},
        ),
        ratio_figure(
            "startup.window_module_import_ratio",
            "import of the main window module vs import of PySide6.QtWidgets",
            times["qt"],
            times["window"],
            2.0,
            floor_name="qtwidgets",
            subject_name="main_window",
        ),
        Figure(
            "startup.window_heavy_modules",
            "numpy/pydicom/pyqtgraph imported before the window shows",
            float(len(window_heavy)),
            "count",
            0.0,
            detail={"modules": ", ".join(window_heavy) or "none"},
        ),
    ]
    return figures
