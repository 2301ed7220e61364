"""The three looks of the atlas (dark, light, high contrast) and the UI scale, applied app-wide."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from cnoatlas.ui.common.typography import (  # noqa: F401  (re-exported: one place for sizes)
    BASE_POINT_SIZE,
    MAX_SCALE,
    MIN_SCALE,
    clamp_scale,
    role_points,
    typography_css,
)

THEME_NAMES = ("dark", "light", "contrast")
THEME_LABELS = {"dark": "Dark", "light": "Light", "contrast": "High contrast"}


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    accent: str
    accent_text: str
    border: str
    warning: str


THEMES: dict[str, Theme] = {
    # Dark is the default: reading rooms and lecture halls are dim.
    "dark": Theme(
        "dark",
        "#1e2126",
        "#15171b",
        "#262a30",
        "#e8eaed",
        "#a3a9b3",
        "#4da3ff",
        "#0b1016",
        "#3a3f47",
        "#ffb347",
    ),
    "light": Theme(
        "light",
        "#f4f5f7",
        "#ffffff",
        "#eceef1",
        "#15181d",
        "#555c66",
        "#0b62c4",
        "#ffffff",
        "#c9ced6",
        "#9a5b00",
    ),
    # Pure black and white with yellow accents: legible on a washed-out projector.
    "contrast": Theme(
        "contrast",
        "#000000",
        "#000000",
        "#101010",
        "#ffffff",
        "#ffffff",
        "#ffff00",
        "#000000",
        "#ffffff",
        "#ffff00",
    ),
}


def theme(name: str) -> Theme:
    return THEMES.get(name, THEMES["dark"])


def _palette(t: Theme) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: t.window,
        QPalette.ColorRole.WindowText: t.text,
        QPalette.ColorRole.Base: t.base,
        QPalette.ColorRole.AlternateBase: t.alt_base,
        QPalette.ColorRole.Text: t.text,
        QPalette.ColorRole.Button: t.alt_base,
        QPalette.ColorRole.ButtonText: t.text,
        QPalette.ColorRole.Highlight: t.accent,
        QPalette.ColorRole.HighlightedText: t.accent_text,
        QPalette.ColorRole.ToolTipBase: t.base,
        QPalette.ColorRole.ToolTipText: t.text,
        QPalette.ColorRole.PlaceholderText: t.muted,
        QPalette.ColorRole.Link: t.accent,
        QPalette.ColorRole.BrightText: t.warning,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(t.muted))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(t.muted))
    return pal


def style_sheet(t: Theme, scale: float) -> str:
    pad = round(8 * scale)
    width = 2 if t.name == "contrast" else 1
    # Check boxes and radio buttons: Fusion outlines them in a shade of the window colour,
    # which vanishes on black; an outline in the text colour reads in every theme.
    box = round(12 * scale)
    return f"""
QListWidget#navigation {{
    background: {t.base}; border: none; border-right: {width}px solid {t.border};
    font-size: {role_points("heading", scale) * 0.9:.1f}pt; outline: 0;
}}
QListWidget#navigation::item {{ padding: {pad}px {pad * 2}px; color: {t.text}; }}
QListWidget#navigation::item:selected {{ background: {t.accent}; color: {t.accent_text}; }}
QListWidget#navigation::item:hover:!selected {{ background: {t.alt_base}; }}
{typography_css(scale)}QLabel[role="lead"] {{ color: {t.text}; }}
QLabel[role="muted"], QLabel[role="caption"] {{ color: {t.muted}; }}
QLabel[role="disclaimer"] {{ color: {t.warning}; }}
QFrame[role="card"] {{
    background: {t.alt_base}; border: {width}px solid {t.border}; border-radius: {pad}px;
}}
QToolTip {{ background: {t.base}; color: {t.text}; border: 1px solid {t.border}; }}
QCheckBox::indicator, QRadioButton::indicator {{
    width: {box}px; height: {box}px; background: {t.base};
    border: {width + 1}px solid {t.text if t.name == "contrast" else t.muted};
}}
QCheckBox::indicator {{ border-radius: {max(2, box // 5)}px; }}
QRadioButton::indicator {{ border-radius: {box // 2 + width + 1}px; }}
QCheckBox::indicator:checked, QRadioButton::indicator:checked {{
    background: {t.accent}; border-color: {t.accent};
}}
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{ border-color: {t.border}; }}
"""


def apply_theme(app: QApplication, name: str, scale: float) -> Theme:
    """Set palette, font size and style sheet for the whole application."""
    t = theme(name)
    scale = clamp_scale(scale)
    app.setStyle("Fusion")
    app.setPalette(_palette(t))
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)
    app.setStyleSheet(style_sheet(t, scale))
    app.setProperty("cnoatlas_theme", t.name)
    app.setProperty("cnoatlas_scale", scale)
    return t


def current_theme() -> Theme:
    app = QApplication.instance()
    return theme(app.property("cnoatlas_theme") if app else "dark")
