"""Quiz store: recording one answer (a committed transaction with its review card), and the
progress page's statistics over 10,000 answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from cnoatlas.bench.core import Context, Figure, median, percentile, repeat, timed

TOPICS = ("clinical", "imaging", "distribution", "spine", "differentials", "pathway", "follow-up")
DIAGNOSES = ("cno", "bacterial-osteomyelitis", "lch", "ewing-sarcoma", "leukaemia", "lymphoma")


def _outcome(rng: random.Random, k: int):
    from cnoatlas.domain.quiz.scoring import Outcome

    truth = rng.choice(DIAGNOSES)
    chosen = truth if rng.random() < 0.7 else rng.choice(DIAGNOSES)
    differential = truth if truth != "cno" else chosen if chosen != "cno" else None
    return Outcome(
        question_id=f"bench-q{k % 600}",
        topic=TOPICS[k % len(TOPICS)],
        correct=chosen == truth,
        credit=float(chosen == truth),
        truth=truth,
        chosen=chosen,
        differential=differential,
        response=chosen,
    )


def run(ctx: Context) -> list[Figure]:
    from cnoatlas.domain.progress import ProgressStore

    answers = 2_000 if ctx.quick else 10_000
    rng = random.Random(7)
    outcomes = [_outcome(rng, k) for k in range(answers)]
    start = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    # A year of study: the answers spread over 300 days, so the by-day statistics have rows.
    minutes = 300 * 24 * 60 / answers
    store = ProgressStore(ctx.workdir / "progress.sqlite3")
    try:
        record_ms = [
            timed(
                lambda o=o, k=k: store.record(o, "practice", start + timedelta(minutes=k * minutes))
            )
            for k, o in enumerate(outcomes)
        ]
        if store.answer_count() != answers:
            raise RuntimeError("the store did not keep every answer")
        now = start + timedelta(days=301)
        stats_ms = repeat(lambda: store.statistics(now), ctx.reps(30, 10), warmup=2)
        days = len(store.statistics(now)["by_day"])
    finally:
        store.close()
    record = {
        "median_ms": median(record_ms),
        "p95_ms": percentile(record_ms, 95),
        "answers": answers,
    }
    stats = {
        "median_ms": median(stats_ms),
        "p95_ms": percentile(stats_ms, 95),
        "answers": answers,
        "days": days,
    }
    return [
        Figure(
            "store.record_p95",
            "record one answer (committed), 95th percentile",
            record["p95_ms"],
            "ms",
            5.0,
            "<",
            record,
        ),
        Figure(
            "store.statistics_p95",
            f"progress statistics over {answers:,} answers, 95th percentile",
            stats["p95_ms"],
            "ms",
            100.0,
            "<",
            stats,
        ),
    ]
