"""A child's body as solid shapes in patient coordinates, every bone part keyed by its site id.

Coordinates are DICOM patient coordinates (LPS, mm): +x the patient's left, +y posterior,
+z towards the head, with the soles at z = 0 and the mid-coronal plane of the trunk at y = 0.
Size and proportions follow assets-free tables of median stature, sitting height and long-bone
length by age (docs: /work/shared/reference/child-skeleton.md, WHO 2007, Dutch 1997, Anderson
et al.), marrow conversion follows the order "epiphyses early, then diaphyses, then metaphyses".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cnoatlas.imaging.phantom.shapes import (
    Box,
    Capsule,
    Dome,
    Ellipsoid,
    Loft,
    OvalFrustum,
    Shape,
    Sweep,
    curve,
    frame,
    rot_x,
    rot_y,
    rot_z,
    shrink,
    unit,
    vec,
)

SIDES = (("left", 1.0), ("right", -1.0))

# Median stature (cm), WHO 2006/2007 (child-skeleton.md section 1).
_AGES = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
_STATURE = {
    "M": (96.1, 103.3, 110.0, 116.0, 121.7, 127.3, 132.6, 137.8, 143.1, 149.1, 156.0, 163.2, 169.0, 172.9),
    "F": (95.1, 102.7, 109.4, 115.1, 120.8, 126.6, 132.5, 138.6, 145.0, 151.2, 156.4, 159.8, 161.7, 162.5),
}  # fmt: skip
# Sitting height / stature, Dutch 1997 reference (section 3a).
_SH_AGES = (3, 4, 5, 6, 8, 10, 12, 14, 16)
_SH = {
    "M": (0.572, 0.555, 0.546, 0.541, 0.531, 0.520, 0.513, 0.508, 0.512),
    "F": (0.568, 0.553, 0.546, 0.541, 0.531, 0.522, 0.516, 0.518, 0.524),
}
# Femur length / stature, Anderson-Green-Messner boys (section 2b); tibia = 0.79 femur.
_FEMUR = ((3, 5, 7, 9, 10, 12, 14, 16), (0.219, 0.236, 0.249, 0.259, 0.263, 0.269, 0.271, 0.270))


def stature_mm(age: float, sex: str) -> float:
    return 10.0 * float(np.interp(age, _AGES, _STATURE[sex]))


@dataclass
class Part:
    """One painted solid: a shape filled with a tissue (marrow with its fat fraction)."""

    shape: Shape
    tissue: str
    site: str | None = None
    ff: float | None = None  # fat fraction override (marrow)
    alpha: float = 1.0
    soft: float = 0.0  # extra edge blur in mm (ill-defined margins)
    clip: tuple[Shape, ...] = ()  # only inside the union of these
    clip_out: tuple[Shape, ...] = ()  # never inside these
    tag: str | None = None  # lesion id whose outline the annotations follow
    texture: float = 0.0  # heterogeneity: the coverage dips by up to this fraction in places
    seed: int = 0  # of the texture


@dataclass
class SiteGeometry:
    """Where a leaf site is: its bounding box, a centre, the long axis and radius of the bone."""

    id: str
    center: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    axis: np.ndarray
    radius: float
    bone: str  # the bone group: "tibia.left", "vertebra.t7", "sacrum"
    physis: np.ndarray | None = None  # nearest growth plate centre (metaphyses, epiphyses)
    joint: np.ndarray | None = None  # nearest joint centre (long-bone ends)
    outer: list[Shape] = field(default_factory=list)  # the bone's outline (cortex)
    marrow: list[Shape] = field(default_factory=list)

    def contains(self, point: np.ndarray, margin: float = 0.0) -> bool:
        return bool(np.all(point >= self.lo - margin) and np.all(point <= self.hi + margin))


@dataclass
class Body:
    age: float
    sex: str
    height: float
    parts: list[Part]
    sites: dict[str, SiteGeometry]
    landmarks: dict[str, float]
    bone_outer: list[Shape]  # every cortex outline (to keep soft-tissue lesions out of bone)
    skin: list[Shape] = field(default_factory=list)  # the body's outer envelope (union)
    points: dict[str, np.ndarray] = field(default_factory=dict)  # named anatomical points

    def bone_marrow(self, bone: str) -> list[Shape]:
        return [s for g in self.sites.values() if g.bone == bone for s in g.marrow]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        los, his = zip(*(p.shape.bounds() for p in self.parts if p.tissue != "air"), strict=True)
        return np.min(los, axis=0), np.max(his, axis=0)


@dataclass(frozen=True)
class Modifiers:
    """Shape changes a lesion makes to the skeleton itself."""

    height_scale: dict[str, float] = field(default_factory=dict)  # vertebral body site -> factor
    thickening: dict[str, float] = field(default_factory=dict)  # site -> radius factor
    disc_scale: dict[str, float] = field(default_factory=dict)  # "t7" (disc below) -> factor


class _Builder:
    def __init__(self, age: float, sex: str, mods: Modifiers, seed: int) -> None:
        self.age, self.sex, self.mods = age, sex, mods
        self.rng = np.random.default_rng([seed, 104729])
        self.parts: list[Part] = []
        self.sites: dict[str, SiteGeometry] = {}
        self.bone_outer: list[Shape] = []
        self.skin: list[Shape] = []
        self.points: dict[str, np.ndarray] = {}
        self.h = stature_mm(age, sex)

    # -- marrow by age and site ------------------------------------------------------------
    def ff(self, where: str, distal: bool = False) -> float:
        """Fat fraction of marrow: conversion runs epiphyses first, then diaphyses (1-10 y),
        then distal metaphyses (10-15 y); proximal metaphyses and the axial skeleton stay red."""
        age = self.age + (2.5 if distal else 0.0)
        if where == "epiphysis":
            return 0.88
        if where == "diaphysis":  # converting: intermediate on STIR through the first decade
            return float(np.interp(age, (1, 5, 10, 16), (0.35, 0.55, 0.72, 0.85)))
        if where == "distal-metaphysis":
            return float(np.interp(age, (9, 16), (0.35, 0.7)))
        if where == "proximal-metaphysis":
            return float(np.interp(age, (10, 18), (0.3, 0.45)))
        if where == "small":
            return float(np.interp(age, (1, 5), (0.5, 0.88)))
        if where == "skull":
            return float(np.interp(self.age, (7, 12), (0.35, 0.8)))
        return float(np.interp(self.age, (3, 16), (0.2, 0.35)))  # axial

    # -- bookkeeping -------------------------------------------------------------------------
    def site(self, sid, bone, outer, marrow, axis=None, radius=None, physis=None, joint=None):
        lo, hi = zip(*(s.bounds() for s in outer), strict=True)
        lo, hi = np.min(lo, axis=0), np.max(hi, axis=0)
        center = _center(outer[0])
        if sid in self.sites:  # a site made of several pieces (ribs, mandible, hand)
            g = self.sites[sid]
            g.lo, g.hi = np.minimum(g.lo, lo), np.maximum(g.hi, hi)
            g.outer += outer
            g.marrow += marrow
            return g
        axis = unit(axis) if axis is not None else np.array([0.0, 0.0, 1.0])
        radius = radius if radius is not None else float(np.min(hi - lo)) / 2
        g = SiteGeometry(
            sid, center, lo, hi, axis, radius, bone, physis, joint, list(outer), list(marrow)
        )
        self.sites[sid] = g
        return g

    def bone(self, sid, bone, shape, ff, cortex=1.2, axis=None, radius=None, physis=None,
             joint=None):  # fmt: skip
        """A bone part: cortex outline, then marrow inside; registered as a site."""
        if sid in self.mods.thickening:
            shape = _grow(shape, self.mods.thickening[sid])
        inner = shrink(shape, cortex)
        self.parts.append(Part(shape, "cortex", sid))
        self.parts.append(Part(inner, "marrow", sid, ff=ff))
        self.bone_outer.append(shape)
        return self.site(sid, bone, [shape], [inner], axis, radius, physis, joint)

    def add(self, shape, tissue, site=None, ff=None):
        self.parts.append(Part(shape, tissue, site, ff=ff))

    # -- long bones --------------------------------------------------------------------------
    def long_bone(self, name, side, top, bottom, r_shaft, r_top, r_bottom, *, epi=0.07, meta=0.13,
                  skip_top=False, level_bottom=False, epi_bottom=None, ap_top=0.85,
                  ap_bottom=0.85):  # fmt: skip
        """Epiphyses, physes, metaphyses and diaphysis between the joint centres top/bottom."""
        bone = f"{name}.{side}"
        axis = unit(bottom - top)
        length = float(np.linalg.norm(bottom - top))
        e1, e2 = epi * length, (epi * 0.9 if epi_bottom is None else epi_bottom) * length
        m1, m2 = meta * length, meta * length
        p = lambda t: top + axis * t  # noqa: E731
        physis_t = max(1.5, 0.0018 * self.h)
        ct_shaft, ct_meta = max(1.8, 0.28 * r_shaft), max(1.0, 0.09 * r_shaft)
        open_plates = self.age < (14.5 if self.sex == "F" else 16.0)
        cart = float(np.interp(self.age, (3, 16), (0.32, 0.12)))
        segments = [
            ("proximal-metaphysis", p(e1), p(e1 + m1), r_top * 0.92, r_shaft, ct_meta),
            ("diaphysis", p(e1 + m1), p(length - e2 - m2), r_shaft, r_shaft, ct_shaft),
            ("distal-metaphysis", p(length - e2 - m2), p(length - e2), r_shaft, r_bottom * 0.92, ct_meta),
        ]  # fmt: skip
        if skip_top:  # the shaft starts right below the trochanters (no gap in the bone)
            segments = [("diaphysis", top, p(length - e2 - m2), r_shaft * 1.25, r_shaft, ct_shaft),
                        segments[2]]  # fmt: skip
        cortex_parts, marrow_parts = [], []
        for seg, a, b, ra, rb, ct in segments:
            sid = f"{bone}.{seg}"
            ff = self.ff(seg, distal=name in ("tibia", "fibula", "radius", "ulna"))
            if seg == "diaphysis":
                pieces = [(a, b, ra, rb)]
            else:  # concave metaphyseal flare: narrows fast next to the physis, then slowly
                wide, narrow = (ra, rb) if ra > rb else (rb, ra)
                bend = narrow + 0.3 * (wide - narrow)
                mid = a + (b - a) * (0.35 if ra > rb else 0.65)
                pieces = [(a, mid, ra, bend), (mid, b, bend, rb)]
            outers, inners = [], []
            for pa, pb, qa, qb in pieces:
                shape = Capsule(pa, pb, qa, qb, flat=True)
                if sid in self.mods.thickening:
                    shape = _grow(shape, self.mods.thickening[sid])
                outers.append(shape)
                inners.append(Capsule(pa, pb, max(qa - ct, 0.5), max(qb - ct, 0.5), flat=True))
            cortex_parts += [Part(o, "cortex", sid) for o in outers]
            marrow_parts += [Part(i, "marrow", sid, ff=ff) for i in inners]
            self.bone_outer += outers
            physis = joint = None
            if seg == "proximal-metaphysis":
                physis, joint = p(e1), top
            elif seg == "distal-metaphysis":
                physis, joint = p(length - e2), bottom
            self.site(sid, bone, outers, inners, axis, (ra + rb) / 2, physis, joint)
        # all cortex first, then all marrow: no seams where the segments meet
        self.parts += cortex_parts + marrow_parts
        # the knee's growth plate and joint line are level even though the femur is oblique
        down = unit(axis * 0.3 + vec(0.0, 0.0, -0.7)) if level_bottom else axis
        ends = [("distal-epiphysis", e2, r_bottom, p(length - e2), down, ap_bottom)]
        if not skip_top:
            ends.insert(0, ("proximal-epiphysis", e1, r_top, p(e1), -axis, ap_top))
        for seg, e, r, plate, out, ap in ends:
            # flat on the growth plate, domed towards the joint: the cartilage model, and
            # inside it the ossification centre (thin dark bony shell around fatty marrow)
            rot = frame(out, vec(1.0, 0.0, 0.0))
            height = e + 0.6 * r * cart
            outer = Dome(plate, vec(r, r * ap, height), rot, 3.0)
            nucleus = Dome(plate + out * 0.4, vec(r * (1 - cart), r * ap * (1 - cart),
                                                  height * (1 - 1.2 * cart)), rot, 3.0)  # fmt: skip
            sid = f"{bone}.{seg}"
            self.parts.append(Part(outer, "cartilage", sid))
            self.parts.append(Part(nucleus, "cortex", sid))
            inner = shrink(nucleus, 0.8)
            self.parts.append(Part(inner, "marrow", sid, ff=self.ff("epiphysis")))
            self.bone_outer.append(outer)
            joint = top if seg.startswith("proximal") else bottom
            self.site(sid, bone, [outer], [inner], axis, r, plate, joint)
            if open_plates:
                self.plate(plate, out, r * 0.93, physis_t)
        return axis, length

    def plate(self, center, axis, radius, thickness):
        """A growth plate: bright cartilage disc with the dark zone of provisional calcification."""
        half = axis * thickness / 2
        self.add(Capsule(center - half, center + half, radius, radius, flat=True), "physis")

    # -- the skeleton ---------------------------------------------------------------------
    def build(self) -> Body:
        h, age, sex = self.h, self.age, self.sex
        sh = float(np.interp(age, _SH_AGES, _SH[sex])) * h
        femur = float(np.interp(age, *_FEMUR)) * h
        tibia = 0.79 * femur
        head_h = float(np.interp(age, (3, 5, 10, 16), (0.2, 0.19, 0.17, 0.145))) * h
        biacromial = 0.22 * h
        bi_iliac = (0.16 + (0.012 * min(max(age - 12, 0), 4) / 4 if sex == "F" else 0.0)) * h
        depth = 0.055 * h  # half AP depth of the trunk
        fat_t = max(5.0, 0.006 * h * (1.15 if sex == "F" else 1.0))
        z_ankle = 0.045 * h
        z_knee = z_ankle + tibia
        r_head_f = 0.0145 * h
        z_hip = z_knee + femur - r_head_f * 1.6
        z_s1 = z_hip + 0.055 * h
        z_c1 = h - 0.58 * head_h
        lm = {"height": h, "sitting_height": sh, "z_ankle": z_ankle, "z_knee": z_knee,
              "z_hip": z_hip, "z_s1": z_s1, "z_c1": z_c1, "depth": depth, "head_h": head_h}  # fmt: skip
        spine = self.spine_levels(z_s1, z_c1, depth)
        lm.update({f"z_{k}": v[0][2] for k, v in spine.items()})
        z_sh = spine["t2"][0][2] + 0.004 * h
        lm["z_shoulder"] = z_sh
        x_hip, x_knee, x_ankle = 0.052 * h, 0.043 * h, 0.045 * h
        x_sh = biacromial / 2 * 0.86
        lm["fat_t"], lm["w_chest"] = fat_t, 0.098 * h
        self.lm = lm
        self.soft_tissue(lm, head_h, biacromial, bi_iliac, depth, fat_t, x_hip, x_knee, x_ankle, x_sh, z_sh, spine)  # fmt: skip
        self.organs(lm, depth, spine)
        self.head(h, head_h, lm)
        self.vertebrae(spine, depth)
        self.thorax(spine, depth, biacromial, z_sh)
        self.pelvis(lm, x_hip, bi_iliac, depth, r_head_f, spine)
        for side, s in SIDES:
            self.leg(side, s, lm, x_hip, x_knee, x_ankle, r_head_f, femur)
            self.arm(side, s, lm, x_sh, z_sh)
        return Body(
            age, sex, h, self.parts, self.sites, lm, self.bone_outer, self.skin, self.points
        )

    def spine_levels(self, z_s1, z_c1, depth):
        """Centre, tangent and body height of every vertebra from C1 down to L5."""
        names = [f"c{i}" for i in range(1, 8)] + [f"t{i}" for i in range(1, 13)]
        names += [f"l{i}" for i in range(1, 6)]
        hc = 1.0
        heights = {n: (0.6 if n == "c1" else 1.5 if n == "c2" else 1.0) * hc for n in names[:7]}
        heights.update({n: 4 / 3 for n in names[7:19]})
        heights.update({n: 16 / 9 for n in names[19:]})
        # a collapsed body (vertebra plana, a healed fracture) shortens the column: the levels
        # close up over it with normal discs, the rest of the spine takes up the difference
        for n in names:
            heights[n] *= self.mods.height_scale.get(f"vertebra.{n}.body", 1.0)
        discs = {n: heights[n] * (0.32 if n[0] != "t" else 0.22) for n in names}  # a child's
        discs["c1"] = 0.15
        total = sum(heights.values()) + sum(discs.values())
        unit_mm = (z_c1 - z_s1) / total
        # the sagittal curves: lumbar lordosis, thoracic kyphosis, cervical lordosis, as one
        # smooth curve (a Gaussian-smoothed profile, no kinks between the regions)
        fine = np.linspace(-0.2, 1.2, 281)
        raw = np.interp(fine, (0, 0.15, 0.33, 0.6, 0.82, 1.0), (0.3, 0.04, 0.16, 0.42, 0.22, 0.1))
        kernel = np.exp(-0.5 * (np.arange(-40, 41) * 0.005 / 0.05) ** 2)
        curve_y = np.convolve(np.pad(raw, 40, mode="edge"), kernel / kernel.sum(), mode="valid")
        levels = {}
        z = z_c1
        for n in names:
            hgt = heights[n] * unit_mm
            center_z = z - hgt / 2
            s = (center_z - z_s1) / (z_c1 - z_s1)
            y = float(np.interp(s, fine, curve_y)) * depth
            levels[n] = [vec(0.0, y, center_z), hgt, discs[n] * unit_mm]
            z -= hgt + discs[n] * unit_mm
        for n, lv in levels.items():  # tangent from neighbours (lordosis, kyphosis)
            idx = names.index(n)
            up = levels[names[max(idx - 1, 0)]][0]
            down = levels[names[min(idx + 1, len(names) - 1)]][0]
            lv.append(unit(up - down))
        return levels

    def soft_tissue(self, lm, head_h, biacromial, bi_iliac, depth, fat_t, x_hip, x_knee,
                    x_ankle, x_sh, z_sh, spine):  # fmt: skip
        """The skin-and-fat envelope, then the muscle inside it (the envelope shrunk by the
        subcutaneous fat), then thin fat septa between the muscle groups of the limbs."""
        h = self.h
        head_c = vec(0.0, 0.0, h - 0.45 * head_h)
        z_neck = z_sh + 0.045 * h
        envelopes: list[Shape] = [
            Ellipsoid(head_c, vec(0.345, 0.418, 0.47) * head_h),  # a scalp over the vault
            Ellipsoid(vec(0.0, -0.08 * head_h, h - 0.74 * head_h), vec(0.27, 0.3, 0.25) * head_h),
            # the neck, leaning forwards to the root of the neck over the manubrium
            Capsule(vec(0, 0.01 * h, h - 0.85 * head_h), vec(0, -0.008 * h, z_sh - 0.02 * h),
                    0.03 * h, 0.034 * h, scale=(1.0, 1.12, 1.0)),
        ]  # fmt: skip
        girl = 0.012 * min(max(self.age - 11, 0), 4) / 4 if self.sex == "F" else 0.0
        w_chest = 0.098 * h
        w_waist = (0.08 + 0.5 * girl) * h
        w_hip = bi_iliac / 2 + (0.033 + girl) * h
        y_chest = 0.0
        upper = vec(0.0, y_chest, z_sh - 0.06 * h)
        waist = vec(0.0, -0.03 * depth, lm["z_l3"])
        hips = vec(0.0, 0.02 * depth, lm["z_hip"] - 0.01 * h)
        envelopes += [
            # shoulders: the rounded top of the chest, the slope of the trapezius to the
            # acromion and the deltoid over the humeral head
            Ellipsoid(upper, vec(w_chest, depth * 1.0, 0.075 * h)),
            # the upper chest stays full up to the clavicles (pectorals, the root of the neck)
            _trunk(upper, vec(0.0, 0.04 * depth, z_sh + 0.012 * h), w_chest, 0.8 * w_chest,
                   depth * 1.0, depth * 0.9),
            _trunk(upper, waist, w_chest, w_waist, depth * 1.0, depth * 0.97),
            _trunk(waist, hips, w_waist, w_hip, depth * 0.97, depth * 1.05),
            Ellipsoid(hips, vec(w_hip, depth * 1.02, 0.05 * h)),
            # a child's rounded belly: the abdomen is as deep as the chest, not waisted
            Ellipsoid(vec(0.0, -0.2 * depth, (lm["z_l1"] + lm["z_hip"]) / 2),
                      vec(w_waist * 0.97, depth * 0.86, 0.55 * (lm["z_l1"] - lm["z_hip"]))),
            Ellipsoid(vec(0.0, 0.4 * depth, lm["z_hip"] - 0.03 * h),
                      vec(w_hip * 0.92, depth * 0.82, 0.07 * h)),
            Capsule(vec(0.0, 0.6 * depth, lm["z_s1"]), vec(0.0, 0.55 * depth, spine["c7"][0][2]),
                    0.04 * h, 0.03 * h, scale=(1.5, 1.0, 1.0)),
            # the lower abdomen between the anterior superior iliac spines: a rounded box, so
            # the spines lie under a few mm of fat at the front corners of the pelvis
            Box(vec(0.0, -0.32 * depth, lm["z_hip"] + 0.05 * h),
                vec(0.085 * h, 0.66 * depth, 0.036 * h), 0.025 * h),
        ]  # fmt: skip
        limbs: list[Capsule] = []
        for _side, s in SIDES:
            hip = vec(s * x_hip * 1.05, 0.02 * depth, lm["z_hip"] - 0.035 * h)
            knee = vec(s * x_knee, 0.0, lm["z_knee"])
            ankle = vec(s * x_ankle, 0.004 * h, lm["z_ankle"])
            mid_thigh = (hip + knee) / 2 + vec(0, -0.004 * h, 0)
            calf = knee + (ankle - knee) * 0.3 + vec(0, 0.007 * h, 0)
            elbow, wrist, hand = self.arm_points(s, x_sh, z_sh)
            sh = vec(s * (x_sh + 0.004 * h), 0.05 * depth, z_sh - 0.03 * h)
            fore = elbow + (wrist - elbow) * 0.3
            envelopes += [
                Capsule(vec(s * 0.025 * h, 0.3 * depth, z_neck),
                        vec(s * (x_sh - 0.008 * h), 0.15 * depth, z_sh + 0.008 * h),
                        0.024 * h, 0.02 * h, scale=(1.0, 1.1, 0.9)),
                Ellipsoid(sh + vec(s * 0.004 * h, 0, 0.008 * h), vec(0.03, 0.036, 0.05) * h),
            ]  # fmt: skip
            limbs += [
                Capsule(hip, mid_thigh, 0.057 * h, 0.047 * h),
                Capsule(mid_thigh, knee, 0.047 * h, 0.032 * h),
                Capsule(knee, calf, 0.032 * h, 0.034 * h),
                Capsule(calf, ankle, 0.034 * h, 0.019 * h),
                Capsule(sh, elbow, 0.028 * h, 0.021 * h),
                Capsule(elbow, fore, 0.022 * h, 0.023 * h),
                Capsule(fore, wrist, 0.023 * h, 0.016 * h, scale=(1.0, 0.8, 1.0)),
            ]
            envelopes += [
                Capsule(vec(s * x_ankle, 0.012 * h, 0.02 * h), vec(s * x_ankle, -0.115 * h, 0.012 * h),
                        0.024 * h, 0.016 * h, scale=(1.3, 1.0, 0.95)),
                # the heel pad behind and under the calcaneus
                Ellipsoid(vec(s * x_ankle, 0.03 * h, 0.024 * h), vec(0.02, 0.021, 0.024) * h),
                Ellipsoid(vec(s * x_ankle, -0.035 * h, 0.03 * h), vec(0.027, 0.055, 0.028) * h),
                Box(hand + vec(0, 0, 0.014 * h), vec(0.021, 0.0085, 0.031) * h, 0.007 * h),
            ]  # fmt: skip
        # the front of the neck (strap muscles, thyroid, trachea) from the chin down to the
        # sternal notch, so an anterior coronal slice shows the neck joining head and chest
        envelopes.append(Ellipsoid(vec(0.0, -0.5 * depth, z_sh + 0.02 * h),
                                   vec(0.026 * h, 0.42 * depth, 0.055 * h)))  # fmt: skip
        envelopes += limbs
        self.skin = list(envelopes)
        for shape in envelopes:
            self.add(shape, "adipose")
        for shape in envelopes:
            self.add(shrink(shape, fat_t), "muscle")
        # fat septa between the muscle groups: thin radial sheets along each limb segment
        # (quadriceps / hamstrings / adductors, the calf compartments, flexors / extensors)
        sheet = max(1.4, 0.0011 * h)
        for shape in limbs:
            axis = shape.b - shape.a
            length = float(np.linalg.norm(axis))
            r = max(shape.ra, shape.rb) - fat_t
            muscle = shrink(shape, fat_t)  # a septum never reaches into the subcutaneous fat
            base = frame(axis, vec(1.0, 0.0, 0.0))
            # each septum a little oblique to the radius, by its own amount and way, from
            # beside the bone out to the fascia: septa that all met at the bone's centre read
            # as the spokes of a wheel in axial slices
            for angle, tilt, reach in ((25.0, 12.0, 0.42), (100.0, -16.0, 0.36),
                                       (200.0, 7.0, 0.4), (290.0, -9.0, 0.32)):  # fmt: skip
                d = base[:, 0] * math.cos(math.radians(angle)) + base[:, 1] * math.sin(
                    math.radians(angle)
                )
                e = base[:, 0] * math.cos(math.radians(angle + tilt)) + base[:, 1] * math.sin(
                    math.radians(angle + tilt)
                )
                septum = Ellipsoid((shape.a + shape.b) / 2 + d * r * (1.02 - reach),
                                   vec(r * reach, sheet, length * 0.62), frame(axis, e))  # fmt: skip
                self.parts.append(Part(septum, "adipose", alpha=0.75, clip=(muscle,)))

    def arm_points(self, s, x_sh, z_sh):
        h = self.h
        hum = float(np.interp(self.age, (3, 9, 16), (0.175, 0.18, 0.19))) * h
        fore = 0.15 * h
        elbow = vec(s * (x_sh + 0.028 * h), 0.02 * h, z_sh - hum)
        wrist = vec(s * (x_sh + 0.045 * h), 0.005 * h, z_sh - hum - fore)
        hand = wrist + vec(s * 0.006 * h, -0.004 * h, -0.055 * h)
        return elbow, wrist, hand

    def organs(self, lm, depth, spine):
        h = self.h
        _z_t6, z_t10, z_l1, z_l4 = (spine[n][0][2] for n in ("t6", "t10", "l1", "l4"))
        top_lung = spine["t1"][0][2] + 0.01 * h
        z_t12 = spine["t12"][0][2]
        for _side, s in SIDES:
            # narrow apex, broad base reaching the costophrenic recess; the domes of the
            # diaphragm (liver on the right, the left upper quadrant) are painted over its base
            c = vec(s * 0.046 * h, 0.08 * depth, (top_lung + z_t12) / 2)
            half_z = (top_lung - z_t12) / 2 + 0.006 * h
            self.add(Ellipsoid(c, vec(0.038 * h, 0.8 * depth, half_z)), "lung")
            self.add(Capsule(c + vec(0, 0, 0.3 * half_z), c + vec(s * 0.004 * h, 0, -0.6 * half_z),
                             0.026 * h, 0.037 * h, scale=(1.0, 0.75 * depth / (0.037 * h), 1.0)),
                     "lung")  # fmt: skip
            hilum = vec(s * 0.03 * h, 0.0, spine["t6"][0][2])
            for k in range(7):  # pulmonary vessels branching out from the hilum
                ang = math.radians(-70 + 28 * k)
                tip = hilum + vec(s * 0.04 * h * math.cos(ang), (k % 3 - 1) * 0.25 * depth,
                                  0.075 * h * math.sin(ang))  # fmt: skip
                self.parts.append(Part(Capsule(hilum, tip, 0.0032 * h, 0.0012 * h),
                                       "lung-vessel", alpha=0.8))  # fmt: skip
                fork = hilum + (tip - hilum) * 0.55
                twig = fork + vec(s * 0.015 * h, 0.0, (-1) ** k * 0.018 * h)
                self.parts.append(Part(Capsule(fork, twig, 0.0018 * h, 0.001 * h),
                                       "lung-vessel", alpha=0.7))  # fmt: skip
        # the left hemidiaphragm and the soft tissue of the left upper quadrant beneath it
        # the left hemidiaphragm over the stomach: gastric air in the fundus, then the stomach
        # with mixed content and the splenic flexure below it (not a second liver)
        left_dome = vec(0.048 * h, 0.05 * depth, z_t12 - 0.018 * h)
        self.parts.append(Part(Ellipsoid(left_dome, vec(0.046 * h, 0.8 * depth, 0.045 * h)),
                               "bowel", alpha=0.55, soft=5.0))  # fmt: skip
        fundus = left_dome + vec(-0.004 * h, -0.1 * depth, 0.022 * h)
        self.parts.append(
            Part(Ellipsoid(fundus, vec(0.022, 0.022, 0.013) * h), "air", alpha=0.85, soft=1.5)
        )
        flexure = left_dome + vec(0.018 * h, -0.2 * depth, -0.035 * h)
        self.parts.append(
            Part(Ellipsoid(flexure, vec(0.012, 0.014, 0.01) * h), "air", alpha=0.7, soft=2.0)
        )
        heart = vec(0.012 * h, -0.3 * depth, spine["t8"][0][2])
        self.parts.append(
            Part(Ellipsoid(heart, vec(0.036 * h, 0.5 * depth, 0.042 * h)), "adipose", alpha=0.5)
        )
        self.add(Ellipsoid(heart, vec(0.032 * h, 0.45 * depth, 0.038 * h)), "myocardium")
        self.add(
            Ellipsoid(heart + vec(0, 0, 0.004 * h), vec(0.02 * h, 0.3 * depth, 0.026 * h)), "blood"
        )
        aorta_top = vec(0.004 * h, 0.1 * depth, spine["t4"][0][2])
        self.add(
            Capsule(aorta_top, vec(0.008 * h, 0.15 * depth, z_l4), 0.006 * h, 0.005 * h), "blood"
        )
        # liver: a domed right lobe filling the right upper quadrant, its inferior tip low
        # and lateral, the left lobe thinning across the midline; vessels as flow voids
        liver = vec(-0.042 * h, 0.0, z_t10 - 0.008 * h)
        self.add(Ellipsoid(liver, vec(0.055 * h, 0.82 * depth, 0.05 * h), rot_y(-18)), "liver")
        tip = vec(-0.062 * h, 0.05 * depth, z_t12 - 0.03 * h)
        self.add(Ellipsoid(tip, vec(0.026 * h, 0.55 * depth, 0.04 * h), rot_y(-12)), "liver")
        left_lobe = vec(0.008 * h, -0.4 * depth, z_t10 + 0.002 * h)
        self.add(Ellipsoid(left_lobe, vec(0.045 * h, 0.38 * depth, 0.022 * h), rot_y(-14)), "liver")
        porta = vec(-0.022 * h, 0.0, z_t12 + 0.004 * h)
        for end, r0 in ((vec(-0.075 * h, 0.1 * depth, z_t10 + 0.012 * h), 0.0035),
                        (vec(-0.06 * h, -0.3 * depth, z_t12 - 0.02 * h), 0.003),
                        (vec(0.02 * h, -0.35 * depth, z_t10 + 0.006 * h), 0.0028),
                        (vec(-0.035 * h, 0.3 * depth, z_t10 + 0.035 * h), 0.0028)):  # fmt: skip
            self.parts.append(Part(Capsule(porta, end, r0 * h, 0.001 * h), "blood", alpha=0.75))
        gall = vec(-0.03 * h, -0.45 * depth, z_t12 - 0.01 * h)
        self.add(Ellipsoid(gall, vec(0.008, 0.009, 0.016) * h, rot_y(15)), "fluid")
        stomach = vec(0.045 * h, -0.25 * depth, z_t10 - 0.012 * h)
        self.parts.append(
            Part(
                Ellipsoid(stomach, vec(0.022, 0.014, 0.026) * h, rot_x(20)),
                "fluid",
                alpha=0.3,
                soft=4.0,
            )
        )
        self.add(Ellipsoid(vec(0.055 * h, 0.45 * depth, z_t10 - 0.012 * h), vec(0.018 * h, 0.35 * depth, 0.03 * h)), "spleen")  # fmt: skip
        for _side, s in SIDES:
            c = vec(s * 0.038 * h, 0.5 * depth, z_l1 - (0.006 * h if s < 0 else 0.0))
            self.add(Ellipsoid(c, vec(0.021 * h, 0.27 * depth, 0.037 * h)), "adipose")
            self.add(Ellipsoid(c, vec(0.017 * h, 0.22 * depth, 0.032 * h), rot_z(s * 20)), "kidney")
            sinus = Ellipsoid(c - vec(s * 0.007 * h, 0, 0), vec(0.006 * h, 0.1 * depth, 0.015 * h))
            self.parts.append(Part(sinus, "adipose", alpha=0.7, soft=1.0))  # renal sinus fat
        bowel = vec(0.0, -0.3 * depth, (z_l1 + lm["z_hip"]) / 2)
        self.parts.append(
            Part(
                Ellipsoid(bowel, vec(0.09 * h, 0.62 * depth, 0.085 * h)),
                "bowel",
                alpha=0.6,
                soft=14.0,
            )
        )
        # bowel loops: fluid, gas-free wall and mesenteric fat, placed by the study's seed
        radii = vec(0.09 * h, 0.62 * depth, 0.085 * h)
        for _ in range(36):
            u = self.rng.normal(size=3)
            u *= self.rng.random() ** (1 / 3) * 0.85 / np.linalg.norm(u)
            size = self.rng.uniform(0.005, 0.011) * h
            tissue = ("fluid", "adipose", "muscle", "bowel")[int(self.rng.integers(4))]
            shape = Ellipsoid(bowel + u * radii, vec(1.0, 0.8, 1.2) * size)
            self.parts.append(
                Part(shape, tissue, alpha=0.35 if tissue == "fluid" else 0.8, soft=2.5)
            )
        # the pelvis: fat of the pelvic cavity and the mesentery with loops of small bowel and
        # the sigmoid in it, the rectum in front of the sacrum (not a solid block of muscle)
        pelvic = vec(0.0, 0.05 * depth, lm["z_hip"] + 0.03 * h)
        pelvic_r = vec(0.036 * h, 0.5 * depth, 0.045 * h)
        self.parts.append(Part(Ellipsoid(pelvic, pelvic_r), "adipose", alpha=0.3, soft=8.0))
        for _ in range(18):
            u = self.rng.normal(size=3)
            u *= self.rng.random() ** (1 / 3) * 0.8 / np.linalg.norm(u)
            size = self.rng.uniform(0.006, 0.01) * h
            tissue = ("fluid", "bowel", "bowel", "muscle")[int(self.rng.integers(4))]
            shape = Ellipsoid(pelvic + u * pelvic_r, vec(1.0, 0.8, 1.1) * size)
            self.parts.append(
                Part(shape, tissue, alpha=0.35 if tissue == "fluid" else 0.75, soft=2.0)
            )
        rectum = Capsule(vec(0.0, 0.5 * depth, lm["z_hip"] + 0.02 * h),
                         vec(0.0, 0.3 * depth, lm["z_hip"] - 0.045 * h), 0.009 * h, 0.008 * h)  # fmt: skip
        self.parts.append(Part(rectum, "bowel", alpha=0.85, soft=1.0))
        for _side, s in SIDES:  # psoas muscles beside the lumbar spine
            top = vec(s * 0.022 * h, 0.3 * depth, spine["t12"][0][2])
            bottom = vec(s * 0.05 * h, -0.15 * depth, lm["z_hip"] - 0.01 * h)
            self.add(Capsule(top, bottom, 0.008 * h, 0.02 * h), "muscle")
        bladder = vec(0.0, -0.45 * depth, lm["z_hip"] - 0.004 * h)
        self.add(Ellipsoid(bladder, vec(0.026 * h, 0.35 * depth, 0.022 * h)), "fluid")

    def head(self, h, head_h, lm):
        # the cranial cavity ends at the skull base (about the level of the ears); the face
        # and the upper neck lie below it
        c = vec(0.0, 0.0, h - 0.33 * head_h)
        cranium = vec(0.33, 0.4, 0.31) * head_h - 4.0
        skull = Ellipsoid(c, cranium)
        diploe = Ellipsoid(c, cranium - 1.6)
        inner_table = Ellipsoid(c, cranium - 3.2 - 0.004 * h)
        self.parts.append(Part(skull, "cortex", "skull.vault"))
        # the diploe is a shell between the tables: whatever fills the marrow (leukaemia's
        # infiltrate) stays in the vault and never spills over the brain
        self.parts.append(Part(diploe, "marrow", "skull.vault", ff=self.ff("skull"),
                               clip_out=(inner_table,)))  # fmt: skip
        self.parts.append(Part(inner_table, "cortex", "skull.vault"))
        self.bone_outer.append(skull)
        self.parts.append(Part(Ellipsoid(c, cranium - 3.6 - 0.004 * h), "csf", alpha=0.35))
        brain = cranium - 4.8 - 0.004 * h
        ribbon = max(2.5, 0.0022 * h)  # the cortical grey matter
        # the ribbon is a partial-volume mix of gyri, sulci and white matter, not pure grey
        self.add(Ellipsoid(c, brain), "white")
        self.parts.append(Part(Ellipsoid(c, brain), "grey", alpha=0.5))
        self.add(Ellipsoid(c + vec(0, 0, 0.01 * head_h), brain - ribbon), "white")
        # the fissure between the hemispheres (CSF, a bright line on STIR)
        fissure = Ellipsoid(
            c + vec(0, 0, 0.12 * head_h), vec(0.6, brain[1] * 0.85, brain[2] * 0.75)
        )
        # kept inside the brain: the falx never reaches through the vault or the scalp
        self.parts.append(Part(fissure, "csf", alpha=0.6, clip=(Ellipsoid(c, brain),)))
        # sulci: thin CSF clefts running in from the surface of the hemispheres (a fixed
        # pattern, so the same head every time)
        for k in range(44):
            az = math.radians(137.5 * k)
            el = math.radians(-10.0 + 78.0 * ((k * 0.381966) % 1.0))
            d = vec(math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))
            if d[2] < -0.05 and abs(d[0]) < 0.5:
                continue  # no clefts into the skull base or the midline below
            r_surf = 1.0 / math.sqrt(float(np.sum((d / brain) ** 2)))
            tangent = unit(np.cross(d, vec(0.0, 0.0, 1.0)) if abs(d[2]) < 0.9 else vec(1, 0, 0))
            if k % 2:
                tangent = unit(np.cross(d, tangent))
            deep = (0.018 + 0.01 * (k % 3)) * head_h
            cleft = Ellipsoid(c + d * (r_surf - deep * 0.8),
                              vec(deep, 0.6, 0.045 * head_h), frame(tangent, d))  # fmt: skip
            self.parts.append(Part(cleft, "csf", alpha=0.4))
        # deep grey matter (thalami, basal ganglia) and the lateral and third ventricles: thin
        # slits angled like a butterfly in coronal sections, not round dots
        for s in (1, -1):
            deep = Ellipsoid(c + vec(s * 0.075 * head_h, 0.01 * head_h, -0.01 * head_h),
                             vec(0.05, 0.09, 0.06) * head_h)  # fmt: skip
            self.parts.append(Part(deep, "grey", alpha=0.12, soft=4.0))
            sylvian = Ellipsoid(c + vec(s * 0.19 * head_h, -0.02 * head_h, -0.07 * head_h),
                                vec(0.05, 0.1, 0.006) * head_h, rot_y(s * 22))  # fmt: skip
            self.parts.append(Part(sylvian, "csf", alpha=0.45))
            ventricle = c + vec(s * 0.03 * head_h, 0.0, 0.075 * head_h)
            self.add(Ellipsoid(ventricle, vec(0.011, 0.14, 0.032) * head_h,
                               rot_x(12) @ rot_y(s * 32)), "csf")  # fmt: skip
        self.add(Ellipsoid(c + vec(0, 0.01 * head_h, 0.0), vec(0.004, 0.05, 0.03) * head_h), "csf")
        # cerebellum and brainstem below the back of the cerebrum
        cerebellum = c + vec(0.0, 0.17 * head_h, -0.17 * head_h)
        self.parts.append(
            Part(Ellipsoid(cerebellum, vec(0.2, 0.1, 0.08) * head_h), "csf", alpha=0.5)
        )
        self.add(Ellipsoid(cerebellum, vec(0.18, 0.085, 0.065) * head_h), "white")
        folia = Ellipsoid(cerebellum, vec(0.18, 0.085, 0.065) * head_h)
        self.parts.append(Part(folia, "grey", alpha=0.55))  # folia: grey and white mixed
        self.parts.append(
            Part(
                Ellipsoid(cerebellum + vec(0, 0.01 * head_h, 0), vec(0.012, 0.07, 0.05) * head_h),
                "csf",
                alpha=0.4,
            )
        )
        stem = Capsule(c + vec(0, 0.05 * head_h, -0.05 * head_h), c + vec(0, 0.09 * head_h, -0.3 * head_h),
                       0.05 * head_h, 0.026 * head_h)  # fmt: skip
        self.add(stem, "white")
        self.face(h, head_h)
        vault_lo, vault_hi = skull.bounds()
        vault_lo[2] = c[2] - 0.1 * head_h
        self.sites["skull.vault"] = SiteGeometry(
            "skull.vault", c + vec(0, 0, cranium[2] * 0.6), vault_lo, vault_hi,
            vec(0, 0, 1), 3.0, "skull", outer=[skull], marrow=[diploe])  # fmt: skip

    def face(self, h, hh):
        """The face below and in front of the cranial cavity: bony orbits with the globes
        (vitreous, lens), the optic nerves and the recti in the orbital fat; the supraorbital
        ridge (with a frontal sinus from about 8 years), the ethmoid cells, the nasal cavity with
        its septum and turbinates, the maxillae round the maxillary sinuses and the hard palate;
        the mandible with its body, rami, coronoid processes and condyles (marrow inside cortex).
        The paranasal sinuses follow the usual order of development (maxillary and ethmoid
        present in young children and growing, the frontal sinus absent before about 6-8
        years; general anatomy, not in child-skeleton.md). Small parts in small boxes."""
        age = self.age
        grow = float(np.interp(age, (3, 12), (0.6, 1.0)))  # the maxillary sinus with age
        for s in (1, -1):
            eye = vec(s * 0.12 * hh, -0.34 * hh, h - 0.52 * hh)
            fat_c, fat_r = eye + vec(0, 0.035 * hh, 0), vec(1, 1.3, 1) * 0.06 * hh
            front = Ellipsoid(eye + vec(0, -0.07 * hh, 0), vec(0.075, 0.055, 0.075) * hh)
            wall = Ellipsoid(fat_c, fat_r + 1.8)  # the orbit's bony walls, open in front
            self.parts.append(Part(wall, "cortex", clip_out=(front,)))
            self.add(Ellipsoid(fat_c, fat_r), "adipose")
            apex = vec(s * 0.055 * hh, -0.235 * hh, h - 0.51 * hh)
            self.add(Capsule(eye + vec(0, 0.03 * hh, 0), apex, 0.011 * hh, 0.009 * hh), "white")
            for d in (vec(s, 0, 0), vec(-s, 0, 0), vec(0, 0, 1), vec(0, 0, -1)):  # the recti
                self.add(Capsule(eye + d * 0.052 * hh + vec(0, 0.01 * hh, 0), apex + d * 0.012 * hh,
                                 0.009 * hh, 0.006 * hh), "muscle")  # fmt: skip
            self.add(Ellipsoid(eye, vec(1, 1, 1) * 0.045 * hh), "fluid")  # vitreous
            self.add(Ellipsoid(eye + vec(0, -0.033 * hh, 0), vec(0.019, 0.008, 0.019) * hh),
                     "cartilage")  # the lens: dark against the vitreous on STIR  # fmt: skip
            # the maxilla: thin bony walls round the maxillary sinus (air)
            sinus = vec(s * 0.09 * hh, -0.25 * hh, h - 0.665 * hh)
            sr = vec(0.05, 0.065, 0.06) * hh * grow
            maxilla = Ellipsoid(sinus, sr + 2.2)
            self.add(maxilla, "cortex")
            self.bone_outer.append(maxilla)
            self.add(Ellipsoid(sinus, sr), "air")
        # the supraorbital ridge (glabella), with the frontal sinus inside it from about 8 y
        ridge = Ellipsoid(vec(0.0, -0.35 * hh, h - 0.455 * hh), vec(0.1, 0.022, 0.035) * hh)
        self.add(ridge, "cortex")
        self.bone_outer.append(ridge)
        frontal: tuple[Shape, ...] = ()
        if age >= 8:
            size = float(np.interp(age, (8, 16), (0.4, 1.0)))
            frontal = (Ellipsoid(vec(0.0, -0.352 * hh, h - 0.45 * hh),
                                 vec(0.045, 0.01, 0.022) * hh * size + 0.5),)  # fmt: skip
        # the marrow never fills the sinus (leukaemia's infiltrate copies marrow parts)
        self.parts.append(Part(shrink(ridge, 1.5), "marrow", ff=self.ff("skull"), clip_out=frontal))
        for sinus in frontal:
            self.add(sinus, "air")
        # ethmoid cells between the orbits, the nasal cavity, its septum and turbinates
        self.parts.append(Part(Ellipsoid(vec(0.0, -0.3 * hh, h - 0.53 * hh),
                                         vec(0.035, 0.06, 0.035) * hh), "air", alpha=0.7))  # fmt: skip
        nose_c = vec(0.0, -0.275 * hh, h - 0.63 * hh)
        self.add(Box(nose_c, vec(0.032, 0.085, 0.07) * hh, 2.0), "air")
        self.add(Box(nose_c, vec(0.0045, 0.08, 0.066) * hh, 0.5), "cartilage")
        for s in (1, -1):
            for dz, rz in ((-0.04, 0.014), (0.0, 0.01)):  # inferior and middle turbinates
                self.add(Ellipsoid(nose_c + vec(s * 0.024 * hh, 0.0, dz * hh),
                                   vec(0.009, 0.065, rz) * hh), "cartilage")  # fmt: skip
        palate = Box(vec(0.0, -0.25 * hh, h - 0.735 * hh), vec(0.1, 0.075, 0.014) * hh, 2.0)
        self.add(palate, "cortex")
        self.bone_outer.append(palate)
        self.add(shrink(palate, 1.2), "marrow", ff=self.ff("axial"))
        self.mandible(h, hh)

    def mandible(self, h, hh):
        """The mandible as curved plates: each half of the body lofted through vertical sections
        along the arch from the symphysis to the angle, the ramus through horizontal sections up
        to the coronoid process and the condylar neck, and the condyle; one cortex round all of
        both halves (no line at the symphysis), marrow inside."""
        zc, hb = h - 0.86 * hh, 0.03 * hh
        arch = ((0.0, -0.255), (0.06, -0.238), (0.115, -0.19), (0.16, -0.11), (0.19, -0.03))
        ramus = ((h - 0.89 * hh, (0.185, -0.05), (0.2, 0.035)),
                 (h - 0.76 * hh, (0.195, -0.045), (0.21, 0.045)),
                 (h - 0.67 * hh, (0.195, -0.04), (0.215, 0.055)))  # fmt: skip
        ff = self.ff("axial")
        pieces = []
        for side, s in SIDES:
            rows = [[vec(s * x * hh, y * hh, zc + hb), vec(s * x * hh, y * hh, zc - hb)]
                    for x, y in arch]  # fmt: skip
            half = np.full((len(rows), 2), 0.022 * hh)
            half[0] = 0.026 * hh  # the symphysis is thicker
            outers: list[Shape] = [
                Loft(rows[i : i + 2], half[i : i + 2]) for i in range(len(rows) - 1)
            ]
            rr = [[vec(s * a[0] * hh, a[1] * hh, z), vec(s * p[0] * hh, p[1] * hh, z)]
                  for z, a, p in ramus]  # fmt: skip
            outers += [Loft(rr[i : i + 2], np.full((2, 2), 0.018 * hh)) for i in range(len(rr) - 1)]
            condyle = vec(s * 0.22 * hh, 0.06 * hh, h - 0.635 * hh)
            outers += [
                Capsule(
                    rr[-1][0], vec(s * 0.19 * hh, -0.035 * hh, h - 0.63 * hh), 0.014 * hh, 0.01 * hh
                ),
                Capsule(rr[-1][1], condyle, 0.018 * hh, 0.016 * hh),
                Ellipsoid(condyle, vec(0.036, 0.018, 0.02) * hh),
            ]
            sid = f"mandible.{side}"
            if sid in self.mods.thickening:
                outers = [_grow(o, self.mods.thickening[sid]) for o in outers]
            pieces.append((sid, outers, [shrink(o, 1.6) for o in outers]))
        for sid, outers, _inners in pieces:
            self.parts += [Part(o, "cortex", sid) for o in outers]
            self.bone_outer += outers
        for sid, outers, inners in pieces:
            self.parts += [Part(i, "marrow", sid, ff=ff) for i in inners]
            s = 1.0 if sid.endswith("left") else -1.0
            self.site(sid, "mandible", outers, inners, axis=vec(s * 0.19, 0.225, 0.0))

    def vertebrae(self, spine, depth):
        h = self.h
        names = list(spine)
        for n in names:  # the fat around the column first, so it never covers a disc
            center, hgt, disc, tangent = spine[n]
            width = {"c": 0.017, "t": 0.021, "l": 0.028}[n[0]] * h * (0.75 if n == "c1" else 1.0)
            dep = {"c": 0.012, "t": 0.016, "l": 0.02}[n[0]] * h
            rot = frame(tangent, np.array([1.0, 0.0, 0.0]))
            fat = Box(center, vec(width / 2 + 3.0, dep / 2 + 3.0, hgt / 2 + disc / 2), 3.0, rot)
            self.parts.append(Part(fat, "adipose", alpha=0.45, soft=2.0))
        for i, n in enumerate(names):
            center, hgt, disc, tangent = spine[n]
            region = n[0]
            width = {"c": 0.017, "t": 0.021, "l": 0.028}[region] * h * (0.75 if n == "c1" else 1.0)
            dep = {"c": 0.012, "t": 0.016, "l": 0.02}[region] * h
            rot = frame(tangent, np.array([1.0, 0.0, 0.0]))
            body = Box(center, vec(width / 2, dep / 2, hgt / 2), min(2.0, hgt / 4), rot)
            self.bone(f"vertebra.{n}.body", f"vertebra.{n}", body, self.ff("axial"), 1.2,
                      axis=tangent, radius=dep / 2)  # fmt: skip
            if i + 1 < len(names) or n == "l5":
                below = center - tangent * (hgt / 2 + disc / 2)
                dh = disc * self.mods.disc_scale.get(n, 1.0)
                self.add(Box(below, vec(width / 2 * 0.96, dep / 2 * 0.92, dh / 2),
                             min(1.5, dh / 3), rot), "disc")  # fmt: skip
            rc = {"c": 0.0058, "t": 0.0045, "l": 0.0055}[region] * h
            canal = center + rot @ vec(0, dep / 2 + rc + 1.0, 0)
            lam_r = max(1.8, 0.0027 * h)
            arch = canal + rot @ vec(0, rc + lam_r, 0)
            sid = f"vertebra.{n}.posterior-elements"
            bone = f"vertebra.{n}"
            f = self.ff("axial")
            # the neural arch round the canal: pedicles straight back from the body, the
            # articular pillars (facets, touching the next level's), the laminae closing the
            # canal behind and meeting in the midline, the spinous process and the transverse
            # processes; a midline sagittal slice shows lamina and spinous process behind the
            # thecal sac, a parasagittal one the pedicles and the column of facets
            pillar_x = rc + 0.9 * lam_r
            for s in (1, -1):
                root = center + rot @ vec(s * width * 0.3, dep / 2 - 1.0, 0)
                pillar = canal + rot @ vec(s * pillar_x, 0.3 * rc, 0)
                self.bone(sid, bone, Capsule(root, pillar, lam_r * 1.25, lam_r * 1.1), f, 0.8,
                          axis=tangent, radius=lam_r)  # fmt: skip
                facet = Box(pillar + rot @ vec(0, 0.2 * rc, 0),
                            vec(1.2 * lam_r, 1.4 * lam_r, 0.47 * (hgt + disc)), lam_r * 0.9, rot)  # fmt: skip
                self.bone(sid, bone, facet, f, 0.8)
                self.bone(sid, bone, _plate(pillar + rot @ vec(0, 0.4 * rc, 0), arch, tangent,
                                            0.8 * lam_r, 0.33 * hgt), f, 0.7)  # fmt: skip
            spin_len = {"c": 0.01, "t": 0.015, "l": 0.015}[region] * h
            slope = {"c": 0.25, "t": 0.85, "l": 0.1}[region]
            tip = arch + rot @ vec(0, spin_len, -slope * spin_len)
            spin_h = {"c": 0.22, "t": 0.2, "l": 0.34}[region] * hgt
            self.bone(sid, bone, _plate(arch - rot @ vec(0, 0.5 * lam_r, 0), tip, tangent,
                                        0.85 * lam_r, spin_h), f, 0.8)  # fmt: skip
            tp_len = {"c": 0.012, "t": 0.018, "l": 0.022}[region] * h
            for s in (1, -1):
                base = center + rot @ vec(s * width * 0.4, dep / 2 + rc, 0)
                end = base + rot @ vec(s * tp_len, tp_len * (0.45 if region == "t" else 0.1), 0)
                self.bone(sid, bone, Capsule(base, end, lam_r * 1.1, lam_r * 0.8), f, 0.8)
            spine[n].append(canal)
            spine[n].append(rc)
        # spinal canal and cord, from the skull base to the sacrum
        pts = [spine[n][4] for n in names]
        rcs = [spine[n][5] for n in names]
        top = pts[0] + vec(0, 0, 0.008 * h)
        self.add(Capsule(top, pts[0], rcs[0], rcs[0]), "csf")
        self.add(Capsule(top, pts[0], rcs[0] * 0.62, rcs[0] * 0.62), "cord")
        conus = names.index("l2")
        for i in range(len(names) - 1):
            self.add(Capsule(pts[i], pts[i + 1], rcs[i], rcs[i + 1]), "csf")
        for i in range(conus):
            taper = 0.62 if i < conus - 1 else 0.3
            self.add(Capsule(pts[i], pts[i + 1], rcs[i] * 0.62, rcs[i + 1] * taper), "cord")

    def loft_bone(self, sid, bone, rows, halfs, ff, cortex, axis=None, radius=None, extra=()):
        """A bone lofted through section curves (see shapes.Loft), painted in strips of two
        consecutive sections (small bounding boxes, fast), all cortex before all marrow so the
        strips have no seams; ``extra`` shapes of the same bone join that union (one cortex
        round all of them, no outline inside). Returns the centre of the middle section."""
        rows, halfs = np.asarray(rows, dtype=np.float64), np.asarray(halfs, dtype=np.float64)
        outers = [Loft(rows[i : i + 2], halfs[i : i + 2]) for i in range(len(rows) - 1)]
        outers += list(extra)
        if sid in self.mods.thickening:
            outers = [_grow(o, self.mods.thickening[sid]) for o in outers]
        inners = [shrink(o, cortex) for o in outers]
        self.parts += [Part(o, "cortex", sid) for o in outers]
        self.parts += [Part(i, "marrow", sid, ff=ff) for i in inners]
        self.bone_outer += outers
        self.site(sid, bone, outers, inners, axis, radius)
        return rows[len(rows) // 2, rows.shape[1] // 2]

    def tube_bone(self, pieces, bone, ff, cortex=0.9, thin=None, flat=1.0, chunk=4):
        """A bone swept along a curve: ``pieces`` is [(site id, points, radii)], consecutive
        pieces sharing their end points. Painted as all cortex first, then all marrow, in short
        chunks (small bounding boxes, fast), so the tube has no seams."""
        cortex_parts, marrow_parts = [], []
        for sid, pts, radii in pieces:
            outers, inners = [], []
            for i in range(0, len(pts) - 1, chunk):
                j = min(i + chunk, len(pts) - 1)
                shape = Sweep(pts[i : j + 1], np.asarray(radii[i : j + 1]), thin, flat)
                if sid in self.mods.thickening:
                    shape = _grow(shape, self.mods.thickening[sid])
                outers.append(shape)
                inners.append(shrink(shape, cortex))
            cortex_parts += [Part(o, "cortex", sid) for o in outers]
            marrow_parts += [Part(m, "marrow", sid, ff=ff) for m in inners]
            self.bone_outer += outers
            axis = pts[-1] - pts[0]
            self.site(sid, bone, outers, inners, axis, float(np.mean(radii)))
        self.parts += cortex_parts + marrow_parts

    def thorax(self, spine, depth, biacromial, z_sh):
        """Ribs as arcs swept from the costovertebral joint round the chest wall to the costal
        cartilage and the sternum, inside the chest wall at every level; sternum; clavicles as
        S-curves from the manubrium to the acromion."""
        h, lm = self.h, self.lm
        fat_t, w_chest = lm["fat_t"], lm["w_chest"]
        r_rib = max(2.2, 0.0026 * h)
        # the sternum lies under the skin, fat and a thin pectoral layer
        st_half = max(3.5, 0.0042 * h)
        y_st = -depth + fat_t + 2.5 + st_half
        notch = spine["t2"][0][2]
        man_h = 0.035 * h
        body_top = notch - man_h - 1.5
        body_bot = spine["t9"][0][2]
        f = self.ff("axial")
        for i in range(1, 13):
            center, hgt, _d, _tangent = spine[f"t{i}"][:4]
            grow = float(np.interp(i, (1, 2, 4, 7, 10, 12), (0.5, 0.68, 0.86, 0.97, 0.97, 0.9)))
            a_x = (w_chest - fat_t - 6.0 - r_rib) * grow  # lateral reach inside the wall
            y_back = min(center[1] + 0.22 * depth, depth - fat_t - 14.0)
            y_front = y_st + (4.0 if i <= 7 else 0.1 * depth * (i - 7))
            yc, b_y = (y_back + y_front) / 2, (y_back - y_front) / 2
            # sternal end of the cartilage (true ribs), or the free anterior end
            if i == 1:
                z_front = notch - 0.45 * man_h
            elif i <= 7:
                z_front = body_top - (body_top - body_bot) * (i - 2) / 5.5
            else:
                z_front = None
            drop = float(np.interp(i, (1, 4, 7, 10, 12), (0.035, 0.07, 0.085, 0.07, 0.03))) * h
            end_bone = math.radians(float(np.interp(i, (1, 7, 10, 12), (150, 140, 130, 95))))
            end_cart = math.radians(175 if i <= 7 else 165 if i <= 10 else 0)
            z_head = center[2] + 0.25 * hgt
            for side, s in SIDES:
                head = vec(s * 0.5 * (0.021 * h), center[1] - 0.1 * depth, z_head)
                th0 = 0.35
                ctrl = [head]
                for th in np.linspace(th0, end_bone, 5):
                    ctrl.append(vec(s * a_x * math.sin(th), yc + b_y * math.cos(th),
                                    z_head - drop * ((th - th0) / (math.pi - th0)) ** 1.2))  # fmt: skip
                pts = curve(ctrl, 3)
                n = len(pts)
                radii = np.full(n, r_rib)
                radii[0] = r_rib * 1.15
                self.tube_bone([(f"ribs.{side}", pts, radii)], f"ribs.{side}", f, 0.9,
                               thin=None)  # fmt: skip
                if end_cart > end_bone:  # costal cartilage round the front to the sternum
                    cart = []
                    for th in np.linspace(end_bone, end_cart, 4):
                        zz = z_head - drop * ((th - th0) / (math.pi - th0)) ** 1.2
                        cart.append(vec(s * a_x * math.sin(th), yc + b_y * math.cos(th), zz))
                    if z_front is not None:
                        cart[-1] = vec(s * (st_half * 2.4), y_st, z_front)
                        cart[-2][2] = (cart[-2][2] + z_front) / 2
                    cpts = curve(cart, 3)
                    for k in range(len(cpts) - 1):
                        self.add(Capsule(cpts[k], cpts[k + 1], r_rib * 0.9, r_rib * 0.85),
                                 "cartilage")  # fmt: skip
        # sternum: manubrium and body, just under the anterior chest wall
        man = Box(vec(0, y_st, notch - man_h / 2), vec(0.017 * h, st_half, man_h / 2), 2.0,
                  rot_x(-8))  # fmt: skip
        self.bone("sternum.manubrium", "sternum", man, f, 0.9)
        st_body = Box(vec(0, y_st + 0.5, (body_top + body_bot) / 2),
                      vec(0.012 * h, st_half * 0.9, (body_top - body_bot) / 2), 2.0, rot_x(-8))  # fmt: skip
        self.bone("sternum.body", "sternum", st_body, f, 0.9)
        # clavicles: an S-curve, convex forwards in its medial two thirds and concave in its
        # lateral third, from the sternoclavicular joint up and back to the acromion
        r_cl = max(2.8, 0.0042 * h)
        for side, s in SIDES:
            medial = vec(s * (0.017 * h + 0.6 * r_cl), y_st + 3.0, notch + 0.2 * r_cl)
            lateral = vec(s * biacromial / 2 * 0.93, 0.25 * depth, z_sh + 0.01 * h)
            span = lateral - medial
            ctrl = []
            for t in np.linspace(0.0, 1.0, 7):
                if t <= 0.62:  # forwards (negative y) in the medial two thirds
                    bow = -0.005 * h * math.sin(math.pi * t / 0.62)
                else:  # backwards in the lateral third
                    bow = 0.008 * h * math.sin(math.pi * (t - 0.62) / 0.38)
                ctrl.append(medial + span * vec(t, t, t**1.3)
                            + vec(0.0, bow, 0.003 * h * math.sin(math.pi * t)))  # fmt: skip
            pts = curve(ctrl, 4)
            n = len(pts)
            cut1, cut2 = n // 3, 2 * n // 3
            radii = np.interp(np.arange(n), (0, cut1, cut2, n - 1),
                              (1.3 * r_cl, r_cl, r_cl * 0.95, 1.1 * r_cl))  # fmt: skip
            pieces = [
                (f"clavicle.{side}.medial-third", pts[: cut1 + 1], radii[: cut1 + 1]),
                (f"clavicle.{side}.middle-third", pts[cut1 : cut2 + 1], radii[cut1 : cut2 + 1]),
                (f"clavicle.{side}.lateral-third", pts[cut2:], radii[cut2:]),
            ]
            self.tube_bone(pieces, f"clavicle.{side}", f, 1.0, thin=vec(0, 0, 1), flat=0.8)
            sc_c = vec(s * 0.055 * h, 0.56 * depth, z_sh - 0.06 * h)
            plate = Ellipsoid(sc_c, vec(0.03 * h, 0.006 * h, 0.055 * h), rot_z(-s * 12))
            self.bone(f"scapula.{side}", f"scapula.{side}", plate, self.ff("axial"), 1.0)
            glenoid = vec(s * (biacromial / 2 * 0.86 - 0.016 * h), 0.12 * depth, z_sh)
            neck = Capsule(glenoid, sc_c + vec(s * 0.02 * h, -0.3 * depth, 0.03 * h), 0.012 * h,
                           0.007 * h)  # fmt: skip
            self.bone(f"scapula.{side}", f"scapula.{side}", neck, self.ff("axial"), 1.0)
            acromion = Capsule(sc_c + vec(s * 0.02 * h, -0.2 * depth, 0.06 * h), lateral + vec(0, 0.006 * h, -0.002 * h),
                               0.005 * h, 0.006 * h)  # fmt: skip
            self.bone(f"scapula.{side}", f"scapula.{side}", acromion, self.ff("axial"), 1.0)

    def pelvis(self, lm, x_hip, bi_iliac, depth, r_head, spine):
        h, age = self.h, self.age
        z_hip, z_s1 = lm["z_hip"], lm["z_s1"]
        f = self.ff("axial")
        # sacrum: lofted through its transverse sections from the top of S1 (alae out to the
        # sacroiliac joints) down to the apex, curving backwards; the unfused segments keep
        # thin discs between them and the sacral foramina open beside each of those levels
        l5c, l5h = spine["l5"][0], spine["l5"][1]
        top = l5c - spine["l5"][3] * (l5h / 2 + spine["l5"][2])
        seg_len = (z_s1 - (z_hip - 0.035 * h)) / 5
        pos = top
        centres, tangents = [top], []
        for i in range(5):
            tangent = unit(vec(0, 0.18 + 0.22 * i, -1))
            tangents.append(tangent)
            if i == 1:  # the thecal sac ends at about S2, behind the sacral bodies
                d1 = 0.0155 * h
                s2 = pos + tangent * seg_len * 0.6 + vec(0.0, d1 / 2 + 0.004 * h, 0.0)
            pos = pos + tangent * seg_len
            centres.append(pos)
        widths = np.array([0.041, 0.038, 0.029, 0.02, 0.014, 0.008]) * h  # half widths
        depths = np.array([0.018, 0.0155, 0.013, 0.011, 0.0095, 0.008]) * h  # full AP depth
        rows, halfs = [], []
        for i, c in enumerate(centres):
            t = unit(tangents[min(i, 4)] + tangents[max(i - 1, 0)])
            ey = unit(vec(0, 1, 0) - np.dot(vec(0, 1, 0), t) * t)
            d = depths[i] / 2
            edge = 0.55 * d
            xs = np.array([-1.0, -0.55, 0.0, 0.55, 1.0]) * (widths[i] - edge)
            back = np.array([0.45, 0.15, 0.0, 0.15, 0.45]) * d  # the alae sit further back
            rows.append([c + vec(x, 0, 0) + ey * b for x, b in zip(xs, back, strict=True)])
            halfs.append([edge, 0.85 * d, d, 0.85 * d, edge])
        self.loft_bone("sacrum", "sacrum", rows, halfs, f, 1.0, axis=vec(0, 0.3, -1),
                       radius=0.02 * h)  # fmt: skip
        for i in range(1, 5):
            c, t = centres[i], unit(tangents[i - 1] + tangents[i])
            rot = frame(t, np.array([1.0, 0, 0]))
            ey = rot[:, 1]
            if age < 15:  # the discs between the unfused sacral bodies
                self.add(Box(c, vec(widths[i] * 0.32, depths[i] / 2 * 0.8, 0.8), 0.4, rot), "disc")
            r_for = float(np.interp(i, (1, 4), (0.0036, 0.0022))) * h
            for sx in (1.0, -1.0):  # the anterior sacral foramina: a nerve root in fat
                fc = c + vec(sx * 0.5 * widths[i], 0, 0)
                self.points[f"sacral-foramen.s{i}.{'left' if sx > 0 else 'right'}"] = fc
                way = Capsule(fc - ey * depths[i] * 0.6, fc + ey * depths[i] * 0.6, r_for, r_for)
                self.add(way, "adipose")
                self.parts.append(Part(Capsule(way.a, way.b, 0.4 * r_for, 0.4 * r_for), "cord",
                                       alpha=0.8))  # fmt: skip
        l5_canal, l5_rc = spine["l5"][4], spine["l5"][5]
        self.add(Capsule(l5_canal, s2, l5_rc, 0.35 * l5_rc), "csf")
        for k in (-1.0, 0.0, 1.0):  # nerve roots of the cauda equina, faint lines in the sac
            root_top = spine["l2"][4] + vec(k * 0.25 * l5_rc, 0.0, 0.0)
            root = Capsule(root_top, s2 + vec(k * 0.1 * l5_rc, 0.0, 0.0), 0.7, 0.6)
            self.parts.append(Part(root, "cord", alpha=0.6))
        t0 = unit(vec(0, 0.18, -1))
        tail = pos + unit(vec(0, 0.15, -1)) * 0.015 * h
        self.bone("coccyx", "coccyx", Capsule(pos, tail, 0.005 * h, 0.003 * h), f, 0.8)
        sac_top_z = top[2]
        triradiate_open = age < (12.5 if self.sex == "F" else 14.5)
        for side, s in SIDES:
            head = vec(s * x_hip, -0.1 * depth, z_hip)
            # ilium: the body above the acetabulum, the wing up to the crest, the part at the SI joint
            body_c = head + vec(-s * 0.05 * r_head, 0.2 * r_head, 1.35 * r_head)
            # the wing (below) fans up and out from the SI joint and the acetabular roof to the
            # crest (about L4), its inner face (the iliac fossa) turned forwards and inwards
            si_y = float((top + t0 * seg_len * 1.2)[1]) + 0.006 * h  # beside S1-S2
            si_c = vec(s * 0.042 * h, si_y, sac_top_z - 0.025 * h)
            sid = f"ilium.{side}"
            # the wing: a broad curved plate lofted through four axial sections from the lower
            # end of the sacroiliac joint, above the sciatic notch, up to the crest (about
            # L4/L5); below it the buttress and the supra-acetabular body carry it forward to
            # the acetabular roof. Each section runs from the posterior
            # ilium at the sacroiliac joint (medial, back) out to the lateral lip (the anterior
            # iliac spines, further forward), so a coronal slice through the joints shows the
            # wing en face: a fan from the joint and the acetabular roof out to the crest. The
            # plate is thin from front to back, bowed backwards in the iliac fossa, and flares
            # outwards as it rises; thicker behind at the joint and along the crest.
            sections = (  # (z, medial y, lateral y, x across, dz across), x and dz in h
                (z_hip + 0.012 * h, si_y - 0.04 * depth, si_y - 0.22 * depth,
                 (0.045, 0.05, 0.055, 0.06, 0.064), (0.0, 0.0, 0.0, 0.0, 0.0)),
                (z_hip + 0.045 * h, si_y - 0.02 * depth, si_y - 0.16 * depth,
                 (0.046, 0.052, 0.058, 0.063, 0.067), (0.0, 0.0, 0.0, 0.0, 0.0)),
                (z_hip + 0.07 * h, si_y + 0.03 * depth, si_y - 0.14 * depth,
                 (0.047, 0.055, 0.063, 0.069, 0.073), (0.0, 0.0, 0.0, 0.0, 0.0)),
                (z_hip + 0.087 * h, si_y + 0.05 * depth, si_y - 0.12 * depth,
                 (0.05, 0.057, 0.064, 0.07, 0.074), (-0.01, 0.0, 0.004, 0.001, -0.01)),
            )  # fmt: skip
            bow = np.array([0.0, 0.5, 0.7, 0.5, 0.0]) * 0.06 * depth  # the fossa bows backwards
            across = np.linspace(0.0, 1.0, 5)
            thick = ((0.006, 0.005, 0.0045, 0.0045, 0.005), (0.006, 0.0034, 0.003, 0.003, 0.004),
                     (0.0055, 0.0032, 0.0028, 0.003, 0.0038), (0.005, 0.004, 0.004, 0.004, 0.0042))  # fmt: skip
            rows = [[vec(s * x * h, ym + t * (yl - ym) + b, z0 + dz * h)
                     for x, dz, t, b in zip(xr, dzr, across, bow, strict=True)]
                    for z0, ym, yl, xr, dzr in sections]  # fmt: skip
            # with it, in one outline: the supra-acetabular body, the thick auricular part at
            # the joint, and the buttress above the greater sciatic notch down to the acetabulum
            si_ilium = si_c + vec(s * 0.012 * h, 0.0, 0.008 * h)
            buttress = head + vec(s * 0.15 * r_head, 0.75 * r_head, 1.1 * r_head)
            extra = (Ellipsoid(body_c, vec(1.05, 1.1, 1.2) * r_head),
                     Ellipsoid(si_c + vec(s * 0.012 * h, 0, 0), vec(0.013 * h, 0.017 * h, 0.03 * h), rot_z(-s * 25)),
                     Capsule(si_ilium - vec(0, 0, 0.02 * h), buttress, 0.008 * h, 0.65 * r_head))  # fmt: skip
            extra += self.iliac_landmarks(side, s, head, r_head, si_y, depth, rows)
            wing = self.loft_bone(sid, sid, rows, np.array(thick) * h, f, 1.1, extra=extra)
            self.sites[sid].center = wing
            # sacroiliac joint: a thin cartilage sheet between sacrum and ilium
            sij = Ellipsoid(si_c, vec(0.0016 * h, 0.016 * h, 0.03 * h), rot_z(-s * 25))
            self.add(sij, "cartilage", f"sacroiliac-joint.{side}")
            self.site(f"sacroiliac-joint.{side}", "pelvis", [sij], [], vec(0, 0, 1), 0.01 * h)
            # acetabulum: anterior and posterior columns around the femoral head
            # acetabulum: anterior and posterior columns wrapping round the femoral head from
            # in front, behind and medially (the head, painted later, sits in their cup)
            for col, off in (("anterior-column", vec(-s * 0.3, -0.72, 0.4)),
                             ("posterior-column", vec(-s * 0.3, 0.76, 0.35))):  # fmt: skip
                c = head + off * r_head
                self.bone(f"acetabulum.{side}.{col}", f"acetabulum.{side}",
                          Ellipsoid(c, vec(0.9, 0.72, 1.0) * r_head, rot_z(s * 15 if off[1] < 0 else -s * 15)),
                          f, 1.2)  # fmt: skip
            tub = vec(s * x_hip * 0.78, 0.32 * depth, z_hip - 0.05 * h)
            isch_top = head + vec(-s * 0.1 * r_head, 0.6 * r_head, -1.1 * r_head)
            # the ischium with its spine, the lower end of the greater sciatic notch (one outline)
            isch = [Capsule(isch_top, tub, 0.55 * r_head, 0.5 * r_head),
                    Ellipsoid(isch_top + vec(-s * 0.45, 0.65, -0.1) * r_head,
                              vec(0.22, 0.45, 0.25) * r_head)]  # fmt: skip
            if f"ischium.{side}" in self.mods.thickening:
                isch = [_grow(o, self.mods.thickening[f"ischium.{side}"]) for o in isch]
            inner = [shrink(o, 1.2) for o in isch]
            self.parts += [Part(o, "cortex", f"ischium.{side}") for o in isch]
            self.parts += [Part(i, "marrow", f"ischium.{side}", ff=f) for i in inner]
            self.bone_outer += isch
            self.site(f"ischium.{side}", f"ischium.{side}", isch, inner)
            self.points[f"ischial-spine.{side}"] = isch[1].c
            sym = vec(s * 0.009 * h, -0.72 * depth, z_hip - 0.022 * h)
            pub_top = head + vec(-s * 0.6 * r_head, -0.8 * r_head, -0.1 * r_head)
            self.bone(f"pubis.{side}", f"pubis.{side}", Capsule(pub_top, sym, 0.45 * r_head, 0.4 * r_head), f, 1.0)  # fmt: skip
            self.bone(f"pubis.{side}", f"pubis.{side}", Capsule(sym, tub, 0.3 * r_head, 0.35 * r_head), f, 1.0)  # fmt: skip
            if triradiate_open:
                tri = head + vec(-s * 1.05 * r_head, 0.0, 0.15 * r_head)
                ax = vec(1.0, 0, 0)
                self.add(Capsule(tri - ax * 1.2, tri + ax * 1.2, 0.7 * r_head, 0.7 * r_head, flat=True), "physis")  # fmt: skip

    def iliac_landmarks(self, side, s, head, r_head, si_y, depth, rows):
        """The ilium's landmarks, joined to the wing in one outline: the anterior wing curving
        forwards along the side of the pelvis from the wing's lateral lip to the anterior border,
        with the anterior superior iliac spine (ASIS, the front end of the crest) and the anterior
        inferior spine (AIIS, just above the acetabular rim) as its two prominences and a shallow
        notch between them; behind, the crest running back and in to the posterior superior
        spine (PSIS, behind the sacroiliac joint) and down the posterior border to the posterior
        inferior spine (PIIS); below the PIIS the border turns forwards into the greater sciatic
        notch, closed below by the ischial spine. Proportions: the hip centre lies about 30 % of
        the inter-ASIS width below the ASIS and 36 % of it lateral of the midline (Bell's
        hip-centre rule, general gait-analysis anatomy, not from child-skeleton.md); the ASIS
        stays under the skin of the lower abdomen (see the envelope in soft_tissue)."""
        h, z_hip = self.h, float(head[2])
        hy = float(head[1])
        lip = [np.asarray(r[-1]) for r in rows]  # the wing's lateral lip, foot to head

        def at_lip(z):  # the lip point at height z (linear between the wing's sections)
            zs = [float(p[2]) for p in lip]
            return vec(*(float(np.interp(z, zs, [p[i] for p in lip])) for i in range(2)), z)

        asis = vec(s * 0.068 * h, hy - 2.0 * r_head, z_hip + 0.046 * h)
        aiis = vec(s * (abs(head[0]) + 0.25 * r_head), hy - 1.6 * r_head, z_hip + 0.022 * h)
        levels = (  # z, then the (x in h, y) of the middle and anterior points
            (z_hip + 0.027 * h, (0.066, hy + 0.1 * depth), (0.062, hy - 1.45 * r_head)),
            (float(asis[2]), (0.07, hy - 0.2 * depth), (abs(asis[0]) / h, float(asis[1]))),
            (z_hip + 0.066 * h, (0.075, hy + 0.12 * depth), (0.073, hy - 0.15 * depth)),
            (z_hip + 0.08 * h, (0.075, hy + 0.28 * depth), (0.074, hy + 0.18 * depth)),
        )
        arows = []
        for z, (xm, ym), (xa, ya) in levels:
            arows.append([at_lip(z), vec(s * xm * h, ym, z), vec(s * xa * h, ya, z)])
        half = np.full((len(arows), 3), 0.0033 * h)
        half[:, 0] = 0.0036 * h
        arows = np.asarray(arows)
        out: list[Shape] = [Loft(arows[i : i + 2], half[i : i + 2]) for i in range(len(arows) - 1)]
        out += [
            Ellipsoid(asis, vec(0.0052, 0.0062, 0.0048) * h),  # ASIS
            Ellipsoid(aiis, vec(0.0048, 0.0052, 0.0055) * h),  # AIIS
            Capsule(aiis, arows[0][2], 0.004 * h, 0.0036 * h),  # the border between them
        ]
        psis = vec(s * 0.034 * h, si_y + 0.42 * depth, z_hip + 0.043 * h)
        piis = vec(s * 0.047 * h, si_y + 0.2 * depth, z_hip + 0.007 * h)
        crest_back = vec(s * 0.05 * h, si_y + 0.08 * depth, z_hip + 0.08 * h)
        out += [
            Capsule(crest_back, psis, 0.0062 * h, 0.006 * h),  # the crest's posterior end
            Ellipsoid(psis, vec(0.006, 0.0065, 0.008) * h),  # PSIS
            Capsule(psis, piis, 0.0058 * h, 0.005 * h),  # the posterior border
            Ellipsoid(piis, vec(0.0055, 0.005, 0.005) * h),  # PIIS
        ]
        self.points[f"asis.{side}"], self.points[f"aiis.{side}"] = asis, aiis
        self.points[f"psis.{side}"], self.points[f"piis.{side}"] = psis, piis
        return tuple(out)

    def leg(self, side, s, lm, x_hip, x_knee, x_ankle, r_head, femur_len):
        h = self.h
        head = vec(s * x_hip, -0.1 * lm["depth"], lm["z_hip"])
        knee = vec(s * x_knee, 0.0, lm["z_knee"])
        ankle = vec(s * x_ankle, 0.005 * h, lm["z_ankle"])
        f_axial = self.ff("proximal-metaphysis")
        neck_dir = unit(vec(s * 0.82, 0.0, -0.57))
        neck_end = head + neck_dir * 0.031 * h
        troch_base = neck_end + vec(0, 0, -0.018 * h)
        # femur: shaft (diaphysis, distal metaphysis and epiphysis) from below the trochanters
        r_f = 0.0075 * h
        joint_gap = max(3.0, 0.003 * h)
        self.long_bone("femur", side, troch_base, knee + vec(0, 0, joint_gap / 2), r_f, r_f * 1.6,
                       0.023 * h, epi=0.065, meta=0.16, skip_top=True, level_bottom=True,
                       ap_bottom=0.8)  # fmt: skip
        femur = f"femur.{side}"
        plate_c = head + neck_dir * r_head * 0.62
        neck = Capsule(plate_c, neck_end, 0.62 * r_head, 0.6 * r_head, flat=True)
        # the head's cartilage first, so the neck's bone runs right up to the growth plate
        cart = float(np.interp(self.age, (3, 16), (0.25, 0.1)))
        self.add(Ellipsoid(head, vec(1, 1, 1) * r_head), "cartilage", f"{femur}.proximal-epiphysis")
        g = self.bone(f"{femur}.proximal-metaphysis", femur, neck, f_axial, 1.0, axis=neck_dir,
                      radius=0.6 * r_head)  # fmt: skip
        g.physis, g.joint = plate_c, head
        inter = Ellipsoid(neck_end + vec(0, 0, -0.004 * h), vec(0.011, 0.01, 0.017) * h)
        self.bone(f"{femur}.intertrochanteric", femur, inter, f_axial, 1.2, axis=vec(0, 0, 1))
        troch = neck_end + vec(s * 0.01 * h, 0.004 * h, 0.006 * h)
        g = self.bone(f"{femur}.greater-trochanter", femur, Ellipsoid(troch, vec(0.0085, 0.009, 0.011) * h),
                      self.ff("epiphysis"), 1.0)  # fmt: skip
        nucleus = Ellipsoid(head - neck_dir * 0.12 * r_head, vec(1, 1, 1) * r_head * (0.95 - cart))
        g = self.bone(f"{femur}.proximal-epiphysis", femur, nucleus, self.ff("epiphysis"), 0.8,
                      axis=neck_dir, radius=r_head, physis=plate_c, joint=head)  # fmt: skip
        g.lo, g.hi = head - r_head, head + r_head
        self.bone_outer.append(Ellipsoid(head, vec(1, 1, 1) * r_head))
        if self.age < (14.5 if self.sex == "F" else 16.5):
            self.plate(plate_c, neck_dir, 0.62 * r_head, max(1.2, 0.0012 * h))
        # tibia, fibula, patella
        t_top = knee - vec(0, 0, joint_gap / 2)
        self.long_bone(
            "tibia",
            side,
            t_top,
            ankle,
            0.0065 * h,
            0.024 * h,
            0.014 * h,
            epi=0.06,
            meta=0.14,
            epi_bottom=0.034,
            ap_top=0.7,  # the tibial plateau: much wider than it is deep
        )
        tib_r = 0.024 * h
        fib_top = vec(s * (x_knee + 0.75 * tib_r), 0.3 * tib_r, lm["z_knee"] - 0.022 * h)
        fib_bot = vec(s * (x_ankle + 0.95 * 0.014 * h), 0.2 * 0.014 * h, lm["z_ankle"] - 0.012 * h)
        self.long_bone(
            "fibula", side, fib_top, fib_bot, 0.003 * h, 0.0048 * h, 0.0055 * h, epi=0.05, meta=0.1
        )
        pat = Ellipsoid(knee + vec(0, -0.027 * h, 0.016 * h), vec(0.014, 0.006, 0.016) * h)
        self.bone(f"patella.{side}", f"patella.{side}", pat, self.ff("epiphysis"), 1.0)
        self.knee_joint(s, knee, 0.023 * h, joint_gap)
        self.foot(side, s, ankle)

    def knee_joint(self, s, knee, r, gap):
        """Intercondylar notch, menisci at the joint margins, a film of joint fluid and the
        patellar tendon: what makes a coronal knee read as a joint rather than two eggs."""
        h = self.h
        # the notch opens backwards between the condyles (bilobed in an axial slice)
        notch = Ellipsoid(knee + vec(0, 0.5 * r, 0.4 * r), vec(0.2 * r, 0.5 * r, 0.38 * r))
        self.parts.append(Part(notch, "adipose", alpha=0.85, soft=1.0))
        # the popliteal fossa behind the knee: fat round the popliteal artery and vein
        fossa = knee + vec(0, 0.8 * r + 0.005 * h, 0.2 * r)
        self.parts.append(Part(Ellipsoid(fossa, vec(0.5 * r, 0.25 * r, 0.03 * h)), "adipose",
                               alpha=0.9, soft=1.5))  # fmt: skip
        for dx, rv in ((-0.12 * r, 0.0028 * h), (0.14 * r, 0.0034 * h)):
            vessel = Capsule(fossa + vec(dx, -0.05 * r, 0.03 * h), fossa + vec(dx, 0.05 * r, -0.03 * h),
                             rv, rv)  # fmt: skip
            self.add(vessel, "blood")
        for m in (1.0, -1.0):
            rim = Ellipsoid(knee + vec(m * 0.78 * r, 0.0, 0.0), vec(0.2 * r, 0.7 * r, 0.085 * r))
            self.add(rim, "ligament")
        film = Capsule(knee - vec(0, 0, 0.6), knee + vec(0, 0, 0.6), 0.7 * r, 0.7 * r, flat=True)
        self.parts.append(Part(film, "fluid", alpha=0.45))
        tendon = Capsule(knee + vec(0, -0.03 * h, 0.0), knee + vec(0, -0.024 * h, -0.05 * h),
                         0.004 * h, 0.0035 * h, scale=(1.6, 0.7, 1.0))  # fmt: skip
        self.add(tendon, "ligament")
        del s, gap

    def foot(self, side, s, ankle):
        h = self.h
        f = self.ff("small")
        a = ankle
        bones = {
            "talus": (vec(0, -0.004, -0.0115), vec(0.012, 0.018, 0.0095)),
            "calcaneus": (vec(0.002, 0.008, -0.029), vec(0.013, 0.027, 0.0125)),
            "navicular": (vec(-0.006, -0.026, -0.018), vec(0.011, 0.0055, 0.008)),
            "cuboid": (vec(0.011, -0.03, -0.03), vec(0.008, 0.009, 0.008)),
            "cuneiform-medial": (vec(-0.01, -0.038, -0.022), vec(0.005, 0.008, 0.009)),
            "cuneiform-intermediate": (vec(-0.002, -0.037, -0.018), vec(0.004, 0.007, 0.008)),
            "cuneiform-lateral": (vec(0.005, -0.037, -0.022), vec(0.004, 0.007, 0.008)),
        }
        for name, (off, radii) in bones.items():
            c = a + vec(s * off[0], off[1], off[2]) * h
            self.bone(f"{name}.{side}", f"{name}.{side}", Ellipsoid(c, radii * h), f, 0.8)
        for ray in range(1, 6):
            dx = (-0.011 + 0.0055 * (ray - 1)) * h
            base = a + vec(s * dx, -0.046 * h, -0.028 * h + 0.002 * h * (ray - 1))
            head = a + vec(s * dx * 1.35, -(0.095 - 0.004 * abs(ray - 2)) * h, -a[2] + 0.008 * h)
            r = (0.0048 if ray == 1 else 0.0032) * h
            self.small_long_bone(f"metatarsal-{ray}.{side}", base, head, r)
            tip = (
                head + unit(head - base) * (0.03 if ray == 1 else 0.022) * h + vec(0, 0, 0.006 * h)
            )
            self.bone(f"phalanges-foot.{side}", f"phalanges-foot.{side}", Capsule(head + unit(head - base) * r * 1.8, tip, r * 0.9, r * 0.6), f, 0.7)  # fmt: skip

    def small_long_bone(self, bone, base, head, r):
        """Metacarpal or metatarsal: base, shaft and head."""
        f = self.ff("small")
        axis = head - base
        p1, p2 = base + axis * 0.22, base + axis * 0.8
        self.bone(
            f"{bone}.base", bone, Capsule(base, p1, r * 1.25, r * 1.05), f, 0.6, axis=axis, radius=r
        )
        self.bone(f"{bone}.shaft", bone, Capsule(p1, p2, r * 0.95, r * 0.95, flat=True), f, 0.8, axis=axis, radius=r)  # fmt: skip
        self.bone(
            f"{bone}.head", bone, Capsule(p2, head, r * 1.1, r * 1.3), f, 0.6, axis=axis, radius=r
        )

    def arm(self, side, s, lm, x_sh, z_sh):
        h = self.h
        shoulder = vec(s * x_sh, 0.12 * lm["depth"], z_sh)
        elbow, wrist, _hand = self.arm_points(s, x_sh, z_sh)
        self.long_bone(
            "humerus", side, shoulder, elbow, 0.0055 * h, 0.0135 * h, 0.012 * h, epi=0.08, meta=0.13
        )
        cap = elbow + vec(s * 0.006 * h, 0, -0.004 * h)
        self.bone(f"humerus.{side}.capitellum", f"humerus.{side}", Ellipsoid(cap, vec(0.006, 0.006, 0.005) * h),
                  self.ff("epiphysis"), 0.6)  # fmt: skip
        gap = max(2.5, 0.0025 * h)
        r_top = elbow + vec(s * 0.007 * h, 0, -gap - 0.006 * h)
        u_top = elbow + vec(-s * 0.005 * h, 0.004 * h, -gap)
        r_bot = wrist + vec(s * 0.008 * h, 0, 0)
        u_bot = wrist + vec(-s * 0.006 * h, 0.002 * h, 0.002 * h)
        self.long_bone(
            "radius", side, r_top, r_bot, 0.0036 * h, 0.0045 * h, 0.0085 * h, epi=0.06, meta=0.12
        )
        self.long_bone(
            "ulna", side, u_top, u_bot, 0.0036 * h, 0.0065 * h, 0.005 * h, epi=0.07, meta=0.12
        )
        f = self.ff("small")
        carp_c = wrist + vec(s * 0.002 * h, -0.002 * h, -0.016 * h)
        for dx, dz in ((-0.009, 0.004), (-0.003, 0.005), (0.004, 0.004), (0.01, 0.003),
                       (-0.008, -0.005), (-0.002, -0.005), (0.004, -0.005), (0.01, -0.006)):  # fmt: skip
            c = carp_c + vec(s * dx * h, 0, dz * h)
            self.bone(
                f"carpals.{side}",
                f"carpals.{side}",
                Ellipsoid(c, vec(0.0034, 0.005, 0.0042) * h),
                f,
                0.6,
            )
        # the palm: thenar, hypothenar and interosseous muscles under a thin layer of fat
        palm_c = wrist + vec(s * 0.006 * h, -0.004 * h, -0.041 * h)
        self.parts.append(Part(Box(palm_c, vec(0.018, 0.0058, 0.027) * h, 0.005 * h), "muscle",
                               alpha=0.85, soft=1.0))  # fmt: skip
        rays = []
        for ray in range(1, 6):
            dx = (0.012 - 0.0055 * (ray - 1)) * h
            base = carp_c + vec(s * dx * (1.2 if ray == 1 else 1.0), 0, -0.011 * h)
            length = (0.026 if ray == 1 else 0.042 - 0.003 * abs(ray - 3)) * h
            tilt = vec(s * (0.5 if ray == 1 else 0.06 * (3 - ray)), 0, -1)
            head = base + unit(tilt) * length
            r = (0.0035 if ray <= 2 else 0.003) * h
            finger = (0.03 if ray == 1 else 0.045 - 0.004 * abs(ray - 3)) * h
            start = head + unit(tilt) * r * 1.6
            rays.append((ray, base, head, r, start, start + unit(tilt) * finger))
            # the finger's soft tissue (skin, fat, tendons) before its bones
            soft = Capsule(base if ray == 1 else head, start + unit(tilt) * finger * 1.04,
                           r * 2.1, r * 1.7, scale=(1.0, 0.85, 1.0))  # fmt: skip
            self.add(soft, "adipose")
            self.skin.append(soft)
            self.parts.append(Part(shrink(soft, 0.55 * r), "muscle", alpha=0.8))  # tendons
        for ray, base, head, r, start, tip in rays:
            self.small_long_bone(f"metacarpal-{ray}.{side}", base, head, r)
            # proximal, middle and distal phalanges with small joint spaces between them
            n = 2 if ray == 1 else 3
            axis = tip - start
            cuts = [0.0, 0.55, 1.0] if n == 2 else [0.0, 0.45, 0.75, 1.0]
            for k in range(n):
                a = start + axis * (cuts[k] + 0.03)
                b = start + axis * (cuts[k + 1] - 0.03)
                rr = r * (0.85 - 0.12 * k)
                self.bone(f"phalanges-hand.{side}", f"phalanges-hand.{side}",
                          Capsule(a, b, rr, rr * 0.85), f, 0.6)  # fmt: skip


def _plate(a, b, up, half_thick, half_height) -> Box:
    """A flat bony plate from a to b (a lamina, a spinous process): ``half_height`` along
    ``up`` (made square to a-b) and ``half_thick`` across both, rounded at its edges."""
    u = unit(b - a)
    w = unit(up - np.dot(up, u) * u)
    v = np.cross(w, u)
    length = float(np.linalg.norm(b - a))
    half = vec(length / 2 + half_thick, half_thick, max(half_height, half_thick))
    return Box((a + b) / 2, half, 0.9 * half_thick, np.stack([u, v, w], axis=1))


def _trunk(a, b, ra, rb, da, db) -> OvalFrustum:
    """A trunk segment from a to b, half width ra to rb and half depth da to db."""
    return OvalFrustum(
        float(a[2]), float(b[2]), (float(a[0]), float(a[1])), (float(b[0]), float(b[1])),
        (ra, da), (rb, db),
    )  # fmt: skip


def _center(shape: Shape) -> np.ndarray:
    if isinstance(shape, Capsule):
        return (shape.a + shape.b) / 2
    if isinstance(shape, Dome | Sweep | Loft):
        return shape.center()
    return np.asarray(shape.c, dtype=np.float64)


def _grow(shape: Shape, factor: float) -> Shape:
    if isinstance(shape, Capsule):
        return Capsule(
            shape.a, shape.b, shape.ra * factor, shape.rb * factor, shape.flat, shape.scale
        )
    if isinstance(shape, Ellipsoid):
        return Ellipsoid(shape.c, np.asarray(shape.radii) * factor, shape.rot)
    if isinstance(shape, Dome):
        return Dome(shape.c, np.asarray(shape.radii) * factor, shape.rot, shape.power)
    if isinstance(shape, Sweep):
        return Sweep(shape.points, np.asarray(shape.radii) * factor, shape.thin, shape.flat)
    if isinstance(shape, Loft):
        return Loft(shape.rows, np.asarray(shape.half) * factor)
    return Box(shape.c, np.asarray(shape.half) * factor, shape.round, shape.rot)


def build_body(age: float, sex: str, modifiers: Modifiers | None = None, seed: int = 0) -> Body:
    """The body of a child of this age (years, 3-16) and sex ("M"/"F"); ``seed`` varies the
    bowel loops, nothing else."""
    return _Builder(float(age), sex, modifiers or Modifiers(), seed).build()
