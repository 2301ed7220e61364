"""The cited statement and feature bank (assets/quiz/*.json), read and checked on load.

Every entry carries an explanation written for the atlas, a citation that must be a known
source id and a review note (why the key is right and which source says so); an entry that breaks a rule raises DataFileError naming the file, field and problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.quiz.questions import DIAGNOSES, TOPICS
from cnoatlas.domain.sources import bibliography

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Statement:
    id: str
    topic: str
    text: str
    answer: bool
    explanation: str
    sources: tuple[str, ...]
    via: str | None = None
    review: str = ""  # the reviewer's note: why the key is right, and which source says so


@dataclass(frozen=True)
class BestAnswer:
    id: str
    topic: str
    prompt: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    sources: tuple[str, ...]
    via: str | None = None
    differential: str | None = None
    review: str = ""  # why the key is right, which source


@dataclass(frozen=True)
class Feature:
    """A finding and the diagnosis it favours when CNO is set against one alternative."""

    id: str
    topic: str
    finding: str
    favours: str
    against: str
    explanation: str
    sources: tuple[str, ...]
    via: str | None = None
    review: str = ""  # why the key is right, which source

    @property
    def differential(self) -> str:
        return self.against if self.favours == "cno" else self.favours


@dataclass(frozen=True)
class SiteFrequency:
    site_id: str
    label: str
    value: float


@dataclass(frozen=True)
class FrequencyTable:
    """Percent of patients with a lesion in each bone group, with its source."""

    id: str
    title: str
    sources: tuple[str, ...]
    via: str | None
    values: tuple[SiteFrequency, ...]

    def ranked(self) -> tuple[SiteFrequency, ...]:
        return tuple(sorted(self.values, key=lambda v: -v.value))

    def value(self, site_id: str) -> float:
        return next(v.value for v in self.values if v.site_id == site_id)


@dataclass(frozen=True)
class Bank:
    statements: tuple[Statement, ...]
    best_answers: tuple[BestAnswer, ...]
    features: tuple[Feature, ...]
    frequencies: FrequencyTable


class _Reader:
    """Field access that reports the file and the dotted field on every problem."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sources = bibliography()

    def load(self) -> dict[str, Any]:
        raw = read_json(self.path)
        if not isinstance(raw, dict) or raw.get("version") != 1:
            raise DataFileError(self.path, "version", "must be 1")
        return raw

    def fail(self, where: str, problem: str) -> DataFileError:
        return DataFileError(self.path, where, problem)

    def entries(self, raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
        entries = raw.get(key)
        if not isinstance(entries, list) or not entries:
            raise self.fail(key, "must be a non-empty list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise self.fail(f"{key}[{index}]", "must be an object")
        return entries

    def text(self, entry: dict[str, Any], where: str, key: str) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "must be non-empty text")
        return value.strip()

    def ident(self, entry: dict[str, Any], where: str, seen: set[str]) -> str:
        value = self.text(entry, where, "id")
        if not _ID.match(value):
            raise self.fail(f"{where}.id", f"'{value}' must be lowercase words joined by '-'")
        if value in seen:
            raise self.fail(f"{where}.id", f"duplicate id '{value}'")
        seen.add(value)
        return value

    def topic(self, entry: dict[str, Any], where: str) -> str:
        value = self.text(entry, where, "topic")
        if value not in TOPICS:
            raise self.fail(f"{where}.topic", f"'{value}' is not one of {', '.join(TOPICS)}")
        return value

    def diagnosis(self, entry: dict[str, Any], where: str, key: str) -> str:
        value = self.text(entry, where, key)
        if value not in DIAGNOSES:
            raise self.fail(f"{where}.{key}", f"'{value}' is not a diagnosis id")
        return value

    def citation(self, entry: dict[str, Any], where: str) -> tuple[tuple[str, ...], str | None]:
        value = entry.get("citation")
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise self.fail(f"{where}.citation", "must be a source id or a list of them")
        for source in ids:
            if source not in self.sources:
                raise self.fail(f"{where}.citation", f"unknown source '{source}'")
        via = entry.get("via")
        if via is not None and via not in self.sources:
            raise self.fail(f"{where}.via", f"unknown source '{via}'")
        return tuple(ids), via


def _statements(path: Path) -> tuple[tuple[Statement, ...], tuple[BestAnswer, ...]]:
    r = _Reader(path)
    raw = r.load()
    seen: set[str] = set()
    statements = []
    for index, entry in enumerate(r.entries(raw, "statements")):
        where = f"statements[{index}]"
        if not isinstance(entry.get("answer"), bool):
            raise r.fail(f"{where}.answer", "must be true or false")
        sources, via = r.citation(entry, where)
        statements.append(
            Statement(
                r.ident(entry, where, seen),
                r.topic(entry, where),
                r.text(entry, where, "text"),
                entry["answer"],
                r.text(entry, where, "explanation"),
                sources,
                via,
                r.text(entry, where, "review"),
            )
        )
    best = []
    for index, entry in enumerate(r.entries(raw, "single_best_answers")):
        where = f"single_best_answers[{index}]"
        options = entry.get("options")
        if (
            not isinstance(options, list)
            or not 2 <= len(options) <= 9
            or not all(isinstance(o, str) and o.strip() for o in options)
        ):
            raise r.fail(f"{where}.options", "must be a list of 2 to 9 texts")
        if len(set(options)) != len(options):
            raise r.fail(f"{where}.options", "has the same option twice")
        answer = r.text(entry, where, "answer")
        if answer not in options:
            raise r.fail(f"{where}.answer", "must be one of the options")
        differential = entry.get("differential")
        if differential is not None:
            differential = r.diagnosis(entry, where, "differential")
        sources, via = r.citation(entry, where)
        best.append(
            BestAnswer(
                r.ident(entry, where, seen),
                r.topic(entry, where),
                r.text(entry, where, "prompt"),
                tuple(options),
                answer,
                r.text(entry, where, "explanation"),
                sources,
                via,
                differential,
                r.text(entry, where, "review"),
            )
        )
    return tuple(statements), tuple(best)


def _features(path: Path) -> tuple[Feature, ...]:
    r = _Reader(path)
    raw = r.load()
    seen: set[str] = set()
    result = []
    for index, entry in enumerate(r.entries(raw, "features")):
        where = f"features[{index}]"
        favours = r.diagnosis(entry, where, "favours")
        against = r.diagnosis(entry, where, "against")
        if "cno" not in (favours, against) or favours == against:
            raise r.fail(where, "a feature must set CNO against one other diagnosis")
        sources, via = r.citation(entry, where)
        result.append(
            Feature(
                r.ident(entry, where, seen),
                r.topic(entry, where),
                r.text(entry, where, "finding"),
                favours,
                against,
                r.text(entry, where, "explanation"),
                sources,
                via,
                r.text(entry, where, "review"),
            )
        )
    return tuple(result)


# The evidence dataset labels a value the way a table does ("Spinal"); a question needs a noun.
_NOUNS = {"spine": "Spine"}


def andronikou_frequencies() -> FrequencyTable:
    """Fig. 11 of the seed (Andronikou 2020): % of children with a lesion in each bone.

    Read from the evidence datasets, so the quiz and the map overlay always show the same figures.
    """
    from cnoatlas.domain.evidence import get_dataset

    data = get_dataset("andronikou2020")
    values = tuple(
        SiteFrequency(v.site_ids[0], _NOUNS.get(v.site_ids[0], v.label), float(v.value))
        for v in data.values
        if len(v.site_ids) == 1 and isinstance(v.value, int | float)
    )
    if len({v.value for v in values}) != len(values):
        raise DataFileError(data.file, "values", "two sites share a value; a ranking is ambiguous")
    return FrequencyTable(
        data.id, data.title, (data.source.id,), data.via.id if data.via else None, values
    )


def load_bank(folder: Path | None = None) -> Bank:
    folder = folder or paths.assets_dir() / "quiz"
    statements, best = _statements(folder / "statements.json")
    return Bank(
        statements,
        best,
        _features(folder / "features.json"),
        andronikou_frequencies(),
    )


@cache
def bank() -> Bank:
    """The shipped bank, read once."""
    return load_bank()
