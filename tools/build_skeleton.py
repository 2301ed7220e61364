"""Draw the atlas skeleton maps from a parametric description: assets/skeleton/front.svg and
assets/skeleton/spine-lateral.svg.

A school-age child (about 10 years), FRONT view in radiological convention: the patient's right
is on the viewer's LEFT. Units are millimetres of the child. Proportions (see
/work/shared/reference/child-skeleton.md): stature 1378 mm (WHO 2007 boys, 10 y); sitting height
0.52 of stature (Dutch 1997 reference); femur 363 mm and tibia 285 mm with epiphyses
(Anderson-Green-Messner, 10 y boys); biacromial 305 mm and bi-iliac 226 mm (Berkeley, 10 y);
head 18% of stature (pre-adolescent share); a thoracic body 3/4 the height of a lumbar one and
4/3 of a cervical one. Growth plates are open: thin gaps between epiphysis and metaphysis.

Every site of assets/sites.json gets exactly one <path id="SITE_ID"> (several subpaths allowed);
non-site outlines carry class="decor". Path data uses only absolute M, L, C, Q and Z.
Run ``python tools/build_skeleton.py``; the output is committed and checked by the unit tests.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "assets" / "skeleton"

Pt = tuple[float, float]

# --- proportions (mm) -------------------------------------------------------------------------
STATURE = 1378.0
CX = 300.0  # midline
VERTEX = 16.0
HEAD = 0.18 * STATURE  # vertex to chin
CHIN = VERTEX + HEAD
SEAT = VERTEX + 0.52 * STATURE  # ischial tuberosities
BIACROMIAL = 305.0
BI_ILIAC = 226.0
FEMUR = 363.0
TIBIA = 285.0
PHYSIS = 1.8  # drawn width of an open growth plate
JOINT = 3.0  # drawn joint space


# --- geometry helpers --------------------------------------------------------------------------
def add(a: Pt, b: Pt) -> Pt:
    return (a[0] + b[0], a[1] + b[1])


def sub(a: Pt, b: Pt) -> Pt:
    return (a[0] - b[0], a[1] - b[1])


def mul(a: Pt, k: float) -> Pt:
    return (a[0] * k, a[1] * k)


def lerp(a: Pt, b: Pt, t: float) -> Pt:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def norm(a: Pt) -> Pt:
    length = math.hypot(*a) or 1.0
    return (a[0] / length, a[1] / length)


def perp(a: Pt) -> Pt:
    return (-a[1], a[0])


def rot(a: Pt, degrees: float) -> Pt:
    r = math.radians(degrees)
    return (a[0] * math.cos(r) - a[1] * math.sin(r), a[0] * math.sin(r) + a[1] * math.cos(r))


def polar(c: Pt, r: float, degrees: float) -> Pt:
    a = math.radians(degrees)
    return (c[0] + r * math.cos(a), c[1] + r * math.sin(a))


def arc(c: Pt, rx: float, ry: float, a0: float, a1: float, n: int = 8) -> list[Pt]:
    pts = []
    for i in range(n + 1):
        a = math.radians(a0 + (a1 - a0) * i / n)
        pts.append((c[0] + rx * math.cos(a), c[1] + ry * math.sin(a)))
    return pts


def bezier(p0: Pt, p1: Pt, p2: Pt, p3: Pt, n: int = 24) -> list[Pt]:
    pts = []
    for i in range(n + 1):
        t = i / n
        u = 1 - t
        pts.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return pts


def smoothstep(t: float) -> float:
    t = max(0.0, min(1.0, t))
    return t * t * (3 - 2 * t)


def profile(keys: Sequence[tuple[float, float]]) -> Callable[[float], float]:
    """A smooth function through (t, value) keys, eased between neighbours."""

    def f(t: float) -> float:
        if t <= keys[0][0]:
            return keys[0][1]
        for (t0, v0), (t1, v1) in itertools.pairwise(keys):
            if t <= t1:
                return v0 + (v1 - v0) * smoothstep((t - t0) / (t1 - t0))
        return keys[-1][1]

    return f


# --- path data ---------------------------------------------------------------------------------
def fmt(v: float) -> str:
    text = f"{v:.1f}"
    return "0" if text in ("-0.0", "0.0") else text.removesuffix(".0")


def P(p: Pt) -> str:
    return f"{fmt(p[0])} {fmt(p[1])}"


def outline(points: Sequence[Pt], corners: Sequence[int] = (), tension: float = 1.0) -> str:
    """A closed subpath through the points: cubic Béziers (Catmull-Rom), straight at corners."""
    n = len(points)
    corner = set(i % n for i in corners)
    parts = [f"M {P(points[0])}"]
    for i in range(n):
        p0, p1 = points[i], points[(i + 1) % n]
        if i in corner and (i + 1) % n in corner:
            parts.append(f"L {P(p1)}")
            continue
        t0 = mul(sub(p1, p0), 1 / 3) if i in corner else mul(sub(p1, points[i - 1]), tension / 6)
        if (i + 1) % n in corner:
            t1 = mul(sub(p1, p0), 1 / 3)
        else:
            t1 = mul(sub(points[(i + 2) % n], p0), tension / 6)
        parts.append(f"C {P(add(p0, t0))} {P(sub(p1, t1))} {P(p1)}")
    parts.append("Z")
    return " ".join(parts)


def open_curve(points: Sequence[Pt]) -> str:
    """An open smooth stroke (for decoration)."""
    parts = [f"M {P(points[0])}"]
    n = len(points)
    for i in range(n - 1):
        p0, p1 = points[i], points[i + 1]
        pm = points[i - 1] if i > 0 else p0
        p2 = points[i + 2] if i + 2 < n else p1
        parts.append(
            f"C {P(add(p0, mul(sub(p1, pm), 1 / 6)))} {P(sub(p1, mul(sub(p2, p0), 1 / 6)))} {P(p1)}"
        )
    return " ".join(parts)


def ellipse(c: Pt, rx: float, ry: float, angle: float = 0.0) -> str:
    pts = [
        add(c, rot((rx * math.cos(a), ry * math.sin(a)), angle))
        for a in (i * math.pi / 6 for i in range(12))
    ]
    return outline(pts)


def mirror_x(p: Pt) -> Pt:
    return (2 * CX - p[0], p[1])


def mirror_d(d: str) -> str:
    """Mirror path data about the midline (patient's right to patient's left)."""
    out = []
    tokens = d.split()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            out.append(tok)
            i += 1
            continue
        x, y = float(tok), float(tokens[i + 1])
        out.append(P(mirror_x((x, y))))
        i += 2
    return " ".join(out)


# --- the tube: a bone along a centre line with a width profile -------------------------------
class Tube:
    """A centre line (polyline) with left/right half-widths as functions of t in [0, 1]."""

    def __init__(
        self,
        centre: Sequence[Pt],
        left: Callable[[float], float],
        right: Callable[[float], float] | None = None,
    ) -> None:
        self.centre = list(centre)
        self.left = left
        self.right = right or left
        self._cum = [0.0]
        for a, b in zip(self.centre, self.centre[1:], strict=False):
            self._cum.append(self._cum[-1] + math.dist(a, b))
        self.length = self._cum[-1]

    def at(self, t: float) -> tuple[Pt, Pt]:
        """Point and unit direction at t."""
        s = max(0.0, min(1.0, t)) * self.length
        for i in range(len(self.centre) - 1):
            if s <= self._cum[i + 1] or i == len(self.centre) - 2:
                seg = self._cum[i + 1] - self._cum[i] or 1.0
                u = (s - self._cum[i]) / seg
                a, b = self.centre[i], self.centre[i + 1]
                return lerp(a, b, u), norm(sub(b, a))
        raise AssertionError

    def edge(self, t: float, side: int) -> Pt:
        p, d = self.at(t)
        n = perp(d)  # points to the left of travel in screen coordinates (y down)
        w = self.left(t) if side > 0 else -self.right(t)
        return add(p, mul(n, w))

    def segment(
        self, t0: float, t1: float, cap0: float = 0.0, cap1: float = 0.0, n: int = 10
    ) -> str:
        """The part of the tube between t0 and t1; cap > 0 rounds that end outward."""
        ts = [t0 + (t1 - t0) * i / n for i in range(n + 1)]
        left = [self.edge(t, 1) for t in ts]
        right = [self.edge(t, -1) for t in reversed(ts)]
        pts: list[Pt] = []
        corners: list[int] = []
        pts.extend(left)
        if cap1 > 0:
            pts.extend(self._cap(t1, cap1, forward=True))
        else:
            corners += [len(pts) - 1, len(pts)]
        pts.extend(right)
        if cap0 > 0:
            pts.extend(self._cap(t0, cap0, forward=False))
        else:
            corners += [len(pts) - 1, 0]
        return outline(pts, corners)

    def _cap(self, t: float, bulge: float, forward: bool) -> list[Pt]:
        """Points of a rounded end from one edge to the other."""
        p, d = self.at(t)
        n = perp(d)
        wl, wr = self.left(t), self.right(t)
        direction = d if forward else mul(d, -1)
        angles = (45.0, 90.0, 135.0) if forward else (135.0, 90.0, 45.0)
        pts = []
        for degrees in angles:
            c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
            across = wl * c if c >= 0 else wr * c
            pts.append(add(add(p, mul(n, across)), mul(direction, bulge * s)))
        return pts


# --- the document ------------------------------------------------------------------------------
class Drawing:
    def __init__(self, width: float, height: float, title: str) -> None:
        self.width, self.height, self.title = width, height, title
        self.items: list[str] = []
        self.ids: list[str] = []

    def site(self, sid: str, *subpaths: str, evenodd: bool = False) -> None:
        assert sid not in self.ids, sid
        self.ids.append(sid)
        rule = ' fill-rule="evenodd"' if evenodd else ""
        self.items.append(f'  <path id="{sid}"{rule} d="{" ".join(subpaths)}"/>')

    def paired(self, sid_right: str, *subpaths: str, evenodd: bool = False) -> None:
        """Draw a patient-right shape and its mirror image as the patient-left one."""
        self.site(sid_right, *subpaths, evenodd=evenodd)
        self.site(
            sid_right.replace(".right", ".left"), *(mirror_d(s) for s in subpaths), evenodd=evenodd
        )

    def decor(self, d: str, kind: str = "outline") -> None:
        self.items.append(f'  <path class="decor {kind}" d="{d}"/>')

    def text(self) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {fmt(self.width)} '
            f'{fmt(self.height)}" width="{fmt(self.width)}" height="{fmt(self.height)}">\n'
            f"  <title>{self.title}</title>\n"
            "  <desc>Generated by tools/build_skeleton.py; do not edit by hand. One path per "
            'site (id = site id); class="decor" marks non-site outlines. Radiological '
            "convention: the patient's right is on the viewer's left.</desc>\n"
            "  <style>path { fill: #e9e4d8; stroke: #444; stroke-width: 0.6 } "
            ".decor { fill: none; stroke: #999; stroke-width: 0.5 } "
            ".silhouette { fill: #f4f4f4; stroke: none }</style>\n"
        )
        return head + "\n".join(self.items) + "\n</svg>\n"


# --- front view ------------------------------------------------------------------------------
def spine_levels() -> list[tuple[str, float, float, float]]:
    """(level, top y, bottom y, half-width of the body) from C1 to L5."""
    t1_top, s1_top = 344.0, 634.0
    lumbar_h = (s1_top - t1_top) / (12 * 0.75 * 1.22 + 5 * 1.3)
    levels = []
    y = t1_top
    for i in range(12):
        h = 0.75 * lumbar_h
        levels.append((f"t{i + 1}", y, y + h, 11.0 + 0.45 * i))
        y += h * 1.22
    for i in range(5):
        levels.append((f"l{i + 1}", y, y + lumbar_h, 17.0 + 0.8 * i))
        y += lumbar_h * 1.3
    cervical_h = 0.75 * 0.75 * lumbar_h
    c = []
    y = t1_top
    for i in range(7, 2, -1):
        y -= cervical_h * 1.25
        c.append((f"c{i}", y, y + cervical_h, 8.0 + 0.4 * (i - 3)))
    c2_top = y - 2.0 - cervical_h * 1.5
    c.append(("c2", c2_top, y - 2.0, 8.0))
    c.append(("c1", c2_top - cervical_h * 0.9, c2_top - 1.0, 9.0))
    return list(reversed(c)) + levels


LEVELS = spine_levels()
LEVEL = {name: (top, bottom, hw) for name, top, bottom, hw in LEVELS}


def vertebral_body(level: str, top: float, bottom: float, hw: float) -> str:
    h = bottom - top
    waist = 0.9 * hw
    pts = [
        (CX - hw, top + 0.8),
        (CX - 0.6 * hw, top),
        (CX, top + 0.3),
        (CX + 0.6 * hw, top),
        (CX + hw, top + 0.8),
        (CX + waist, top + h / 2),
        (CX + hw, bottom - 0.8),
        (CX + 0.6 * hw, bottom),
        (CX, bottom - 0.3),
        (CX - 0.6 * hw, bottom),
        (CX - hw, bottom - 0.8),
        (CX - waist, top + h / 2),
    ]
    if level == "c2":  # the dens rises from C2 into the ring of C1
        pts[2] = (CX, top - 0.5)
        pts[1:2] = [(CX - 0.45 * hw, top), (CX - 0.28 * hw, top - 3.5)]
        pts[4:5] = [(CX + 0.28 * hw, top - 3.5), (CX + 0.45 * hw, top)]
        del pts[3]
        pts.insert(3, (CX, top - 4.5))
    if level == "c1":  # the atlas: a ring whose lateral masses are widest
        pts = [
            (CX - hw, top + 1),
            (CX - 0.5 * hw, top),
            (CX, top + 1.5),
            (CX + 0.5 * hw, top),
            (CX + hw, top + 1),
            (CX + hw * 1.05, bottom - 1.2),
            (CX + 0.5 * hw, bottom),
            (CX, bottom - 5.0),
            (CX - 0.5 * hw, bottom),
            (CX - hw * 1.05, bottom - 1.2),
        ]
    return outline(pts)


def posterior_wings(level: str, top: float, bottom: float, hw: float) -> tuple[str, str]:
    """Pedicle and transverse process on each side of the body (right wing first)."""
    h = bottom - top
    kind = level[0]
    if kind == "c":
        reach, rise, thick = hw + 8.0, -0.5, h * 0.75
    elif kind == "t":
        idx = int(level[1:])
        reach, rise, thick = hw + 13.0 - 0.25 * idx, -1.5, h * 0.7
    else:
        idx = int(level[1:])
        reach, rise, thick = hw + {1: 13, 2: 16, 3: 19, 4: 16, 5: 15}[idx], 0.5, h * 0.5
    y_mid = top + h * (0.42 if kind != "l" else 0.45)
    root_top, root_bot = top + h * 0.12, top + h * 0.8
    tip = (CX - reach, y_mid + rise)
    pts = [
        (CX - hw + 0.4, root_top),
        (CX - hw - (reach - hw) * 0.45, y_mid - thick * 0.48 + rise * 0.5),
        (tip[0] + 1.2, tip[1] - thick * 0.28),
        (tip[0], tip[1]),
        (tip[0] + 1.2, tip[1] + thick * 0.28),
        (CX - hw - (reach - hw) * 0.45, y_mid + thick * 0.42 + rise * 0.5),
        (CX - hw + 0.4, root_bot),
    ]
    right = outline(pts, corners=(0, 6))
    return right, mirror_d(right)


def skull(d: Drawing) -> None:
    top, chin = VERTEX, CHIN
    cw = 74.0  # half the cranial breadth
    cy = top + 88.0
    vault = [
        (CX, top),
        (CX + 40, top + 6),
        (CX + 64, top + 30),
        (CX + cw, cy - 20),
        (CX + cw - 1, cy + 18),
        (CX + 68, cy + 46),
        (CX + 67, cy + 60),  # zygomatic arch
        (CX + 52, cy + 74),
        (CX + 44, cy + 94),
        (CX + 34, cy + 112),  # maxilla
        (CX + 17, cy + 119),
        (CX, cy + 120),
    ]
    pts = vault + [mirror_x(p) for p in reversed(vault[1:-1])]
    orbit_r = [
        (CX - 9, cy + 22),
        (CX - 20, cy + 16),
        (CX - 36, cy + 18),
        (CX - 44, cy + 30),
        (CX - 40, cy + 46),
        (CX - 24, cy + 50),
        (CX - 11, cy + 42),
    ]
    nose = [
        (CX, cy + 50),
        (CX + 7, cy + 66),
        (CX + 9, cy + 78),
        (CX, cy + 82),
        (CX - 9, cy + 78),
        (CX - 7, cy + 66),
    ]
    d.site(
        "skull.vault",
        outline(pts),
        outline(orbit_r),
        outline([mirror_x(p) for p in orbit_r]),
        outline(nose),
        evenodd=True,
    )
    # Decorative landmarks: coronal suture line and the row of teeth.
    d.decor(
        open_curve(
            [
                (CX - 66, top + 40),
                (CX - 30, top + 24),
                (CX, top + 20),
                (CX + 30, top + 24),
                (CX + 66, top + 40),
            ]
        )
    )
    d.decor(open_curve([(CX - 30, cy + 112), (CX, cy + 118), (CX + 30, cy + 112)]))
    # Mandible halves: condyle, ramus, angle, body to the symphysis.
    # Teeth (decoration): upper and lower rows between the maxilla and the mandible.
    for k in range(-5, 5):
        x0 = CX + k * 6.0 + 0.6
        d.decor(
            outline(
                [
                    (x0, cy + 119.5),
                    (x0 + 4.8, cy + 119.5),
                    (x0 + 4.6, cy + 129),
                    (x0 + 0.2, cy + 129),
                ],
                corners=(0, 1, 2, 3),
            ),
            kind="teeth",
        )
        d.decor(
            outline(
                [
                    (x0, chin - 31),
                    (x0 + 4.8, chin - 31),
                    (x0 + 4.6, chin - 21.5),
                    (x0 + 0.2, chin - 21.5),
                ],
                corners=(0, 1, 2, 3),
            ),
            kind="teeth",
        )
    # Mandible halves: condyle, ramus, angle, body to the symphysis.
    ramus_top = cy + 62
    half = [
        (CX - 49, ramus_top),
        (CX - 54, ramus_top + 5),
        (CX - 53, chin - 34),
        (CX - 50, chin - 16),
        (CX - 42, chin - 7),
        (CX - 22, chin - 1),
        (CX - 0.8, chin),
        (CX - 0.8, chin - 19),
        (CX - 18, chin - 20),
        (CX - 34, chin - 23),
        (CX - 41, chin - 32),
        (CX - 42, ramus_top + 20),
        (CX - 45, ramus_top + 10),
        (CX - 44, ramus_top + 3),
    ]
    right = outline(half, corners=(6, 7))
    d.site("mandible.right", right)
    d.site("mandible.left", mirror_d(right))


def spine_front(d: Drawing) -> None:
    for level, top, bottom, hw in LEVELS:
        d.site(f"vertebra.{level}.body", vertebral_body(level, top, bottom, hw))
        right, left = posterior_wings(level, top, bottom, hw)
        d.site(f"vertebra.{level}.posterior-elements", right, left)


def sternum_and_clavicles(d: Drawing) -> None:
    t2 = LEVEL["t2"]
    man_top = t2[0] + 6
    man_bot = man_top + 34
    # Narrower than the vertebral bodies behind it, so both stay visible and clickable.
    man = [
        (CX - 16, man_top + 2),
        (CX - 5, man_top + 4.5),
        (CX, man_top + 3),
        (CX + 5, man_top + 4.5),
        (CX + 16, man_top + 2),
        (CX + 14, man_top + 12),
        (CX + 9, man_top + 22),
        (CX + 8, man_bot),
        (CX - 8, man_bot),
        (CX - 9, man_top + 22),
        (CX - 14, man_top + 12),
    ]
    d.site("sternum.manubrium", outline(man, corners=(7, 8)))
    body_top = man_bot + 2.0
    body_bot = LEVEL["t9"][1] + 8
    body = [
        (CX - 7.5, body_top),
        (CX + 7.5, body_top),
        (CX + 8.5, body_top + 30),
        (CX + 9.5, body_top + 62),
        (CX + 8, body_bot - 10),
        (CX + 3, body_bot),
        (CX - 3, body_bot),
        (CX - 8, body_bot - 10),
        (CX - 9.5, body_top + 62),
        (CX - 8.5, body_top + 30),
    ]
    d.site("sternum.body", outline(body, corners=(0, 1)))
    # Xiphoid (still cartilage and faint at 10 y): decoration.
    d.decor(outline([(CX - 4, body_bot + 1), (CX + 4, body_bot + 1), (CX, body_bot + 14)]))
    # Clavicle: an S-curve from the manubrium to the acromion.
    medial = (CX - 19, man_top + 4)
    lateral = (CX - BIACROMIAL / 2 + 8, man_top - 6)
    centre = bezier(medial, (CX - 60, man_top + 18), (CX - 100, man_top - 20), lateral, 30)
    tube = Tube(centre, profile([(0, 6.5), (0.12, 5.4), (0.5, 4.2), (0.85, 4.6), (1, 5.6)]))
    thirds = [(0.0, 1 / 3 - 0.004), (1 / 3 + 0.004, 2 / 3 - 0.004), (2 / 3 + 0.004, 1.0)]
    for name, (t0, t1) in zip(("medial", "middle", "lateral"), thirds, strict=True):
        shape = tube.segment(t0, t1, cap0=2.5 if t0 == 0 else 0, cap1=2.0 if t1 == 1 else 0)
        d.paired(f"clavicle.right.{name}-third", shape)


SHOULDER = (CX - BIACROMIAL / 2 + 14, LEVEL["t2"][0] + 22)  # centre of the humeral head


def scapula(d: Drawing) -> str:
    g = SHOULDER
    pts = [
        (g[0] + 9, g[1] - 14),  # glenoid top / supraglenoid
        (g[0] + 6, g[1] - 26),  # acromion base
        (g[0] - 4, g[1] - 32),
        (g[0] + 10, g[1] - 36),
        (g[0] + 30, g[1] - 30),  # acromion, spine
        (g[0] + 62, g[1] - 24),  # superior angle
        (g[0] + 70, g[1] - 6),
        (g[0] + 74, g[1] + 40),  # medial border
        (g[0] + 66, g[1] + 86),  # inferior angle
        (g[0] + 46, g[1] + 64),
        (g[0] + 20, g[1] + 30),  # lateral border
        (g[0] + 10, g[1] + 16),  # infraglenoid
        (g[0] + 8, g[1] + 2),
    ]
    return outline(pts, corners=())


def right_tube(centre: Sequence[Pt], lateral, medial) -> Tube:
    """A bone of the patient's right side running downwards: edge(t, 1) is lateral (-x)."""
    return Tube(centre, profile(lateral), profile(medial))


