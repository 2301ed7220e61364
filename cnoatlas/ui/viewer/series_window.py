"""A top-level window holding the viewers of a folder's series, and the ``series`` screenshot
view.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnoatlas.domain.annotations import Annotation
from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging.series import LoadResult
from cnoatlas.ui.common.views import ViewRequest, register_view
from cnoatlas.ui.viewer.grid import ViewerGrid
from cnoatlas.ui.viewer.series_viewer import SeriesViewer


# --- screenshot view ----------------------------------------------------------------------
class SeriesWindow(QWidget):
    """A top-level window holding one viewer (what ``series:PATH`` screenshots show)."""

    def __init__(
        self,
        result: LoadResult,
        first_slice: int | None = None,
        annotations: Sequence[Annotation] = (),
    ) -> None:
        super().__init__()
        self.setObjectName("seriesWindow")
        self.setWindowTitle("Series viewer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        shown = result.series[:4]
        self.grid: ViewerGrid | None = None
        if len(shown) > 1:
            # A study: its series side by side, scrolling together.
            self.grid = ViewerGrid(self, layout="1x2" if len(shown) == 2 else "2x2")
            self.viewer = self.grid.viewer(0)
            layout.addWidget(self.grid)
        else:
            self.viewer = SeriesViewer(self)
            layout.addWidget(self.viewer)
        if result.problems:
            # File names can carry a patient's name: the note gives reasons, the tooltip names.
            reasons: dict[str, int] = {}
            for problem in result.problems:
                reasons[problem.reason] = reasons.get(problem.reason, 0) + 1
            note = QLabel(
                f"{len(result.problems)} file(s) could not be shown: "
                + "; ".join(f"{reason} ({n})" for reason, n in list(reasons.items())[:3])
            )
            note.setToolTip("\n".join(f"{p.file}: {p.reason}" for p in result.problems[:50]))
            note.setObjectName("seriesProblems")
            note.setContentsMargins(8, 4, 8, 4)
            note.setWordWrap(True)
            note.setProperty("role", "muted")
            note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            layout.addWidget(note)
        viewers = self.grid.viewers if self.grid is not None else [self.viewer]
        for viewer, series in zip(viewers, shown, strict=False):
            viewer.set_series(series, first_slice if series is shown[0] else None)
            viewer.set_annotations(annotations)
        if self.grid is not None:
            self.grid.set_linked(True)


def annotations_beside(path: Path) -> list[Annotation]:
    """The annotations.json of a series folder or of the study folder holding it, if any."""
    from cnoatlas.domain.annotations import load_annotations

    folder = path if path.is_dir() else path.parent
    for candidate in (folder / "annotations.json", folder.parent / "annotations.json"):
        if candidate.is_file():
            return load_annotations(candidate)
    return []


@register_view(
    "series",
    "a DICOM folder, zip or file in the viewer (with --slice)",
    argument="a DICOM folder, zip, DICOMDIR or file",
)
def _series_view(request: ViewRequest) -> QWidget:
    from cnoatlas.imaging.series import load_series

    path = Path(request.argument or "")
    result = load_series(path, first_slice=request.slice)
    if not result.series:
        reasons = "; ".join(f"{p.file}: {p.reason}" for p in result.problems[:3])
        raise AtlasError(f"{path}: no images to show" + (f" ({reasons})" if reasons else ""))
    series = result.series[0]
    if request.slice is not None and not 0 <= request.slice < len(series):
        raise AtlasError(f"--slice {request.slice}: the series has slices 0 to {len(series) - 1}")
    return SeriesWindow(result, request.slice, annotations_beside(path))
