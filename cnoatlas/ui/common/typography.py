"""One typographic scale for the whole atlas, and the interface scale a screen starts with.

Every text size comes from here: five roles (title, heading, body, caption and image overlay),
each a fixed multiple of the body size, which is ``BASE_POINT_SIZE`` times the interface scale.
Widgets take a role through the ``role`` property the style sheet reads (``typography_css``);
text painted on images (the viewer's overlay, the map's captions, slides) asks
``role_points`` or ``role_font`` so it grows with the rest of the interface.

``auto_scale`` is the default interface scale for a screen, a pure function of its size in
pixels, its device pixel ratio and, when known, its physical size: 1.0 on a 1366x768 laptop or a
1920x1080 desktop, larger on a 2560x1440 or 4K screen that the system does not scale itself.
A scale the user chose in Settings always wins over it.
"""

from __future__ import annotations

import math

MIN_SCALE, MAX_SCALE = 1.0, 3.0
BASE_POINT_SIZE = 10.0

# Size of each role relative to body text. Headings stay clearly above body text at every scale
# because all of them are multiplied by the same interface scale.
ROLE_FACTORS: dict[str, float] = {
    "title": 2.0,
    "heading": 1.4,
    "body": 1.0,
    "caption": 0.9,
    "overlay": 0.95,
}
ROLES = tuple(ROLE_FACTORS)
# Older role names used by pages, mapped onto the scale (a page title is "heading" there).
ALIASES: dict[str, str] = {"lead": "body", "section": "heading", "subheading": "heading"}

# A screen is read comfortably at scale 1.0 up to this many logical pixels high, and at about
# this many logical pixels per inch (a typical laptop or desktop monitor).
REFERENCE_HEIGHT = 1080
REFERENCE_DPI = 110.0
SCALE_STEP = 0.25


def clamp_scale(scale: float) -> float:
    try:
        value = float(scale)
    except (TypeError, ValueError):
        return MIN_SCALE
    if math.isnan(value):
        return MIN_SCALE
    return max(MIN_SCALE, min(MAX_SCALE, value))


def role_points(role: str, scale: float) -> float:
    """The point size of ``role`` at interface ``scale`` (unknown roles read as body)."""
    role = ALIASES.get(role, role)
    return BASE_POINT_SIZE * clamp_scale(scale) * ROLE_FACTORS.get(role, 1.0)


def auto_scale(
    width: int,
    height: int,
    device_pixel_ratio: float = 1.0,
    physical_height_mm: float | None = None,
) -> float:
    """The interface scale a screen starts with (rounded to quarter steps, 1.0 to 3.0).

    ``width`` x ``height`` are the screen's device pixels. When the system already scales
    (``device_pixel_ratio`` above 1), its logical pixels are what counts. Two readings, the
    larger wins: how much taller than a 1080-line screen it is in logical pixels (a 4K projector
    at ratio 1 needs text twice as big to fill the same share of the wall), and how dense its
    logical pixels are when the physical size is known (a small high-resolution laptop).
    """
    dpr = device_pixel_ratio if device_pixel_ratio and device_pixel_ratio > 0 else 1.0
    logical_h = max(1.0, min(width, height) / dpr if width > 0 else height / dpr)
    by_size = logical_h / REFERENCE_HEIGHT
    by_density = 0.0
    # A reported physical height under 50 mm or above 2 m is not believable (projectors and
    # virtual screens report 0 or nonsense): ignore it then.
    if physical_height_mm and 50.0 <= physical_height_mm <= 2000.0:
        dpi = logical_h / (physical_height_mm / 25.4)
        by_density = dpi / REFERENCE_DPI
    raw = max(1.0, by_size, by_density)
    stepped = math.floor(raw / SCALE_STEP + 0.25) * SCALE_STEP  # 1.2 → 1.25, 1.1 → 1.0
    return clamp_scale(stepped)


def typography_css(scale: float) -> str:
    """Style-sheet rules giving every ``role`` its size (any widget, not only labels)."""
    rules = []
    for role in (*ROLES, *ALIASES):
        points = role_points(role, scale)
        weight = " font-weight: 600;" if ALIASES.get(role, role) in ("title", "heading") else ""
        rules.append(f'*[role="{role}"] {{ font-size: {points:.1f}pt;{weight} }}')
    return "\n".join(rules) + "\n"


# --- Qt side: only these functions touch Qt, so the rules above stay testable as pure code ----
def app_scale() -> float:
    """The interface scale the application runs at now (1.0 without an application)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    value = app.property("cnoatlas_scale") if app is not None else None
    return clamp_scale(value) if value else MIN_SCALE


def role_font(role: str, base=None, scale: float | None = None, bold: bool | None = None):
    """A QFont of ``role`` at the application's scale (or ``scale``), from ``base``'s family."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    if base is None:
        app = QApplication.instance()
        base = app.font() if app is not None else QFont()
    font = QFont(base)
    font.setPointSizeF(role_points(role, app_scale() if scale is None else scale))
    role = ALIASES.get(role, role)
    if bold is None:
        bold = role in ("title", "heading")
    font.setBold(bold)
    return font


def set_role(widget, role: str) -> None:
    """Give ``widget`` a typographic role and let the style sheet resize it now."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def primary_screen_scale() -> float:
    """``auto_scale`` of the primary screen (1.0 offscreen or without a screen)."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        return MIN_SCALE
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return MIN_SCALE
    dpr = screen.devicePixelRatio() or 1.0
    size = screen.size()  # logical pixels
    physical = screen.physicalSize()
    return auto_scale(
        round(size.width() * dpr),
        round(size.height() * dpr),
        dpr,
        physical.height() if physical.height() > 0 else None,
    )
