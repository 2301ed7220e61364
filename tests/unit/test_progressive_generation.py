"""A case whose synthetic study is not cached yet shows its first series while the others are
generated: the generator hands each series over as it is finished."""

from __future__ import annotations

from cnoatlas.domain.cases import load_library
from cnoatlas.imaging.phantom import StudyDescription, generate_study
from cnoatlas.library.studies import case_images_cached, load_case_images

SMALL = {
    "age_years": 10,
    "sex": "M",
    "seed": 5,
    "sequences": ["cor_stir_wb", "cor_t1_wb", "sag_stir_spine"],
    "lesions": [],
}


def test_the_generator_hands_over_each_series_as_it_is_finished():
    seen = []
    study = generate_study(
        StudyDescription.from_json(SMALL), scale=0.25, on_series=lambda s: seen.append(s)
    )
    assert [len(s.series) for s in seen] == [1, 2, 3]
    assert [s.key for s in seen[-1].series] == [s.key for s in study.series]
    # The same study as without the callback: the grids are only painted later.
    again = generate_study(StudyDescription.from_json(SMALL), scale=0.25)
    assert all(
        (a.pixels == b.pixels).all() and a.series_uid == b.series_uid
        for a, b in zip(study.series, again.series, strict=True)
    )


def test_a_cold_case_shows_its_first_series_before_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    case = next(c for c in load_library().cases.values() if c.series.generator is not None)
    assert not case_images_cached(case)
    firsts = []
    images = load_case_images(case, on_first=firsts.append)
    assert len(firsts) == 1
    first = firsts[0]
    assert len(first.series) == 1 and len(images.series) > 1
    label = next(iter(first.series))
    assert label in images.series
    assert first.series[label].uid == images.series[label].uid  # the same series, early
    assert case_images_cached(case)
    again = []
    load_case_images(case, on_first=again.append)  # cached now: everything at once
    assert again == []
