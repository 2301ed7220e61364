"""Question generation: deterministic per seed, right counts, every mode, case questions."""

import json

import pytest

from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.quiz import (
    PATTERNS,
    CaseLesion,
    CaseView,
    generate,
    question,
    question_ids,
)
from cnoatlas.domain.quiz.generate import classify_pattern, pattern_lesions

SQUARE = ((10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0))


def _cases():
    return [
        CaseView(
            "c-cno",
            "Knees and clavicle",
            "cno",
            11,
            "female",
            "Six months of knee pain.",
            (
                CaseLesion("tibia.left.proximal-metaphysis", "1.2.3", 12, SQUARE),
                CaseLesion("clavicle.right.medial-third", "1.2.3", 4, SQUARE),
            ),
            "tibio-clavicular-crossover",
        ),
        CaseView(
            "c-lch",
            "Flat vertebra",
            "lch",
            3,
            "male",
            "Back pain for a month.",
            (CaseLesion("vertebra.t7.body", "1.2.4", 8, SQUARE),),
        ),
    ]


def _dump(questions):
    return json.dumps([q.to_json() for q in questions], ensure_ascii=False, indent=2)


@pytest.mark.parametrize("mode", ["practice", "exam", "review"])
def test_same_arguments_give_byte_identical_questions(mode):
    assert _dump(generate(mode, 10, 7)) == _dump(generate(mode, 10, 7))


def test_different_seeds_give_different_sets():
    assert _dump(generate("exam", 10, 1)) != _dump(generate("exam", 10, 2))


def test_counts_and_no_repeats():
    pool = question_ids()
    for n in (1, 5, 25):
        questions = generate("practice", n, 3)
        assert len(questions) == n
        assert len({q.id for q in questions}) == n
    assert len(generate("exam", 10_000, 3)) == len(pool)


def test_a_short_quiz_mixes_question_families():
    families = {q.id.split(":")[0] for q in generate("exam", 5, 11)}
    assert families == {"statement", "sba", "feature", "map", "pattern"}


def test_topics_filter_the_pool():
    questions = generate("practice", 50, 1, topics=["spine"])
    assert questions and all(q.topic == "spine" for q in questions)
    with pytest.raises(AtlasError, match="unknown topic"):
        generate("practice", 5, 1, topics=["astrology"])


def test_bad_mode_or_count_is_a_one_line_error():
    with pytest.raises(AtlasError, match="unknown quiz mode"):
        generate("marathon", 5, 1)
    with pytest.raises(AtlasError, match="at least 1"):
        generate("exam", 0, 1)


def test_review_asks_due_items_first_then_new_ones():
    due = ["feature:abscess", "statement:onset-age"]
    seen = [*due, "map:most-frequent"]
    questions = generate("review", 6, 5, due=due, seen=seen)
    assert [q.id for q in questions[:2]] == due
    rest = {q.id for q in questions[2:]}
    assert not rest & set(seen)


def test_review_with_an_empty_store_is_new_items():
    assert len(generate("review", 4, 5)) == 4


def test_every_question_can_be_rebuilt_from_its_id():
    cases = _cases()
    for qid in question_ids(cases):
        assert _dump([question(qid, cases)]) == _dump([question(qid, cases)])
    with pytest.raises(AtlasError, match="unknown question id"):
        question("feature:does-not-exist")
    with pytest.raises(AtlasError):
        question("pattern:tibio-clavicular-crossover:x")


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_generated_distributions_classify_as_their_pattern(pattern):
    for variant in range(1, 30):
        lesions = pattern_lesions(pattern, variant)
        assert classify_pattern(lesions) == pattern, lesions
        assert pattern_lesions(pattern, variant) == lesions


def test_pattern_rules():
    assert classify_pattern(["clavicle.left.medial-third", "tibia.right.distal-metaphysis"]) == (
        "tibio-clavicular-crossover"
    )
    assert classify_pattern(["clavicle.left.medial-third", "vertebra.t7.body"]) == (
        "claviculo-spinal-pauci-focal"
    )
    many = [
        "clavicle.left.medial-third",
        "femur.left.distal-metaphysis",
        "femur.right.distal-metaphysis",
        "calcaneus.left",
        "vertebra.t7.body",
    ]
    assert classify_pattern(many) is None  # a clavicle with many limb lesions fits no group
    assert (
        classify_pattern(
            ["tibia.left.distal-metaphysis", "femur.left.distal-metaphysis", "talus.left"]
        )
        == "tibio-appendicular-multifocal"
    )
    assert classify_pattern(["mandible.left"]) is None


