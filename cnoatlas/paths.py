"""Where the atlas finds its shipped data and where it keeps the user's own state.

Shipped data (assets/, cases/) sits beside the package in the source tree. User state
(settings, progress, logs, caches) lives in the platform's user folders, never inside
the install. ``CNOATLAS_HOME`` moves all user state into one folder (tests, portable use).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import platformdirs

_APP = "cnoatlas"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    return Path(os.environ.get("CNOATLAS_ASSETS", PROJECT_ROOT / "assets"))


def cases_dir() -> Path:
    return Path(os.environ.get("CNOATLAS_CASES", PROJECT_ROOT / "cases"))


def _user_dir(kind: str) -> Path:
    home = os.environ.get("CNOATLAS_HOME")
    if home:
        path = Path(home) / kind
    else:
        path = Path(getattr(platformdirs, f"user_{kind}_dir")(_APP, appauthor=False))
    # A read-only disk must not stop the atlas here: each store says so when it cannot write.
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    return _user_dir("data")


def user_config_dir() -> Path:
    return _user_dir("config")


def user_cache_dir() -> Path:
    return _user_dir("cache")


def user_log_dir() -> Path:
    return _user_dir("log")


def log_file() -> Path:
    return user_log_dir() / "cnoatlas.log"
