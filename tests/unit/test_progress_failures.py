"""The answer store never mistakes a full disk, a read-only folder or a newer store for damage.

Each case ends with every earlier answer present and a one-line message. A real small tmpfs is
used where this machine lets the tests mount one (as root); a mocked ENOSPC / SQLITE_FULL
always runs.
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from cnoatlas.domain import progress
from cnoatlas.domain.progress import ProgressStore, failure_kind
from tests.unit.test_progress import T0, _answer

QUESTIONS = ("statement:onset-age", "feature:abscess", "map:most-frequent")
RESPONSES = {"statement:onset-age": "true", "feature:abscess": "cno", "map:most-frequent": ["x"]}


def _fill(path: Path, n: int = 5) -> None:
    store = ProgressStore(path)
    for i in range(n):
        qid = QUESTIONS[i % len(QUESTIONS)]
        _answer(store, qid, RESPONSES[qid], T0 + timedelta(minutes=i))
    store.close()


def _full(*_args, **_kwargs):
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # SQLITE_FULL
    raise exc


def _one_line(message: str | None) -> str:
    assert message and "\n" not in message
    return message


def test_failures_are_told_apart():
    assert failure_kind(OSError(errno.ENOSPC, "No space left on device")) == "full"
    assert failure_kind(sqlite3.OperationalError("database or disk is full")) == "full"
    assert failure_kind(OSError(errno.EROFS, "Read-only file system")) == "read-only"
    assert failure_kind(sqlite3.OperationalError("attempt to write a readonly database")) == (
        "read-only"
    )
    assert failure_kind(sqlite3.OperationalError("database is locked")) == "locked"
    assert failure_kind(sqlite3.DatabaseError("file is not a database")) == "damaged"
    assert failure_kind(progress.NewerStoreError("newer")) == "newer"


def test_a_full_disk_at_start_keeps_the_store_and_runs_read_only(tmp_path, monkeypatch):
    path = tmp_path / "progress.sqlite3"
    _fill(path)
    before = path.read_bytes()
    monkeypatch.setattr(ProgressStore, "_probe_write", staticmethod(_full))
    store = ProgressStore(path)
    assert store.read_only and store.answer_count() == 5
    message = _one_line(store.recovery_message)
    assert "disk is full" in message and "nothing was changed or moved" in message
    assert "lost" not in message
    _answer(store, "feature:abscess", "cno", T0 + timedelta(hours=1))  # no crash, not saved
    assert store.unsaved == 1 and store.answer_count() == 5
    store.close()
    assert not list(tmp_path.glob("progress.damaged-*"))
    assert path.read_bytes() == before
    monkeypatch.undo()  # space freed: everything is there, without a word of damage
    again = ProgressStore(path)
    assert again.answer_count() == 5 and again.recovery_message is None and not again.read_only


def test_a_disk_filling_up_mid_quiz_keeps_every_earlier_answer(tmp_path, monkeypatch):
    path = tmp_path / "progress.sqlite3"
    store = ProgressStore(path)
    _answer(store, "feature:abscess", "cno", T0)
    _answer(store, "statement:onset-age", "true", T0)
    monkeypatch.setattr(store, "_record", _full)
    _answer(store, "map:most-frequent", ["x"], T0)  # the quiz goes on
    assert "disk is full" in _one_line(store.recovery_message)
    assert store.unsaved == 1
    monkeypatch.undo()
    _answer(store, "map:most-frequent", ["x"], T0 + timedelta(minutes=1))  # space again
    assert store.answer_count() == 3
    store.close()
    assert not list(tmp_path.glob("progress.damaged-*"))


def test_a_newer_store_is_refused_never_replaced(tmp_path):
    path = tmp_path / "progress.sqlite3"
    _fill(path, 3)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    store = ProgressStore(path)
    message = _one_line(store.recovery_message)
    assert "made by a newer version" in message and "damaged" not in message
    assert store.read_only and store.answer_count() == 3
    _answer(store, "feature:abscess", "cno", T0)
    store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 3
    conn.close()
    assert not list(tmp_path.glob("progress.damaged-*"))


def test_a_read_only_database_says_so_instead_of_failing_later(tmp_path, monkeypatch):
    path = tmp_path / "progress.sqlite3"
    _fill(path, 4)

    def readonly(_conn):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(ProgressStore, "_probe_write", staticmethod(readonly))
    store = ProgressStore(path)
    message = _one_line(store.recovery_message)
    assert "read-only" in message and "nothing you saved was lost" not in message
    assert store.answer_count() == 4
    _answer(store, "feature:abscess", "cno", T0)  # does not fail
    assert store.unsaved == 1


def test_a_read_only_data_folder_does_not_crash_and_keeps_answers(tmp_path, monkeypatch):
    """Mocked: mkdir and the file are refused as on a write-protected stick."""
    path = tmp_path / "ro" / "progress.sqlite3"
    _fill(path, 2)

    def refuse(*_a, **_k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(ProgressStore, "_connect", lambda self: refuse())
    store = ProgressStore(path)
    assert store.read_only and store.answer_count() == 2
    assert "read-only" in _one_line(store.recovery_message)


def test_a_damaged_file_is_still_moved_aside_with_its_name_in_the_message(tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    store = ProgressStore(path)
    aside = list(tmp_path.glob("progress.damaged-*.sqlite3"))
    assert len(aside) == 1 and aside[0].name in _one_line(store.recovery_message)
    assert not store.read_only


def test_killed_writers_lose_no_acknowledged_answer(tmp_path):
    path = tmp_path / "progress.sqlite3"
    _fill(path, 3)
    script = textwrap.dedent(f"""
        import sys
        from cnoatlas.domain.progress import ProgressStore
        from cnoatlas.domain.quiz import question, score
        store = ProgressStore({str(path)!r})
        for i in range(100000):
            store.record(score(question("feature:abscess"), "cno"), "practice")
            print(i, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    acknowledged = -1
    for line in proc.stdout:
        acknowledged = int(line)
        if acknowledged >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    store = ProgressStore(path)
    assert store.recovery_message is None and not store.read_only
    assert store.answer_count() >= 3 + acknowledged + 1


# --- a real small disk ----------------------------------------------------------------------
@pytest.fixture
def tmpfs(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("this machine does not let tests mount a tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_really_full_disk(tmpfs):
    path = tmpfs / "progress.sqlite3"
    store = ProgressStore(path)
    saved = 0
    ballast = tmpfs / "ballast"
    with ballast.open("wb", buffering=0) as handle:  # fill the disk, then free a little
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(ballast, ballast.stat().st_size - 24 * 1024)
    for i in range(2000):
        _answer(store, "feature:abscess", "cno", T0 + timedelta(seconds=i))
        if store.unsaved:
            break
        saved += 1
    assert store.unsaved, "the disk never filled"
    assert "disk is full" in _one_line(store.recovery_message)
    store.close()
    assert not list(tmpfs.glob("progress.damaged-*"))
    again = ProgressStore(path)  # still full: kept, read only, every saved answer there
    assert again.answer_count() == saved
    assert not list(tmpfs.glob("progress.damaged-*"))
    again.close()
    ballast.unlink()  # space freed
    third = ProgressStore(path)
    assert third.answer_count() == saved and third.recovery_message is None


def test_a_really_read_only_folder(tmpfs):
    path = tmpfs / "progress.sqlite3"
    _fill(path, 3)
    done = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot remount read-only here")
    store = ProgressStore(path)
    assert store.read_only and store.answer_count() == 3
    assert "read-only" in _one_line(store.recovery_message)
    _answer(store, "feature:abscess", "cno", T0)
    store.close()
    assert not list(tmpfs.glob("progress.damaged-*"))
