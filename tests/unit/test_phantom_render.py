"""The renderer's shortcuts give what the plain computation gives: tiled coverage, blocked
painting, the slice-by-slice blur, and noise only inside the coil support."""

import numpy as np
import pytest

from cnoatlas.imaging.phantom import render
from cnoatlas.imaging.phantom.body import Part
from cnoatlas.imaging.phantom.shapes import Capsule, Ellipsoid, frame, vec
from cnoatlas.imaging.phantom.tissues import tissue_table


def _grid() -> render.Grid:
    # coronal-like: slices along y (5 mm, two sub-slices), rows down z, columns along x
    ys = -60.0 + 2.5 + 5.0 * np.arange(24)
    zs = 200.0 - 1.9 * np.arange(110)
    xs = -1.9 * 47.5 + 1.9 * np.arange(96)
    return render.Grid((1, 2, 0), (ys, zs, xs), 5.0)


def _shapes():
    rng = np.random.default_rng(7)
    out = []
    for _ in range(12):
        a = rng.uniform(-40, 40, 3) + vec(0, 0, 100)
        b = a + rng.normal(size=3) * rng.uniform(10, 80)
        out.append(
            Capsule(
                a,
                b,
                float(rng.uniform(3, 30)),
                float(rng.uniform(3, 30)),
                flat=bool(rng.integers(2)),
                scale=tuple(rng.uniform(0.5, 1.5, 3)) if rng.integers(2) else (1.0, 1.0, 1.0),
            )
        )
        radii = rng.uniform(2, 60, 3)
        rot = frame(rng.normal(size=3)) if rng.integers(2) else None
        out.append(Ellipsoid(rng.uniform(-40, 40, 3) + vec(0, 0, 100), radii, rot))
    return out


@pytest.mark.parametrize("soft", [0.0, 4.0])
def test_tiled_coverage_equals_the_voxel_by_voxel_coverage(soft):
    grid = _grid()
    ramp = grid.pixel
    tiled_some = 0
    for shape in _shapes():
        lo, hi = shape.bounds()
        ranges = grid.index_range(lo, hi, ramp + soft)
        if ranges is None:
            continue
        plain = render._coverage(grid, shape, ranges, ramp, soft)
        tiled = render._tiled_coverage(grid, shape, ranges, ramp, soft)
        if tiled is None:
            continue
        tiled_some += 1
        assert tiled.shape == plain.shape
        assert np.array_equal(tiled, plain), type(shape).__name__
    assert tiled_some >= 10  # the shortcut was taken, not skipped


def test_blocked_painting_equals_painting_whole(monkeypatch):
    grid = _grid()
    shapes = _shapes()
    parts = [
        Part(s, "muscle" if i % 2 else "adipose", soft=2.0 * (i % 3), tag="l1" if i == 3 else None)
        for i, s in enumerate(shapes)
    ]
    parts.append(Part(shapes[0], "fluid", clip=(shapes[1],), clip_out=(shapes[2],), alpha=0.7))
    parts.append(Part(shapes[4], "fluid", texture=0.5, seed=3))
    table = tissue_table()
    fast = render.paint(parts, grid, table, ["stir", "t1"])
    monkeypatch.setattr(render, "_BLOCK", 10**12)
    monkeypatch.setattr(render, "_TILED_FROM", 10**12)
    slow = render.paint(parts, grid, table, ["stir", "t1"])
    for w in ("stir", "t1"):
        assert np.array_equal(fast.volumes[w], slow.volumes[w])
    assert fast.volumes["stir"].any()
    (ranges_a, cov_a), *more_a = fast.lesion_cover["l1"]
    (ranges_b, cov_b), *more_b = slow.lesion_cover["l1"]
    assert ranges_a == ranges_b and np.array_equal(cov_a, cov_b) and len(more_a) == len(more_b)


def _blur_whole_volume(vol, sigma):
    """The blur as it was: the whole volume padded and summed tap by tap."""
    radius = max(1, int(np.ceil(2.5 * sigma)))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2).astype(np.float32)
    k /= k.sum()
    out = vol
    for axis in (1, 2):
        pad = [(0, 0)] * 3
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="edge")
        acc = np.zeros_like(out)
        n = out.shape[axis]
        for i, w in enumerate(k):
            sl = [slice(None)] * 3
            sl[axis] = slice(i, i + n)
            acc += w * padded[tuple(sl)]
        out = acc
    return out


@pytest.mark.parametrize("sigma", [0.55, 1.1, 3.0])
def test_slice_by_slice_blur_equals_the_whole_volume_blur(sigma):
    vol = np.random.default_rng(1).random((3, 37, 29), dtype=np.float32)
    assert np.array_equal(render.blur_inplane(vol, sigma), _blur_whole_volume(vol, sigma))


def test_noise_only_inside_the_support_and_deterministic():
    vol = np.zeros((4, 64, 48), dtype=np.float32)
    vol[:, 20:40, 10:30] = 0.8  # a body in air
    a = render.finish(vol, 0.03, np.random.default_rng([5, 1]), 0.55, 1.0)
    b = render.finish(vol, 0.03, np.random.default_rng([5, 1]), 0.55, 1.0)
    assert np.array_equal(a, b)
    for k in range(vol.shape[0]):
        img = render.blur_inplane(vol[k : k + 1], 0.55)[0]
        inside = render._support(img, np.float32(0.015))
        assert not a[k][~inside].any()  # the air outside the coils' view is 0
        assert inside.any()
    body = a[:, 25:35, 15:25].astype(float)
    assert abs(body.mean() - 0.8 * render.FULL_VALUE) < 0.01 * render.FULL_VALUE
    assert body.std() > 10  # noisy, not flat
    # slices draw from their own streams: no two slices share their noise
    assert not np.array_equal(a[0], a[1])
