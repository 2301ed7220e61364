"""Evidence datasets, fact cards and the colour scale: loading rules and the shipped data."""

import json
from typing import ClassVar

import pytest

from cnoatlas.domain.colormap import (
    NO_DATA,
    LevelScale,
    NumericScale,
    contrast_ratio,
    readable_text_on,
    relative_luminance,
)
from cnoatlas.domain.errors import AtlasError, DataFileError
from cnoatlas.domain.evidence import (
    evidence_library,
    fact_cards,
    get_dataset,
    hover_text,
    load_dataset,
    load_evidence,
    load_facts,
    site_colours,
)
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.sources import Source


class TinySites:
    """A three-bone skeleton so the loader's rules are tested without the shipped site model."""

    groups: ClassVar = {
        "tibia": {"tibia.left.diaphysis", "tibia.right.diaphysis"},
        "leg": {"tibia.left.diaphysis", "tibia.right.diaphysis", "femur.left.diaphysis"},
    }
    leaves: ClassVar = {
        "tibia.left.diaphysis",
        "tibia.right.diaphysis",
        "femur.left.diaphysis",
        "skull.vault",
    }

    def is_known(self, site_id):
        return site_id in self.leaves or site_id in self.groups

    def expand(self, site_id):
        return frozenset(self.groups.get(site_id, {site_id}))


SOURCES = {
    "cohort": Source("cohort", "Smith A, Jones B", "A cohort", "J Test", 2020),
    "review": Source("review", "Review R", "A review", "J Test", 2019),
    "unsure": Source("unsure", "Maybe M", "Perhaps", "J Test", 2018, verified=False),
}


def _dataset(**overrides):
    data = {
        "id": "cohort",
        "title": "Where lesions are",
        "kind": "quantitative",
        "unit": "% of patients with a lesion at the site",
        "symbol": "%",
        "scale": [0, 100],
        "population": {"patients": 37, "lesions": 317, "group": "children"},
        "citation": "cohort",
        "via": "review",
        "values": [
            {"label": "Tibia", "value": 68, "site_ids": ["tibia"]},
            {"label": "Femur", "value": 43, "site_ids": ["femur.left.diaphysis"]},
        ],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}  # None drops a field


def _write(tmp_path, data, name=None):
    path = tmp_path / f"{name or data.get('id', 'x')}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _load(tmp_path, **overrides):
    return load_dataset(_write(tmp_path, _dataset(**overrides)), SOURCES, TinySites())


# --- loader rules ------------------------------------------------------------------------
def test_valid_dataset_resolves_citation_coverage_and_caption(tmp_path):
    dataset = _load(tmp_path)
    assert dataset.source.id == "cohort" and dataset.via.id == "review"
    assert dataset.caption == "Smith et al. 2020, via Review et al. 2019 — 37 children, 317 lesions"
    assert dataset.value_at("tibia.right.diaphysis").label == "Tibia"
    assert dataset.value_at("skull.vault") is None  # not covered: no data, not zero
    assert dataset.display(dataset.values[0]) == "68 %"


def test_to_json_has_exactly_the_contract_fields_and_full_citations(tmp_path):
    data = _load(tmp_path).to_json()
    assert set(data) == {"id", "title", "unit", "citation", "population", "values"}
    assert data["citation"] == (
        "Smith A, Jones B. A cohort. J Test 2020. Via: Review R. A review. J Test 2019."
    )
    assert data["population"]["patients"] == 37
    assert data["values"][0] == {"label": "Tibia", "value": 68, "site_ids": ["tibia"]}


def test_citation_text_names_value_sources_and_flags_unchecked_ones(tmp_path):
    values = [
        {"label": "Tibia", "value": 68, "site_ids": ["tibia"]},
        {"label": "Skull", "value": 5, "site_ids": ["skull.vault"], "citation": "unsure"},
    ]
    text = _load(tmp_path, values=values, via=None).citation_text
    assert (
        text
        == "Smith A, Jones B. A cohort. J Test 2020. Skull: Maybe M. Perhaps. J Test 2018. [citation to check]"
    )


