"""The bibliography: every source the atlas cites, read from assets/sources.json."""

from __future__ import annotations

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
    verified: bool = True  # False: details not yet checked against the article ("citation to check")

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


@cache
def bibliography() -> dict[str, Source]:
    """The shipped bibliography, read once."""
    return load_sources()
