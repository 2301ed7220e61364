"""The skeleton drawings (assets/skeleton/*.svg) read into plain shapes: {site id: path data}.

The SVG files are written by tools/build_skeleton.py with a small set of absolute path
commands (M, L, C, Q, Z), so a short parser suffices and the UI never reads a file. Every
<path> with an id is a site; paths with class "decor" are decoration (body outline, sutures).

Start-up reads a pre-parsed drawing cache beside each SVG (``front.drawing.json``, written by
tools/build_skeleton_cache.py): the same shapes as flat numbers, ten times faster to read than
the SVG is to parse. The cache names the SHA-256 of the SVG it was made from; a cache that does
not match its SVG is ignored and the SVG parsed, so an edited drawing is never shown stale.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import sys
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import NamedTuple

from cnoatlas import paths
from cnoatlas.domain.errors import DataFileError

VIEWS = {
    "front": "front.svg",
    "spine-lateral": "spine-lateral.svg",
    "foot-lateral": "foot-lateral.svg",
}
LATERAL_EXTRA = ("sacrum", "coccyx")  # drawn below L5 in the lateral spine as well
# The right foot seen from the side, with the distal tibia on the talus.
FOOT_LATERAL = (
    "tibia.right.distal-metaphysis",
    "tibia.right.distal-epiphysis",
    "talus.right",
    "calcaneus.right",
    "navicular.right",
    "cuboid.right",
    "cuneiform-medial.right",
    "cuneiform-intermediate.right",
    "cuneiform-lateral.right",
    *(f"metatarsal-{r}.right.{part}" for r in range(1, 6) for part in ("base", "shaft", "head")),
    "phalanges-foot.right",
)
CACHE_SUFFIX = ".drawing.json"
CACHE_VERSION = 1
_SVG = "{http://www.w3.org/2000/svg}"
_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"M": 1, "L": 1, "Q": 2, "C": 3, "Z": 0}

Point = tuple[float, float]


class Segment(NamedTuple):
    """One drawing command: op is M, L, Q, C or Z; points are its absolute coordinates.

    A named tuple, not a dataclass: the front view has ~9,000 of them and start-up makes them
    all (a tuple is made four times faster than a frozen dataclass)."""

    op: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Shape:
    """One path of a drawing, kept flat: ``ops`` has one letter per segment (M, L, Q, C, Z) and
    ``coords`` every point of those segments in order, as x, y, x, y, … (M and L take one point,
    Q two, C three, Z none). Start-up reads ~9,000 segments for the front view; the flat form is
    what the cache holds and what the map draws from, and ``segments`` is made on first use."""

    id: str  # a site id, or "" for decoration
    ops: str
    coords: tuple[float, ...]
    evenodd: bool = False  # holes (orbits, foramina) are drawn with the even-odd rule
    classes: tuple[str, ...] = ()

    @classmethod
    def from_segments(
        cls,
        id: str,
        segments: Iterable[Segment],
        evenodd: bool = False,
        classes: tuple[str, ...] = (),
    ) -> Shape:
        segments = tuple(segments)
        ops = "".join(seg.op for seg in segments)
        coords = tuple(c for seg in segments for p in seg.points for c in p)
        return cls(id, ops, coords, evenodd, classes)

    @cached_property
    def segments(self) -> tuple[Segment, ...]:
        c, make, arity = self.coords, Segment._make, _ARITY
        out = []
        k = 0
        for op in self.ops:
            n = arity[op]
            out.append(make((op, tuple((c[i], c[i + 1]) for i in range(k, k + 2 * n, 2)))))
            k += 2 * n
        return tuple(out)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) around every point, control points included."""
        xs, ys = self.coords[0::2], self.coords[1::2]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def subpath_count(self) -> int:
        return self.ops.count("M")


