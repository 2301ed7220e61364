"""Reading chapters: short Markdown texts under assets/chapters/, each fact with its sources.

A chapter file is Markdown a lecturer can edit in any text editor, with a small front matter:

    ---
    id: diagnostic-pathway          (the file name without .md)
    title: The diagnostic pathway
    order: 3                        (position in the chapter list)
    summary: One sentence for the list.
    sites: clavicle.right.medial-third, vertebra.t7.body     (optional: site ids to open)
    cases: cno-tibio-appendicular                            (optional: case ids)
    evidence: andronikou2020                                 (optional: evidence dataset ids)
    ---
    A paragraph with its source [@nico2022]. **Bold** and *italic* are allowed.

    ## A heading
    - a list item citing two sources [@falip2013; @nico2022]
        - a nested item (indented)
    1. a numbered step

Citations are source ids from assets/sources.json; they are numbered in order of first use
and listed at the end of the chapter. A paragraph or item that states a number must cite.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.errors import AtlasError, DataFileError
from cnoatlas.domain.sites import SiteModel, site_model
from cnoatlas.domain.sources import Source, bibliography

CHAPTER_SUFFIX = ".md"
GUIDE_FILE = "README.md"  # how to write a chapter, for lecturers; not a chapter itself
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STEP = re.compile(r"(\d{1,2})\.\s+")
_FIELDS = {"id", "title", "order", "summary", "sites", "cases", "evidence"}
_REQUIRED = ("id", "title", "order", "summary")
_CITATION = re.compile(r"\[(@[^\]]*)\]")
_CITED_ID = re.compile(r"@([A-Za-z0-9_.-]+)")
_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|\[@[^\]]*\])")
# A figure a reader could quote: a number that is not part of a name such as T1, L5 or IL-6.
_FIGURE = re.compile(r"(?<![A-Za-z0-9\-.])\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Inline:
    """A run of text: ``plain``, ``strong``, ``em``, or ``cite`` (text holds "1, 3")."""

    text: str
    style: str = "plain"


@dataclass(frozen=True)
class Block:
    kind: str  # heading, paragraph, item (bullet) or step (numbered)
    parts: tuple[Inline, ...]
    level: int = 0  # heading: 2 or 3; item: 0, or 1 when nested; step: its number

    @property
    def plain_text(self) -> str:
        return "".join(p.text for p in self.parts if p.style != "cite")


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    order: int
    summary: str
    blocks: tuple[Block, ...]
    references: tuple[str, ...]  # source ids in citation-number order (reference 1 first)
    site_ids: tuple[str, ...]
    case_ids: tuple[str, ...]
    evidence_ids: tuple[str, ...]
    file: Path

    @property
    def body_text(self) -> str:
        """The chapter's words without markup or citation numbers (for search and checks)."""
        return "\n".join(b.plain_text for b in self.blocks)


def _front_matter(path: Path, text: str) -> tuple[dict[str, str], list[str]]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise DataFileError(path, "line 1", "must start with a '---' front-matter line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise DataFileError(path, "front matter", "has no closing '---' line") from None
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep:
            raise DataFileError(path, f"line {number}", "front matter lines read 'key: value'")
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise DataFileError(path, key, f"is not a known field (known: {known})")
        if key in fields:
            raise DataFileError(path, key, "appears twice")
        fields[key] = value.strip()
    for key in _REQUIRED:
        if not fields.get(key):
            raise DataFileError(path, key, "is missing")
    return fields, lines[end + 1 :]


def _id_list(path: Path, field: str, value: str, known: Collection[str] | None) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in value.split(",") if part.strip())
    if len(set(ids)) != len(ids):
        raise DataFileError(path, field, "lists an id twice")
    if known is not None:
        for item in ids:
            if item not in known:
                raise DataFileError(path, field, f"unknown id '{item}'")
    return ids


def _raw_blocks(path: Path, lines: list[str], first_line: int) -> list[tuple[str, int, str, int]]:
    """(kind, level, text, line number) for each heading, paragraph and list entry."""
    blocks: list[tuple[str, int, str, int]] = []
    current: list[str] = []
    kind, level, start = "", 0, 0

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append((kind, level, " ".join(current), start))
        current = []

    for offset, raw in enumerate(lines):
        number = first_line + offset
        line = raw.strip()
        step = _STEP.match(line)
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            marks = len(line) - len(line.lstrip("#"))
            if marks not in (2, 3) or not line[marks:].startswith(" "):
                raise DataFileError(
                    path, f"line {number}", "headings are '## Title' or '### Title'"
                )
            blocks.append(("heading", marks, line[marks:].strip(), number))
        elif line.startswith(("- ", "* ")) or step:
            flush()
            if step:
                kind, level, text = "step", int(step[1]), line[step.end() :]
            else:
                kind, level, text = "item", int(len(raw) - len(raw.lstrip()) >= 2), line[2:]
            start, current = number, [text.strip()]
        else:
            if not current:
                kind, level, start = "paragraph", 0, number
            current.append(line)
    flush()
    return blocks


