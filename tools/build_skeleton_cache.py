"""Write the pre-parsed drawing cache beside each skeleton SVG (assets/skeleton/*.drawing.json).

Run after tools/build_skeleton.py (or any edit of an SVG):
    .venv/bin/python tools/build_skeleton_cache.py
tests/unit/test_skeleton_map.py checks that every cache matches its SVG; tests/ui/test_site_map.py
that its anchor points are the ones the map would work out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnoatlas import paths
from cnoatlas.domain.skeleton_map import (
    VIEWS,
    cache_path,
    drawing_cache,
    load_skeleton_map,
)


def anchors(drawing) -> dict[str, tuple[float, float]]:
    """Each site's anchor point, by the map's own rule (path subtractions: slow, so done here)."""
    from cnoatlas.ui.atlas.site_map import painter_path, site_anchor_point

    built = {sid: painter_path(shape) for sid, shape in drawing.shapes.items()}
    boxes = {sid: path.boundingRect() for sid, path in built.items()}
    out = {}
    for sid in built:
        point = site_anchor_point(built, boxes, sid)
        out[sid] = (point.x(), point.y())
    return out


def main() -> int:
    for view, name in VIEWS.items():
        svg = paths.assets_dir() / "skeleton" / name
        drawing = load_skeleton_map(svg, view)
        data = drawing_cache(drawing, svg.read_bytes(), anchors(drawing))
        out = cache_path(svg)
        out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{out}: {len(drawing.shapes)} sites, {len(drawing.decor)} decor paths")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