def band(a_pts: Sequence[Pt], b_pts: Sequence[Pt]) -> str:
    """A closed shape between two polylines running the same way; straight ends."""
    pts = list(a_pts) + list(reversed(b_pts))
    n = len(a_pts)
    return outline(pts, corners=(0, n - 1, n, len(pts) - 1))


def long_bone(
    centre: Sequence[Pt],
    lateral: Sequence[tuple[float, float]],
    medial: Sequence[tuple[float, float]],
    cuts: tuple[float, float, float, float],
    caps: tuple[float, float] = (4.0, 4.0),
) -> dict[str, str]:
    """Five segments along a centre line, with physeal gaps at both ends.

    ``cuts`` are t of: proximal physis, metaphysis/diaphysis, diaphysis/metaphysis, distal
    physis.
    """
    tube = right_tube(centre, lateral, medial)
    g = PHYSIS / 2 / tube.length
    p, md, dm, dp = cuts
    return {
        "proximal-epiphysis": tube.segment(0.0, p - g, cap0=caps[0], n=6),
        "proximal-metaphysis": tube.segment(p + g, md, n=8),
        "diaphysis": tube.segment(md, dm, n=12),
        "distal-metaphysis": tube.segment(dm, dp - g, n=8),
        "distal-epiphysis": tube.segment(dp + g, 1.0, cap1=caps[1], n=6),
    }


