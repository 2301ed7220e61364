"""Builds the app icon from the atlas's own skeleton: assets/icons/cnoatlas.svg and PNGs.

    .venv/bin/python tools/build_icons.py

The icon is the upper half of assets/skeleton/front.svg (skull to pelvis, the bones only), light
on a dark rounded square, with one lesion glowing in the right medial clavicle, the classic CNO
site. PNGs in the sizes desktops ask for (16 to 512) are drawn from that SVG with Qt, offscreen.
The output is committed; run this again only if the skeleton changes.
"""

from __future__ import annotations

import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "assets" / "skeleton" / "front.svg"
OUT = ROOT / "assets" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
CROP = (150.0, 0.0, 300.0, 760.0)  # x, y, width, height of the skeleton drawn (front.svg units)
LESION = "clavicle.right.medial-third"
NS = "{http://www.w3.org/2000/svg}"


def _numbers(d: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]


def _rounded(d: str) -> str:
    return re.sub(r"-?\d+\.\d+", lambda m: f"{float(m.group()):.0f}", d)


def icon_svg() -> str:
    tree = ET.parse(SOURCE)
    x0, y0, w, h = CROP
    bones, lesion = [], ""
    for el in tree.getroot().iter(f"{NS}path"):
        site = el.get("id")
        if not site:
            continue  # outlines, cartilage, teeth: noise at icon size
        d = el.get("d", "")
        ys = _numbers(d)[1::2]
        if not ys or min(ys) > y0 + h:
            continue
        bones.append(_rounded(d))
        if site == LESION:
            xs = _numbers(d)[0::2]
            lesion = f"{sum(xs) / len(xs):.0f} {sum(ys) / len(ys):.0f}"
    if not lesion:
        raise SystemExit(f"{SOURCE}: no path for {LESION}")
    lx, ly = lesion.split()
    scale = 440 / h  # the skeleton's height fills 440 of the 512 units
    tx = 256 - (x0 + w / 2) * scale
    ty = 36 - y0 * scale
    paths = "\n".join(f'    <path d="{d}"/>' for d in bones)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">
  <title>CNO Atlas</title>
  <desc>Made by tools/build_icons.py from assets/skeleton/front.svg; do not edit by hand.</desc>
  <defs>
    <radialGradient id="glow"><stop offset="0" stop-color="#ff7a45"/>
      <stop offset="0.55" stop-color="#ff5a1f" stop-opacity="0.85"/>
      <stop offset="1" stop-color="#ff5a1f" stop-opacity="0"/></radialGradient>
  </defs>
  <rect x="8" y="8" width="496" height="496" rx="96" fill="#14283c"/>
  <g transform="translate({tx:.1f} {ty:.1f}) scale({scale:.4f})" fill="#f1ece0" stroke="#f1ece0"
     stroke-width="3" stroke-linejoin="round">
{paths}
  </g>
  <circle cx="{float(lx) * scale + tx:.1f}" cy="{float(ly) * scale + ty:.1f}" r="34" fill="url(#glow)"/>
</svg>
"""


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    text = icon_svg()
    (OUT / "cnoatlas.svg").write_text(text, encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(text.encode()))
    if not renderer.isValid():
        raise SystemExit("the icon SVG does not render")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = OUT / f"cnoatlas-{size}.png"
        image.save(str(target), "PNG")
        print(f"wrote {target.relative_to(ROOT)}")
    print(f"wrote {(OUT / 'cnoatlas.svg').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
