"""The site model: the shipped file covers the id scheme, and a bad file is refused clearly."""

from __future__ import annotations

import json

import pytest

from cnoatlas.domain.errors import AtlasError, DataFileError
from cnoatlas.domain.sites import SEGMENTS, SIDES, load_site_model, site_model


def write(tmp_path, groups, sites, **extra):
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"version": 1, "groups": groups, "sites": sites, **extra}))
    return path


def site(sid, parent=None, side="left", segment=None, **extra):
    return {
        "id": sid,
        "name": sid.title(),
        "bone": "bone",
        "side": side,
        "segment": segment,
        "parent": parent,
        **extra,
    }


SMALL_GROUPS = [
    {"id": "tibia", "name": "Tibiae", "parent": None},
    {"id": "tibia.left", "name": "Left tibia", "parent": "tibia"},
]
SMALL_SITES = [
    site("tibia.left.diaphysis", "tibia.left", segment="diaphysis"),
    site("tibia.left.proximal-metaphysis", "tibia.left", segment="metaphysis"),
]


# --- the shipped model -------------------------------------------------------------------------
def test_contract_examples_and_seed_sites_exist():
    model = site_model()
    for sid in (
        "tibia.left.proximal-metaphysis",
        "vertebra.t7.body",
        "clavicle.right.medial-third",
        "sacroiliac-joint.left",
        "mandible.left",
        "femur.right.intertrochanteric",
        "humerus.left.capitellum",
        "cuneiform-medial.left",
        "metatarsal-1.left.shaft",
        "metacarpal-2.left.head",
        "vertebra.l2.posterior-elements",
        "acetabulum.left.anterior-column",
        "tibia.right.proximal-epiphysis",
        "calcaneus.right",
        "fibula.left.proximal-metaphysis",
    ):
        assert sid in model.sites, sid
    assert "plateau" in model.get("tibia.left.proximal-epiphysis").name
    assert "head" in model.get("femur.left.proximal-epiphysis").name
    assert model.get("femur.left.greater-trochanter").segment == "apophysis"


def test_id_scheme_counts():
    model = site_model()
    vertebrae = [s for s in model.sites if s.startswith("vertebra.")]
    assert len(vertebrae) == 24 * 2
    for bone in ("humerus", "radius", "ulna", "femur", "tibia", "fibula"):
        for side in ("left", "right"):
            for seg in (
                "proximal-epiphysis",
                "proximal-metaphysis",
                "diaphysis",
                "distal-metaphysis",
                "distal-epiphysis",
            ):
                assert f"{bone}.{side}.{seg}" in model.sites
    for kind in ("metacarpal", "metatarsal"):
        for ray in range(1, 6):
            for side in ("left", "right"):
                assert model.expand(f"{kind}-{ray}.{side}") == {
                    f"{kind}-{ray}.{side}.{part}" for part in ("base", "shaft", "head")
                }


def test_every_site_is_consistent():
    model = site_model()
    for sid, s in model.sites.items():
        assert s.side in SIDES and (s.segment is None or s.segment in SEGMENTS)
        if s.side in ("left", "right") and sid.count(".") >= 1:
            assert f".{s.side}" in sid, sid
        if s.parent is not None:
            assert sid.startswith(s.parent + "."), sid
        # Every dotted prefix of a site id is a group.
        parts = sid.split(".")
        for n in range(1, len(parts)):
            assert ".".join(parts[:n]) in model.groups, (sid, parts[:n])


def test_groups_expand_to_their_leaves():
    model = site_model()
    assert model.expand("tibia.left") == {
        f"tibia.left.{p}"
        for p in (
            "proximal-epiphysis",
            "proximal-metaphysis",
            "diaphysis",
            "distal-metaphysis",
            "distal-epiphysis",
        )
    }
    assert model.expand("tibia") == model.expand("tibia.left") | model.expand("tibia.right")
    assert model.expand("vertebra.t7") == {"vertebra.t7.body", "vertebra.t7.posterior-elements"}
    assert len(model.expand("spine.thoracic")) == 24
    assert model.expand("spine") == model.expand("vertebra")
    pelvis = model.expand("pelvis")
    assert {
        "sacrum",
        "coccyx",
        "sacroiliac-joint.right",
        "acetabulum.left.posterior-column",
        "ischium.left",
        "pubis.right",
        "ilium.left",
    } <= pelvis
    assert not any(s.startswith("femur") for s in pelvis)
    assert "cuneiform-medial.left" in model.expand("foot.left")
    assert "metatarsal-3.left.head" in model.expand("foot.left")
    assert not model.expand("foot.left") & model.expand("foot.right")
    assert "metacarpal-5.right.base" in model.expand("hand.right")
    assert {"skull.vault", "mandible.left", "mandible.right"} == model.expand("skull")
    assert model.expand("sacrum") == {"sacrum"}


def test_lookup_of_unknown_ids():
    model = site_model()
    assert model.is_known("tibia") and model.is_known("tibia.left.diaphysis")
    assert not model.is_known("tibia.middle")
    with pytest.raises(AtlasError, match=r"tibia\.middle"):
        model.get("tibia.middle")
    with pytest.raises(AtlasError, match="nose"):
        model.expand("nose")
    assert model.name("tibia.left") == "Left tibia"
    assert model.ancestors("tibia.left.diaphysis") == ("tibia.left", "tibia")


# --- validation --------------------------------------------------------------------------------
def test_small_valid_file(tmp_path):
    model = load_site_model(write(tmp_path, SMALL_GROUPS, SMALL_SITES))
    assert list(model.sites) == ["tibia.left.diaphysis", "tibia.left.proximal-metaphysis"]
    assert model.groups["tibia.left"].children == tuple(model.sites)
    assert model.expand("tibia") == set(model.sites)