def ribs(d: Drawing) -> list[str]:
    subpaths = []
    for i in range(1, 13):
        top, bottom, hw = LEVEL[f"t{i}"]
        y0 = (top + bottom) / 2 - 1.0
        width = [52, 72, 86, 96, 102, 106, 108, 108, 106, 101, 92, 80][i - 1]
        drop = [20, 34, 42, 48, 54, 60, 66, 70, 70, 56, 36, 24][i - 1]
        front = [20, 30, 35, 38, 40, 42, 46, 54, 68, 84, 90, 78][i - 1]
        thick = [4.6, 4.8, 5.0, 5.2, 5.4, 5.4, 5.4, 5.4, 5.2, 5.0, 4.4, 3.8][i - 1]
        start = (CX - hw - 10.0, y0)
        lateral = (CX - width, y0 + drop * 0.3)
        c1 = bezier(start, (start[0] - 20, y0 - 9), (lateral[0] - 2, lateral[1] - 24), lateral, 12)
        if i <= 10:
            end = (CX - front, y0 + drop)
            c2 = bezier(
                lateral, (lateral[0] + 1, lateral[1] + 24), (end[0] - 22, end[1] + 1), end, 12
            )
        else:  # floating ribs end free in the flank
            end = (CX - width + 8, y0 + drop)
            c2 = bezier(
                lateral, (lateral[0] + 0.5, lateral[1] + 8), (end[0] - 3, end[1] - 5), end, 6
            )
        centre = c1 + c2[1:]
        tube = Tube(centre, profile([(0, thick * 0.55), (0.3, thick * 0.55), (1, thick * 0.42)]))
        subpaths.append(tube.segment(0.0, 1.0, cap0=1.5, cap1=1.5, n=len(centre) - 1))
        if i <= 10:  # costal cartilage to the sternum (decoration)
            target = (CX - 12, min(y0 + drop + 6, LEVEL["t9"][1] + 4)) if i <= 7 else None
            if target:
                d.decor(open_curve([end, lerp(end, target, 0.5), target]), kind="cartilage")
    return subpaths