def test_unknown_site_id_names_file_and_field(tmp_path):
    values = [{"label": "Tibia", "value": 68, "site_ids": ["tibia.middle"]}]
    with pytest.raises(DataFileError, match=r"cohort\.json: values\[0\]\.site_ids: unknown site"):
        _load(tmp_path, values=values)


def test_missing_citation_is_refused(tmp_path):
    with pytest.raises(DataFileError, match=r"cohort\.json: citation: is missing"):
        _load(tmp_path, citation=None)


def test_unknown_citation_is_refused(tmp_path):
    with pytest.raises(DataFileError, match=r"citation: unknown source id 'nobody'"):
        _load(tmp_path, citation="nobody")


@pytest.mark.parametrize("bad", [101, -1, "68", True])
def test_percentage_out_of_range_or_not_a_number(tmp_path, bad):
    values = [{"label": "Tibia", "value": bad, "site_ids": ["tibia"]}]
    with pytest.raises(DataFileError, match=r"values\[0\]\.value: "):
        _load(tmp_path, values=values)


def test_percentage_scale_cannot_exceed_100(tmp_path):
    with pytest.raises(DataFileError, match=r"scale: a percentage scale must lie within 0–100"):
        _load(tmp_path, scale=[0, 150])


def test_duplicate_labels_are_refused(tmp_path):
    values = [
        {"label": "Tibia", "value": 68, "site_ids": ["tibia.left.diaphysis"]},
        {"label": "tibia", "value": 60, "site_ids": ["tibia.right.diaphysis"]},
    ]
    with pytest.raises(DataFileError, match=r"values\[1\]\.label: duplicate label 'tibia'"):
        _load(tmp_path, values=values)


def test_two_values_covering_one_site_are_refused(tmp_path):
    values = [
        {"label": "Tibia", "value": 68, "site_ids": ["tibia"]},
        {"label": "Leg", "value": 50, "site_ids": ["leg"]},
    ]
    with pytest.raises(DataFileError, match=r"values\[1\]\.site_ids: 'leg' overlaps 'Tibia'"):
        _load(tmp_path, values=values)


def test_qualitative_accepts_only_levels_never_numbers(tmp_path):
    ok = _load(
        tmp_path,
        kind="qualitative",
        scale=None,
        symbol=None,
        values=[{"label": "Skull", "value": "typical", "site_ids": ["skull.vault"]}],
    )
    assert ok.display(ok.values[0]) == "typical"
    with pytest.raises(DataFileError, match=r"values\[0\]\.value: must be one of typical"):
        _load(
            tmp_path,
            kind="qualitative",
            scale=None,
            symbol=None,
            values=[{"label": "Skull", "value": 40, "site_ids": ["skull.vault"]}],
        )


def test_id_must_match_file_name(tmp_path):
    path = _write(tmp_path, _dataset(), name="other")
    with pytest.raises(DataFileError, match=r"other\.json: id: 'cohort' must match"):
        load_dataset(path, SOURCES, TinySites())


def test_unverified_source_marks_caption(tmp_path):
    dataset = _load(tmp_path, citation="unsure", via=None)
    assert not dataset.verified
    assert dataset.caption.endswith("(citation to check)")


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "cohort.json"
    path.write_text('{"id": "cohort",\n "title": }')
    with pytest.raises(DataFileError, match=r"cohort\.json: line 2: not valid JSON"):
        load_dataset(path, SOURCES, TinySites())


def test_unknown_dataset_id_lists_known_ones(tmp_path):
    _write(tmp_path, _dataset())
    library = load_evidence(tmp_path, SOURCES, TinySites())
    with pytest.raises(AtlasError, match=r"unknown evidence dataset 'nope' \(known: cohort\)"):
        get_dataset("nope", library)


# --- fact cards --------------------------------------------------------------------------
def test_fact_card_without_source_is_refused(tmp_path):
    path = tmp_path / "facts.json"
    card = {"id": "a", "title": "T", "value": "1 %", "text": "x", "sources": []}
    path.write_text(json.dumps({"facts": [card]}))
    with pytest.raises(DataFileError, match=r"facts\[0\]\.sources: is missing"):
        load_facts(path, SOURCES)
    card["sources"] = ["ghost"]
    path.write_text(json.dumps({"facts": [card]}))
    with pytest.raises(DataFileError, match=r"facts\[0\]\.sources: unknown source id 'ghost'"):
        load_facts(path, SOURCES)


