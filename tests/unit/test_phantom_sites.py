"""The body model and the site model share one vocabulary: every site id, both ways."""

from __future__ import annotations

from cnoatlas.imaging.phantom.body import build_body


def _scheme_leaves() -> set[str]:
    """The leaf sites of the brief's id scheme, for when the site model is not there."""
    sides = ("left", "right")
    segs = (
        "proximal-epiphysis",
        "proximal-metaphysis",
        "diaphysis",
        "distal-metaphysis",
        "distal-epiphysis",
    )
    ids = {"skull.vault", "sternum.manubrium", "sternum.body", "sacrum", "coccyx"}
    for s in sides:
        ids |= {f"mandible.{s}", f"scapula.{s}", f"ribs.{s}", f"patella.{s}", f"carpals.{s}"}
        ids |= {f"clavicle.{s}.{t}" for t in ("medial-third", "middle-third", "lateral-third")}
        for bone in ("humerus", "radius", "ulna", "femur", "tibia", "fibula"):
            ids |= {f"{bone}.{s}.{seg}" for seg in segs}
        ids |= {
            f"femur.{s}.intertrochanteric",
            f"femur.{s}.greater-trochanter",
            f"humerus.{s}.capitellum",
        }
        for ray in range(1, 6):
            for part in ("base", "shaft", "head"):
                ids |= {f"metacarpal-{ray}.{s}.{part}", f"metatarsal-{ray}.{s}.{part}"}
        ids |= {f"phalanges-hand.{s}", f"phalanges-foot.{s}", f"sacroiliac-joint.{s}"}
        ids |= {
            f"{b}.{s}"
            for b in ("ilium", "ischium", "pubis", "talus", "calcaneus", "navicular", "cuboid")
        }
        ids |= {f"acetabulum.{s}.{c}" for c in ("anterior-column", "posterior-column")}
        ids |= {f"cuneiform-{c}.{s}" for c in ("medial", "intermediate", "lateral")}
    levels = (
        [f"c{i}" for i in range(1, 8)]
        + [f"t{i}" for i in range(1, 13)]
        + [f"l{i}" for i in range(1, 6)]
    )
    ids |= {f"vertebra.{lv}.{p}" for lv in levels for p in ("body", "posterior-elements")}
    return ids


def _leaves() -> set[str]:
    try:
        from cnoatlas.domain.sites import site_model
    except ImportError:
        return _scheme_leaves()
    return set(site_model().sites)


def test_every_body_site_is_a_leaf_site_and_every_leaf_has_a_place():
    leaves = _leaves()
    for age, sex in ((3, "F"), (11, "M"), (16, "F")):
        body = build_body(age, sex)
        assert set(body.sites) <= leaves, sorted(set(body.sites) - leaves)
        assert leaves <= set(body.sites), sorted(leaves - set(body.sites))
        for g in body.sites.values():
            assert (g.hi > g.lo).all() and g.contains(g.center, margin=1.0), g.id


def test_the_transcribed_scheme_matches_the_site_model():
    assert _scheme_leaves() == _leaves()
