"""One step of a playlist painted at a size legible from the back of a hall (``SlideView``),
with the text and pointer widgets it is made of; slide export renders the same view.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from cnoatlas.domain.cases import lesion_slices
from cnoatlas.domain.playlist import Catalogue, SlideContent, library_catalogue
from cnoatlas.domain.sites import site_model
from cnoatlas.ui.common.theme import THEME_NAMES, clamp_scale, theme
from cnoatlas.ui.viewer.annotation_items import LABEL_POINT_SIZE

DEFAULT_THEME, DEFAULT_SCALE = "contrast", 1.5


# The images of a case: generated or read on a worker, then kept for the lecture.
ImagesProvider = Callable[[str], object | None]


# --- the slide --------------------------------------------------------------------------------
def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _short_citation(source_ids: tuple[str, ...]) -> str:
    from cnoatlas.domain.sources import bibliography

    books = bibliography()
    return "; ".join(books[s].short if s in books else s for s in source_ids)


def crop_region(
    points, columns: int, rows: int, pixel_aspect: float, panel_aspect: float, close: bool
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The part of the image a key image shows: the lesions' points with room around them,
    shaped like the panel (``panel_aspect`` = width / height on screen) so the image fills it,
    and kept on the image where it can be (no empty band beyond the feet or the head).

    ``pixel_aspect``: height of a pixel over its width. ``close``: one lesion (a fifth of the
    body's height at least), else a region around all of them.
    """
    cols = [p[0] for p in points]
    rws = [p[1] for p in points]
    cx, cy = (min(cols) + max(cols)) / 2, (min(rws) + max(rws)) / 2
    margin = 1.6 if close else 1.35
    half_w = max((max(cols) - min(cols)) / 2 * margin, 4.0)
    half_h = max((max(rws) - min(rws)) / 2 * margin, 4.0)
    half_h = max(half_h, rows / (10 if close else 6))
    # The region's shape on screen (columns x rows, pixel aspect) made the panel's.
    if half_w / (half_h * pixel_aspect) < panel_aspect:
        half_w = half_h * pixel_aspect * panel_aspect
    else:
        half_h = half_w / (pixel_aspect * panel_aspect)
    need_w = max((max(cols) - min(cols)) / 2 * 1.02, 2.0)  # the lesions themselves
    need_h = max((max(rws) - min(rws)) / 2 * 1.02, 2.0)
    width_max, height_max = columns / 2, rows / 2
    # Wider (or taller) than the image: give up context, not the lesions, before showing
    # empty bands beside the image.
    for _ in range(2):
        if half_w > width_max:
            shrink = max(width_max / half_w, need_h / half_h)
            half_w, half_h = half_w * shrink, half_h * shrink
        if half_h > height_max:
            shrink = max(height_max / half_h, need_w / half_w)
            half_w, half_h = half_w * shrink, half_h * shrink

    def clamp(c: float, half: float, size: int) -> float:
        lo, hi = half - 0.5, size - 0.5 - half
        return (lo + hi) / 2 if lo > hi else min(max(c, lo), hi)

    cx, cy = clamp(cx, half_w, columns), clamp(cy, half_h, rows)
    return (cx - half_w, cx + half_w), (cy - half_h, cy + half_h)


def _zoom_to(viewer, points, close: bool = True) -> None:
    """Frame lesions so that the image fills the viewer (see ``crop_region``)."""
    series = viewer.series
    canvas = viewer.graphics.viewport()
    panel = canvas.width() / max(1, canvas.height())
    x_range, y_range = crop_region(points, series.columns, series.rows, series.aspect, panel, close)
    viewer.show_region(x_range, y_range)


def slide_background(theme_name: str) -> str:
    """The one background of a slide, live and exported: the theme's window colour."""
    return theme(theme_name).window


