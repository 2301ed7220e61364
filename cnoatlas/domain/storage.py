"""Saving the user's files safely (pure Python): atomic writes, kept copies, orphan clean-up.

``atomic_write_text`` writes a temporary file beside the target, flushes it to disk and renames
it over the target, so a reader sees the old file or the new one, never a torn one; on any
failure (a full disk, a kill is not one: see below) the temporary file is removed.
A process killed mid-write cannot clean up: ``remove_orphan_temps`` (called at start-up)
deletes the temporary files of this naming that are older than a day.
``keep_copy`` saves a copy of a file the atlas cannot read or must partly drop, so nothing a
user wrote disappears without a copy named in the message.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("cnoatlas.storage")
TEMP_SUFFIX = ".tmp"
ORPHAN_AGE_S = 24 * 3600


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) so that readers see the old file or the new one, never a torn one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: object) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2))


def remove_orphan_temps(folder: Path, max_age_s: float = ORPHAN_AGE_S) -> list[Path]:
    """Delete the temporary files left by killed writes (``.NAME.xxxx.tmp``, ``NAME.tmp``)
    older than ``max_age_s``; a younger one may belong to a write still running."""
    removed = []
    now = time.time()
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.endswith(TEMP_SUFFIX):
            continue
        try:
            if (
                entry.is_file()
                and not entry.is_symlink()
                and now - entry.stat().st_mtime > max_age_s
            ):
                entry.unlink()
                removed.append(entry)
        except OSError:
            continue
    if removed:
        log.info(
            "removed %d temporary file(s) left by interrupted saves in %s", len(removed), folder
        )
    return removed


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def _free_name(path: Path, why: str) -> Path:
    """``NAME.WHY-STAMP`` beside ``path``, numbered on so that no file is ever overwritten."""
    base = path.with_name(f"{path.name}.{why}-{stamp()}")
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    return target


def keep_copy(path: Path, why: str) -> Path:
    """Copy ``path`` beside itself as ``NAME.WHY-STAMP`` (never overwriting one); the copy."""
    path = Path(path)
    target = _free_name(path, why)
    shutil.copy2(path, target)
    return target


def move_aside(path: Path, why: str) -> Path:
    """Rename ``path`` beside itself as ``NAME.WHY-STAMP``; the new path."""
    path = Path(path)
    target = _free_name(path, why)
    os.replace(path, target)
    return target


def write_problem(exc: OSError) -> str:
    """A few words for why a save failed: the disk's state, not the data's."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder is read-only"
    return exc.strerror or type(exc).__name__