def upper_limb(d: Drawing) -> None:
    hx, hy = SHOULDER
    elbow = (CX - 168.0, hy + 250.0)
    ex, ey = elbow
    axis_top = (hx - 2, hy + 30)

    def axis_x(y: float) -> float:
        return axis_top[0] + (ex - axis_top[0]) * (y - axis_top[1]) / (ey - axis_top[1])

    # Humerus, proximal: head and greater tuberosity above an oblique physis.
    lat0, med0 = (hx - 18, hy + 4), (hx + 13, hy + 10)
    head = [
        lat0,
        (hx - 20, hy - 4),
        (hx - 15, hy - 13),
        (hx - 5, hy - 18),
        (hx + 6, hy - 17),
        (hx + 14, hy - 10),
        (hx + 18, hy - 1),
        (hx + 16, hy + 7),
        med0,
    ]
    d.paired("humerus.right.proximal-epiphysis", outline(head, corners=(0, len(head) - 1)))
    neck_y = hy + 40
    g = PHYSIS
    meta = band(
        [(lat0[0] + 0.3, lat0[1] + g), (hx - 17, hy + 18), (axis_x(neck_y) - 9.5, neck_y)],
        [(med0[0], med0[1] + g), (hx + 11, hy + 24), (axis_x(neck_y) + 9, neck_y)],
    )
    d.paired("humerus.right.proximal-metaphysis", meta)
    shaft = right_tube(
        bezier(
            (axis_x(neck_y), neck_y),
            (axis_x(neck_y + 70), neck_y + 70),
            (ex, ey - 80),
            (ex, ey - 14),
            18,
        ),
        lateral=[(0, 9.5), (0.2, 8.6), (0.6, 8.2), (0.78, 9.5), (0.88, 14), (1, 22)],
        medial=[(0, 9.0), (0.2, 8.4), (0.6, 8.2), (0.78, 10), (0.88, 16), (1, 25)],
    )
    dm = 0.78
    d.paired("humerus.right.diaphysis", shaft.segment(0, dm, n=12))
    d.paired("humerus.right.distal-metaphysis", shaft.segment(dm, 1.0, n=8))
    py = ey - 14 + g  # distal physis, just below the metaphysis
    mid = ex - 2
    capitellum = [
        (ex - 21.5, py),
        (mid - 0.8, py),
        (mid - 0.5, py + 8),
        (ex - 5, ey + 4),
        (ex - 12, ey + 5.5),
        (ex - 19, ey + 1),
        (ex - 22.5, py + 6),
    ]
    d.paired("humerus.right.capitellum", outline(capitellum, corners=(0, 1)))
    trochlea = [
        (mid + 0.8, py),
        (ex + 24.5, py),
        (ex + 27, py + 5),
        (ex + 21, ey + 1),
        (ex + 15, ey + 4),
        (ex + 8, ey + 6),
        (ex + 2, ey + 3),
        (mid + 0.5, py + 8),
    ]
    d.paired("humerus.right.distal-epiphysis", outline(trochlea, corners=(0, 1)))

    # Forearm in anatomical position (palm forward): radius lateral, ulna medial.
    wx, wy = ex - 22.0, ey + 200.0
    r_top = (ex - 12, ey + 9)
    r_bot = (wx - 8, wy)
    radius = long_bone(
        [r_top, lerp(r_top, r_bot, 0.5), r_bot],
        lateral=[
            (0, 7.5),
            (0.03, 7.5),
            (0.07, 5.0),
            (0.14, 5.0),
            (0.5, 5.4),
            (0.8, 7.0),
            (0.93, 13.5),
            (1, 13),
        ],
        medial=[
            (0, 7.5),
            (0.03, 7.5),
            (0.07, 5.0),
            (0.14, 5.4),
            (0.5, 5.6),
            (0.8, 6.0),
            (0.93, 8.5),
            (1, 8.5),
        ],
        cuts=(0.035, 0.14, 0.8, 0.94),
        caps=(0.8, 2.5),
    )
    for key, shape in radius.items():
        d.paired(f"radius.right.{key}", shape)
    u_top = (ex + 9, ey + 7)
    u_bot = (wx + 13, wy - 3)
    ulna = long_bone(
        [u_top, lerp(u_top, u_bot, 0.5), u_bot],
        lateral=[
            (0, 8.5),
            (0.05, 8.5),
            (0.15, 6.0),
            (0.3, 5.0),
            (0.7, 4.4),
            (0.9, 5),
            (0.95, 6.5),
            (1, 6),
        ],
        medial=[
            (0, 9.5),
            (0.05, 10),
            (0.15, 7.0),
            (0.3, 5.4),
            (0.7, 4.4),
            (0.9, 4.6),
            (0.95, 6.0),
            (1, 5.5),
        ],
        cuts=(0.045, 0.16, 0.84, 0.95),
        caps=(3.0, 3.0),
    )
    for key, shape in ulna.items():
        d.paired(f"ulna.right.{key}", shape)
    hand(d, (wx, wy))


def ray(
    base: Pt, direction: Pt, lengths: Sequence[float], width: float, epiphysis_at_base: bool
) -> list[list[str]]:
    """A chain of bones along a ray; returns per bone [shapes]. Epiphyses split off."""
    bones = []
    p = base
    for i, length in enumerate(lengths):
        q = add(p, mul(direction, length))
        w = width * (0.92**i)
        tube = Tube(
            [p, q],
            profile(
                [(0, w * 1.25), (0.15, w * 0.85), (0.5, w * 0.72), (0.85, w * 0.85), (1, w * 1.15)]
            ),
        )
        e = min(0.22, 3.2 / length)
        g = PHYSIS * 0.6 / tube.length
        if epiphysis_at_base:
            bones.append([tube.segment(0, e - g, cap0=1.2), tube.segment(e + g, 1.0, cap1=1.6)])
        else:
            bones.append([tube.segment(0, 1 - e - g, cap0=1.2), tube.segment(1 - e + g, 1, cap1=2)])
        p = add(q, mul(direction, 2.2))
    return bones


def hand(d: Drawing, wrist: Pt) -> None:
    # Carpal bones, proximal and distal rows (radial side = viewer-left for the right hand).
    x0, y0 = wrist[0] - 2, wrist[1] + 6
    carpals = [
        ((x0 - 12, y0 + 4), 6.0, 4.2, -30),  # scaphoid
        ((x0 - 1, y0 + 3), 5.0, 4.0, 0),  # lunate
        ((x0 + 9, y0 + 6), 4.4, 3.8, 20),  # triquetrum
        ((x0 + 13, y0 + 2), 2.4, 2.4, 0),  # pisiform
        ((x0 - 16, y0 + 15), 5.0, 4.6, -15),  # trapezium
        ((x0 - 7, y0 + 16), 3.8, 4.2, 0),  # trapezoid
        ((x0 + 1, y0 + 15), 4.6, 6.2, 0),  # capitate
        ((x0 + 10, y0 + 15), 4.6, 5.6, 10),  # hamate
    ]
    d.paired("carpals.right", *(ellipse(c, rx, ry, a) for c, rx, ry, a in carpals))
    # Metacarpals: 1 (thumb) lateral and angled out; physis at the base of 1, the head of 2-5.
    bases = [
        (x0 - 20, y0 + 22),
        (x0 - 8, y0 + 23),
        (x0 + 1, y0 + 24),
        (x0 + 8, y0 + 23),
        (x0 + 14, y0 + 21),
    ]
    angles = [20, 5, 0, -4, -8]
    mc_len = [30, 46, 44, 40, 36]
    phal = [[24, 17], [26, 16, 11], [29, 18, 12], [27, 17, 11], [21, 13, 10]]
    phal_shapes: list[str] = []
    for k in range(5):
        direction = rot((0, 1), angles[k])
        base = bases[k]
        tip = add(base, mul(direction, mc_len[k]))
        w = 3.6 if k else 4.4
        tube = Tube(
            [base, tip],
            profile(
                [(0, w * 1.25), (0.2, w * 0.85), (0.5, w * 0.75), (0.8, w * 0.85), (1, w * 1.3)]
            ),
        )
        g = PHYSIS * 0.6 / tube.length
        if k == 0:  # thumb metacarpal: epiphysis at the base
            shapes = {
                "base": tube.segment(0, 0.12 - g, cap0=1.2),
                "shaft": tube.segment(0.12 + g, 0.8),
                "head": tube.segment(0.8, 1.0, cap1=2.6),
            }
        else:
            shapes = {
                "base": tube.segment(0, 0.2, cap0=1.0),
                "shaft": tube.segment(0.2, 0.84 - g),
                "head": tube.segment(0.84 + g, 1.0, cap1=2.6),
            }
        for part, shape in shapes.items():
            d.paired(f"metacarpal-{k + 1}.right.{part}", shape)
        start = add(tip, mul(direction, 3.6))
        fingers = ray(start, direction, phal[k], 3.3 if k else 3.8, epiphysis_at_base=True)
        for bone in fingers:
            phal_shapes.extend(bone)
    d.paired("phalanges-hand.right", *phal_shapes)


HIP = (CX - 76.0, SEAT - 56.0)  # centre of the femoral head
HEAD_R = 18.5


