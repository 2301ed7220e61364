"""Grey-scale display of modality values: windows, presets per series type, conversion to 8 bits.

Windows are (center, width) in modality units (after rescale slope/intercept), as in DICOM's VOI
module. Everything here is numpy only, so the viewer and the tests share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Conventional CT windows (center, width) in Hounsfield units, as CT consoles preset them.
CT_PRESETS = (("Soft tissue", 40.0, 400.0), ("Bone", 400.0, 1800.0), ("Lung", -600.0, 1500.0))
_AUTO_SAMPLE = 65536


@dataclass(frozen=True)
class Preset:
    name: str
    center: float
    width: float


def series_kind(description: str, image_type: tuple[str, ...] | list[str], modality: str) -> str:
    """A coarse series type that picks presets and the default greyscale: stir, t1, t2, dwi, ct…"""
    text = (description or "").upper()
    kinds = [str(v).upper() for v in image_type or ()]
    if (modality or "").upper() == "CT":
        return "ct"
    if "ADC" in text or "ADC" in kinds:
        return "adc"
    if "DWI" in text or "DIFFUSION" in kinds or "DIFFUSION" in text or "TRACE" in kinds:
        return "dwi"
    if "STIR" in text or "TIRM" in text:
        return "stir"
    if "T1" in text:
        return "t1"
    if "T2" in text:
        return "t2"
    return "other"


def inverted_by_default(kind: str) -> bool:
    # Radiologists read whole-body DWI as inverted greyscale (bright lesions become dark).
    return kind == "dwi"


def sample(values: np.ndarray, limit: int = _AUTO_SAMPLE) -> np.ndarray:
    flat = np.asarray(values).reshape(-1)
    step = max(1, flat.size // limit)
    return flat[::step]


def auto_window(values: np.ndarray) -> tuple[float, float]:
    """A robust window from percentiles, ignoring the background (the most common low value)."""
    data = sample(values).astype(np.float32, copy=False)
    if data.size == 0:
        return 0.5, 1.0
    low = float(data.min())
    body = data[data > low]
    if body.size < max(16, data.size // 50):
        body = data
    lo, hi = (float(v) for v in np.percentile(body, (1.0, 99.5)))
    if hi <= lo:
        lo, hi = float(data.min()), float(data.max())
    width = max(hi - lo, 1.0)
    return lo + width / 2.0, width


def presets(
    kind: str, values: np.ndarray | None, file_window: tuple[float, float] | None = None
) -> list[Preset]:
    """Window presets for a series type; MR windows come from the series' own intensities."""
    found: list[Preset] = []
    if file_window is not None:
        found.append(Preset("From file", *file_window))
    if kind == "ct":
        found.extend(Preset(n, c, w) for n, c, w in CT_PRESETS)
        return found
    if values is None or np.asarray(values).size == 0:
        return found
    data = sample(values).astype(np.float32, copy=False)
    body = data[data > data.min()] if np.any(data > data.min()) else data
    p = dict(
        zip((1, 5, 50, 90, 99, 99.8), np.percentile(body, (1, 5, 50, 90, 99, 99.8)), strict=True)
    )

    def span(name: str, lo: float, hi: float) -> Preset:
        width = max(float(hi - lo), 1.0)
        return Preset(name, float(lo) + width / 2.0, width)

    center, width = auto_window(values)
    found.append(Preset("Auto", center, width))
    if kind == "stir":
        # Fluid-sensitive: keep fat dark and let oedema stand out against marrow.
        found.append(span("Oedema", p[50], p[99.8]))
        found.append(span("Anatomy", p[1], p[99]))
    elif kind == "t1":
        found.append(span("Marrow", p[5], p[99]))
        found.append(span("Wide", p[1], p[99.8]))
    elif kind in ("dwi", "adc"):
        found.append(span("Lesion", p[50], p[99.8]))
        found.append(span("Wide", p[1], p[99.8]))
    else:
        found.append(span("Narrow", p[5], p[90]))
        found.append(span("Wide", p[1], p[99.8]))
    return found


def raw_levels(center: float, width: float, slope: float, intercept: float) -> tuple[float, float]:
    """The window's edges expressed in stored pixel values (so display needs no float copy)."""
    lo = center - width / 2.0
    hi = center + width / 2.0
    slope = slope or 1.0
    a, b = (lo - intercept) / slope, (hi - intercept) / slope
    return (a, b) if a <= b else (b, a)


def to_uint8(values: np.ndarray, center: float, width: float, invert: bool = False) -> np.ndarray:
    """Modality values to 8-bit grey through a linear window (what the screen shows)."""
    lo = center - width / 2.0
    scaled = (np.asarray(values, dtype=np.float32) - lo) * (255.0 / max(width, 1e-6))
    out = np.clip(scaled, 0, 255).astype(np.uint8)
    return 255 - out if invert else out


def value_range(values: np.ndarray) -> tuple[float, float] | None:
    """The lowest and highest modality value of a sample (None for no values)."""
    if values.size == 0:
        return None
    lo, hi = float(np.min(values)), float(np.max(values))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def clamp_window(
    center: float, width: float, data_range: tuple[float, float] | None
) -> tuple[float, float]:
    """A window kept to the data: its level between the lowest and the highest value and its
    width at most twice their span, so a drag never reaches a level below the data (a negative
    level on MR) or a window so wide that everything turns one grey."""
    width = max(float(width), 1e-3)
    if data_range is None:
        return float(center), width
    lo, hi = data_range
    width = min(width, 2.0 * (hi - lo))
    return min(max(float(center), lo), hi), width
