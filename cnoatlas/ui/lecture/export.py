"""Slides for a lecture: every step of a playlist as a 1920x1080 PNG, and PDF handouts (one
for students without the speaker notes, one for the presenter with them).

Rendering is offscreen (the same SlideView the presentation shows), so lecturers can script
their slides without a display: `cnoatlas playlist export FILE --out DIR [--pdf]`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
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


HANDOUT_THEME = "light"  # white pages: a handout is printed
HANDOUT_IMAGE = (1280, 720)  # each slide on paper: sharp in print, small in the file
STUDENT_HANDOUT, PRESENTER_HANDOUT = "handout.pdf", "handout-presenter.pdf"


def export_playlist(
    playlist: Playlist,
    out_dir: Path,
    pdf: bool = False,
    theme_name: str = DEFAULT_THEME,
    scale: float = DEFAULT_SCALE,
    size: tuple[int, int] = SLIDE_SIZE,
    catalogue: Catalogue | None = None,
) -> list[Path]:
    """One PNG per step (``01-text.png``, ``02-overlay.png``, …) and, with ``pdf``, two
    handouts on white pages: ``handout.pdf`` for students (no speaker notes) and
    ``handout-presenter.pdf`` with the notes."""
    from cnoatlas.library.studies import load_case_images

    catalogue = catalogue or library_catalogue()
    out_dir.mkdir(parents=True, exist_ok=True)
    cache: dict[str, object] = {}

    def images(case_id: str):
        if case_id not in cache:
            cache[case_id] = load_case_images(catalogue.cases[case_id])
        return cache[case_id]

    contents = slide_contents(playlist, catalogue)
    width = max(2, len(str(len(contents))))
    written: list[Path] = []
    with _slide(catalogue, theme_name, scale, images) as slide:
        for content in contents:
            slide.show_slide(content)
            path = out_dir / f"{content.number:0{width}d}-{content.kind}.png"
            written.append(render_slide(slide, path, size))
    if pdf:
        pages: list[QImage] = []
        with _slide(catalogue, HANDOUT_THEME, scale, images) as slide:
            for content in contents:
                slide.show_slide(content)
                pages.append(_page_image(_grab(slide, SLIDE_SIZE)))
        summaries = [content.summary for content in contents]
        notes = [content.notes for content in contents]
        written.append(write_handout(playlist.title, pages, summaries, None, out_dir))
        written.append(
            write_handout(playlist.title, pages, summaries, notes, out_dir, PRESENTER_HANDOUT)
        )
    return written


class _slide:
    """A SlideView for an export, closed afterwards."""

    def __init__(self, catalogue, theme_name, scale, images) -> None:
        self.view = SlideView(catalogue, theme_name, scale)
        self.view.pointer.enabled = False
        self.view.images = images

    def __enter__(self) -> SlideView:
        return self.view

    def __exit__(self, *_exc) -> None:
        self.view.close()
        self.view.deleteLater()


def _page_image(image: QImage) -> QImage:
    """A slide for paper: smaller and without alpha (the PDF keeps it as a JPEG)."""
    smaller = image.scaled(
        HANDOUT_IMAGE[0],
        HANDOUT_IMAGE[1],
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return smaller.convertToFormat(QImage.Format.Format_RGB32)


def write_handout(
    title: str,
    images: list[QImage | Path],
    summaries: list[str],
    notes: list[str] | None,
    out_dir: Path,
    name: str = STUDENT_HANDOUT,
) -> Path:
    """A PDF with one slide per landscape A4 page under its step name; with ``notes`` (the
    presenter's handout) the speaker notes under each slide, without them none (the students').

    Each answer is a step of its own, so it always lands on the page after its question.
    """
    from cnoatlas.ui.lecture.handout import HandoutPage, write_pdf

    notes = notes if notes is not None else [""] * len(images)
    pages = [
        HandoutPage(
            image if isinstance(image, QImage) else QImage(str(image)),
            f"{number} / {len(images)} · {summary}",
            note,
        )
        for number, (image, summary, note) in enumerate(
            zip(images, summaries, notes, strict=True), 1
        )
    ]
    return write_pdf(out_dir / name, title + (" (presenter)" if any(notes) else ""), pages)
