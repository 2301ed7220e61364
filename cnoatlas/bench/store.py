"""Quiz store: recording one answer (a committed transaction with its review card), and the
progress page's statistics over 10,000 answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from cnoatlas.bench.core import Context, Figure, timed

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


class _RawSqlite:
    """The floor of the store: raw sqlite3 in WAL mode (synchronous NORMAL, as the store), the
    same two tables and index, the same three statements per answer in one transaction."""

    def __init__(self, path) -> None:
        import sqlite3

        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute(
            "CREATE TABLE answers (id INTEGER PRIMARY KEY, question_id TEXT, topic TEXT, "
            "correct INTEGER, answered_at TEXT, mode TEXT, credit REAL, truth TEXT, chosen TEXT, "
            "differential TEXT, response TEXT, day TEXT)"
        )
        self.conn.execute("CREATE INDEX answers_day ON answers (day)")
        self.conn.execute("CREATE TABLE cards (question_id TEXT PRIMARY KEY, card TEXT, due TEXT)")

    def record(self, o, mode: str, when: datetime) -> None:
        stamp = when.isoformat(timespec="seconds")
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.execute("SELECT card FROM cards WHERE question_id = ?", (o.question_id,)).fetchone()
        c.execute(
            "INSERT INTO answers (question_id, topic, correct, answered_at, mode, credit, truth, "
            "chosen, differential, response, day) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (o.question_id, o.topic, int(o.correct), stamp, mode, o.credit, o.truth, o.chosen,
             o.differential, o.response, stamp[:10]),
        )  # fmt: skip
        c.execute(
            "INSERT INTO cards (question_id, card, due) VALUES (?,?,?) ON CONFLICT (question_id) "
            "DO UPDATE SET card = excluded.card, due = excluded.due",
            (o.question_id, "{}", stamp),
        )
        c.execute("COMMIT")

    def statistics(self) -> None:
        """The plain aggregates a progress page needs: by topic, by day, by mode, totals."""
        c = self.conn
        c.execute("SELECT topic, count(*), sum(credit) FROM answers GROUP BY topic").fetchall()
        c.execute("SELECT day, count(*), sum(credit) FROM answers GROUP BY day").fetchall()
        c.execute("SELECT mode, count(*), sum(credit) FROM answers GROUP BY mode").fetchall()
        c.execute("SELECT truth, chosen, count(*) FROM answers GROUP BY 1, 2").fetchall()
        c.execute("SELECT count(*), sum(correct) FROM answers").fetchone()

    def close(self) -> None:
        self.conn.close()


def run(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.core import interleaved, ratio_figure
    from cnoatlas.domain.progress import ProgressStore

    answers = 1_000 if ctx.quick else 10_000
    rng = random.Random(7)
    outcomes = [_outcome(rng, k) for k in range(answers)]
    start = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    # A year of study: the answers spread over 300 days, so the by-day statistics have rows.
    minutes = 300 * 24 * 60 / answers
    store = ProgressStore(ctx.workdir / "progress.sqlite3")
    raw = _RawSqlite(ctx.workdir / "raw.sqlite3")
    try:
        record_ms: list[float] = []
        raw_ms: list[float] = []
        for k, o in enumerate(outcomes):  # A, B, A, B: one answer each in turn
            when = start + timedelta(minutes=k * minutes)
            raw_ms.append(timed(lambda o=o, w=when: raw.record(o, "practice", w)))
            record_ms.append(timed(lambda o=o, w=when: store.record(o, "practice", w)))
        if store.answer_count() != answers:
            raise RuntimeError("the store did not keep every answer")
        now = start + timedelta(days=301)
        stats = interleaved(
            {"raw": raw.statistics, "store": lambda: store.statistics(now)},
            ctx.reps(30, 10),
            warmup=2,
        )
        days = len(store.statistics(now)["by_day"])
    finally:
        store.close()
        raw.close()
    return [
        ratio_figure(
            "store.record_ratio",
            "record one answer (committed, with its review card) vs raw SQLite WAL doing the "
            "same inserts, median",
            raw_ms,
            record_ms,
            3.5,
            floor_name="raw_sqlite",
            subject_name="store",
            detail={"answers": answers},
        ),
        ratio_figure(
            "store.statistics_ratio",
            f"progress statistics over {answers:,} answers vs the plain aggregate queries",
            stats["raw"],
            stats["store"],
            4.0,
            floor_name="raw_sqlite",
            subject_name="store",
            detail={"answers": answers, "days": days},
        ),
    ]