def test_pattern_question_lists_the_sites_and_keys_the_pattern():
    q = question("pattern:claviculo-spinal-pauci-focal:2")
    assert q.answer == "claviculo-spinal-pauci-focal"
    assert "clavicle, medial third" in q.prompt
    assert q.sources == ("andronikou2020",)


def test_map_questions_follow_the_fig11_ranking():
    top = question("map:most-frequent")
    assert top.answer == ("tibia", "femur", "clavicle")
    rank = question("map:rank:tibia+femur+clavicle+pelvis+spine+mandible")
    assert rank.answer == ("tibia", "femur", "clavicle", "pelvis", "spine", "mandible")
    assert sorted(rank.options) == sorted(rank.answer)
    assert question("map:clavicle-third").answer == "clavicle.right.medial-third"
    assert question("map:pair:pelvis+spine").answer == "pelvis"


def test_case_questions_are_made_when_cases_are_given():
    cases = _cases()
    ids = question_ids(cases)
    assert "case:c-cno:diagnosis" in ids and "case:c-cno:find-all" in ids
    assert "case:c-cno:spot-1" in ids and "case:c-lch:spot-0" in ids
    assert "case:c-lch:find-all" not in ids  # one lesion: spotting it is the whole search
    diagnosis = question("case:c-lch:diagnosis", cases)
    assert diagnosis.kind == "diagnosis" and diagnosis.answer == "lch"
    assert "cno" in diagnosis.options and len(diagnosis.options) == 5
    assert diagnosis.differential == "lch"
    assert "3-year-old boy" in diagnosis.prompt
    find = question("case:c-cno:find-all", cases)
    assert [lesion["site_id"] for lesion in find.answer] == [
        "tibia.left.proximal-metaphysis",
        "clavicle.right.medial-third",
    ]
    spot = question("case:c-cno:spot-1", cases)
    assert spot.answer["slice"] == 4
    case_qs = [q for q in generate("exam", 200, 1, cases=cases) if q.case_id]
    assert len(case_qs) == 6
    assert not [q for q in generate("exam", 200, 1) if q.case_id]


def test_the_case_library_gives_a_diagnosis_question_per_case_without_giving_it_away():
    from cnoatlas.domain.cases import case_library
    from cnoatlas.domain.quiz import DIAGNOSES
    from cnoatlas.domain.quiz.cases import library_cases

    cases = library_cases()
    assert len(cases) == len(case_library())
    ids = [i for i in question_ids(cases) if i.startswith("case:")]
    # no image geometry: no image items; a follow-up study is never asked as a diagnosis
    assert ids == [f"case:{c.id}:diagnosis" for c in cases if not c.follow_up]
    assert any(c.follow_up for c in cases)
    for qid in ids:
        q = question(qid, cases)
        assert q.answer in q.options and "cno" in q.options
        assert DIAGNOSES[q.answer].lower() not in q.prompt.lower()
        assert "Whole-body MRI shows lesions at:" not in q.prompt
        assert q.citation() and q.explanation.startswith("The diagnosis in this case is")


def test_case_prompts_name_the_symptomatic_sites_only():
    from cnoatlas.domain.quiz.cases import library_cases
    from cnoatlas.domain.quiz.generate import in_sentence, site_label

    for case in library_cases():
        if case.follow_up:
            continue
        q = question(f"case:{case.id}:diagnosis", library_cases())
        silent = {in_sentence(site_label(x.site_id)) for x in case.lesions if x.silent}
        painful = {in_sentence(site_label(x.site_id)) for x in case.lesions if not x.silent}
        tail = q.prompt.split("Symptomatic sites:")[-1]
        for name in silent - painful:
            assert f" {name};" not in tail and f" {name}." not in tail, (case.id, name)


def test_every_quiz_item_offers_distinct_diagnoses_under_the_hierarchy():
    from cnoatlas.domain.diagnoses import distinct, overlap
    from cnoatlas.domain.quiz import DIAGNOSES
    from cnoatlas.domain.quiz.cases import library_cases

    assert overlap("brodie-abscess", "bacterial-osteomyelitis")
    assert overlap("spondylodiscitis", "bacterial-osteomyelitis")
    assert not overlap("brodie-abscess", "spondylodiscitis")
    cases = library_cases()
    for qid in question_ids(cases):
        q = question(qid, cases)
        dx = [o for o in q.options if o in DIAGNOSES]
        if len(dx) == len(q.options) and q.kind in ("diagnosis", "feature"):
            assert distinct(dx), (qid, dx)
    for qid in question_ids(cases):
        q = question(qid, cases)
        if q.kind == "diagnosis":
            assert len(q.options) == 5 and "other" not in q.options


