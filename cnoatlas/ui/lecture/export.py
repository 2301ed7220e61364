"""Slides for a lecture: every step of a playlist as a 1920x1080 PNG, and a PDF handout.

Rendering is offscreen (the same SlideView the presentation shows), so lecturers can script
their slides without a display: `cnoatlas playlist export FILE --out DIR [--pdf]`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QWidget

from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.playlist import Catalogue, Playlist, library_catalogue, slide_contents
from cnoatlas.ui.common.views import grab_widget
from cnoatlas.ui.lecture.slide_view import DEFAULT_SCALE, DEFAULT_THEME, SlideView

SLIDE_SIZE = (1920, 1080)


def render_slide(slide: QWidget, out: Path, size: tuple[int, int] = SLIDE_SIZE) -> Path:
    """A copy of the slide, laid out at ``size``, written as PNG."""
    image = _grab(slide, size)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise AtlasError(f"{out}: could not write the PNG (is the folder writable?)")
    return out


def _grab(slide: QWidget, size: tuple[int, int]) -> QImage:
    if slide.parent() is None:
        return grab_widget(slide, size)
    # A slide on screen keeps its place: render a copy at the slide size instead.
    pixmap = slide.grab()
    return pixmap.toImage().scaled(
        size[0],
        size[1],
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def export_playlist(
    playlist: Playlist,
    out_dir: Path,
    pdf: bool = False,
    theme_name: str = DEFAULT_THEME,
    scale: float = DEFAULT_SCALE,
    size: tuple[int, int] = SLIDE_SIZE,
    catalogue: Catalogue | None = None,
) -> list[Path]:
    """One PNG per step (``01-text.png``, ``02-overlay.png``, …) and, with ``pdf``, handout.pdf."""
    from cnoatlas.library.studies import load_case_images

    catalogue = catalogue or library_catalogue()
    out_dir.mkdir(parents=True, exist_ok=True)
    slide = SlideView(catalogue, theme_name, scale)
    slide.pointer.enabled = False
    cache: dict[str, object] = {}

    def images(case_id: str):
        if case_id not in cache:
            cache[case_id] = load_case_images(catalogue.cases[case_id])
        return cache[case_id]

    slide.images = images
    written: list[Path] = []
    contents = slide_contents(playlist, catalogue)
    width = max(2, len(str(len(contents))))
    try:
        for content in contents:
            slide.show_slide(content)
            path = out_dir / f"{content.number:0{width}d}-{content.kind}.png"
            written.append(render_slide(slide, path, size))
    finally:
        slide.close()
        slide.deleteLater()
    if pdf:
        summaries = [content.summary for content in contents]
        notes = [content.handout_note for content in contents]
        written.append(write_handout(playlist.title, written, summaries, notes, out_dir))
    return written


def write_handout(
    title: str, images: list[Path], summaries: list[str], notes: list[str], out_dir: Path
) -> Path:
    """A PDF with one slide per landscape A4 page, its step name and the lecturer's notes.

    Each answer is a step of its own, so it always lands on the page after its question.
    """
    path = out_dir / "handout.pdf"
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("CNO Atlas")
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise AtlasError(f"{path}: could not write the PDF (is the folder writable?)")
    try:
        for number, (image_path, summary, note) in enumerate(
            zip(images, summaries, notes, strict=True), 1
        ):
            if number > 1:
                writer.newPage()
            page = QRectF(painter.viewport())
            image = QImage(str(image_path))
            text_height = page.height() * 0.2
            box = QRectF(page.left(), page.top(), page.width(), page.height() - text_height)
            scaled = image.size().scaled(
                round(box.width()), round(box.height()), Qt.AspectRatioMode.KeepAspectRatio
            )
            target = QRectF(box.left(), box.top(), scaled.width(), scaled.height())
            painter.drawImage(target, image)
            painter.setPen(Qt.GlobalColor.black)
            heading = QFont("DejaVu Sans")
            heading.setPointSizeF(12)
            heading.setBold(True)
            painter.setFont(heading)
            top = target.bottom() + page.height() * 0.02
            line = painter.fontMetrics().height()
            painter.drawText(
                QRectF(page.left(), top, page.width(), line),
                f"{number} / {len(images)} · {summary}",
            )
            if note:
                body = QFont("DejaVu Sans")
                body.setPointSizeF(10)
                painter.setFont(body)
                painter.drawText(
                    QRectF(page.left(), top + line * 1.3, page.width(), page.bottom() - top),
                    Qt.TextFlag.TextWordWrap,
                    f"Notes: {note}",
                )
    finally:
        painter.end()
    return path
