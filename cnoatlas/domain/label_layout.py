"""Where the labels of the findings on an image go: beside their lesions, joined to them by a
leader line, never over each other, an orientation letter, the scale bar or a lesion.

Pure geometry in screen pixels (x to the right, y downwards), no Qt. ``layout_labels`` takes the
labels (anchor point, the lesion's box, the label's size), the area labels may use and the boxes
they must keep out of; it places each label, in input order, at the first free spot of a fixed
list of candidates (around the lesion, near first, then in the margins of the area, as in an
atlas). A label that finds no spot becomes a number: a small numbered badge by its lesion and a
line of a legend box. The same input always gives the same layout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: left, top, width, height (pixels)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """Whether the two boxes share area (touching edges do not), with ``gap`` kept clear."""
        return (
            self.x < other.right + gap
            and other.x < self.right + gap
            and self.y < other.bottom + gap
            and other.y < self.bottom + gap
        )

    def inside(self, other: Box) -> bool:
        return (
            self.x >= other.x - 1e-9
            and self.y >= other.y - 1e-9
            and self.right <= other.right + 1e-9
            and self.bottom <= other.bottom + 1e-9
        )

    def nearest_point(self, px: float, py: float) -> tuple[float, float]:
        """The point of the box closest to (px, py): where a leader line leaves the label."""
        return (min(max(px, self.x), self.right), min(max(py, self.y), self.bottom))

    def grown(self, by: float) -> Box:
        return Box(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)


@dataclass(frozen=True)
class LabelRequest:
    """One label to place: the point its leader ends at, its lesion's box and its own size."""

    key: str
    anchor: tuple[float, float]
    width: float
    height: float
    target: Box | None = None  # the lesion's outline box (kept free); None: the anchor alone


@dataclass(frozen=True)
class PlacedLabel:
    key: str
    box: Box
    anchor: tuple[float, float]
    leader: tuple[tuple[float, float], tuple[float, float]] | None  # label edge -> anchor


@dataclass(frozen=True)
class LegendEntry:
    key: str
    number: int
    badge: Box | None  # the numbered badge by the lesion, None when even that found no room


@dataclass
class LabelLayout:
    placed: list[PlacedLabel] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    legend_box: Box | None = None

    def boxes(self) -> list[Box]:
        """Every box drawn: labels, badges and the legend."""
        found = [p.box for p in self.placed] + [e.badge for e in self.legend if e.badge]
        return found + ([self.legend_box] if self.legend_box is not None else [])

    def by_key(self) -> dict[str, PlacedLabel]:
        return {p.key: p for p in self.placed}


# 16 directions, starting to the right and alternating round (right, left, up, down first): a
# label beside a lesion reads best, one straight above or below next.
_DIRECTIONS = [0, 180, 270, 90, 315, 225, 45, 135, 337.5, 202.5, 292.5, 247.5, 22.5, 157.5,
               67.5, 112.5]  # fmt: skip


_EDGE = 1e-6  # pixels: closer than this to a box's edge is on the edge