class PointerHighlight(QWidget):
    """A translucent circle that follows the mouse: a laser pointer the whole hall can see."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("pointerHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._pos: QPointF | None = None
        self.enabled = True

    def move_to(self, pos: QPointF | None) -> None:
        self._pos = pos if self.enabled else None
        self.update()

    def position(self) -> QPointF | None:
        return self._pos

    def paintEvent(self, _event) -> None:
        if self._pos is None:
            return
        radius = max(18.0, self.height() / 28)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 40, 40, 90))
        painter.drawEllipse(self._pos, radius, radius)
        painter.setBrush(QColor(255, 60, 60, 200))
        painter.drawEllipse(self._pos, radius / 4, radius / 4)


class FitText(QLabel):
    """Rich text at the largest size, up to ``max_px``, at which it fits the label's box."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.max_px = 40.0

    def set_max(self, px: float) -> None:
        self.max_px = px
        self.fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        rect = self.contentsRect()
        doc = QTextDocument()
        doc.setHtml(self.text())
        doc.setTextWidth(max(100, rect.width()))
        size = self.max_px
        font = QFont(self.font())
        while True:
            font.setPixelSize(round(size))
            doc.setDefaultFont(font)
            if size <= 14 or doc.size().height() <= max(60, rect.height()):
                break
            size *= 0.93
        if self.font().pixelSize() != font.pixelSize():
            self.setFont(font)


