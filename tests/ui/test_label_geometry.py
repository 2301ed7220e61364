"""Labels laid out like an atlas, checked geometrically: on every annotated slice of every case
at two screen sizes and on the example lecture's slides, no two label boxes overlap and none
covers an orientation letter or the scale bar; key images fill at least half of a slide; the
handouts' pages and notes.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from PySide6.QtCore import QPoint, QRectF

from cnoatlas.domain.cases import case_library
from cnoatlas.domain.finding_words import DIAGNOSIS_WORDS
from cnoatlas.domain.label_layout import _segment_hits_box
from cnoatlas.ui.common.views import settle
from cnoatlas.ui.viewer.series_viewer import SeriesViewer

BANNED = re.compile(r"\b(" + "|".join(DIAGNOSIS_WORDS) + r")\b", re.IGNORECASE)
# The viewer's size on a case page in a 1366x768 and a 1920x1080 window, and a viewer filling
# each of those screens (a series window, full screen).
SIZES = ((545, 505), (800, 780), (1366, 768), (1920, 1080))


@cache
def _images(case_id: str):
    from cnoatlas.library.studies import load_case_images

    return load_case_images(case_library().get(case_id))


def _rect(box) -> QRectF:
    return QRectF(box.x, box.y, box.w, box.h)


def _check_viewer(viewer: SeriesViewer, where: str) -> int:
    """Assert the labels on screen are clear of each other and the overlay; their count."""
    boxes = viewer.label_boxes()
    canvas = QRectF(viewer.graphics.viewport().rect())
    keep = [_rect(k) for k in viewer.overlay_keep_out()]
    letters = [
        viewer._labels[f"mark_{side}"].geometry() for side in ("left", "right", "top", "bottom")
    ]
    scale_bar = QRectF(viewer.scale_bar.geometry())
    for i, a in enumerate(boxes):
        assert canvas.contains(a), (where, "outside the image area", a)
        for b in boxes[i + 1 :]:
            assert not a.intersects(b), (where, "two labels overlap", a, b)
        for k in keep:
            assert not a.intersects(k), (where, "a label over the overlay", a, k)
        for letter in letters:
            assert not a.intersects(QRectF(letter)), (where, "a label over a letter", a)
        if viewer.scale_bar.bar_pixels:
            assert not a.intersects(scale_bar), (where, "a label over the scale bar", a)
    result = viewer.label_layer.layout_result
    for placed in result.placed if result is not None else ():
        if placed.leader is None:
            continue
        for box in result.boxes():
            if box is not placed.box:
                assert not _segment_hits_box(*placed.leader, box), (where, "a leader over a label")
    for text in viewer.label_texts():
        assert not BANNED.search(text), (where, text)
    return len(boxes)


@pytest.mark.parametrize("case_id", sorted(c.id for c in case_library()))
def test_labels_never_overlap_on_any_annotated_slice_of_the_case(qtbot, case_id):
    images = _images(case_id)
    assert images.series, images.problem
    viewer = SeriesViewer()
    qtbot.addWidget(viewer)
    viewer.show()
    drawn = 0
    for label, series in images.series.items():
        on_series = [a for a in images.annotations if a.series_uid == series.uid]
        if not on_series:
            continue
        viewer.set_series(series)
        viewer.set_annotations(on_series)
        viewer.reveal_all()
        slices = sorted({a.slice for a in on_series})
        for size in SIZES:
            viewer.resize(*size)
            settle(2)
            viewer.fit()
            for index in slices:
                viewer.set_slice(index)
                drawn += _check_viewer(viewer, f"{case_id} {label} slice {index} {size}")
    assert drawn, "some labels must have been drawn"


@pytest.fixture(scope="module")
def example_slides():
    from cnoatlas.domain.playlist import example_playlist_path, load_playlist, slide_contents

    return slide_contents(load_playlist(example_playlist_path()))


def test_slides_of_the_example_lecture_lay_labels_out_and_key_images_fill_half(
    qtbot, example_slides
):
    from cnoatlas.ui.common.views import grab_widget
    from cnoatlas.ui.lecture.slide_view import SlideView

    slide = SlideView()
    slide.pointer.enabled = False
    slide.images = _images
    qtbot.addWidget(slide)
    checked = 0
    for content in example_slides:
        if content.kind not in ("case-lesion", "case-findings", "case-diagnosis"):
            continue
        slide.show_slide(content)
        grab_widget(slide, (1920, 1080))
        viewer = slide.visual.currentWidget()
        assert isinstance(viewer, SeriesViewer), content.summary
        _check_viewer(viewer, content.summary)
        if content.framing == "lesion":
            assert viewer.label_texts(), (content.summary, "the lesion's label is drawn")
        # The image on screen, in slide pixels: half the 1920x1080 slide at least.
        canvas = viewer.graphics.viewport()
        shown = viewer.image_rect_on_canvas()
        origin = canvas.mapTo(slide, QPoint(0, 0))
        on_slide = shown.translated(origin.x(), origin.y()) & QRectF(slide.rect())
        share = on_slide.width() * on_slide.height() / (1920 * 1080)
        # Every lesion's own step fills half the slide; a findings step too unless its lesions
        # themselves span more than half the body (T11 to the ankles: then all of them show).
        series = viewer.series
        marked = [a for a in _images(content.case_id).annotations if a.series_uid == series.uid]
        marked = [a for a in marked if a.slice == viewer.slice_index()]
        rows = [p[1] for a in marked for p in a.points()]
        spread = (max(rows) - min(rows)) / series.rows if rows else 0.0
        if content.framing == "lesion" or spread < 0.5:
            assert share >= 0.5, (content.summary, content.framing, round(share, 2))
        else:
            canvas_rect = QRectF(canvas.rect())
            for a in marked:
                x, y = viewer._to_canvas(*a.anchor())
                assert canvas_rect.contains(x, y), (content.summary, "a lesion cropped off")
        checked += 1
    assert checked >= 10


def test_live_slides_and_exported_slides_share_one_background(qtbot):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from cnoatlas.ui.common.views import grab_widget
    from cnoatlas.ui.lecture.slide_view import SlideView, slide_background

    for theme_name in ("contrast", "dark", "light"):
        slide = SlideView(theme_name=theme_name)
        qtbot.addWidget(slide)
        colour = slide.palette().color(QPalette.ColorRole.Window).name()
        assert colour == slide_background(theme_name)
        assert slide_background(theme_name) in slide.styleSheet()
        exported = grab_widget(slide, (960, 540)).pixelColor(3, 3).name()
        # Live: the slide inside a window of the app's own theme, painted on screen.
        window = QWidget()
        qtbot.addWidget(window)
        live_slide = SlideView(theme_name=theme_name)
        QVBoxLayout(window).addWidget(live_slide)
        window.resize(960, 540)
        window.show()
        settle(2)
        live = live_slide.grab().toImage().pixelColor(3, 3).name()
        assert exported == live == slide_background(theme_name), theme_name


def test_handouts_students_without_notes_presenter_with_them(qtbot, tmp_path):
    from PySide6.QtGui import QColor, QImage

    from cnoatlas.ui.lecture.export import PRESENTER_HANDOUT, write_handout

    rng = __import__("random").Random(4)
    images = []
    for _ in range(6):
        image = QImage(1280, 720, QImage.Format.Format_RGB32)
        image.fill(QColor("#f4f5f7"))
        for _ in range(4000):  # some noise, as an MRI has
            image.setPixelColor(
                rng.randrange(1280), rng.randrange(720), QColor(rng.randrange(255), 0, 0)
            )
        images.append(image)
    summaries = [f"Step {i}" for i in range(6)]
    notes = [
        "",
        "Ask the hall about (brackets) and \\ back-slashes",
        "",
        "",
        "",
        "Say the diagnosis.",
    ]
    student = write_handout("Lecture", images, summaries, None, tmp_path)
    presenter = write_handout("Lecture", images, summaries, notes, tmp_path, PRESENTER_HANDOUT)
    for path in (student, presenter):
        data = path.read_bytes()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 6
        assert len(data) < 6 * 250_000
    assert b"Speaker notes" not in student.read_bytes()
    assert b"Say the diagnosis." in presenter.read_bytes()
    assert b"\\(brackets\\)" in presenter.read_bytes()
