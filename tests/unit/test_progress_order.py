"""The "most often missed" order: a sensible rate, and too few answers listed last."""

import pytest

from cnoatlas.domain.progress import (
    MIN_ANSWERS_TO_RANK,
    DifferentialErrors,
    most_missed_order,
    wilson_lower_bound,
)


def _row(name, wrong, total):
    return DifferentialErrors(name, wrong, total, 0, 0)


def test_three_of_four_comes_before_one_of_one():
    # The issue: a single miss out of a single answer was listed above 3 misses out of 4.
    order = most_missed_order([_row("lch", 1, 1), _row("spondylodiscitis", 3, 4)])
    assert [r.differential for r in order] == ["spondylodiscitis", "lch"]


def test_too_few_answers_come_after_enough_even_at_a_higher_rate():
    rows = [_row("a", 2, 2), _row("b", 1, 5), _row("c", 4, 10)]
    assert MIN_ANSWERS_TO_RANK == 3
    order = [r.differential for r in most_missed_order(rows)]
    assert order == ["c", "b", "a"]
    assert [r.enough_answers for r in most_missed_order(rows)] == [True, True, False]
    # With no minimum, the rate alone decides: 2 of 2 is then first.
    assert next(r.differential for r in most_missed_order(rows, min_answers=0)) == "a"


def test_ties_break_by_count_wrong_then_name():
    rows = [_row("z", 2, 4), _row("m", 2, 4), _row("k", 1, 2)]
    assert [r.differential for r in most_missed_order(rows)] == ["m", "z", "k"]


@pytest.mark.parametrize(
    ("hits", "total", "low", "high"),
    [(1, 1, 0.20, 0.21), (3, 4, 0.30, 0.31), (0, 10, 0.0, 0.0), (10, 10, 0.72, 0.73)],
)
def test_wilson_lower_bound_known_values(hits, total, low, high):
    assert low <= wilson_lower_bound(hits, total) <= high


def test_wilson_lower_bound_grows_with_evidence_at_the_same_rate():
    values = [wilson_lower_bound(n // 2, n) for n in (2, 4, 10, 40, 200)]
    assert values == sorted(values) and values[-1] < 0.5
    assert wilson_lower_bound(0, 0) == 0.0
