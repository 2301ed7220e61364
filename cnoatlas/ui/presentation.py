"""Lecturer mode: a playlist shown step by step on the projector, with a presenter view.

``SlideView`` paints one step of a playlist (cnoatlas.domain.playlist) at a size legible from the
back of a hall; ``PresentationWindow`` shows it full screen and takes the keys a presentation
clicker sends; ``PresenterView`` gives the lecturer the current and next step, the speaker notes
and the time. Slide export (cnoatlas.ui.slide_export) renders the same ``SlideView`` offscreen.
"""

from __future__ import annotations

import copy
import html
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QObject,
    QPointF,
    QSettings,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cnoatlas import paths
from cnoatlas.domain.cases import lesion_slices
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.playlist import (
    Catalogue,
    Playlist,
    Step,
    case_heading,
    diagnosis_revealed,
    example_playlist_path,
    lesions_marked,
    library_catalogue,
    load_playlist,
    step_summary,
    steps,
)
from cnoatlas.domain.sites import site_model
from cnoatlas.ui.annotation_items import LABEL_POINT_SIZE
from cnoatlas.ui.theme import MAX_SCALE, MIN_SCALE, THEME_NAMES, clamp_scale, theme
from cnoatlas.ui.views import ViewRequest, register_view

log = logging.getLogger("cnoatlas.presentation")

DEFAULT_THEME, DEFAULT_SCALE = "contrast", 1.5
NEXT_KEYS = {Qt.Key.Key_PageDown, Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Space}
PREVIOUS_KEYS = {Qt.Key.Key_PageUp, Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Backspace}
ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
# Clickers send B or '.' for a black screen (PowerPoint's keys).
BLACK_KEYS = {Qt.Key.Key_B, Qt.Key.Key_Period}
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}") for d in range(10)}
OTHER_KEYS = {Qt.Key.Key_Escape, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_P, Qt.Key.Key_L}
# Compared as numbers: a key event may carry a code Qt.Key has no member for.
STEP_KEYS = {
    k.value for k in NEXT_KEYS | PREVIOUS_KEYS | ENTER_KEYS | BLACK_KEYS | DIGIT_KEYS | OTHER_KEYS
}
# The images of a case: generated or read on a worker, then kept for the lecture.
ImagesProvider = Callable[[str], object | None]


# --- settings -----------------------------------------------------------------------------
class PresentationSettings:
    """Where and how the lecturer last presented (the same INI file as the app's settings)."""

    def __init__(self) -> None:
        self._qs = QSettings(
            str(paths.user_config_dir() / "settings.ini"), QSettings.Format.IniFormat
        )

    @property
    def theme(self) -> str:
        value = str(self._qs.value("presentation/theme", DEFAULT_THEME))
        return value if value in THEME_NAMES else DEFAULT_THEME

    @theme.setter
    def theme(self, value: str) -> None:
        self._qs.setValue("presentation/theme", value if value in THEME_NAMES else DEFAULT_THEME)

    @property
    def scale(self) -> float:
        try:
            return clamp_scale(float(self._qs.value("presentation/scale", DEFAULT_SCALE)))
        except (TypeError, ValueError):
            return DEFAULT_SCALE

    @scale.setter
    def scale(self, value: float) -> None:
        self._qs.setValue("presentation/scale", clamp_scale(value))

    @property
    def screen(self) -> str:
        return str(self._qs.value("presentation/screen", ""))

    @screen.setter
    def screen(self, name: str) -> None:
        self._qs.setValue("presentation/screen", name)

    @property
    def playlist(self) -> str:
        return str(self._qs.value("presentation/playlist", ""))

    @playlist.setter
    def playlist(self, path: str) -> None:
        self._qs.setValue("presentation/playlist", path)

    def sync(self) -> None:
        self._qs.sync()


def remember_playlist(path: str) -> None:
    """F5 presents this playlist from now on (the editor calls it when it saves)."""
    settings = PresentationSettings()
    settings.playlist = str(path)
    settings.sync()


def current_playlist_path() -> Path:
    """The playlist F5 presents: the one last opened or saved, else the shipped example."""
    saved = PresentationSettings().playlist
    if saved and Path(saved).is_file():
        return Path(saved)
    return example_playlist_path()


