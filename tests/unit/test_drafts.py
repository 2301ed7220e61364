"""Drafts on disk: one fsync'ed journal line per edit, recovery after a kill, "ready" writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from cnoatlas.domain import cases
from cnoatlas.domain.cases import check_case, user_cases_dir
from cnoatlas.domain.errors import AtlasError
from cnoatlas.library import drafts
from tests.unit.test_case_draft import filled


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cases, "_LIBRARY", None)
    return tmp_path / "home"


def _fill(session: drafts.DraftSession) -> None:
    source = filled(session.draft.folder.parent)  # the same edits, replayed onto this draft
    for step, _inverse in source._undo:
        session.draft.do(step)


def test_every_edit_is_one_journal_line_and_recovery_replays_them():
    session = drafts.new_draft("my-case", "synthetic", 11, "F")
    session.draft.set(("title",), "First title")
    session.draft.set(("history",), "Some history.")
    session.draft.undo()
    lines = (session.folder / drafts.JOURNAL_FILE).read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["do", "do", "undo"]
    session.close()
    assert drafts.pending_drafts() == ["my-case"]
    again = drafts.recover("my-case")
    assert again.recovered == 3 and again.draft.data["title"] == "First title"
    assert again.draft.data["history"] == ""
    assert again.draft.redo() is not None  # the undo history came back too
    assert again.draft.data["history"] == "Some history."


def test_a_torn_last_line_is_dropped_and_the_rest_recovered():
    session = drafts.new_draft("torn-case", "synthetic")
    session.draft.set(("title",), "Kept")
    session.close()
    with open(session.folder / drafts.JOURNAL_FILE, "a", encoding="utf-8") as handle:
        handle.write('{"n": 2, "kind": "do", "step": {"label": "x", "chan')  # cut short
    journal = session.folder / drafts.JOURNAL_FILE
    torn = journal.read_bytes()
    peek = drafts.recover("torn-case", in_memory=True)  # a preview reads, never writes
    assert peek.recovered == 1 and peek.draft.data["title"] == "Kept"
    peek.draft.set(("history",), "Not kept.")
    assert journal.read_bytes() == torn
    again = drafts.recover("torn-case")
    assert again.recovered == 1 and again.dropped == 1
    assert again.draft.data["title"] == "Kept"
    again.draft.set(("history",), "After recovery.")
    again.close()
    third = drafts.recover("torn-case")
    assert third.dropped == 0 and third.draft.data["history"] == "After recovery."


def test_ready_writes_a_valid_case_and_removes_the_draft():
    session = drafts.new_draft("my-case", "synthetic", 11, "F")
    with pytest.raises(drafts.NotReady) as refused:
        session.write_ready()
    assert "not ready" in str(refused.value) and refused.value.problems
    assert not (user_cases_dir() / "my-case").exists()
    _fill(session)
    folder = session.write_ready()
    case, problems = check_case(folder)
    assert problems == [] and case.id == "my-case"
    assert drafts.pending_drafts() == []
    library = cases.load_library()
    assert "my-case" in library
    from cnoatlas.domain.quiz.cases import library_cases

    assert "my-case" in [c.id for c in library_cases()]  # a finished user case is quizzed


def test_a_shipped_case_is_edited_only_as_a_copy():
    shipped = cases.load_library().get("cno-medial-clavicle")
    with pytest.raises(AtlasError, match="copy"):
        drafts.edit_case(shipped)
    with pytest.raises(AtlasError, match="already exists"):
        drafts.copy_case(shipped, "cno-medial-clavicle")
    session = drafts.copy_case(shipped, "my-clavicle")
    assert session.draft.data["copied_from"] == "cno-medial-clavicle"
    folder = session.write_ready()
    assert check_case(folder)[1] == []
    edited = drafts.edit_case(cases.load_library().get("my-clavicle"))
    assert edited.draft.status == "ready"
    edited.draft.set(("title",), "My own clavicle case")
    assert edited.draft.status == "draft"


SCRIPT = textwrap.dedent(
    """
    import sys
    from cnoatlas.library import drafts
    session = drafts.new_draft("killed-case", "synthetic", 9, "M")
    for n in range(1, 100000):
        session.draft.set(("history",), f"edit {n}")
        print(n, flush=True)
    """
)


def test_a_kill_mid_edit_loses_at_most_the_last_edit(home):
    env = {**os.environ, "CNOATLAS_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        for line in proc.stdout:
            if int(line) >= 25:
                last_told = int(line)
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    session = drafts.recover("killed-case")
    kept = int(session.draft.data["history"].split()[1])
    assert kept >= last_told  # every edit reported done is on disk
    assert session.recovered == kept  # one line per edit, none lost


def test_a_synthetic_cases_drawn_shapes_are_kept_beside_its_case_json():
    session = drafts.new_draft("my-case", "synthetic", 11, "F")
    _fill(session)
    session.draft.add_annotation("text", "1.2.3", 4, {"at": [10, 12]}, "l1", label="note")
    folder = session.write_ready()
    assert (folder / drafts.ANNOTATIONS_FILE).is_file()
    again = drafts.edit_case(cases.load_library().get("my-case"))
    assert [a["kind"] for a in again.draft.data["annotations"]] == ["text"]
    again.draft.remove_annotation(again.draft.data["annotations"][0]["id"])
    again.write_ready()
    assert not (folder / drafts.ANNOTATIONS_FILE).exists()


def test_a_source_the_lecturer_adds_can_be_cited_and_is_marked_to_check():
    from cnoatlas.domain.sources import add_user_source, bibliography

    with pytest.raises(AtlasError, match="lowercase"):
        add_user_source("Bad Id", "Smith A", "A title", "Pediatr Radiol", 2021)
    with pytest.raises(AtlasError, match="journal"):
        add_user_source("smith2021", "Smith A", "A title", " ", 2021)
    source = add_user_source("smith2021", "Smith A", "A title", "Pediatr Radiol", 2021, "51:1-9")
    assert source.verified is False and "smith2021" in bibliography()
    assert "nico2022" in bibliography()  # the shipped ones stay
    with pytest.raises(AtlasError, match="already"):
        add_user_source("smith2021", "Smith A", "Another", "Pediatr Radiol", 2021)
    session = drafts.new_draft("my-case", "synthetic", 11, "F")
    _fill(session)
    session.draft.append("teaching_points", {"text": "Own point.", "sources": ["smith2021"]})
    assert check_case(session.write_ready())[1] == []
