"""Notes, settings and atomic writes: nothing a user wrote disappears without a copy and a word."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from cnoatlas.domain import storage
from cnoatlas.domain.storage import atomic_write_text, remove_orphan_temps
from cnoatlas.domain.user_notes import UserNotes


def _one_line(text: str | None) -> str:
    assert text and "\n" not in text
    return text


def test_a_failed_atomic_write_leaves_no_temp_file_and_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "x.json"
    target.write_text("old", encoding="utf-8")

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def test_orphan_temps_older_than_a_day_are_removed(tmp_path):
    old = tmp_path / ".case-notes.json.abc123.tmp"
    young = tmp_path / ".case-notes.json.def456.tmp"
    keep = tmp_path / "case-notes.json"
    for path in (old, young, keep):
        path.write_text("x", encoding="utf-8")
    a_day_ago = time.time() - 25 * 3600
    os.utime(old, (a_day_ago, a_day_ago))
    assert remove_orphan_temps(tmp_path) == [old]
    assert young.exists() and keep.exists() and not old.exists()


def test_notes_killed_mid_write_keep_every_saved_note_and_tidy_up(tmp_path):
    path = tmp_path / "case-notes.json"
    notes = UserNotes(path)
    notes.set_text("case-a", "first")
    script = textwrap.dedent(f"""
        import os, signal
        from cnoatlas.domain import storage
        from cnoatlas.domain.user_notes import UserNotes
        notes = UserNotes({str(path)!r})
        real = storage.os.replace
        def kill(*a):
            os.kill(os.getpid(), signal.SIGKILL)  # after the temp file, before the rename
        storage.os.replace = kill
        notes.set_text("case-b", "never acknowledged")
    """)
    done = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert done.returncode == -signal.SIGKILL
    orphans = list(tmp_path.glob("*.tmp"))
    assert orphans  # the kill left one
    again = UserNotes(path)
    assert again.get("case-a").text == "first" and again.problem is None
    a_day_ago = time.time() - 25 * 3600
    for orphan in orphans:
        os.utime(orphan, (a_day_ago, a_day_ago))
    UserNotes(path)  # start-up tidies
    assert not list(tmp_path.glob("*.tmp"))


def test_garbage_notes_are_set_aside_and_said(tmp_path):
    path = tmp_path / "case-notes.json"
    path.write_bytes(b"\x00garbage{")
    notes = UserNotes(path)
    aside = list(tmp_path.glob("case-notes.json.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"\x00garbage{"
    assert aside[0].name in _one_line(notes.problem)


def test_a_wrong_type_entry_is_copied_before_it_is_dropped(tmp_path):
    path = tmp_path / "case-notes.json"
    original = {
        "version": 1,
        "cases": {
            "good": {"bookmarked": True, "text": "keep me", "updated": ""},
            "odd": ["not", "a", "note"],
            "odder": {"bookmarked": "yes", "text": 7},
        },
    }
    path.write_text(json.dumps(original), encoding="utf-8")
    notes = UserNotes(path)
    assert notes.get("good").text == "keep me"
    copies = list(tmp_path.glob("case-notes.json.before-repair-*"))
    assert len(copies) == 1 and json.loads(copies[0].read_text("utf-8")) == original
    message = _one_line(notes.problem)
    assert "2 note(s)" in message and copies[0].name in message
    notes.set_text("good", "changed")  # the save drops them; the copy keeps them
    assert json.loads(copies[0].read_text("utf-8")) == original


def test_a_full_disk_when_saving_notes_is_said_not_raised(tmp_path, monkeypatch):
    path = tmp_path / "case-notes.json"
    notes = UserNotes(path)
    notes.set_text("case-a", "saved")

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("cnoatlas.domain.user_notes.atomic_write_json", full)
    notes.set_text("case-b", "not saved")
    assert "disk is full" in _one_line(notes.problem)
    monkeypatch.undo()
    assert UserNotes(path).get("case-a").text == "saved"
    assert not list(tmp_path.glob("*.tmp"))


def test_unreadable_notes_are_left_alone_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "case-notes.json"
    path.write_text(json.dumps({"version": 1, "cases": {}}), encoding="utf-8")
    real = type(path).read_text

    def refuse(self, *a, **k):
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(self, *a, **k)

    monkeypatch.setattr(type(path), "read_text", refuse)
    notes = UserNotes(path)
    assert "read-only" in _one_line(notes.problem) or "could not be read" in notes.problem
    notes.set_text("case-a", "x")
    monkeypatch.undo()
    assert json.loads(path.read_text("utf-8")) == {"version": 1, "cases": {}}
    assert not list(tmp_path.glob("case-notes.json.*"))
