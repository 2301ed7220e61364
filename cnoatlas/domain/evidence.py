"""Evidence datasets: how often, or how typically, each skeletal site is involved, with its source.

One JSON file per dataset under assets/evidence/. Quantitative datasets give numbers on a scale
(e.g. % of patients with a lesion at the site); qualitative ones give a level (typical, possible,
rare) and never a number. Every dataset names a source id from assets/sources.json, and every
value names the site ids (leaf or group) it covers. Loading validates all of it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

from cnoatlas import paths
from cnoatlas.domain.colormap import RGB, LevelScale, NumericScale
from cnoatlas.domain.datafile import read_json_object, reject_unknown_fields
from cnoatlas.domain.errors import AtlasError, DataFileError
from cnoatlas.domain.sources import Source, bibliography

KINDS = ("quantitative", "qualitative")
LEVELS = ("typical", "possible", "rare")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TOP_FIELDS = {
    "condition",
    "id", "title", "kind", "unit", "symbol", "scale", "population", "citation", "via",
    "description", "values",
}  # fmt: skip
_VALUE_FIELDS = {"label", "value", "site_ids", "note", "citation"}
_POPULATION_FIELDS = {"patients", "lesions", "group", "description"}


class SiteVocabulary(Protocol):
    """What the loader needs from the site model (cnoatlas.domain.sites.SiteModel)."""

    def is_known(self, site_id: str) -> bool: ...

    def expand(self, site_id: str) -> frozenset[str]: ...


@dataclass(frozen=True)
class Population:
    patients: int | None = None
    lesions: int | None = None
    group: str = "patients"  # what the patients were, in a caption: "37 children"
    description: str = ""

    @property
    def summary(self) -> str:
        """'37 children, 317 lesions', or '' when the source counts nobody (a review)."""
        parts = []
        if self.patients is not None:
            parts.append(f"{self.patients} {self.group}")
        if self.lesions is not None:
            parts.append(f"{self.lesions} lesions")
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {
            "patients": self.patients,
            "lesions": self.lesions,
            "group": self.group,
            "description": self.description,
        }


@dataclass(frozen=True)
class EvidenceValue:
    label: str
    value: float | str  # a number (quantitative) or a level string (qualitative)
    site_ids: tuple[str, ...]
    note: str = ""
    source: Source | None = None  # only when this value has its own source (else the dataset's)


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    kind: str
    unit: str
    population: Population
    source: Source
    via: Source | None
    values: tuple[EvidenceValue, ...]
    file: Path
    symbol: str = ""
    scale: tuple[float, float] = (0.0, 100.0)
    description: str = ""
    condition: str = "cno"  # the disease the dataset is about (which key figures go with it)
    # leaf site id -> the value that covers it (built from the site model at load time)
    coverage: Mapping[str, EvidenceValue] = field(default_factory=dict, compare=False, repr=False)

    @property
    def quantitative(self) -> bool:
        return self.kind == "quantitative"

    @property
    def verified(self) -> bool:
        """False while any cited reference is still marked 'to check' in the bibliography."""
        cited = [self.source, self.via, *(v.source for v in self.values)]
        return all(s.verified for s in cited if s is not None)

    @property
    def source_line(self) -> str:
        """'Andronikou et al. 2020, via Nico et al. 2022'."""
        text = self.source.short
        if self.via is not None:
            text += f", via {self.via.short}"
        return text

    @property
    def caption(self) -> str:
        """The line that must always accompany the overlay: source, cohort and check status."""
        text = self.source_line
        if self.population.summary:
            text += f" — {self.population.summary}"
        elif self.population.description:
            text += f" — {self.population.description}"
        if not self.verified:
            text += " (citation to check)"
        return text

    def display(self, value: EvidenceValue) -> str:
        """How a value is written on the map: '68 %' or 'typical'."""
        if not self.quantitative:
            return str(value.value)
        # Keep the precision the source used: 64.0 stays 64.0 beside 61.3, 68 stays 68.
        decimals = max((_decimals(v.value) for v in self.values), default=0)
        return f"{float(value.value):.{decimals}f} {self.symbol}".rstrip()

    def source_of(self, value: EvidenceValue) -> Source:
        """The reference behind one value: its own, or the dataset's."""
        return value.source or self.source

    def value_at(self, leaf_id: str) -> EvidenceValue | None:
        """The value covering a leaf site, or None when the dataset says nothing about it."""
        return self.coverage.get(leaf_id)

    @property
    def citation_text(self) -> str:
        """Every reference behind the dataset as full text: the source, the review it was taken
        from, and any value with a source of its own; unchecked ones are marked."""

        def cite(source: Source) -> str:
            return source.citation + ("" if source.verified else " [citation to check]")

        parts = [cite(self.source)]
        if self.via is not None:
            parts.append(f"Via: {cite(self.via)}")
        parts += [f"{v.label}: {cite(v.source)}" for v in self.values if v.source is not None]
        return " ".join(parts)

    def to_json(self) -> dict:
        """Exactly the contract's shape for `cnoatlas evidence --json`. Qualitative values give
        their level ("typical", "possible", "rare") as the value."""
        return {
            "id": self.id,
            "title": self.title,
            "unit": self.unit,
            "citation": self.citation_text,
            "population": self.population.to_json(),
            "values": [
                {"label": v.label, "value": v.value, "site_ids": list(v.site_ids)}
                for v in self.values
            ],
        }