@pytest.mark.parametrize(
    ("groups", "sites", "field", "problem"),
    [
        (
            SMALL_GROUPS,
            [*SMALL_SITES, site("tibia.left.diaphysis", "tibia.left")],
            "sites[2].id",
            "duplicate id 'tibia.left.diaphysis'",
        ),
        (
            SMALL_GROUPS,
            [site("tibia.left.diaphysis", "tibia.lef")],
            "sites[0].parent",
            "'tibia.lef' is not a group id",
        ),
        (
            SMALL_GROUPS,
            [site("tibia.left.diaphysis", "tibia.left", side="up")],
            "sites[0].side",
            "'up' must be left, right or midline",
        ),
        (
            SMALL_GROUPS,
            [site("tibia.left.diaphysis", "tibia.left", segment="middle")],
            "sites[0].segment",
            "'middle' is not a known segment",
        ),
        (
            [*SMALL_GROUPS, {"id": "tibia", "name": "x", "parent": None}],
            SMALL_SITES,
            "groups[2].id",
            "duplicate id 'tibia'",
        ),
        ([{"id": "a", "name": "A", "parent": "b"}], [], "groups[0].parent", "'b' is not a group"),
        (SMALL_GROUPS, [site("Tibia.Left", "tibia.left")], "sites[0].id", "lowercase"),
        (
            SMALL_GROUPS,
            [site("tibia.left.diaphysis", "tibia.left", colour="red")],
            "sites[0].colour",
            "is not a known field",
        ),
        (
            [*SMALL_GROUPS, {"id": "legs", "name": "Legs", "parent": None, "members": ["arm"]}],
            SMALL_SITES,
            "groups[2].members",
            "'arm' is not a site or group id",
        ),
        (
            [*SMALL_GROUPS, {"id": "empty", "name": "Empty", "parent": None}],
            SMALL_SITES,
            "groups.empty",
            "covers no site",
        ),
        (
            [{"id": "a", "name": "A", "parent": "b"}, {"id": "b", "name": "B", "parent": "a"}],
            [site("a.x", "a")],
            "groups.a",
            "contains itself",
        ),
    ],
)
def test_bad_files_are_named(tmp_path, groups, sites, field, problem):
    path = write(tmp_path, groups, sites)
    with pytest.raises(DataFileError) as caught:
        load_site_model(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}: {field}: ")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        load_site_model(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "version": 1,\n  oops\n}')
    with pytest.raises(DataFileError, match="line 3"):
        load_site_model(bad)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"version": 2, "groups": [], "sites": []}))
    with pytest.raises(DataFileError, match="version"):
        load_site_model(old)


def test_generator_output_is_committed():
    """assets/sites.json is what tools/build_sites.py writes (nobody edited one but not the other)."""
    import importlib.util

    from cnoatlas import paths

    spec = importlib.util.spec_from_file_location(
        "build_sites", paths.PROJECT_ROOT / "tools" / "build_sites.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (paths.PROJECT_ROOT / "assets" / "sites.json").read_text(encoding="utf-8")
    assert module.dump(module.build()) == shipped


# --- teaching notes ------------------------------------------------------------------------------
def test_shipped_notes_are_cited_and_reach_the_typical_sites():
    from cnoatlas.domain.site_notes import notes_for, site_notes
    from cnoatlas.domain.sources import bibliography

    notes = site_notes()
    assert notes and all(n.source in bibliography() for n in notes)
    typical = (
        "tibia.left.proximal-metaphysis",
        "femur.right.distal-metaphysis",
        "clavicle.left.medial-third",
        "vertebra.t7.body",
        "sacroiliac-joint.right",
        "mandible.left",
        "sternum.manubrium",
        "metatarsal-1.left.shaft",
    )
    for sid in typical:
        assert notes_for(sid), sid
    # Metaphyseal notes stay on metaphyses; the most specific note comes first.
    meta = next(n for n in notes if n.id == "long-bone-metaphysis")
    assert "tibia.left.diaphysis" not in meta.sites
    assert notes_for("clavicle.left.medial-third")[0].id == "clavicle-medial"
    assert notes_for("skull.vault") == []


def test_bad_notes_are_named(tmp_path):
    from cnoatlas.domain.site_notes import load_site_notes
    from cnoatlas.domain.sources import Source

    sources = {"s1": Source("s1", "A", "T", "J", 2020)}
    good = {"id": "n", "applies_to": ["tibia"], "text": "t", "source": "s1"}
    cases = [
        ({**good, "source": "s2"}, "notes[0].source", "'s2' is not in sources.json"),
        ({**good, "applies_to": ["tibia.middle"]}, "notes[0].applies_to", "tibia.middle"),
        ({**good, "segments": ["middle"]}, "notes[0].segments", "known segments"),
        ({**good, "applies_to": ["sacrum"], "segments": ["metaphysis"]}, "notes[0]", "no site"),
        ({**good, "text": ""}, "notes[0].text", "missing"),
        ({**good, "colour": "red"}, "notes[0].colour", "not a known field"),
    ]
    for entry, field, problem in cases:
        path = tmp_path / "notes.json"
        path.write_text(json.dumps({"version": 1, "notes": [entry]}))
        with pytest.raises(DataFileError) as caught:
            load_site_notes(path, site_model(), sources)
        assert (caught.value.field, caught.value.file) == (field, str(path))
        assert problem in caught.value.problem
    path = tmp_path / "notes.json"
    path.write_text(json.dumps({"version": 1, "notes": [good]}))
    (note,) = load_site_notes(path, site_model(), sources)
    assert note.sites == site_model().expand("tibia")