class SlideView(QWidget):
    """One step of a playlist, drawn large: heading, text and (if the step has one) a picture."""

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        theme_name: str = DEFAULT_THEME,
        scale: float = DEFAULT_SCALE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("slideView")
        self.setAccessibleName("Slide")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.catalogue = catalogue or library_catalogue()
        self.theme_name = theme_name
        self.scale = clamp_scale(scale)
        self.images: ImagesProvider = lambda _case_id: None
        self.content: SlideContent | None = None
        self._viewer_case = ""

        self.title = QLabel()
        self.title.setObjectName("slideTitle")
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("slideSubtitle")
        self.subtitle.setWordWrap(True)
        self.text = FitText("slideText")
        self.footer = QLabel()
        self.footer.setObjectName("slideFooter")
        self.footer.setWordWrap(True)

        self.visual = QStackedWidget()
        self.visual.setObjectName("slideVisual")
        self.visual.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.waiting = QLabel("Preparing the images…")
        self.waiting.setObjectName("slideWaiting")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.visual.addWidget(self.waiting)
        self._viewer = None
        self._overlay = None
        self._site_map = None

        self.body = QHBoxLayout()
        self.body.setSpacing(32)
        self.body.addWidget(self.text, 2)
        self.body.addWidget(self.visual, 3)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.subtitle)
        self.layout_.addLayout(self.body, 1)
        self.layout_.addWidget(self.footer)
        self.pointer = PointerHighlight(self)
        self._apply_style()

    # --- looks ------------------------------------------------------------------------------
    def unit(self) -> float:
        """The body text size in pixels: large enough for the back row at any window size."""
        return max(12.0, self.height() * 0.040 * self.scale / DEFAULT_SCALE)

    def set_look(self, theme_name: str, scale: float) -> None:
        self.theme_name = theme_name if theme_name in THEME_NAMES else DEFAULT_THEME
        self.scale = clamp_scale(scale)
        self._apply_style()
        self._render()

    def _apply_style(self) -> None:
        t = theme(self.theme_name)
        background = slide_background(self.theme_name)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(background))
        self.setPalette(palette)  # what autoFill paints and an export fills its image with
        u = self.unit()
        margin = round(u * 1.2)
        self.layout_.setContentsMargins(margin, round(u * 0.8), margin, round(u * 0.6))
        self.layout_.setSpacing(round(u * 0.4))
        self.body.setSpacing(round(u))
        self.setStyleSheet(
            f"""
            QWidget#slideView {{ background: {background}; }}
            QLabel#slideTitle {{ color: {t.accent}; font-size: {round(u * 1.4)}px;
                                 font-weight: 700; }}
            QLabel#slideSubtitle {{ color: {t.text}; font-size: {round(u * 0.9)}px; }}
            QLabel#slideFooter {{ color: {t.muted}; font-size: {round(u * 0.55)}px; }}
            QLabel#slideWaiting {{ color: {t.muted}; font-size: {round(u)}px; }}
            QLabel#slideText {{ color: {t.text}; }}
            """
        )
        self.text.set_max(u)
        if self._viewer is not None:
            self._viewer.set_text_scale(self.image_text_scale())
        self._style_overlay()

    def _style_overlay(self) -> None:
        """The overlay's legend and source caption in step with the slide's text (half the body
        size), not at the interface's size: read from the back of a hall."""
        if self._overlay is None:
            return
        size = self.unit() * 0.5
        font = QFont(self._overlay.legend.font())
        font.setPointSizeF(size * 72 / 96)  # the legend scales its own text from a point size
        self._overlay.legend.setFont(font)
        self._overlay.legend.updateGeometry()
        self._overlay.caption.setStyleSheet(f"font-size: {round(size)}px;")

    def image_text_scale(self) -> float:
        """Text on the image (lesion labels, orientation) in step with the slide's own text:
        a lesion label about 0.7 of the body text, readable from the back of the hall."""
        return max(1.0, self.unit() * 0.7 / (LABEL_POINT_SIZE * 96 / 72))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.pointer.setGeometry(self.rect())
        self.pointer.raise_()
        self._apply_style()

    def eventFilter(self, watched, event) -> bool:
        # The key image keeps filling its panel when the panel changes shape.
        if watched is self._viewer and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self, self._frame)
        return super().eventFilter(watched, event)

    # --- content ----------------------------------------------------------------------------
    def show_slide(self, content: SlideContent) -> None:
        self.content = content
        self._render()

    def images_arrived(self, case_id: str) -> None:
        """A case's images are ready: redraw if this slide is waiting for them."""
        if self.content is not None and self.content.case_id == case_id:
            self._viewer_case = ""
            self._render()

    def visible_texts(self) -> list[str]:
        """Every text a person in the hall can read on this slide right now."""
        texts = []
        for label in self.findChildren(QLabel):
            if label.isVisibleTo(self) and label.text():
                doc = QTextDocument()
                doc.setHtml(label.text())
                texts.append(doc.toPlainText())
        if self.visual.isVisibleTo(self):
            shown = self.visual.currentWidget()
            if shown is self._overlay:
                texts += self._overlay.labels.texts()
            elif shown is self._viewer:  # the labels painted on the image
                texts += shown.label_texts()
        return texts

    def _render(self) -> None:
        content = self.content
        if content is None:
            return
        item = content.item
        kind = content.kind
        self.subtitle.setText("")
        self.footer.setText("")
        if kind == "missing":
            self._set(content.title, f"<p>{_esc(content.problem)}</p>", None)
            self.subtitle.setText("This part of the lecture could not be found in the atlas.")
        elif kind == "text":
            self._set(content.title, _paragraphs(item.text), None)
            if item.sources:
                self.footer.setText(f"Source: {_esc(_short_citation(item.sources))}")
        elif kind == "overlay":
            self._overlay_step(content)
        elif kind == "map":
            self._map_step(content)
        elif kind in ("question", "answer"):
            self._question_step(content)
        else:
            self._case_step(content)
        self.subtitle.setVisible(bool(self.subtitle.text()))
        self.footer.setVisible(bool(self.footer.text()))
        self.text.fit()
        for widget in (self, *self.findChildren(QWidget)):
            widget.setMouseTracking(True)  # the pointer follows the mouse without a button held

    def _set(self, title: str, body_html: str, visual: QWidget | None) -> None:
        self.title.setText(_esc(title))
        self.text.setText(body_html)
        self.text.setVisible(bool(body_html))
        if visual is None:
            self.visual.hide()
        else:
            self.visual.setCurrentWidget(visual)
            self.visual.show()
        key_image = visual is not None and visual is self._viewer
        if key_image:  # the image is what the hall looks at: most of the slide
            self.body.setStretch(0, 3 if body_html else 0)
            self.body.setStretch(1, 7)
        else:
            self.body.setStretch(0, 2 if visual is not None else 1)
            self.body.setStretch(1, 3 if body_html else 1)

    # --- kinds of step ------------------------------------------------------------------------
    def _overlay_step(self, content: SlideContent) -> None:
        from cnoatlas.ui.atlas.overlay import OverlayMapPanel

        dataset = self.catalogue.datasets[content.dataset_id]
        if self._overlay is None:
            self._overlay = OverlayMapPanel("slide")
            self._overlay.title.hide()
            self._overlay.summary.hide()
            self.visual.addWidget(self._overlay)
            self._style_overlay()
        self._overlay.set_dataset(dataset)
        self._set(content.title, _paragraphs(dataset.description), self._overlay)

    def _map_step(self, content: SlideContent) -> None:
        from cnoatlas.ui.atlas.site_map import SiteMap

        if self._site_map is None:
            self._site_map = SiteMap("front")
            self._site_map.setObjectName("slideMap")
            self.visual.addWidget(self._site_map)
        model = site_model()
        leaves: set[str] = set()
        for site_id in content.sites:
            leaves |= set(model.expand(site_id))
        shown = [s for s in self._site_map.site_ids() if s in leaves]
        self._site_map.highlight_sites(set(shown))  # no selection: its caption names one site
        names = "".join(f"<li>{_esc(model.name(s))}</li>" for s in content.sites)
        self._set(content.title, f"<ul>{names}</ul>" if names else "", self._site_map)

    def _question_step(self, content: SlideContent) -> None:
        from cnoatlas.domain.quiz import question
        from cnoatlas.domain.quiz.cases import library_cases

        answer = content.answer_shown
        q = question(content.question_id, cases=library_cases())
        t = theme(self.theme_name)
        right = set(q.answer) if isinstance(q.answer, (tuple, list)) else {q.answer}
        rows = []
        for letter, option in zip("ABCDEFGHIJ", q.options, strict=False):
            text = f"{letter}.&nbsp; {_esc(q.label(option))}"
            if answer and option in right:
                text = f"<span style='color:{t.accent}'><b>{text} &nbsp;✔</b></span>"
            rows.append(f"<p style='margin-left:1em'>{text}</p>")
        body = f"<p><b>{_esc(q.prompt)}</b></p>{''.join(rows)}"
        if answer:
            if not q.options:
                shown = right if all(isinstance(a, str) for a in right) else set()
                body += "".join(f"<p>{_esc(q.label(a))}</p>" for a in sorted(shown))
            body += f"<p style='color:{t.text}'>{_esc(q.explanation)}</p>"
            self.footer.setText(_esc(q.citation()))
        self._set(content.title, body, None)

    def _case_step(self, content: SlideContent) -> None:
        case = self.catalogue.cases[content.case_id]
        part = content.case_part
        title = content.title
        t = theme(self.theme_name)
        if part == "history":
            labs = "".join(
                f"<tr><td>{_esc(lab.name)}&nbsp;&nbsp;</td><td>"
                + (
                    f"<span style='color:{t.warning}'>{_esc(lab.value_text)}</span>"
                    if lab.abnormal
                    else _esc(lab.value_text)
                )
                + f"</td><td>&nbsp;&nbsp;{_esc(lab.flag)}</td></tr>"
                for lab in case.labs
            )
            body = f"<p><b>{_esc(case.presentation)}</b></p><p>{_esc(case.history)}</p>"
            if labs:
                body += f"<table cellspacing='4'>{labs}</table>"
            self._set(title, body, None)
            return
        if part == "discussion":
            points = "".join(
                f"<li>{_esc(p.text)} <span style='color:{t.muted}'>"
                f"({_esc(_short_citation(p.sources))})</span></li>"
                for p in case.teaching_points
            )
            from cnoatlas.domain.cases import DIAGNOSES

            diffs = "".join(
                f"<li><b>{_esc(DIAGNOSES.get(d.diagnosis, d.diagnosis))}:</b> {_esc(d.text)} "
                f"<span style='color:{t.muted}'>({_esc(_short_citation(d.sources))})</span></li>"
                for d in case.differential_discussion
            )
            body = f"<ul>{points}</ul>" + (
                f"<p><b>Differential diagnosis</b></p><ul>{diffs}</ul>" if diffs else ""
            )
            self._set(title, body, None)
            self.subtitle.setText(f"Diagnosis: {_esc(case.diagnosis_label)}")
            return
        visual = self._case_images(
            case, list(content.lesions_marked), content.focus_lesion, content.framing
        )
        if part == "images":
            body = f"<p>{_esc(case.presentation)}</p>"
            self.footer.setText("Synthetic images made by the atlas's generator")
        elif part == "lesion":
            lesion = case.lesion(content.focus_lesion)
            model = site_model()
            where = model.name(lesion.site_id) if model.is_known(lesion.site_id) else ""
            silent = (
                f"<p style='color:{t.warning}'>No symptoms here: found by imaging.</p>"
                if lesion.silent
                else ""
            )
            body = (
                f"<p style='color:{t.muted}'>Lesion {content.lesion_position} of "
                f"{content.lesion_count}</p>"
                f"<p><b>{_esc(where)}</b></p><p>{_esc(lesion.description)}</p>{silent}"
            )
        elif part == "findings":
            body = "<ul>" + "".join(f"<li>{_esc(f)}</li>" for f in case.findings) + "</ul>"
        else:  # diagnosis
            body = f"<p style='font-size:x-large; color:{t.accent}'><b>{_esc(case.diagnosis_label)}</b></p>"
            if case.pattern_label:
                from cnoatlas.ui.cases.page import pattern_text

                body += f"<p>Lesion pattern: {_esc(pattern_text(case))}</p>"
            if case.outcome:
                body += f"<p>{_esc(case.outcome)}</p>"
        self._set(title, body, visual)

    def _case_images(self, case, shown: list[str], focus: str, framing: str) -> QWidget:
        images = self.images(case.id)
        if images is None:
            self.waiting.setText("Preparing the images…")
            return self.waiting
        if not images.series:
            self.waiting.setText("The images of this case could not be shown.")
            return self.waiting
        viewer = self._ensure_viewer()
        slices = lesion_slices(images.annotations)
        label = self._best_series(case, images, focus, slices)
        series = images.series[label]
        target = slices.get((series.uid, focus)) if focus else None
        if target is None:
            first = next((les.id for les in case.lesions if (series.uid, les.id) in slices), "")
            target = slices.get((series.uid, first))
        if viewer.series is not series:
            viewer.set_series(series, target)
        wanted = set(shown)
        viewer.set_annotations([a for a in images.annotations if a.lesion_id in wanted])
        viewer.reveal_all()
        if target is not None:
            viewer.set_slice(target)
        on_slice = [
            a for a in images.annotations if a.series_uid == series.uid and a.slice == target
        ]
        self._framing = (framing, focus, on_slice)
        self._frame()
        self._viewer_case = case.id
        return viewer

    def _frame(self) -> None:
        """Crop the key image to its lesion or region (again when the slide changes size)."""
        framing, focus, on_slice = getattr(self, "_framing", ("", "", []))
        viewer = self._viewer
        if viewer is None or viewer.series is None:
            return
        focused = [a for a in on_slice if a.lesion_id == focus]
        if framing == "lesion" and focused:
            _zoom_to(viewer, focused[0].points(), close=True)
        elif framing == "region" and on_slice:
            _zoom_to(viewer, [p for a in on_slice for p in a.points()], close=False)
        else:
            viewer.fit()

    def _best_series(self, case, images, lesion_id: str, slices) -> str:
        """Sagittal spine or feet for lesions there, else the coronal STIR."""
        labels = list(images.series)
        preferred = ["COR STIR"]
        lesion = case.lesion(lesion_id) if lesion_id else None
        if lesion is not None:
            model = site_model()
            if lesion.site_id in model.expand("spine"):
                preferred.insert(0, "SAG spine")
            if any(lesion.site_id in model.expand(g) for g in ("foot.left", "foot.right")):
                preferred.insert(0, "SAG feet")
        for label in [*preferred, *labels]:
            series = images.series.get(label)
            if series is not None and (lesion is None or (series.uid, lesion.id) in slices):
                return label
        return labels[0]

    def _ensure_viewer(self):
        from cnoatlas.ui.viewer.series_viewer import SeriesViewer

        if self._viewer is None:
            viewer = SeriesViewer(name="slideViewer")
            # The presentation owns the keys: the viewer keeps the wheel and right-drag only.
            viewer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            for child in viewer.findChildren(QWidget):
                child.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            for name in (
                "slider",
                "counter",
                "presets",
                "invert",
                "fit",
                "play",
                "annotations",
                "labels",
                "tags",
            ):
                widget = viewer.findChild(QWidget, f"slideViewer-{name}")
                if widget is not None:
                    widget.hide()
            viewer.set_text_scale(self.image_text_scale())
            viewer.installEventFilter(self)
            self._viewer = viewer
            self.visual.addWidget(viewer)
        return self._viewer
