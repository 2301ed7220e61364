"""The RAI-CROMRIS exercise on a CNO case: describe one lesion by the five parameters, then
compare the description with the case's key (cnoatlas.domain.raicromris). No points."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain import raicromris
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.sources import bibliography

_UNSET = "—"


class RaiCromrisExercise(QWidget):
    """A lesion chooser, one answer box per parameter, a compare button and the comparison."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("raiCromrisExercise")
        self.setAccessibleName("RAI-CROMRIS lesion description exercise")
        self.case = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        intro = QLabel(
            "<b>Describe a lesion by the five RAI-CROMRIS parameters</b>, then compare your "
            "description with this case's key. The published grades and points are not "
            "shown: this is a structured description, not a score."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # fits the narrow column
        self.lesion_box = QComboBox()
        self.lesion_box.setObjectName("raiCromrisLesion")
        self.lesion_box.setAccessibleName("Lesion to describe")
        self.lesion_box.currentIndexChanged.connect(lambda _i: self.reset())
        form.addRow("Lesion", self.lesion_box)
        self.answer_boxes: dict[str, QComboBox] = {}
        for key, text, choices in raicromris.PARAMETERS:
            box = QComboBox()
            box.addItems([_UNSET, *choices])
            box.setObjectName(f"raiCromris-{key}")
            box.setAccessibleName(text)
            form.addRow(text, box)
            self.answer_boxes[key] = box
        layout.addLayout(form)
        self.compare_button = QPushButton("Compare with the key")
        self.compare_button.setObjectName("raiCromrisCompare")
        self.compare_button.clicked.connect(self.compare)
        layout.addWidget(self.compare_button)
        self.result_label = QLabel("")
        self.result_label.setObjectName("raiCromrisResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result_label)
        source = bibliography()[raicromris.SOURCE]
        cite = QLabel(f"Source: {html.escape(source.citation)}")
        cite.setWordWrap(True)
        cite.setProperty("role", "muted")
        layout.addWidget(cite)

    def fill(self, case) -> None:
        """This case's lesions (the exercise hides itself where it does not apply)."""
        self.case = case
        shown = raicromris.applies(case)
        self.setVisible(shown)
        self.lesion_box.blockSignals(True)
        self.lesion_box.clear()
        if shown:
            model = site_model()
            for lesion_id in raicromris.describable_lesions(case):
                lesion = case.lesion(lesion_id)
                name = model.name(lesion.site_id) if model.is_known(lesion.site_id) else lesion.site_id
                self.lesion_box.addItem(name, lesion_id)
        self.lesion_box.blockSignals(False)
        self.reset()

    def reset(self) -> None:
        for box in self.answer_boxes.values():
            box.setCurrentIndex(0)
        self.result_label.setText("")

    def answers(self) -> dict[str, str | None]:
        return {
            key: (None if box.currentText() == _UNSET else box.currentText())
            for key, box in self.answer_boxes.items()
        }

    def set_answer(self, parameter: str, value: str) -> None:
        box = self.answer_boxes[parameter]
        box.setCurrentIndex(box.findText(value))

    def compare(self) -> list[raicromris.Comparison]:
        if self.case is None or self.lesion_box.currentData() is None:
            return []
        rows = raicromris.compare(self.case, self.lesion_box.currentData(), self.answers())
        items = []
        for row in rows:
            mark = "✓" if row.agrees else "✗"
            given = row.given or "not described"
            items.append(
                f"<li>{mark} <b>{html.escape(raicromris.LABELS[row.parameter])}</b>: you said "
                f"<i>{html.escape(given)}</i>; key <i>{html.escape(row.key.answer)}</i>. "
                f"{html.escape(row.key.why)}</li>"
            )
        self.result_label.setText(f"<ul style='margin-left:-20px'>{''.join(items)}</ul>")
        return rows
