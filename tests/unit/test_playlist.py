"""Lecture playlists: the file format, validation, missing items, steps and unknowns (no Qt)."""

import json
from types import SimpleNamespace

import pytest

from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.playlist import (
    CASE_STEPS,
    Catalogue,
    Playlist,
    PlaylistItem,
    case_heading,
    example_playlist_path,
    library_catalogue,
    load_playlist,
    move,
    playlist_file_name,
    playlists_dir,
    save_playlist,
    step_summary,
    steps,
    unknown_title,
)


def _case(case_id, lesions=("l1",), diagnosis="cno"):
    return SimpleNamespace(
        id=case_id,
        title=f"Title of {case_id}",
        presenting_title="11-year-old girl with collarbone pain",
        diagnosis=diagnosis,
        lesions=tuple(SimpleNamespace(id=lesion) for lesion in lesions),
    )


@pytest.fixture
def catalogue():
    return Catalogue(
        cases={"clavicle": _case("clavicle"), "multi": _case("multi", ("a", "b", "c"))},
        datasets={"andronikou2020": SimpleNamespace(id="andronikou2020", title="Where")},
        question_ids=frozenset({"feature:medial-clavicle"}),
        is_site=lambda s: s in {"clavicle.left.medial-third", "tibia"},
        source_ids=frozenset({"nico2022"}),
    )


def _write(tmp_path, data, name="lecture.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _doc(*items, **extra):
    return {
        "format": "cnoatlas-playlist",
        "version": 1,
        "title": "T",
        "items": list(items),
        **extra,
    }


def test_a_valid_playlist_loads_every_kind_of_item(tmp_path, catalogue):
    path = _write(
        tmp_path,
        _doc(
            {"kind": "text", "title": "Hello", "text": "a\n\nb", "sources": ["nico2022"]},
            {"kind": "overlay", "dataset": "andronikou2020", "notes": "say this"},
            {"kind": "map", "sites": ["tibia"]},
            {"kind": "case", "case": "multi", "steps": ["diagnosis", "history"]},
            {"kind": "question", "question": "feature:medial-clavicle"},
            unknowns=True,
        ),
    )
    playlist = load_playlist(path, catalogue)
    assert playlist.problems() == []
    assert playlist.unknowns is True
    assert [i.kind for i in playlist.items] == ["text", "overlay", "map", "case", "question"]
    assert playlist.items[1].notes == "say this"
    assert playlist.items[2].sites == ("tibia",)
    # the parts of a case are shown in teaching order whatever order the file lists them in
    assert playlist.items[3].steps == ("history", "diagnosis")


def test_missing_case_dataset_question_and_site_are_marked_not_raised(tmp_path, catalogue):
    path = _write(
        tmp_path,
        _doc(
            {"kind": "case", "case": "no-such-case"},
            {"kind": "overlay", "dataset": "smith1999"},
            {"kind": "question", "question": "feature:nothing"},
            {"kind": "map", "sites": ["tibia", "elbow.left"]},
            {"kind": "text", "title": "t", "sources": ["unknown2000"]},
            {"kind": "case", "case": "clavicle"},
        ),
    )
    playlist = load_playlist(path, catalogue)
    problems = [item.problem for item in playlist.items]
    assert problems[0] == "missing: case 'no-such-case'"
    assert problems[1] == "missing: evidence dataset 'smith1999'"
    assert problems[2] == "missing: question 'feature:nothing'"
    assert problems[3] == "missing: site 'elbow.left'"
    assert problems[4] == "missing: source 'unknown2000'"
    assert problems[5] == ""
    kinds = [s.kind for s in steps(playlist, catalogue)]
    assert kinds[:5] == ["missing"] * 5
    assert "case-history" in kinds
    assert step_summary(playlist, steps(playlist, catalogue)[0], catalogue) == (
        "Missing item (case 'no-such-case')"
    )


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"kind": "video", "url": "x"}, "unknown item kind 'video'"),
        ("just text", "an item must be an object"),
        ({"kind": "case"}, "a case item needs 'case'"),
        (
            {"kind": "case", "case": "clavicle", "steps": ["history", "jokes"]},
            "unknown step(s) jokes",
        ),
        ({"kind": "case", "case": "clavicle", "steps": []}, "steps must be a non-empty list"),
        ({"kind": "text"}, "a text slide needs a title or a text"),
        ({"kind": "text", "title": 3}, "title must be a text"),
        ({"kind": "map", "sites": "tibia"}, "sites must be a list"),
        ({"kind": "text", "title": "t", "colour": "red"}, "unknown field(s) colour"),
    ],
)
def test_a_malformed_item_is_kept_with_its_problem(tmp_path, catalogue, item, problem):
    playlist = load_playlist(_write(tmp_path, _doc(item)), catalogue)
    assert len(playlist.items) == 1
    assert problem in playlist.items[0].problem
    assert [s.kind for s in steps(playlist, catalogue)] == ["missing"]