# --- the slide --------------------------------------------------------------------------------
def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _short_citation(source_ids: tuple[str, ...]) -> str:
    from cnoatlas.domain.sources import bibliography

    books = bibliography()
    return "; ".join(books[s].short if s in books else s for s in source_ids)


def _zoom_to(viewer, points) -> None:
    """Frame a lesion with room around it: close enough to see it, wide enough to place it."""
    series = viewer.series
    cols = [p[0] for p in points]
    rows = [p[1] for p in points]
    cx, cy = (min(cols) + max(cols)) / 2, (min(rows) + max(rows)) / 2
    half = max(max(cols) - min(cols), max(rows) - min(rows), series.rows / 5)
    # Keep the frame on the image where it can be: no empty band beyond the feet or the head.
    cx = min(max(cx, half), max(half, series.columns - half))
    cy = min(max(cy, half), max(half, series.rows - half))
    viewer.show_region((cx - half, cx + half), (cy - half, cy + half))


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
        self.catalogue = catalogue or library_catalogue()
        self.theme_name = theme_name
        self.scale = clamp_scale(scale)
        self.images: ImagesProvider = lambda _case_id: None
        self.playlist: Playlist | None = None
        self.step: Step | None = None
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
        u = self.unit()
        margin = round(u * 1.2)
        self.layout_.setContentsMargins(margin, round(u * 0.8), margin, round(u * 0.6))
        self.layout_.setSpacing(round(u * 0.4))
        self.body.setSpacing(round(u))
        self.setStyleSheet(
            f"""
            QWidget#slideView {{ background: {t.window}; }}
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

    def image_text_scale(self) -> float:
        """Text on the image (lesion labels, orientation) in step with the slide's own text:
        a lesion label about 0.7 of the body text, readable from the back of the hall."""
        return max(1.0, self.unit() * 0.7 / (LABEL_POINT_SIZE * 96 / 72))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.pointer.setGeometry(self.rect())
        self.pointer.raise_()
        self._apply_style()

    # --- content ----------------------------------------------------------------------------
    def show_step(self, playlist: Playlist, step: Step) -> None:
        self.playlist, self.step = playlist, step
        self._render()

    def images_arrived(self, case_id: str) -> None:
        """A case's images are ready: redraw if this slide is waiting for them."""
        if self.step is not None and self.playlist is not None:
            item = self.playlist.items[self.step.item]
            if item.kind == "case" and item.ref == case_id:
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
                drawn = set(shown.visible_annotation_ids())
                texts += [a.label for a in shown.annotations() if a.id in drawn and a.label]
        return texts

    def _render(self) -> None:
        if self.playlist is None or self.step is None:
            return
        item = self.playlist.items[self.step.item]
        kind = self.step.kind
        self.subtitle.setText("")
        self.footer.setText("")
        if kind == "missing":
            self._set("Missing item", f"<p>{_esc(item.problem)}</p>", None)
            self.subtitle.setText("This part of the lecture could not be found in the atlas.")
        elif kind == "text":
            self._set(item.title, _paragraphs(item.text), None)
            if item.sources:
                self.footer.setText(f"Source: {_esc(_short_citation(item.sources))}")
        elif kind == "overlay":
            self._overlay_step(item)
        elif kind == "map":
            self._map_step(item)
        elif kind in ("question", "answer"):
            self._question_step(item, answer=kind == "answer")
        else:
            self._case_step(item, kind.removeprefix("case-"))
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
        self.body.setStretch(0, 2 if visual is not None else 1)
        self.body.setStretch(1, 3 if body_html else 1)

    # --- kinds of step ------------------------------------------------------------------------
    def _overlay_step(self, item) -> None:
        from cnoatlas.ui.overlay import OverlayMapPanel

        dataset = self.catalogue.datasets[item.ref]
        if self._overlay is None:
            self._overlay = OverlayMapPanel("slide")
            self._overlay.title.hide()
            self._overlay.summary.hide()
            self.visual.addWidget(self._overlay)
        self._overlay.set_dataset(dataset)
        self._set(item.title or dataset.title, _paragraphs(dataset.description), self._overlay)

    def _map_step(self, item) -> None:
        from cnoatlas.ui.site_map import SiteMap

        if self._site_map is None:
            self._site_map = SiteMap("front")
            self._site_map.setObjectName("slideMap")
            self.visual.addWidget(self._site_map)
        model = site_model()
        leaves: set[str] = set()
        for site_id in item.sites:
            leaves |= set(model.expand(site_id))
        shown = [s for s in self._site_map.site_ids() if s in leaves]
        self._site_map.highlight_sites(set(shown))  # no selection: its caption names one site
        names = "".join(f"<li>{_esc(model.name(s))}</li>" for s in item.sites)
        self._set(
            item.title or "The skeleton", f"<ul>{names}</ul>" if names else "", self._site_map
        )

    def _question_step(self, item, answer: bool) -> None:
        from cnoatlas.domain.quiz import question
        from cnoatlas.domain.quiz.cases import library_cases

        q = question(item.ref, cases=library_cases())
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
        self._set("Answer" if answer else "Question", body, None)

    def _case_step(self, item, part: str) -> None:
        case = self.catalogue.cases[item.ref]
        number = self.playlist.case_number(self.step.item)
        title = case_heading(
            case, number, self.playlist.unknowns, diagnosis_revealed(item, self.step)
        )
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
        lesion_ids = [lesion.id for lesion in case.lesions]
        shown = lesions_marked(item, case, self.step)
        focus = self.step.lesion if part == "lesion" else (shown[0] if shown else "")
        visual = self._case_images(case, shown, focus, zoom=part == "lesion")
        if part == "images":
            body = f"<p>{_esc(case.presentation)}</p>"
            self.footer.setText("Synthetic images made by the atlas's generator")
        elif part == "lesion":
            lesion = case.lesion(self.step.lesion)
            model = site_model()
            where = model.name(lesion.site_id) if model.is_known(lesion.site_id) else ""
            position = lesion_ids.index(lesion.id) + 1
            silent = (
                f"<p style='color:{t.warning}'>No symptoms here: found by imaging.</p>"
                if lesion.silent
                else ""
            )
            body = (
                f"<p style='color:{t.muted}'>Lesion {position} of {len(lesion_ids)}</p>"
                f"<p><b>{_esc(where)}</b></p><p>{_esc(lesion.description)}</p>{silent}"
            )
        elif part == "findings":
            body = "<ul>" + "".join(f"<li>{_esc(f)}</li>" for f in case.findings) + "</ul>"
        else:  # diagnosis
            body = f"<p style='font-size:x-large; color:{t.accent}'><b>{_esc(case.diagnosis_label)}</b></p>"
            if case.pattern_label:
                from cnoatlas.ui.case_page import pattern_text

                body += f"<p>Lesion pattern: {_esc(pattern_text(case))}</p>"
            if case.outcome:
                body += f"<p>{_esc(case.outcome)}</p>"
        self._set(title, body, visual)

    def _case_images(self, case, shown: list[str], focus: str, zoom: bool) -> QWidget:
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
            a
            for a in images.annotations
            if a.lesion_id == focus and a.series_uid == series.uid and a.slice == target
        ]
        if zoom and on_slice:
            _zoom_to(viewer, on_slice[0].points())
        else:
            viewer.fit()
        self._viewer_case = case.id
        return viewer

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
        from cnoatlas.ui.viewer import SeriesViewer

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
                "tags",
            ):
                widget = viewer.findChild(QWidget, f"slideViewer-{name}")
                if widget is not None:
                    widget.hide()
            viewer.set_text_scale(self.image_text_scale())
            self._viewer = viewer
            self.visual.addWidget(viewer)
        return self._viewer


