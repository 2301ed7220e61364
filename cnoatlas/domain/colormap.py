"""Colour scales for evidence overlays: viridis for numbers, three ordinal levels, and 'no data'.

Viridis is perceptually uniform (equal steps in value look like equal steps in colour), keeps its
order in greyscale and stays readable with the common colour-vision deficiencies. It has no grey,
so a neutral grey is free to mean "this source says nothing about the site". Pure Python (no
numpy: the Atlas page paints its first map before numpy is loaded): viridis is a piecewise-linear
ramp over fixed control points, evaluated as numpy's ``interp`` does (same floats, same colours).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

RGB = tuple[int, int, int]

# matplotlib's viridis (CC0, Smith, van der Walt and Firing), every 8th of its 256 entries plus
# the last; linear interpolation between them stays within 1/255 of the full table.
_VIRIDIS_ANCHORS: tuple[tuple[float, float, float], ...] = (
        (0.2670, 0.0049, 0.3294), (0.2770, 0.0503, 0.3757), (0.2823, 0.0950, 0.4173),
        (0.2829, 0.1359, 0.4534), (0.2788, 0.1755, 0.4834), (0.2706, 0.2141, 0.5071),
        (0.2590, 0.2515, 0.5247), (0.2450, 0.2877, 0.5373), (0.2297, 0.3224, 0.5457),
        (0.2143, 0.3556, 0.5512), (0.1994, 0.3876, 0.5546), (0.1856, 0.4186, 0.5568),
        (0.1727, 0.4488, 0.5579), (0.1607, 0.4785, 0.5581), (0.1490, 0.5081, 0.5573),
        (0.1378, 0.5375, 0.5549), (0.1276, 0.5669, 0.5506), (0.1206, 0.5964, 0.5436),
        (0.1206, 0.6258, 0.5335), (0.1323, 0.6550, 0.5197), (0.1579, 0.6838, 0.5017),
        (0.1966, 0.7118, 0.4792), (0.2461, 0.7389, 0.4520), (0.3041, 0.7647, 0.4199),
        (0.3692, 0.7889, 0.3829), (0.4401, 0.8111, 0.3410), (0.5160, 0.8312, 0.2943),
        (0.5958, 0.8487, 0.2433), (0.6785, 0.8637, 0.1895), (0.7624, 0.8764, 0.1371),
        (0.8456, 0.8873, 0.0997), (0.9261, 0.8973, 0.1041), (0.9932, 0.9062, 0.1439),
)  # fmt: skip
# Where each anchor sits on 0…1: entries 0, 8, …, 248 and 255 of the 256-entry table.
_ANCHOR_POSITIONS: tuple[float, ...] = tuple(k / 255.0 for k in (*range(0, 256, 8), 255))

NO_DATA: RGB = (128, 128, 128)
"""Neutral grey for sites a dataset does not cover; viridis never produces a grey."""

# Ordinal levels in a warm palette of their own (orange to wine), far from every viridis colour:
# side by side with a percentage map, "typical" must not read as "100 %" nor "rare" as "0 %".
# They keep their order in lightness (typical brightest, rare darkest) for greyscale and
# colour-blind viewers, and the legend names each level in words.
LEVEL_COLOURS: dict[str, RGB] = {
    "typical": (255, 176, 96),
    "possible": (214, 96, 77),
    "rare": (140, 48, 96),
}
_LEVEL_POSITIONS = LEVEL_COLOURS  # the levels that have a colour


def viridis(t: float) -> tuple[float, float, float]:
    """Viridis at position ``t`` in [0, 1] (clipped), as floats in [0, 1].

    Linear interpolation between the two anchors around ``t``, in the arithmetic of numpy's
    ``interp`` (slope times offset plus the left value; an anchor's own position gives its value
    exactly), so the colours are the ones the numpy version gave, to the last bit."""
    t = float(t)
    if math.isnan(t):
        return (math.nan, math.nan, math.nan)
    xs, ys = _ANCHOR_POSITIONS, _VIRIDIS_ANCHORS
    if t >= xs[-1]:
        return ys[-1]
    if t <= xs[0]:
        return ys[0]
    j = bisect_right(xs, t) - 1  # xs[j] <= t < xs[j + 1]
    x0, x1 = xs[j], xs[j + 1]
    if t == x0:
        return ys[j]
    low, high = ys[j], ys[j + 1]
    r, g, b = (((h - lo) / (x1 - x0)) * (t - x0) + lo for lo, h in zip(low, high, strict=True))
    return (r, g, b)


def to_rgb8(colour: tuple[float, float, float]) -> RGB:
    r, g, b = (round(float(c) * 255) for c in colour)
    return (r, g, b)


def linspace(start: float, stop: float, count: int) -> list[float]:
    """``count`` evenly spaced values from start to stop inclusive, as numpy's linspace gives
    them (start + i * step, the last exactly ``stop``)."""
    if count < 0:
        raise ValueError(f"cannot space {count} values")
    if count < 2:
        return [float(start)] * count
    step = (stop - start) / (count - 1)
    values = [i * step + start for i in range(count)]
    values[-1] = float(stop)
    return values


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def relative_luminance(rgb: RGB) -> float:
    """WCAG relative luminance of an 8-bit sRGB colour (0 black … 1 white)."""

    def channel(c: int) -> float:
        s = c / 255.0
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_text_on(background: RGB) -> RGB:
    """Black or white, whichever contrasts more with the background."""
    black, white = (0, 0, 0), (255, 255, 255)
    return (
        black if contrast_ratio(background, black) >= contrast_ratio(background, white) else white
    )


@dataclass(frozen=True)
class NumericScale:
    """Maps values in [minimum, maximum] onto viridis; values outside are clipped."""

    minimum: float = 0.0
    maximum: float = 100.0

    def __post_init__(self) -> None:
        if not self.maximum > self.minimum:
            raise ValueError(f"scale maximum {self.maximum} must exceed minimum {self.minimum}")

    def position(self, value: float) -> float:
        t = (value - self.minimum) / (self.maximum - self.minimum)
        return t if math.isnan(t) else min(max(t, 0.0), 1.0)

    def rgb(self, value: float | None) -> RGB:
        """The colour of a value; ``None`` (no data) is the neutral grey."""
        if value is None:
            return NO_DATA
        return to_rgb8(viridis(self.position(value)))

    def ticks(self, count: int = 5) -> list[float]:
        """Evenly spaced legend ticks from minimum to maximum inclusive."""
        return linspace(self.minimum, self.maximum, count)

    def gradient(self, steps: int = 64) -> list[tuple[float, RGB]]:
        """(position 0…1, colour) stops for drawing a legend bar."""
        return [(t, to_rgb8(viridis(t))) for t in linspace(0.0, 1.0, steps)]


@dataclass(frozen=True)
class LevelScale:
    """Distinct, ordered colours for the qualitative levels typical / possible / rare."""

    levels: tuple[str, ...] = ("typical", "possible", "rare")

    def __post_init__(self) -> None:
        unknown = [level for level in self.levels if level not in _LEVEL_POSITIONS]
        if unknown:
            raise ValueError(f"no colour for level(s) {', '.join(unknown)}")

    def rgb(self, level: str | None) -> RGB:
        if level is None:
            return NO_DATA
        if level not in self.levels:
            raise ValueError(f"unknown level '{level}' (levels: {', '.join(self.levels)})")
        return LEVEL_COLOURS[level]

    def entries(self) -> list[tuple[str, RGB]]:
        return [(level, self.rgb(level)) for level in self.levels]


# A fill this close to its background in luminance (a 5 % site, dark purple on a dark theme)
# is drawn with a light halo so the low end of the scale stays visible.
MIN_FILL_CONTRAST = 1.8


def needs_halo(fill: RGB, background: RGB, minimum: float = MIN_FILL_CONTRAST) -> bool:
    """True when ``fill`` would nearly vanish on ``background`` without an outline."""
    return contrast_ratio(fill, background) < minimum


def distance_to_viridis(rgb: RGB, samples: int = 256) -> float:
    """The smallest RGB distance from a colour to the viridis ramp (0-255 units)."""
    return min(math.dist([c * 255.0 for c in viridis(t)], rgb) for t in linspace(0.0, 1.0, samples))
