"""Solid shapes of the body model and their signed distances (mm, negative inside).

Three kinds cover a child's anatomy: tapered capsules (optionally flat-ended, i.e. a cone
frustum, and optionally squashed along world axes for oval cross-sections), ellipsoids and
rounded boxes (both optionally rotated). Distances are evaluated on broadcast coordinate
arrays so a whole sub-volume is computed in a few vectorised numpy operations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

Vec = tuple[float, float, float]


def vec(x: float, y: float, z: float) -> np.ndarray:
    return np.array([x, y, z], dtype=np.float64)


def unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else np.array([0.0, 0.0, 1.0])


def frame(axis: np.ndarray, hint: np.ndarray | None = None) -> np.ndarray:
    """A rotation whose third column is ``axis`` (the first follows ``hint`` where possible)."""
    w = unit(np.asarray(axis, dtype=np.float64))
    h = np.array([1.0, 0.0, 0.0]) if hint is None else np.asarray(hint, dtype=np.float64)
    if abs(float(np.dot(h, w))) > 0.95:
        h = np.array([0.0, 1.0, 0.0])
    u = unit(h - np.dot(h, w) * w)
    v = np.cross(w, u)
    return np.stack([u, v, w], axis=1)


def rot_z(degrees: float) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_y(degrees: float) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_x(degrees: float) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


@dataclass(frozen=True, eq=False)
class Capsule:
    """Segment a-b swept by a radius going linearly from ra to rb."""

    a: np.ndarray
    b: np.ndarray
    ra: float
    rb: float
    flat: bool = False  # cut square at a and b (a cone frustum) instead of rounded caps
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)  # squash along world axes

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        r = max(self.ra, self.rb) * np.asarray(self.scale)
        return np.minimum(self.a, self.b) - r, np.maximum(self.a, self.b) + r

    def sdf(self, x, y, z):
        # constants in float32, so float32 coordinates are worked in float32 (numpy scalars of
        # float64 would promote every temporary to float64)
        f = np.float32
        p = [x - f(self.a[0]), y - f(self.a[1]), z - f(self.a[2])]
        for i, s in enumerate(self.scale):
            if s != 1.0:
                p[i] = p[i] / f(s)
        px, py, pz = p
        ba = (self.b - self.a) / np.asarray(self.scale)
        length = float(np.linalg.norm(ba))
        u = ba / length
        along = px * f(u[0]) + py * f(u[1]) + pz * f(u[2])
        t = np.clip(along / f(length), 0.0, 1.0)
        dx, dy, dz = px - t * f(ba[0]), py - t * f(ba[1]), pz - t * f(ba[2])
        d = np.sqrt(dx * dx + dy * dy + dz * dz) - (f(self.ra) + t * f(self.rb - self.ra))
        if self.flat:
            d = np.maximum(d, np.maximum(-along, along - f(length)))
        scale = min(self.scale)
        return d if scale == 1.0 else d * f(scale)

    def point(self, t: float) -> np.ndarray:
        return self.a + t * (self.b - self.a)


@dataclass(frozen=True, eq=False)
class Ellipsoid:
    c: np.ndarray
    radii: np.ndarray
    rot: np.ndarray | None = None  # columns: the local axes in world coordinates

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        r = np.asarray(self.radii, dtype=np.float64)
        if self.rot is not None:
            r = np.abs(self.rot) @ r
        return self.c - r, self.c + r

    def sdf(self, x, y, z):
        f = np.float32  # float32 constants keep float32 coordinates in float32
        dx, dy, dz = x - f(self.c[0]), y - f(self.c[1]), z - f(self.c[2])
        if self.rot is None:
            q = (dx, dy, dz)
        else:
            m = self.rot.astype(np.float32)
            q = tuple(m[0, i] * dx + m[1, i] * dy + m[2, i] * dz for i in range(3))
        rx, ry, rz = (float(v) for v in self.radii)
        a = [qi * f(1.0 / r) for qi, r in zip(q, (rx, ry, rz), strict=True)]  # q / r
        k0 = np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
        b = [ai * f(1.0 / r) for ai, r in zip(a, (rx, ry, rz), strict=True)]  # q / r^2
        k1 = np.sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2])
        return k0 * (k0 - 1.0) / np.maximum(k1, 1e-6)


@dataclass(frozen=True, eq=False)
class Box:
    """A box with rounded edges: centre, half sizes (including the rounding), rotation."""

    c: np.ndarray
    half: np.ndarray
    round: float = 1.0
    rot: np.ndarray | None = None

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        h = np.asarray(self.half, dtype=np.float64)
        if self.rot is not None:
            h = np.abs(self.rot) @ h
        return self.c - h, self.c + h

    def sdf(self, x, y, z):
        f = np.float32  # float32 constants keep float32 coordinates in float32
        dx, dy, dz = x - f(self.c[0]), y - f(self.c[1]), z - f(self.c[2])
        if self.rot is None:
            q = (dx, dy, dz)
        else:
            m = self.rot.astype(np.float32)
            q = tuple(m[0, i] * dx + m[1, i] * dy + m[2, i] * dz for i in range(3))
        inner = (np.asarray(self.half) - self.round).astype(np.float32)
        qx, qy, qz = (np.abs(q[i]) - inner[i] for i in range(3))
        outside = np.sqrt(
            np.maximum(qx, 0.0) ** 2 + np.maximum(qy, 0.0) ** 2 + np.maximum(qz, 0.0) ** 2
        )
        return outside + np.minimum(np.maximum(qx, np.maximum(qy, qz)), 0.0) - self.round


@dataclass(frozen=True, eq=False)
class Dome:
    """Half an ellipsoid: the half on the +z side of its local frame (``rot``'s third column),
    flat across its centre. An epiphysis: flat on the growth plate, rounded towards the joint."""

    c: np.ndarray
    radii: np.ndarray
    rot: np.ndarray
    power: float = 2.0  # above 2: a boxier, flatter-topped dome (a superellipsoid)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        u = np.linspace(0.0, 2.0 * math.pi, 24, endpoint=False)
        v = np.linspace(0.0, 0.5 * math.pi, 7)
        uu, vv = np.meshgrid(u, v)
        local = np.stack(
            [np.cos(uu) * np.cos(vv), np.sin(uu) * np.cos(vv), np.sin(vv)], axis=-1
        ).reshape(-1, 3) * np.asarray(self.radii, dtype=np.float64)
        pts = local @ self.rot.T + self.c
        pad = 0.05 * float(np.max(self.radii))
        return pts.min(axis=0) - pad, pts.max(axis=0) + pad

    def sdf(self, x, y, z):
        if self.power == 2.0:
            d = Ellipsoid(self.c, self.radii, self.rot).sdf(x, y, z)
        else:  # approximate distance: the superellipsoid's level set scaled by its size
            m = self.rot
            dx, dy, dz = x - self.c[0], y - self.c[1], z - self.c[2]
            p = np.float32(self.power)
            k = None
            for i in range(3):
                q = np.abs(m[0, i] * dx + m[1, i] * dy + m[2, i] * dz) / np.float32(self.radii[i])
                k = q**p if k is None else k + q**p
            d = (k ** (1.0 / p) - 1.0) * np.float32(0.8 * float(np.min(self.radii)))
        w = self.rot[:, 2]
        along = (x - self.c[0]) * w[0] + (y - self.c[1]) * w[1] + (z - self.c[2]) * w[2]
        return np.maximum(d, -along)

    def center(self) -> np.ndarray:
        return self.c + self.rot[:, 2] * 0.42 * float(self.radii[2])


@dataclass(frozen=True, eq=False)
class OvalFrustum:
    """A vertical slab of the trunk: oval cross-sections whose centre and half width (x) and
    half depth (y) change linearly from z0 to z1, cut flat at both ends."""

    z0: float
    z1: float
    c0: tuple[float, float]  # (x, y) centre at z0
    c1: tuple[float, float]
    r0: tuple[float, float]  # (half width, half depth) at z0
    r1: tuple[float, float]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo = [min(c[i] - r[i] for c, r in ((self.c0, self.r0), (self.c1, self.r1))) for i in (0, 1)]
        hi = [max(c[i] + r[i] for c, r in ((self.c0, self.r0), (self.c1, self.r1))) for i in (0, 1)]
        return np.array([*lo, min(self.z0, self.z1)]), np.array([*hi, max(self.z0, self.z1)])

    def sdf(self, x, y, z):
        t = np.clip((z - np.float32(self.z0)) / np.float32(self.z1 - self.z0), 0.0, 1.0)
        cx = self.c0[0] + (self.c1[0] - self.c0[0]) * t
        cy = self.c0[1] + (self.c1[1] - self.c0[1]) * t
        rx = self.r0[0] + (self.r1[0] - self.r0[0]) * t
        ry = self.r0[1] + (self.r1[1] - self.r0[1]) * t
        k = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2)
        side = (k - 1.0) * np.minimum(rx, ry)
        lo, hi = min(self.z0, self.z1), max(self.z0, self.z1)
        return np.maximum(side, np.maximum(np.float32(lo) - z, z - np.float32(hi)))


@dataclass(frozen=True, eq=False)
class Sweep:
    """A tube swept along a curve: the signed distance to a polyline through ``points`` with a
    radius interpolated along it (``radii`` per point), optionally squashed across by ``flat``
    (a rib or clavicle is wider than it is thick: ``flat`` < 1 scales the radius along
    ``thin``, a world direction). One smooth surface, so bone painted as cortex and marrow has
    no seams where a chain of capsules would meet."""

    points: np.ndarray  # (n, 3)
    radii: np.ndarray  # (n,)
    thin: np.ndarray | None = None
    flat: float = 1.0

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        r = float(np.max(self.radii))
        return self.points.min(axis=0) - r, self.points.max(axis=0) + r

    def sdf(self, x, y, z):
        best = None
        if self.thin is not None and self.flat != 1.0:
            t = unit(np.asarray(self.thin, dtype=np.float64)).astype(np.float32)
            k = np.float32(1.0 / self.flat - 1.0)
        radii = np.asarray(self.radii, dtype=np.float32)
        for i in range(len(self.points) - 1):
            a, b = self.points[i], self.points[i + 1]
            length2 = float(np.dot(b - a, b - a))
            ba = (b - a).astype(np.float32)  # float32 constants: no promotion to float64
            px, py, pz = x - np.float32(a[0]), y - np.float32(a[1]), z - np.float32(a[2])
            h = np.clip((px * ba[0] + py * ba[1] + pz * ba[2]) / np.float32(length2), 0.0, 1.0)
            dx, dy, dz = px - h * ba[0], py - h * ba[1], pz - h * ba[2]
            if self.thin is not None and self.flat != 1.0:
                along_t = dx * t[0] + dy * t[1] + dz * t[2]  # stretch the thin direction
                dx, dy, dz = (
                    dx + k * along_t * t[0],
                    dy + k * along_t * t[1],
                    dz + k * along_t * t[2],
                )
            r = radii[i] + h * (radii[i + 1] - radii[i])
            d = np.sqrt(dx * dx + dy * dy + dz * dz) - r
            best = d if best is None else np.minimum(best, d)
        return best * np.float32(self.flat if self.thin is not None else 1.0)

    def center(self) -> np.ndarray:
        return np.asarray(self.points[len(self.points) // 2], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Loft:
    """A bone lofted through cross-sections: ``rows`` (m, n, 3) are m section curves of n
    points each (an iliac wing from the acetabular roof up to the crest, a sacrum from S1 down
    to its apex); the mid-surface between consecutive sections is triangulated and thickened
    by ``half`` (m, n) mm. The signed distance is the distance to the nearest triangle minus
    its thickness, so a flat wing thins and thickens smoothly and has no seams."""

    rows: np.ndarray  # (m, n, 3)
    half: np.ndarray  # (m, n)

    def triangles(self):
        r, t = np.asarray(self.rows, dtype=np.float64), np.asarray(self.half, dtype=np.float64)
        out = []
        for i in range(r.shape[0] - 1):
            for j in range(r.shape[1] - 1):
                a, b, c, d = r[i, j], r[i, j + 1], r[i + 1, j], r[i + 1, j + 1]
                ta, tb, tc, td = t[i, j], t[i, j + 1], t[i + 1, j], t[i + 1, j + 1]
                out.append((a, b, d, (ta + tb + td) / 3))
                out.append((a, d, c, (ta + td + tc) / 3))
        return out

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        pts = np.asarray(self.rows, dtype=np.float64).reshape(-1, 3)
        pad = float(np.max(self.half))
        return pts.min(axis=0) - pad, pts.max(axis=0) + pad

    @cached_property
    def _prepared(self) -> list[tuple]:
        """Each triangle's float32 constants, worked out once (not on every evaluation)."""
        return [(*_triangle_constants(a, b, c), np.float32(t)) for a, b, c, t in self.triangles()]

    def sdf(self, x, y, z):
        best = None
        for *consts, thick in self._prepared:
            d = _triangle_distance_prepared(x, y, z, *consts) - thick
            best = d if best is None else np.minimum(best, d)
        return best

    def center(self) -> np.ndarray:
        r = np.asarray(self.rows, dtype=np.float64)
        return r[r.shape[0] // 2, r.shape[1] // 2]


def _triangle_constants(a, b, c):
    """The float32 constants of the triangle abc that ``_triangle_distance_prepared`` uses."""
    f = np.float32
    ba, cb, ac = b - a, c - b, a - c
    nor = np.cross(ba, ac)

    def v(u):
        return (f(u[0]), f(u[1]), f(u[2]))

    return (
        v(a), v(b), v(c), v(ba), v(cb), v(ac), v(nor),
        v(np.cross(ba, nor)), v(np.cross(cb, nor)), v(np.cross(ac, nor)),
        f(np.dot(ba, ba)), f(np.dot(cb, cb)), f(np.dot(ac, ac)), f(np.dot(nor, nor)),
    )  # fmt: skip


def _triangle_distance_prepared(x, y, z, a, b, c, ba, cb, ac, nor, n_ba, n_cb, n_ac,
                                ba2, cb2, ac2, nor2):  # fmt: skip
    """Unsigned distance from broadcast points to a triangle (Quilez's method), given the
    triangle's ``_triangle_constants``."""
    pa = (x - a[0], y - a[1], z - a[2])
    pb = (x - b[0], y - b[1], z - b[2])
    pc = (x - c[0], y - c[1], z - c[2])

    def dot(u, p):
        return u[0] * p[0] + u[1] * p[1] + u[2] * p[2]

    inside = (np.sign(dot(n_ba, pa)) + np.sign(dot(n_cb, pb)) + np.sign(dot(n_ac, pc))) >= 2.0

    def edge(e, e2, p):
        h = np.clip(dot(e, p) / e2, 0.0, 1.0)
        dx, dy, dz = e[0] * h - p[0], e[1] * h - p[1], e[2] * h - p[2]
        return dx * dx + dy * dy + dz * dz

    to_edge = np.minimum(np.minimum(edge(ba, ba2, pa), edge(cb, cb2, pb)), edge(ac, ac2, pc))
    plane = dot(nor, pa) ** 2 / nor2
    return np.sqrt(np.where(inside, plane, to_edge))


def curve(control: list[np.ndarray], n: int = 12) -> np.ndarray:
    """A smooth curve through the control points (Catmull-Rom), n points per span."""
    pts = [np.asarray(p, dtype=np.float64) for p in control]
    pts = [2 * pts[0] - pts[1], *pts, 2 * pts[-1] - pts[-2]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for t in np.linspace(0.0, 1.0, n, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t3))  # fmt: skip
    out.append(pts[-2])
    return np.array(out)


Shape = Capsule | Ellipsoid | Box | Dome | OvalFrustum | Sweep | Loft


def shrink(shape: Shape, by: float) -> Shape:
    """The same shape made ``by`` mm thinner all round (never below a tenth of its size)."""
    if isinstance(shape, Capsule):
        return Capsule(
            shape.a, shape.b, max(shape.ra - by, 0.1 * shape.ra), max(shape.rb - by, 0.1 * shape.rb),
            shape.flat, shape.scale,
        )  # fmt: skip
    if isinstance(shape, Ellipsoid | Dome):
        radii = np.maximum(np.asarray(shape.radii) - by, 0.1 * np.asarray(shape.radii))
        if isinstance(shape, Dome):  # thinner all round: the flat face moves in as well
            return Dome(shape.c + shape.rot[:, 2] * by, radii, shape.rot, shape.power)
        return Ellipsoid(shape.c, radii, shape.rot)
    if isinstance(shape, Sweep):
        radii = np.maximum(np.asarray(shape.radii) - by, 0.1 * np.asarray(shape.radii))
        return Sweep(shape.points, radii, shape.thin, shape.flat)
    if isinstance(shape, Loft):
        half = np.maximum(np.asarray(shape.half) - by, 0.1 * np.asarray(shape.half))
        return Loft(shape.rows, half)
    if isinstance(shape, OvalFrustum):  # thinner round the sides; the cut ends stay
        return OvalFrustum(
            shape.z0, shape.z1, shape.c0, shape.c1,
            (max(shape.r0[0] - by, 0.1 * shape.r0[0]), max(shape.r0[1] - by, 0.1 * shape.r0[1])),
            (max(shape.r1[0] - by, 0.1 * shape.r1[0]), max(shape.r1[1] - by, 0.1 * shape.r1[1])),
        )  # fmt: skip
    half = np.maximum(np.asarray(shape.half) - by, 0.1 * np.asarray(shape.half))
    return Box(shape.c, half, min(shape.round, float(half.min()) * 0.9), shape.rot)
