"""The learner's answers and review cards, kept in SQLite in the user data folder.

Every answer is committed in its own transaction before the caller moves on, so a killed app
loses nothing. The schema evolves through an ordered list of migrations (PRAGMA user_version);
a damaged database is moved aside and a fresh one started, with a message for the user.
Statistics are aggregated in SQL so they stay fast with many thousands of answers.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import logging
import math
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cnoatlas import paths
from cnoatlas.domain.quiz import schedule
from cnoatlas.domain.quiz.scoring import Outcome, TopicScore

log = logging.getLogger("cnoatlas.progress")
FILE_NAME = "progress.sqlite3"

# Each entry upgrades the schema by one version; never edit a shipped entry, append a new one.
MIGRATIONS: tuple[Sequence[str], ...] = (
    (
        """CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            question_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            correct INTEGER NOT NULL,
            answered_at TEXT NOT NULL
        )""",
        """CREATE TABLE cards (
            question_id TEXT PRIMARY KEY,
            card TEXT NOT NULL,
            due TEXT NOT NULL
        )""",
    ),
    (
        "ALTER TABLE answers ADD COLUMN mode TEXT NOT NULL DEFAULT 'practice'",
        "ALTER TABLE answers ADD COLUMN credit REAL",
        "ALTER TABLE answers ADD COLUMN truth TEXT",
        "ALTER TABLE answers ADD COLUMN chosen TEXT",
        "ALTER TABLE answers ADD COLUMN differential TEXT",
        "ALTER TABLE answers ADD COLUMN response TEXT",
        "ALTER TABLE answers ADD COLUMN day TEXT",
        "UPDATE answers SET credit = correct, day = substr(answered_at, 1, 10)",
        "CREATE INDEX answers_day ON answers (day)",
        "CREATE INDEX answers_topic ON answers (topic)",
        "CREATE INDEX answers_differential ON answers (differential)",
        "CREATE INDEX cards_due ON cards (due)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class DayAccuracy:
    day: str  # YYYY-MM-DD (UTC)
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class DifferentialErrors:
    """How often questions setting CNO against this differential were answered wrongly."""

    differential: str
    wrong: int
    total: int
    mistaken_for_cno: int  # the differential was the answer and CNO was chosen
    cno_mistaken_for_it: int  # CNO was the answer and this differential was chosen

    @property
    def error_rate(self) -> float:
        return self.wrong / self.total if self.total else 0.0

    @property
    def enough_answers(self) -> bool:
        return self.total >= MIN_ANSWERS_TO_RANK


# "Most often missed" is ordered by a rate that does not trust tiny counts: the lower end of the
# Wilson score interval of the error rate (95 %). One miss out of one answer (0.21) then comes
# after three out of four (0.30); and a differential answered fewer than MIN_ANSWERS_TO_RANK
# times comes after every one answered often enough to tell.
MIN_ANSWERS_TO_RANK = 3
_Z95 = 1.959964


def wilson_lower_bound(hits: int, total: int, z: float = _Z95) -> float:
    """The lower end of the Wilson score interval of hits/total (0 when total is 0)."""
    if total <= 0:
        return 0.0
    p = hits / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - spread) / (1 + z2 / total))


def most_missed_order(
    rows: Iterable[DifferentialErrors], min_answers: int = MIN_ANSWERS_TO_RANK
) -> list[DifferentialErrors]:
    """Rows ordered "most often missed first": enough answers before too few, then by the
    Wilson lower bound of the error rate, then by the number wrong, then by name."""
    return sorted(
        rows,
        key=lambda r: (
            r.total < min_answers,
            -wilson_lower_bound(r.wrong, r.total),
            -r.wrong,
            r.differential,
        ),
    )


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One committed transaction on a connection opened in autocommit mode."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date, one version per transaction; returns the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise NewerStoreError(f"schema version {found} is newer than this atlas knows")
    for version in range(found, SCHEMA_VERSION):
        with transaction(conn):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
    return found


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


class NewerStoreError(sqlite3.DatabaseError):
    """The store was written by a newer atlas: refused, never replaced."""


# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26


def failure_kind(exc: BaseException) -> str:
    """Why a store cannot be used: ``damaged`` (SQLite cannot read it as a database), ``full``
    (no space left), ``read-only``, ``locked`` (another program holds it), ``newer`` or
    ``other``. Only ``damaged`` ever moves a file aside."""
    if isinstance(exc, NewerStoreError):
        return "newer"
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
            return "full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "read-only"
        return "other"
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc).lower()
    if code is not None:
        code &= 0xFF
        if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
            return "damaged"
        if code == _SQLITE_FULL:
            return "full"
        if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN):
            return "read-only"
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return "locked"
        if code == _SQLITE_IOERR:
            return "other"
    if "disk is full" in text or "disk full" in text:
        return "full"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "read-only"
    if "locked" in text or "busy" in text:
        return "locked"
    if "not a database" in text or "malformed" in text or "integrity check" in text:
        return "damaged"
    return "other"


_KEPT = "nothing was changed or moved"


class ProgressStore:
    """One SQLite file of answers and review cards. Use ``ProgressStore.open()`` for the user's.

    ``recovery_message`` says, in one line, anything the user must know about the store: a
    damaged file kept aside (and a fresh one started), or a store that is only read because
    the disk is full, the folder or file is read-only, another program holds it, or a newer
    atlas made it. ``read_only`` is then True: answers are shown but new ones are not saved
    (``record`` still schedules them and counts them in ``unsaved``), and nothing is replaced.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.recovery_message: str | None = None
        self.read_only = False
        self.unsaved = 0
        self.conn = self._connect_or_recover()

    @classmethod
    def open(cls) -> ProgressStore:
        return cls(paths.user_data_dir() / FILE_NAME)

    # --- opening -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every write goes through transaction(), which commits before returning.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            if found > SCHEMA_VERSION:  # before anything is written to it
                raise NewerStoreError(f"schema version {found} is newer than this atlas knows")
            conn.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL survives a crash or kill of the app (the WAL is on disk at
            # commit); only a power cut can drop the last transactions.
            conn.execute("PRAGMA synchronous = NORMAL")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            migrate(conn)
            self._probe_write(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _probe_write(conn: sqlite3.Connection) -> None:
        """Fail now, not at the first answer, when the file cannot be written (rolled back)."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        with transaction(conn):
            conn.execute(f"PRAGMA user_version = {int(version)}")

    def _connect_read_only(self) -> sqlite3.Connection:
        """The file as it is, for reading only; an empty in-memory store when it cannot be read."""
        if self.path.exists():
            for flags in ("mode=ro", "immutable=1"):  # immutable: no -shm file is needed
                try:
                    conn = sqlite3.connect(
                        f"{self.path.resolve().as_uri()}?{flags}",
                        uri=True,
                        isolation_level=None,
                        check_same_thread=False,
                    )
                    conn.execute("SELECT count(*) FROM answers").fetchone()
                    return conn
                except sqlite3.Error:
                    with contextlib.suppress(Exception):
                        conn.close()
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        migrate(conn)
        return conn

    def _connect_or_recover(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except (sqlite3.DatabaseError, OSError) as exc:
            kind = failure_kind(exc)
            log.warning(
                "progress store %s cannot be opened for writing: %s (%s)", self.path, kind, exc
            )
            if kind == "damaged":
                return self._move_aside(exc)
            self.read_only = True
            self.recovery_message = self._read_only_message(kind, exc)
            return self._connect_read_only()

    def _read_only_message(self, kind: str, exc: BaseException) -> str:
        where = f"{self.path.name} in {self.path.parent}"
        if kind == "newer":
            return (
                f"Your progress file {where} was made by a newer version of the atlas; "
                f"{_KEPT}: your answers are shown but new ones are not saved until you update."
            )
        why = {
            "full": "the disk is full",
            "read-only": "the file or its folder is read-only",
            "locked": "another program is using it",
        }.get(kind, f"it could not be written ({exc})")
        return (
            f"Your progress file {where} cannot be saved to: {why}; {_KEPT}, your answers are "
            "shown but new ones are not saved until this is solved and the atlas restarted."
        )

    def _move_aside(self, exc: BaseException) -> sqlite3.Connection:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"progress.damaged-{stamp}.sqlite3")
        try:
            shutil.move(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    shutil.move(side, aside.with_name(aside.name + suffix))
            conn = self._connect()
        except (sqlite3.DatabaseError, OSError) as again:  # cannot move or start: read only
            self.read_only = True
            kept = aside if aside.exists() else self.path
            self.recovery_message = (
                f"Your progress file was damaged and could not be read ({exc}); it is kept as "
                f"{kept.name} in {kept.parent}, and a new one could not be started "
                f"({failure_kind(again)}): new answers are not saved."
            )
            log.warning(self.recovery_message)
            return self._connect_read_only()
        log.warning("progress database %s is damaged (%s); moved to %s", self.path, exc, aside)
        self.recovery_message = (
            f"Your progress file was damaged and could not be read ({exc}). It was kept as "
            f"{aside.name} in {aside.parent} and a new, empty progress file was started."
        )
        return conn

    def close(self) -> None:
        self.conn.close()

    def journal_mode(self) -> str:
        return self.conn.execute("PRAGMA journal_mode").fetchone()[0]

    # --- recording -------------------------------------------------------------------------
    def record(self, outcome: Outcome, mode: str, when: datetime | None = None) -> datetime:
        """Store one answer and update its review card, in one committed transaction.

        Returns when the question is due for review next. A store that cannot be written
        (read only, or the disk filled up just now) keeps what it has, says so in
        ``recovery_message`` and counts the answer in ``unsaved`` instead of failing.
        """
        when = when or schedule.utc_now()
        if self.read_only:
            return self._not_saved(outcome, when)
        try:
            return self._record(outcome, mode, when)
        except (sqlite3.OperationalError, OSError) as exc:
            kind = failure_kind(exc)
            if kind not in ("full", "read-only", "locked"):
                raise
            log.warning("answer not saved: %s (%s)", kind, exc)
            self.recovery_message = self._read_only_message(kind, exc).replace(
                "until this is solved and the atlas restarted", "until this is solved"
            )
            self.unsaved += 1
            return self._due(outcome, when)  # a full disk may free up: the next one tries again

    def _not_saved(self, outcome: Outcome, when: datetime) -> datetime:
        self.unsaved += 1
        return self._due(outcome, when)

    def _due(self, outcome: Outcome, when: datetime) -> datetime:
        row = self.conn.execute(
            "SELECT card FROM cards WHERE question_id = ?", (outcome.question_id,)
        ).fetchone()
        return schedule.review(row[0] if row else None, outcome.correct, when)[1]

    def _record(self, outcome: Outcome, mode: str, when: datetime) -> datetime:
        stamp = _iso(when)
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT card FROM cards WHERE question_id = ?", (outcome.question_id,)
            ).fetchone()
            card, due = schedule.review(row[0] if row else None, outcome.correct, when)
            self.conn.execute(
                "INSERT INTO answers (question_id, topic, correct, answered_at, mode, credit, "
                "truth, chosen, differential, response, day) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    outcome.question_id,
                    outcome.topic,
                    int(outcome.correct),
                    stamp,
                    mode,
                    outcome.credit,
                    outcome.truth,
                    outcome.chosen,
                    outcome.differential,
                    json.dumps(outcome.response, sort_keys=True, default=_marks_json),
                    stamp[:10],
                ),
            )
            self.conn.execute(
                "INSERT INTO cards (question_id, card, due) VALUES (?,?,?) ON CONFLICT "
                "(question_id) DO UPDATE SET card = excluded.card, due = excluded.due",
                (outcome.question_id, card, _iso(due)),
            )
        return due

    # --- reviews ---------------------------------------------------------------------------
    def due_ids(self, now: datetime | None = None) -> list[str]:
        """Questions due for review by ``now``, the longest overdue first."""
        now = now or schedule.utc_now()
        rows = self.conn.execute(
            "SELECT question_id FROM cards WHERE due <= ? ORDER BY due, question_id", (_iso(now),)
        )
        return [r[0] for r in rows]

    def seen_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT question_id FROM cards ORDER BY 1")]

    def reviews_due(self, now: datetime | None = None) -> int:
        now = now or schedule.utc_now()
        return self.conn.execute(
            "SELECT count(*) FROM cards WHERE due <= ?", (_iso(now),)
        ).fetchone()[0]

    # --- statistics ------------------------------------------------------------------------
    def answer_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM answers").fetchone()[0]

    def accuracy_by_day(self) -> list[DayAccuracy]:
        rows = self.conn.execute(
            "SELECT day, sum(correct), count(*) FROM answers GROUP BY day ORDER BY day"
        )
        return [DayAccuracy(*r) for r in rows]

    def accuracy_by_topic(self) -> list[TopicScore]:
        rows = self.conn.execute(
            "SELECT topic, sum(correct), count(*) FROM answers GROUP BY topic ORDER BY topic"
        )
        return [TopicScore(*r) for r in rows]

    def weakest_differentials(self, limit: int = 5) -> list[DifferentialErrors]:
        """The differentials answered wrongly most often (``most_missed_order``)."""
        rows = self.conn.execute(
            "SELECT differential, sum(1 - correct), count(*), "
            "sum(truth = differential AND chosen = 'cno'), "
            "sum(truth = 'cno' AND chosen = differential) "
            "FROM answers WHERE differential IS NOT NULL GROUP BY differential"
        )  # one row per differential: a handful, ordered here rather than in SQL
        errors = [DifferentialErrors(r[0], r[1], r[2], r[3] or 0, r[4] or 0) for r in rows]
        return most_missed_order(errors)[:limit]

    def statistics(self, now: datetime | None = None) -> dict[str, Any]:
        """Everything the progress page shows, in one call (the benchmark times this)."""
        return {
            "answers": self.answer_count(),
            "by_day": self.accuracy_by_day(),
            "by_topic": self.accuracy_by_topic(),
            "weakest": self.weakest_differentials(),
            "due": self.reviews_due(now),
        }

    def export_csv(self, target: Path) -> int:
        """Write every answer to a CSV file; returns the number of rows written."""
        columns = (
            "answered_at",
            "mode",
            "question_id",
            "topic",
            "correct",
            "credit",
            "truth",
            "chosen",
            "differential",
            "response",
        )
        rows = self.conn.execute(f"SELECT {', '.join(columns)} FROM answers ORDER BY id")
        count = 0
        with Path(target).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count


_SHARED: dict[Path, ProgressStore] = {}


def shared_store() -> ProgressStore:
    """The user's store, opened once per process so every page sees the same recovery message."""
    path = paths.user_data_dir() / FILE_NAME
    if path not in _SHARED:
        _SHARED[path] = ProgressStore(path)
    return _SHARED[path]


def _marks_json(value: Any) -> Any:
    to_json: Callable[[], Any] | None = getattr(value, "to_json", None)
    if to_json is None:
        raise TypeError(f"cannot store {type(value).__name__} as an answer")
    return to_json()
