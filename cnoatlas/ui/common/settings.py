"""User settings kept in a readable INI file in the user's config folder (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from cnoatlas import paths
from cnoatlas.ui.common.theme import THEME_NAMES, clamp_scale


class AppSettings:
    """Typed access to the few settings the atlas keeps."""

    def __init__(self) -> None:
        self._qs = QSettings(
            str(paths.user_config_dir() / "settings.ini"), QSettings.Format.IniFormat
        )

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
    def scale(self) -> float:
        try:
            return clamp_scale(float(self._qs.value("appearance/scale", 1.0)))
        except (TypeError, ValueError):
            return 1.0

    @scale.setter
    def scale(self, value: float) -> None:
        self._qs.setValue("appearance/scale", clamp_scale(value))

    @property
    def cache_budget_mb(self) -> int:
        """The phantom's study cache keeps at most this many MB (least recently used go)."""
        from cnoatlas.library.study_cache import DEFAULT_BUDGET_MB, clamp_budget_mb

        try:
            return clamp_budget_mb(float(self._qs.value("cache/budget_mb", DEFAULT_BUDGET_MB)))
        except (TypeError, ValueError):
            return DEFAULT_BUDGET_MB

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

    def sync(self) -> None:
        self._qs.sync()
