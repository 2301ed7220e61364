"""A case being written in the case editor: editable fields, checks, undo/redo (pure Python).

A ``CaseDraft`` holds one plain-JSON document (``data``) in the editor's own shape: the
case.json fields, lesions with their state, symptoms and (for a synthetic case) how the image
generator draws them, and the annotations drawn on the images. ``case_json()`` turns it into a
case.json and ``validate()`` runs the case loader's own checker on that (``check_case_data``),
so the editor and ``cnoatlas cases validate`` can never disagree.

Every edit is a ``Step``: a list of changes at a path in the document (set a value, insert or
remove a list item). A step is applied, kept for undo (with its inverse) and handed to the
``listener`` (the draft journal writes one line per step), so replaying the base document and
the journal gives the same draft.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnoatlas.domain.annotations import KINDS as ANNOTATION_KINDS
from cnoatlas.domain.annotations import Annotation, parse_annotation
from cnoatlas.domain.cases import (
    CASE_LESION_STATES,
    DIAGNOSES,
    GENERATOR_KINDS,
    GENERATOR_OPTIONS,
    GENERATOR_SEQUENCES,
    LAB_FLAGS,
    PATTERNS,
    Case,
    Problem,
    check_case_data,
)
from cnoatlas.domain.errors import AtlasError, DataFileError

DRAFT_VERSION = 1
SOURCES = ("dicom", "synthetic")
STATUSES = ("draft", "ready")
# The editor's field names, one per control; ``problems_for`` maps case.json paths onto them.
TEXT_FIELDS = ("title", "presenting_title", "presentation", "history", "outcome")
DEFAULT_SEQUENCES = ("cor_stir_wb",)  # one series: regenerated in seconds while editing
DEFAULT_KIND = "cno-oedema"
DEFAULT_SIZE_MM = 20.0
Path_ = Sequence[str | int]


@dataclass(frozen=True)
class Change:
    """One change at ``path`` in the draft document: set, insert (at an index) or remove."""

    op: str  # "set", "insert" or "remove"
    path: tuple[str | int, ...]
    value: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": list(self.path)}
        if self.op != "remove":
            out["value"] = self.value
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Change:
        if not isinstance(raw, dict) or raw.get("op") not in ("set", "insert", "remove"):
            raise ValueError("a change needs op set, insert or remove")
        path = raw.get("path")
        if (
            not isinstance(path, list)
            or not path
            or not all(
                isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) for p in path
            )
        ):
            raise ValueError("a change needs a path of keys and indices")
        return cls(raw["op"], tuple(path), copy.deepcopy(raw.get("value")))


@dataclass(frozen=True)
class Step:
    """One edit as the user sees it (one undo), made of changes applied in order."""

    label: str
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "changes": [c.to_json() for c in self.changes]}

    @classmethod
    def from_json(cls, raw: Any) -> Step:
        if not isinstance(raw, dict) or not isinstance(raw.get("changes"), list):
            raise ValueError("a step needs a list of changes")
        return cls(str(raw.get("label", "")), tuple(Change.from_json(c) for c in raw["changes"]))


def _parent(doc: Any, path: Path_) -> tuple[Any, str | int]:
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def _apply(doc: Any, change: Change) -> Change:
    """Apply one change in place; its inverse."""
    parent, key = _parent(doc, change.path)
    if change.op == "set":
        if isinstance(parent, list):
            old = parent[key]
            parent[key] = copy.deepcopy(change.value)
            return Change("set", change.path, old)
        existed = key in parent
        old = parent.get(key)
        parent[key] = copy.deepcopy(change.value)
        return Change("set", change.path, old) if existed else Change("remove", change.path)
    if change.op == "insert":
        if not isinstance(parent, list) or not isinstance(key, int):
            raise KeyError(key)
        index = len(parent) if key < 0 or key > len(parent) else key
        parent.insert(index, copy.deepcopy(change.value))
        return Change("remove", (*change.path[:-1], index))
    # remove
    if isinstance(parent, list):
        old = parent.pop(key)
        return Change("insert", change.path, old)
    old = parent.pop(key)
    return Change("set", change.path, old)


def apply_step(doc: Any, step: Step) -> Step:
    """Apply a step to ``doc`` in place; the step that undoes it. All or nothing."""
    done: list[Change] = []
    try:
        for change in step.changes:
            done.append(_apply(doc, change))
    except (KeyError, IndexError, TypeError) as exc:
        for inverse in reversed(done):
            _apply(doc, inverse)
        raise ValueError(f"the edit '{step.label}' does not fit the draft ({exc!r})") from None
    return Step(step.label, tuple(reversed(done)))


# --- the document ---------------------------------------------------------------------------
def empty_document(case_id: str, source: str, age_years: float = 10, sex: str = "F") -> dict:
    """A new draft: nothing written yet except the patient and where the images come from."""
    if source not in SOURCES:
        raise AtlasError(f"a draft's images are one of {', '.join(SOURCES)}, not '{source}'")
    doc: dict[str, Any] = {
        "version": DRAFT_VERSION,
        "case_id": case_id,
        "source": source,
        "status": "draft",
        "copied_from": None,
        "patient": {"age_years": age_years, "sex": sex},
        "title": "",
        "presenting_title": "",
        "presentation": "",
        "history": "",
        "outcome": "",
        "labs": [],
        "diagnosis": "cno",
        "pattern": "unclassified",
        "findings": [],
        "lesions": [],
        "teaching_points": [],
        "differential_discussion": [],
        "references": [],
        "timepoints": None,
        "annotations": [],
        "next_id": 1,
    }
    if source == "synthetic":
        doc["generator"] = {"seed": 1, "sequences": list(DEFAULT_SEQUENCES), "variants": []}
    else:
        doc["dicom"] = "dicom"
    return doc


def document_from_case(case: Case, raw: dict, annotations: Iterable[Annotation] = ()) -> dict:
    """A draft of an existing case (its case.json as read, ``raw``) and its drawn annotations."""
    source = "synthetic" if case.series.generator is not None else "dicom"
    doc = empty_document(case.id, source, case.patient.age_years, case.patient.sex)
    for key in (*TEXT_FIELDS, "diagnosis", "pattern", "timepoints"):
        if key in raw:
            doc[key] = (
                copy.deepcopy(raw[key])
                if raw[key] is not None
                else ("" if key in TEXT_FIELDS else None)
            )
    for key in ("labs", "findings", "teaching_points", "differential_discussion", "references"):
        doc[key] = copy.deepcopy(raw.get(key) or [])
    generated = {}
    if source == "synthetic":
        gen = raw["series"]["generator"]
        doc["generator"] = {
            "seed": gen.get("seed", 1),
            "sequences": list(gen.get("sequences", DEFAULT_SEQUENCES)),
            "variants": list(gen.get("variants", [])),
        }
        generated = {g.get("id"): g for g in gen.get("lesions", []) if isinstance(g, dict)}
    else:
        doc["dicom"] = raw["series"].get("dicom", "dicom")
    for lesion in raw.get("lesions") or []:
        gen = generated.get(lesion.get("id"), {})
        item = {
            "id": lesion.get("id"),
            "site_id": lesion.get("site_id"),
            "state": lesion.get("state") or gen.get("state") or "active",
            "symptomatic": not lesion.get("silent", False),
            "description": lesion.get("description", ""),
            "annotation": lesion.get("annotation") or "",
        }
        if source == "synthetic":
            item["kind"] = gen.get("kind", DEFAULT_KIND)
            item["size_mm"] = gen.get("size_mm", DEFAULT_SIZE_MM)
            item["options"] = copy.deepcopy(gen.get("options", {}))
            if "intensity" in gen:
                item["intensity"] = gen["intensity"]
        doc["lesions"].append(item)
    doc["annotations"] = [_annotation_entry(a) for a in annotations]
    doc["next_id"] = len(doc["lesions"]) + len(doc["annotations"]) + 1
    return doc


def _annotation_entry(a: Annotation) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "series_uid": a.series_uid,
        "sop_instance_uid": a.sop_instance_uid,
        "slice": a.slice,
        "geometry": copy.deepcopy(a.geometry),
        "lesion_id": a.lesion_id,
        "label": a.label,
    }


# --- the draft ------------------------------------------------------------------------------
@dataclass
class FieldProblems:
    """The problems of a draft, by case.json path (``labs[0].unit``) and overall."""

    problems: list[Problem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.field, []).append(p.reason)
        return out

    def under(self, prefix: str) -> list[str]:
        """Reasons for ``prefix`` itself and everything inside it (``labs`` → ``labs[2].flag``)."""
        return [
            p.reason if p.field == prefix else f"{p.field}: {p.reason}"
            for p in self.problems
            if p.field == prefix
            or p.field.startswith((f"{prefix}.", f"{prefix}["))
            or (prefix == "lesions" and p.field.startswith("series.generator.lesions"))
        ]


Listener = Callable[[str, Step | None], None]  # ("do"|"undo"|"redo", step or None)


class CaseDraft:
    """One case in the editor. ``folder``: where the case lives (or will) in the library."""

    def __init__(self, document: dict, folder: Path, listener: Listener | None = None) -> None:
        check_document(document)
        self.data = copy.deepcopy(document)
        self.folder = Path(folder)
        self.listener = listener
        self._undo: list[tuple[Step, Step]] = []  # (step, inverse)
        self._redo: list[tuple[Step, Step]] = []
        self.revision = 0  # counts edits, undos and redos: the editor redraws when it moves

    # --- identity and state ---
    @property
    def case_id(self) -> str:
        return self.data["case_id"]

    @property
    def synthetic(self) -> bool:
        return self.data["source"] == "synthetic"

    @property
    def status(self) -> str:
        return self.data["status"]

    # --- edits ---
    def do(self, step: Step) -> None:
        """Apply an edit (any edit of a ready case makes it a draft again, in the same step)."""
        if self.data["status"] == "ready" and not _is_status(step):
            step = Step(step.label, (*step.changes, Change("set", ("status",), "draft")))
        inverse = apply_step(self.data, step)
        self._undo.append((step, inverse))
        self._redo.clear()
        self._notify("do", step)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> str | None:
        """Undo the last edit; its label (None when there was nothing to undo)."""
        if not self._undo:
            return None
        step, inverse = self._undo.pop()
        apply_step(self.data, inverse)
        self._redo.append((step, inverse))
        self._notify("undo", None)
        return step.label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        step, _old = self._redo.pop()
        inverse = apply_step(self.data, step)
        self._undo.append((step, inverse))
        self._notify("redo", None)
        return step.label

    def replay(self, kind: str, step: Step | None) -> None:
        """Re-apply a journal entry without telling the listener (recovery)."""
        listener, self.listener = self.listener, None
        try:
            if kind == "do" and step is not None:
                inverse = apply_step(self.data, step)
                self._undo.append((step, inverse))
                self._redo.clear()
            elif kind == "undo":
                self.undo()
            elif kind == "redo":
                self.redo()
            else:
                raise ValueError(f"unknown journal entry '{kind}'")
        finally:
            self.listener = listener

    def _notify(self, kind: str, step: Step | None) -> None:
        self.revision += 1
        if self.listener is not None:
            self.listener(kind, step)

    def set(self, path: Path_, value: Any, label: str | None = None) -> None:
        """Set one field (``("history",)``, ``("labs", 0, "unit")``); no step when unchanged."""
        try:
            parent, key = _parent(self.data, path)
            if (key in parent if isinstance(parent, dict) else True) and parent[key] == value:
                return
        except (KeyError, IndexError, TypeError):
            pass
        self.do(Step(label or f"edit {_path_text(path)}", (Change("set", tuple(path), value),)))

    def new_id(self, prefix: str) -> str:
        taken = {x["id"] for x in (*self.data["lesions"], *self.data["annotations"])}
        number = int(self.data.get("next_id", 1))
        while f"{prefix}{number}" in taken:
            number += 1
        return f"{prefix}{number}"

    def _with_counter(self, ident: str, *changes: Change) -> tuple[Change, ...]:
        number = int("".join(ch for ch in ident if ch.isdigit()) or 0)
        return (*changes, Change("set", ("next_id",), max(number + 1, self.data["next_id"])))

    def append(self, key: str, value: Any, label: str | None = None) -> None:
        self.do(
            Step(label or f"add to {key}", (Change("insert", (key, len(self.data[key])), value),))
        )

    def remove(self, key: str, index: int, label: str | None = None) -> None:
        self.do(Step(label or f"remove from {key}", (Change("remove", (key, index)),)))

    # --- lesions ---
    def add_lesion(
        self,
        site_id: str,
        state: str = "active",
        symptomatic: bool = True,
        description: str = "",
        kind: str = DEFAULT_KIND,
        size_mm: float = DEFAULT_SIZE_MM,
        options: dict | None = None,
    ) -> str:
        """A lesion at a site (the map's click); its new id."""
        lesion_id = self.new_id("l")
        item: dict[str, Any] = {
            "id": lesion_id,
            "site_id": site_id,
            "state": state,
            "symptomatic": symptomatic,
            "description": description,
            "annotation": "",
        }
        if self.synthetic:
            item.update(kind=kind, size_mm=size_mm, options=dict(options or {}))
        index = len(self.data["lesions"])
        self.do(
            Step(
                f"add lesion at {site_id}",
                self._with_counter(lesion_id, Change("insert", ("lesions", index), item)),
            )
        )
        return lesion_id

    def lesion_index(self, lesion_id: str) -> int:
        for i, lesion in enumerate(self.data["lesions"]):
            if lesion["id"] == lesion_id:
                return i
        raise KeyError(lesion_id)

    def lesion(self, lesion_id: str) -> dict:
        return self.data["lesions"][self.lesion_index(lesion_id)]

    def set_lesion(self, lesion_id: str, key: str, value: Any) -> None:
        self.set(("lesions", self.lesion_index(lesion_id), key), value, f"lesion {lesion_id} {key}")

    def remove_lesion(self, lesion_id: str) -> None:
        """Remove a lesion and the annotations tied to it, in one undoable step."""
        index = self.lesion_index(lesion_id)
        changes = [
            Change("remove", ("annotations", i))
            for i in reversed(range(len(self.data["annotations"])))
            if self.data["annotations"][i]["lesion_id"] == lesion_id
        ]
        changes.append(Change("remove", ("lesions", index)))
        self.do(Step(f"remove lesion {lesion_id}", tuple(changes)))

    # --- annotations ---
    def add_annotation(
        self,
        kind: str,
        series_uid: str,
        slice_index: int,
        geometry: dict,
        lesion_id: str,
        sop_instance_uid: str = "",
        label: str = "",
    ) -> str:
        if kind not in ANNOTATION_KINDS:
            raise AtlasError(f"an annotation is one of {', '.join(ANNOTATION_KINDS)}, not '{kind}'")
        self.lesion_index(lesion_id)  # KeyError for a lesion not in the draft
        ident = self.new_id("a")
        entry = {
            "id": ident,
            "kind": kind,
            "series_uid": series_uid,
            "sop_instance_uid": sop_instance_uid,
            "slice": int(slice_index),
            "geometry": copy.deepcopy(geometry),
            "lesion_id": lesion_id,
            "label": label,
        }
        index = len(self.data["annotations"])
        self.do(
            Step(
                f"draw {kind}",
                self._with_counter(ident, Change("insert", ("annotations", index), entry)),
            )
        )
        return ident

    def annotation_index(self, annotation_id: str) -> int:
        for i, a in enumerate(self.data["annotations"]):
            if a["id"] == annotation_id:
                return i
        raise KeyError(annotation_id)

    def annotation(self, annotation_id: str) -> dict:
        return self.data["annotations"][self.annotation_index(annotation_id)]

    def move_annotation(self, annotation_id: str, geometry: dict) -> None:
        """New geometry (moved or resized with its handles)."""
        index = self.annotation_index(annotation_id)
        self.set(("annotations", index, "geometry"), geometry, f"move {annotation_id}")

    def tie_annotation(self, annotation_id: str, lesion_id: str) -> None:
        self.lesion_index(lesion_id)
        index = self.annotation_index(annotation_id)
        self.set(("annotations", index, "lesion_id"), lesion_id, f"tie {annotation_id}")

    def remove_annotation(self, annotation_id: str) -> None:
        self.remove("annotations", self.annotation_index(annotation_id), f"delete {annotation_id}")

    def copy_annotation(
        self,
        annotation_id: str,
        offsets: Iterable[int] = (-1, 1),
        slice_count: int | None = None,
        sop_uids: Sequence[str] | None = None,
    ) -> list[str]:
        """Copies of an annotation on neighbouring slices (one step); their ids.

        Slices outside 0..slice_count-1 are skipped. ``sop_uids``: the series' SOP instance
        UIDs by slice, so a copy names its own image.
        """
        source = self.annotation(annotation_id)
        changes, made = [], []
        number = int(self.data["next_id"])
        taken = {x["id"] for x in (*self.data["lesions"], *self.data["annotations"])}
        index = len(self.data["annotations"])
        for offset in offsets:
            target = source["slice"] + int(offset)
            if target < 0 or (slice_count is not None and target >= slice_count) or offset == 0:
                continue
            while f"a{number}" in taken:
                number += 1
            ident = f"a{number}"
            taken.add(ident)
            entry = copy.deepcopy(source)
            entry.update(id=ident, slice=target)
            entry["sop_instance_uid"] = (
                sop_uids[target] if sop_uids is not None and target < len(sop_uids) else ""
            )
            changes.append(Change("insert", ("annotations", index), entry))
            index += 1
            made.append(ident)
        if made:
            changes.append(Change("set", ("next_id",), number + 1))
            self.do(Step(f"copy {annotation_id} to neighbouring slices", tuple(changes)))
        return made

    def follow_series(self, moved: dict[str, tuple[str, Sequence[str]]]) -> int:
        """Drawn annotations follow their series into a study made again (a synthetic case's
        UIDs change with its description): ``moved`` maps an old series UID to the new one and
        its SOP instance UIDs by slice. One step; the number of annotations moved."""
        changes = []
        for index, entry in enumerate(self.data["annotations"]):
            if entry["series_uid"] not in moved:
                continue
            uid, sops = moved[entry["series_uid"]]
            sop = sops[entry["slice"]] if 0 <= entry["slice"] < len(sops) else ""
            changes.append(Change("set", ("annotations", index, "series_uid"), uid))
            changes.append(Change("set", ("annotations", index, "sop_instance_uid"), sop))
        if changes:
            self.do(Step("follow the study made again", tuple(changes)))
        return len(changes) // 2

    def annotations(self) -> list[Annotation]:
        """The drawn annotations as the viewer and the quiz read them (site and finding from
        their lesion); an annotation whose lesion is gone is left out."""
        out = []
        for entry in self.data["annotations"]:
            try:
                lesion = self.lesion(entry["lesion_id"])
            except KeyError:
                continue
            raw = {
                **entry,
                "site_id": lesion["site_id"],
                "finding": lesion["description"].strip() or "Lesion (no description yet)",
                "label": entry.get("label") or lesion.get("annotation") or "",
            }
            try:
                out.append(parse_annotation(raw, "draft", f"annotations[{entry['id']}]"))
            except DataFileError:
                continue
        return out

    # --- the case.json ---
    def generator_description(self) -> dict | None:
        """The synthetic study for the image generator (None for a DICOM case)."""
        if not self.synthetic:
            return None
        gen = self.data["generator"]
        lesions = []
        for lesion in self.data["lesions"]:
            item = {
                "id": lesion["id"],
                "site_id": lesion["site_id"],
                "kind": lesion.get("kind", DEFAULT_KIND),
                "size_mm": lesion.get("size_mm", DEFAULT_SIZE_MM),
                "state": "active" if lesion["state"] == "new" else lesion["state"],
            }
            if lesion.get("options"):
                item["options"] = copy.deepcopy(lesion["options"])
            if "intensity" in lesion:
                item["intensity"] = lesion["intensity"]
            lesions.append(item)
        out = {
            "age_years": self.data["patient"]["age_years"],
            "sex": self.data["patient"]["sex"],
            "seed": gen["seed"],
            "sequences": list(gen["sequences"]),
            "lesions": lesions,
        }
        if gen.get("variants"):
            out["variants"] = list(gen["variants"])
        return out

    def case_json(self) -> dict[str, Any]:
        d = self.data
        out: dict[str, Any] = {
            "id": d["case_id"],
            "title": d["title"],
            "presenting_title": d["presenting_title"],
            "synthetic": self.synthetic,
            "patient": copy.deepcopy(d["patient"]),
            "presentation": d["presentation"],
            "history": d["history"],
            "labs": [_lab_json(lab) for lab in d["labs"]],
            "series": (
                {"generator": self.generator_description()}
                if self.synthetic
                else {"dicom": d["dicom"]}
            ),
            "findings": list(d["findings"]),
            "lesions": [],
            "diagnosis": d["diagnosis"],
            "pattern": d["pattern"] if d["diagnosis"] == "cno" else None,
            "teaching_points": copy.deepcopy(d["teaching_points"]),
            "differential_discussion": copy.deepcopy(d["differential_discussion"]),
            "references": list(d["references"]),
        }
        if not self.synthetic:
            out["imported"] = True
        if (d.get("outcome") or "").strip():
            out["outcome"] = d["outcome"]
        if d.get("timepoints"):
            out["timepoints"] = copy.deepcopy(d["timepoints"])
        for lesion in d["lesions"]:
            item = {
                "id": lesion["id"],
                "site_id": lesion["site_id"],
                "description": lesion["description"],
                "silent": not lesion["symptomatic"],
                "state": lesion["state"],
            }
            if (lesion.get("annotation") or "").strip():
                item["annotation"] = lesion["annotation"]
            out["lesions"].append(item)
        return out

    def validate(self, ready: bool = True) -> FieldProblems:
        """Every problem the case loader would find in this draft's case.json.

        ``ready`` (the default): as a finished case, which needs findings, lesions, teaching
        and sources even when its images were imported.
        """
        _case, problems = check_case_data(self.case_json(), self.folder, ready=ready)
        return FieldProblems(problems)

    def mark_ready(self) -> FieldProblems:
        """Mark the draft ready when it is valid; the problems otherwise (status unchanged)."""
        problems = self.validate()
        if not problems and self.status != "ready":
            self.do(Step("ready", (Change("set", ("status",), "ready"),)))
        return problems


def _lab_json(lab: dict) -> dict:
    """A lab as case.json holds it: a value typed as a number becomes a number."""
    out = copy.deepcopy(lab)
    value = out.get("value")
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return out
        out["value"] = int(number) if number.is_integer() else number
    return out


def _is_status(step: Step) -> bool:
    return all(c.path == ("status",) for c in step.changes)


def _path_text(path: Path_) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def check_document(doc: Any) -> None:
    """ValueError when a draft document (from a file) lacks the shape the editor needs."""
    if not isinstance(doc, dict):
        raise ValueError("a draft is a JSON object")
    if doc.get("version") != DRAFT_VERSION:
        raise ValueError(f"draft version must be {DRAFT_VERSION}, not {doc.get('version')!r}")
    if doc.get("source") not in SOURCES:
        raise ValueError(f"draft source must be one of {', '.join(SOURCES)}")
    if doc.get("status") not in STATUSES:
        raise ValueError(f"draft status must be one of {', '.join(STATUSES)}")
    for key in ("lesions", "annotations", "labs", "findings", "teaching_points"):
        if not isinstance(doc.get(key), list):
            raise ValueError(f"draft field '{key}' must be a list")
    if not isinstance(doc.get("patient"), dict):
        raise ValueError("draft field 'patient' must be an object")
    if not isinstance(doc.get("case_id"), str):
        raise ValueError("draft field 'case_id' must be a text")


# Choices the editor offers, from the same vocabularies the loader checks against.
CHOICES = {
    "diagnosis": tuple(DIAGNOSES),
    "pattern": tuple(PATTERNS),
    "lab_flag": LAB_FLAGS,
    "lesion_state": CASE_LESION_STATES,
    "lesion_kind": GENERATOR_KINDS,
    "lesion_options": tuple(GENERATOR_OPTIONS),
    "sequences": GENERATOR_SEQUENCES,
    "annotation_kind": ANNOTATION_KINDS,
}