def test_no_follow_up_case_is_asked_as_a_diagnosis():
    from cnoatlas.domain.quiz.cases import library_cases

    cases = library_cases()
    follow_ups = {c.id for c in cases if c.follow_up}
    assert follow_ups
    asked = {
        q.case_id
        for q in (question(i, cases) for i in question_ids(cases))
        if q.kind == "diagnosis"
    }
    assert not asked & follow_ups
    for case_id in follow_ups:
        with pytest.raises(AtlasError):
            question(f"case:{case_id}:diagnosis", cases)


def test_case_distractors_follow_the_case_age_and_sites():
    from cnoatlas.domain.quiz.cases import library_cases

    cases = {c.id: c for c in library_cases()}
    sacroiliac = question("case:cno-pelvis-sacroiliac:diagnosis", list(cases.values()))
    assert "juvenile-spondyloarthritis" in sacroiliac.options
    skull = question("case:lch-skull-femur:diagnosis", list(cases.values()))
    assert "lch" in skull.options
    brodie = question("case:brodie-abscess-tibia:diagnosis", list(cases.values()))
    assert "bacterial-osteomyelitis" not in brodie.options


def test_lesions_without_image_geometry_ask_no_image_questions():
    case = CaseView(
        "c2",
        "t",
        "cno",
        9,
        None,
        "Pain.",
        (CaseLesion("tibia.left.distal-metaphysis"), CaseLesion("vertebra.t7.body")),
    )
    assert question_ids([case])[-1] == "case:c2:diagnosis"
    assert not [i for i in question_ids([case]) if "spot" in i or "find-all" in i]
    assert "A 9-year-old child." in question("case:c2:diagnosis", [case]).prompt


def test_annotations_of_a_generated_study_turn_on_the_image_questions():
    from cnoatlas.domain.annotations import Annotation
    from cnoatlas.domain.cases import case_library
    from cnoatlas.domain.quiz import Mark, score
    from cnoatlas.domain.quiz.cases import case_view

    case = next(c for c in case_library() if len(c.lesions) >= 2)
    first, second = case.lesions[:2]

    def ellipse(lesion, index, radii):
        return Annotation(
            f"{lesion.id}-s{index}",
            lesion.id,
            "1.2.9",
            f"1.2.9.{index}",
            index,
            "ellipse",
            {"center": [50.0, 60.0], "radii": radii},
            lesion.site_id,
            "oedema",
        )

    square = [[10.0, 10.0], [20.0, 10.0], [20.0, 20.0], [10.0, 20.0]]
    annotations = [
        ellipse(first, 3, [4.0, 4.0]),
        ellipse(first, 4, [9.0, 6.0]),  # the largest: the slice the question shows
        Annotation(
            "p",
            second.id,
            "1.2.9",
            "1.2.9.7",
            7,
            "polygon",
            {"points": square},
            second.site_id,
            "oedema",
        ),
    ]
    view = case_view(case, annotations)
    assert view.lesions[0].slice == 4 and view.lesions[0].on_image
    assert view.lesions[1].outline[0] == (10.0, 10.0)
    ids = question_ids([view])
    assert f"case:{case.id}:spot-0" in ids and f"case:{case.id}:find-all" in ids
    spot = question(f"case:{case.id}:spot-0", [view])
    assert score(spot, Mark("1.2.9", 4, 57.0, 60.0)).correct  # inside the 9 x 6 ellipse
    assert not score(spot, Mark("1.2.9", 4, 70.0, 60.0)).correct


@pytest.mark.parametrize(
    ("age", "article"),
    [
        ("8", "An"),
        ("11", "An"),
        ("18", "An"),
        ("80", "An"),
        ("8.5", "An"),
        ("1", "A"),
        ("7", "A"),
        ("12", "A"),
        ("16", "A"),
    ],
)
def test_case_prompts_use_the_article_the_spoken_age_needs(age, article):
    from cnoatlas.domain.quiz.generate import _article_for_age

    assert _article_for_age(age) == article
