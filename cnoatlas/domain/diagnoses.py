"""The atlas's diagnosis hierarchy: which diagnoses are kinds of which.

A Brodie abscess and infectious spondylodiscitis are forms of bacterial osteomyelitis; offering
one beside the other in a quiz gives two right answers. ``overlap`` is the test every quiz item's
options must pass. "other" is the catch-all and overlaps everything, so it is never an option
beside a named diagnosis.

The contract's diagnosis vocabulary is fixed, so a case of scurvy or an osteoid osteoma is filed
as "other" with a named sub-diagnosis (``other_diagnosis``) from assets/other_diagnoses.json.
Each of those is a kind of "other": distinct from each other and from the named diagnoses, so a
quiz can offer them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json_object, reject_unknown_fields
from cnoatlas.domain.errors import DataFileError

# child -> parent. Anything not listed (and not a sub-diagnosis of "other") is a root.
PARENT: dict[str, str] = {
    "brodie-abscess": "bacterial-osteomyelitis",
    "spondylodiscitis": "bacterial-osteomyelitis",
}

CATCH_ALL = "other"
OTHER_FILE = "other_diagnoses.json"


@dataclass(frozen=True)
class OtherDiagnosis:
    """A named diagnosis filed under "other": its id, its label and how it reads in a sentence."""

    id: str
    label: str
    short: str
    sources: tuple[str, ...]


def load_other_diagnoses(
    path: Path | None = None, known_sources: frozenset[str] | None = None
) -> dict[str, OtherDiagnosis]:
    """The sub-diagnoses of "other", checked: DataFileError names the file, field and problem."""
    path = path or paths.assets_dir() / OTHER_FILE
    raw = read_json_object(path)
    reject_unknown_fields(path, raw, ("about", "other_diagnoses"))
    entries = raw.get("other_diagnoses")
    if not isinstance(entries, list) or not entries:
        raise DataFileError(path, "other_diagnoses", "must be a non-empty list")
    if known_sources is None:
        from cnoatlas.domain.sources import bibliography

        known_sources = frozenset(bibliography())
    result: dict[str, OtherDiagnosis] = {}
    for index, entry in enumerate(entries):
        where = f"other_diagnoses[{index}]"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object")
        reject_unknown_fields(path, entry, ("id", "label", "short", "sources"), where)
        for key in ("id", "label", "short"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise DataFileError(path, f"{where}.{key}", "must be a non-empty text")
        dx = entry["id"]
        if dx in result:
            raise DataFileError(path, f"{where}.id", f"duplicate id '{dx}'")
        if dx == CATCH_ALL or dx in PARENT or dx in _NAMED_ROOTS:
            raise DataFileError(path, f"{where}.id", f"'{dx}' is already a named diagnosis")
        sources = entry.get("sources")
        if not isinstance(sources, list) or not sources:
            raise DataFileError(path, f"{where}.sources", "needs at least one source id")
        for k, source in enumerate(sources):
            if source not in known_sources:
                raise DataFileError(
                    path, f"{where}.sources[{k}]", f"unknown source '{source}' (see sources.json)"
                )
        result[dx] = OtherDiagnosis(dx, entry["label"].strip(), entry["short"].strip(),
                                    tuple(sources))  # fmt: skip
    return result


# The contract's named diagnoses (cnoatlas.domain.cases.DIAGNOSES without "other"); a
# sub-diagnosis may not reuse one of these ids.
_NAMED_ROOTS = frozenset(
    ("cno", "bacterial-osteomyelitis", "lch", "ewing-sarcoma", "osteosarcoma", "leukaemia",
     "lymphoma")
)  # fmt: skip


@cache
def other_diagnoses() -> dict[str, OtherDiagnosis]:
    """The shipped sub-diagnoses of "other", read once."""
    return load_other_diagnoses()


def parent(diagnosis: str) -> str | None:
    if diagnosis in PARENT:
        return PARENT[diagnosis]
    if diagnosis != CATCH_ALL and diagnosis in other_diagnoses():
        return CATCH_ALL
    return None


def ancestors(diagnosis: str) -> tuple[str, ...]:
    """The diagnosis itself and everything it is a kind of, nearest first."""
    chain = [diagnosis]
    while (up := parent(chain[-1])) is not None:
        chain.append(up)
    return tuple(chain)


def overlap(a: str, b: str) -> bool:
    """True when one diagnosis includes the other (or they are the same, or one is 'other')."""
    if CATCH_ALL in (a, b):
        return True
    return a in ancestors(b) or b in ancestors(a)


def distinct(options: list[str] | tuple[str, ...]) -> bool:
    """True when no two options overlap, so exactly one can be the answer."""
    return all(not overlap(x, y) for i, x in enumerate(options) for y in options[i + 1 :])