def test_fact_card_to_check_is_not_verified(tmp_path):
    path = tmp_path / "facts.json"
    card = {"id": "a", "title": "T", "value": "1", "text": "x", "sources": ["cohort"]}
    path.write_text(json.dumps({"facts": [card, {**card, "id": "b", "check": "why"}]}))
    first, second = load_facts(path, SOURCES)
    assert first.verified and not second.verified


# --- the shipped data --------------------------------------------------------------------
def test_shipped_andronikou_matches_the_seed_figure():
    dataset = evidence_library()["andronikou2020"]
    values = {v.label: v.value for v in dataset.values}
    assert values == {
        "Tibia": 68, "Femur": 43, "Clavicle": 38, "Pelvis": 22, "Spinal": 19, "Mandible": 5,
    }  # fmt: skip
    assert dataset.source.id == "andronikou2020" and dataset.via.id == "nico2022"
    assert (dataset.population.patients, dataset.population.lesions) == (37, 317)
    model = site_model()
    assert dataset.value_at("vertebra.t7.body").label == "Spinal"
    assert all(dataset.value_at(leaf).label == "Pelvis" for leaf in model.expand("pelvis"))
    assert dataset.value_at("humerus.left.diaphysis") is None


def test_shipped_dangelo_matches_the_abstract():
    values = {v.label: v.value for v in evidence_library()["dangelo2021"].values}
    assert values == {"Tibia": 64.0, "Femur": 61.3, "Pelvis": 38.7, "Spine": 26.7}


def test_shipped_qualitative_datasets_carry_no_numbers_and_flag_unchecked_citations():
    qualitative = [d for d in evidence_library().values() if not d.quantitative]
    assert {d.id for d in qualitative} >= {
        "osteomyelitis-typical-sites", "lch-typical-sites", "ewing-sarcoma-typical-sites",
        "osteosarcoma-typical-sites", "leukaemia-typical-sites", "brodie-abscess-typical-sites",
    }  # fmt: skip
    for dataset in qualitative:
        assert all(v.value in ("typical", "possible", "rare") for v in dataset.values)
        assert "citation to check" in dataset.caption


def test_shipped_site_ids_are_all_known_to_the_site_model():
    model = site_model()
    for dataset in evidence_library().values():
        for value in dataset.values:
            assert all(model.is_known(s) for s in value.site_ids), (dataset.id, value.label)


def test_shipped_fact_cards_each_cite_a_source():
    cards = fact_cards()
    assert len(cards) >= 12
    by_id = {c.id: c for c in cards}
    assert by_id["thoracic-spine-share"].value == "78 %"
    assert [s.id for s in by_id["lesions-per-patient"].sources] == ["girschick2018"]
    assert not by_id["incidence"].verified  # the seed's primary study is still to check


# --- colour scale ------------------------------------------------------------------------
def test_viridis_is_monotonic_in_luminance_and_has_no_grey():
    scale = NumericScale(0, 100)
    lum = [relative_luminance(scale.rgb(v)) for v in range(0, 101, 5)]
    assert lum == sorted(lum) and lum[-1] > 5 * lum[0]
    for v in range(0, 101, 5):
        r, g, b = scale.rgb(v)
        assert max(r, g, b) - min(r, g, b) > 40  # never close to the 'no data' grey
    assert scale.rgb(None) == NO_DATA


def test_scale_clips_and_ticks():
    scale = NumericScale(0, 100)
    assert scale.rgb(-5) == scale.rgb(0) and scale.rgb(150) == scale.rgb(100)
    assert scale.ticks(5) == [0, 25, 50, 75, 100]
    with pytest.raises(ValueError):
        NumericScale(10, 10)


def test_levels_are_distinct_and_ordered():
    scale = LevelScale()
    colours = [rgb for _, rgb in scale.entries()]
    assert len(set(colours)) == 3
    lum = [relative_luminance(c) for c in colours]
    assert lum[0] > lum[1] > lum[2]  # typical brightest, rare darkest
    with pytest.raises(ValueError):
        scale.rgb("common")


