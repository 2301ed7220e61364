"""--out never creates missing parent folders; a broken user case says why, not 'unknown'."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e


def _one_line_error(result, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_screenshot_out_in_a_missing_folder_is_refused(run_cli, tmp_path):
    out = tmp_path / "nowhere" / "deeper" / "home.png"
    result = run_cli("screenshot", "--view", "home", "--out", str(out))
    _one_line_error(result, "does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_playlist_export_out_makes_only_the_last_folder(run_cli, tmp_path):
    from tests.e2e.conftest import ROOT

    playlist = ROOT / "assets" / "playlists" / "cno-in-20-minutes.json"
    missing = tmp_path / "missing" / "slides"
    result = run_cli("playlist", "export", str(playlist), "--out", str(missing))
    _one_line_error(result, "does not exist")
    assert not (tmp_path / "missing").exists()


def test_phantom_export_outdir_in_a_missing_folder_is_refused(run_cli, tmp_path):
    result = run_cli("phantom", "export", "cno-medial-clavicle", str(tmp_path / "a" / "b"))
    _one_line_error(result, "does not exist")
    assert not (tmp_path / "a").exists()


def test_a_broken_user_case_says_its_problem(run_cli, tmp_path):
    folder = tmp_path / "home" / "data" / "cases" / "broken-case"
    folder.mkdir(parents=True)
    (folder / "case.json").write_text(json.dumps({"id": "broken-case"}), encoding="utf-8")
    out = tmp_path / "case.png"
    result = run_cli("screenshot", "--view", "case:broken-case", "--out", str(out))
    _one_line_error(result, "broken-case", "is not valid")
    assert "unknown case" not in result.stderr
    assert not out.exists()


def test_the_editor_view_names_an_unknown_case_and_writes_nothing(run_cli, tmp_path):
    out = tmp_path / "editor.png"
    result = run_cli("screenshot", "--view", "editor:no-such-case", "--out", str(out))
    _one_line_error(result, "no-such-case", "unknown case")
    assert not out.exists()
    assert not (tmp_path / "home" / "data" / "cases" / ".drafts").exists()
