"""`cnoatlas search` and the chapter screenshot as a user runs them."""

import json

from PySide6.QtGui import QImage


def test_search_clavicle_json_prints_the_contract_shape(run_cli):
    result = run_cli("search", "clavicle", "--json")
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)
    assert isinstance(results, list) and results
    assert all(list(r) == ["kind", "id", "title"] for r in results)
    assert {r["kind"] for r in results} == {"chapter", "case", "site"}
    assert "clavicle" in results[0]["title"].lower()  # title matches come first
    ids = [r["id"] for r in results]
    assert "clavicle.right.medial-third" in ids and "cno-medial-clavicle" in ids
    assert len(ids) == len(set(ids))


def test_search_prefix_and_text_output(run_cli):
    result = run_cli("search", "clav")
    assert result.returncode == 0, result.stderr
    assert "clavicle.left.medial-third" in result.stdout
    nothing = run_cli("search", "zzzyx", "--json")
    assert nothing.returncode == 0 and json.loads(nothing.stdout) == []


def test_search_without_words_is_one_line_exit_2(run_cli):
    result = run_cli("search", "--", "---")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_chapter_screenshot_and_unknown_chapter(run_cli, tmp_path):
    out = tmp_path / "chapter.png"
    result = run_cli("screenshot", "--view", "chapter:where-lesions-are", "--out", str(out),
                     "--size", "1366x768", "--theme", "light")  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)
    bad = run_cli("screenshot", "--view", "chapter:no-such-chapter", "--out", str(out))
    assert bad.returncode == 2
    assert "unknown chapter 'no-such-chapter'" in bad.stderr
    assert "where-lesions-are" in bad.stderr  # names the known chapters
    assert len(bad.stderr.strip().splitlines()) == 1
