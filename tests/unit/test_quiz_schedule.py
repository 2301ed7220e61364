"""Spaced repetition with fsrs: wrong answers come back sooner, due cards come first."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from cnoatlas.domain.quiz import schedule

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_wrong_answer_is_due_sooner_than_a_right_one():
    _card, due_right = schedule.review(None, True, T0)
    _card, due_wrong = schedule.review(None, False, T0)
    assert T0 < due_wrong < due_right


def test_cards_round_trip_and_intervals_grow_with_right_answers():
    card, due = schedule.review(None, True, T0)
    intervals = []
    when = due
    for _ in range(4):
        card, new_due = schedule.review(card, True, when)
        intervals.append(new_due - when)
        when = new_due
    assert json.loads(card)["stability"] > 0
    assert intervals[-1] > intervals[0] >= timedelta(0)
    assert intervals[-1] >= timedelta(days=1)


def test_the_same_history_gives_the_same_due_date():
    first = schedule.review(schedule.review(None, True, T0)[0], False, T0 + timedelta(hours=1))
    again = schedule.review(schedule.review(None, True, T0)[0], False, T0 + timedelta(hours=1))
    assert first == again


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        schedule.review(None, True, datetime(2026, 3, 1))