@dataclass(frozen=True)
class SkeletonMap:
    view: str
    file: str
    view_box: tuple[float, float, float, float]  # x, y, width, height
    shapes: dict[str, Shape]  # site id -> shape, in drawing order (later paints on top)
    decor: tuple[Shape, ...]
    # A point well inside the visible part of each site (where a label's leader line meets it),
    # as the drawing cache carries them: worked out once by tools/build_skeleton_cache.py with
    # the map's own rule (cnoatlas.ui.atlas.site_map.site_anchor_point), since that takes path
    # subtractions, tens of milliseconds for some sites. Empty when read from the SVG.
    anchors: dict[str, Point] = field(default_factory=dict, compare=False)

    def problems(self, expected: Iterable[str]) -> list[str]:
        """What differs between the drawn shapes and the sites that should be drawn."""
        expected = set(expected)
        drawn = set(self.shapes)
        out = [f"site '{s}' has no shape" for s in sorted(expected - drawn)]
        out += [f"shape '{s}' is not an expected site" for s in sorted(drawn - expected)]
        return out


def parse_path_data(d: str, file: str | Path = "", where: str = "d") -> tuple[Segment, ...]:
    """Absolute M/L/Q/C/Z path data into segments; anything else is a DataFileError."""
    tokens = _TOKEN.findall(d)
    segments: list[Segment] = []
    op = ""
    i = 0
    started = False
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            if tok not in _ARITY:
                raise DataFileError(
                    file, where, f"path command '{tok}' is not supported (only M, L, C, Q, Z)"
                )
            op = tok
            i += 1
            if op == "Z":
                if not started:
                    raise DataFileError(file, where, "Z before any M")
                segments.append(Segment("Z", ()))
                continue
        elif not op or op == "Z":
            raise DataFileError(file, where, f"number '{tok}' without a command")
        if op != "M" and not started:
            raise DataFileError(file, where, f"'{op}' before any M")
        need = 2 * _ARITY[op]
        numbers = tokens[i : i + need]
        if len(numbers) < need or any(t.isalpha() for t in numbers):
            raise DataFileError(file, where, f"'{op}' needs {need} numbers")
        values = [float(t) for t in numbers]
        points = tuple((values[k], values[k + 1]) for k in range(0, need, 2))
        segments.append(Segment(op, points))
        started = True
        i += need
        if op == "M":
            op = "L"  # numbers after M's first pair continue as lines, as in SVG
    if not segments:
        raise DataFileError(file, where, "path data is empty")
    return tuple(segments)


def load_skeleton_map(path: Path, view: str = "") -> SkeletonMap:
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise DataFileError(path, "", "file not found") from None
    except ET.ParseError as exc:
        raise DataFileError(path, f"line {exc.position[0]}", "not valid XML") from None
    if root.tag not in (f"{_SVG}svg", "svg"):
        raise DataFileError(path, "", "not an SVG document")
    try:
        box = tuple(float(v) for v in root.get("viewBox", "").replace(",", " ").split())
    except ValueError:
        box = ()
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        raise DataFileError(path, "viewBox", "must be four numbers with a positive size")
    shapes: dict[str, Shape] = {}
    decor: list[Shape] = []
    for index, element in enumerate(root.iter()):
        if element.tag not in (f"{_SVG}path", "path"):
            continue
        sid = element.get("id", "")
        classes = tuple(element.get("class", "").split())
        where = f"path#{sid}" if sid else f"path[{index}]"
        segments = parse_path_data(element.get("d", ""), path, where)
        shape = Shape.from_segments(sid, segments, element.get("fill-rule") == "evenodd", classes)
        if "decor" in classes:
            if sid:
                raise DataFileError(path, where, "a decor path must not carry a site id")
            decor.append(shape)
        elif not sid:
            raise DataFileError(path, where, 'a path without an id must have class="decor"')
        elif sid in shapes:
            raise DataFileError(path, where, f"site '{sid}' has more than one shape")
        else:
            shapes[sid] = shape
    return SkeletonMap(view or path.stem, str(path), box, shapes, tuple(decor))  # type: ignore[arg-type]