def pelvis(d: Drawing) -> None:
    s1 = LEVEL["l5"][1] + 5.0
    crest = s1 - 38.0
    hx, hy = HIP
    sym_top, sym_bot = hy + 30.0, SEAT - 4.0
    # Sacrum: alae at the top, tapering to the apex; the sacral foramina are holes.
    apex = sym_top - 22.0
    sac_r = [
        (CX, s1 - 1),
        (CX - 20, s1),
        (CX - 38, s1 - 5),
        (CX - 44, s1 + 2),
        (CX - 39, s1 + 22),
        (CX - 26, apex - 22),
        (CX - 12, apex - 6),
        (CX - 6, apex),
    ]
    sac = sac_r + [mirror_x(p) for p in reversed(sac_r[:-1])][:-1]
    foramina = []
    for i in range(3):
        y = s1 + 12 + i * 13
        off = 17 - i * 3.2
        r = 2.9 - i * 0.4
        foramina += [ellipse((CX - off, y), r, 2.3), ellipse((CX + off, y), r, 2.3)]
    d.site("sacrum", outline(sac), *foramina, evenodd=True)
    coccyx = [ellipse((CX, apex + 4.5 + i * 5.5), 4.2 - i * 1.0, 2.4) for i in range(3)]
    d.site("coccyx", *coccyx)
    # Sacroiliac joint: the cleft between the sacral ala and the ilium.
    si = [
        (CX - 45.5, s1 - 2),
        (CX - 50.5, s1 - 1),
        (CX - 45, s1 + 24),
        (CX - 33, apex - 18),
        (CX - 28.5, apex - 20),
        (CX - 40.5, s1 + 22),
    ]
    d.paired("sacroiliac-joint.right", outline(si, corners=(0, 1, 3, 4)))
    # Ilium: the wing from the crest down to the acetabular roof (triradiate gap below).
    r_in, r_out = HEAD_R + JOINT, HEAD_R + 10.0
    roof_lat = polar(HIP, r_out + 2.5, 200)
    roof_med = polar(HIP, r_out + 2.5, 300)
    ilium = [
        (CX - 52, s1 - 3),
        (CX - 56, crest + 6),
        (CX - 70, crest - 2),
        (CX - 90, crest - 3),
        (CX - 106, crest + 6),
        (CX - BI_ILIAC / 2, crest + 20),
        (CX - 111, crest + 34),
        (hx - 34, hy - 26),
        roof_lat,
        polar(HIP, r_out + 2.5, 250),
        roof_med,
        (hx + 30, hy - 24),
        (CX - 36, apex - 16),
        (CX - 47, s1 + 22),
    ]
    d.paired("ilium.right", outline(ilium, corners=(0, 8, 10)))
    # Acetabulum around the femoral head: anterior column (roof and upper medial wall,
    # joining the pubis) and posterior column (lower medial wall, joining the ischium).
    ant = arc(HIP, r_in, r_in, 202, 338, 12) + arc(HIP, r_out, r_out, 338, 202, 12)
    d.paired("acetabulum.right.anterior-column", outline(ant, corners=(0, 12, 13, 25)))
    post = arc(HIP, r_in, r_in, 342, 408, 7) + arc(HIP, r_out, r_out, 408, 342, 7)
    d.paired("acetabulum.right.posterior-column", outline(post, corners=(0, 7, 8, 15)))
    # Pubis and ischium meet below the acetabulum around the obturator foramen; the
    # ischiopubic synchondrosis is still open at 10 y (a gap on the inferior ramus).
    gap = 2.0
    fc, frx, fry = (hx + 31, hy + 34), 17.0, 14.0

    def foramen(a0: float, a1: float, n: int) -> list[Pt]:
        return arc(fc, frx, fry, a0, a1, n)

    pubis = [
        polar(HIP, r_out + gap, 335),
        (hx + 44, hy - 12),
        (CX - 14, hy + 18),
        (CX - 2.5, hy + 25),
        (CX - 2.5, sym_bot),
        (CX - 10, sym_bot + 5),
        (hx + 45.5, SEAT + 0.5),
        *foramen(38, -122, 12),
        polar(HIP, r_out + gap, 355),
    ]
    d.paired("pubis.right", outline(pubis, corners=(0, 3, 4, 6, 7, len(pubis) - 2)))
    isch = [
        polar(HIP, r_out + gap, 48),
        polar(HIP, r_out + gap, 80),
        polar(HIP, r_out + gap, 112),
        (hx - 12, SEAT - 14),
        (hx - 6, SEAT),
        (hx + 10, SEAT + 2),
        (hx + 30, SEAT + 0.5),
        (hx + 43, SEAT - 1),
        *foramen(43, 232, 12),
    ]
    d.paired("ischium.right", outline(isch, corners=(0, 2, 7, 8, len(isch) - 1)))


def lower_limb(d: Drawing) -> None:
    hx, hy = HIP
    g = PHYSIS

    def at(dx: float, dy: float) -> Pt:
        return (hx + dx, hy + dy)

    # Femoral head: the ball beyond an oblique physis (the neck runs down and laterally).
    u = norm((-0.766, 0.643))  # neck axis, from the head towards the shaft
    sup = perp(u)  # superior side of the neck
    sup = sup if sup[1] < 0 else mul(sup, -1)
    cp = mul(u, 0.42 * HEAD_R)
    half = math.sqrt(HEAD_R**2 - (0.42 * HEAD_R) ** 2)
    a_sup = add(HIP, add(cp, mul(sup, half)))
    a_inf = add(HIP, add(cp, mul(sup, -half)))
    ang_u = math.degrees(math.atan2(u[1], u[0]))
    spread = math.degrees(math.acos(0.42))
    head = arc(HIP, HEAD_R, HEAD_R, ang_u + spread, ang_u + 360 - spread, 16)
    d.paired("femur.right.proximal-epiphysis", outline(head, corners=(0, len(head) - 1)))
    # Neck (proximal metaphysis): from the physis to the intertrochanteric line.
    ps, pi = add(a_sup, mul(u, g)), add(a_inf, mul(u, g))
    neck = [ps, at(-26, -5.5), at(-36.5, -2), at(-16.5, 38.5), at(-6, 29), pi]
    d.paired("femur.right.proximal-metaphysis", outline(neck, corners=(0, 2, 3, 5)))
    # Greater trochanter: the lateral apophysis, its own growth plate below.
    gt = [
        at(-38.5, -3.5),
        at(-43, -14),
        at(-52, -15.5),
        at(-59, -7),
        at(-61.5, 4),
        at(-55, 7),
        at(-41, 3.5),
    ]
    d.paired("femur.right.greater-trochanter", outline(gt, corners=(0, 6)))
    # Intertrochanteric region, with the lesser trochanter on its medial side.
    sub_y = 64.0
    inter = [
        at(-34, 6.7),
        at(-41.5, 5.8),
        at(-55, 9.5),
        at(-62, 7),
        at(-58, 36),
        at(-53.5, sub_y),
        at(-28.5, sub_y),
        at(-28, 55),
        at(-19, 49.5),
        at(-17, 44),
        at(-18, 39.5),
    ]
    d.paired("femur.right.intertrochanteric", outline(inter, corners=(0, 3, 5, 6, 10)))
    # Shaft to the knee: about 23 mm across, clearly stouter than the tibia's (about 16.5 mm);
    # child-skeleton.md gives lengths only, so the widths are drawn to look right, not measured.
    kb = hy - HEAD_R + FEMUR  # bottom of the condyles
    knee_x = CX - 52.0
    top = at(-41, sub_y)
    shaft = right_tube(
        bezier(
            top, lerp(top, (knee_x, kb - 26), 0.35), (knee_x - 1, kb - 110), (knee_x, kb - 26), 20
        ),
        lateral=[(0, 12.5), (0.3, 11.6), (0.66, 11.8), (0.8, 15), (0.93, 28), (1, 31)],
        medial=[(0, 12.5), (0.3, 11.6), (0.66, 11.8), (0.8, 16), (0.93, 29), (1, 32)],
    )
    dm = 0.66
    d.paired("femur.right.diaphysis", shaft.segment(0.0, dm, n=14))
    d.paired("femur.right.distal-metaphysis", shaft.segment(dm, 1.0, n=10))
    py = kb - 26 + g
    lx, mx = knee_x - 31, knee_x + 32
    condyles = [
        (lx + 0.5, py),
        (mx - 0.5, py),
        (mx + 1.5, py + 8),
        (mx - 1, kb - 5),
        (mx - 9, kb),
        (mx - 21, kb - 1),
        (knee_x + 5, kb - 7),
        (knee_x, kb - 9),
        (knee_x - 5, kb - 7),
        (lx + 20, kb - 1),
        (lx + 8, kb),
        (lx, kb - 5),
        (lx - 1.5, py + 8),
    ]
    d.paired("femur.right.distal-epiphysis", outline(condyles, corners=(0, 1)))
    d.paired("patella.right", ellipse((knee_x - 2, kb - 17), 12.5, 14.5))

    # Tibia: plateau (epiphysis), physis, flared metaphysis, shaft, distal end, malleolus.
    ty = kb + JOINT
    tx = knee_x + 1
    ep_h = 13.0
    plateau = [
        (tx - 31, ty + 3),
        (tx - 22, ty + 0.5),
        (tx - 8, ty + 1),
        (tx - 4, ty - 5),
        (tx - 1, ty + 0.5),
        (tx + 2, ty - 5),
        (tx + 6, ty + 1),
        (tx + 22, ty + 0.5),
        (tx + 31, ty + 3),
        (tx + 31, ty + ep_h - 3),
        (tx + 29, ty + ep_h),
        (tx - 29, ty + ep_h),
        (tx - 31, ty + ep_h - 3),
    ]
    d.paired("tibia.right.proximal-epiphysis", outline(plateau, corners=(10, 11)))
    ankle_y = ty + TIBIA
    mt = ty + ep_h + g
    ax = tx + 6
    tib = right_tube(
        [(tx, mt), lerp((tx, mt), (ax, ankle_y - 12), 0.5), (ax, ankle_y - 12)],
        lateral=[(0, 29), (0.06, 23), (0.16, 12), (0.26, 8.6), (0.7, 7.9), (0.86, 12), (1, 16.5)],
        medial=[(0, 29), (0.06, 24), (0.16, 13), (0.26, 9.0), (0.7, 8.4), (0.86, 13), (1, 18)],
    )
    d.paired("tibia.right.proximal-metaphysis", tib.segment(0.0, 0.22, n=8))
    d.paired("tibia.right.diaphysis", tib.segment(0.22, 0.8, n=12))
    d.paired("tibia.right.distal-metaphysis", tib.segment(0.8, 1.0, n=8))
    dy = ankle_y - 12 + g
    distal = [
        (ax - 16.5, dy),
        (ax + 18, dy),
        (ax + 19, dy + 8),
        (ax + 17, ankle_y + 8),
        (ax + 12, ankle_y + 9),
        (ax + 10, ankle_y + 0.5),
        (ax - 14, ankle_y + 0.5),
        (ax - 16.5, ankle_y - 3),
    ]
    d.paired("tibia.right.distal-epiphysis", outline(distal, corners=(0, 1)))

    # Fibula: lateral; head below the plateau, malleolus lower than the medial one.
    f_top = (tx - 28.5, ty + 16)
    f_bot = (ax - 21, ankle_y + 2)
    fib = long_bone(
        [f_top, lerp(f_top, f_bot, 0.5), f_bot],
        lateral=[
            (0, 8),
            (0.05, 8),
            (0.09, 5.0),
            (0.15, 4.0),
            (0.5, 4.0),
            (0.85, 4.6),
            (0.92, 7),
            (1, 6.5),
        ],
        medial=[
            (0, 8),
            (0.05, 8),
            (0.09, 5.0),
            (0.15, 4.0),
            (0.5, 3.8),
            (0.85, 4.2),
            (0.92, 5.5),
            (1, 5.0),
        ],
        cuts=(0.055, 0.17, 0.83, 0.925),
        caps=(3.0, 8.0),
    )
    for key, shape in fib.items():
        d.paired(f"fibula.right.{key}", shape)
    foot(d, (ax - 1, ankle_y + 1.5 + JOINT))