def _decimals(value: float | str) -> int:
    if isinstance(value, int) or not isinstance(value, float):
        return 0
    return min(2, max(1, len(repr(value).partition(".")[2].rstrip("0"))))


# --- loading ------------------------------------------------------------------------------
def _read_json(path: Path) -> dict:
    return read_json_object(path)


def _text(path: Path, raw: dict, key: str, where: str = "", required: bool = True) -> str:
    value = raw.get(key, "")
    name = f"{where}{key}"
    if not isinstance(value, str):
        raise DataFileError(path, name, "must be text")
    if required and not value.strip():
        raise DataFileError(path, name, "is missing")
    return value.strip()


def _count(path: Path, raw: dict, key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataFileError(path, f"population.{key}", "must be a whole number of at least 1")
    return value


def _population(path: Path, raw: object) -> Population:
    if raw is None:
        return Population()
    if not isinstance(raw, dict):
        raise DataFileError(path, "population", "must be an object (patients, lesions, group)")
    reject_unknown_fields(path, raw, _POPULATION_FIELDS, "population")
    return Population(
        patients=_count(path, raw, "patients"),
        lesions=_count(path, raw, "lesions"),
        group=_text(path, raw, "group", "population.", required=False) or "patients",
        description=_text(path, raw, "description", "population.", required=False),
    )


def _source(path: Path, raw: dict, key: str, sources: Mapping[str, Source]) -> Source | None:
    ref = raw.get(key)
    if ref is None and key == "via":
        return None
    if not isinstance(ref, str) or not ref.strip():
        raise DataFileError(path, key, "is missing (a source id from assets/sources.json)")
    if ref not in sources:
        raise DataFileError(path, key, f"unknown source id '{ref}' (add it to assets/sources.json)")
    return sources[ref]


def _scale(path: Path, raw: dict) -> tuple[float, float]:
    value = raw.get("scale", [0, 100])
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        or not value[1] > value[0]
    ):
        raise DataFileError(path, "scale", "must be [minimum, maximum] with maximum > minimum")
    low, high = float(value[0]), float(value[1])
    if raw.get("symbol") == "%" and (low < 0 or high > 100):
        raise DataFileError(path, "scale", "a percentage scale must lie within 0–100")
    return low, high


def _values(
    path: Path,
    raw: dict,
    kind: str,
    scale: tuple[float, float],
    sites: SiteVocabulary,
    sources: Mapping[str, Source],
) -> tuple[tuple[EvidenceValue, ...], dict[str, EvidenceValue]]:
    entries = raw.get("values")
    if not isinstance(entries, list) or not entries:
        raise DataFileError(path, "values", "must be a non-empty list")
    values: list[EvidenceValue] = []
    coverage: dict[str, EvidenceValue] = {}
    labels: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"values[{index}]"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object (label, value, site_ids)")
        reject_unknown_fields(path, entry, _VALUE_FIELDS, where)
        label = _text(path, entry, "label", f"{where}.")
        if label.casefold() in labels:
            raise DataFileError(path, f"{where}.label", f"duplicate label '{label}'")
        labels.add(label.casefold())
        value = entry.get("value")
        if kind == "quantitative":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataFileError(path, f"{where}.value", "must be a number")
            if not math.isfinite(value) or not scale[0] <= value <= scale[1]:
                raise DataFileError(
                    path,
                    f"{where}.value",
                    f"{value} is outside the scale {scale[0]:g}–{scale[1]:g}",
                )
        elif value not in LEVELS:
            raise DataFileError(path, f"{where}.value", f"must be one of {', '.join(LEVELS)}")
        site_ids = entry.get("site_ids")
        if not isinstance(site_ids, list) or not site_ids:
            raise DataFileError(path, f"{where}.site_ids", "must be a non-empty list of site ids")
        note = _text(path, entry, "note", f"{where}.", required=False)
        own = None
        if "citation" in entry:
            ref = entry["citation"]
            if not isinstance(ref, str) or ref not in sources:
                raise DataFileError(path, f"{where}.citation", f"unknown source id '{ref}'")
            own = sources[ref]
        item = EvidenceValue(label, value, tuple(site_ids), note, own)
        for site_id in site_ids:
            if not isinstance(site_id, str) or not sites.is_known(site_id):
                raise DataFileError(path, f"{where}.site_ids", f"unknown site id '{site_id}'")
            for leaf in sites.expand(site_id):
                other = coverage.get(leaf)
                if other is not None and other is not item:
                    raise DataFileError(
                        path,
                        f"{where}.site_ids",
                        f"'{site_id}' overlaps '{other.label}' at {leaf} (one value per site)",
                    )
                coverage[leaf] = item
        values.append(item)
    return tuple(values), coverage


