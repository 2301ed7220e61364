"""Reading chapters: the file format, its validation, and the shipped chapters' rules."""

import re
from pathlib import Path

import pytest

from cnoatlas import paths
from cnoatlas.domain.cases import case_library
from cnoatlas.domain.chapters import (
    chapter_library,
    chapters_for_site,
    get_chapter,
    load_chapters,
    parse_chapter,
)
from cnoatlas.domain.errors import AtlasError, DataFileError
from cnoatlas.domain.evidence import evidence_library
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.sources import bibliography

SEED_CANDIDATES = [
    paths.PROJECT_ROOT.parent / "shared" / "seed" / "000_df8e8018f9d0dcf1.txt",
    Path("/work/shared/seed/000_df8e8018f9d0dcf1.txt"),
]

GOOD = """---
id: {id}
title: A test chapter
order: {order}
summary: What the test chapter is about.
sites: clavicle.right.medial-third
cases: {cases}
evidence: andronikou2020
---
Opening paragraph with a source [@nico2022].

## A heading

- a bullet citing two sources [@andronikou2020; @nico2022]
    - a nested bullet without a figure
1. a first step with **bold** and *italic* words
2. a second step with a figure, 38 %, and its source [@andronikou2020]

Closing paragraph citing the first source again [@nico2022].
"""


