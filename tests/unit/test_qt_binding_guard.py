"""Guards against PySide6 releases that crash on Python 3.11 (see pyproject.toml)."""

import sys
import tomllib
from pathlib import Path

import PySide6
from PySide6.QtCore import QPoint

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_keeps_pyside6_below_6_12():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    qt = [d for d in deps if d.lower().startswith("pyside6")]
    assert qt, "PySide6 must be a declared dependency"
    assert all("<6.12" in d.replace(" ", "") for d in qt), qt


def test_installed_pyside6_is_not_the_leaking_release():
    major, minor = (int(p) for p in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), PySide6.__version__


def test_void_qt_calls_do_not_leak_references_to_none():
    # 6.12.0 on Python 3.11 drops one reference to None per void call; 1000 calls would show it.
    point = QPoint(0, 0)
    before = sys.getrefcount(None)
    for i in range(1000):
        point.setX(i)
    after = sys.getrefcount(None)
    assert after >= before - 10, f"None lost {before - after} references in 1000 void calls"