@pytest.mark.parametrize(
    ("content", "field", "problem"),
    [
        ("[1, 2]", "", "a playlist must be a JSON object"),
        ('{"title": "x", "items": {}}', "items", "must be a list"),
        ('{"title": "", "items": []}', "title", "must be a non-empty text"),
        ('{"title": "x", "items": [], "unknowns": "yes"}', "unknowns", "true or false"),
        ('{"title": "x", "items": [], "version": 99}', "version", "reads playlist version 1"),
        ('{"title": "x", "items": [], "format": "slides"}', "format", "cnoatlas-playlist"),
        ('{"title": "x",\n "items": [', "line 2", "not valid JSON"),
    ],
)
def test_a_file_that_is_not_a_playlist_raises_a_one_line_error(
    tmp_path, catalogue, content, field, problem
):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_playlist(path, catalogue)
    assert info.value.field == field
    assert problem in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_a_missing_file_names_the_file(tmp_path, catalogue):
    with pytest.raises(DataFileError, match=r"nothing\.json: file not found"):
        load_playlist(tmp_path / "nothing.json", catalogue)


def test_save_and_load_round_trip_as_readable_json(tmp_path, catalogue):
    playlist = Playlist(
        "Grand round",
        [
            PlaylistItem("text", title="Hi", text="Two\n\nparas", notes="n", sources=("nico2022",)),
            PlaylistItem("case", "multi", steps=("history", "images", "diagnosis")),
            PlaylistItem("case", "clavicle"),
            PlaylistItem("map", sites=("tibia",), title="Legs"),
            PlaylistItem("question", "feature:medial-clavicle"),
        ],
        unknowns=True,
        notes="for residents",
    )
    path = save_playlist(playlist, tmp_path / "sub" / "grand.json")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("{\n  ")  # indented: a person can read and edit it
    raw = json.loads(text)
    assert raw["format"] == "cnoatlas-playlist" and raw["version"] == 1
    assert "steps" not in raw["items"][2]  # the default (every part) is not written out
    assert load_playlist(path, catalogue) == playlist


def test_steps_unroll_cases_by_lesion_and_questions_into_question_and_answer(catalogue):
    playlist = Playlist(
        "T",
        [
            PlaylistItem("case", "multi"),
            PlaylistItem("question", "feature:medial-clavicle"),
            PlaylistItem("case", "clavicle", steps=("history", "diagnosis")),
        ],
    )
    kinds = [(s.kind, s.lesion) for s in steps(playlist, catalogue)]
    assert kinds == [
        ("case-history", ""),
        ("case-images", ""),
        ("case-lesion", "a"),
        ("case-lesion", "b"),
        ("case-lesion", "c"),
        ("case-findings", ""),
        ("case-diagnosis", ""),
        ("case-discussion", ""),
        ("question", ""),
        ("answer", ""),
        ("case-history", ""),
        ("case-diagnosis", ""),
    ]
    all_steps = steps(playlist, catalogue)
    assert step_summary(playlist, all_steps[3], catalogue) == "Case 1 · Lesion 2 of 3"
    assert step_summary(playlist, all_steps[-1], catalogue) == "Case 2 · Diagnosis"
    assert playlist.case_number(2) == 2 and playlist.case_number(1) == 0


def test_unknowns_get_a_neutral_numbered_title_until_revealed():
    case = _case("clavicle")
    assert unknown_title(case, 3) == "Case 3: 11-year-old girl with collarbone pain"
    hidden = case_heading(case, 3, unknowns=True, revealed=False)
    assert "Title of" not in hidden and "clavicle" not in hidden
    assert case_heading(case, 3, unknowns=True, revealed=True) == "Case 3: Title of clavicle"
    assert case_heading(case, 3, unknowns=False, revealed=False) == "Case 3: Title of clavicle"


def test_move_reorders_and_refuses_to_lose_items():
    items = [PlaylistItem("text", title=str(i)) for i in range(3)]
    assert [i.title for i in move(items, [2, 0, 1])] == ["2", "0", "1"]
    with pytest.raises(ValueError):
        move(items, [0, 0, 1])


def test_playlists_live_in_the_user_folder_under_readable_names(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path))
    assert playlists_dir() == tmp_path / "data" / "playlists"
    assert playlist_file_name("CNO in 20 minutes!") == "cno-in-20-minutes.json"
    assert playlist_file_name("???") == "lecture.json"


def test_the_shipped_example_is_built_from_the_library():
    catalogue = library_catalogue()
    playlist = load_playlist(example_playlist_path())
    assert playlist.title == "CNO in 20 minutes"
    assert playlist.problems() == []
    overlays = [i.ref for i in playlist.items if i.kind == "overlay"]
    assert overlays == ["andronikou2020"]
    cases = [catalogue.cases[i.ref] for i in playlist.items if i.kind == "case"]
    assert sum(c.diagnosis == "cno" for c in cases) == 3
    assert sum(c.diagnosis != "cno" for c in cases) == 2
    assert {"cno-medial-clavicle", "cno-silent-vertebra"} <= {c.id for c in cases}
    assert sum(i.kind == "question" for i in playlist.items) == 4
    # every case names the patient neutrally, for the unknowns
    assert all(c.presenting_title and c.presenting_title != c.title for c in cases)
    assert set(CASE_STEPS) >= {p for i in playlist.items if i.kind == "case" for p in i.steps}


