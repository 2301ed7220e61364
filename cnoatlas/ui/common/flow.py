"""Layouts that reflow instead of clipping: rows that wrap, and a row that becomes a column.

A page is shown from a 1366x768 laptop at scale 3 to a 4K projector; a row of controls that fits
on one line at one size needs two or three at another. ``FlowLayout`` wraps its items like words
in a paragraph; ``ReflowBox`` lays its children side by side while they fit and one above the
other when they do not. Neither ever asks for more width than its widest single item.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QBoxLayout, QLayout, QLayoutItem, QSizePolicy, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # QLayout's interface --------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:
        hints = [i.sizeHint() for i in self._visible()]
        if not hints:
            return QSize(0, 0)
        m = self.contentsMargins()
        width = sum(h.width() for h in hints) + self._spacing * (len(hints) - 1)
        return QSize(width + m.left() + m.right(), max(h.height() for h in hints) + m.top())

    def minimumSize(self) -> QSize:
        size = QSize(0, 0)
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    # the placing --------------------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not (i.widget() and i.widget().isHidden())]

    def _place(self, rect: QRect, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        rows: list[list[tuple[QLayoutItem, int, QSize]]] = [[]]
        for item in self._visible():
            hint = item.sizeHint()
            width = min(hint.width(), max(area.width(), item.minimumSize().width()))
            if x > area.x() and x + width > area.right() + 1:
                x, y, line = area.x(), y + line + self._spacing, 0
                rows.append([])
            rows[-1].append((item, y, QSize(width, hint.height())))
            x += width + self._spacing
            line = max(line, hint.height())
        if apply:
            for row in rows:
                tall = max((s.height() for _, _, s in row), default=0)
                # Items that may grow share what is left of the line, so a row looks full.
                spare = (
                    area.width()
                    - sum(s.width() for _, _, s in row)
                    - self._spacing * (len(row) - 1)
                )
                growers = [
                    i
                    for i, _, _ in row
                    if i.widget()
                    and i.widget().sizePolicy().horizontalPolicy()
                    in (QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding)
                ]
                extra = max(0, spare) // len(growers) if growers else 0
                x = area.x()
                for item, top, size in row:
                    width = size.width() + (extra if item in growers else 0)
                    offset = (tall - size.height()) // 2
                    item.setGeometry(QRect(QPoint(x, top + offset), QSize(width, size.height())))
                    x += width + self._spacing
        return y + line - rect.y() + m.bottom()


class ReflowBox(QWidget):
    """Children side by side while each gets ``min_child_width``, else one above the other."""

    def __init__(self, min_child_width: int, spacing: int = 12, parent: QWidget | None = None):
        super().__init__(parent)
        self.min_child_width = min_child_width
        self._box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(spacing)

    def addWidget(self, widget: QWidget, stretch: int = 1) -> None:
        self._box.addWidget(widget, stretch)

    def box(self) -> QBoxLayout:
        return self._box

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        widest = max(
            (self._box.itemAt(i).minimumSize().width() for i in range(self._box.count())),
            default=0,
        )
        return QSize(widest, hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_direction(event.size().width())

    def _update_direction(self, width: int) -> None:
        n = max(1, self._box.count())
        needed = sum(
            max(self.min_child_width, self._box.itemAt(i).minimumSize().width())
            for i in range(self._box.count())
        )
        side = width >= needed + (n - 1) * self._box.spacing()
        wanted = QBoxLayout.Direction.LeftToRight if side else QBoxLayout.Direction.TopToBottom
        if self._box.direction() != wanted:
            self._box.setDirection(wanted)
            self.updateGeometry()


class _FollowWidth(QObject):
    def __init__(self, scroll) -> None:
        super().__init__(scroll)
        self.scroll = scroll

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self.update()
        return False

    def update(self) -> None:
        content = self.scroll.widget()
        if content is None:
            return
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        frame = 2 * self.scroll.frameWidth()
        wanted = content.minimumSizeHint().width() + bar + frame
        if self.scroll.minimumWidth() != wanted:
            self.scroll.setMinimumWidth(wanted)


def follow_content_width(scroll) -> None:
    """A vertical-only scroll area never narrower than its content's minimum width, so nothing
    in it is cut at the right (the content reflows down to that width, the area scrolls down)."""
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    follower = _FollowWidth(scroll)
    if scroll.widget() is not None:
        scroll.widget().installEventFilter(follower)
    follower.update()
