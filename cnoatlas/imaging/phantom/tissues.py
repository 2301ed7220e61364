"""Tissue parameters (assets/phantom/tissues.json) and the closed-form MR signal equations.

Each tissue is a water component plus a fat fraction; the fat component always follows the
table's "fat" entry, so red and yellow marrow differ only in their fat fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json_object
from cnoatlas.domain.errors import DataFileError

_TISSUE_FIELDS = ("pd", "t1_ms", "t2_ms", "adc", "ff")
SEQUENCE_KINDS = ("se", "ir", "dwi")


@dataclass(frozen=True)
class Tissue:
    name: str
    pd: float
    t1_ms: float
    t2_ms: float
    adc: float  # 10^-3 mm^2/s
    ff: float  # fat fraction 0..1
    source: str | None


@dataclass(frozen=True)
class Weighting:
    """The timing of one pulse sequence (all times in ms)."""

    name: str
    kind: str  # se, ir or dwi
    tr_ms: float
    te_ms: float
    ti_ms: float | None
    etl: int
    b: float
    noise: float  # noise sigma relative to the signal of pure water at PD 1


@dataclass(frozen=True)
class TissueTable:
    tissues: dict[str, Tissue]
    fat: Tissue
    weightings: dict[str, Weighting]
    field_strength_t: float

    def signal(self, tissue: str | Tissue, weighting: str, ff: float | None = None) -> float:
        """Noise-free magnitude signal of a tissue; ``ff`` overrides its fat fraction."""
        t = self.tissues[tissue] if isinstance(tissue, str) else tissue
        w = self.weightings[weighting]
        fat_fraction = t.ff if ff is None else ff
        water = _signal(t.pd, t.t1_ms, t.t2_ms, t.adc, w)
        fat = _signal(self.fat.pd, self.fat.t1_ms, self.fat.t2_ms, self.fat.adc, w)
        return (1.0 - fat_fraction) * water + fat_fraction * fat


def _signal(pd: float, t1: float, t2: float, adc: float, w: Weighting) -> float:
    decay = math.exp(-w.te_ms / t2)
    recovery = math.exp(-w.tr_ms / t1)
    if w.kind == "se":
        return pd * (1.0 - recovery) * decay
    inversion = pd * abs(1.0 - 2.0 * math.exp(-(w.ti_ms or 0.0) / t1) + recovery) * decay
    if w.kind == "ir":
        return inversion
    return inversion * math.exp(-w.b * adc * 1e-3)


def _number(path: Path, where: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFileError(path, where, "must be a number")
    if not low <= value <= high:
        raise DataFileError(path, where, f"must be between {low} and {high}")
    return float(value)


def _tissue(path: Path, name: str, entry: object, where: str) -> Tissue:
    if not isinstance(entry, dict):
        raise DataFileError(path, where, "must be an object")
    limits = {
        "pd": (0, 1.5),
        "t1_ms": (1, 10000),
        "t2_ms": (0.1, 5000),
        "adc": (0, 4),
        "ff": (0, 1),
    }
    values = {}
    for key in _TISSUE_FIELDS:
        if key not in entry:
            if key in ("pd", "ff"):
                values[key] = 1.0 if key == "pd" else 0.0
                continue
            raise DataFileError(path, f"{where}.{key}", "is missing")
        values[key] = _number(path, f"{where}.{key}", entry[key], *limits[key])
    source = entry.get("source")
    if source is not None and not isinstance(source, str):
        raise DataFileError(path, f"{where}.source", "must be a source id or null")
    return Tissue(name=name, source=source, **values)


def load_tissue_table(path: Path | None = None) -> TissueTable:
    path = path or paths.assets_dir() / "phantom" / "tissues.json"
    raw = read_json_object(path)
    fat = _tissue(path, "fat", raw.get("fat"), "fat")
    entries = raw.get("tissues")
    if not isinstance(entries, dict) or not entries:
        raise DataFileError(path, "tissues", "must be an object of tissues")
    tissues = {name: _tissue(path, name, e, f"tissues.{name}") for name, e in entries.items()}
    sequences = raw.get("sequences")
    if not isinstance(sequences, dict):
        raise DataFileError(path, "sequences", "must be an object of pulse sequences")
    weightings = {}
    for name, entry in sequences.items():
        where = f"sequences.{name}"
        if not isinstance(entry, dict):
            raise DataFileError(path, where, "must be an object")
        kind = entry.get("kind")
        if kind not in SEQUENCE_KINDS:
            raise DataFileError(
                path, f"{where}.kind", f"must be one of {', '.join(SEQUENCE_KINDS)}"
            )
        ti = entry.get("ti_ms")
        if kind == "se":
            ti_ms = None
        elif ti == "fat-null":
            ti_ms = round(fat.t1_ms * math.log(2.0))
        else:
            ti_ms = _number(path, f"{where}.ti_ms", ti, 10, 5000)
        weightings[name] = Weighting(
            name=name,
            kind=kind,
            tr_ms=_number(path, f"{where}.tr_ms", entry.get("tr_ms"), 10, 20000),
            te_ms=_number(path, f"{where}.te_ms", entry.get("te_ms"), 1, 500),
            ti_ms=ti_ms,
            etl=int(_number(path, f"{where}.etl", entry.get("etl", 1), 1, 512)),
            b=_number(path, f"{where}.b", entry.get("b", 0), 0, 5000),
            noise=_number(path, f"{where}.noise", entry.get("noise", 0.02), 0, 1),
        )
    for needed in ("stir", "t1", "dwi"):
        if needed not in weightings:
            raise DataFileError(path, f"sequences.{needed}", "is missing")
    strength = _number(path, "field_strength_t", raw.get("field_strength_t"), 0.1, 11.7)
    return TissueTable(tissues, fat, weightings, strength)


@cache
def tissue_table() -> TissueTable:
    """The shipped tissue table, read once."""
    return load_tissue_table()
