"""Write the pre-parsed drawing cache beside each skeleton SVG (assets/skeleton/*.drawing.json).

Run after tools/build_skeleton.py (or any edit of an SVG):
    .venv/bin/python tools/build_skeleton_cache.py
tests/unit/test_skeleton_map.py checks that every cache matches its SVG.
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


def main() -> int:
    for view, name in VIEWS.items():
        svg = paths.assets_dir() / "skeleton" / name
        drawing = load_skeleton_map(svg, view)
        data = drawing_cache(drawing, svg.read_bytes())
        out = cache_path(svg)
        out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{out}: {len(drawing.shapes)} sites, {len(drawing.decor)} decor paths")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