def foot(d: Drawing, dome: Pt) -> None:
    """The foot hangs in plantar flexion, seen dorsoplantar; the big toe is medial (+x)."""
    x, y = dome
    talus = [
        (x - 16, y + 1),
        (x, y - 1),
        (x + 15, y + 1),
        (x + 17, y + 14),
        (x + 20, y + 28),
        (x + 17, y + 38),
        (x + 8, y + 40),
        (x - 2, y + 30),
        (x - 12, y + 22),
    ]
    d.paired("talus.right", outline(talus))
    calc = [
        (x - 18, y + 6),
        (x - 11, y + 22),
        (x, y + 32),
        (x - 1, y + 46),
        (x - 9, y + 56),
        (x - 22, y + 54),
        (x - 24, y + 34),
        (x - 23, y + 16),
    ]
    d.paired("calcaneus.right", outline(calc))
    nav = [
        (x + 8, y + 43),
        (x + 18, y + 41),
        (x + 25, y + 46),
        (x + 24, y + 53),
        (x + 12, y + 55),
        (x + 3, y + 52),
    ]
    d.paired("navicular.right", outline(nav))
    cub = [
        (x - 10, y + 59),
        (x + 1, y + 50),
        (x + 3, y + 58),
        (x + 4, y + 72),
        (x - 12, y + 76),
        (x - 16, y + 66),
    ]
    d.paired("cuboid.right", outline(cub))
    cunei = {
        "cuneiform-lateral": [(x + 5, y + 58), (x + 11, y + 58), (x + 10, y + 73), (x + 5, y + 74)],
        "cuneiform-intermediate": [
            (x + 13, y + 58),
            (x + 18, y + 59),
            (x + 18, y + 70),
            (x + 12.5, y + 71),
        ],
        "cuneiform-medial": [
            (x + 20, y + 58),
            (x + 26, y + 56),
            (x + 29, y + 64),
            (x + 28, y + 77),
            (x + 20, y + 77),
        ],
    }
    for name, pts in cunei.items():
        d.paired(f"{name}.right", outline(pts))
    # Metatarsals 1 (medial) to 5 (lateral); physis at the base of 1 and the heads of 2-5.
    bases = [(x + 24, y + 80), (x + 15, y + 75), (x + 8, y + 77), (x + 0, y + 79), (x - 8, y + 79)]
    angles = [-3, 1, 4, 7, 12]
    lengths = [50, 56, 52, 48, 45]
    widths = [5.2, 3.4, 3.3, 3.2, 3.4]
    toes = [[24, 18], [14, 9, 7], [13, 8, 6], [12, 7, 6], [11, 6, 5]]
    phal: list[str] = []
    for k in range(5):
        direction = rot((0, 1), angles[k])
        base = bases[k]
        tip = add(base, mul(direction, lengths[k]))
        w = widths[k]
        tube = Tube(
            [base, tip],
            profile(
                [(0, w * 1.3), (0.2, w * 0.85), (0.5, w * 0.72), (0.8, w * 0.85), (1, w * 1.3)]
            ),
        )
        g = PHYSIS * 0.6 / tube.length
        if k == 0:
            shapes = {
                "base": tube.segment(0, 0.12 - g, cap0=1),
                "shaft": tube.segment(0.12 + g, 0.8),
                "head": tube.segment(0.8, 1, cap1=3),
            }
        else:
            shapes = {
                "base": tube.segment(0, 0.2, cap0=1),
                "shaft": tube.segment(0.2, 0.85 - g),
                "head": tube.segment(0.85 + g, 1, cap1=2.6),
            }
        for part, shape in shapes.items():
            d.paired(f"metatarsal-{k + 1}.right.{part}", shape)
        start = add(tip, mul(direction, 4.0))
        for bone in ray(start, direction, toes[k], w * (0.95 if k == 0 else 0.9), True):
            phal.extend(bone)
    d.paired("phalanges-foot.right", *phal)


def silhouette(d: Drawing) -> None:
    """A faint body outline behind the bones (decoration only)."""
    s = [
        (CX, VERTEX - 8),
        (CX - 60, VERTEX + 4),
        (CX - 84, VERTEX + 80),
        (CX - 72, CHIN - 50),
        (CX - 50, CHIN + 4),
        (CX - 34, CHIN + 30),
        (CX - 60, SHOULDER[1] - 44),
        (CX - 160, SHOULDER[1] - 30),
        (CX - 182, SHOULDER[1] + 20),
        (CX - 186, SHOULDER[1] + 140),
        (CX - 194, SHOULDER[1] + 260),
        (CX - 210, SHOULDER[1] + 400),
        (CX - 236, SHOULDER[1] + 470),
        (CX - 230, SHOULDER[1] + 610),
        (CX - 188, SHOULDER[1] + 630),
        (CX - 170, SHOULDER[1] + 490),
        (CX - 150, SHOULDER[1] + 320),
        (CX - 134, SHOULDER[1] + 220),
        (CX - 136, HIP[1] - 40),
        (CX - 124, HIP[1] + 140),
        (CX - 92, HIP[1] + 340),
        (CX - 88, HIP[1] + 520),
        (CX - 96, HIP[1] + 640),
        (CX - 100, HIP[1] + 848),
        (CX - 50, HIP[1] + 862),
        (CX - 40, HIP[1] + 640),
        (CX - 30, HIP[1] + 360),
        (CX - 12, HIP[1] + 110),
        (CX, HIP[1] + 80),
    ]
    pts = s + [mirror_x(p) for p in reversed(s[1:-1])]
    d.decor(outline(pts), kind="silhouette")


def build_front() -> Drawing:
    foot_end = 1545.0
    d = Drawing(600.0, foot_end, "Skeleton of a 10-year-old child, front view")
    silhouette(d)
    d.paired("scapula.right", scapula(d))
    rib_r = ribs(d)
    d.site("ribs.right", *rib_r)
    d.site("ribs.left", *(mirror_d(s) for s in rib_r))
    skull(d)
    spine_front(d)
    pelvis(d)
    sternum_and_clavicles(d)
    upper_limb(d)
    lower_limb(d)
    return d


# --- lateral view of the spine ----------------------------------------------------------------
# The sagittal curves as the tilt of the spine's long axis from the vertical at points along it
# (degrees; positive = running down and backwards). Between C1 and T2 the axis turns backwards
# (cervical lordosis, apex at C5), between T2 and T12 forwards (thoracic kyphosis, apex at T7),
# between T12 and S1 backwards again (lumbar lordosis, apex at L3); the sacrum then curves
# forwards (sacral kyphosis) and the coccyx points down and forwards. The shape is drawn to
# teach the curves; the angles are illustrative, not measured values, and no number is shown.
LATERAL_TILT = [
    ("c1", -14.0),
    ("c5", 0.0),
    ("t2", 14.0),
    ("t7", 0.0),
    ("t12", -21.0),
    ("l3", 0.0),
    ("l5", 27.0),
    ("s1", 44.0),
    ("s3", 26.0),
    ("s5", -4.0),
    ("co4", -42.0),
]
SACRAL_H = (16.0, 14.0, 12.0, 10.0, 8.0)  # S1-S5 along the axis (mm); the child's are unfused
COCCYX_H = (5.5, 4.5, 3.8, 3.0)  # Co1-Co4
SACRAL_GAP, COCCYX_GAP = 1.0, 1.4


