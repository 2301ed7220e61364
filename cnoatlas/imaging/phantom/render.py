"""Rasterise the body model into MR series: sampling grids, anti-aliased painting, noise.

Every part is painted in order over the volumes of one grid (all weightings of a grid at
once), with a coverage that ramps over one pixel (partial volume in plane) and is averaged
over sub-slices (partial volume through the slice). Then a mild blur and Rician noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cnoatlas.imaging.phantom.body import Body, Part
from cnoatlas.imaging.phantom.shapes import Capsule, Ellipsoid
from cnoatlas.imaging.phantom.tissues import TissueTable

# name, description, weighting, plane, region
SEQUENCES = {
    "cor_stir_wb": ("COR STIR WB", "stir", "coronal", "body"),
    "cor_t1_wb": ("COR T1 WB", "t1", "coronal", "body"),
    "dwi_wb": ("COR DWI b800", "dwi", "coronal", "body"),
    "sag_stir_spine": ("SAG STIR SPINE", "stir", "sagittal", "spine"),
    "sag_stir_feet": ("SAG STIR FEET", "stir", "sagittal", "feet"),
    "ax_stir_pelvis": ("AX STIR PELVIS", "stir", "axial", "pelvis"),
    "ax_t1_pelvis": ("AX T1 PELVIS", "t1", "axial", "pelvis"),
    "ax_stir_knees": ("AX STIR KNEES", "stir", "axial", "knees"),
    "ax_t1_knees": ("AX T1 KNEES", "t1", "axial", "knees"),
}
FULL_VALUE = 2600.0  # stored value of the reference signal; BitsStored is 12


@dataclass
class Grid:
    """An axis-aligned sampling grid; array axes are (slice, row, column).

    ``world_axis[i]`` is the patient axis (0 x, 1 y, 2 z) sampled along array axis i and
    ``coords[i]`` the patient coordinate of each sample along it.
    """

    world_axis: tuple[int, int, int]
    coords: tuple[np.ndarray, np.ndarray, np.ndarray]
    thickness: float
    subslices: int = 2

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(len(c) for c in self.coords)  # type: ignore[return-value]

    def step(self, i: int) -> float:
        c = self.coords[i]
        return round(float(c[1] - c[0]), 4) if len(c) > 1 else 1.0

    @property
    def pixel(self) -> float:
        return max(abs(self.step(1)), abs(self.step(2)))

    def unit_vector(self, i: int) -> np.ndarray:
        v = np.zeros(3)
        v[self.world_axis[i]] = 1.0 if self.step(i) > 0 else -1.0
        return v

    def origin(self) -> np.ndarray:
        p = np.zeros(3)
        for i in range(3):
            p[self.world_axis[i]] = self.coords[i][0]
        return p

    def world(self, k: float, r: float, c: float) -> np.ndarray:
        return self.origin() + sum(
            idx * abs(self.step(i)) * self.unit_vector(i) for i, idx in enumerate((k, r, c))
        )

    def index_range(self, lo: np.ndarray, hi: np.ndarray, margin: float):
        out = []
        for i in range(3):
            c = self.coords[i]
            w = self.world_axis[i]
            m = margin + (self.thickness / 2 if i == 0 else 0.0)
            inc = c if c[-1] >= c[0] else c[::-1]
            a, b = lo[w] - m, hi[w] + m
            i0, i1 = int(np.searchsorted(inc, a)), int(np.searchsorted(inc, b, side="right"))
            if c[-1] < c[0]:
                i0, i1 = len(c) - i1, len(c) - i0
            if i1 <= i0:
                return None
            out.append((i0, i1))
        return out

    def coordinates(self, ranges, sub: float = 0.0):
        """Broadcast patient coordinates (x, y, z) of the sub-volume; ``sub`` shifts along the
        slice normal (mm) for sub-slice sampling."""
        xyz = [None, None, None]
        for i, (i0, i1) in enumerate(ranges):
            shape = [1, 1, 1]
            shape[i] = i1 - i0
            c = self.coords[i][i0:i1].astype(np.float32)
            if i == 0:
                c = c + np.float32(sub)
            xyz[self.world_axis[i]] = c.reshape(shape)
        return xyz


def coronal_grid(body: Body, scale: float = 1.0) -> Grid:
    h = body.height
    lo, hi = body.bounds()
    rows = round(768 * scale)
    z0, z1 = -12.0, h + 18.0
    px = round((z1 - z0) / rows, 3)
    x_half = max(abs(lo[0]), abs(hi[0])) + 12.0
    cols = int(np.ceil(2 * x_half / px / 16) * 16)
    depth = body.landmarks["depth"]
    y0, y1 = -1.25 * depth, 1.3 * depth
    thk = 5.0 if h > 1200 else 4.0
    n = int(np.ceil((y1 - y0) / thk))
    if scale < 1.0:
        n = max(6, round(n * scale))
        thk = (y1 - y0) / n
    zs = z1 - px * np.arange(rows)
    xs = -px * (cols - 1) / 2 + px * np.arange(cols)
    ys = y0 + thk / 2 + thk * np.arange(n)
    return Grid((1, 2, 0), (ys, zs, xs), thk)


def sagittal_grid(body: Body, region: str, scale: float = 1.0) -> Grid:
    lm, h = body.landmarks, body.height
    depth = lm["depth"]
    if region == "spine":
        z0 = lm["z_hip"] - 0.075 * h
        z1 = h + 12.0
        rows = round(512 * scale)
        px = round((z1 - z0) / rows, 3)
        cols = round(256 * scale)
        y_mid = 0.15 * depth
        thk, n = 3.5, 15
        xs = thk * (n - 1) / 2 - thk * np.arange(n)
    else:
        z0, z1 = -10.0, lm["z_ankle"] + 0.11 * h
        rows = round(288 * scale)
        px = round((z1 - z0) / rows, 3)
        cols = round(336 * scale)
        y_mid = -0.033 * h  # from the tips of the toes to behind the heel pad
        foot_x = max(abs(g.hi[0]) for k, g in body.sites.items() if k.startswith("metatarsal-5"))
        thk = 4.0
        n = int(np.ceil(2 * (foot_x + 4.0) / thk))
        xs = thk * (n - 1) / 2 - thk * np.arange(n)
    if scale < 1.0:
        n = max(4, round(n * scale))
        xs = np.linspace(xs[0], xs[-1], n)
    zs = z1 - px * np.arange(rows)
    ys = y_mid - px * (cols - 1) / 2 + px * np.arange(cols)
    return Grid((0, 2, 1), (xs, zs, ys), thk)


def axial_grid(body: Body, region: str, scale: float = 1.0) -> Grid:
    """Axial slices viewed from the feet: rows run anterior to posterior (+y), columns from the
    patient's right to left (+x), so the patient's left is on the right of the image
    (ImageOrientationPatient 1\\0\\0\\0\\1\\0); slices follow that orientation's normal,
    from the feet towards the head."""
    lm, h = body.landmarks, body.height
    depth = lm["depth"]
    if region == "pelvis":  # iliac crests to below the ischial tuberosities
        z0, z1 = lm["z_hip"] - 0.065 * h, lm["z_hip"] + 0.095 * h
        thk = 6.0 if h > 1200 else 5.0
        x_half = 0.15 * h + 10.0  # the forearms and hands lie beside the hips
        y0, y1 = -1.3 * depth, 1.35 * depth
        cols = 320
    else:  # both knees: distal femoral metaphyses to proximal tibial metaphyses
        z0, z1 = lm["z_knee"] - 0.045 * h, lm["z_knee"] + 0.055 * h
        thk = 5.0 if h > 1200 else 4.0
        x_half = 0.085 * h + 10.0
        y0, y1 = -0.05 * h, 0.05 * h
        cols = 256
    cols = round(cols * scale)
    px = round(2 * x_half / cols, 3)
    rows = int(np.ceil((y1 - y0) / px / 16) * 16)
    n = int(np.ceil((z1 - z0) / thk))
    if scale < 1.0:
        n = max(4, round(n * scale))
        thk = (z1 - z0) / n
    zs = z0 + thk / 2 + thk * np.arange(n)
    ys = (y0 + y1) / 2 - px * (rows - 1) / 2 + px * np.arange(rows)
    xs = -px * (cols - 1) / 2 + px * np.arange(cols)
    return Grid((2, 1, 0), (zs, ys, xs), thk)


@dataclass
class Raster:
    """The painted volumes of one grid and, per lesion, its coverage (for the annotations)."""

    grid: Grid
    volumes: dict[str, np.ndarray]  # weighting -> float32 (slices, rows, cols)
    lesion_cover: dict[str, list[tuple[list[tuple[int, int]], np.ndarray]]] = field(
        default_factory=dict
    )


def _coverage(grid: Grid, shape, ranges, ramp: float, soft: float) -> np.ndarray:
    n = grid.subslices
    offsets = [0.0] if n <= 1 else list((np.arange(n) + 0.5) / n - 0.5)
    width = np.float32(ramp + soft)
    total = None
    for off in offsets:
        x, y, z = grid.coordinates(ranges, sub=off * grid.thickness)
        d = shape.sdf(x, y, z)
        cov = np.clip(np.float32(0.5) - d / width, 0.0, 1.0).astype(np.float32)
        total = cov if total is None else total + cov
    return total / np.float32(len(offsets))


_TILE = (1, 4, 4)  # voxels per tile of a large part's sub-volume (slice, row, column)
_TILED_FROM = 12_000  # sub-volumes of at least this many voxels are tiled
_EPS = 0.01  # mm of safety on the bounds below (float rounding of the coordinates)


def _capsule_sure(shape: Capsule, xc, yc, zc, reach: float, half_width: float):
    """Tiles a capsule certainly misses or certainly fills. Its distance changes by at most
    (1 + taper) mm per mm (the radius changes along the axis by ``taper``, in the squashed
    space, where the distance is at most 1/min(scale) per mm and is scaled back by min(scale)),
    so a tile whose centre is farther than ``reach`` times that from the ramp is uniform."""
    length = float(np.linalg.norm((shape.b - shape.a) / np.asarray(shape.scale)))
    lip = 1.0 + abs(shape.rb - shape.ra) / max(length, 1e-9)
    d = shape.sdf(xc, yc, zc)
    margin = lip * reach + half_width + _EPS
    return d >= margin, d <= -margin


def _ellipsoid_sure(shape: Ellipsoid, xc, yc, zc, reach: float, half_width: float):
    """Tiles an ellipsoid certainly misses or certainly fills. Its distance estimate
    k0 (k0 - 1) / k1 (k0 = |D^-1 q|, k1 = |D^-2 q|) lies between (k0 - 1) rmin and
    (k0 - 1) rmax outside and below -(1 - k0) rmin inside, and k0 changes by at most 1/rmin
    per mm: bounds on k0 over a tile bound the coverage there."""
    dx, dy, dz = xc - shape.c[0], yc - shape.c[1], zc - shape.c[2]
    if shape.rot is None:
        q = (dx, dy, dz)
    else:
        m = shape.rot
        q = tuple(m[0, i] * dx + m[1, i] * dy + m[2, i] * dz for i in range(3))
    rx, ry, rz = (float(v) for v in shape.radii)
    k0 = np.sqrt((q[0] / rx) ** 2 + (q[1] / ry) ** 2 + (q[2] / rz) ** 2)
    rmin = min(rx, ry, rz)
    margin = reach + half_width + _EPS
    return (k0 - 1.0) * rmin >= margin, (1.0 - k0) * rmin >= margin


_SURE = {Capsule: _capsule_sure, Ellipsoid: _ellipsoid_sure}


def _tiled_coverage(grid: Grid, shape, ranges, ramp: float, soft: float) -> np.ndarray | None:
    """The coverage ``_coverage`` gives, computed only on the tiles the shape's boundary may
    cross: tiles certainly outside stay 0 and tiles certainly inside are 1 (exactly the values
    the ramp gives there), the others are evaluated voxel by voxel as before. None where the
    shape has no such bound or the sub-volume is small."""
    sure = _SURE.get(type(shape))
    sizes = [b - a for a, b in ranges]
    if sure is None or sizes[0] * sizes[1] * sizes[2] < _TILED_FROM:
        return None
    n = grid.subslices
    offsets = [0.0] if n <= 1 else list((np.arange(n) + 0.5) / n - 0.5)
    width = np.float32(ramp + soft)
    counts = [-(-size // t) for size, t in zip(sizes, _TILE, strict=True)]
    padded, centres, reach2 = [], [], 0.0
    for i, ((i0, _i1), t, nt) in enumerate(zip(ranges, _TILE, counts, strict=True)):
        c = grid.coords[i]
        step = float(c[1] - c[0]) if len(c) > 1 else 1.0
        idx = i0 + np.arange(nt * t)
        # the sampled coordinates, continued past the end of the range for the last tile
        fine = (c[0] + step * idx).astype(np.float32)
        inside = idx < len(c)
        fine[inside] = c[idx[inside]].astype(np.float32)
        padded.append(fine.reshape(nt, t))
        centres.append(c[0] + step * (i0 + t * np.arange(nt) + (t - 1) / 2))
        extent = (t - 1) / 2 * abs(step) + (
            max(abs(o) for o in offsets) * grid.thickness if i == 0 else 0.0
        )
        reach2 += extent * extent
    xyz = [None, None, None]
    for i in range(3):
        shape_i = [1, 1, 1]
        shape_i[i] = counts[i]
        xyz[grid.world_axis[i]] = centres[i].reshape(shape_i)
    out_mask, in_mask = sure(shape, *xyz, float(np.sqrt(reach2)), float(width) / 2)
    out_mask = np.broadcast_to(out_mask, counts)
    in_mask = np.broadcast_to(in_mask, counts)
    cov = np.zeros([nt * t for nt, t in zip(counts, _TILE, strict=True)], dtype=np.float32)
    tiles = cov.reshape(counts[0], _TILE[0], counts[1], _TILE[1], counts[2], _TILE[2])
    ik, ir, ic = np.nonzero(in_mask)
    tiles[ik, :, ir, :, ic, :] = 1.0
    ik, ir, ic = np.nonzero(~(out_mask | in_mask))
    batch = max(1, _BLOCK // (_TILE[0] * _TILE[1] * _TILE[2]))
    for b0 in range(0, len(ik), batch):
        sel = (ik[b0 : b0 + batch], ir[b0 : b0 + batch], ic[b0 : b0 + batch])
        total = None
        for off in offsets:
            xyz = [None, None, None]
            for i in range(3):
                shape_i = [len(sel[0]), 1, 1, 1]
                shape_i[i + 1] = _TILE[i]
                c = padded[i][sel[i]]
                if i == 0:
                    c = c + np.float32(off * grid.thickness)
                xyz[grid.world_axis[i]] = c.reshape(shape_i)
            d = shape.sdf(*xyz)
            part = np.clip(np.float32(0.5) - d / width, 0.0, 1.0).astype(np.float32)
            total = part if total is None else total + part
        tiles[sel[0], :, sel[1], :, sel[2], :] = total / np.float32(len(offsets))
    return cov[: sizes[0], : sizes[1], : sizes[2]]


_BLOCK = 24_000  # voxels per painted block: its temporaries stay in the processor's cache


def _blocks(ranges) -> list[list[tuple[int, int]]]:
    """The sub-volume cut into blocks of about ``_BLOCK`` voxels (whole slices, or runs of
    rows of one slice). Every voxel's coverage is computed alone, so the cut changes no value;
    a large part (the trunk's fat, a thigh's muscle) no longer streams each of its dozens of
    temporaries through memory."""
    (k0, k1), (r0, r1), (c0, c1) = ranges
    plane = (r1 - r0) * (c1 - c0)
    if (k1 - k0) * plane <= _BLOCK:
        return [list(ranges)]
    if plane <= _BLOCK:
        step = max(1, _BLOCK // plane)
        return [[(k, min(k + step, k1)), (r0, r1), (c0, c1)] for k in range(k0, k1, step)]
    step = max(1, _BLOCK // (c1 - c0))
    return [
        [(k, k + 1), (r, min(r + step, r1)), (c0, c1)]
        for k in range(k0, k1)
        for r in range(r0, r1, step)
    ]


def _part_cover(grid: Grid, part: Part, ranges, ramp: float, cov=None) -> np.ndarray:
    """The part's coverage of the sub-volume (``cov``, its shape's, if already computed),
    inside its clips and outside its clip-outs."""
    if cov is None:
        cov = _coverage(grid, part.shape, ranges, ramp, part.soft)
    elif not cov.any():
        return cov
    if part.clip:
        keep = np.zeros_like(cov)
        for s in part.clip:
            np.maximum(keep, _clip_cover(grid, s, ranges, ramp), out=keep)
        cov *= keep
    for s in part.clip_out:
        cov *= 1.0 - _clip_cover(grid, s, ranges, ramp)
    return cov


def paint(body_parts: list[Part], grid: Grid, table: TissueTable, weightings: list[str]) -> Raster:
    shape = grid.shape
    vols = np.zeros((len(weightings), *shape), dtype=np.float32)
    raster = Raster(grid, {})
    ramp = grid.pixel
    cache: dict[tuple, np.ndarray] = {}
    for part in body_parts:
        lo, hi = part.shape.bounds()
        ranges = grid.index_range(lo, hi, ramp + part.soft)
        if ranges is None:
            continue
        key = (part.tissue, part.ff)
        if key not in cache:
            cache[key] = np.array(
                [table.signal(part.tissue, w, part.ff) for w in weightings], dtype=np.float32
            )
        sig = cache[key][:, None, None, None]
        blocks = _blocks(ranges)
        whole = None  # the tagged part's coverage over all its blocks
        if part.tag and len(blocks) > 1:
            whole = np.zeros(tuple(b - a for a, b in ranges), dtype=np.float32)
        painted = False
        tiled = _tiled_coverage(grid, part.shape, ranges, ramp, part.soft)
        for block in blocks:
            pre = None
            if tiled is not None:
                pre = tiled[
                    tuple(slice(a - o, b - o) for (a, b), (o, _) in zip(block, ranges, strict=True))
                ].copy()
            cov = _part_cover(grid, part, block, ramp, pre)
            if not cov.any():  # painting nothing leaves every value as it was
                continue
            painted = True
            if part.tag:  # the outline follows the shape, whatever its opacity
                if whole is None:
                    whole = cov.copy()
                else:
                    whole[
                        tuple(
                            slice(a - o, b - o)
                            for (a, b), (o, _) in zip(block, ranges, strict=True)
                        )
                    ] = cov
            if part.texture:
                cov *= np.float32(1.0) - np.float32(part.texture) * texture(grid, block, part.seed)
            if part.alpha != 1.0:
                cov *= np.float32(part.alpha)
            sub = vols[(slice(None), *(slice(a, b) for a, b in block))]
            step = sig - sub
            step *= cov  # (sig - sub) * cov: the same products, one temporary fewer
            sub += step
        if part.tag and painted:
            raster.lesion_cover.setdefault(part.tag, []).append((ranges, whole))
    raster.volumes = {w: vols[i] for i, w in enumerate(weightings)}
    return raster


def texture(grid: Grid, ranges, seed: int, wavelength: float = 9.0) -> np.ndarray:
    """A smooth random field in 0..1 over the sub-volume (a sum of plane waves in patient
    coordinates, so every plane through the lesion shows the same heterogeneity)."""
    rng = np.random.default_rng([seed, 4391])
    x, y, z = grid.coordinates(ranges)
    acc = None
    waves = 7
    for _ in range(waves):
        d = rng.normal(size=3)
        d *= 2 * np.pi / (wavelength * rng.uniform(0.7, 1.5) * np.linalg.norm(d))
        phase = np.float32(rng.uniform(0, 2 * np.pi))
        w = np.cos(x * np.float32(d[0]) + y * np.float32(d[1]) + z * np.float32(d[2]) + phase)
        acc = w if acc is None else acc + w
    return np.clip(0.5 + acc / np.float32(2.2 * np.sqrt(waves)), 0.0, 1.0).astype(np.float32)


def _clip_cover(grid: Grid, shape, ranges, ramp: float) -> np.ndarray:
    lo, hi = shape.bounds()
    out = np.zeros(tuple(b - a for a, b in ranges), dtype=np.float32)
    inner = grid.index_range(lo, hi, ramp)
    if inner is None:
        return out
    ranges2 = [(max(a, c), min(b, d)) for (a, b), (c, d) in zip(ranges, inner, strict=True)]
    if any(b <= a for a, b in ranges2):
        return out
    cov = _coverage(grid, shape, ranges2, ramp, 0.0)
    sl = tuple(slice(a - r0, b - r0) for (a, b), (r0, _r1) in zip(ranges2, ranges, strict=True))
    out[sl] = cov
    return out


def _kernel(sigma: float) -> tuple[int, np.ndarray]:
    radius = max(1, int(np.ceil(2.5 * sigma)))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2).astype(np.float32)
    k /= k.sum()
    return radius, k


class _Blur:
    """Separable Gaussian blur of one slice at a time (edge-replicating). The scratch rows and
    the two passes stay in the processor's cache: blurring a whole volume per tap streamed it
    through memory seven times slower, for the same sums in the same order."""

    def __init__(self, rows: int, cols: int, sigma: float):
        self.radius, self.k = _kernel(sigma)
        r = self.radius
        self.rows, self.cols = rows, cols
        self.pad_rows = np.empty((rows + 2 * r, cols), dtype=np.float32)
        self.pad_cols = np.empty((rows, cols + 2 * r), dtype=np.float32)
        self.tmp = np.empty((rows, cols), dtype=np.float32)

    def rows_pass(self, src: np.ndarray, out: np.ndarray) -> None:
        """Blur along rows (axis 0 of a 2D slice) into ``out``."""
        r, n, p = self.radius, self.rows, self.pad_rows
        p[r : r + n] = src
        p[:r] = src[:1]
        p[r + n :] = src[-1:]
        out[...] = 0.0
        for i, w in enumerate(self.k):
            np.multiply(p[i : i + n], w, out=self.tmp)
            out += self.tmp

    def cols_pass(self, out: np.ndarray) -> None:
        """Blur along columns into ``out`` the slice already in place in the middle of
        ``pad_cols`` (``self.middle``, where ``rows_pass`` wrote it)."""
        r, n, p = self.radius, self.cols, self.pad_cols
        p[:, :r] = p[:, r : r + 1]
        p[:, r + n :] = p[:, r + n - 1 : r + n]
        out[...] = 0.0
        for i, w in enumerate(self.k):
            np.multiply(p[:, i : i + n], w, out=self.tmp)
            out += self.tmp

    @property
    def middle(self) -> np.ndarray:
        return self.pad_cols[:, self.radius : self.radius + self.cols]

    def __call__(self, src: np.ndarray, out: np.ndarray) -> np.ndarray:
        self.rows_pass(src, self.middle)
        self.cols_pass(out)
        return out


def blur_inplane(vol: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur along rows and columns (edge-replicating), slice by slice."""
    if sigma <= 0:
        return vol
    blur = _Blur(vol.shape[1], vol.shape[2], sigma)
    out = np.empty(vol.shape, dtype=np.float32)
    for s in range(vol.shape[0]):
        blur(vol[s], out[s])
    return out


