"""Puts CNO Atlas into the desktop's application menu (Linux: freedesktop.org menus).

    python -m cnoatlas.desktop            install the menu entry and icons for this user
    python -m cnoatlas.desktop --remove   take them out again

The entry starts the ``cnoatlas`` this Python runs (a venv, pipx or a bundle need no PATH).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from cnoatlas import paths

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _command() -> str:
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the program itself
        return sys.executable
    script = Path(sys.executable).with_name("cnoatlas")
    return str(script) if script.exists() else shutil.which("cnoatlas") or "cnoatlas"


def targets(data_home: Path | None = None) -> dict[Path, Path]:
    """Installed file -> shipped file."""
    home = data_home or _data_home()
    icons = paths.assets_dir() / "icons"
    out = {home / "applications" / "cnoatlas.desktop": paths.assets_dir() / "desktop" / "cnoatlas.desktop"}
    out[home / "icons" / "hicolor" / "scalable" / "apps" / "cnoatlas.svg"] = icons / "cnoatlas.svg"
    for size in SIZES:
        out[home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "cnoatlas.png"] = (
            icons / f"cnoatlas-{size}.png"
        )
    return out


def install(data_home: Path | None = None) -> list[Path]:
    written = []
    for target, source in targets(data_home).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".desktop":
            text = source.read_text(encoding="utf-8")
            command = _command()
            quoted = f'"{command}"' if " " in command else command
            target.write_text(text.replace("Exec=cnoatlas", f"Exec={quoted}"), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


def remove(data_home: Path | None = None) -> list[Path]:
    removed = []
    for target in targets(data_home):
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnoatlas.desktop", description=__doc__.splitlines()[0])
    parser.add_argument("--remove", action="store_true", help="remove the menu entry and icons")
    args = parser.parse_args(argv)
    try:
        done = remove() if args.remove else install()
    except OSError as exc:
        print(f"cnoatlas.desktop: {getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}",
              file=sys.stderr)  # fmt: skip
        return 2
    verb = "removed" if args.remove else "installed"
    print(f"{verb} {len(done)} file(s) under {_data_home()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
