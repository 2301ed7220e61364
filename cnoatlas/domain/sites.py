"""The anatomical sites of the atlas and the groups that gather them, read from assets/sites.json.

A site id (``tibia.left.proximal-metaphysis``) is the one vocabulary that cases, annotations,
evidence values and quiz answers share. Leaf sites are single clickable shapes on the map;
groups (``tibia.left``, ``tibia``, ``spine.thoracic``, ``hand.left``) stand for the leaves they cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json_object, reject_unknown_fields
from cnoatlas.domain.errors import AtlasError, DataFileError

SIDES = frozenset({"left", "right", "midline"})
SEGMENTS = frozenset(
    {
        "epiphysis",
        "metaphysis",
        "diaphysis",
        "apophysis",
        "body",
        "posterior-elements",
        "base",
        "shaft",
        "head",
        "third",
        "column",
    }
)
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*")
_SITE_FIELDS = ("id", "name", "bone", "side", "segment", "parent")
_GROUP_FIELDS = ("id", "name", "parent", "members")


class UnknownSiteError(AtlasError):
    """An id that is neither a site nor a group of the site model."""

    def __init__(self, site_id: str) -> None:
        self.site_id = site_id
        super().__init__(f"unknown site id '{site_id}'")


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    bone: str
    side: str  # left, right or midline (the patient's side)
    segment: str | None
    parent: str | None

    def as_contract(self) -> dict[str, str | None]:
        """The shape `cnoatlas sites --json` prints."""
        return {
            "id": self.id,
            "name": self.name,
            "bone": self.bone,
            "side": self.side,
            "segment": self.segment,
        }


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    children: tuple[str, ...]  # direct children: sites and groups, in file order


class SiteModel:
    """All sites (in anatomical order, head to foot) and all groups."""

    def __init__(
        self,
        sites: dict[str, Site],
        groups: dict[str, Group],
        group_parents: dict[str, str | None] | None = None,
    ) -> None:
        self.sites = sites
        self.groups = groups
        self._group_parents = group_parents or {}
        self._expanded: dict[str, frozenset[str]] = {}

    def is_known(self, site_id: str) -> bool:
        return site_id in self.sites or site_id in self.groups

    def get(self, site_id: str) -> Site:
        """The leaf site with this id; UnknownSiteError (an AtlasError) otherwise."""
        try:
            return self.sites[site_id]
        except KeyError:
            raise UnknownSiteError(site_id) from None

    def group(self, group_id: str) -> Group:
        try:
            return self.groups[group_id]
        except KeyError:
            raise UnknownSiteError(group_id) from None

    def name(self, site_id: str) -> str:
        """The display name of a site or a group."""
        if site_id in self.sites:
            return self.sites[site_id].name
        return self.group(site_id).name

    def expand(self, site_id: str) -> frozenset[str]:
        """The leaf site ids a site or group id stands for."""
        if site_id in self.sites:
            return frozenset({site_id})
        cached = self._expanded.get(site_id)
        if cached is None:
            leaves: set[str] = set()
            for child in self.group(site_id).children:
                leaves |= self.expand(child)
            cached = self._expanded[site_id] = frozenset(leaves)
        return cached

    def expand_all(self, ids: Iterable[str]) -> frozenset[str]:
        result: set[str] = set()
        for site_id in ids:
            result |= self.expand(site_id)
        return frozenset(result)

    def ancestors(self, site_id: str) -> tuple[str, ...]:
        """The declared parents of a site or group, nearest first (``tibia.left``, ``tibia``)."""
        chain: list[str] = []
        node = self.get(site_id).parent if site_id in self.sites else self.group_parent(site_id)
        while node is not None:
            chain.append(node)
            node = self.group_parent(node)
        return tuple(chain)

    def group_parent(self, group_id: str) -> str | None:
        return self._group_parents.get(group_id)


def _read(path: Path) -> dict:
    raw = read_json_object(path, "a JSON object with 'sites' and 'groups'")
    if raw.get("version") != 1:
        raise DataFileError(path, "version", "must be 1")
    return raw


def _entries(path: Path, raw: dict, key: str, fields: tuple[str, ...]) -> list[dict]:
    entries = raw.get(key)
    if not isinstance(entries, list):
        raise DataFileError(path, key, "must be a list")
    for index, entry in enumerate(entries):
        where = f"{key}[{index}]"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object")
        reject_unknown_fields(path, entry, fields, where)
        for name in ("id", "name"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise DataFileError(path, f"{where}.{name}", "is missing")
        if not _ID.fullmatch(entry["id"]):
            raise DataFileError(
                path, f"{where}.id", f"'{entry['id']}' must be lowercase words joined by . and -"
            )
    return entries


def load_site_model(path: Path | None = None) -> SiteModel:
    """Read and check a sites file; DataFileError names the file, the field and the problem."""
    path = path or paths.assets_dir() / "sites.json"
    raw = _read(path)
    group_entries = _entries(path, raw, "groups", _GROUP_FIELDS)
    site_entries = _entries(path, raw, "sites", _SITE_FIELDS)

    seen: dict[str, str] = {}
    for key, entries in (("groups", group_entries), ("sites", site_entries)):
        for index, entry in enumerate(entries):
            where = f"{key}[{index}].id"
            if entry["id"] in seen:
                raise DataFileError(
                    path, where, f"duplicate id '{entry['id']}' (also {seen[entry['id']]})"
                )
            seen[entry["id"]] = f"{key}[{index}]"
    group_ids = {entry["id"] for entry in group_entries}

    def check_parent(where: str, entry: dict) -> None:
        parent = entry.get("parent")
        if parent is not None and parent not in group_ids:
            raise DataFileError(path, f"{where}.parent", f"'{parent}' is not a group id")

    children: dict[str, list[str]] = {gid: [] for gid in group_ids}
    for index, entry in enumerate(group_entries):
        where = f"groups[{index}]"
        check_parent(where, entry)
        if entry.get("parent") is not None:
            children[entry["parent"]].append(entry["id"])
    for index, entry in enumerate(group_entries):
        where = f"groups[{index}].members"
        members = entry.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise DataFileError(path, where, "must be a list of ids")
        for member in members:
            if member not in seen:
                raise DataFileError(path, where, f"'{member}' is not a site or group id")
            if member not in children[entry["id"]]:
                children[entry["id"]].append(member)

    sites: dict[str, Site] = {}
    for index, entry in enumerate(site_entries):
        where = f"sites[{index}]"
        if not isinstance(entry.get("bone"), str) or not entry["bone"].strip():
            raise DataFileError(path, f"{where}.bone", "is missing")
        if entry.get("side") not in SIDES:
            raise DataFileError(
                path, f"{where}.side", f"'{entry.get('side')}' must be left, right or midline"
            )
        segment = entry.get("segment")
        if segment is not None and segment not in SEGMENTS:
            raise DataFileError(
                path,
                f"{where}.segment",
                f"'{segment}' is not a known segment ({', '.join(sorted(SEGMENTS))} or null)",
            )
        check_parent(where, entry)
        site = Site(
            entry["id"], entry["name"], entry["bone"], entry["side"], segment, entry.get("parent")
        )
        sites[site.id] = site
        if site.parent is not None:
            children[site.parent].append(site.id)

    groups = {
        entry["id"]: Group(entry["id"], entry["name"], tuple(children[entry["id"]]))
        for entry in group_entries
    }
    _check_groups(path, groups, sites)
    parents = {entry["id"]: entry.get("parent") for entry in group_entries}
    return SiteModel(sites, groups, parents)


def _check_groups(path: Path, groups: dict[str, Group], sites: dict[str, Site]) -> None:
    """Every group must reach at least one site and must not contain itself."""
    state: dict[str, int] = {}  # 1 = being visited, 2 = done and covers a site

    def visit(gid: str, trail: tuple[str, ...]) -> None:
        if state.get(gid) == 2:
            return
        if state.get(gid) == 1:
            cycle = " -> ".join((*trail, gid))
            raise DataFileError(path, f"groups.{gid}", f"contains itself ({cycle})")
        state[gid] = 1
        covers = False
        for child in groups[gid].children:
            if child in groups:
                visit(child, (*trail, gid))
                covers = True
            elif child in sites:
                covers = True
        if not covers:
            raise DataFileError(path, f"groups.{gid}", "covers no site")
        state[gid] = 2

    for gid in groups:
        visit(gid, ())


@cache
def site_model() -> SiteModel:
    """The shipped site model, read once."""
    return load_site_model()


def format_sites_table(sites: Iterable[Site]) -> str:
    """A plain-text table of sites for the terminal."""
    rows = [("ID", "NAME", "BONE", "SIDE", "SEGMENT")]
    rows += [(s.id, s.name, s.bone, s.side, s.segment or "-") for s in sites]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    return "\n".join(line.rstrip() for line in lines)
