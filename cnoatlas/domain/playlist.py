"""Lecture playlists: an ordered list of cases, maps, overlays, questions and text slides.

A playlist is a readable JSON file a lecturer builds in the app, saves under the user folder and
shares as one file. Loading never fails on a single bad item: an item that names a case, site,
dataset or question the atlas does not have is kept and marked (``problem``), so the lecture
still runs and shows a "missing: …" slide there. Only a file that is not a playlist at all raises
DataFileError. ``steps`` unrolls a playlist into the slides a presentation walks through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnoatlas import paths
from cnoatlas.domain.datafile import read_json
from cnoatlas.domain.errors import DataFileError

FORMAT = "cnoatlas-playlist"
VERSION = 1
ITEM_KINDS = ("case", "overlay", "map", "question", "text")
# The parts of a case a lecturer can show, in the order they are shown.
CASE_STEPS = ("history", "images", "annotations", "findings", "diagnosis", "discussion")
STEP_LABELS = {
    "history": "History",
    "images": "Images",
    "annotations": "Findings on the images",
    "findings": "Findings",
    "diagnosis": "Diagnosis",
    "discussion": "Discussion",
}
# The JSON key that holds what each kind of item refers to.
_REF_KEYS = {"case": "case", "overlay": "dataset", "map": "sites", "question": "question"}
_ITEM_KEYS = {"kind", "title", "text", "notes", "steps", "sources", *_REF_KEYS.values()}


@dataclass(frozen=True)
class PlaylistItem:
    kind: str  # one of ITEM_KINDS, or what the file said if it was not one (then ``problem``)
    ref: str = ""  # case id, dataset id or question id
    sites: tuple[str, ...] = ()  # map items: the sites to highlight
    steps: tuple[str, ...] = CASE_STEPS  # case items: the parts shown, in CASE_STEPS order
    title: str = ""  # text slides; an optional heading for maps and overlays
    text: str = ""  # text slides: the body
    notes: str = ""  # speaker notes: the presenter view shows them, the slide never does
    sources: tuple[str, ...] = ()  # text slides: source ids (assets/sources.json) behind the text
    problem: str = ""  # why the item cannot be shown ("" when it can)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "map":
            out["sites"] = list(self.sites)
        elif self.kind in _REF_KEYS:
            out[_REF_KEYS[self.kind]] = self.ref
        if self.kind == "case" and self.steps != CASE_STEPS:
            out["steps"] = list(self.steps)
        if self.title:
            out["title"] = self.title
        if self.text:
            out["text"] = self.text
        if self.sources:
            out["sources"] = list(self.sources)
        if self.notes:
            out["notes"] = self.notes
        return out

    def describe(self) -> str:
        """A one-line name for lists (the editor, the presenter view)."""
        if self.kind == "text":
            return f"Text: {self.title or self.text[:40] or '(empty)'}"
        if self.kind == "map":
            return f"Map: {', '.join(self.sites) or 'whole skeleton'}"
        label = {"case": "Case", "overlay": "Overlay", "question": "Question"}.get(self.kind)
        return f"{label or self.kind}: {self.ref}"


@dataclass
class Playlist:
    title: str = "Untitled lecture"
    items: list[PlaylistItem] = field(default_factory=list)
    unknowns: bool = False  # every case shown as an unknown: no title, diagnosis or id
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "title": self.title}
        out["unknowns"] = self.unknowns
        if self.notes:
            out["notes"] = self.notes
        out["items"] = [item.to_json() for item in self.items]
        return out

    def problems(self) -> list[str]:
        return [f"item {i}: {item.problem}" for i, item in enumerate(self.items, 1) if item.problem]

    def case_number(self, index: int) -> int:
        """The case's number in the lecture (1 for the first case item), 0 if not a case."""
        if self.items[index].kind != "case":
            return 0
        return sum(1 for item in self.items[: index + 1] if item.kind == "case")