def test_readable_text_picks_the_higher_contrast():
    assert readable_text_on((253, 231, 37)) == (0, 0, 0)
    assert readable_text_on((68, 1, 84)) == (255, 255, 255)
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)


# --- the `evidence` command --------------------------------------------------------------
def test_evidence_command_json_follows_the_contract(capsys):
    from cnoatlas.cli import main

    assert main(["evidence", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert all(
        set(d) == {"id", "title", "unit", "citation", "population", "values"} for d in listing
    )
    assert all(set(v) == {"label", "value", "site_ids"} for d in listing for v in d["values"])
    by_id = {d["id"]: d for d in listing}
    andronikou = by_id["andronikou2020"]
    assert andronikou["citation"].startswith("Andronikou S, Kraft JK")
    assert "Via: Nico et al." in andronikou["citation"]
    assert andronikou["population"]["patients"] == 37
    tibia = next(v for v in andronikou["values"] if v["label"] == "Tibia")
    assert (tibia["value"], tibia["site_ids"]) == (68, ["tibia"])
    lch = by_id["lch-typical-sites"]
    assert {v["value"] for v in lch["values"]} <= {"typical", "possible", "rare"}
    assert "[citation to check]" in lch["citation"]


def test_evidence_command_table_keeps_source_precision(capsys):
    from cnoatlas.cli import main

    assert main(["evidence"]) == 0
    out = capsys.readouterr().out
    assert "Andronikou et al. 2020, via Nico et al. 2022 — 37 children, 317 lesions" in out
    assert "64.0 %" in out and "68 %" in out


# --- what the overlay shows --------------------------------------------------------------
def test_site_colours_cover_only_the_dataset_sites(tmp_path):
    dataset = _load(tmp_path)
    colours = site_colours(dataset)
    assert set(colours) == {"tibia.left.diaphysis", "tibia.right.diaphysis", "femur.left.diaphysis"}
    assert colours["tibia.left.diaphysis"] == NumericScale(0, 100).rgb(68)
    assert "skull.vault" not in colours  # drawn as no data by the map


def test_hover_text_names_value_unit_and_source(tmp_path):
    dataset = _load(tmp_path)
    text = hover_text(dataset, "tibia.left.diaphysis", "Left tibia, shaft")
    assert text.splitlines()[:3] == [
        "Left tibia, shaft",
        "Tibia: 68 %",
        "% of patients with a lesion at the site",
    ]
    assert "Source: Smith et al. 2020, via Review et al. 2019" in text
    assert "No data" in hover_text(dataset, "skull.vault", "Skull")


def test_value_with_its_own_citation_is_credited_to_it(tmp_path):
    values = [
        {"label": "Tibia", "value": 68, "site_ids": ["tibia"]},
        {"label": "Skull", "value": 5, "site_ids": ["skull.vault"], "citation": "unsure"},
    ]
    dataset = _load(tmp_path, values=values)
    text = hover_text(dataset, "skull.vault", "Skull")
    assert "Source: Maybe et al. 2018 (citation to check)" in text
    assert not dataset.verified


def test_level_colours_cannot_be_read_as_the_numeric_scale():
    from cnoatlas.domain.colormap import LEVEL_COLOURS, distance_to_viridis

    # "typical" beside a percentage map must not look like 100 %, nor "rare" like 0 %.
    for level, rgb in LEVEL_COLOURS.items():
        assert distance_to_viridis(rgb) > 60, level
    assert distance_to_viridis(NumericScale().rgb(40)) < 2  # the measure itself works


def test_the_low_end_of_the_scale_gets_a_halo_on_dark_backgrounds():
    from cnoatlas.domain.colormap import needs_halo

    dark, light = (0x2A, 0x2F, 0x37), (0xE3, 0xE7, 0xEE)
    scale = NumericScale(0, 100)
    assert needs_halo(scale.rgb(5), dark)  # mandible, 5 %
    assert not needs_halo(scale.rgb(68), dark)  # tibia, 68 %
    assert not needs_halo(scale.rgb(5), light)
    assert needs_halo(scale.rgb(100), light)  # bright yellow on a light page