def lateral_segments() -> dict[str, tuple[float, float]]:
    """Every level from C1 to Co4 as (start, end) along the axis from the top of C1 (mm)."""
    origin = LEVELS[0][1]
    out = {name: (top - origin, bottom - origin) for name, top, bottom, _ in LEVELS}
    s = LEVEL["l5"][1] + (LEVEL["l5"][1] - LEVEL["l5"][0]) * 0.3 - origin
    for i, h in enumerate(SACRAL_H):
        out[f"s{i + 1}"] = (s, s + h)
        s += h + SACRAL_GAP
    s += COCCYX_GAP - SACRAL_GAP
    for i, h in enumerate(COCCYX_H):
        out[f"co{i + 1}"] = (s, s + h)
        s += h + COCCYX_GAP
    return out


class SpineAxis:
    """The curved long axis of the spine through the centres of the vertebral bodies."""

    STEP = 0.5

    def __init__(self) -> None:
        self.segments = lateral_segments()
        mid = {k: (a + b) / 2 for k, (a, b) in self.segments.items()}
        self.tilt = profile([(mid[name], degrees) for name, degrees in LATERAL_TILT])
        self.length = max(b for _, b in self.segments.values()) + 2.0
        self.points: list[Pt] = [(0.0, 0.0)]
        s = 0.0
        while s < self.length:
            t = math.radians(self.tilt(s + self.STEP / 2))
            x, y = self.points[-1]
            self.points.append((x + self.STEP * math.sin(t), y + self.STEP * math.cos(t)))
            s += self.STEP

    def at(self, s: float) -> Pt:
        i = max(0, min(len(self.points) - 2, int(s / self.STEP)))
        return lerp(self.points[i], self.points[i + 1], s / self.STEP - i)

    def place(self, s_mid: float, local: Sequence[Pt], centre_v: float) -> list[Pt]:
        """Local points (u across, anterior negative; v down the level) rotated to the tilt at
        s_mid, with (0, centre_v) on the axis there."""
        c, a = self.at(s_mid), -self.tilt(s_mid)
        return [add(c, rot((u, v - centre_v), a)) for u, v in local]


def lateral_vertebra(level: str, h: float, hw: float) -> tuple[list[Pt], list[Pt]]:
    """Body and posterior elements of one level in local coordinates: u across (0 = the body's
    centre, anterior negative), v down from the top of the body."""
    kind = level[0]
    depth = {"c": 1.45, "t": 1.5, "l": 1.55}[kind] * hw
    wedge = 0.9 if kind == "t" else 0.0  # thoracic bodies a little lower in front
    xp, xa, ya, yb = depth / 2, -depth / 2, 0.0, h
    body = [
        (xa + 1.5, ya + wedge),
        (xp - 1.5, ya),
        (xp, ya + 1.2),
        (xp + 0.4, ya + h / 2),
        (xp, yb - 1.2),
        (xp - 1.5, yb),
        (xa + 1.5, yb - wedge),
        (xa, yb - 1.2 - wedge),
        (xa - 0.6, ya + h / 2),
        (xa, ya + 1.2 + wedge),
    ]
    if level == "c1":  # the atlas: a small anterior arch only
        body = [
            (xp - 9, ya + 1),
            (xp - 4, ya),
            (xp - 2.5, ya + h / 2),
            (xp - 4, yb),
            (xp - 9, yb - 1),
            (xp - 10.5, ya + h / 2),
        ]
    if level == "c2":  # the dens rises behind the anterior arch of C1
        body = [
            (xa + 1.5, ya),
            (xp - 7, ya - 2),
            (xp - 6, ya - 9),
            (xp - 3, ya - 10.5),
            (xp - 1, ya - 3),
            (xp, ya + 1.2),
            (xp + 0.4, ya + h / 2),
            (xp, yb - 1.2),
            (xp - 1.5, yb),
            (xa + 1.5, yb),
            (xa - 0.6, yb - h * 0.3),
            (xa, ya + 3),
        ]
    pedicle = {"c": 5.0, "t": 7.0, "l": 9.0}[kind]
    spin = {"c": 13.0, "t": 22.0, "l": 20.0}[kind]
    drop = {"c": 0.25, "t": 0.9, "l": 0.2}[kind] * h
    thick = {"c": 0.38, "t": 0.32, "l": 0.55}[kind] * h
    if level == "c7":
        spin = 20.0
    if level in ("t10", "t11", "t12"):  # the lowest thoracic spines run more horizontally
        drop, spin = {"t10": 0.65, "t11": 0.45, "t12": 0.3}[level] * h, spin - 2.0
    if level == "c2":
        spin, thick = 16.0, 0.45 * h
    if level == "c1":
        spin, thick, drop = 9.0, 0.5 * h, 0.0
    xf = xp + pedicle  # the articular pillar behind the pedicle
    tip = (xf + spin, ya + h * 0.45 + drop)
    post = [
        (xp + 0.8, ya + h * 0.12),
        (xf, ya + h * 0.02),
        (xf + 2.5, ya - h * 0.12),
        (xf + spin * 0.45, ya + h * 0.18 + drop * 0.4),
        (tip[0] - 1, tip[1] - thick / 2),
        (tip[0] + 0.8, tip[1]),
        (tip[0] - 1, tip[1] + thick / 2),
        (xf + spin * 0.4, ya + h * 0.2 + drop * 0.4 + thick),
        (xf + 2, yb + h * 0.1),
        (xp + 0.8, ya + h * 0.62),
    ]
    return body, post


def lateral_sacrum(axis: SpineAxis) -> tuple[list[Pt], list[list[Pt]], list[list[Pt]]]:
    """The sacrum as one curved wedge (outline points), the thin clefts between its five unfused
    segments and the four coccygeal segments, all in axis coordinates."""
    seg = axis.segments
    s0, s1 = seg["s1"][0], seg["s5"][1]
    l5_depth = 1.55 * LEVEL["l5"][2]
    ant = profile([(s0, l5_depth / 2), (seg["s3"][0], l5_depth * 0.36), (s1, 4.5)])
    # Behind the bodies: the sacral canal and the median crest, its tubercles bumping out.
    back = profile([(s0, l5_depth / 2 + 15.0), (seg["s3"][0], l5_depth * 0.3 + 11), (s1, 5.0)])

    def crest(s: float) -> float:
        for a, b in (seg[f"s{i}"] for i in range(1, 5)):
            if a <= s <= b:
                return 2.2 * math.sin(math.pi * (s - a) / (b - a))
        return 0.0

    def edge(s: float, u: float) -> Pt:
        return axis.place(s, [(u, 0.0)], 0.0)[0]

    n = 40
    ss = [s0 + (s1 - s0) * i / n for i in range(n + 1)]
    front = [edge(s, -ant(s)) for s in ss]
    tip = [edge(s1 + 1.8, 0.0)]
    rear = [edge(s, back(s) + crest(s)) for s in reversed(ss)]
    # The top: the S1 endplate, then the superior articular process rising behind it to meet
    # L5's inferior facets.
    top = axis.place(
        s0,
        [
            (l5_depth / 2 + 13.0, -1.0),
            (l5_depth / 2 + 9.0, -7.0),
            (l5_depth / 2 + 5.5, -5.5),
            (l5_depth / 2 + 3.0, 0.0),
            (l5_depth / 2 - 1.5, 0.0),
        ],
        0.0,
    )
    pts = front + tip + rear + top
    lines = []
    for i in range(1, 5):
        s = (seg[f"s{i}"][1] + seg[f"s{i + 1}"][0]) / 2
        a, b = -ant(s) + 1.4, ant(s) * 0.9
        lines.append(axis.place(s, [(a, -0.4), (b, -0.4), (b, 0.4), (a, 0.4)], 0.0))
    coccyx = []
    for i, (a, b) in enumerate(seg[f"co{k}"] for k in range(1, 5)):
        h, hw = b - a, 4.2 - 0.8 * i
        local = [
            (hw * math.cos(t), h / 2 + h / 2 * math.sin(t))
            for t in (k * math.pi / 6 for k in range(12))
        ]
        coccyx.append(axis.place((a + b) / 2, local, h / 2))
    return pts, lines, coccyx


def lateral_layout() -> dict[str, object]:
    """Every shape of the lateral view in drawing coordinates, before the drawing is written:
    'vertebrae' {level: (body points, posterior points)}, 'centres' {level: body centre},
    'sacrum' points, 'sacral_lines' (the clefts between segments) and 'coccyx' point lists."""
    axis = SpineAxis()
    vertebrae: dict[str, tuple[list[Pt], list[Pt]]] = {}
    centres: dict[str, Pt] = {}
    for level, y0, y1, hw in LEVELS:
        a, b = axis.segments[level]
        body, post = lateral_vertebra(level, y1 - y0, hw)
        mid = (a + b) / 2
        vertebrae[level] = (
            axis.place(mid, body, (y1 - y0) / 2),
            axis.place(mid, post, (y1 - y0) / 2),
        )
        centres[level] = axis.at(mid)
    for name, (a, b) in axis.segments.items():
        centres.setdefault(name, axis.at((a + b) / 2))
    sacrum, lines, coccyx = lateral_sacrum(axis)
    # Sagittal balance: turn the whole spine so that C7's body lies straight above the back of
    # the S1 endplate (where a plumb line from C7 falls in a standing child).
    s1_back = axis.place(axis.segments["s1"][0], [(1.55 * LEVEL["l5"][2] / 2, 0.0)], 0.0)[0]
    v = sub(centres["c7"], s1_back)
    turn = math.degrees(math.atan2(v[0], -v[1]))

    def turned(points: Sequence[Pt]) -> list[Pt]:
        return [rot(p, turn) for p in points]

    return {
        "vertebrae": {k: (turned(b), turned(p)) for k, (b, p) in vertebrae.items()},
        "centres": {k: rot(c, turn) for k, c in centres.items()},
        "sacrum": turned(sacrum),
        "sacral_lines": [turned(line) for line in lines],
        "coccyx": [turned(c) for c in coccyx],
    }


