"""Builds the small case-card pictures the atlas ships: assets/thumbnails/<case-id>-<key>.png.

    .venv/bin/python tools/build_thumbnails.py          (re)make the missing or stale ones
    .venv/bin/python tools/build_thumbnails.py --check  exit 1 if any is missing or stale

<key> is a hash of the case's generator description (cnoatlas/library/thumbnails.py), so editing a
case's description makes its shipped picture stale: the atlas then draws one in the background
until this tool is run again. Pictures are rendered at full size in memory (no DICOM written).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args()

    from PySide6.QtGui import QGuiApplication

    from cnoatlas.domain.cases import load_library
    from cnoatlas.library import thumbnails
    from cnoatlas.paths import cases_dir
    from cnoatlas.ui.cases.browser import fit_thumbnail

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    folder = thumbnails.shipped_thumbnails_dir()
    folder.mkdir(parents=True, exist_ok=True)
    library = load_library(cases_dir())
    wanted = {thumbnails.shipped_thumbnail(c).name: c for c in library if c.series.generator}
    stale = sorted(p for p in folder.glob("*.png") if p.name not in wanted)
    missing = [c for name, c in wanted.items() if not (folder / name).is_file()]
    if args.check:
        for p in stale:
            print(f"{p}: stale (no case has this description now)")
        for c in missing:
            print(f"{thumbnails.shipped_thumbnail(c)}: missing for case '{c.id}'")
        return 1 if stale or missing else 0
    for p in stale:
        p.unlink()
        print(f"removed {p.name}")
    for c in missing:
        image = fit_thumbnail(thumbnails.synthetic_pixels(c, scale=1.0))
        target = thumbnails.shipped_thumbnail(c)
        if not image.save(str(target), "PNG"):
            print(f"{target}: could not be written", file=sys.stderr)
            return 1
        print(f"wrote {target.name} ({image.width()}x{image.height()})")
    print(f"{len(wanted)} case thumbnails in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
