"""The series behind the image questions: which one the quiz shows, its outlines, the questions."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from cnoatlas.domain.quiz import question, score
from cnoatlas.domain.quiz.images import QuizStudy
from cnoatlas.domain.quiz.questions import CaseLesion, CaseView
from cnoatlas.domain.quiz.scoring import Mark
from cnoatlas.library.studies import choose_series, is_available, read_study
from tests.unit.test_series import write_series

STIR_UID = "1.2.826.0.1.3680043.8.498.1001"
T1_UID = "1.2.826.0.1.3680043.8.498.1002"
# Two lesions on the STIR: (lesion id, slice, centre column, centre row, radius)
LESIONS = (("lesion-1", 2, 12.0, 20.0, 5.0), ("lesion-2", 3, 34.0, 44.0, 4.0))
SITES = {
    "lesion-1": "tibia.left.distal-metaphysis",
    "lesion-2": "humerus.right.proximal-metaphysis",
}


def _circle(cx: float, cy: float, r: float, n: int = 16) -> list[list[float]]:
    return [
        [cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]


def write_study(folder: Path) -> Path:
    """A small study: 6-slice coronal STIR and T1 (48 x 64) and annotations.json beside them."""
    rng = np.random.default_rng(4)
    for sub, uid, description in (
        ("01_cor_stir_wb", STIR_UID, "COR STIR WB"),
        ("02_cor_t1_wb", T1_UID, "COR T1 WB"),
    ):
        write_series(
            folder / sub,
            6,
            rows=64,
            columns=48,
            pixels=rng.integers(200, 900, (64, 48)).astype(np.uint16),
            description=description,
            series_uid=uid,
        )
    annotations = []
    for uid in (T1_UID, STIR_UID):  # the T1 first: the quiz must still choose the STIR
        for lesion_id, index, cx, cy, r in LESIONS:
            for k, scale in ((index - 1, 0.6), (index, 1.0)):  # largest on its own slice
                annotations.append(
                    {
                        "id": f"{lesion_id}-{uid[-4:]}-s{k}",
                        "lesion_id": lesion_id,
                        "series_uid": uid,
                        "sop_instance_uid": "",
                        "slice": k,
                        "kind": "polygon",
                        "geometry": {"points": _circle(cx, cy, r * scale)},
                        "site_id": SITES[lesion_id],
                        "finding": "marrow oedema",
                        "label": lesion_id,
                    }
                )
    (folder / "annotations.json").write_text(
        json.dumps({"version": 1, "annotations": annotations}), encoding="utf-8"
    )
    return folder


def quiz_case(study: QuizStudy, case_id: str = "case-x") -> CaseView:
    """A quiz case whose lesions carry the study's outlines where they are largest."""
    lesions = []
    for lesion_id, index, *_ in LESIONS:
        shape = next(a for a in study.annotations if a.lesion_id == lesion_id and a.slice == index)
        outline = tuple((float(c), float(r)) for c, r in shape.geometry["points"])
        lesions.append(CaseLesion(SITES[lesion_id], study.series_uid, index, outline))
    return CaseView(
        id=case_id,
        title="Test case",
        diagnosis="cno",
        age_years=10,
        sex="female",
        history="Ankle pain for two months.",
        lesions=tuple(lesions),
        teaching="Look for silent lesions.",
    )


def test_the_quiz_chooses_the_coronal_stir_and_its_annotations(tmp_path):
    study = read_study("case-x", write_study(tmp_path / "study"))
    assert study is not None
    assert study.series_uid == STIR_UID
    assert study.series_dir.name == "01_cor_stir_wb"
    assert {a.series_uid for a in study.annotations} == {STIR_UID}
    assert study.key_slice("lesion-1") == 2 and study.key_slice("lesion-2") == 3


def test_without_a_stir_the_series_with_most_lesions_is_chosen(tmp_path):
    folder = write_study(tmp_path / "study")
    (folder / "01_cor_stir_wb").rename(folder / "01_other")
    data = json.loads((folder / "annotations.json").read_text())
    # The renamed series keeps one lesion only: the T1 with both wins.
    data["annotations"] = [
        a
        for a in data["annotations"]
        if not (a["series_uid"] == STIR_UID and a["lesion_id"] == "lesion-2")
    ]
    (folder / "annotations.json").write_text(json.dumps(data))
    from cnoatlas.domain.annotations import load_annotations

    chosen = choose_series(folder, load_annotations(folder / "annotations.json"))
    assert chosen is not None and chosen[1] == T1_UID


def test_a_folder_without_series_has_no_study(tmp_path):
    (tmp_path / "empty").mkdir()
    assert choose_series(tmp_path / "empty", []) is None


def test_image_questions_score_marks_inside_and_outside_the_outline(tmp_path):
    study = read_study("case-x", write_study(tmp_path / "study"))
    cases = [quiz_case(study)]
    spot = question("case:case-x:spot-0", cases)
    assert spot.kind == "spot-lesion" and spot.answer["slice"] == 2
    assert score(spot, Mark(STIR_UID, 2, 12.0, 20.0).to_json()).correct
    assert not score(spot, Mark(STIR_UID, 2, 40.0, 60.0).to_json()).correct
    find_all = question("case:case-x:find-all", cases)
    outcome = score(
        find_all, [Mark(STIR_UID, 3, 34.0, 44.0).to_json(), Mark(STIR_UID, 0, 5, 5).to_json()]
    )
    assert not outcome.correct and 0 < outcome.credit < 1


def test_a_library_case_without_a_generated_study_is_not_available(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    from cnoatlas.domain.cases import case_library

    case = next(c for c in case_library() if c.generator_description() is not None)
    assert not is_available(case)


def test_a_spot_prompt_names_the_region_only_when_another_lesion_is_on_the_slice(tmp_path):
    from dataclasses import replace

    from cnoatlas.domain.errors import AtlasError
    from cnoatlas.domain.quiz import question_ids

    study = read_study("case-x", write_study(tmp_path / "study"))
    crowded = quiz_case(study)  # lesions on slices 2 and 3, in the leg and the arm
    prompt = question("case:case-x:spot-0", [crowded]).prompt
    assert prompt.endswith("Click the lesion on this slice: the one in the lower limbs.")
    assert "tibia" not in prompt.lower()
    # The same region on the other side: the side is named, still not the bone.
    other_side = replace(crowded.lesions[1], site_id="femur.right.distal-metaphysis")
    mirrored = replace(crowded, lesions=(crowded.lesions[0], other_side))
    prompt = question("case:case-x:spot-0", [mirrored]).prompt
    assert prompt.endswith("Click the lesion on this slice: the one in the left lower limb.")
    # Two lesions side by side on one side of a region: no spot item (find-all covers them).
    same = replace(crowded.lesions[1], site_id="femur.left.distal-metaphysis")
    twins = replace(crowded, lesions=(crowded.lesions[0], same))
    assert "case:case-x:spot-0" not in question_ids([twins])
    assert "case:case-x:find-all" in question_ids([twins])
    try:
        question("case:case-x:spot-0", [twins])
        raise AssertionError("a spot item for two lesions in one region")
    except AtlasError:
        pass
    far = replace(crowded.lesions[1], slice=30)
    apart = replace(crowded, lesions=(crowded.lesions[0], far))
    assert question("case:case-x:spot-0", [apart]).prompt.endswith(
        "Click the lesion on this slice."
    )