def build_lateral() -> Drawing:
    """C1 to the coccyx seen from the side, anterior to the viewer's left as on sagittal MRI:
    every level turned to the local tilt of the sagittal curves."""
    lay = lateral_layout()
    vertebrae = lay["vertebrae"]
    everything = [p for b, q in vertebrae.values() for p in b + q]
    everything += lay["sacrum"] + [p for c in lay["coccyx"] for p in c]
    xs = [p[0] for p in everything]
    ys = [p[1] for p in everything]
    dx, dy = 8 - min(xs), 8 - min(ys)

    def moved(points: Sequence[Pt]) -> list[Pt]:
        return [(x + dx, y + dy) for x, y in points]

    d = Drawing(
        max(xs) - min(xs) + 16,
        max(ys) - min(ys) + 16,
        "Spine of a 10-year-old child with sacrum and coccyx, lateral view (anterior to the left)",
    )
    for level, (body, post) in vertebrae.items():
        d.site(f"vertebra.{level}.body", outline(moved(body)))
        d.site(f"vertebra.{level}.posterior-elements", outline(moved(post), corners=(0, 9)))
    sacrum = moved(lay["sacrum"])
    # The unfused segments show as thin clefts (holes, even-odd) across the front of the bone.
    clefts = [outline(moved(c), corners=(0, 1, 2, 3)) for c in lay["sacral_lines"]]
    d.site("sacrum", outline(sacrum, corners=(0, len(sacrum) - 1)), *clefts, evenodd=True)
    d.site("coccyx", *(outline(moved(c)) for c in lay["coccyx"]))
    return d


# --- lateral view of the right foot -----------------------------------------------------------
def build_foot_lateral() -> Drawing:
    """The right foot seen from its lateral side, toes to the viewer's left (anterior left, as
    the lateral spine): the calcaneus under the talus, the tibia's distal end on the talar dome,
    the navicular in front of the talar head, the cuboid in front of the calcaneus, the three
    cuneiforms (stacked: in this view they overlie one another), the five metatarsals fanning
    from their bases down to heads near the ground (the fifth nearest the viewer, drawn on
    top) and the toes. The calcaneus and metatarsals are split where the front view splits
    them. Units: mm of a 10-year-old's foot, drawn, not measured."""
    # (site, subpaths as point lists or ready path data, corners of the point lists)
    shapes: list[tuple[str, list, tuple[int, ...]]] = []

    def shape(sid: str, pts: list[Pt], corners: tuple[int, ...] = ()) -> None:
        shapes.append((sid, [pts], corners))

    g = PHYSIS
    # Tibia: the distal metaphysis, the physis, the epiphysis whose plafond caps the talar dome.
    plafond = [(170, 26.5), (163, 24.5), (156, 24), (149, 24.8), (142, 27)]
    shape(
        "tibia.right.distal-epiphysis",
        [(141, 12.5 + g), (171, 12.5 + g), *plafond, (140.5, 22)],
        corners=(0, 1),
    )
    shape(
        "tibia.right.distal-metaphysis",
        [(145, -22), (167, -22), (170, -4), (172, 12.5 - 0.1), (140, 12.5 - 0.1), (142.5, -4)],
        corners=(0, 1, 3, 4),
    )
    shape(
        "talus.right",
        [
            (121, 45),
            (126, 38),
            (137, 33.5),
            (147, 28.5),
            (157, 26.5),
            (167, 28.5),
            (175, 35),
            (181, 44),
            (175, 52),
            (162, 57),
            (148, 57.5),
            (136, 56),
            (127, 54),
        ],
    )
    shape(
        "calcaneus.right",
        [
            (129, 71),
            (136, 62),
            (148, 60.5),
            (163, 60),
            (178, 55),
            (194, 52),
            (206, 56),
            (212, 68),
            (210, 86),
            (203, 97),
            (186, 100),
            (165, 97),
            (145, 90),
            (132, 84),
        ],
    )
    shape(
        "navicular.right", [(107, 42), (114, 37.5), (119, 44), (118.5, 54), (113, 60), (106.5, 53)]
    )
    shape("cuboid.right", [(103, 71), (126, 72), (129.5, 80), (127, 90), (112, 93), (102, 88)])
    for name, (top, bottom) in (
        ("cuneiform-medial", (37.5, 49.5)),
        ("cuneiform-intermediate", (51, 59.5)),
        ("cuneiform-lateral", (61, 69.5)),
    ):
        shape(
            f"{name}.right",
            [(88, top + 1), (103, top), (105, (top + bottom) / 2), (103, bottom), (88.5, bottom)],
            corners=(0, 4),
        )
    # In this view the first ray's head is really the lowest; the heads are kept in the bases'
    # order (first on top) so the five read apart instead of crossing.
    bases = [(86.5, 43.5), (86, 54.5), (86.5, 64.5), (100, 75.5), (100, 84)]
    heads = [(33, 77), (28, 82.5), (29, 88), (32, 93), (37, 97.5)]
    widths = [4.3, 3.1, 3.0, 2.9, 3.1]
    toes = [[24, 18], [14, 9, 7], [13, 8, 6], [12, 7, 6], [11, 6, 5]]
    phal: list[str] = []
    for k in range(5):
        base, head = bases[k], heads[k]
        w = widths[k]
        tube = Tube(
            [base, head],
            profile([(0, w * 1.3), (0.2, w * 0.85), (0.5, w * 0.8), (0.8, w * 0.85), (1, w * 1.3)]),
        )
        gt = PHYSIS * 0.6 / tube.length
        cut0, cut1 = (0.12, 0.8) if k == 0 else (0.2, 0.85)
        gb = gt if k == 0 else 0.0  # the physis: at the base of the first, the heads of 2-5
        gh = 0.0 if k == 0 else gt
        parts = {
            "base": tube.segment(0, cut0 - gb, cap0=1),
            "shaft": tube.segment(cut0 + gb, cut1 - gh),
            "head": tube.segment(cut1 + gh, 1, cap1=3 if k == 0 else 2.6),
        }
        for part, sub_d in parts.items():
            shapes.append((f"metatarsal-{k + 1}.right.{part}", [sub_d], ()))
        toe_dir = norm((-1.0, 0.04 + 0.02 * k))  # the toes lie flat on the ground
        start = add(head, mul(toe_dir, 4.0))
        for bone in ray(start, toe_dir, toes[k], w * (0.95 if k == 0 else 0.9), True):
            phal.extend(bone)
    shapes.append(("phalanges-foot.right", phal, ()))
    skin = [
        (6, 101),
        (1, 93),
        (8, 85),
        (34, 66),
        (70, 38),
        (104, 28),
        (128, 20),
        (136, -30),
        (176, -30),
        (180, 18),
        (204, 40),
        (219, 62),
        (218, 90),
        (205, 104),
        (150, 104),
        (60, 104),
    ]
    # Everything placed, find the box: point lists directly, subpath strings by their numbers.
    xs = [x for x, _ in skin]
    ys = [y for _, y in skin]
    for _, subs, _ in shapes:
        for sub_ in subs:
            if isinstance(sub_, str):
                nums = [float(t) for t in sub_.split() if not t.isalpha()]
                xs += nums[0::2]
                ys += nums[1::2]
            else:
                xs += [x for x, _ in sub_]
                ys += [y for _, y in sub_]
    dx, dy = 8 - min(xs), 8 - min(ys)

    def moved_d(d: str) -> str:
        tokens = d.split()
        out, i = [], 0
        while i < len(tokens):
            if tokens[i].isalpha():
                out.append(tokens[i])
                i += 1
            else:
                out.append(P((float(tokens[i]) + dx, float(tokens[i + 1]) + dy)))
                i += 2
        return " ".join(out)

    d = Drawing(
        max(xs) - min(xs) + 16,
        max(ys) - min(ys) + 16,
        "Right foot of a 10-year-old child, lateral view (toes to the left)",
    )
    d.decor(outline([(x + dx, y + dy) for x, y in skin]), kind="silhouette")
    for sid, subs, corners in shapes:
        paths = [
            moved_d(sp)
            if isinstance(sp, str)
            else outline([(x + dx, y + dy) for x, y in sp], corners=corners)
            for sp in subs
        ]
        d.site(sid, *paths)
    return d


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, drawing in (
        ("front.svg", build_front()),
        ("spine-lateral.svg", build_lateral()),
        ("foot-lateral.svg", build_foot_lateral()),
    ):
        (OUT_DIR / name).write_text(drawing.text(), encoding="utf-8")
        print(f"wrote {OUT_DIR / name} ({len(drawing.ids)} sites)")


if __name__ == "__main__":
    main()
