"""What names a generated study without making one: the generator's version and the cache's place.

Light on purpose (no numpy): the study cache's policy and the card thumbnails' key need these
before the window's first paint, when the generator itself must not be loaded yet.
"""

from __future__ import annotations

from pathlib import Path

from cnoatlas import paths

GENERATOR_VERSION = "20"  # bump whenever the same description would give other pixels


def cache_root() -> Path:
    return paths.user_cache_dir() / "phantom"
