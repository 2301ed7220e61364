"""Lecturer mode: a playlist shown full screen step by step, driven by a clicker's keys, with the
settings it remembers, the presenter view beside it and the ``playlist`` screenshot view.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QObject,
    QPointF,
    QSettings,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from cnoatlas import paths
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.playlist import (
    Catalogue,
    Playlist,
    SlideContent,
    Step,
    example_playlist_path,
    library_catalogue,
    load_playlist,
    slide_contents,
)
from cnoatlas.ui.common.theme import MAX_SCALE, MIN_SCALE, THEME_NAMES, clamp_scale
from cnoatlas.ui.common.views import ViewRequest, register_view
from cnoatlas.ui.lecture.presenter_view import PresenterView
from cnoatlas.ui.lecture.slide_view import DEFAULT_SCALE, DEFAULT_THEME, SlideView

log = logging.getLogger("cnoatlas.presentation")


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


# --- the presentation ------------------------------------------------------------------------
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
        self.slides: list[SlideContent] = slide_contents(playlist, self.catalogue)
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
        from cnoatlas.library.studies import load_case_images
        from cnoatlas.ui.cases.page import CaseImagesTask

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
        wanted = []
        for content in self.slides[self.index :]:
            if content.case_id and content.case_id not in wanted:
                wanted.append(content.case_id)
                if len(wanted) == 2:
                    break
        for case_id in wanted:
            self._request_images(case_id)

    # --- stepping ---------------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        return [content.step for content in self.slides]

    def current_slide(self) -> SlideContent | None:
        return self.slides[self.index] if self.slides else None

    def go_to(self, index: int) -> None:
        if not self.slides:
            self.slide.title.setText(self.playlist.title)
            self.slide.text.setText("<p>This playlist has no slides yet.</p>")
            return
        self.index = max(0, min(index, len(self.slides) - 1))
        self._prefetch()
        self.slide.show_slide(self.slides[self.index])
        self.stepChanged.emit(self.index)
        self._refresh_presenter()

    def next_step(self) -> None:
        self.go_to(self.index + 1)

    def previous_step(self) -> None:
        self.go_to(self.index - 1)

    def current_step(self) -> Step | None:
        return self.slides[self.index].step if self.slides else None

    def set_unknowns(self, on: bool) -> None:
        self.playlist.unknowns = bool(on)
        self.slides = slide_contents(self.playlist, self.catalogue)
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
            self.presenter = self._make_presenter()
        if self.presenter.isVisible():
            self.presenter.hide()
        else:
            self.presenter.show()
            self._refresh_presenter()
        return self.presenter

    def _make_presenter(self) -> PresenterView:
        presenter = PresenterView(self.slide.theme_name, self.elapsed_seconds)
        presenter.previousRequested.connect(self.previous_step)
        presenter.nextRequested.connect(self.next_step)
        presenter.blackRequested.connect(self.toggle_black)
        presenter.endRequested.connect(self.close)
        presenter.unknownsToggled.connect(self.set_unknowns)
        presenter.screenChosen.connect(self.move_to_screen)
        presenter.themeChosen.connect(lambda name: self.set_look(name, self.slide.scale))
        presenter.textZoomed.connect(self.zoom_text)
        return presenter

    def _refresh_presenter(self) -> None:
        if self.presenter is None or not self.presenter.isVisible():
            return
        now = self.current_slide()
        following = self.slides[self.index + 1] if now and self.index + 1 < len(self.slides) else None
        self.presenter.show_state(
            self.playlist.title,
            now,
            following,
            unknowns=self.playlist.unknowns,
            typed=self.typed,
            preview=self.slide.grab() if self.slide.isVisible() else None,
        )

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
        from cnoatlas.ui.lecture.export import render_slide

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
