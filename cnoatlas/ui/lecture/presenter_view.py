"""The lecturer's own screen during a presentation: current and next step, notes, elapsed time.

It knows nothing of the presentation window: the window hands it what to show
(``show_state``) and listens to its buttons through signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnoatlas.domain.playlist import SlideContent
from cnoatlas.ui.common.theme import THEME_NAMES


class PresenterView(QWidget):
    """The lecturer's screen: current and next step, speaker notes, elapsed time."""

    previousRequested = Signal()
    nextRequested = Signal()
    blackRequested = Signal()
    endRequested = Signal()
    unknownsToggled = Signal(bool)
    screenChosen = Signal(str)
    themeChosen = Signal(str)
    textZoomed = Signal(float)  # the change of the slides' text scale

    def __init__(self, theme_name: str, elapsed_seconds: Callable[[], int]) -> None:
        super().__init__()
        self.setObjectName("presenterView")
        self.setWindowTitle("Presenter view")
        self.setAccessibleName("Presenter view")
        self._elapsed = elapsed_seconds
        self.counter = QLabel()
        self.counter.setObjectName("presenterCounter")
        self.clock = QLabel("00:00")
        self.clock.setObjectName("presenterClock")
        self.current = QLabel()
        self.current.setObjectName("presenterCurrent")
        self.current.setWordWrap(True)
        self.preview = QLabel()
        self.preview.setObjectName("presenterPreview")
        self.preview.setMinimumSize(320, 180)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next = QLabel()
        self.next.setObjectName("presenterNext")
        self.next.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName("presenterNotes")
        self.notes.setWordWrap(True)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.typed = QLabel()
        self.typed.setObjectName("presenterTyped")

        def button(text: str, name: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setObjectName(name)
            b.setAccessibleName(text)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys always reach the presentation
            b.clicked.connect(slot)
            return b

        self.unknowns = QCheckBox("Cases as unknowns")
        self.unknowns.setObjectName("presenterUnknowns")
        self.unknowns.setAccessibleName("Show every case as an unknown")
        self.unknowns.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.unknowns.toggled.connect(self.unknownsToggled)
        self.screens = QComboBox()
        self.screens.setObjectName("presenterScreens")
        self.screens.setAccessibleName("Screen for the slides")
        self.screens.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for screen in QApplication.screens():
            size = screen.geometry()
            self.screens.addItem(
                f"Slides on {screen.name() or 'screen'} ({size.width()}x{size.height()})",
                screen.name(),
            )
        self.screens.activated.connect(lambda i: self.screenChosen.emit(self.screens.itemData(i)))
        self.theme_box = QComboBox()
        self.theme_box.setObjectName("presenterTheme")
        self.theme_box.setAccessibleName("Slide theme")
        self.theme_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for name in THEME_NAMES:
            self.theme_box.addItem(
                name.capitalize() if name != "contrast" else "High contrast", name
            )
        self.theme_box.setCurrentIndex(THEME_NAMES.index(theme_name))
        self.theme_box.activated.connect(
            lambda i: self.themeChosen.emit(self.theme_box.itemData(i))
        )
        smaller = button("A−", "presenterSmaller", lambda: self.textZoomed.emit(-0.25))
        larger = button("A+", "presenterLarger", lambda: self.textZoomed.emit(0.25))
        controls = QHBoxLayout()
        for w in (
            button("◀ Previous", "presenterPrevious", self.previousRequested),
            button("Next ▶", "presenterNext-button", self.nextRequested),
            button("Black (B)", "presenterBlack", self.blackRequested),
            smaller,
            larger,
            self.theme_box,
            self.screens,
            self.unknowns,
        ):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(button("End (Esc)", "presenterEnd", self.endRequested))

        top = QHBoxLayout()
        top.addWidget(self.counter, 1)
        top.addWidget(self.typed)
        top.addWidget(self.clock)

        def heading(text: str) -> QLabel:
            label = QLabel(text)
            label.setProperty("role", "muted")
            return label

        left = QVBoxLayout()
        left.addWidget(heading("Now"))
        left.addWidget(self.current)
        left.addWidget(self.preview, 1)
        left.addWidget(heading("Next"))
        left.addWidget(self.next)
        right = QVBoxLayout()
        right.addWidget(heading("Speaker notes"))
        right.addWidget(self.notes, 1)
        middle = QHBoxLayout()
        middle.addLayout(left, 1)
        middle.addLayout(right, 1)
        keys = heading(
            "Keys: Page Down, →, ↓ or Space next · Page Up, ←, ↑ back · a number and Enter: "
            "go to that step · B black screen · L pointer · P presenter view · Esc end · "
            "wheel: slices · right-drag: window"
        )
        keys.setObjectName("presenterKeys")
        keys.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addLayout(controls)
        layout.addWidget(keys)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        for label in (self.counter, self.clock, self.notes, self.current, self.next):
            label.setFont(big)
        self.current.setStyleSheet("font-weight: 600;")
        self.resize(1100, 700)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        seconds = self._elapsed()
        self.clock.setText(f"{seconds // 60:02d}:{seconds % 60:02d}")

    def show_state(
        self,
        title: str,
        now: SlideContent | None,
        following: SlideContent | None,
        unknowns: bool,
        typed: str = "",
        preview: QPixmap | None = None,
    ) -> None:
        """What the lecturer sees: this slide and the next, the notes, the slide's picture."""
        if now is None:
            self.counter.setText("An empty playlist")
            return
        self.counter.setText(f"Step {now.number} of {now.total} · {title}")
        self.current.setText(now.summary)
        self.next.setText(following.summary if following else "End of the lecture")
        self.notes.setText(now.notes or "(no notes)")
        self.unknowns.blockSignals(True)
        self.unknowns.setChecked(unknowns)
        self.unknowns.blockSignals(False)
        self.typed.setText(f"Go to step {typed}…" if typed else "")
        self._tick()
        if preview is not None:
            self.preview.setPixmap(
                preview.scaled(
                    self.preview.width(),
                    self.preview.height(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