def test_the_diagnosis_shows_from_its_step_or_the_discussion_never_before(catalogue):
    from cnoatlas.domain.playlist import Step, diagnosis_revealed

    full = PlaylistItem("case", "multi")
    at = {kind: diagnosis_revealed(full, Step(0, kind, "a")) for kind in (
        "case-history", "case-images", "case-lesion", "case-findings",
        "case-diagnosis", "case-discussion",
    )}  # fmt: skip
    assert [k for k, shown in at.items() if shown] == ["case-diagnosis", "case-discussion"]
    no_diagnosis = PlaylistItem("case", "multi", steps=("history", "images", "discussion"))
    assert not diagnosis_revealed(no_diagnosis, Step(0, "case-images"))
    assert diagnosis_revealed(no_diagnosis, Step(0, "case-discussion"))
    never = PlaylistItem("case", "multi", steps=("history", "images"))
    assert not diagnosis_revealed(never, Step(0, "case-images"))


def test_lesions_are_outlined_one_more_at_each_lesion_step(catalogue):
    from cnoatlas.domain.playlist import Step, lesions_marked

    case = catalogue.cases["multi"]
    item = PlaylistItem("case", "multi")
    assert lesions_marked(item, case, Step(0, "case-images")) == []
    assert lesions_marked(item, case, Step(0, "case-lesion", "a")) == ["a"]
    assert lesions_marked(item, case, Step(0, "case-lesion", "c")) == ["a", "b", "c"]
    assert lesions_marked(item, case, Step(0, "case-findings")) == ["a", "b", "c"]
    # a lecturer who skips the lesion-by-lesion part keeps the images unmarked
    plain = PlaylistItem("case", "multi", steps=("history", "images", "findings", "diagnosis"))
    assert lesions_marked(plain, case, Step(0, "case-diagnosis")) == []


def test_handout_notes_wait_for_the_last_page_of_their_item(catalogue):
    from cnoatlas.domain.playlist import handout_notes

    playlist = Playlist(
        "T",
        [
            PlaylistItem("case", "clavicle", notes="It was CNO."),
            PlaylistItem("question", "feature:medial-clavicle", notes="Answer: CNO."),
            PlaylistItem("text", title="End", notes="Thanks."),
        ],
    )
    all_steps = steps(playlist, catalogue)
    notes = handout_notes(playlist, all_steps)
    kinds = [s.kind for s in all_steps]
    assert notes[kinds.index("case-discussion")] == "It was CNO."
    assert notes[kinds.index("answer")] == "Answer: CNO."
    assert notes[-1] == "Thanks."
    assert sum(bool(n) for n in notes) == 3


def test_slide_contents_decide_once_what_each_slide_reveals(catalogue):
    from cnoatlas.domain.playlist import slide_contents

    playlist = Playlist(
        "T",
        [
            PlaylistItem("case", "multi", notes="Three lesions."),
            PlaylistItem("overlay", "andronikou2020"),
            PlaylistItem("question", "feature:medial-clavicle"),
        ],
        unknowns=True,
    )
    slides = slide_contents(playlist, catalogue)
    assert [s.number for s in slides] == list(range(1, len(slides) + 1))
    assert {s.total for s in slides} == {len(slides)}
    by_part = {s.case_part: s for s in slides if s.case_id}
    # An unknown keeps its neutral title until its diagnosis step, then shows the real one.
    assert by_part["images"].title == "Case 1: 11-year-old girl with collarbone pain"
    assert not by_part["images"].diagnosis_revealed and not by_part["images"].lesions_marked
    assert by_part["diagnosis"].title == "Case 1: Title of multi"
    assert by_part["diagnosis"].diagnosis_revealed
    lesions = [s for s in slides if s.case_part == "lesion"]
    assert [(s.focus_lesion, s.lesions_marked, s.lesion_position) for s in lesions] == [
        ("a", ("a",), 1),
        ("b", ("a", "b"), 2),
        ("c", ("a", "b", "c"), 3),
    ]
    assert all(s.zoom_to_focus and s.lesion_count == 3 for s in lesions)
    assert by_part["findings"].lesions_marked == ("a", "b", "c")
    # Notes go to the presenter on every slide of the item, to the handout on its last page.
    case_slides = [s for s in slides if s.case_id]
    assert all(s.notes == "Three lesions." for s in case_slides)
    assert [bool(s.handout_note) for s in case_slides] == [False] * (len(case_slides) - 1) + [True]
    overlay, question, answer = slides[-3:]
    assert (overlay.dataset_id, overlay.title, overlay.summary) == (
        "andronikou2020",
        "Where",
        "Overlay · Where",
    )
    assert (question.question_id, question.answer_shown) == ("feature:medial-clavicle", False)
    assert answer.answer_shown and answer.title == "Answer"


def test_a_failed_playlist_save_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    import os

    path = tmp_path / "lecture.json"
    save_playlist(Playlist("First"), path)
    before = path.read_bytes()

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        save_playlist(Playlist("Second"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lecture.json"]