# --- what the atlas has ---------------------------------------------------------------------
@dataclass
class Catalogue:
    """What a playlist may refer to; built from the shipped data unless a test gives its own."""

    cases: dict[str, Any]  # case id -> cnoatlas.domain.cases.Case
    datasets: dict[str, Any]  # dataset id -> evidence Dataset
    question_ids: frozenset[str]
    is_site: Callable[[str], bool]
    source_ids: frozenset[str] = frozenset()

    @classmethod
    def from_library(cls) -> Catalogue:
        from cnoatlas.domain.cases import case_library
        from cnoatlas.domain.evidence import evidence_library
        from cnoatlas.domain.quiz import question_ids
        from cnoatlas.domain.quiz.cases import library_cases
        from cnoatlas.domain.sites import site_model
        from cnoatlas.domain.sources import bibliography

        model = site_model()
        return cls(
            cases={case.id: case for case in case_library()},
            datasets=dict(evidence_library()),
            question_ids=frozenset(question_ids(library_cases())),
            is_site=model.is_known,
            source_ids=frozenset(bibliography()),
        )


_CATALOGUE: Catalogue | None = None


def forget_catalogue() -> None:
    """The library changed (a case imported or written in the case editor): read it again."""
    global _CATALOGUE
    _CATALOGUE = None


def library_catalogue() -> Catalogue:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = Catalogue.from_library()
    return _CATALOGUE


# --- reading and checking ---------------------------------------------------------------------
def _text(raw: dict, key: str) -> tuple[str, str]:
    value = raw.get(key, "")
    if isinstance(value, str):
        return value.strip(), ""
    return "", f"{key} must be a text"


def parse_item(raw: Any) -> PlaylistItem:
    """One item from its JSON; a problem with it is recorded on the item, never raised."""
    if not isinstance(raw, dict):
        return PlaylistItem("invalid", problem="an item must be an object with a 'kind'")
    kind = raw.get("kind")
    if kind not in ITEM_KINDS:
        shown = kind if isinstance(kind, str) else json.dumps(kind)
        return PlaylistItem(
            str(shown), problem=f"unknown item kind '{shown}' (one of {', '.join(ITEM_KINDS)})"
        )
    problems: list[str] = []
    extra = sorted(set(raw) - _ITEM_KEYS)
    if extra:
        problems.append(f"unknown field(s) {', '.join(extra)}")
    texts = {}
    for key in ("title", "text", "notes"):
        texts[key], problem = _text(raw, key)
        if problem:
            problems.append(problem)
    ref, sites, steps = "", (), CASE_STEPS
    if kind == "map":
        value = raw.get("sites", [])
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            problems.append("sites must be a list of site ids")
        else:
            sites = tuple(value)
    elif kind in _REF_KEYS:
        key = _REF_KEYS[kind]
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"a {kind} item needs '{key}' (an id)")
        else:
            ref = value.strip()
    if kind == "case" and "steps" in raw:
        value = raw["steps"]
        if not isinstance(value, list) or not value:
            problems.append(f"steps must be a non-empty list of {', '.join(CASE_STEPS)}")
        else:
            bad = [s for s in value if s not in CASE_STEPS]
            if bad:
                problems.append(f"unknown step(s) {', '.join(map(str, bad))}")
            steps = tuple(s for s in CASE_STEPS if s in value)
    sources: tuple[str, ...] = ()
    value = raw.get("sources", [])
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        problems.append("sources must be a list of source ids")
    else:
        sources = tuple(value)
    if kind == "text" and not (texts["title"] or texts["text"]):
        problems.append("a text slide needs a title or a text")
    return PlaylistItem(
        kind,
        ref,
        sites,
        steps,
        texts["title"],
        texts["text"],
        texts["notes"],
        sources,
        "; ".join(problems),
    )