_CONDITION = re.compile(r"^[a-z][a-z0-9-]*$")


def _condition(path: Path, raw: Mapping, where: str = "") -> str:
    """The optional "condition" a dataset or card is about: an id such as "lch" (default "cno")."""
    value = raw.get("condition", "cno")
    if not isinstance(value, str) or not _CONDITION.match(value):
        raise DataFileError(path, f"{where}condition", "must be a short lowercase id such as 'lch'")
    return value


def load_dataset(
    path: Path, sources: Mapping[str, Source] | None = None, sites: SiteVocabulary | None = None
) -> Dataset:
    """Read and validate one dataset file; problems raise DataFileError naming file and field."""
    sources = bibliography() if sources is None else sources
    if sites is None:
        from cnoatlas.domain.sites import site_model

        sites = site_model()
    raw = _read_json(path)
    reject_unknown_fields(path, raw, _TOP_FIELDS)
    dataset_id = _text(path, raw, "id")
    if not _ID.match(dataset_id):
        raise DataFileError(path, "id", f"'{dataset_id}' must be lowercase letters, digits, '-'")
    if dataset_id != path.stem:
        raise DataFileError(path, "id", f"'{dataset_id}' must match the file name '{path.stem}'")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise DataFileError(path, "kind", f"must be one of {', '.join(KINDS)}")
    symbol = _text(path, raw, "symbol", required=False)
    if kind == "qualitative" and ("scale" in raw or symbol):
        raise DataFileError(path, "scale", "a qualitative dataset has levels, not a scale")
    scale = _scale(path, raw) if kind == "quantitative" else (0.0, 100.0)
    values, coverage = _values(path, raw, kind, scale, sites, sources)
    return Dataset(
        id=dataset_id,
        title=_text(path, raw, "title"),
        kind=kind,
        unit=_text(path, raw, "unit"),
        population=_population(path, raw.get("population")),
        source=_source(path, raw, "citation", sources),
        via=_source(path, raw, "via", sources),
        values=values,
        file=path,
        symbol=symbol,
        scale=scale,
        description=_text(path, raw, "description", required=False),
        condition=_condition(path, raw),
        coverage=coverage,
    )


def load_evidence(
    folder: Path | None = None,
    sources: Mapping[str, Source] | None = None,
    sites: SiteVocabulary | None = None,
) -> dict[str, Dataset]:
    """Every dataset in the folder, quantitative first, then by id."""
    folder = folder or paths.assets_dir() / "evidence"
    if not folder.is_dir():
        raise DataFileError(folder, "", "evidence folder not found")
    datasets = [load_dataset(p, sources, sites) for p in sorted(folder.glob("*.json"))]
    datasets.sort(key=lambda d: (d.kind != "quantitative", d.id))
    return {d.id: d for d in datasets}


@cache
def evidence_library() -> dict[str, Dataset]:
    """The shipped datasets, read once."""
    return load_evidence()


def get_dataset(dataset_id: str, library: Mapping[str, Dataset] | None = None) -> Dataset:
    library = evidence_library() if library is None else library
    if dataset_id not in library:
        raise AtlasError(
            f"unknown evidence dataset '{dataset_id}' (known: {', '.join(sorted(library))})"
        )
    return library[dataset_id]


# --- fact cards ---------------------------------------------------------------------------
_FACT_FIELDS = {"id", "title", "value", "text", "sources", "via", "check", "condition"}


