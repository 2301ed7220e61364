"""The bibliography: every source the atlas cites, read from assets/sources.json, and the
sources lecturers added in the case editor (``<user data>/sources.json``, same format, always
``verified: false``: shown as a citation still to check)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json, reject_unknown_fields
from cnoatlas.domain.errors import DataFileError

_REQUIRED = ("id", "authors", "title", "journal", "year")


@dataclass(frozen=True)
class Source:
    id: str
    authors: str
    title: str
    journal: str
    year: int
    details: str = ""
    doi: str = ""
    role: str = ""
    verified: bool = (
        True  # False: details not yet checked against the article ("citation to check")
    )

    @property
    def citation(self) -> str:
        """A full reference in the Vancouver style medical journals use."""
        text = f"{self.authors}. {self.title}. {self.journal} {self.year}"
        if self.details:
            text += f";{self.details}"
        text += "."
        if self.doi:
            text += f" doi:{self.doi}"
        return text

    @property
    def short(self) -> str:
        first = self.authors.split(",")[0].split(" ")[0]
        return f"{first} et al. {self.year}"


def load_sources(path: Path | None = None) -> dict[str, Source]:
    path = path or paths.assets_dir() / "sources.json"
    raw = read_json(path)
    entries = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise DataFileError(path, "sources", "must be a list of references")
    result: dict[str, Source] = {}
    for index, entry in enumerate(entries):
        where = f"sources[{index}]"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object")
        for key in _REQUIRED:
            if not entry.get(key):
                raise DataFileError(path, f"{where}.{key}", "is missing")
        reject_unknown_fields(path, entry, Source.__dataclass_fields__, where)
        if entry["id"] in result:
            raise DataFileError(path, f"{where}.id", f"duplicate id '{entry['id']}'")
        if not isinstance(entry["year"], int):
            raise DataFileError(path, f"{where}.year", "must be a whole number")
        if not isinstance(entry.get("verified", True), bool):
            raise DataFileError(path, f"{where}.verified", "must be true or false")
        result[entry["id"]] = Source(**entry)
    return result


USER_SOURCES_FILE = "sources.json"  # under paths.user_data_dir()
log = logging.getLogger("cnoatlas.sources")


def user_sources_path() -> Path:
    return paths.user_data_dir() / USER_SOURCES_FILE


@cache
def _shipped() -> dict[str, Source]:
    return load_sources()


@cache
def _with_user(path: str, stamp: float) -> dict[str, Source]:
    shipped = _shipped()
    try:
        added = load_sources(Path(path))
    except DataFileError as exc:  # the user's own file: a problem never hides the shipped ones
        log.warning("your added sources are left out: %s", exc)
        return shipped
    return {**shipped, **{k: v for k, v in added.items() if k not in shipped}}


def bibliography() -> dict[str, Source]:
    """The shipped bibliography (read once) and the sources the user added."""
    path = user_sources_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return _shipped()
    return _with_user(str(path), stamp)


_SOURCE_ID = re.compile(r"[a-z][a-z0-9-]*[0-9]{4}[a-z]?")


def add_user_source(
    source_id: str, authors: str, title: str, journal: str, year: int, details: str = ""
) -> Source:
    """Add a source to the user's bibliography (marked not verified); AtlasError when it cannot
    be (a bad or taken id, a missing field)."""
    from cnoatlas.domain.errors import AtlasError
    from cnoatlas.domain.storage import atomic_write_json

    source_id = source_id.strip()
    if not _SOURCE_ID.fullmatch(source_id):
        raise AtlasError(
            f"source id '{source_id}': lowercase name then year, e.g. smith2021 or smith2021b"
        )
    if source_id in bibliography():
        raise AtlasError(f"source id '{source_id}' is already in the bibliography")
    fields = {"authors": authors, "title": title, "journal": journal}
    for key, value in fields.items():
        if not value.strip():
            raise AtlasError(f"a new source needs its {key}")
    if not isinstance(year, int) or not 1800 <= year <= 2100:
        raise AtlasError(f"year {year!r}: a whole number such as 2021")
    entry = {"id": source_id, **{k: v.strip() for k, v in fields.items()}, "year": year}
    if details.strip():
        entry["details"] = details.strip()
    entry["verified"] = False
    path = user_sources_path()
    entries = []
    if path.is_file():
        raw = read_json(path)
        entries = list(raw.get("sources", [])) if isinstance(raw, dict) else []
    atomic_write_json(path, {"sources": [*entries, entry]})
    return bibliography()[source_id]
