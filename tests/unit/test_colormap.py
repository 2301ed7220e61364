"""The pure-Python viridis gives exactly what the numpy version (np.interp over the same anchors,
np.linspace for ticks and gradients) gave; the numpy reference is computed here, in the test."""

import ast
import random
from pathlib import Path

import numpy as np
import pytest

from cnoatlas.domain import colormap
from cnoatlas.domain.colormap import NumericScale, distance_to_viridis, linspace, viridis

# The numpy version's anchors and positions, exactly as it built them.
ANCHORS = np.array(colormap._VIRIDIS_ANCHORS)
POSITIONS = np.append(np.arange(0, 256, 8), 255) / 255.0


def numpy_viridis(t):
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    return np.stack([np.interp(t, POSITIONS, ANCHORS[:, c]) for c in range(3)], axis=-1)


def numpy_rgb(scale: NumericScale, value: float) -> tuple[int, int, int]:
    position = float(np.clip((value - scale.minimum) / (scale.maximum - scale.minimum), 0, 1))
    r, g, b = (round(float(c) * 255) for c in numpy_viridis(position))
    return (r, g, b)


def _positions() -> list[float]:
    """Many positions: random ones, every anchor and its neighbours, the ends and beyond."""
    rng = random.Random(21)
    ts = [rng.random() for _ in range(5000)]
    ts += [k / 1000 for k in range(1001)]
    ts += [k / 255 for k in range(256)]
    for p in POSITIONS:
        ts += [float(p), float(np.nextafter(p, 2.0)), float(np.nextafter(p, -1.0))]
    ts += [-1.0, -1e-12, 0.0, 1.0, 1 + 1e-12, 3.0]
    return ts


def test_the_positions_are_the_numpy_ones():
    assert list(colormap._ANCHOR_POSITIONS) == POSITIONS.tolist()
    assert len(colormap._VIRIDIS_ANCHORS) == len(POSITIONS) == 33


def test_viridis_floats_equal_numpy_interp_bit_for_bit():
    ts = _positions()
    expected = numpy_viridis(ts).tolist()
    got = [list(viridis(t)) for t in ts]
    mismatches = [(t, g, e) for t, g, e in zip(ts, got, expected, strict=True) if g != e]
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("low, high", [(0, 100), (0, 1), (-20, 35.5), (5, 95)])
def test_scale_colours_equal_the_numpy_version(low, high):
    scale = NumericScale(low, high)
    rng = random.Random(low * 1000 + high)
    values = [rng.uniform(low - 10, high + 10) for _ in range(3000)]
    values += [low + (high - low) * k / 400 for k in range(401)]
    for value in values:
        assert scale.rgb(value) == numpy_rgb(scale, value), value
    # A change anywhere would show: the ramp really varies over these values.
    assert len({scale.rgb(v) for v in values}) > 150


@pytest.mark.parametrize("start, stop", [(0.0, 1.0), (0, 100), (-20, 35.5), (3, 7)])
@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 7, 32, 64, 256])
def test_linspace_equals_numpy(start, stop, count):
    assert linspace(start, stop, count) == np.linspace(start, stop, count).tolist()


def test_ticks_gradient_and_distance_equal_the_numpy_version():
    scale = NumericScale(-20, 35.5)
    for count in (3, 5, 7):
        assert scale.ticks(count) == np.linspace(-20, 35.5, count).tolist()
    expected = [
        (float(t), tuple(round(float(c) * 255) for c in numpy_viridis(t)))
        for t in np.linspace(0.0, 1.0, 64)
    ]
    assert scale.gradient(64) == expected
    ramp = numpy_viridis(np.linspace(0.0, 1.0, 256)) * 255.0
    for rgb in [(255, 176, 96), (214, 96, 77), (140, 48, 96), scale.rgb(10), (0, 0, 0)]:
        reference = float(np.min(np.linalg.norm(ramp - np.asarray(rgb, dtype=float), axis=1)))
        assert distance_to_viridis(rgb) == pytest.approx(reference, rel=1e-12, abs=1e-9)


def test_linspace_refuses_a_negative_count():
    with pytest.raises(ValueError):
        linspace(0, 1, -1)


def test_no_domain_module_imports_numpy():
    """The domain layer is pure Python: no module under cnoatlas/domain imports numpy."""
    folder = Path(colormap.__file__).parent
    offenders = []
    for source in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.split(".")[0] == "numpy"]
    assert not offenders
