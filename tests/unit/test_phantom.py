"""The synthetic WB-MRI generator: body model, descriptions, determinism, lesion contrast."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnoatlas import paths
from cnoatlas.domain.errors import DataFileError
from cnoatlas.imaging.phantom import StudyDescription, cached_study_dir, generate_study
from cnoatlas.imaging.phantom.body import build_body
from cnoatlas.imaging.phantom.study import cache_root
from cnoatlas.imaging.phantom.tissues import load_tissue_table, tissue_table

SMALL = 0.4  # matrix scale for quick tests


def describe(lesions=(), sequences=("cor_stir_wb",), seed=7, age=11, sex="F") -> StudyDescription:
    return StudyDescription.from_json(
        {
            "age_years": age,
            "sex": sex,
            "seed": seed,
            "sequences": list(sequences),
            "lesions": list(lesions),
        }
    )


def cno(site="femur.right.distal-metaphysis", lid="l1", size=28, **extra) -> dict:
    return {"id": lid, "site_id": site, "kind": "cno-oedema", "size_mm": size, "intensity": 0.9,
            **extra}  # fmt: skip


def test_older_child_is_taller_with_longer_bones():
    young, old = build_body(5, "F"), build_body(16, "M")
    assert old.height > young.height + 400
    assert old.bounds()[1][2] > young.bounds()[1][2] + 400

    def femur_length(body):
        g = body.sites
        return (
            g["femur.left.distal-epiphysis"].center[2]
            - g["femur.left.proximal-epiphysis"].center[2]
        )

    assert abs(femur_length(old)) > abs(femur_length(young)) * 1.4


def test_growth_plates_are_open_at_eleven_and_closed_at_sixteen():
    def physes(body):
        return sum(1 for p in body.parts if p.tissue == "physis")

    assert physes(build_body(11, "F")) >= 24  # both ends of six long bones, both sides
    assert physes(build_body(16, "M")) < physes(build_body(11, "F")) / 3


def test_marrow_converts_in_the_diaphysis_before_the_metaphysis():
    def ff(body, site):
        return next(p.ff for p in body.parts if p.site == site and p.tissue == "marrow")

    body = build_body(8, "M")
    assert ff(body, "femur.left.diaphysis") > ff(body, "femur.left.distal-metaphysis")
    assert ff(body, "femur.left.distal-epiphysis") > ff(body, "femur.left.diaphysis")
    assert ff(build_body(4, "M"), "femur.left.diaphysis") < ff(body, "femur.left.diaphysis")


def test_sites_lie_where_anatomy_puts_them():
    s = build_body(10, "F").sites
    assert (
        s["skull.vault"].center[2]
        > s["vertebra.c3.body"].center[2]
        > s["vertebra.l3.body"].center[2]
    )
    assert (
        s["tibia.left.proximal-metaphysis"].center[2] > s["tibia.left.distal-metaphysis"].center[2]
    )
    # patient coordinates: +x is the patient's left
    assert s["femur.left.diaphysis"].center[0] > 0 > s["femur.right.diaphysis"].center[0]
    assert s["sternum.body"].center[1] < s["vertebra.t6.body"].center[1]  # sternum is anterior
    assert s["vertebra.t6.posterior-elements"].center[1] > s["vertebra.t6.body"].center[1]


def test_stir_nulls_fat_and_t1_makes_it_bright():
    table = tissue_table()
    assert table.signal("adipose", "stir") < 0.05 * table.signal("csf", "stir")
    assert table.signal("adipose", "t1") > 2 * table.signal("muscle", "t1")
    assert table.signal("oedema", "stir") > table.signal("marrow", "stir")
    assert table.signal("oedema", "t1") < table.signal("marrow", "t1")
    # DWI b800: oedema (high ADC, long T2) is brighter than red marrow, fat stays dark
    assert table.signal("oedema", "dwi") > table.signal("marrow", "dwi")
    assert table.signal("adipose", "dwi") < 0.1 * table.signal("oedema", "dwi")


def test_tissue_table_names_its_sources(tmp_path):
    from cnoatlas.domain.sources import bibliography

    table = tissue_table()
    for tissue in table.tissues.values():
        assert tissue.source is None or tissue.source in bibliography()
    raw = json.loads((paths.assets_dir() / "phantom" / "tissues.json").read_text())
    contrast = raw["lesion_contrast"]  # the STIR lesion-to-muscle range the signs test uses
    assert contrast["source"] in bibliography() and contrast["verified"] is True
    assert contrast["stir_lesion_to_muscle"] == [5.6, 7.2]
    bad = tmp_path / "tissues.json"
    bad.write_text(
        json.dumps({"fat": {"t1_ms": 290, "t2_ms": 165, "adc": 0}, "tissues": {"x": {"t1_ms": -1}}})
    )
    with pytest.raises(DataFileError, match=r"tissues\.x\.t1_ms"):
        load_tissue_table(bad)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age_years": 2}, "age_years"),
        ({"sex": "X"}, "sex"),
        ({"sequences": ["cor_flair"]}, "sequences[0]"),
        ({"lesions": [cno(site="femur.nowhere")]}, "lesions[0].site_id"),
        ({"lesions": [cno(kind="gout")]}, "lesions[0].kind"),
        (
            {"lesions": [cno(options={"periosteal_reaction": "yes"})]},
            "lesions[0].options.periosteal_reaction",
        ),
        ({"lesions": [cno(options={"height_loss": 2})]}, "lesions[0].options.height_loss"),
        ({"lesions": [cno(), cno()]}, "lesions"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_description_problems_name_the_field(change, field):
    raw = {"age_years": 11, "sex": "F", "seed": 1, "sequences": ["cor_stir_wb"], "lesions": []}
    raw.update(change)
    with pytest.raises(DataFileError) as err:
        StudyDescription.from_json(raw, "case.json")
    assert str(err.value).startswith(f"case.json: {field}: ")


def test_description_round_trips_through_json():
    desc = describe([cno(options={"periosteal_reaction": True}, state="smaller")])
    again = StudyDescription.from_json(json.loads(json.dumps(desc.to_json())))
    assert again == desc
    assert again.digest() == desc.digest()
    assert describe(seed=8).digest() != describe(seed=7).digest()


def test_same_description_gives_identical_pixels_and_uids():
    desc = describe([cno()], sequences=("cor_stir_wb", "sag_stir_spine", "ax_stir_pelvis"))
    a, b = generate_study(desc, scale=SMALL), generate_study(desc, scale=SMALL)
    for sa, sb in zip(a.series, b.series, strict=True):
        assert sa.pixels.tobytes() == sb.pixels.tobytes()
        assert sa.series_uid == sb.series_uid and sa.sop_uids == sb.sop_uids
    assert a.study_uid == b.study_uid and a.annotations == b.annotations
    other = generate_study(describe([cno()], sequences=("cor_stir_wb",), seed=8), scale=SMALL)
    assert other.series[0].pixels.tobytes() != a.series[0].pixels.tobytes()
    assert other.study_uid != a.study_uid


def _lesion_box_mean(study, key, lesion_id):
    series = next(s for s in study.series if s.key == key)
    anns = [
        a
        for a in study.annotations
        if a["lesion_id"] == lesion_id and a["series_uid"] == series.series_uid
    ]
    assert anns, f"no annotation of {lesion_id} on {key}"
    biggest = max(
        anns, key=lambda a: len(a["geometry"]["points"]) and _area(a["geometry"]["points"])
    )
    pts = np.array(biggest["geometry"]["points"])
    c, r = np.round(pts.mean(axis=0)).astype(int)
    return biggest["slice"], r, c


def _area(points):
    p = np.asarray(points)
    return 0.5 * abs(np.dot(p[:, 0], np.roll(p[:, 1], 1)) - np.dot(p[:, 1], np.roll(p[:, 0], 1)))


@pytest.mark.parametrize(
    "site", ["femur.right.distal-metaphysis", "vertebra.l2.body", "tibia.left.diaphysis"]
)
def test_lesion_is_bright_on_stir_and_dark_on_t1(site):
    seqs = ("cor_stir_wb", "cor_t1_wb", "dwi_wb")
    sick = generate_study(describe([cno(site=site, size=30)], seqs), scale=0.5)
    well = generate_study(describe([], seqs), scale=0.5)
    k, r, c = _lesion_box_mean(sick, "cor_stir_wb", "l1")
    box = (k, slice(r - 1, r + 2), slice(c - 1, c + 2))

    def mean(study, key):
        return float(next(s for s in study.series if s.key == key).pixels[box].mean())

    assert mean(sick, "cor_stir_wb") > 1.5 * mean(well, "cor_stir_wb")
    assert mean(sick, "cor_t1_wb") < 0.85 * mean(well, "cor_t1_wb")
    assert mean(sick, "dwi_wb") > 1.2 * mean(well, "dwi_wb")


def test_resolved_lesion_leaves_normal_marrow_and_a_marker():
    seqs = ("cor_stir_wb",)
    healed = generate_study(describe([cno(state="resolved")], seqs), scale=SMALL)
    well = generate_study(describe([], seqs), scale=SMALL)
    # the same seed and no lesion parts: the only difference is the description hash in the noise
    ann = healed.annotations
    assert len(ann) == 1 and ann[0]["kind"] == "ellipse" and ann[0]["label"] == "resolved"
    k = ann[0]["slice"]
    c, r = (round(v) for v in ann[0]["geometry"]["center"])
    box = (k, slice(r - 2, r + 3), slice(c - 2, c + 3))
    assert (
        abs(float(healed.series[0].pixels[box].mean()) - float(well.series[0].pixels[box].mean()))
        < 150
    )


@pytest.mark.parametrize(
    ("kind", "site", "options"),
    [
        ("bacterial-osteomyelitis", "tibia.left.proximal-metaphysis", {"sinus_tract": True, "subperiosteal_collection": True}),
        ("brodie-abscess", "tibia.left.distal-metaphysis", {}),
        ("spondylodiscitis", "vertebra.l3.body", {}),
        ("lch", "skull.vault", {}),
        ("lch", "vertebra.t9.body", {"vertebra_plana": True}),
        ("ewing-sarcoma", "femur.left.diaphysis", {}),
        ("osteosarcoma", "femur.right.distal-metaphysis", {}),
        ("leukaemia", "tibia.right.proximal-metaphysis", {}),
    ],
)  # fmt: skip
def test_every_lesion_kind_is_annotated_at_its_site(kind, site, options):
    les = {
        "id": "x",
        "site_id": site,
        "kind": kind,
        "size_mm": 30,
        "intensity": 0.9,
        "options": options,
    }
    study = generate_study(describe([les], ("cor_stir_wb",)), scale=SMALL)
    anns = [a for a in study.annotations if a["lesion_id"] == "x"]
    assert anns and all(a["site_id"] == site and a["kind"] == "polygon" for a in anns)


def test_vertebra_plana_flattens_the_body():
    flat = build_body(8, "M", _mods([{"id": "a", "site_id": "vertebra.t9.body", "kind": "lch",
                                      "options": {"vertebra_plana": True}}]))  # fmt: skip
    normal = build_body(8, "M")

    def height(body):
        g = body.sites["vertebra.t9.body"]
        return g.hi[2] - g.lo[2]

    assert height(flat) < 0.6 * height(normal)


def _mods(lesions):
    from cnoatlas.imaging.phantom.lesions import modifiers

    return modifiers(StudyDescription.from_json(
        {"age_years": 8, "sex": "M", "seed": 1, "sequences": ["cor_stir_wb"], "lesions": lesions}).lesions)  # fmt: skip


def test_cache_reuses_the_study_and_regenerates_when_the_description_changes():
    desc = describe([cno(site="vertebra.t7.body", size=15)], ("sag_stir_spine",))
    folder = cached_study_dir(desc)
    assert folder.parent == cache_root()
    first = sorted(folder.rglob("*.dcm"))
    assert len(first) == 15 and (folder / "annotations.json").is_file()
    stamp = first[0].stat().st_mtime_ns
    assert cached_study_dir(desc) == folder
    assert first[0].stat().st_mtime_ns == stamp
    changed = cached_study_dir(
        describe([cno(site="vertebra.t8.body", size=15)], ("sag_stir_spine",))
    )
    assert changed != folder and (changed / "annotations.json").is_file()
    (changed / "annotations.json").unlink()  # as if a run had been interrupted
    assert (cached_study_dir(describe([cno(site="vertebra.t8.body", size=15)], ("sag_stir_spine",)))
            / "annotations.json").is_file()  # fmt: skip
