"""Where the atlas finds its shipped data and where it keeps the user's own state.

Shipped data (assets/, cases/) sits at the top of the source tree; a wheel carries it as package
data in ``cnoatlas/_data/`` (found through importlib.resources), and a PyInstaller bundle beside
the program. ``CNOATLAS_ASSETS`` / ``CNOATLAS_CASES`` point at other folders. User state
(settings, progress, logs, caches) lives in the platform's user folders, never inside
the install. ``CNOATLAS_HOME`` moves all user state into one folder (tests, portable use).
"""

from __future__ import annotations

import contextlib
import os
from functools import cache
from importlib import resources
from pathlib import Path

import platformdirs

_APP = "cnoatlas"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@cache
def _shipped(name: str) -> Path:
    """The installed copy (wheel: cnoatlas/_data/NAME) if there is one, else the source tree's."""
    try:
        installed = Path(str(resources.files("cnoatlas") / "_data" / name))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - a zipped or odd loader
        installed = None
    if installed is not None and installed.is_dir():
        return installed
    return PROJECT_ROOT / name


def assets_dir() -> Path:
    override = os.environ.get("CNOATLAS_ASSETS")
    return Path(override) if override else _shipped("assets")


def cases_dir() -> Path:
    override = os.environ.get("CNOATLAS_CASES")
    return Path(override) if override else _shipped("cases")


def check_data() -> None:
    """The shipped data is there and in the format this code reads; else one clear line.

    A data folder from another release (an old CNOATLAS_ASSETS, a half-updated install) would
    otherwise fail later with a puzzling message about one field of one file.
    """
    from cnoatlas import DATA_VERSION, __version__
    from cnoatlas.domain.datafile import read_json_object
    from cnoatlas.domain.errors import AtlasError, DataFileError

    folder = assets_dir()
    if not folder.is_dir():
        raise AtlasError(
            f"{folder}: the atlas's data folder is missing (reinstall cnoatlas, or point "
            "CNOATLAS_ASSETS at an assets folder)"
        )
    path = folder / "data-version.json"
    found = read_json_object(path).get("data_version")
    if found != DATA_VERSION:
        raise DataFileError(
            path,
            "data_version",
            f"the data is version {found!r} but cnoatlas {__version__} reads version "
            f"{DATA_VERSION}; install data and program from the same release",
        )


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
