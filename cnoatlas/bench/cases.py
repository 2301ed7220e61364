"""The Cases page on first run: every card on screen from a cold cache, and the cache it leaves.

The cold page runs as a fresh subprocess with an empty user folder (no cached thumbnail, no
cached study), from start to the moment every card shows its picture; it is compared with the
bare PySide6 window of the start-up section, run alternately in the same way. Then every case is
opened once (quick: the first few) the way the case page opens it, through the study cache and
its size budget, and the cache's size is measured.
"""

from __future__ import annotations

import json
import shutil
import time

from cnoatlas.bench.core import Context, Figure, median
from cnoatlas.bench.startup import BARE_WINDOW, _env, _run

ISSUE_BUDGET_MB = 300  # issue 14: the cache for the whole library stays under 300 MB

# Start the atlas, show the Cases page, exit when every card has its thumbnail.
COLD_CASES_PAGE = """
import json, os, sys, time
start = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from cnoatlas.ui.shell.app import ensure_app
from cnoatlas.ui.shell.main_window import MainWindow
app = ensure_app()
window = MainWindow(restore_state=False)
window.resize(1280, 800)
window.show()
window.show_page("cases")
browser = window.page("cases").browser
def check():
    ids = browser.visible_case_ids()
    if ids and all(browser.has_thumbnail(i) for i in ids):
        from cnoatlas.library.study_cache import cache_size
        print(json.dumps({"cards": len(ids), "s": time.perf_counter() - start,
                          "cache_bytes": cache_size()}))
        sys.stdout.flush(); os._exit(0)
    if time.perf_counter() - start > 120:
        print(json.dumps({"cards": len(ids), "s": float("inf"), "cache_bytes": -1}))
        sys.stdout.flush(); os._exit(0)
timer = QTimer(); timer.timeout.connect(check); timer.start(20)
sys.exit(app.exec())
"""


def cold_page(ctx: Context, n: int) -> dict[str, list]:
    times: dict[str, list] = {"bare": [], "cases": [], "reports": []}
    env = _env(ctx)
    home = ctx.workdir / "home"
    _run(BARE_WINDOW, env, ctx.workdir)  # warm the OS file cache
    for _ in range(n):
        ms, _out = _run(BARE_WINDOW, env, ctx.workdir)
        times["bare"].append(ms)
        shutil.rmtree(home, ignore_errors=True)  # cold: no thumbnail, no study cached
        ms, out = _run(COLD_CASES_PAGE, env, ctx.workdir)
        report = json.loads(out.strip().splitlines()[-1])
        times["cases"].append(ms)
        times["reports"].append(report)
    return times


def browse_every_case(limit: int | None) -> dict[str, float]:
    """Open every case once (the case page's way) with the default budget (not the test
    session's or a user's); the cache's size after, and what it would be with no budget."""
    from cnoatlas.domain.cases import case_library
    from cnoatlas.library import study_cache
    from cnoatlas.library.studies import case_image_folder

    study_cache.set_budget_mb(study_cache.DEFAULT_BUDGET_MB)
    cases = [c for c in case_library() if c.series.generator is not None]
    cases = cases[:limit] if limit else cases
    studies, start = [], time.perf_counter()
    for case in cases:
        folder = case_image_folder(case)
        studies.append(study_cache._folder_size(folder))
    return {
        "cases_opened": len(cases),
        "seconds": time.perf_counter() - start,
        "cache_mb": study_cache.cache_size() / 1e6,
        "budget_mb": float(study_cache.budget_mb()),
        "issue_limit_mb": float(ISSUE_BUDGET_MB),
        "largest_study_mb": max(studies, default=0) / 1e6,
        "without_budget_mb": sum(studies) / 1e6,
    }


def run(ctx: Context) -> list[Figure]:
    n = ctx.reps(3, 1)
    times = cold_page(ctx, n)
    bare, cases = median(times["bare"]), median(times["cases"])
    reports = times["reports"]
    page_s = median(r["s"] for r in reports)
    figures = [
        Figure(
            "cases.cold_page_ratio",
            "Cases page, every card shown, cold cache vs bare PySide6 window",
            cases / bare,
            "x",
            5.0,
            detail={
                "cold_page_s": page_s,
                "process_s": cases / 1000,
                "bare_s": bare / 1000,
                "budget_s": 5.0,
                "within_budget": page_s <= 5.0,
                "cards": reports[-1]["cards"],
                "cache_mb_after_cards": reports[-1]["cache_bytes"] / 1e6,
                "runs": n,
            },
        )
    ]
    browse = browse_every_case(3 if ctx.quick else None)
    figures.append(
        Figure(
            "cases.cache_after_browsing",
            f"phantom cache after opening every case once, share of {ISSUE_BUDGET_MB} MB"
            + (" (quick: 3 cases)" if ctx.quick else ""),
            100.0 * browse["cache_mb"] / ISSUE_BUDGET_MB,
            "%",
            100.0,
            detail=browse,
        )
    )
    return figures
