"""The quiz: questions from the cited bank, the site frequencies and the case library.

from cnoatlas.domain.quiz import generate, question, score
questions = generate("practice", n=10, seed=1)          # list[Question]
q = question("feature:vertebra-plana")                  # any question by its id
outcome = score(q, "lch")                               # Outcome(correct=True, ...)
"""

from cnoatlas.domain.quiz.generate import MODES, generate, question, question_ids
from cnoatlas.domain.quiz.questions import (
    DIAGNOSES,
    KINDS,
    PATTERNS,
    TOPICS,
    CaseLesion,
    CaseView,
    Question,
    QuizCase,
)
from cnoatlas.domain.quiz.scoring import Mark, Outcome, report, score

__all__ = [
    "DIAGNOSES",
    "KINDS",
    "MODES",
    "PATTERNS",
    "TOPICS",
    "CaseLesion",
    "CaseView",
    "Mark",
    "Outcome",
    "Question",
    "QuizCase",
    "generate",
    "question",
    "question_ids",
    "report",
    "score",
]