# --- the presentation ------------------------------------------------------------------------
class PresenterView(QWidget):
    """The lecturer's screen: current and next step, speaker notes, elapsed time."""

    def __init__(self, presentation: PresentationWindow) -> None:
        super().__init__()
        self.setObjectName("presenterView")
        self.setWindowTitle("Presenter view")
        self.setAccessibleName("Presenter view")
        self.presentation = presentation
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
        self.unknowns.toggled.connect(presentation.set_unknowns)
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
        self.screens.activated.connect(
            lambda i: presentation.move_to_screen(self.screens.itemData(i))
        )
        self.theme_box = QComboBox()
        self.theme_box.setObjectName("presenterTheme")
        self.theme_box.setAccessibleName("Slide theme")
        self.theme_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for name in THEME_NAMES:
            self.theme_box.addItem(
                name.capitalize() if name != "contrast" else "High contrast", name
            )
        self.theme_box.setCurrentIndex(THEME_NAMES.index(presentation.slide.theme_name))
        self.theme_box.activated.connect(
            lambda i: presentation.set_look(self.theme_box.itemData(i), presentation.slide.scale)
        )
        smaller = button("A−", "presenterSmaller", lambda: presentation.zoom_text(-0.25))
        larger = button("A+", "presenterLarger", lambda: presentation.zoom_text(0.25))
        controls = QHBoxLayout()
        for w in (
            button("◀ Previous", "presenterPrevious", presentation.previous_step),
            button("Next ▶", "presenterNext-button", presentation.next_step),
            button("Black (B)", "presenterBlack", presentation.toggle_black),
            smaller,
            larger,
            self.theme_box,
            self.screens,
            self.unknowns,
        ):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(button("End (Esc)", "presenterEnd", presentation.close))

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
        seconds = self.presentation.elapsed_seconds()
        self.clock.setText(f"{seconds // 60:02d}:{seconds % 60:02d}")

    def refresh(self) -> None:
        p = self.presentation
        index, total = p.index, len(p.steps)
        if not total:
            self.counter.setText("An empty playlist")
            return
        self.counter.setText(f"Step {index + 1} of {total} · {p.playlist.title}")
        self.current.setText(step_summary(p.playlist, p.steps[index], p.catalogue))
        following = p.steps[index + 1] if index + 1 < total else None
        self.next.setText(
            step_summary(p.playlist, following, p.catalogue) if following else "End of the lecture"
        )
        item = p.playlist.items[p.steps[index].item]
        self.notes.setText(item.notes or "(no notes)")
        self.unknowns.blockSignals(True)
        self.unknowns.setChecked(p.playlist.unknowns)
        self.unknowns.blockSignals(False)
        self.typed.setText(f"Go to step {p.typed}…" if p.typed else "")
        self._tick()
        if p.slide.isVisible():
            pixmap = p.slide.grab()
            self.preview.setPixmap(
                pixmap.scaled(
                    self.preview.width(),
                    self.preview.height(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )


class _ImageSignals(QObject):
    ready = Signal(str)


class PresentationWindow(QWidget):
    """The slides, full screen, stepped by keyboard or clicker."""

    stepChanged = Signal(int)
    finished = Signal()

    def __init__(
        self,
        playlist: Playlist,
        catalogue: Catalogue | None = None,
        settings: PresentationSettings | None = None,
        synchronous_images: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("presentationWindow")
        self.setAccessibleName("Presentation")
        self.setWindowTitle(playlist.title)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.settings = settings or PresentationSettings()
        self.catalogue = catalogue or library_catalogue()
        self.playlist = playlist
        self.steps = steps(playlist, self.catalogue)
        self.index = 0
        self.typed = ""
        self.synchronous_images = synchronous_images
        self._images: dict[str, object] = {}
        self._loading: set[str] = set()
        self._tasks: list = []
        self._signals = _ImageSignals()
        self._clock = QElapsedTimer()
        self._clock.start()

        self.slide = SlideView(self.catalogue, self.settings.theme, self.settings.scale)
        self.slide.images = self._images_for
        self._signals.ready.connect(self.slide.images_arrived)
        self.blackout = QWidget(self)
        self.blackout.setObjectName("blackScreen")
        self.blackout.setStyleSheet("QWidget#blackScreen { background: #000000; }")
        self.blackout.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.blackout.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slide)
        self.presenter: PresenterView | None = None
        QApplication.instance().installEventFilter(self)
        self.go_to(0)

    # --- images ---------------------------------------------------------------------------
    def _images_for(self, case_id: str):
        if case_id in self._images:
            return self._images[case_id]
        self._request_images(case_id)
        return self._images.get(case_id)

    def _request_images(self, case_id: str) -> None:
        from cnoatlas.ui.case_page import CaseImagesTask, load_case_images

        if case_id in self._images or case_id in self._loading:
            return
        case = self.catalogue.cases.get(case_id)
        if case is None:
            return
        if self.synchronous_images:
            self._images[case_id] = load_case_images(case)
            return
        self._loading.add(case_id)
        task = CaseImagesTask(case)
        task.setAutoDelete(False)
        task.signals.loaded.connect(self._images_loaded)
        self._tasks.append(task)
        QThreadPool.globalInstance().start(task)

    def _images_loaded(self, images) -> None:
        self._loading.discard(images.case_id)
        self._images[images.case_id] = images
        self._signals.ready.emit(images.case_id)
        self._refresh_presenter()

    def images_pending(self) -> bool:
        return bool(self._loading)

    def _prefetch(self) -> None:
        """Start on the images of this step's case and the next case, so no one waits."""
        seen = 0
        for step in self.steps[self.index :]:
            item = self.playlist.items[step.item]
            if item.kind == "case" and not item.problem:
                self._request_images(item.ref)
                seen += 1
                if seen == 2:
                    break

    # --- stepping ---------------------------------------------------------------------------
    def go_to(self, index: int) -> None:
        if not self.steps:
            self.slide.title.setText(self.playlist.title)
            self.slide.text.setText("<p>This playlist has no slides yet.</p>")
            return
        self.index = max(0, min(index, len(self.steps) - 1))
        self._prefetch()
        self.slide.show_step(self.playlist, self.steps[self.index])
        self.stepChanged.emit(self.index)
        self._refresh_presenter()

    def next_step(self) -> None:
        self.go_to(self.index + 1)

    def previous_step(self) -> None:
        self.go_to(self.index - 1)

    def current_step(self) -> Step | None:
        return self.steps[self.index] if self.steps else None

    def set_unknowns(self, on: bool) -> None:
        self.playlist.unknowns = bool(on)
        self.go_to(self.index)

    def toggle_black(self) -> None:
        self.blackout.setGeometry(self.rect())
        self.blackout.setVisible(not self.blackout.isVisible())
        self.blackout.raise_()

    def is_black(self) -> bool:
        return self.blackout.isVisible()

    def set_look(self, theme_name: str, scale: float) -> None:
        self.settings.theme, self.settings.scale = theme_name, scale
        self.slide.set_look(theme_name, scale)
        self._refresh_presenter()

    def zoom_text(self, delta: float) -> None:
        scale = min(MAX_SCALE, max(MIN_SCALE, self.slide.scale + delta))
        self.set_look(self.slide.theme_name, scale)

    def elapsed_seconds(self) -> int:
        return int(self._clock.elapsed() // 1000)

    # --- presenter view and screens ------------------------------------------------------------
    def toggle_presenter(self) -> PresenterView:
        if self.presenter is None:
            self.presenter = PresenterView(self)
        if self.presenter.isVisible():
            self.presenter.hide()
        else:
            self.presenter.show()
            self.presenter.refresh()
        return self.presenter

    def _refresh_presenter(self) -> None:
        if self.presenter is not None and self.presenter.isVisible():
            self.presenter.refresh()

    def start(self) -> None:
        """Full screen on the remembered screen; with two screens the presenter view on the other."""
        screens = QApplication.screens()
        chosen = next((s for s in screens if s.name() == self.settings.screen), None)
        if chosen is None:
            primary = QApplication.primaryScreen()
            chosen = next((s for s in screens if s is not primary), primary)
        self.move_to_screen(chosen.name() if chosen else "")
        if len(screens) > 1:
            presenter = self.toggle_presenter()
            other = next((s for s in screens if s is not chosen), None)
            if other is not None:
                presenter.setScreen(other)
                presenter.setGeometry(other.availableGeometry())
                presenter.showMaximized()
        self.activateWindow()
        self.setFocus()

    def move_to_screen(self, name: str) -> None:
        screen = next((s for s in QApplication.screens() if s.name() == name), None)
        if screen is not None:
            self.settings.screen = name
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        self.showFullScreen()

    def save_slide(self, path: str | Path, size: tuple[int, int] = (1920, 1080)) -> Path:
        """The slide on screen as a PNG of ``size`` (the lecturer's 'save this slide')."""
        from cnoatlas.ui.slide_export import render_slide

        return render_slide(self.slide, Path(path), size)

    # --- keys and mouse ------------------------------------------------------------------------
    def _mine(self, obj: QObject) -> bool:
        if not isinstance(obj, QWidget):
            return False
        window = obj.window()
        return window is self or (self.presenter is not None and window is self.presenter)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and self._mine(obj):
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() not in STEP_KEYS:
                return False
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # a step key, not the viewer's or the main window's shortcut
                return True
            self.handle_key(Qt.Key(key_event.key()))
            return True
        if kind == QEvent.Type.MouseMove and self._mine(obj) and obj.window() is self:
            pos = self.slide.mapFromGlobal(event.globalPosition().toPoint())
            self.slide.pointer.move_to(QPointF(pos) if self.slide.rect().contains(pos) else None)
        return False

    def handle_key(self, key: Qt.Key) -> None:
        digit = key.value - Qt.Key.Key_0.value
        if 0 <= digit <= 9:
            self.typed = (self.typed + str(digit))[-3:]
            self._refresh_presenter()
            return
        if key in ENTER_KEYS and self.typed:
            target = int(self.typed) - 1
            self.typed = ""
            self.blackout.hide()
            self.go_to(target)
            return
        if key == Qt.Key.Key_Backspace and self.typed:
            self.typed = self.typed[:-1]
            self._refresh_presenter()
            return
        self.typed = ""
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key in BLACK_KEYS:
            self.toggle_black()
        elif key == Qt.Key.Key_P:
            self.toggle_presenter()
        elif key == Qt.Key.Key_L:
            self.slide.pointer.enabled = not self.slide.pointer.enabled
            self.slide.pointer.move_to(None)
        elif self.is_black():
            self.blackout.hide()  # the first press after a black screen only brings it back
        elif key in NEXT_KEYS or key in ENTER_KEYS:
            self.next_step()
        elif key in PREVIOUS_KEYS:
            self.previous_step()
        elif key == Qt.Key.Key_Home:
            self.go_to(0)
        elif key == Qt.Key.Key_End:
            self.go_to(len(self.steps) - 1)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.blackout.setGeometry(self.rect())

    def closeEvent(self, event) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.settings.sync()
        if self.presenter is not None:
            self.presenter.close()
        self.finished.emit()
        super().closeEvent(event)


def present(
    source: Playlist | str | Path | None = None, parent_window: QWidget | None = None
) -> PresentationWindow:
    """Start presenting a playlist, or a playlist file (the current one if none is given)."""
    if isinstance(source, Playlist):
        playlist = copy.deepcopy(source)  # the unknowns switch must not change the editor's copy
    else:
        path = Path(source) if source else current_playlist_path()
        playlist = load_playlist(path)
        if path != example_playlist_path():
            PresentationSettings().playlist = str(path)
    window = PresentationWindow(playlist)
    if parent_window is not None:
        window.finished.connect(parent_window.activateWindow)
    window.start()
    return window


def run_presentation(path: str | None = None) -> int:
    """`cnoatlas --present [PLAYLIST]`: the atlas window behind, the lecture in front."""
    from cnoatlas.ui.app import ensure_app
    from cnoatlas.ui.errors import install_error_handling
    from cnoatlas.ui.main_window import MainWindow

    app = ensure_app()
    install_error_handling()
    window = MainWindow()
    window.show()
    window.presentation = present(path, window)
    return app.exec()


@register_view(
    "playlist",
    "one step of a lecture playlist as a slide (--slice N: the step, from 1)",
    argument="a playlist file",
)
def _playlist_view(request: ViewRequest) -> QWidget:
    playlist = load_playlist(request.argument)
    window = PresentationWindow(playlist, synchronous_images=True)
    number = request.slice or 1
    if not 1 <= number <= max(1, len(window.steps)):
        raise AtlasError(
            f"--slice: the playlist has {len(window.steps)} steps (1 to {len(window.steps)})"
        )
    window.go_to(number - 1)
    return window