def _inlines(
    path: Path, where: str, text: str, numbers: dict[str, int], sources: Mapping[str, Source]
) -> tuple[Inline, ...]:
    parts: list[Inline] = []
    for piece in _INLINE.split(text):
        if not piece:
            continue
        if piece.startswith("[@"):
            cited = _CITED_ID.findall(piece)
            if not cited:
                raise DataFileError(path, where, f"empty citation '{piece}'")
            for source_id in cited:
                if source_id not in sources:
                    raise DataFileError(path, where, f"unknown source '{source_id}'")
                numbers.setdefault(source_id, len(numbers) + 1)
            label = ", ".join(str(n) for n in sorted({numbers[s] for s in cited}))
            parts.append(Inline(label, "cite"))
        elif piece.startswith("**"):
            parts.append(Inline(piece[2:-2], "strong"))
        elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
            parts.append(Inline(piece[1:-1], "em"))
        else:
            if "[@" in piece or "*" in piece:
                raise DataFileError(path, where, f"unbalanced markup in '{piece.strip()}'")
            parts.append(Inline(piece))
    return tuple(parts)


def parse_chapter(
    path: Path,
    sources: Mapping[str, Source] | None = None,
    site_ids: Collection[str] | None = None,
    case_ids: Collection[str] | None = None,
    dataset_ids: Collection[str] | None = None,
) -> Chapter:
    """Read one chapter file. Linked ids are checked against the given collections (if any)."""
    sources = bibliography() if sources is None else sources
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(path, "", "file not found") from None
    except UnicodeDecodeError:
        raise DataFileError(path, "", "is not UTF-8 text") from None
    fields, body = _front_matter(path, text)
    chapter_id = fields["id"]
    if not _ID.fullmatch(chapter_id):
        raise DataFileError(path, "id", "use lowercase letters, digits and hyphens")
    if path.stem != chapter_id:
        raise DataFileError(path, "id", f"'{chapter_id}' must match the file name '{path.stem}'")
    try:
        order = int(fields["order"])
    except ValueError:
        raise DataFileError(path, "order", "must be a whole number") from None
    first_line = len(text.splitlines()) - len(body) + 1
    numbers: dict[str, int] = {}
    blocks: list[Block] = []
    for kind, level, raw, line in _raw_blocks(path, body, first_line):
        where = f"line {line}"
        parts = _inlines(path, where, raw, numbers, sources)
        block = Block(kind, parts, level)
        has_cite = any(p.style == "cite" for p in parts)
        if kind != "heading" and _FIGURE.search(block.plain_text) and not has_cite:
            raise DataFileError(path, where, "states a number without citing a source [@id]")
        blocks.append(block)
    if not any(b.kind != "heading" for b in blocks):
        raise DataFileError(path, "body", "has no text")
    return Chapter(
        id=chapter_id,
        title=fields["title"],
        order=order,
        summary=fields["summary"],
        blocks=tuple(blocks),
        references=tuple(numbers),
        site_ids=_id_list(path, "sites", fields.get("sites", ""), site_ids),
        case_ids=_id_list(path, "cases", fields.get("cases", ""), case_ids),
        evidence_ids=_id_list(path, "evidence", fields.get("evidence", ""), dataset_ids),
        file=path,
    )


def load_chapters(
    folder: Path | None = None,
    sources: Mapping[str, Source] | None = None,
    site_ids: Collection[str] | None = None,
    case_ids: Collection[str] | None = None,
    dataset_ids: Collection[str] | None = None,
) -> tuple[Chapter, ...]:
    """Every chapter in ``folder`` (assets/chapters by default), in reading order."""
    folder = folder or paths.assets_dir() / "chapters"
    if not folder.is_dir():
        raise DataFileError(folder, "", "chapter folder not found")
    chapters: list[Chapter] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob(f"*{CHAPTER_SUFFIX}")):
        if path.name == GUIDE_FILE:
            continue
        chapter = parse_chapter(path, sources, site_ids, case_ids, dataset_ids)
        if chapter.id in seen:
            raise DataFileError(path, "id", f"duplicate of {seen[chapter.id].name}")
        seen[chapter.id] = path
        chapters.append(chapter)
    return tuple(sorted(chapters, key=lambda c: (c.order, c.title)))


@cache
def chapter_library() -> tuple[Chapter, ...]:
    """The shipped chapters, every link checked against the shipped sites, cases and evidence."""
    from cnoatlas.domain.cases import case_library
    from cnoatlas.domain.evidence import evidence_library

    return load_chapters(
        site_ids=site_model().sites,
        case_ids=case_library().cases,
        dataset_ids=evidence_library(),
    )


def get_chapter(chapter_id: str, chapters: Iterable[Chapter] | None = None) -> Chapter:
    """The chapter with this id; AtlasError naming the known ids otherwise."""
    chapters = tuple(chapter_library() if chapters is None else chapters)
    for chapter in chapters:
        if chapter.id == chapter_id:
            return chapter
    known = ", ".join(c.id for c in chapters)
    raise AtlasError(f"unknown chapter '{chapter_id}' (chapters: {known})")


def chapters_for_site(
    site_id: str, chapters: Iterable[Chapter] | None = None, model: SiteModel | None = None
) -> tuple[Chapter, ...]:
    """Chapters that link this site, or another part of the same bone (for the Atlas's panel)."""
    model = model or site_model()
    if site_id not in model.sites:
        return ()
    bone = model.sites[site_id].bone
    found = []
    for chapter in chapter_library() if chapters is None else chapters:
        linked = [model.sites[s] for s in chapter.site_ids if s in model.sites]
        if any(s.id == site_id or s.bone == bone for s in linked):
            found.append(chapter)
    return tuple(found)