def coil_gain(grid: Grid, body: Body, seed: int) -> np.ndarray:
    """Receive-coil shading (surface coil arrays see the periphery brighter than the centre)
    times a faint smooth texture, so tissues are not perfectly flat.

    The texture is coarse noise repeated into ``step``-pixel cells and blurred; the row pass
    runs before the columns are repeated (blurring rows commutes with repeating columns), so
    it costs a sixth, and every sum is the one a blur of the repeated volume makes."""
    ranges = [(0, n) for n in grid.shape]
    x, y, _z = grid.coordinates(ranges)
    x_ref, y_ref = 0.12 * body.height, body.landmarks["depth"]
    r2 = np.minimum((x / np.float32(x_ref)) ** 2 + (y / np.float32(y_ref)) ** 2, 2.0)
    shading = np.broadcast_to(np.float32(0.9) + np.float32(0.12) * r2, grid.shape)
    rng = np.random.default_rng([seed, 7919])
    step = 6  # texture grain in pixels
    n, rows, cols = grid.shape
    coarse = rng.standard_normal((n, rows // step + 2, cols // step + 2), dtype=np.float32)
    narrow = _Blur(rows, coarse.shape[2], step / 2)  # rows pass, coarse columns
    wide = _Blur(rows, cols, step / 2)  # columns pass, full columns
    part = np.empty((rows, coarse.shape[2]), dtype=np.float32)
    out = np.empty(grid.shape, dtype=np.float32)
    for s in range(n):
        narrow.rows_pass(np.repeat(coarse[s], step, axis=0)[:rows], part)
        wide.middle[...] = np.repeat(part, step, axis=1)[:, :cols]
        o = out[s]
        wide.cols_pass(o)
        o *= np.float32(0.06)
        o += np.float32(1.0)
        o *= shading[s]
    return out


def _support(img: np.ndarray, floor: np.float32, pad: int = 4) -> np.ndarray:
    """Where the receive coils see the body, on one slice: along each row and each column,
    from the first to the last pixel with signal, widened by ``pad`` pixels. Outside it the air
    is stored as 0 (background suppression) so that the lossless compression is not spent on
    pure noise. The floor is low enough that fatty marrow on a fat-suppressed image (a child's
    calcaneus on STIR) counts as signal: the heel is never cut away."""
    seen = img > floor
    out = None
    for axis in (0, 1):
        n = seen.shape[axis]
        idx = np.arange(n).reshape([1 if a != axis else n for a in range(2)])
        some = seen.any(axis=axis, keepdims=True)
        first = np.where(some, np.expand_dims(seen.argmax(axis=axis), axis), n)
        last = np.where(
            some, n - 1 - np.expand_dims(np.flip(seen, axis).argmax(axis=axis), axis), -1
        )
        within = (idx >= first - pad) & (idx <= last + pad)
        out = within if out is None else out & within
    return out


def finish(vol: np.ndarray, noise: float, rng: np.random.Generator, blur: float,
           reference: float, gain: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Blur, coil shading, Rician noise (magnitude of signal plus complex Gaussian noise),
    scaled to 12-bit unsigned integers.

    Slice by slice, so each step works on data in the processor's cache. The noise is drawn
    only where the coils see the body (``_support``, found from the noiseless image): the air
    outside is stored as 0 whatever the noise, so drawing it there (three quarters of a
    whole-body coronal slice) was wasted. Each slice draws from its own stream spawned from
    ``rng`` (the real parts, then the imaginary parts, of its supported pixels in row order),
    so a pixel crossing the support's floor by a rounding changes that slice's noise only."""
    n, rows, cols = vol.shape
    sigma = np.float32(noise * reference)
    floor = np.float32(0.015 * reference)
    scale = np.float32(FULL_VALUE / reference)
    blurrer = _Blur(rows, cols, blur) if blur > 0 else None
    img = np.empty((rows, cols), dtype=np.float32)
    out = np.zeros(vol.shape, dtype=np.uint16)
    streams = rng.spawn(n)
    for s in range(n):
        if blurrer is not None:
            blurrer(vol[s], img)
        else:
            img[...] = vol[s]
        if gain is not None:
            img *= gain[s]
        seen = _support(img, floor)
        count = int(np.count_nonzero(seen))
        if not count:
            continue
        z = streams[s].standard_normal(2 * count, dtype=np.float32)
        z *= sigma
        re, im = z[:count], z[count:]
        re += img[seen]
        np.multiply(re, re, out=re)
        np.multiply(im, im, out=im)
        re += im
        np.sqrt(re, out=re)
        re *= scale
        np.clip(re, 0, 4095, out=re)
        np.rint(re, out=re)
        out[s][seen] = re
    return out
