"""The pages of the main window, in navigation order.

A capability that builds a page names its widget class here ("module:Class"); until then the
page explains to the user what it will hold.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    shortcut: str
    intro: str
    plans: tuple[str, ...]
    widget: str | None = None  # "module:Class" of the finished page


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "atlas",
        "Atlas",
        "Ctrl+1",
        "A child's skeleton you can click, bone by bone and down to the growth plate.",
        (
            "Click a bone to see what CNO usually does there and which cases show it.",
            "Colour the skeleton by how often each bone is involved, with the source of every figure.",
            "Compare CNO with where bacterial osteomyelitis, LCH and bone tumours tend to occur.",
        ),
        widget="cnoatlas.ui.atlas.page:AtlasPage",
    ),
    PageSpec(
        "cases",
        "Cases",
        "Ctrl+2",
        "Teaching cases with whole-body MRI you can scroll, window and annotate.",
        (
            "Filter by diagnosis, site, age and lesion pattern, or search the text.",
            "Read the history, look at the images, then reveal the findings and the diagnosis.",
            "Keep your own bookmarks and notes on each case.",
        ),
        widget="cnoatlas.ui.cases.browser:CasesPage",
    ),
    PageSpec(
        "quiz",
        "Quiz",
        "Ctrl+3",
        "Test yourself: tell CNO from infection, Langerhans cell histiocytosis and tumours.",
        (
            "Practice with instant feedback, or sit a timed exam and see a report by topic.",
            "Spot the lesion on the images, or find every lesion in a whole-body study.",
            "Spaced review brings back the questions you are about to forget.",
        ),
        widget="cnoatlas.ui.quiz.page:QuizPage",
    ),
    PageSpec(
        "reading",
        "Reading",
        "Ctrl+4",
        "Short chapters on CNO and its whole-body MRI, each fact with its source.",
        (
            "Clinical picture, laboratory findings and the diagnostic pathway.",
            "How whole-body MRI is done and what an active lesion looks like.",
            "The patterns of lesion distribution and the main mimics.",
        ),
        widget="cnoatlas.ui.reading.page:ReadingPage",
    ),
    PageSpec(
        "progress",
        "Progress",
        "Ctrl+5",
        "Your scores over time and what to review next.",
        (
            "Accuracy over time and per topic.",
            "The differentials you confuse most often with CNO.",
            "Reviews due today, and an export of your answers as CSV.",
        ),
        widget="cnoatlas.ui.progress.page:ProgressPage",
    ),
)


class PlaceholderPage(QWidget):
    """Tells the user what a page will hold while it is being built."""

    def __init__(self, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page-{spec.key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(16)
        title = QLabel(spec.title)
        title.setProperty("role", "title")
        intro = QLabel(spec.intro)
        intro.setProperty("role", "lead")
        intro.setWordWrap(True)
        card = QFrame()
        card.setProperty("role", "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(24, 20, 24, 20)
        coming = QLabel("Coming to this page in a later version of the atlas:")
        coming.setProperty("role", "muted")
        card_layout.addWidget(coming)
        for plan in spec.plans:
            item = QLabel(f"•  {plan}")
            item.setWordWrap(True)
            card_layout.addWidget(item)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(card)
        layout.addStretch(1)
        self.setAccessibleName(f"{spec.title} page")
        for label in (title, intro):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)


def build_page(spec: PageSpec) -> QWidget:
    if spec.widget is None:
        return PlaceholderPage(spec)
    module_name, _, class_name = spec.widget.partition(":")
    widget = getattr(importlib.import_module(module_name), class_name)()
    widget.setObjectName(f"page-{spec.key}")
    return widget
