"""Image annotations of teaching cases: shapes on a slice tied to a site and a finding.

The JSON format (``version`` 1) is shared with the synthetic-image generator::

    {"version": 1, "annotations": [{"id", "lesion_id", "series_uid", "sop_instance_uid",
      "slice", "kind", "geometry", "site_id", "finding", "label"}, ...]}

Coordinates are pixel (column, row) of that slice, pixel centres at integers. Every problem in a
file raises ``DataFileError(file, field, problem)`` naming the annotation and the field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnoatlas.domain.datafile import read_json
from cnoatlas.domain.errors import DataFileError

FORMAT_VERSION = 1
KINDS = ("ellipse", "polygon", "arrow", "text")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_SITE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$")
Point = tuple[float, float]


@dataclass(frozen=True)
class Annotation:
    id: str
    lesion_id: str
    series_uid: str
    sop_instance_uid: str
    slice: int
    kind: str
    geometry: dict[str, Any]
    site_id: str
    finding: str
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def points(self) -> list[Point]:
        """The shape's defining points (col, row), for hit tests and bounds."""
        g = self.geometry
        if self.kind == "ellipse":
            (cx, cy), (rx, ry) = g["center"], g["radii"]
            return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
        if self.kind == "polygon":
            return [tuple(p) for p in g["points"]]
        if self.kind == "arrow":
            return [tuple(g["from"]), tuple(g["to"])]
        return [tuple(g["at"])]

    def anchor(self) -> Point:
        """Where the on-image label sits: above an ellipse, at an arrow's tail, at the text."""
        g = self.geometry
        if self.kind == "ellipse":
            (cx, cy), (_, ry) = g["center"], g["radii"]
            return (cx, cy - ry)
        if self.kind == "polygon":
            pts = g["points"]
            top = min(pts, key=lambda p: p[1])
            return (float(top[0]), float(top[1]))
        if self.kind == "arrow":
            return tuple(g["from"])
        return tuple(g["at"])

    def contains(self, col: float, row: float, tolerance: float = 3.0) -> bool:
        """Whether a click at (col, row) falls on this annotation (pixel units)."""
        g = self.geometry
        if self.kind == "ellipse":
            (cx, cy), (rx, ry) = g["center"], g["radii"]
            rx, ry = rx + tolerance, ry + tolerance
            return ((col - cx) / rx) ** 2 + ((row - cy) / ry) ** 2 <= 1.0
        if self.kind == "polygon":
            pts = g["points"]
            return _inside(pts, col, row) or any(
                _segment_distance(pts[i], pts[(i + 1) % len(pts)], col, row) <= tolerance
                for i in range(len(pts))
            )
        if self.kind == "arrow":
            return _segment_distance(g["from"], g["to"], col, row) <= tolerance
        x, y = g["at"]
        return math.hypot(col - x, row - y) <= tolerance * 4

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "lesion_id": self.lesion_id,
            "series_uid": self.series_uid,
            "sop_instance_uid": self.sop_instance_uid,
            "slice": self.slice,
            "kind": self.kind,
            "geometry": self.geometry,
            "site_id": self.site_id,
            "finding": self.finding,
            "label": self.label,
        }
        data.update(self.extra)
        return data


def _inside(points: list, x: float, y: float) -> bool:
    inside = False
    n = len(points)
    for i in range(n):
        (x1, y1), (x2, y2) = points[i], points[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _segment_distance(a, b, x: float, y: float) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy))


def _point(value: Any, file: str, where: str) -> list[float]:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    ):
        raise DataFileError(file, where, f"must be [column, row] numbers, got {value!r}")
    return [float(value[0]), float(value[1])]


def _geometry(kind: str, geometry: Any, file: str, where: str) -> dict[str, Any]:
    if not isinstance(geometry, dict):
        raise DataFileError(file, where, "must be an object")
    needed = {
        "ellipse": ("center", "radii"),
        "polygon": ("points",),
        "arrow": ("from", "to"),
        "text": ("at",),
    }[kind]
    for key in needed:
        if key not in geometry:
            raise DataFileError(file, f"{where}.{key}", f"missing (a {kind} needs {needed})")
    if kind == "polygon":
        points = geometry["points"]
        if not isinstance(points, list) or len(points) < 3:
            raise DataFileError(
                file, f"{where}.points", "must list at least 3 [column, row] points"
            )
        return {"points": [_point(p, file, f"{where}.points[{i}]") for i, p in enumerate(points)]}
    out = {key: _point(geometry[key], file, f"{where}.{key}") for key in needed}
    if kind == "ellipse" and min(out["radii"]) <= 0:
        raise DataFileError(file, f"{where}.radii", "radii must be positive")
    return out