def check_item(item: PlaylistItem, catalogue: Catalogue) -> PlaylistItem:
    """The item, marked with a 'missing' problem if it names something the atlas lacks."""
    if item.problem:
        return item
    missing = ""
    if item.kind == "case" and item.ref not in catalogue.cases:
        missing = f"case '{item.ref}'"
    elif item.kind == "overlay" and item.ref not in catalogue.datasets:
        missing = f"evidence dataset '{item.ref}'"
    elif item.kind == "question" and item.ref not in catalogue.question_ids:
        missing = f"question '{item.ref}'"
    elif item.kind == "map":
        unknown = [s for s in item.sites if not catalogue.is_site(s)]
        if unknown:
            missing = f"site {', '.join(repr(s) for s in unknown)}".replace('"', "'")
    unknown_sources = [s for s in item.sources if s not in catalogue.source_ids]
    if not missing and unknown_sources:
        missing = f"source {', '.join(repr(s) for s in unknown_sources)}"
    return replace(item, problem=f"missing: {missing}") if missing else item


def playlist_from_json(raw: Any, file: str | Path, catalogue: Catalogue | None = None) -> Playlist:
    """A playlist from parsed JSON; DataFileError only if it is not a playlist at all."""
    if not isinstance(raw, dict):
        raise DataFileError(file, "", "a playlist must be a JSON object")
    if raw.get("format", FORMAT) != FORMAT:
        raise DataFileError(file, "format", f"must be '{FORMAT}'")
    version = raw.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise DataFileError(file, "version", f"this atlas reads playlist version {VERSION}")
    items = raw.get("items")
    if not isinstance(items, list):
        raise DataFileError(file, "items", "must be a list of slides")
    title = raw.get("title", "")
    if not isinstance(title, str) or not title.strip():
        raise DataFileError(file, "title", "must be a non-empty text")
    unknowns = raw.get("unknowns", False)
    if not isinstance(unknowns, bool):
        raise DataFileError(file, "unknowns", "must be true or false")
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        raise DataFileError(file, "notes", "must be a text")
    catalogue = catalogue or library_catalogue()
    parsed = [check_item(parse_item(entry), catalogue) for entry in items]
    return Playlist(title.strip(), parsed, unknowns, notes.strip())


def load_playlist(path: str | Path, catalogue: Catalogue | None = None) -> Playlist:
    path = Path(path)
    return playlist_from_json(read_json(path), path, catalogue)


def save_playlist(playlist: Playlist, path: str | Path) -> Path:
    """Write the playlist as indented JSON (atomically, flushed to disk: a crash or a full disk
    leaves the old file and no temporary one)."""
    from cnoatlas.domain.storage import atomic_write_text

    path = Path(path)
    atomic_write_text(path, json.dumps(playlist.to_json(), ensure_ascii=False, indent=2) + "\n")
    return path