@dataclass(frozen=True)
class FactCard:
    """One figure from the literature with a short explanation and its references."""

    id: str
    title: str
    value: str
    text: str
    sources: tuple[Source, ...]
    via: Source | None = None
    check: str = ""  # why the figure is still to be checked, '' when it is not
    condition: str = "cno"  # the disease the figure is about

    @property
    def verified(self) -> bool:
        cited = [*self.sources, self.via]
        return not self.check and all(s.verified for s in cited if s is not None)

    @property
    def source_line(self) -> str:
        text = "; ".join(s.short for s in self.sources)
        if self.via is not None and self.via not in self.sources:
            text += f", via {self.via.short}"
        return text


def load_facts(
    path: Path | None = None, sources: Mapping[str, Source] | None = None
) -> list[FactCard]:
    """The fact cards in file order; every card must cite at least one known source."""
    path = path or paths.assets_dir() / "facts.json"
    sources = bibliography() if sources is None else sources
    raw = _read_json(path)
    entries = raw.get("facts")
    if not isinstance(entries, list):
        raise DataFileError(path, "facts", "must be a list of fact cards")
    cards: list[FactCard] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"facts[{index}]"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object")
        reject_unknown_fields(path, entry, _FACT_FIELDS, where)
        card_id = _text(path, entry, "id", f"{where}.")
        if card_id in seen:
            raise DataFileError(path, f"{where}.id", f"duplicate id '{card_id}'")
        seen.add(card_id)
        refs = entry.get("sources")
        if not isinstance(refs, list) or not refs:
            raise DataFileError(path, f"{where}.sources", "is missing (source ids to cite)")
        for ref in refs:
            if ref not in sources:
                raise DataFileError(path, f"{where}.sources", f"unknown source id '{ref}'")
        via = entry.get("via")
        if via is not None and via not in sources:
            raise DataFileError(path, f"{where}.via", f"unknown source id '{via}'")
        cards.append(
            FactCard(
                id=card_id,
                title=_text(path, entry, "title", f"{where}."),
                value=_text(path, entry, "value", f"{where}."),
                text=_text(path, entry, "text", f"{where}."),
                sources=tuple(sources[r] for r in refs),
                via=sources[via] if via else None,
                check=_text(path, entry, "check", f"{where}.", required=False),
                condition=_condition(path, entry, f"{where}."),
            )
        )
    return cards


def facts_for(dataset: Dataset, cards: Sequence[FactCard]) -> list[FactCard]:
    """The key figures that go with a dataset: those about the disease it maps."""
    return [c for c in cards if c.condition == dataset.condition]


@cache
def fact_cards() -> tuple[FactCard, ...]:
    """The shipped fact cards, read once."""
    return tuple(load_facts())


# --- plain-text listing (the `evidence` command) ------------------------------------------
def format_evidence_table(datasets: list[Dataset]) -> str:
    """A readable listing: one block per dataset, one aligned row per value."""
    blocks = []
    for d in datasets:
        lines = [f"{d.id}  ({d.kind})  {d.title}", f"  unit: {d.unit}", f"  source: {d.caption}"]
        width = max(len(v.label) for v in d.values)
        for v in d.values:
            sites = ", ".join(v.site_ids[:3])
            if len(v.site_ids) > 3:
                sites += f" (+{len(v.site_ids) - 3} more)"
            lines.append(f"    {v.label:<{width}}  {d.display(v):>9}  {sites}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- what an overlay shows ----------------------------------------------------------------
def site_colours(dataset: Dataset) -> dict[str, RGB]:
    """The colour of every leaf site the dataset covers; uncovered sites are left out (no data)."""
    if dataset.quantitative:
        numeric = NumericScale(*dataset.scale)
        return {leaf: numeric.rgb(float(v.value)) for leaf, v in dataset.coverage.items()}
    levels = LevelScale(LEVELS)
    return {leaf: levels.rgb(str(v.value)) for leaf, v in dataset.coverage.items()}


def hover_text(dataset: Dataset, leaf_id: str, site_name: str) -> str:
    """What hovering a site says: the site, the value and its label, the unit, the source."""
    value = dataset.value_at(leaf_id)
    if value is None:
        return f"{site_name}\nNo data in {dataset.source_line}\n(not the same as 0)"
    source = dataset.source_of(value)
    cited = source.short
    if value.source is None and dataset.via is not None:
        cited += f", via {dataset.via.short}"
    lines = [site_name, f"{value.label}: {dataset.display(value)}", dataset.unit]
    if value.note:
        lines.append(value.note)
    lines.append(f"Source: {cited}" + ("" if source.verified else " (citation to check)"))
    return "\n".join(lines)