def _write(folder: Path, chapter_id: str = "test-chapter", order: int = 1, **changes) -> Path:
    text = GOOD.format(id=chapter_id, order=order, cases=changes.pop("cases", ""))
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / f"{chapter_id}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_chapter_parses_into_blocks_with_numbered_citations(tmp_path):
    chapter = parse_chapter(_write(tmp_path))
    assert chapter.id == "test-chapter" and chapter.title == "A test chapter"
    assert chapter.references == ("nico2022", "andronikou2020")  # order of first citation
    kinds = [(b.kind, b.level) for b in chapter.blocks]
    assert kinds == [
        ("paragraph", 0),
        ("heading", 2),
        ("item", 0),
        ("item", 1),
        ("step", 1),
        ("step", 2),
        ("paragraph", 0),
    ]
    cites = [[p.text for p in b.parts if p.style == "cite"] for b in chapter.blocks]
    assert cites[0] == ["1"] and cites[2] == ["1, 2"] and cites[6] == ["1"]
    styles = {p.style: p.text for p in chapter.blocks[4].parts}
    assert styles["strong"] == "bold" and styles["em"] == "italic"
    assert "[@" not in chapter.body_text and "**" not in chapter.body_text
    assert chapter.site_ids == ("clavicle.right.medial-third",)
    assert chapter.evidence_ids == ("andronikou2020",)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"[@nico2022]": "[@nobody1999]"}, "line 10", "unknown source 'nobody1999'"),
        ({"title: A test chapter\n": ""}, "title", "is missing"),
        ({"order: 1": "order: first"}, "order", "whole number"),
        ({"summary:": "author: me\nsummary:"}, "author", "not a known field"),
        ({"## A heading": "# A heading"}, "line 12", "headings"),
        (
            {"a figure, 38 %, and its source [@andronikou2020]": "a figure, 38 %"},
            "line 17",
            "number",
        ),
        ({"with **bold**": "with **bold"}, "line 16", "unbalanced"),
        ({"id: test-chapter": "id: other-name"}, "id", "must match the file name"),
    ],
)
def test_a_broken_chapter_names_file_field_and_problem(tmp_path, change, field, problem):
    path = _write(tmp_path, **change)
    with pytest.raises(DataFileError) as caught:
        parse_chapter(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_figure_inside_a_name_needs_no_citation(tmp_path):
    path = _write(
        tmp_path,
        **{"- a nested bullet without a figure": "- T1, STIR, IL-6 and vertebra L5 are names"},
    )
    assert "IL-6" in parse_chapter(path).body_text


def test_links_are_checked_against_the_known_ids(tmp_path):
    path = _write(tmp_path, cases="no-such-case")
    with pytest.raises(DataFileError, match="cases: unknown id 'no-such-case'"):
        parse_chapter(path, case_ids={"cno-medial-clavicle"})
    path = _write(tmp_path, **{"sites: clavicle.right.medial-third": "sites: clavicle.nowhere"})
    with pytest.raises(DataFileError, match=r"sites: unknown id 'clavicle\.nowhere'"):
        parse_chapter(path, site_ids=site_model().sites)


def test_chapters_load_in_order_and_ids_must_be_unique(tmp_path):
    _write(tmp_path, "second", order=2)
    _write(tmp_path, "first", order=1)
    (tmp_path / "README.md").write_text("# How to write a chapter\n", encoding="utf-8")
    assert [c.id for c in load_chapters(tmp_path)] == ["first", "second"]  # the guide is skipped
    with pytest.raises(AtlasError, match=r"unknown chapter 'third'.*first, second"):
        get_chapter("third", load_chapters(tmp_path))
    with pytest.raises(DataFileError, match="chapter folder not found"):
        load_chapters(tmp_path / "missing")


# --- the shipped chapters -----------------------------------------------------------------
def test_shipped_chapters_are_six_to_twelve_with_unique_ids():
    chapters = chapter_library()
    assert 6 <= len(chapters) <= 12
    assert len({c.id for c in chapters}) == len(chapters)
    assert len({c.order for c in chapters}) == len(chapters)


def test_shipped_chapters_cite_known_sources_and_link_known_things():
    sources, model, cases, datasets = (
        bibliography(),
        site_model(),
        case_library(),
        evidence_library(),
    )
    for chapter in chapter_library():
        assert chapter.references, chapter.id
        assert set(chapter.references) <= set(sources), chapter.id
        assert all(s in model.sites for s in chapter.site_ids), chapter.id
        assert all(c in cases for c in chapter.case_ids), chapter.id
        assert all(d in datasets for d in chapter.evidence_ids), chapter.id
        assert chapter.site_ids or chapter.case_ids, chapter.id


def test_every_shipped_paragraph_with_a_figure_cites_a_source():
    figure = re.compile(r"(?<![A-Za-z0-9\-.])\d+(?:[.,]\d+)?")
    for chapter in chapter_library():
        for block in chapter.blocks:
            if block.kind != "heading" and figure.search(block.plain_text):
                assert any(p.style == "cite" for p in block.parts), (chapter.id, block)


def test_the_criteria_are_marked_as_citations_to_check():
    pathway = get_chapter("diagnostic-pathway")
    for source_id in ("roderick2016", "jansson2009"):
        assert source_id in pathway.references
        assert not bibliography()[source_id].verified


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_chapters_never_copy_nine_words_of_the_seed_paper():
    seed = next((p for p in SEED_CANDIDATES if p.exists()), None)
    if seed is None:
        pytest.skip("the seed paper is not beside the repository")
    words = _words(seed.read_text(encoding="utf-8"))
    nine = {tuple(words[i : i + 9]) for i in range(len(words) - 8)}
    copied = []
    for chapter in chapter_library():
        # The raw file, so the front matter (title, summary) is checked too.
        w = _words(re.sub(r"\[@[^\]]*\]", " ", chapter.file.read_text(encoding="utf-8")))
        copied += [
            (chapter.id, " ".join(w[i : i + 9]))
            for i in range(len(w) - 8)
            if tuple(w[i : i + 9]) in nine
        ]
    assert copied == []


def test_chapters_for_a_site_match_the_site_or_its_bone(tmp_path):
    _write(tmp_path, "clavicle-chapter")  # links clavicle.right.medial-third
    _write(tmp_path, "tibia-chapter", order=2, **{
        "sites: clavicle.right.medial-third": "sites: tibia.left.distal-metaphysis"
    })  # fmt: skip
    chapters = load_chapters(tmp_path)

    def ids(site: str) -> list[str]:
        return [c.id for c in chapters_for_site(site, chapters)]

    assert ids("clavicle.right.medial-third") == ["clavicle-chapter"]
    assert ids("clavicle.left.lateral-third") == ["clavicle-chapter"]  # same bone
    assert ids("tibia.right.proximal-metaphysis") == ["tibia-chapter"]
    assert ids("skull.vault") == [] and ids("no.such.site") == []
