"""Lesions as painted parts: CNO marrow oedema and the differentials it is taught against.

Each lesion kind is a small recipe of parts placed at its site of the body model: marrow
parts are clipped to the bone's marrow (geographic oedema stays in the bone), soft-tissue
parts are kept out of bone. The parts that outline the lesion carry its id as ``tag``; the
annotations follow them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from cnoatlas.domain.study_vocabulary import LESION_KINDS, LESION_OPTIONS, LESION_STATES
from cnoatlas.imaging.phantom.body import Body, Modifiers, Part, SiteGeometry
from cnoatlas.imaging.phantom.shapes import Box, Capsule, Ellipsoid, Shape, frame, shrink, unit, vec

KINDS = LESION_KINDS
STATES = LESION_STATES
OPTIONS = LESION_OPTIONS
_DEFAULT_ON = {
    "abscess": ("bacterial-osteomyelitis", "brodie-abscess"),
    "soft_tissue_mass": ("ewing-sarcoma", "osteosarcoma", "lch", "lymphoma"),
}

FINDINGS = {
    "cno-oedema": ("CNO", "marrow oedema next to the growth plate: bright on STIR and DWI, dark on T1"),
    "bacterial-osteomyelitis": ("abscess", "marrow oedema around an abscess with a rim, subperiosteal pus and a sinus tract"),
    "brodie-abscess": ("Brodie", "well-defined cavity with a dark sclerotic rim and a lining, crossing the growth plate"),
    "spondylodiscitis": ("discitis", "the disc and both neighbouring endplates involved, with a paravertebral collection"),
    "lch": ("LCH", "punched-out lytic lesion with a soft-tissue component"),
    "ewing-sarcoma": ("Ewing", "long diaphyseal marrow replacement with a large soft-tissue mass"),
    "osteosarcoma": ("osteosarcoma", "metaphyseal tumour breaking through the cortex, with a mass and dark spicules"),
    "leukaemia": ("leukaemia", "diffuse marrow replacement with metaphyseal bands"),
    "lymphoma": ("lymphoma", "long marrow replacement and a soft-tissue mass with the cortex between them left standing"),
    "neuroblastoma": ("deposit", "patchy metastatic marrow infiltrate, dark on T1, with normal marrow beyond it"),
    "scurvy": ("scurvy", "oedema band under the growth plate and blood lifting the periosteum"),
    "hypophosphatasia": ("HPP", "tongues of unmineralised tissue reaching from the growth plate into oedematous metaphysis"),
    "osteoid-osteoma": ("nidus", "small cortical nidus with thickened cortex and marrow oedema far larger than itself"),
    "stress-injury": ("stress", "band of oedema across the bone with a dark fracture line and periosteal oedema"),
    "fibrous-dysplasia": ("FD", "expanded bone with a thin dark shell round heterogeneous fibrous tissue"),
}  # fmt: skip


@dataclass(frozen=True)
class Lesion:
    id: str
    site_id: str
    kind: str
    size_mm: float = 20.0
    intensity: float = 0.8
    options: dict = field(default_factory=dict)
    state: str = "active"

    def option(self, name: str):
        value = self.options.get(name)
        if value is None:
            return self.kind in _DEFAULT_ON.get(name, ()) or OPTIONS[name]()
        return value


def modifiers(lesions: Iterable[Lesion], body_sites: Iterable[str] = ()) -> Modifiers:
    """Changes to the skeleton: vertebral height loss (kept after healing), thickening, discs."""
    height, thick, disc = {}, {}, {}
    for les in lesions:
        loss = float(les.option("height_loss"))
        if les.site_id.startswith("vertebra.") and les.site_id.endswith(".body"):
            if les.option("vertebra_plana"):
                loss = max(loss, 0.68)
            if les.state == "stable-fracture":
                loss = max(loss, 0.3)
            if loss > 0:
                height[les.site_id] = max(0.2, 1.0 - loss)
            if les.kind == "spondylodiscitis" and les.state != "resolved":
                disc[les.site_id.split(".")[1]] = 0.45
        if les.option("hyperostosis") and les.state != "resolved":
            thick[les.site_id] = 1.45
    return Modifiers(height, thick, disc)


def _effective(les: Lesion) -> tuple[float, float, bool]:
    """Size, intensity and whether soft-tissue extras show, for the lesion's state."""
    if les.state == "smaller":
        return les.size_mm * 0.55, les.intensity * 0.6, False
    if les.state == "stable-fracture":
        return les.size_mm * 0.5, min(les.intensity, 0.25), False
    return les.size_mm, les.intensity, True