def _text(item: dict, key: str, file: str, where: str, required: bool = True) -> str:
    value = item.get(key, "" if not required else None)
    if value is None or not isinstance(value, str) or (required and not value.strip()):
        raise DataFileError(
            file, f"{where}.{key}", "must be a non-empty text" if required else "must be a text"
        )
    return value


def parse_annotation(
    item: Any, file: str = "<annotations>", where: str = "annotation"
) -> Annotation:
    if not isinstance(item, dict):
        raise DataFileError(file, where, "must be an object")
    ident = _text(item, "id", file, where)
    if not _ID.match(ident):
        raise DataFileError(
            file, f"{where}.id", f"'{ident}' may hold only letters, digits, . _ : -"
        )
    where = f"annotations[{ident}]"
    kind = item.get("kind")
    if kind not in KINDS:
        raise DataFileError(
            file, f"{where}.kind", f"must be one of {', '.join(KINDS)}, got {kind!r}"
        )
    index = item.get("slice")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise DataFileError(file, f"{where}.slice", f"must be a whole number >= 0, got {index!r}")
    site_id = _text(item, "site_id", file, where)
    if not _SITE.match(site_id):
        raise DataFileError(
            file,
            f"{where}.site_id",
            f"'{site_id}' is not a site id "
            "(lowercase words joined by dots, e.g. tibia.left.proximal-metaphysis)",
        )
    known = {
        "id",
        "lesion_id",
        "series_uid",
        "sop_instance_uid",
        "slice",
        "kind",
        "geometry",
        "site_id",
        "finding",
        "label",
    }
    return Annotation(
        id=ident,
        lesion_id=_text(item, "lesion_id", file, where),
        series_uid=_text(item, "series_uid", file, where),
        sop_instance_uid=_text(item, "sop_instance_uid", file, where, required=False),
        slice=index,
        kind=kind,
        geometry=_geometry(kind, item.get("geometry"), file, f"{where}.geometry"),
        site_id=site_id,
        finding=_text(item, "finding", file, where),
        label=_text(item, "label", file, where, required=False),
        extra={k: v for k, v in item.items() if k not in known},
    )


def parse_annotations(data: Any, file: str = "<annotations>") -> list[Annotation]:
    """Validate a decoded JSON document; raise DataFileError naming the first bad field."""
    if not isinstance(data, dict):
        raise DataFileError(file, "", "must be a JSON object with 'version' and 'annotations'")
    if data.get("version") != FORMAT_VERSION:
        raise DataFileError(
            file, "version", f"must be {FORMAT_VERSION}, got {data.get('version')!r}"
        )
    items = data.get("annotations")
    if not isinstance(items, list):
        raise DataFileError(file, "annotations", "must be a list")
    found: list[Annotation] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        annotation = parse_annotation(item, file, f"annotations[{i}]")
        if annotation.id in seen:
            raise DataFileError(file, f"annotations[{annotation.id}].id", "appears twice")
        seen.add(annotation.id)
        found.append(annotation)
    return found


def load_annotations(path: str | Path) -> list[Annotation]:
    path = Path(path)
    return parse_annotations(read_json(path), str(path))


def annotations_document(annotations: Iterable[Annotation]) -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "annotations": [a.to_dict() for a in annotations]}


def save_annotations(path: str | Path, annotations: Iterable[Annotation]) -> None:
    """Write the annotations as pretty JSON (validated first, so a bad one never lands)."""
    document = annotations_document(annotations)
    parse_annotations(document, str(path))
    from cnoatlas.domain.storage import atomic_write_text  # removes its temp file on failure

    atomic_write_text(Path(path), json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def for_slice(annotations: Iterable[Annotation], series_uid: str, index: int) -> list[Annotation]:
    """The annotations drawn on slice ``index`` (0-based, sorted order) of one series."""
    return [a for a in annotations if a.series_uid == series_uid and a.slice == index]
