"""Scoring: single answers, map selections and rankings, marks on images, the exam report."""

import pytest

from cnoatlas.domain.quiz import CaseLesion, CaseView, Mark, question, report, score
from cnoatlas.domain.quiz.scoring import hits, score_search, score_sites

SQUARE = ((10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0))
LESIONS = [
    {
        "site_id": "tibia.left.proximal-metaphysis",
        "series_uid": "1.2",
        "slice": 10,
        "outline": [list(p) for p in SQUARE],
    },
    {
        "site_id": "femur.left.distal-metaphysis",
        "series_uid": "1.2",
        "slice": 20,
        "outline": [[50, 50], [70, 50], [60, 70]],
    },
    {
        "site_id": "vertebra.t7.body",
        "series_uid": "9.9",
        "slice": 5,
        "outline": [list(p) for p in SQUARE],
    },
]


def test_a_mark_hits_inside_the_outline_near_its_edge_and_one_slice_off():
    lesion = LESIONS[0]
    assert hits(lesion, Mark("1.2", 10, 20, 20))
    assert hits(lesion, Mark("1.2", 11, 20, 20))
    assert hits(lesion, Mark("1.2", 10, 32, 20))  # 2 px outside: within the margin
    assert not hits(lesion, Mark("1.2", 12, 20, 20))
    assert not hits(lesion, Mark("1.2", 10, 40, 20))
    assert not hits(lesion, Mark("other", 10, 20, 20))


def test_find_all_lesions_counts_found_missed_and_false_marks():
    marks = [
        Mark("1.2", 10, 15, 15),  # finds lesion 0
        Mark("1.2", 10, 25, 25),  # lesion 0 again: a true mark, nothing new found
        Mark("1.2", 20, 100, 100),  # nothing there: false
        Mark("9.9", 5, 20, 20),  # finds lesion 2
    ]
    result = score_search(LESIONS, marks)
    assert result.found == (0, 2)
    assert result.missed == (1,)
    assert result.false_marks == (2,)
    assert result.sensitivity == pytest.approx(2 / 3)
    assert result.precision == pytest.approx(3 / 4)
    assert not result.perfect


def test_no_marks_is_zero_sensitivity_and_no_lesions_is_full_sensitivity():
    nothing = score_search(LESIONS, [])
    assert nothing.sensitivity == 0 and nothing.precision == 0
    assert score_search([], [Mark("1.2", 1, 1, 1)]).false_marks == (0,)


def test_site_selection_sensitivity_and_precision():
    result = score_sites(["tibia", "pelvis"], ["tibia", "femur", "clavicle"])
    assert result.sensitivity == pytest.approx(1 / 3)
    assert result.precision == pytest.approx(1 / 2)


def test_single_answers_record_truth_and_choice_for_the_confusion_table():
    q = question("feature:vertebra-plana")
    wrong = score(q, "cno")
    assert not wrong.correct and wrong.credit == 0
    assert (wrong.truth, wrong.chosen, wrong.differential) == ("lch", "cno", "lch")
    assert score(q, "lch").correct
    tf = score(question("statement:no-abscess"), "false")
    assert tf.correct and tf.truth is None


def test_map_multi_select_and_ranking_give_partial_credit():
    top = question("map:most-frequent")
    assert score(top, ["clavicle", "femur", "tibia"]).correct
    partial = score(top, ["tibia", "femur", "spine"])
    assert not partial.correct and partial.credit == pytest.approx(2 / 3)
    rank = question("map:rank:tibia+clavicle+spine+mandible")
    assert score(rank, ["tibia", "clavicle", "spine", "mandible"]).correct
    swapped = score(rank, ["tibia", "spine", "clavicle", "mandible"])
    assert not swapped.correct and swapped.credit == pytest.approx(0.5)


def test_case_lesion_questions_are_scored_from_marks():
    case = CaseView(
        "c1",
        "t",
        "cno",
        10,
        "female",
        "Pain.",
        (
            CaseLesion("tibia.left.proximal-metaphysis", "1.2", 10, SQUARE),
            CaseLesion("vertebra.t7.body", "9.9", 5, SQUARE),
        ),
    )
    spot = question("case:c1:spot-0", [case])
    assert score(spot, Mark("1.2", 10, 20, 20)).correct
    assert not score(spot, {"series_uid": "1.2", "slice": 10, "col": 90, "row": 90}).correct
    find = question("case:c1:find-all", [case])
    both = score(find, [Mark("1.2", 10, 20, 20), Mark("9.9", 5, 20, 20)])
    assert both.correct and both.credit == 1
    one = score(find, [Mark("1.2", 10, 20, 20), Mark("9.9", 5, 90, 90)])
    assert not one.correct and one.credit == pytest.approx(0.25)


def test_exam_report_by_topic_and_confusion_against_each_differential():
    qs = [
        question(i)
        for i in (
            "feature:vertebra-plana",
            "feature:skip-vertebrae",
            "feature:disc-both-endplates",
            "feature:abscess",
            "statement:onset-age",
        )
    ]
    outcomes = [
        score(qs[0], "cno"),  # LCH called CNO
        score(qs[1], "cno"),  # CNO (vs spondylodiscitis) right
        score(qs[2], "cno"),  # spondylodiscitis called CNO
        score(qs[3], "bacterial-osteomyelitis"),
    ]  # the statement is left unanswered
    result = report(qs, outcomes)
    assert (result.total, result.correct, result.unanswered) == (5, 2, 1)
    assert result.accuracy == pytest.approx(0.4)
    topics = {t.topic: (t.correct, t.total) for t in result.by_topic}
    assert topics == {"spine": (1, 3), "differentials": (1, 1), "clinical": (0, 1)}
    rows = {r.differential: r for r in result.confusion}
    assert list(rows) == ["bacterial-osteomyelitis", "spondylodiscitis", "lch"]
    assert rows["lch"].differential_as_cno == 1 and rows["lch"].errors == 1
    spondylo = rows["spondylodiscitis"]
    assert (spondylo.cno_as_cno, spondylo.differential_as_cno, spondylo.total) == (1, 1, 2)
    assert rows["bacterial-osteomyelitis"].differential_as_differential == 1


def test_a_cno_case_taken_for_a_differential_counts_against_that_differential():
    case = CaseView(
        "c3", "t", "cno", 12, "male", "Clavicle pain.", (CaseLesion("clavicle.left.medial-third"),)
    )
    q = question("case:c3:diagnosis", [case])
    assert q.differential is None
    wrong = score(q, "bacterial-osteomyelitis")
    assert wrong.differential == "bacterial-osteomyelitis"
    assert (wrong.truth, wrong.chosen) == ("cno", "bacterial-osteomyelitis")
    assert score(q, "cno").differential is None
    rows = report([q], [wrong]).confusion
    assert rows[0].cno_as_differential == 1