def expected_sites(view: str, site_ids: Iterable[str]) -> set[str]:
    """The sites a view must draw: all of them in front; in the lateral spine the vertebrae,
    the sacrum and the coccyx; in the lateral foot the right foot's bones (FOOT_LATERAL)."""
    ids = set(site_ids)
    if view == "foot-lateral":
        return ids & set(FOOT_LATERAL)
    if view == "spine-lateral":
        return {s for s in ids if s.startswith("vertebra.") or s in LATERAL_EXTRA}
    return ids


# --- the pre-parsed drawing cache ----------------------------------------------------------
def cache_path(svg: Path) -> Path:
    return svg.with_name(svg.name.removesuffix(".svg") + CACHE_SUFFIX)


def drawing_cache(
    drawing: SkeletonMap, svg_bytes: bytes, anchors: dict[str, Point] | None = None
) -> dict:
    """The drawing as the cache file holds it: per shape its ops as one string and its points
    as one flat run of little-endian doubles in base64 (exact, and read without parsing)."""

    def flat(shape: Shape) -> dict:
        xy = array("d", shape.coords)
        if sys.byteorder != "little":
            xy.byteswap()
        return {
            "id": shape.id,
            "classes": list(shape.classes),
            "evenodd": shape.evenodd,
            "ops": shape.ops,
            "xy": base64.b64encode(xy.tobytes()).decode("ascii"),
        }

    return {
        "version": CACHE_VERSION,
        "svg_sha256": hashlib.sha256(svg_bytes).hexdigest(),
        "view": drawing.view,
        "view_box": list(drawing.view_box),
        "shapes": [flat(s) for s in drawing.shapes.values()],
        "decor": [flat(s) for s in drawing.decor],
        **({"anchors": {k: list(v) for k, v in anchors.items()}} if anchors else {}),
    }


def _from_flat(item: dict) -> Shape:
    numbers = array("d")
    numbers.frombytes(base64.b64decode(item["xy"]))
    if sys.byteorder != "little":
        numbers.byteswap()
    ops = item["ops"]
    if not isinstance(ops, str) or any(op not in _ARITY for op in set(ops)):
        raise ValueError("unknown path command")
    if len(numbers) != 2 * sum(_ARITY[op] * ops.count(op) for op in _ARITY):
        raise ValueError("points left over or missing")
    return Shape(
        item["id"], ops, tuple(numbers.tolist()), bool(item["evenodd"]), tuple(item["classes"])
    )


def load_drawing_cache(svg: Path, view: str = "") -> SkeletonMap | None:
    """The drawing from the cache beside ``svg``, or None when there is none, it is damaged
    or it was made from another version of the SVG."""
    try:
        data = json.loads(cache_path(svg).read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return None
        if data.get("svg_sha256") != hashlib.sha256(svg.read_bytes()).hexdigest():
            return None
        shapes = {item["id"]: _from_flat(item) for item in data["shapes"]}
        decor = tuple(_from_flat(item) for item in data["decor"])
        box = tuple(float(v) for v in data["view_box"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if len(box) != 4:
        return None
    drawing = SkeletonMap(view or svg.stem, str(svg), box, shapes, decor)  # type: ignore[arg-type]
    drawing.anchors.update(_anchors(data.get("anchors"), shapes))
    return drawing


def _anchors(raw: object, shapes: dict[str, Shape]) -> dict[str, Point]:
    """The cache's anchor points, each a pair of finite numbers for a drawn site; none at all
    if any is not (the map then works them out itself)."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Point] = {}
    for sid, point in raw.items():
        if sid not in shapes or not isinstance(point, list) or len(point) != 2:
            return {}
        if not all(isinstance(c, int | float) and math.isfinite(c) for c in point):
            return {}
        out[sid] = (float(point[0]), float(point[1]))
    return out


@cache
def skeleton_map(view: str = "front") -> SkeletonMap:
    """A shipped skeleton drawing, read once (from its drawing cache when that is current)."""
    if view not in VIEWS:
        raise DataFileError(paths.assets_dir() / "skeleton", view, "no such skeleton view")
    svg = paths.assets_dir() / "skeleton" / VIEWS[view]
    return load_drawing_cache(svg, view) or load_skeleton_map(svg, view)
