"""Mouse gestures sent straight to a widget: a drag in five moves, as a hand makes it."""

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget


def drag(
    target: QWidget, start: QPoint, dx: int, dy: int, button=Qt.MouseButton.LeftButton
) -> None:
    origin = QPointF(start)

    def send(kind, pos, buttons, which):
        event = QMouseEvent(
            kind,
            pos,
            QPointF(target.mapToGlobal(pos.toPoint())),
            which,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(target, event)

    send(QEvent.Type.MouseButtonPress, origin, button, button)
    for k in range(1, 6):
        send(
            QEvent.Type.MouseMove,
            origin + QPointF(dx * k / 5, dy * k / 5),
            button,
            Qt.MouseButton.NoButton,
        )
    send(QEvent.Type.MouseButtonRelease, origin + QPointF(dx, dy), Qt.MouseButton.NoButton, button)
