"""Short teaching notes on what CNO does at a site, each with its source (assets/site_notes.json)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json, reject_unknown_fields
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.sites import SEGMENTS, SiteModel, site_model
from cnoatlas.domain.sources import Source, bibliography

_FIELDS = {"id", "applies_to", "segments", "text", "source", "where"}


@dataclass(frozen=True)
class SiteNote:
    id: str
    text: str
    source: str  # id in assets/sources.json
    where: str  # where in the source (section, figure)
    sites: frozenset[str]  # leaf sites the note applies to
    by_segment: bool = False  # the note names segments (metaphysis…), not the bone as a whole


def load_site_notes(
    path: Path | None = None,
    model: SiteModel | None = None,
    sources: dict[str, Source] | None = None,
) -> list[SiteNote]:
    path = path or paths.assets_dir() / "site_notes.json"
    model = model or site_model()
    sources = sources if sources is not None else bibliography()
    raw = read_json(path)
    entries = raw.get("notes") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise DataFileError(path, "notes", "must be a list")
    notes: list[SiteNote] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"notes[{index}]"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object")
        reject_unknown_fields(path, entry, _FIELDS, where)
        for key in ("id", "text", "source"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise DataFileError(path, f"{where}.{key}", "is missing")
        if entry["id"] in seen:
            raise DataFileError(path, f"{where}.id", f"duplicate id '{entry['id']}'")
        seen.add(entry["id"])
        if entry["source"] not in sources:
            raise DataFileError(
                path, f"{where}.source", f"'{entry['source']}' is not in sources.json"
            )
        targets = entry.get("applies_to")
        if not isinstance(targets, list) or not targets:
            raise DataFileError(path, f"{where}.applies_to", "must list site or group ids")
        for target in targets:
            if not isinstance(target, str) or not model.is_known(target):
                raise DataFileError(path, f"{where}.applies_to", f"unknown site id '{target}'")
        segments = entry.get("segments")
        if segments is not None and (
            not isinstance(segments, list) or any(s not in SEGMENTS for s in segments)
        ):
            raise DataFileError(path, f"{where}.segments", "must list known segments")
        leaves = model.expand_all(targets)
        if segments:
            leaves = frozenset(s for s in leaves if model.sites[s].segment in segments)
        if not leaves:
            raise DataFileError(path, where, "applies to no site")
        notes.append(
            SiteNote(
                entry["id"],
                entry["text"].strip(),
                entry["source"],
                str(entry.get("where", "")),
                leaves,
                bool(segments),
            )
        )
    return notes


@cache
def site_notes() -> tuple[SiteNote, ...]:
    return tuple(load_site_notes())


def notes_for(
    site_id: str, notes: tuple[SiteNote, ...] | list[SiteNote] | None = None
) -> list[SiteNote]:
    """The notes that apply to a leaf site, most specific (fewest sites) first."""
    pool = site_notes() if notes is None else notes
    return sorted((n for n in pool if site_id in n.sites), key=lambda n: len(n.sites))


def for_whole_bone(note: SiteNote, site_id: str, model: SiteModel | None = None) -> str:
    """The bone a note speaks of as a whole when shown for one part of it ("femur"), else "".

    A note on the femur ("involved in 43 % of patients") read on the distal femoral epiphysis
    would seem to give that figure for the epiphysis: the panel then says it is for the bone.
    """
    model = model or site_model()
    site = model.sites.get(site_id)
    if site is None or not site.segment or note.by_segment:
        return ""
    parts = {model.sites[s].segment for s in note.sites if model.sites[s].bone == site.bone}
    return site.bone if len(parts) > 1 else ""
