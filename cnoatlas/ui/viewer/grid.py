"""``ViewerGrid``: 1x1, 1x2 or 2x2 series viewers whose scrolling is linked by position."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging.series import linked_slice
from cnoatlas.ui.viewer.series_viewer import SeriesViewer

LAYOUTS = {"1x1": (1, 1), "1x2": (1, 2), "2x2": (2, 2)}


class ViewerGrid(QWidget):
    """1x1, 1x2 or 2x2 viewers; linked scrolling follows the position along the slice normal."""

    def __init__(self, parent: QWidget | None = None, layout: str = "1x1") -> None:
        super().__init__(parent)
        self.setObjectName("viewerGrid")
        self.viewers = [SeriesViewer(self, name=f"seriesViewer{k}") for k in range(4)]
        self._layout = ""
        self._linked = False
        self._syncing = False

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        bar.setSpacing(4)
        self.layout_buttons: dict[str, QToolButton] = {}
        for name in LAYOUTS:
            button = QToolButton()
            button.setObjectName(f"layout-{name}")
            button.setText(name.replace("x", "×"))
            button.setAccessibleName(f"Layout {name}")
            button.setToolTip(f"Show {name.replace('x', ' by ')} viewers")
            button.setCheckable(True)
            button.setAutoExclusive(True)
            button.clicked.connect(lambda _=False, n=name: self.set_layout(n))
            bar.addWidget(button)
            self.layout_buttons[name] = button
        self.link_button = QToolButton()
        self.link_button.setObjectName("linkViewers")
        self.link_button.setText("Link scrolling")
        self.link_button.setAccessibleName("Link scrolling")
        self.link_button.setToolTip(
            "Scroll every viewer together: by position in one study, by relative position "
            "between a baseline and a follow-up"
        )
        self.link_button.setCheckable(True)
        self.link_button.toggled.connect(self.set_linked)
        bar.addWidget(self.link_button)
        bar.addStretch(1)

        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(bar)
        outer.addLayout(self._grid, 1)
        for viewer in self.viewers:
            viewer.sliceChanged.connect(lambda _i, v=viewer: self._follow(v))
        self.set_layout(layout)

    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise AtlasError(f"unknown layout '{name}' (layouts: {', '.join(LAYOUTS)})")
        rows, cols = LAYOUTS[name]
        for viewer in self.viewers:
            self._grid.removeWidget(viewer)
            viewer.hide()
        for k in range(rows * cols):
            self._grid.addWidget(self.viewers[k], k // cols, k % cols)
            self.viewers[k].show()
        self._layout = name
        self.layout_buttons[name].setChecked(True)

    def layout_name(self) -> str:
        return self._layout

    def visible_viewers(self) -> list[SeriesViewer]:
        rows, cols = LAYOUTS[self._layout]
        return self.viewers[: rows * cols]

    def viewer(self, k: int) -> SeriesViewer:
        return self.viewers[k]

    def set_linked(self, linked: bool) -> None:
        self._linked = bool(linked)
        if self.link_button.isChecked() != self._linked:
            self.link_button.setChecked(self._linked)
        if linked:
            self._follow(self.viewers[0])

    def linked(self) -> bool:
        return self._linked

    def _follow(self, source: SeriesViewer) -> None:
        if not self._linked or self._syncing or source.series is None:
            return
        self._syncing = True
        try:
            for viewer in self.visible_viewers():
                if viewer is source or viewer.series is None:
                    continue
                viewer.set_slice(linked_slice(source.series, source.slice_index(), viewer.series))
        finally:
            self._syncing = False
