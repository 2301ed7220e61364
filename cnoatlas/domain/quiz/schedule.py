"""Spaced repetition: when each question comes back, using the FSRS scheduler (``fsrs`` package)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

# No fuzzing: the same history must give the same due dates (reproducible reviews and tests).
_SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(correct: bool) -> Rating:
    """A right answer is 'Good', a wrong one 'Again': the learner never has to grade themselves."""
    return Rating.Good if correct else Rating.Again


def review(card_json: str | None, correct: bool, when: datetime) -> tuple[str, datetime]:
    """The card after one answer, as JSON for the store, and when it is due next."""
    if when.tzinfo is None:
        raise ValueError("review times must be timezone-aware (UTC)")
    card = Card.from_dict(json.loads(card_json)) if card_json else Card(card_id=0, due=when)
    card, _log = _SCHEDULER.review_card(card, rating_for(correct), review_datetime=when)
    return json.dumps(card.to_dict(), sort_keys=True), card.due


def utc_now() -> datetime:
    return datetime.now(UTC)
