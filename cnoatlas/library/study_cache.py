"""The policy of the phantom's study cache: a size budget, least recently used studies go first.

imaging/phantom/study.py knows where a description's study is cached and how to make it; this
module decides how much of the cache stays. Every study the UI opens comes through
``study_folder``, which marks it used (the folder's modification time) and then removes the
least recently used studies until the cache fits its budget (Settings; 300 MB unless changed:
the 27 shipped cases' studies take about 225 MB as JPEG-LS Lossless, so all of them fit).

Removal is safe against readers: a folder is first renamed away (atomic), then deleted, so a
reader sees either the whole study or none (and then makes it again). The study just opened and
the one before it are never removed (a viewer may still be reading its slices).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnoatlas.imaging.phantom.version import cache_root

if TYPE_CHECKING:
    from cnoatlas.imaging.phantom.study import StudyDescription


log = logging.getLogger("cnoatlas.cache")
DEFAULT_BUDGET_MB = 300
MIN_BUDGET_MB = 100
MAX_BUDGET_MB = 100_000
# A default for one environment (the test session sets it: its shared cache holds more studies
# than the library, made by many tests); a budget chosen under Settings still wins.
BUDGET_ENV = "CNOATLAS_CACHE_BUDGET_MB"
KEEP_RECENT = 2  # the study on screen and the one before it are never evicted
_STALE_SECONDS = 3600  # a leftover .partial-/.evicting- folder older than this is removed


def default_budget_mb() -> int:
    """The budget when none was chosen: ``$CNOATLAS_CACHE_BUDGET_MB`` if set, else 300 MB."""
    try:
        return clamp_budget_mb(float(os.environ[BUDGET_ENV]))
    except (KeyError, ValueError):
        return DEFAULT_BUDGET_MB


_lock = threading.Lock()
_recent: list[Path] = []


@dataclass(frozen=True)
class Entry:
    path: Path
    last_used: float
    size: int


def clamp_budget_mb(value: float) -> int:
    return int(min(MAX_BUDGET_MB, max(MIN_BUDGET_MB, round(value))))


_budget_mb = default_budget_mb()


def set_budget_mb(value: float) -> None:
    global _budget_mb
    _budget_mb = clamp_budget_mb(value)


def budget_mb() -> int:
    return _budget_mb


def _folder_size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


def entries(root: Path | None = None) -> list[Entry]:
    """Every complete cached study, least recently used first."""
    root = root or cache_root()
    found = []
    with contextlib.suppress(FileNotFoundError):
        for child in root.iterdir():
            if child.name.startswith(".") or not child.is_dir():
                continue
            with contextlib.suppress(OSError):
                found.append(Entry(child, child.stat().st_mtime, _folder_size(child)))
    return sorted(found, key=lambda e: e.last_used)


def cache_size(root: Path | None = None) -> int:
    """Bytes the study cache takes now (leftovers included)."""
    root = root or cache_root()
    return _folder_size(root) if root.is_dir() else 0


def _remove(folder: Path) -> bool:
    """Rename the folder away, then delete it: no reader ever sees half a study."""
    doomed = folder.with_name(f".evicting-{folder.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.replace(folder, doomed)
    except OSError:
        return False
    shutil.rmtree(doomed, ignore_errors=True)
    return True


def _clean_leftovers(root: Path) -> None:
    """Folders an interrupted run left (half-written or half-removed studies)."""
    now = time.time()
    with contextlib.suppress(FileNotFoundError):
        for child in root.iterdir():
            if not child.name.startswith((".partial-", ".evicting-")):
                continue
            with contextlib.suppress(OSError):
                if now - child.stat().st_mtime > _STALE_SECONDS:
                    shutil.rmtree(child, ignore_errors=True)


def evict(budget_bytes: int | None = None, keep: tuple[Path, ...] = (), root: Path | None = None):
    """Remove least recently used studies until the cache fits; returns the folders removed."""
    root = root or cache_root()
    budget = budget_mb() * 1_000_000 if budget_bytes is None else budget_bytes
    _clean_leftovers(root)
    found = entries(root)
    total = sum(e.size for e in found)
    protected = {p.resolve() for p in (*keep, *_recent) if p.exists()}
    removed = []
    for entry in found:
        if total <= budget:
            break
        if entry.path.resolve() in protected:
            continue
        if _remove(entry.path):
            total -= entry.size
            removed.append(entry.path)
            log.info("study cache over %d MB: removed %s (%d MB)", budget // 1_000_000,
                     entry.path.name, entry.size // 1_000_000)  # fmt: skip
    return removed


def touch(folder: Path) -> None:
    """Mark a cached study as just used."""
    with contextlib.suppress(OSError):
        os.utime(folder)


def study_folder(description: StudyDescription | dict) -> Path:
    """The folder with this description's study (made if missing), within the cache's budget."""
    # The generator (numpy) is imported on use: the main window sets the budget before its first
    # paint, and that must not pull numpy in.
    from cnoatlas.imaging.phantom.study import cached_study_dir

    folder = cached_study_dir(description)
    touch(folder)
    with _lock:
        if folder in _recent:
            _recent.remove(folder)
        _recent.append(folder)
        del _recent[:-KEEP_RECENT]
        evict(keep=(folder,))
    return folder
