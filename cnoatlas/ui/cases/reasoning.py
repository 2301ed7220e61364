"""Reasoning tools on the case page: the NBODS calculator, the Jansson checklist and the
RAI-CROMRIS description exercise (ui/cases/raicromris.py).

Only weights verified against the papers are shown (medical-facts.md section 3): NBODS adds its
four published points against its cut-off; the Jansson predictors are ticked beside their odds
ratios and never added up. Each item starts from the case's own data and can be changed.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnoatlas.domain.scores import (
    JANSSON_NOTE,
    JANSSON_PREDICTORS,
    JANSSON_SOURCE,
    NBODS_COHORT,
    NBODS_CUTOFF,
    NBODS_ITEMS,
    jansson_prefill,
    nbods_from_criteria,
    nbods_prefill,
)
from cnoatlas.domain.sources import bibliography
from cnoatlas.ui.common.wrap_check import WrapCheckBox


def _text(text: str, muted: bool = False, name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if muted:
        label.setProperty("role", "muted")
    if name:
        label.setObjectName(name)
    return label


class ReasoningPanel(QWidget):
    """NBODS (editable items, total against the cut-off) and the Jansson checklist."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("caseReasoning")
        self._explained = True  # the total says which diagnosis it favours
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(
            _text(
                "<b>NBO diagnostic score (NBODS)</b>: nonbacterial against bacterial "
                "osteomyelitis. Items start from this case's data; change any of them."
            )
        )
        self.nbods_boxes: dict[str, WrapCheckBox] = {}
        self.nbods_notes: dict[str, QLabel] = {}
        for key, text, weight in NBODS_ITEMS:
            box = WrapCheckBox(f"{text}  ({weight} points)")  # wraps at large scales
            box.setObjectName(f"nbods-{key}")
            box.toggled.connect(self._update_total)
            note = _text("", muted=True)
            note.setContentsMargins(24, 0, 0, 0)
            layout.addWidget(box)
            layout.addWidget(note)
            self.nbods_boxes[key] = box
            self.nbods_notes[key] = note
        self.total_label = _text("", name="nbodsTotal")
        layout.addWidget(self.total_label)
        source = bibliography()["kostik2023"]
        layout.addWidget(
            _text(
                html.escape(
                    f"Cohort: {NBODS_COHORT}. A CRP of 55 mg/L or less scores 56 on its own, so "
                    "a subacute infection with a low CRP (a Brodie abscess, say) also passes the "
                    "cut-off; the score says nothing about tumours, LCH or leukaemia."
                )
                + f"<br>Source: {html.escape(source.citation)}",
                muted=True,
            )
        )
        layout.addSpacing(6)
        layout.addWidget(
            _text(
                "<b>Jansson predictors of nonbacterial osteitis</b>: a checklist with the "
                "published odds ratios (no points, no total)."
            )
        )
        self.jansson_boxes: dict[str, WrapCheckBox] = {}
        for key, text, odds in JANSSON_PREDICTORS:
            box = WrapCheckBox(f"{text}  (odds ratio {odds:g})")
            box.setObjectName(f"jansson-{key}")
            layout.addWidget(box)
            self.jansson_boxes[key] = box
        jansson = bibliography()[JANSSON_SOURCE]
        layout.addWidget(
            _text(
                f"{html.escape(JANSSON_NOTE)}<br>Source: {html.escape(jansson.citation)}",
                muted=True,
            )
        )
        layout.addSpacing(6)
        layout.addWidget(
            _text(
                "<b>EULAR/ACR 2025 classification criteria</b> are for research classification, "
                "not for diagnosing one child: an entry criterion, exclusions (malignancy, "
                "infection, vitamin C deficiency, hypophosphatasia), then weighted clinical and "
                "laboratory domains with a threshold. Their item points are not shown here; "
                "read the diagnostic pathway chapter.",
                muted=True,
            )
        )
        layout.addSpacing(6)
        from cnoatlas.ui.cases.raicromris import RaiCromrisExercise

        self.raicromris = RaiCromrisExercise()  # CNO cases only
        layout.addWidget(self.raicromris)

    def fill(self, case) -> None:
        self.raicromris.fill(case)
        prefill = nbods_prefill(case)
        for key, box in self.nbods_boxes.items():
            box.blockSignals(True)
            box.setChecked(prefill.met[key])
            box.blockSignals(False)
            self.nbods_notes[key].setText(html.escape(prefill.notes.get(key, "")))
        self._update_total()
        checklist = jansson_prefill(case)
        for key, box in self.jansson_boxes.items():
            box.setChecked(checklist.met[key])
            box.setToolTip(checklist.notes.get(key, ""))

    def result(self):
        met = {key: box.isChecked() for key, box in self.nbods_boxes.items()}
        return nbods_from_criteria(
            crp_low=met["crp"], bands_low=met["bands"], multifocal=met["multifocal"],
            femur=met["femur"],
        )  # fmt: skip

    def set_explained(self, on: bool) -> None:
        """Whether the total says which diagnosis it favours; a case page keeps that for the
        diagnosis reveal and shows the points against the cut-off until then."""
        self._explained = bool(on)
        self._update_total()

    def _update_total(self) -> None:
        result = self.result()
        if self._explained:
            text = result.verdict()
        else:
            side = "above" if result.above_cutoff else "not above"
            text = f"{result.points} points, {side} the cut-off of {NBODS_CUTOFF}."
        self.total_label.setText(f"<b>Total {html.escape(text)}</b>")
