"""The progress store: durable answers, migrations, damaged files, statistics and export."""

import csv
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

from cnoatlas.domain.progress import MIGRATIONS, SCHEMA_VERSION, ProgressStore, transaction
from cnoatlas.domain.quiz import question, score

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _answer(store, qid, response, when, mode="practice"):
    return store.record(score(question(qid), response), mode, when)


def test_a_new_store_is_at_the_latest_schema_in_wal_mode(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    assert store.journal_mode() == "wal"
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.recovery_message is None


def test_migrates_an_older_schema_and_keeps_its_answers(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO answers (question_id, topic, correct, answered_at) VALUES "
        "('statement:onset-age', 'clinical', 1, '2026-02-01T10:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    store = ProgressStore(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    day = store.accuracy_by_day()
    assert [(d.day, d.correct, d.total) for d in day] == [("2026-02-01", 1, 1)]
    mode, credit = store.conn.execute("SELECT mode, credit FROM answers").fetchone()
    assert (mode, credit) == ("practice", 1.0)
    _answer(store, "statement:onset-age", "false", T0)
    assert store.answer_count() == 2


def test_a_failing_migration_leaves_the_version_unchanged(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    try:
        with transaction(conn):
            conn.execute("CREATE TABLE t (x)")
            conn.execute("PRAGMA user_version = 5")
            conn.execute("INSERT INTO missing VALUES (1)")
    except sqlite3.OperationalError:
        pass
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchall()


def test_an_answer_survives_the_process_being_killed_right_after(tmp_path):
    path = tmp_path / "p.sqlite3"
    script = textwrap.dedent(f"""
        import os, signal
        from cnoatlas.domain.progress import ProgressStore
        from cnoatlas.domain.quiz import question, score
        store = ProgressStore({str(path)!r})
        store.record(score(question("feature:abscess"), "cno"), "exam")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60)
    assert done.returncode == -9  # killed, no clean shutdown
    store = ProgressStore(path)
    row = store.conn.execute("SELECT question_id, correct, mode, chosen FROM answers").fetchone()
    assert row == ("feature:abscess", 0, "exam", "cno")
    assert store.seen_ids() == ["feature:abscess"]


def test_a_damaged_file_is_moved_aside_and_a_fresh_store_started(tmp_path):
    path = tmp_path / "progress.sqlite3"
    garbage = b"this is not a database" * 200
    path.write_bytes(garbage)
    store = ProgressStore(path)
    aside = list(tmp_path.glob("progress.damaged-*.sqlite3"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert store.recovery_message and aside[0].name in store.recovery_message
    assert store.answer_count() == 0
    _answer(store, "statement:onset-age", "true", T0)
    assert store.answer_count() == 1


def test_a_database_with_a_corrupt_page_is_detected(tmp_path):
    path = tmp_path / "progress.sqlite3"
    store = ProgressStore(path)
    for i in range(300):
        _answer(store, "statement:onset-age", "true", T0 + timedelta(minutes=i))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2 : page * 3] = b"\xff" * page  # wreck a page in the middle of the answers
    path.write_bytes(bytes(data))
    fresh = ProgressStore(path)
    assert fresh.recovery_message is not None
    assert fresh.answer_count() == 0
    assert list(tmp_path.glob("progress.damaged-*.sqlite3"))


def test_due_reviews_come_longest_overdue_first(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    _answer(store, "statement:onset-age", "true", T0)  # right: due later
    _answer(store, "feature:abscess", "cno", T0 + timedelta(minutes=5))  # wrong: due soon
    _answer(store, "map:most-frequent", ["tibia"], T0)  # wrong, earlier: due first
    assert store.due_ids(T0) == []
    later = T0 + timedelta(days=30)
    assert store.due_ids(later) == ["map:most-frequent", "feature:abscess", "statement:onset-age"]
    # fsrs learning steps: a wrong answer returns after a minute, a right one after ten
    assert store.reviews_due(T0 + timedelta(minutes=7)) == 2


def test_statistics_by_day_topic_and_weakest_differential(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    day2 = T0 + timedelta(days=1)
    _answer(store, "feature:vertebra-plana", "cno", T0)  # LCH taken for CNO
    _answer(store, "feature:bevelled-skull", "lch", T0)
    _answer(store, "feature:skip-vertebrae", "spondylodiscitis", day2)  # CNO taken for infection
    _answer(store, "feature:disc-both-endplates", "spondylodiscitis", day2)
    _answer(store, "feature:abscess", "bacterial-osteomyelitis", day2)
    _answer(store, "statement:onset-age", "true", day2)
    by_day = [(d.day, d.correct, d.total) for d in store.accuracy_by_day()]
    assert by_day == [("2026-03-01", 1, 2), ("2026-03-02", 3, 4)]
    topics = {t.topic: (t.correct, t.total) for t in store.accuracy_by_topic()}
    assert topics == {"spine": (1, 3), "differentials": (2, 2), "clinical": (1, 1)}
    weakest = store.weakest_differentials()
    assert [(w.differential, w.wrong, w.total) for w in weakest] == [
        ("lch", 1, 2),
        ("spondylodiscitis", 1, 2),
        ("bacterial-osteomyelitis", 0, 1),
    ]
    assert weakest[0].mistaken_for_cno == 1
    assert weakest[1].cno_mistaken_for_it == 1
    stats = store.statistics(day2)
    assert stats["answers"] == 6 and stats["due"] >= 1


def test_csv_export_has_a_row_per_answer(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite3")
    _answer(store, "map:most-frequent", ["tibia", "femur", "clavicle"], T0)
    _answer(store, "statement:onset-age", "false", T0)
    target = tmp_path / "answers.csv"
    assert store.export_csv(target) == 2
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["question_id"] for r in rows] == ["map:most-frequent", "statement:onset-age"]
    assert rows[0]["correct"] == "1" and rows[1]["correct"] == "0"
    assert '"tibia"' in rows[0]["response"]
