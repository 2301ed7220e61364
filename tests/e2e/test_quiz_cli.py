"""`cnoatlas quiz --json`: the contract's shape, byte-identical for the same seed."""

import json

import pytest

pytestmark = pytest.mark.e2e


def test_exam_questions_are_identical_for_the_same_seed(run_cli):
    first = run_cli("quiz", "--mode", "exam", "--n", "10", "--seed", "1", "--json")
    second = run_cli("quiz", "--mode", "exam", "--n", "10", "--seed", "1", "--json")
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    questions = json.loads(first.stdout)
    assert len(questions) == 10
    for q in questions:
        assert list(q) == ["id", "kind", "prompt", "options", "answer", "explanation", "citation"]
        if isinstance(q["answer"], str) and q["options"]:
            assert q["answer"] in q["options"]
    other = run_cli("quiz", "--mode", "exam", "--n", "10", "--seed", "2", "--json")
    assert other.stdout != first.stdout


def test_review_with_no_history_asks_new_questions(run_cli):
    result = run_cli("quiz", "--mode", "review", "--n", "3", "--seed", "4", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3


def test_bad_input_is_one_line_on_stderr(run_cli):
    result = run_cli("quiz", "--n", "5", "--topic", "astrology")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown topic 'astrology'" in result.stderr
    assert "Traceback" not in result.stderr
