"""A quiz session: the questions in order, the answers given, and what the learner sees next."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cnoatlas.domain.quiz import schedule
from cnoatlas.domain.quiz.generate import generate
from cnoatlas.domain.quiz.questions import Question, QuizCase
from cnoatlas.domain.quiz.scoring import ExamReport, Outcome, report, score

if TYPE_CHECKING:
    from cnoatlas.domain.progress import ProgressStore


class QuizSession:
    """Practice and review give feedback after each answer; an exam only at the end."""

    def __init__(
        self,
        mode: str,
        questions: Sequence[Question],
        store: ProgressStore | None = None,
        clock: Callable[[], datetime] = schedule.utc_now,
    ) -> None:
        self.mode = mode
        self.questions = list(questions)
        self.store = store
        self.clock = clock
        self.index = 0
        self.outcomes: dict[str, Outcome] = {}
        self.skipped: list[str] = []  # ids passed over without an answer (count as unanswered)
        self.started_at = clock()

    @property
    def feedback_after_each(self) -> bool:
        return self.mode != "exam"

    @property
    def current(self) -> Question | None:
        return self.questions[self.index] if self.index < len(self.questions) else None

    @property
    def finished(self) -> bool:
        return self.index >= len(self.questions)

    def answer(self, response: Any) -> Outcome:
        """Score the current question and store the answer (committed before this returns)."""
        question = self.current
        if question is None:
            raise RuntimeError("the session is over")
        if question.id in self.outcomes:
            return self.outcomes[question.id]
        outcome = score(question, response)
        if self.store is not None:
            self.store.record(outcome, self.mode, self.clock())
        self.outcomes[question.id] = outcome
        return outcome

    def skip(self) -> Question | None:
        """Pass over the current question unanswered (nothing stored); the next one."""
        question = self.current
        if question is not None and question.id not in self.outcomes:
            self.skipped.append(question.id)
        return self.advance()

    def advance(self) -> Question | None:
        self.index = min(self.index + 1, len(self.questions))
        return self.current

    def finish(self) -> ExamReport:
        """End now (a timed-out exam ends here too); unanswered questions count as wrong."""
        self.index = len(self.questions)
        return self.report()

    def report(self) -> ExamReport:
        return report(self.questions, list(self.outcomes.values()))


def start_session(
    mode: str,
    n: int,
    seed: int,
    *,
    topics: Sequence[str] | None = None,
    cases: Sequence[QuizCase] = (),
    store: ProgressStore | None = None,
    now: datetime | None = None,
) -> QuizSession:
    """Pick the questions for a mode (review: due cards first, then new ones) and start."""
    due: list[str] = []
    seen: list[str] = []
    if mode == "review" and store is not None:
        due = store.due_ids(now)
        seen = store.seen_ids()
    questions = generate(mode, n, seed, topics=topics, cases=cases, due=due, seen=seen)
    return QuizSession(mode, questions, store)
