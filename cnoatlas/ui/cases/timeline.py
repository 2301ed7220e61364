"""The case's earlier studies on a timeline: one point per regional study, oldest first, ending
with the case's own (whole-body) study.

Choosing a point shows what that study covered and found; when today's study has a lesion at the
same site, ``siteChosen`` asks the case page to show it, so a reader sees what became of it.
The points come from the case's ``prior_studies`` (cnoatlas.domain.cases.PriorStudy); the widget
hides itself for a case without any.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.sites import site_model
from cnoatlas.ui.common.theme import current_theme


def when_text(months: float) -> str:
    """How long before the case's study: "3 years", "18 months", "1 month"."""
    if months >= 24 and months % 12 == 0:
        return f"{int(months // 12)} years"
    if months == 12:
        return "1 year"
    return f"{months:g} month{'s' if months != 1 else ''}"


class _Line(QWidget):
    """The line the points sit on (drawn behind the buttons)."""

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        pen = QPen(QColor(current_theme().muted))
        pen.setWidth(2)
        painter.setPen(pen)
        y = self.height() // 2
        painter.drawLine(8, y, self.width() - 8, y)
        painter.end()


class StudyTimeline(QWidget):
    """Buttons for the earlier studies and today's, and the text of the chosen one."""

    siteChosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("caseTimeline")
        self.setAccessibleName("Earlier studies of this child, oldest first")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        heading = QLabel("<b>Earlier imaging</b> (time before this study, oldest first)")
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        self._line = _Line()
        self._row = QHBoxLayout(self._line)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        layout.addWidget(self._line)
        self.detail = QLabel("")
        self.detail.setObjectName("caseTimelineDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.detail)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(self.choose)
        self._points: list[tuple[str, str, tuple[str, ...], str]] = []
        self.setVisible(False)

    def fill(self, case) -> None:
        """The points of this case (hidden when it has no earlier studies)."""
        for button in self._group.buttons():
            self._group.removeButton(button)
            self._row.removeWidget(button)
            button.deleteLater()
        model = site_model()
        points = []
        for prior in case.prior_studies:
            where = ", ".join(model.name(s) if model.is_known(s) else s for s in prior.site_ids)
            text = f"<b>{html.escape(prior.study)}</b>: {html.escape(prior.finding)}"
            if where:
                now = [lesion for site in prior.site_ids for lesion in case.lesions_at(site)]
                today = (
                    f"Today: {now[0].description}" if now else "Today's study shows no lesion there."
                )
                text += f"<br><i>Site: {html.escape(where)}.</i> {html.escape(today)}"
            points.append((when_text(prior.months_before), text, prior.site_ids, prior.study))
        if points:
            points.append(("Now", "<b>This study, the whole body</b>: " + html.escape(
                "read it for the earlier sites and for anything else it shows."), (),
                "this whole-body study"))  # fmt: skip
        self._points = points
        for index, (label, _text, _sites, study) in enumerate(points):
            button = QToolButton()
            button.setText(label)
            button.setToolTip(study)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setCheckable(True)
            button.setObjectName(f"timelinePoint{index}")
            button.setAccessibleName(f"{label}: {study}")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self._group.addButton(button, index)
            self._row.addWidget(button, 1)
        self.detail.setText("Choose a point to see what that study showed." if points else "")
        self.setVisible(bool(points))

    def point_labels(self) -> list[str]:
        return [point[0] for point in self._points]

    def choose(self, index: int) -> None:
        """Show point ``index``'s finding, and ask for today's lesion at its site."""
        if not 0 <= index < len(self._points):
            return
        button = self._group.button(index)
        if button is not None and not button.isChecked():
            button.setChecked(True)
        _label, text, sites, _study = self._points[index]
        self.detail.setText(text)
        for site in sites:
            self.siteChosen.emit(site)
            break