def _near(shapes: list[Shape], lo: np.ndarray, hi: np.ndarray) -> tuple[Shape, ...]:
    out = []
    for s in shapes:
        a, b = s.bounds()
        if np.all(a <= hi) and np.all(b >= lo):
            out.append(s)
    return tuple(out)


def _perp(g: SiteGeometry) -> np.ndarray:
    """A direction across the bone, pointing away from the body's midline."""
    out = vec(math.copysign(1.0, g.center[0]) if abs(g.center[0]) > 1 else 1.0, -0.3, 0.0)
    out = out - np.dot(out, g.axis) * g.axis
    return unit(out)


def _rng(les: Lesion) -> np.random.Generator:
    digest = hashlib.sha256(f"{les.id}|{les.site_id}|{les.kind}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def lesion_parts(body: Body, les: Lesion) -> list[Part]:
    """The parts that paint this lesion (nothing for a resolved one)."""
    if les.state == "resolved":
        return []
    g = body.sites[les.site_id]
    size, inten, extras = _effective(les)
    rot = frame(g.axis, vec(1.0, 0.0, 0.0))
    center = g.center.copy()
    along = size / 2
    if g.physis is not None and "metaphysis" in g.id:
        inward = unit(g.center - g.physis)
        center = g.physis + inward * min(
            along * 0.85, float(np.linalg.norm(g.center - g.physis)) * 1.2
        )
    if g.id.startswith("ribs."):
        mid = g.marrow[len(g.marrow) // 2]
        center = (mid.a + mid.b) / 2 if isinstance(mid, Capsule) else g.center
    across = max(g.radius * 1.15, size * 0.4)
    main = Ellipsoid(center, vec(across, across, along), rot)
    lo, hi = main.bounds()
    margin = 25.0 + size
    near_outer = _near(body.bone_outer, lo - margin, hi + margin)
    if g.id.endswith(".body") or g.bone in ("skull",):
        marrow = tuple(g.marrow)
    elif g.id.startswith("sacroiliac-joint"):
        side = g.id.split(".")[1]
        marrow = _near(body.bone_marrow(f"ilium.{side}") + body.bone_marrow("sacrum"), lo, hi)
    else:
        epiphysis = "epiphysis" in g.id or les.kind in ("brodie-abscess",)
        shapes = [
            s
            for sid, sg in body.sites.items()
            if sg.bone == g.bone and (epiphysis or "epiphysis" not in sid)
            for s in sg.marrow
        ]
        marrow = _near(shapes, lo - 5, hi + 5) or tuple(g.marrow)
    bone_clip = tuple(s for s in near_outer if _overlaps(s, lo, hi)) or tuple(g.outer)
    if g.id.startswith("vertebra.") or g.bone == "skull":  # never into the next level
        bone_clip = tuple(g.outer)
    seed = int.from_bytes(hashlib.sha256(les.id.encode()).digest()[:4], "little")
    # oedema fades into normal marrow over several voxels: a margin of about a third of the
    # lesion's size, at least 4 mm (two coronal voxels)
    fade = max(4.0, 0.3 * size)
    perp = _perp(g)
    tag = les.id
    parts: list[Part] = []
    kind = les.kind

    def oedema(shape, alpha, soft=None, tissue="oedema", tagged=True, clip=marrow, grain=0.28):
        parts.append(Part(shape, tissue, les.site_id, alpha=alpha,
                          soft=fade if soft is None else soft, clip=clip,
                          tag=tag if tagged else None, texture=grain, seed=seed))  # fmt: skip

    def soft_tissue(shape, tissue, alpha, soft=2.0, tagged=False):
        parts.append(Part(shape, tissue, None, alpha=alpha, soft=soft, clip_out=near_outer,
                          tag=tag if tagged else None))  # fmt: skip

    if kind == "cno-oedema":
        if les.option("hyperostosis"):
            oedema(shrink(main, 1.0), 0.5, 1.0, "sclerosis", tagged=False)
        # the core's STIR signal is 5.6-7.2 times muscle's for intensities 0.6-1 (tissues.json
        # lesion_contrast); a fainter lesion blends more normal marrow in
        # lesion blends more normal marrow in; a healing one (smaller, healed) stays faint
        oedema(main, 0.6 + 0.4 * inten if les.state == "active" else inten)
        if les.state == "stable-fracture" and not g.id.endswith(".body"):
            oedema(
                Capsule(center - perp * 40, center + perp * 40, 0.8, 0.8),
                0.8,
                0.5,
                "sclerosis",
                False,
            )
    elif kind == "bacterial-osteomyelitis":
        oedema(Ellipsoid(center, vec(across * 1.1, across * 1.1, along * 1.3), rot),
               0.6 + 0.4 * inten)  # fmt: skip
        r_abs = max(5.0, size * 0.2)
        if les.option("abscess"):
            parts.append(
                Part(
                    Ellipsoid(center, vec(1, 1, 1.4) * (r_abs + 2.2), rot),
                    "rim",
                    les.site_id,
                    tag=tag,
                )
            )
            parts.append(
                Part(Ellipsoid(center, vec(1, 1, 1.4) * r_abs, rot), "pus", les.site_id, tag=tag)
            )
        if les.option("sequestrum"):
            parts.append(
                Part(Ellipsoid(center, vec(0.4, 0.4, 0.8) * r_abs, rot), "cortex", les.site_id)
            )
        if extras:
            soft_tissue(
                Ellipsoid(center, vec(across + 18, across + 18, along + 15), rot),
                "soft-oedema",
                0.6,
                8.0,
            )
            if les.option("subperiosteal_collection"):
                sub_c = center + perp * (g.radius + 3.5)
                soft_tissue(
                    Ellipsoid(sub_c, vec(4.0, 5.0, along * 0.9), rot), "pus", 0.95, 1.0, True
                )
            if les.option("sinus_tract"):
                skin = center + perp * (g.radius + 0.05 * body.height)
                soft_tissue(Capsule(center, skin, 1.8, 1.5), "fluid", 0.9, 0.5)
    elif kind == "brodie-abscess":
        if g.physis is not None:
            center = g.physis + unit(g.center - g.physis) * size * 0.2
        r = max(4.0, size / 2)
        cavity = Ellipsoid(center, vec(r * 0.8, r * 0.8, r), rot)
        oedema(
            Ellipsoid(center, vec(across * 1.2, across * 1.2, r * 1.8), rot),
            0.45 * inten,
            5.0,
            tagged=False,
        )
        parts.append(
            Part(shrink(cavity, -3.0), "sclerosis", les.site_id, alpha=0.9, clip=bone_clip, tag=tag)
        )
        parts.append(Part(shrink(cavity, -1.2), "rim", les.site_id, clip=bone_clip, tag=tag))
        parts.append(Part(cavity, "pus", les.site_id, tag=tag))
    elif kind == "spondylodiscitis":
        parts.extend(_spondylodiscitis(body, les, g, inten, near_outer, extras))
    elif kind == "lch":
        r = max(4.0, size / 2)
        if g.bone == "skull":
            # punched out of the left parietal vault: both tables and the diploe replaced
            # through the whole thickness, a soft-tissue cap bulging out under the scalp
            skull = g.outer[0]
            d = unit(vec(0.55, 0.0, 0.84))
            reach = 1.0 / math.sqrt(float(np.sum((d / np.asarray(skull.radii)) ** 2)))
            center = skull.c + d * (reach - 2.0)
            inner = shrink(skull, 5.0 + 0.004 * body.height)
            hole = Ellipsoid(center, vec(r, r, r))
            parts.append(Part(hole, "tumour", les.site_id, soft=0.8, clip=(skull,),
                              clip_out=(inner,), tag=tag))  # fmt: skip
            parts.append(Part(Ellipsoid(center + d * r * 0.3, vec(r, r, r) * 0.75), "tumour", None,
                              alpha=0.85, soft=1.0, clip_out=(skull,)))  # fmt: skip
        else:
            oedema(
                Ellipsoid(center, vec(across * 1.3, across * 1.3, r * 1.7), rot),
                0.45 * inten,
                5.0,
                tagged=False,
            )
            parts.append(Part(Ellipsoid(center, vec(r, r, r * 1.1), rot), "tumour", les.site_id,
                              soft=0.8, clip=bone_clip, tag=tag))  # fmt: skip
            if extras and les.option("soft_tissue_mass"):
                soft_tissue(
                    Ellipsoid(center + perp * g.radius, vec(r * 0.7, r * 0.6, r), rot),
                    "tumour",
                    0.9,
                    1.5,
                    True,
                )
    elif kind == "ewing-sarcoma":
        # permeative replacement of the whole marrow cavity over the stated length, fading
        # only over its last few millimetres, mottled inside
        shaft = Capsule(center - g.axis * (along - 4.0), center + g.axis * (along - 4.0),
                        g.radius * 1.3, g.radius * 1.3, flat=True)  # fmt: skip
        oedema(shaft, max(inten, 0.9), 4.0, "tumour", grain=0.22)
        if extras and les.option("soft_tissue_mass"):
            # the mass wraps round the shaft, eccentric and lobulated, shorter than the
            # marrow disease
            mass = Ellipsoid(center + perp * g.radius * 0.6,
                             vec(g.radius + size * 0.13, g.radius + size * 0.11, along * 0.85), rot)  # fmt: skip
            parts.append(Part(mass, "tumour", None, alpha=0.95, soft=2.5, clip_out=near_outer,
                              tag=tag, texture=0.15, seed=seed + 1))  # fmt: skip
            for extra_r in (2.0, 4.2):
                outer = Capsule(center - g.axis * along * 0.6, center + g.axis * along * 0.6,
                                g.radius + extra_r + 0.9, g.radius + extra_r + 0.9, flat=True)  # fmt: skip
                inner = shrink(outer, 0.9)
                parts.append(Part(outer, "sclerosis", None, alpha=0.7, clip_out=(inner,)))
    elif kind == "osteosarcoma":
        tumour = Ellipsoid(center, vec(across * 1.2, across * 1.2, along), rot)
        parts.append(
            Part(
                tumour,
                "tumour",
                les.site_id,
                alpha=max(inten, 0.9),
                soft=1.5,
                clip=bone_clip,
                tag=tag,
            )
        )
        rng = _rng(les)
        for _ in range(5):
            off = (rng.random(3) - 0.5) * vec(across, across, along)
            parts.append(Part(Ellipsoid(center + rot @ off, vec(3, 3, 4)), "sclerosis", les.site_id,
                              alpha=0.7, soft=1.0, clip=bone_clip))  # fmt: skip
        if extras and les.option("soft_tissue_mass"):
            mass_c = center + perp * g.radius
            soft_tissue(
                Ellipsoid(mass_c, vec(size * 0.5, size * 0.42, along * 0.9), rot),
                "tumour",
                0.9,
                2.0,
                True,
            )
            side = np.cross(g.axis, perp)
            for k in range(-3, 4):
                d = unit(perp * math.cos(k * 0.3) + side * math.sin(k * 0.3))
                a = center + d * g.radius
                parts.append(
                    Part(Capsule(a, a + d * size * 0.32, 0.8, 0.5), "sclerosis", None, alpha=0.7)
                )
    elif kind == "leukaemia":
        for part in body.parts:
            if part.tissue == "marrow":
                parts.append(Part(part.shape, "infiltrate", part.site, alpha=0.6 * inten,
                                  clip=part.clip, clip_out=part.clip_out))  # fmt: skip
        for sg in body.sites.values():
            if sg.physis is not None and "metaphysis" in sg.id and sg.radius > 4:
                d = unit(sg.center - sg.physis)
                band_c = sg.physis + d * 3.5
                r = sg.radius * 0.95
                parts.append(Part(Capsule(band_c - d * 2, band_c + d * 2, r, r, flat=True), "oedema",
                                  sg.id, alpha=0.85 * inten, soft=1.0, clip=tuple(sg.marrow)))  # fmt: skip
        oedema(main, inten, 3.0, "infiltrate")
    elif kind in _OTHER_KINDS:
        parts.extend(_OTHER_KINDS[kind](_Ctx(body, les, g, center, rot, size, inten, along,
                                             across, fade, perp, marrow, near_outer, seed)))  # fmt: skip
        if kind == "lymphoma" and extras and les.option("soft_tissue_mass"):
            parts.extend(_lymphoma_mass(body, les, g, center, rot, size, along, perp, near_outer, seed))
    if extras and les.option("periosteal_reaction"):
        sleeve = Capsule(center - g.axis * along * 1.1, center + g.axis * along * 1.1,
                         g.radius + 3.0, g.radius + 3.0, flat=True)  # fmt: skip
        soft_tissue(sleeve, "soft-oedema", 0.9 * inten, 1.0)
    if extras and les.option("soft_tissue_oedema"):
        cloud = Ellipsoid(center, vec(across + 14, across + 14, along + 10), rot)
        soft_tissue(cloud, "soft-oedema", 0.55 * inten, 7.0)
    if extras and les.option("joint_effusion") and g.joint is not None:
        r = g.radius * 1.2 + 4
        soft_tissue(Ellipsoid(g.joint, vec(r, r * 0.9, max(6.0, 0.4 * r)), rot), "fluid", 0.9)
    return parts


def variant_parts(body: Body, variants: Iterable[str]) -> list[Part]:
    """Normal findings: patchy STIR-bright foci in the tarsal bones (ill-defined, fainter than a
    lesion) and red-marrow islands in the knee metaphyses (intermediate on STIR and, unlike a
    lesion, brighter than muscle on T1). Never tagged: the annotations do not outline them."""
    parts: list[Part] = []
    for name in variants:
        rng = np.random.default_rng(
            int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
        )
        if name == "tarsal-foci":
            bones = ("talus", "calcaneus", "navicular", "cuboid", "cuneiform-medial",
                     "cuneiform-intermediate", "cuneiform-lateral")  # fmt: skip
            for side in ("left", "right"):
                for bone in bones:
                    g = body.sites.get(f"{bone}.{side}")
                    if g is None or rng.random() < 0.3:
                        continue
                    for _ in range(1 + int(rng.integers(3))):
                        c = g.lo + (g.hi - g.lo) * rng.uniform(0.25, 0.75, 3)
                        r = float(rng.uniform(2.5, 4.5))
                        parts.append(Part(Ellipsoid(c, vec(r, r * 1.3, r)), "oedema", None,
                                          alpha=float(rng.uniform(0.3, 0.5)), soft=3.0,
                                          clip=tuple(g.marrow), texture=0.3,
                                          seed=int(rng.integers(1 << 30))))  # fmt: skip
        elif name == "red-marrow-islands":
            for sid, g in body.sites.items():
                if not (sid.startswith(("femur.", "tibia.")) and "metaphysis" in sid):
                    continue
                if (
                    g.physis is None
                    or g.joint is None
                    or abs(g.joint[2] - body.landmarks["z_knee"]) > 60
                ):
                    continue
                for _ in range(3):
                    c = g.center + (rng.random(3) - 0.5) * (g.hi - g.lo) * 0.5
                    r = float(rng.uniform(0.2, 0.35)) * g.radius + 2.0
                    parts.append(Part(Ellipsoid(c, vec(r, r, r * 1.4)), "marrow", None, ff=0.25,
                                      alpha=0.8, soft=3.0, clip=tuple(g.marrow), texture=0.25,
                                      seed=int(rng.integers(1 << 30))))  # fmt: skip
    return parts


def _overlaps(shape: Shape, lo: np.ndarray, hi: np.ndarray) -> bool:
    a, b = shape.bounds()
    return bool(np.all(a <= hi) and np.all(b >= lo))


def _spondylodiscitis(body, les, g, inten, near_outer, extras) -> list[Part]:
    level = les.site_id.split(".")[1]
    names = [f"c{i}" for i in range(1, 8)] + [f"t{i}" for i in range(1, 13)]
    names += [f"l{i}" for i in range(1, 6)]
    idx = names.index(level)
    below = body.sites.get(f"vertebra.{names[idx + 1]}.body") if idx + 1 < len(names) else None
    upper = body.sites[les.site_id]
    parts = []
    axis = upper.axis
    lo_c = below.center if below is not None else upper.center - axis * (upper.hi[2] - upper.lo[2])
    disc_c = (upper.center + lo_c) / 2
    width = float(upper.hi[0] - upper.lo[0])
    dep = upper.radius * 2
    rot = frame(axis, vec(1.0, 0.0, 0.0))
    hgt = float(np.linalg.norm(upper.center - lo_c)) / 2
    for sg, sign in ((upper, 1.0), (below, -1.0)):
        if sg is None:
            continue
        c = disc_c + axis * sign * hgt * 0.45
        parts.append(Part(Ellipsoid(c, vec(width * 0.55, dep * 0.6, hgt * 0.55), rot), "oedema", sg.id,
                          alpha=max(inten, 0.85), soft=2.5, clip=tuple(sg.marrow), tag=les.id))  # fmt: skip
    parts.append(Part(Box(disc_c, vec(width * 0.45, dep * 0.45, hgt * 0.3), 1.0, rot), "fluid", les.site_id,
                      alpha=0.85, soft=1.0, tag=les.id))  # fmt: skip
    if extras:
        coll = Ellipsoid(
            disc_c + rot @ vec(0, -dep * 0.55, 0), vec(width * 0.75, dep * 0.35, hgt * 1.1), rot
        )
        parts.append(Part(coll, "pus", None, alpha=0.9, soft=2.0, clip_out=near_outer, tag=les.id))
    return parts


# --- lymphoma and the "other" differentials -----------------------------------------------------
@dataclass(frozen=True)
class _Ctx:
    """What lesion_parts worked out for one lesion, handed to a kind's recipe."""

    body: Body
    les: Lesion
    g: SiteGeometry
    center: np.ndarray
    rot: np.ndarray
    size: float
    inten: float
    along: float
    across: float
    fade: float
    perp: np.ndarray
    marrow: tuple
    near_outer: tuple
    seed: int

    def marrow_part(self, shape, tissue, alpha, soft, tagged=True, grain=0.28) -> Part:
        return Part(shape, tissue, self.les.site_id, alpha=alpha, soft=soft, clip=self.marrow,
                    tag=self.les.id if tagged else None, texture=grain, seed=self.seed)  # fmt: skip

    def into_bone(self) -> np.ndarray:
        """From the growth plate into the metaphysis (the long axis where there is no plate)."""
        if self.g.physis is None:
            return self.g.axis
        return unit(self.g.center - self.g.physis)

    def across_in_plane(self, d: np.ndarray) -> np.ndarray:
        """A direction across the bone in the coronal plane (left-right on a coronal image)."""
        side = np.cross(d, vec(0.0, 1.0, 0.0))
        return unit(side) if np.linalg.norm(side) > 1e-6 else vec(1.0, 0.0, 0.0)


def _lymphoma(c: _Ctx) -> list[Part]:
    # permeative replacement of the marrow over the metadiaphysis; the cortex is left
    # standing (little cortical destruction for the size of the disease)
    g = c.g
    shaft = Capsule(c.center - g.axis * (c.along - 3.0), c.center + g.axis * (c.along - 3.0),
                    g.radius * 1.3, g.radius * 1.3, flat=True)  # fmt: skip
    return [c.marrow_part(shaft, "tumour", max(c.inten, 0.85), 3.0, grain=0.2)]


def _lymphoma_mass(body, les, g, center, rot, size, along, perp, near_outer, seed) -> list[Part]:
    # the soft-tissue mass cuffs the bone but is kept out of it: the dark cortical line stays
    # between the marrow disease and the mass
    mass = Ellipsoid(center + perp * g.radius * 0.35,
                     vec(g.radius + 4.0 + size * 0.1, g.radius + 3.0 + size * 0.08, along * 0.7), rot)  # fmt: skip
    return [Part(mass, "tumour", None, alpha=0.9, soft=2.0, clip_out=near_outer, tag=les.id,
                 texture=0.12, seed=seed + 1)]  # fmt: skip


def _neuroblastoma(c: _Ctx) -> list[Part]:
    # a metastatic deposit: infiltrate of the metaphysis with patches further up the shaft,
    # normal marrow between them (skip areas; leukaemia replaces all the marrow, a CNO focus is
    # one). Deposits are usually several and often matching on both sides: each is its own
    # lesion in the description.
    d = c.into_bone() if "metaphysis" in c.g.id else c.g.axis
    main = Ellipsoid(c.center, vec(c.across, c.across, c.along * 0.9), c.rot)
    parts = [c.marrow_part(main, "infiltrate", max(c.inten, 0.8), 2.5, grain=0.35)]
    rng = _rng(c.les)
    for reach in (2.1, 3.3):  # satellite patches further along the shaft
        off = d * c.along * (reach + float(rng.uniform(-0.1, 0.1)))
        r = c.across * 0.45
        parts.append(c.marrow_part(Ellipsoid(c.center + off, vec(r, r, r * 1.2), c.rot),
                                   "infiltrate", 0.8 * max(c.inten, 0.8), 2.0, grain=0.3))  # fmt: skip
    if c.g.id.startswith("vertebra.") and c.les.state == "active" and c.les.option("soft_tissue_mass"):
        # the primary tumour beside the spine (sympathetic chain), on the patient's left; not
        # outlined, so the lesion's key slice stays on the vertebral deposit (a sagittal spine
        # slice through the mass would be at the edge of the field of view)
        r = max(14.0, c.size * 1.2)
        mass_c = c.g.center + vec(c.g.radius * 1.6 + r * 0.8, c.g.radius * 0.4, 0.0)
        parts.append(Part(Ellipsoid(mass_c, vec(r, r * 0.85, r * 1.5)), "tumour", None, alpha=0.9,
                          soft=2.0, clip_out=c.near_outer, texture=0.2, seed=c.seed + 1))  # fmt: skip
    return parts


def _scurvy(c: _Ctx) -> list[Part]:
    # a band of oedema just under the growth plate across the whole metaphysis, and blood
    # under the lifted periosteum around it with the cortex intact beneath
    g = c.g
    d = c.into_bone()
    base = g.physis if g.physis is not None else c.center
    half = max(3.0, c.size * 0.2)
    band_c = base + d * (half + 1.5)
    r = g.radius * 1.1
    band = Capsule(band_c - d * half, band_c + d * half, r, r, flat=True)
    parts = [c.marrow_part(band, "oedema", 0.65 + 0.35 * c.inten, 2.0)]
    if c.les.state == "active":
        mid = base + d * c.size * 0.5
        sleeve = Capsule(mid - d * c.size * 0.5, mid + d * c.size * 0.5, g.radius + 5.0,
                         g.radius + 5.0, flat=True)  # fmt: skip
        parts.append(Part(sleeve, "fluid", None, alpha=0.75 * max(c.inten, 0.7), soft=1.0,
                          clip_out=c.near_outer, tag=c.les.id))  # fmt: skip
        cloud = Ellipsoid(mid, vec(g.radius + 14.0, g.radius + 14.0, c.size * 0.8), c.rot)
        parts.append(Part(cloud, "soft-oedema", None, alpha=0.4 * c.inten, soft=6.0,
                          clip_out=c.near_outer))  # fmt: skip
    return parts


def _hypophosphatasia(c: _Ctx) -> list[Part]:
    # faint metaphyseal oedema under the growth plate with tongues of unmineralised tissue
    # reaching from the plate into the metaphysis (the radiograph's lucent tongues)
    g = c.g
    d = c.into_bone()
    base = g.physis if g.physis is not None else c.center - d * c.along
    side = c.across_in_plane(d)
    depth = max(6.0, c.size * 0.45)
    r = g.radius * 0.95
    parts = [c.marrow_part(Capsule(base + d * 0.5, base + d * depth, r, r, flat=True), "oedema",
                           0.35 + 0.3 * c.inten, 3.0)]  # fmt: skip
    rot = frame(d, side)
    for k in (-0.55, 0.0, 0.55):
        length = c.size * (0.75 - 0.25 * abs(k))
        tongue_c = base + side * g.radius * k + d * (length / 2 + 0.5)
        tongue = Box(tongue_c, vec(2.2, g.radius * 0.7, length / 2), 1.0, rot)
        parts.append(c.marrow_part(tongue, "oedema", 0.95, 0.6, grain=0.1))
    return parts


def _osteoid_osteoma(c: _Ctx) -> list[Part]:
    # size_mm is the nidus: a small round focus in the cortex on the outer side of the bone,
    # with a dark speck of mineral in it, thickened sclerotic cortex round it and marrow oedema
    # along the bone far larger than the nidus itself
    g = c.g
    r_n = max(2.5, c.size / 2)
    nidus_c = c.center + c.perp * g.radius * 0.85
    reach = max(c.size * 3.0, 24.0)
    zone = Ellipsoid(c.center, vec(g.radius * 1.15, g.radius * 1.15, reach), c.rot)
    parts = [c.marrow_part(zone, "oedema", 0.55 + 0.35 * c.inten, max(6.0, reach * 0.3))]
    thick = Ellipsoid(nidus_c, vec(r_n + 4.0, r_n + 4.0, r_n * 2.5 + 6.0), c.rot)
    parts.append(Part(thick, "sclerosis", c.les.site_id, alpha=0.95, soft=1.0))
    parts.append(Part(Ellipsoid(nidus_c, vec(r_n, r_n, r_n * 1.15), c.rot), "tumour", c.les.site_id,
                      alpha=0.95, soft=0.6, tag=c.les.id))  # fmt: skip
    speck = max(0.8, r_n * 0.3)
    parts.append(Part(Ellipsoid(nidus_c, vec(speck, speck, speck)), "cortex", c.les.site_id,
                      alpha=0.8))  # fmt: skip
    return parts


def _stress_injury(c: _Ctx) -> list[Part]:
    # a band of oedema across the bone, shorter along the bone than it is wide, with a dark
    # fracture line running across it at right angles to the cortex, and oedema along the
    # periosteum on the surface
    # (in the middle of a metaphysis, not against the growth plate)
    g = c.g
    mid = g.center
    half = max(5.0, c.size / 2)
    band = Capsule(mid - g.axis * half, mid + g.axis * half, g.radius * 1.2,
                   g.radius * 1.2, flat=True)  # fmt: skip
    parts = [c.marrow_part(band, "oedema", 0.6 + 0.4 * c.inten, max(3.0, half * 0.5))]
    if c.les.state in ("active", "smaller"):
        line = Box(mid, vec(g.radius * 1.4, g.radius * 1.4, 1.4), 0.5, c.rot)
        parts.append(c.marrow_part(line, "sclerosis", 1.0, 0.3, tagged=False, grain=0.0))
    if c.les.state == "active":
        sleeve = Capsule(mid - g.axis * half * 1.3, mid + g.axis * half * 1.3,
                         g.radius + 2.5, g.radius + 2.5, flat=True)  # fmt: skip
        parts.append(Part(sleeve, "soft-oedema", None, alpha=0.8 * c.inten, soft=1.0,
                          clip_out=c.near_outer))  # fmt: skip
    return parts


def _fibrous_dysplasia(c: _Ctx) -> list[Part]:
    # the bone is replaced over the lesion's length by fibrous tissue (intermediate and mottled
    # on STIR) and expanded, its cortex thinned to a dark shell outside the normal outline
    g = c.g
    half = max(8.0, c.along)
    r_out = g.radius * 1.4
    shell = Capsule(c.center - g.axis * half, c.center + g.axis * half, r_out, r_out, flat=True)
    inner = shrink(shell, 1.6)
    parts = [Part(shell, "cortex", c.les.site_id, alpha=0.95, soft=0.6, clip_out=(inner,))]
    parts.append(Part(inner, "tumour", c.les.site_id, alpha=0.55 + 0.3 * c.inten, soft=1.0,
                      tag=c.les.id, texture=0.45, seed=c.seed))  # fmt: skip
    return parts


_OTHER_KINDS = {
    "lymphoma": _lymphoma,
    "neuroblastoma": _neuroblastoma,
    "scurvy": _scurvy,
    "hypophosphatasia": _hypophosphatasia,
    "osteoid-osteoma": _osteoid_osteoma,
    "stress-injury": _stress_injury,
    "fibrous-dysplasia": _fibrous_dysplasia,
}
