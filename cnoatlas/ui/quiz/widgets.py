"""Small helpers the quiz panels share: labels, cards, verdict colours, answers and sources
in words.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from cnoatlas.domain.quiz import Question
from cnoatlas.domain.quiz.questions import citation_text
from cnoatlas.domain.quiz.scoring import Mark
from cnoatlas.ui.common.theme import current_theme


def _verdict_colours() -> tuple[str, str]:
    """Right and wrong, readable on the current theme (the text also says it: not colour alone)."""
    name = current_theme().name
    if name == "light":
        return "#1a7f37", "#c62828"
    if name == "contrast":
        return "#00ff66", "#ff5555"
    return "#4cc970", "#ff6b6b"


def _name(widget: QWidget, object_name: str, accessible: str | None = None) -> QWidget:
    widget.setObjectName(object_name)
    if accessible:
        widget.setAccessibleName(accessible)
    return widget


def _label(text: str = "", role: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(12)
    return frame, layout


def _site_name(site_id: str) -> str:
    from cnoatlas.domain.quiz.generate import in_sentence, site_label

    try:
        return in_sentence(site_label(site_id))
    except Exception:  # an id the site model does not know: show it as it is
        return site_id


def _marks(response: Any) -> list[Mark]:
    items = [response] if isinstance(response, (dict, Mark)) else list(response or ())
    return [m if isinstance(m, Mark) else Mark.from_json(m) for m in items]


def answer_text(question: Question, answer: Any) -> str:
    """An answer in words: one option, a list, an order, or lesions found on images."""
    if isinstance(answer, str):
        return question.label(answer)
    if question.response in ("mark", "marks"):
        items = [answer] if isinstance(answer, (dict, Mark)) else list(answer)
        if items and isinstance(items[0], dict) and "outline" in items[0]:  # the answer key
            sites = ", ".join(dict.fromkeys(_site_name(i["site_id"]) for i in items))
            return (
                f"the lesion in the {sites}"
                if len(items) == 1
                else f"{len(items)} lesions: {sites}"
            )
        marks = _marks(items)
        if question.response == "mark" and marks:
            return f"a mark on slice {marks[0].slice + 1}"
        return f"{len(marks)} mark{'s' if len(marks) != 1 else ''}"
    if question.response == "rank":
        return " › ".join(question.label(a) for a in answer)
    return ", ".join(question.label(a) for a in answer)


def source_lines(question: Question) -> str:
    """The question's sources, one per line (run together they read as one reference)."""
    lines = [citation_text([source]) for source in question.sources]
    if question.via:
        lines.append(f"As reported in: {citation_text([question.via])}")
    return ("Source: " if len(lines) == 1 else "Sources:\n") + "\n".join(lines)
