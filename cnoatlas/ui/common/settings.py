"""User settings kept in a readable INI file in the user's config folder (QSettings).

QSettings drops lines it cannot read at its next save; so, before that can happen, a file with
such lines or with values of the wrong kind is copied beside itself, and ``problem`` names the
copy in one line (the main window shows it). A save that fails (a read-only folder, a full
disk) is said the same way; the atlas goes on with the settings in memory.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from cnoatlas import paths
from cnoatlas.domain.storage import keep_copy, remove_orphan_temps, write_problem
from cnoatlas.ui.common.theme import THEME_NAMES, clamp_scale

log = logging.getLogger("cnoatlas.settings")
_LINE = re.compile(r"\s*(\[[^\]]+\]|[;#].*|[^=\[]+=.*)?\s*")


def unreadable_lines(text: str) -> int:
    """How many lines of an INI file QSettings would drop, and values of the wrong kind."""
    bad = sum(1 for line in text.splitlines() if not _LINE.fullmatch(line))
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith((";", "#")):
            key, value = (part.strip() for part in line.split("=", 1))
            if (section, key) == ("appearance", "theme") and value not in THEME_NAMES:
                bad += 1
            elif (section, key) == ("appearance", "scale"):
                try:
                    float(value)
                except ValueError:
                    bad += 1
    return bad


class AppSettings:
    """Typed access to the few settings the atlas keeps; ``problem`` says what went wrong."""

    def __init__(self) -> None:
        folder = paths.user_config_dir()
        self.path = folder / "settings.ini"
        self.problem: str | None = None
        remove_orphan_temps(folder)
        self._check(self.path)
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        if self._qs.status() == QSettings.Status.FormatError and self.problem is None:
            self._keep("the file is not in INI format")

    def _check(self, path: Path) -> None:
        try:
            if not path.exists():
                return
            raw = path.read_bytes()
        except OSError as exc:
            self.problem = f"{path}: your settings could not be read ({write_problem(exc)})"
            log.warning(self.problem)
            return
        try:
            bad = unreadable_lines(raw.decode("utf-8"))
        except UnicodeDecodeError:
            bad = -1
        if bad:
            what = "the file is not text" if bad < 0 else f"{bad} line(s) could not be read"
            self._keep(what)

    def _keep(self, what: str) -> None:
        try:
            kept = keep_copy(self.path, "before-repair")
        except OSError as exc:
            self.problem = (
                f"{self.path}: {what} and no copy could be made ({write_problem(exc)}); "
                "the defaults are used"
            )
        else:
            self.problem = (
                f"{self.path}: {what}; the defaults are used for them and the file as it was "
                f"is kept as {kept.name}"
            )
        log.warning(self.problem)

    @property
    def theme(self) -> str:
        value = str(self._qs.value("appearance/theme", "dark"))
        return value if value in THEME_NAMES else "dark"

    @theme.setter
    def theme(self, value: str) -> None:
        if value not in THEME_NAMES:
            raise ValueError(f"unknown theme {value!r}")
        self._qs.setValue("appearance/theme", value)

    @property
    def scale_is_auto(self) -> bool:
        """No scale chosen (or an unreadable one): the primary screen's decides."""
        try:
            float(self._qs.value("appearance/scale"))
        except (TypeError, ValueError):
            return True
        return False

    @property
    def scale(self) -> float:
        """The scale the user chose, or else the one the primary screen suggests."""
        if self.scale_is_auto:
            from cnoatlas.ui.common.typography import primary_screen_scale

            return primary_screen_scale()
        return clamp_scale(float(self._qs.value("appearance/scale")))

    @scale.setter
    def scale(self, value: float | None) -> None:
        """A number keeps the user's choice; None goes back to following the screen."""
        if value is None:
            self._qs.remove("appearance/scale")
        else:
            self._qs.setValue("appearance/scale", clamp_scale(value))

    # The department library's server: address, user and CA bundle; never the password.
    LIBRARY_KEYS = ("server", "user", "ca_bundle")

    def library(self, key: str) -> str:
        if key not in self.LIBRARY_KEYS:
            raise KeyError(key)
        return str(self._qs.value(f"library/{key}", "") or "")

    def set_library(self, key: str, value: str) -> None:
        if key not in self.LIBRARY_KEYS:
            raise KeyError(key)
        self._qs.setValue(f"library/{key}", value.strip())
        self._qs.sync()

    @property
    def cache_budget_mb(self) -> int:
        """The phantom's study cache keeps at most this many MB (least recently used go)."""
        from cnoatlas.library.study_cache import clamp_budget_mb, default_budget_mb

        default = default_budget_mb()
        try:
            return clamp_budget_mb(float(self._qs.value("cache/budget_mb", default)))
        except (TypeError, ValueError):
            return default

    @cache_budget_mb.setter
    def cache_budget_mb(self, value: float) -> None:
        from cnoatlas.library.study_cache import clamp_budget_mb

        self._qs.setValue("cache/budget_mb", clamp_budget_mb(value))

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None, str]:
        geometry = self._qs.value("window/geometry")
        state = self._qs.value("window/state")
        page = str(self._qs.value("window/page", ""))
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
            page,
        )

    def save_window_state(self, geometry: QByteArray, state: QByteArray, page: str) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
        self._qs.setValue("window/page", page)

    def sync(self) -> bool:
        """Write the settings; False (and ``problem`` says why) when they could not be saved."""
        self._qs.sync()
        if self._qs.status() == QSettings.Status.AccessError:
            self.problem = (
                f"{self.path}: your settings could not be saved (the folder is read-only or "
                "the disk is full); the atlas goes on with them in memory"
            )
            log.warning(self.problem)
            return False
        return True