def playlists_dir() -> Path:
    folder = paths.user_data_dir() / "playlists"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def playlist_file_name(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{slug or 'lecture'}.json"


def user_playlists() -> list[Path]:
    return sorted(playlists_dir().glob("*.json"))


def example_playlist_path() -> Path:
    return paths.assets_dir() / "playlists" / "cno-in-20-minutes.json"


# --- unknowns -----------------------------------------------------------------------------------
def unknown_title(case: Any, number: int) -> str:
    """A neutral title that tells the audience no more than the referral did."""
    return f"Case {number}: {case.presenting_title}"


def case_heading(case: Any, number: int, unknowns: bool, revealed: bool) -> str:
    """The title a case slide shows: neutral for unknowns until the diagnosis step."""
    if unknowns and not revealed:
        return unknown_title(case, number)
    return f"Case {number}: {case.title}"


# --- steps ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One slide of the lecture."""

    item: int  # index in playlist.items
    kind: str  # text, overlay, map, question, answer, missing, or case-<part>
    lesion: str = ""  # case-lesion steps: the lesion id revealed on this step


def steps(playlist: Playlist, catalogue: Catalogue | None = None) -> list[Step]:
    """The slides, in order: a case gives one per chosen part and one per lesion."""
    catalogue = catalogue or library_catalogue()
    out: list[Step] = []
    for index, item in enumerate(playlist.items):
        if item.problem:
            out.append(Step(index, "missing"))
        elif item.kind == "case":
            case = catalogue.cases[item.ref]
            for part in item.steps:
                if part == "annotations":
                    out.extend(Step(index, "case-lesion", lesion.id) for lesion in case.lesions)
                else:
                    out.append(Step(index, f"case-{part}"))
        elif item.kind == "question":
            out += [Step(index, "question"), Step(index, "answer")]
        else:
            out.append(Step(index, item.kind))
    return out


def _part(step: Step) -> str:
    """The case part a case step shows ('annotations' for each lesion's step)."""
    part = step.kind.removeprefix("case-")
    return "annotations" if part == "lesion" else part


def diagnosis_revealed(item: PlaylistItem, step: Step) -> bool:
    """Whether a case's title and diagnosis may show at this step: from its diagnosis step on,
    or from the discussion if the lecturer left the diagnosis step out; never before."""
    reveal_at = next(
        (CASE_STEPS.index(p) for p in ("diagnosis", "discussion") if p in item.steps), None
    )
    return reveal_at is not None and CASE_STEPS.index(_part(step)) >= reveal_at


def lesions_marked(item: PlaylistItem, case: Any, step: Step) -> list[str]:
    """The lesions outlined on the images at this step: none while the audience looks, then
    one more at each lesion step, and all of them afterwards (if the lecturer shows them)."""
    lesion_ids = [lesion.id for lesion in case.lesions]
    part = step.kind.removeprefix("case-")
    if part == "lesion":
        return lesion_ids[: lesion_ids.index(step.lesion) + 1]
    if part in ("findings", "diagnosis") and "annotations" in item.steps:
        return lesion_ids
    return []


def step_summary(playlist: Playlist, step: Step, catalogue: Catalogue | None = None) -> str:
    """A short line for the presenter view and the handout ("Case 2 · Diagnosis")."""
    catalogue = catalogue or library_catalogue()
    item = playlist.items[step.item]
    if step.kind == "missing":
        return f"Missing item ({item.problem.removeprefix('missing: ')})"
    if step.kind.startswith("case-"):
        number = playlist.case_number(step.item)
        case = catalogue.cases[item.ref]
        if step.kind == "case-lesion":
            lesion_ids = [lesion.id for lesion in case.lesions]
            position = lesion_ids.index(step.lesion) + 1
            return f"Case {number} · Lesion {position} of {len(lesion_ids)}"
        return f"Case {number} · {STEP_LABELS[step.kind.removeprefix('case-')]}"
    if step.kind == "question":
        return "Question"
    if step.kind == "answer":
        return "Answer"
    if step.kind == "overlay":
        dataset = catalogue.datasets[item.ref]
        return f"Overlay · {item.title or dataset.title}"
    if step.kind == "map":
        return f"Map · {item.title or 'Skeleton'}"
    return f"Text · {item.title or item.text[:40]}"


def handout_notes(playlist: Playlist, all_steps: list[Step]) -> list[str]:
    """The notes printed under each handout page: an item's notes on its last page only, as
    they may discuss a question's answer or an unknown's diagnosis."""
    last = {step.item: i for i, step in enumerate(all_steps)}
    return [
        playlist.items[step.item].notes if last[step.item] == i else ""
        for i, step in enumerate(all_steps)
    ]


# --- what each slide shows -------------------------------------------------------------------
# The framing of a case step's key image (see SlideContent.framing).
FRAMINGS = {"images": "overview", "lesion": "lesion", "findings": "region", "diagnosis": "region"}


@dataclass(frozen=True)
class SlideContent:
    """Everything one slide shows, worked out once from the playlist.

    The live slide, the presenter view, the PNG export and the handout all draw from this and
    never ask the playlist back: what is revealed and what is marked is decided here, once.
    """

    step: Step
    number: int  # from 1
    total: int
    item: PlaylistItem
    title: str  # the slide's heading; a neutral one for an unknown until its diagnosis step
    summary: str  # one line for the presenter view and the handout ("Case 2 · Diagnosis")
    notes: str  # the item's speaker notes: the presenter view shows them, the slide never does
    handout_note: str  # printed under this handout page (an item's notes on its last page only)
    case_id: str = ""  # case slides: the case shown
    case_part: str = ""  # history, images, lesion, findings, diagnosis or discussion
    diagnosis_revealed: bool = False  # the diagnosis, the real title and the outcome may show
    lesions_marked: tuple[str, ...] = ()  # lesions outlined on the images at this step
    focus_lesion: str = ""  # the lesion the images are centred on ("" for none)
    zoom_to_focus: bool = False  # frame the focus lesion closely (each lesion's own step)
    # How the key image is framed: "overview" (the whole body: the images step), "lesion" (the
    # focus lesion, close: each lesion's step) or "region" (every lesion marked on the slice:
    # findings and diagnosis). A key image is cropped to fill its panel; the overview is not.
    framing: str = ""
    lesion_position: int = 0  # lesion steps: which lesion of how many
    lesion_count: int = 0
    dataset_id: str = ""  # overlay slides
    sites: tuple[str, ...] = ()  # map slides: the sites highlighted
    question_id: str = ""  # question and answer slides
    answer_shown: bool = False
    problem: str = ""  # missing items: why the item cannot be shown

    @property
    def kind(self) -> str:
        return self.step.kind


def _title(playlist: Playlist, step: Step, catalogue: Catalogue) -> str:
    item = playlist.items[step.item]
    if step.kind == "missing":
        return "Missing item"
    if step.kind == "text":
        return item.title
    if step.kind == "overlay":
        return item.title or catalogue.datasets[item.ref].title
    if step.kind == "map":
        return item.title or "The skeleton"
    if step.kind in ("question", "answer"):
        return "Answer" if step.kind == "answer" else "Question"
    case = catalogue.cases[item.ref]
    return case_heading(
        case, playlist.case_number(step.item), playlist.unknowns, diagnosis_revealed(item, step)
    )


def slide_contents(playlist: Playlist, catalogue: Catalogue | None = None) -> list[SlideContent]:
    """Every slide of the lecture, in order, with what each one shows."""
    catalogue = catalogue or library_catalogue()
    all_steps = steps(playlist, catalogue)
    notes = handout_notes(playlist, all_steps)
    out = []
    for number, step in enumerate(all_steps, 1):
        item = playlist.items[step.item]
        extra: dict[str, Any] = {}
        if step.kind == "missing":
            extra["problem"] = item.problem
        elif step.kind.startswith("case-"):
            case = catalogue.cases[item.ref]
            part = step.kind.removeprefix("case-")
            marked = lesions_marked(item, case, step)
            lesion_ids = [lesion.id for lesion in case.lesions]
            extra = {
                "case_id": case.id,
                "case_part": part,
                "diagnosis_revealed": diagnosis_revealed(item, step),
                "lesions_marked": tuple(marked),
                "focus_lesion": step.lesion if part == "lesion" else (marked[0] if marked else ""),
                "zoom_to_focus": part == "lesion",
                "framing": FRAMINGS.get(part, ""),
                "lesion_count": len(lesion_ids),
                "lesion_position": lesion_ids.index(step.lesion) + 1 if part == "lesion" else 0,
            }
        elif step.kind == "overlay":
            extra["dataset_id"] = item.ref
        elif step.kind == "map":
            extra["sites"] = item.sites
        elif step.kind in ("question", "answer"):
            extra = {"question_id": item.ref, "answer_shown": step.kind == "answer"}
        out.append(
            SlideContent(
                step=step,
                number=number,
                total=len(all_steps),
                item=item,
                title=_title(playlist, step, catalogue),
                summary=step_summary(playlist, step, catalogue),
                notes=item.notes,
                handout_note=notes[number - 1],
                **extra,
            )
        )
    return out


def move(items: list[PlaylistItem], order: Iterable[int]) -> list[PlaylistItem]:
    """The items in a new order (the editor's drag and drop), each exactly once."""
    order = list(order)
    if sorted(order) != list(range(len(items))):
        raise ValueError("the new order must name every item once")
    return [items[i] for i in order]
