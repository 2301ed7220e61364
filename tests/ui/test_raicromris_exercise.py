"""The RAI-CROMRIS exercise widget: describe, compare, read the key; hidden where it does not
apply."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cnoatlas.domain.cases import case_library
from cnoatlas.ui.cases.reasoning import ReasoningPanel


def test_describe_a_lesion_and_compare_it_with_the_key(qtbot):
    panel = ReasoningPanel()
    qtbot.addWidget(panel)
    panel.show()
    exercise = panel.raicromris
    panel.fill(case_library().get("cno-silent-vertebra"))
    assert exercise.isVisible()
    index = exercise.lesion_box.findData("l4")
    exercise.lesion_box.setCurrentIndex(index)
    exercise.set_answer("marrow", "present")
    exercise.set_answer("collapse", "absent")
    qtbot.mouseClick(exercise.compare_button, Qt.MouseButton.LeftButton)
    text = exercise.result_label.text()
    assert "✓ <b>Bone marrow hyperintensity" in text
    assert "✗ <b>Vertebral collapse</b>: you said <i>absent</i>; key <i>present</i>" in text
    assert "not described" in text  # the parameters left blank
    assert "point" not in text.lower()
    exercise.lesion_box.setCurrentIndex(0 if index else 1)  # another lesion starts afresh
    assert exercise.result_label.text() == "" and exercise.answers()["marrow"] is None


def test_not_offered_for_a_differential_case(qtbot):
    panel = ReasoningPanel()
    qtbot.addWidget(panel)
    panel.fill(case_library().get("scurvy-metaphyses"))
    assert panel.raicromris.isHidden()