def _segment_hits_box(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Whether the segment a-b passes through the inside of ``box`` (Liang-Barsky clipping).

    The inside is the box less a hair (``_EDGE``) on every side: a leader along an edge, or
    one that ends on a corner, only touches the box, whatever the rounding of its coordinates.
    """
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in (
        (-dx, x0 - (box.x + _EDGE)),
        (dx, (box.right - _EDGE) - x0),
        (-dy, y0 - (box.y + _EDGE)),
        (dy, (box.bottom - _EDGE) - y0),
    ):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return t1 - t0 > 1e-6


def _holds(box: Box, point: tuple[float, float]) -> bool:
    return box.x <= point[0] <= box.right and box.y <= point[1] <= box.bottom


def _candidates(req: LabelRequest, area: Box, gap: float, margins_first: bool = False):
    """Top-left corners to try for a label: around the lesion (nearest first) and in the
    margins of the area; ``margins_first`` swaps the two (a cluster of lesions reads best with
    its labels in columns beside it, as in an atlas)."""
    if margins_first:
        yield from _margin_candidates(req, area, gap)
        yield from _near_candidates(req, area, gap)
    else:
        yield from _near_candidates(req, area, gap)
        yield from _margin_candidates(req, area, gap)


def _near_candidates(req: LabelRequest, area: Box, gap: float):
    w, h = req.width, req.height
    ax, ay = req.anchor
    target = req.target or Box(ax, ay, 0, 0)
    tx, ty = target.center
    half_w, half_h = target.w / 2, target.h / 2
    reach = max(area.w, area.h)
    step = max(min(w, h) * 0.75, 2 * gap)
    distance = gap
    while distance < reach:
        for degrees in _DIRECTIONS:
            a = math.radians(degrees)
            c, s = math.cos(a), math.sin(a)
            # The label's centre on a ray from the lesion's centre, far enough that a label of
            # this size clears the lesion's box by ``distance`` in that direction.
            along = min(
                (half_w + w / 2 + distance) / abs(c) if abs(c) > 1e-9 else math.inf,
                (half_h + h / 2 + distance) / abs(s) if abs(s) > 1e-9 else math.inf,
            )
            yield (tx + c * along - w / 2, ty + s * along - h / 2)
        distance += step if distance < 8 * step else distance * 0.5


def _margin_candidates(req: LabelRequest, area: Box, gap: float):
    """The two sides of the area, rows outward from the anchor's height, nearer side first."""
    w, h = req.width, req.height
    ax, ay = req.anchor
    step = max(h / 2, 4.0)
    left, right = area.x + gap, area.right - gap - w
    top, bottom = area.y + gap, area.bottom - gap - h
    near_left = ax - area.x < area.right - ax
    for k in range(int(area.h / step) + 1):
        for sign in (1, -1) if k else (1,):
            y = ay - h / 2 + sign * k * step
            if top <= y <= bottom:
                for x in (left, right) if near_left else (right, left):
                    yield (x, y)


def layout_labels(
    requests: Sequence[LabelRequest],
    area: Box,
    keep_out: Sequence[Box] = (),
    gap: float = 4.0,
    badge_size: tuple[float, float] = (16.0, 16.0),
    legend_line: tuple[float, float] | None = None,
    legend_width: float = 0.0,
) -> LabelLayout:
    """Place every label (or its number) without overlap; see the module text.

    ``keep_out``: orientation letters, the scale bar, corner texts. The lesions' own boxes
    (``LabelRequest.target``) are kept free too. ``legend_line``: (width, height) of one legend
    line beyond the number (the widest entry's); with ``legend_width`` the legend's width.
    """
    hard = [b for b in keep_out if b.w > 0 and b.h > 0]
    lesions = [r.target for r in requests if r.target is not None and r.target.w * r.target.h > 0]
    anchors = [r.anchor for r in requests]  # no label over any lesion's point
    wanted = [r for r in requests if r.width > 0 and r.height > 0]
    # A few fixed orders and preferences, leaders that cross none first; the best by ``_score``
    # wins (the first of equals).
    by_height = sorted(wanted, key=lambda r: (r.anchor[1], r.anchor[0]))
    best: tuple[list[PlacedLabel], list[LabelRequest]] | None = None
    best_score = -math.inf
    for order, margins_first, uncrossed in (
        (by_height, False, True),
        (by_height, True, True),
        (wanted, False, False),
        (by_height, True, False),
        (by_height, False, False),
        (list(reversed(wanted)), False, False),
    ):
        attempt = _place(order, area, hard, lesions, gap, margins_first, uncrossed, anchors)
        score = _score(attempt[0])
        if best is None or score > best_score:
            best, best_score = attempt, score
        if not best[1] and _crossings(best[0]) == 0:
            break
    placed, leftovers = best if best is not None else ([], [])
    order = {r.key: i for i, r in enumerate(wanted)}
    layout = LabelLayout(sorted(placed, key=lambda p: order[p.key]))
    taken = [p.box for p in placed]
    leftovers.sort(key=lambda r: order[r.key])
    free = _free_test(
        area, hard, lesions, taken, gap, [p.leader for p in placed if p.leader], anchors=anchors
    )

    if not leftovers:
        return layout
    # Numbers for the labels that found no room, and a legend that lists them.
    bw, bh = badge_size
    for number, req in enumerate(leftovers, 1):
        badge = None
        small = LabelRequest(req.key, req.anchor, bw, bh, req.target)
        for x, y in _candidates(small, area, gap):
            box = Box(x, y, bw, bh)
            if free(box, None):
                badge = box
                break
        if badge is not None:
            taken.append(badge)
        layout.legend.append(LegendEntry(req.key, number, badge))
    line_w, line_h = legend_line or (
        max(r.width for r in leftovers),
        max(r.height for r in leftovers),
    )
    width = max(legend_width, line_w + bw + 3 * gap)
    height = len(leftovers) * line_h + 2 * gap
    for x, y in _legend_spots(area, width, height, gap):
        box = Box(x, y, width, height)
        if free(box, None):
            layout.legend_box = box
            break
    return layout


def _segments_cross(a, b, c, d) -> bool:
    """Whether segments a-b and c-d cross (touching ends do not count)."""

    def side(p, q, r) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = side(c, d, a), side(c, d, b)
    d3, d4 = side(a, b, c), side(a, b, d)
    return d1 * d2 < 0 and d3 * d4 < 0


def _crossings(placed: list[PlacedLabel]) -> int:
    leaders = [p.leader for p in placed if p.leader is not None]
    return sum(
        _segments_cross(*leaders[i], *leaders[j])
        for i in range(len(leaders))
        for j in range(i + 1, len(leaders))
    )


def _score(placed: list[PlacedLabel]) -> float:
    """A layout's worth: each label placed counts one, each pair of crossing leaders takes one
    away (a number in the legend reads better than a tangle of lines)."""
    return len(placed) - _crossings(placed)


def _free_test(
    area: Box,
    hard: list[Box],
    lesions: list[Box],
    taken: list[Box],
    gap: float,
    leaders: list | None = None,
    uncrossed: bool = False,
    anchors: Sequence[tuple[float, float]] = (),
):
    """Whether a box (and its leader to ``anchor``) is clear; ``taken`` and ``leaders`` (the
    placed labels' leader lines) grow as labels land. No box lies over a placed leader or over
    any lesion's anchor point (``anchors``); with ``uncrossed`` a new leader may not cross a
    placed one either."""
    leaders = leaders if leaders is not None else []

    def free(box: Box, anchor: tuple[float, float] | None) -> bool:
        if not box.inside(area):
            return False
        if any(_holds(box, point) for point in anchors):
            return False
        if any(box.overlaps(b) for b in hard):
            return False
        if any(box.overlaps(b, gap) for b in taken):
            return False
        if any(box.overlaps(b) for b in lesions):
            return False
        if any(_segment_hits_box(p, q, box) for p, q in leaders):
            return False
        if anchor is not None:
            start = box.nearest_point(*anchor)
            # A leader never runs under another label or over an orientation letter.
            for b in (*taken, *hard):
                if _segment_hits_box(start, anchor, b) and not _holds(b, anchor):
                    return False
            if uncrossed and any(_segments_cross(start, anchor, p, q) for p, q in leaders):
                return False
        return True

    return free


def _place(
    requests: list[LabelRequest],
    area: Box,
    hard: list[Box],
    lesions: list[Box],
    gap: float,
    margins_first: bool,
    uncrossed: bool = False,
    anchors: Sequence[tuple[float, float]] = (),
) -> tuple[list[PlacedLabel], list[LabelRequest]]:
    """One greedy pass: each label at its first free candidate; the rest left over.
    ``uncrossed``: leaders may not cross each other either."""
    taken: list[Box] = []
    leaders: list = []
    free = _free_test(area, hard, lesions, taken, gap, leaders, uncrossed, anchors)
    placed: list[PlacedLabel] = []
    leftovers: list[LabelRequest] = []
    for req in requests:
        spot = None
        for x, y in _candidates(req, area, gap, margins_first):
            box = Box(x, y, req.width, req.height)
            if free(box, req.anchor):
                spot = box
                break
        if spot is None:
            leftovers.append(req)
            continue
        start = spot.nearest_point(*req.anchor)
        leader = None if math.dist(start, req.anchor) < 1.0 else (start, req.anchor)
        placed.append(PlacedLabel(req.key, spot, req.anchor, leader))
        taken.append(spot)
        if leader is not None:
            leaders.append(leader)
    return placed, leftovers


def _legend_spots(area: Box, w: float, h: float, gap: float):
    """Corners first (bottom left, top left, bottom right, top right), then a scan of the area."""
    xs = (area.x + gap, area.right - w - gap)
    ys = (area.bottom - h - gap, area.y + gap)
    for x in xs:
        for y in ys:
            yield (x, y)
    step = max(16.0, h / 2)
    y = area.y + gap
    while y + h <= area.bottom - gap:
        x = area.x + gap
        while x + w <= area.right - gap:
            yield (x, y)
            x += step
        y += step
