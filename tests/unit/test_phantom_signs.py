"""Each lesion kind's defining sign, measured in the generated pixels (not in the model).

Heights and lengths are counted in pixels along profiles through the rendered (noisy) images,
contrast as ratios of mean stored values in regions of interest, margins as the distance over
which the signal falls from 80 % to 20 % of the lesion's rise over normal marrow.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnoatlas.imaging.phantom import StudyDescription, generate_study
from cnoatlas.imaging.phantom.body import build_body
from cnoatlas.imaging.phantom.lesions import modifiers
from cnoatlas.imaging.phantom.render import FULL_VALUE
from cnoatlas.imaging.phantom.tissues import tissue_table


def study(lesions, sequences=("cor_stir_wb",), age=11, sex="F", variants=(), seed=5):
    desc = {"age_years": age, "sex": sex, "seed": seed, "sequences": list(sequences),
            "lesions": list(lesions)}  # fmt: skip
    if variants:
        desc["variants"] = list(variants)
    return generate_study(StudyDescription.from_json(desc))


def index(series, point) -> tuple[int, int, int]:
    """(slice, row, column) nearest a patient-coordinate point."""
    g = series.grid
    return tuple(int(np.argmin(np.abs(g.coords[i] - point[g.world_axis[i]]))) for i in range(3))


def roi(series, point, half=2) -> np.ndarray:
    k, r, c = index(series, point)
    return series.pixels[k, r - half : r + half + 1, c - half : c + half + 1].astype(float)


def profile(series, a, b, width=1) -> np.ndarray:
    """Mean stored values sampled every half pixel from world point a to b, averaged over
    2*width+1 parallel lines across (in plane)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = int(np.linalg.norm(b - a) / (series.pixel_spacing[0] / 2)) + 1
    g = series.grid
    k = index(series, (a + b) / 2)[0]
    out = []
    for t in np.linspace(0.0, 1.0, n):
        p = a + t * (b - a)
        _, r, c = index(series, p)
        out.append(series.pixels[k, r, c - width : c + width + 1].mean())
    del g
    return np.array(out)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of the True runs."""
    out, start = [], None
    for i, v in enumerate([*mask, False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i - start))
            start = None
    return out


CNO = {"id": "l1", "kind": "cno-oedema", "size_mm": 30, "intensity": 0.8}


@pytest.fixture(scope="module")
def femur_cno():
    return study([{**CNO, "site_id": "femur.right.diaphysis"}])


def test_stir_lesion_to_muscle_ratio_is_in_the_published_range_and_not_saturated(femur_cno):
    s = femur_cno.series[0]
    g = femur_cno.body.sites["femur.right.diaphysis"]
    core = roi(s, g.center, 1)
    # thigh muscle in four places round the femur (a reader's muscle ROI: the median of
    # them, so a fat septum crossing one of them does not pass for darker muscle)
    around = ([1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0])
    muscle = np.median([np.median(roi(s, g.center + np.array(d) * (g.radius + 14.0), 3))
                        for d in around])  # fmt: skip
    ratio = core.mean() / muscle
    table = tissue_table()
    low, high = 5.6, 7.2  # Kieninger et al., BJR 2022 (tissues.json lesion_contrast, verified)
    assert low * 0.93 <= ratio <= high * 1.07, ratio
    window_top = s.window[0] + s.window[1] / 2
    assert core.max() < window_top  # the core reads as grey-white, never clipped white
    assert table.signal("oedema", "stir") < table.signal("fluid", "stir")


def test_lesion_margin_fades_over_several_voxels_and_is_heterogeneous(femur_cno):
    s = femur_cno.series[0]
    g = femur_cno.body.sites["femur.right.diaphysis"]
    along = profile(s, g.center, g.center - g.axis * 45.0)  # down the shaft from the centre
    smooth = np.convolve(along, np.ones(5) / 5, mode="valid")
    peak, base = smooth[:3].mean(), smooth[-8:].mean()
    rise = peak - base
    i80 = int(np.argmax(smooth < base + 0.8 * rise))
    i20 = int(np.argmax(smooth < base + 0.2 * rise))
    width_px = (i20 - i80) / 2  # samples are half pixels
    assert width_px >= 2.5, width_px  # ill-defined, not a cut-out
    core = roi(s, g.center, 3)
    noise = tissue_table().weightings["stir"].noise * FULL_VALUE
    assert core.std() > 1.3 * noise  # mottled inside, more than the noise alone


def _spine_profile(st, top_level, bottom_level):
    """Stored values down the sagittal midline through the vertebral body centres."""
    s = next(x for x in st.series if x.key == "sag_stir_spine")
    sites = st.body.sites
    a = sites[f"vertebra.{top_level}.body"].center
    b = sites[f"vertebra.{bottom_level}.body"].center
    return s, profile(s, a, b, width=1)


def _heights(prof, spacing):
    """Vertebral body heights (dark runs between bright discs) in mm, top to bottom."""
    smooth = np.convolve(prof, np.ones(3) / 3, mode="same")
    low, high = np.percentile(smooth, 25), np.percentile(smooth, 95)
    discs = smooth > low + 0.4 * (high - low)  # discs; a faintly oedematous body stays below
    bright = runs(discs)
    bodies = runs(~discs)
    return [n * spacing / 2 for _s, n in bodies], [n * spacing / 2 for _s, n in bright]


def test_vertebra_plana_is_at_most_forty_percent_of_its_neighbours():
    lch = {"id": "p", "site_id": "vertebra.t9.body", "kind": "lch", "size_mm": 14,
           "intensity": 0.8, "options": {"vertebra_plana": True}}  # fmt: skip
    st = study([lch], ("sag_stir_spine",), age=5)
    s, prof = _spine_profile(st, "t7", "t11")
    bodies, discs = _heights(prof, s.pixel_spacing[0])
    # from the centre of T7 to the centre of T11: half T7, T8, [disc T9 disc], T10, half T11
    inner = bodies[1:-1]
    assert len(inner) >= 2
    t8, t10 = inner[0], inner[-1]
    normal_disc = float(np.median(discs))
    if len(inner) == 3:  # the wafer reads dark between its discs
        t9 = inner[1]
    else:  # the wafer is bright: one bright run holds disc, wafer and disc
        t9 = max(discs) - 2 * sorted(discs)[len(discs) // 2 - 1 if len(discs) > 2 else 0]
    assert t9 <= 0.4 * (t8 + t10) / 2, (t9, t8, t10, discs)
    assert t8 > 2 * normal_disc * 0.8


def test_healed_cno_fracture_is_visibly_shorter_than_its_neighbours():
    les = {"id": "f", "site_id": "vertebra.t8.body", "kind": "cno-oedema", "size_mm": 14,
           "intensity": 0.3, "state": "stable-fracture", "options": {"height_loss": 0.35}}  # fmt: skip
    st = study([les], ("sag_stir_spine",), age=10)
    s, prof = _spine_profile(st, "t6", "t10")
    bodies, _ = _heights(prof, s.pixel_spacing[0])
    assert len(bodies) == 5, bodies  # half T6, T7, T8, T9, half T10: T8 reads as one body
    t7, t8, t9 = bodies[1:4]
    assert t8 <= 0.75 * (t7 + t9) / 2, (t7, t8, t9)
    ann = [a for a in st.annotations if a["lesion_id"] == "f"]
    assert ann  # outlined where it was drawn


def test_vertebra_plana_outline_is_flat():
    lch = {"id": "p", "site_id": "vertebra.t9.body", "kind": "lch", "size_mm": 14,
           "intensity": 0.8, "options": {"vertebra_plana": True, "soft_tissue_mass": False}}  # fmt: skip
    st = study([lch], ("sag_stir_spine",), age=5)
    s = st.series[0]
    polys = [np.array(a["geometry"]["points"]) for a in st.annotations if a["kind"] == "polygon"]
    assert polys
    widest = max(polys, key=lambda p: np.ptp(p[:, 0]))
    height = np.ptp(widest[:, 1]) * s.pixel_spacing[0]
    width = np.ptp(widest[:, 0]) * s.pixel_spacing[1]
    normal = build_body(5, "F").sites["vertebra.t8.body"]
    assert height < 0.5 * width  # a wafer, not a cube
    assert height <= 0.6 * (normal.hi[2] - normal.lo[2]) + 2 * s.pixel_spacing[0]


def test_ewing_replaces_the_marrow_over_its_length_with_a_soft_tissue_mass():
    ew = {"id": "e", "site_id": "femur.right.diaphysis", "kind": "ewing-sarcoma",
          "size_mm": 90, "intensity": 0.9, "options": {"soft_tissue_mass": True}}  # fmt: skip
    st = study([ew], age=13)
    s = st.series[0]
    g = st.body.sites["femur.right.diaphysis"]
    prof = profile(s, g.center - g.axis * 70, g.center + g.axis * 70)
    marrow = np.median(profile(s, g.center + g.axis * 90, g.center + g.axis * 110))
    bright = prof > marrow + 0.5 * (np.percentile(prof, 90) - marrow)
    longest = max(n for _s, n in runs(bright)) * s.pixel_spacing[0] / 2
    assert longest >= 0.8 * 90, longest  # permeative replacement over its stated length
    across = np.cross(g.axis, [0.0, 1.0, 0.0])
    across /= np.linalg.norm(across)
    wide = profile(s, g.center - across * 60, g.center + across * 60)
    mass = runs(wide > marrow + 0.5 * (np.percentile(wide, 95) - marrow))
    first, last = mass[0][0], mass[-1][0] + mass[-1][1]
    extent = (last - first) * s.pixel_spacing[1] / 2
    assert extent > 2 * g.radius + 15, extent  # the mass reaches well beyond the cortex


def test_osteosarcoma_breaks_through_the_cortex():
    os_ = {"id": "o", "site_id": "femur.left.distal-metaphysis", "kind": "osteosarcoma",
           "size_mm": 70, "intensity": 0.85, "options": {"soft_tissue_mass": True}}  # fmt: skip
    st = study([os_], age=15)
    s = st.series[0]
    g = st.body.sites["femur.left.distal-metaphysis"]
    normal = study([], age=15).series[0]
    out = np.array([1.0, 0.0, 0.0])  # laterally (the patient's left is +x)
    line = (g.center, g.center + out * (g.radius + 8))
    sick, well = profile(s, *line), profile(normal, *line)
    # the tumour is continuous from the marrow through the cortex into the mass: no dark
    # cortical line is left on it, where the normal bone has marrow, cortex and muscle
    assert sick.min() > 2.0 * well.min(), (sick.min(), well.min())


def test_sequestrum_is_a_dark_fragment_in_fluid():
    ost = {"id": "s", "site_id": "tibia.right.proximal-metaphysis",
           "kind": "bacterial-osteomyelitis", "size_mm": 45, "intensity": 0.9,
           "options": {"abscess": True, "sequestrum": True}}  # fmt: skip
    st = study([ost], age=9)
    s = st.series[0]
    g = st.body.sites["tibia.right.proximal-metaphysis"]
    inward = (g.center - g.physis) / np.linalg.norm(g.center - g.physis)
    c = g.physis + inward * min(45 / 2 * 0.85, float(np.linalg.norm(g.center - g.physis)) * 1.2)
    fragment = roi(s, c, 0).mean()
    across = np.array([1.0, 0.0, 0.0])
    pus = np.concatenate([roi(s, c + across * 6.5, 0).ravel(), roi(s, c - across * 6.5, 0).ravel()])
    assert fragment < 0.5 * pus.mean(), (fragment, pus)


def test_spondylodiscitis_involves_the_disc_and_both_endplates():
    les = {"id": "d", "site_id": "vertebra.l3.body", "kind": "spondylodiscitis", "size_mm": 14,
           "intensity": 0.85}  # fmt: skip
    st = study([les], ("sag_stir_spine",), age=6)
    s = st.series[0]
    sites = st.body.sites
    up, down, calm = (sites[f"vertebra.{n}.body"] for n in ("l3", "l4", "l1"))
    disc = (up.center + down.center) / 2
    step = (up.center - down.center) / np.linalg.norm(up.center - down.center)
    gap = float(np.linalg.norm(up.center - down.center))
    upper_plate = roi(s, disc + step * gap * 0.3, 1).mean()
    lower_plate = roi(s, disc - step * gap * 0.3, 1).mean()
    normal = roi(s, calm.center, 1).mean()
    assert upper_plate > 1.6 * normal and lower_plate > 1.6 * normal
    assert roi(s, disc, 1).mean() > 1.6 * normal


def test_leukaemia_darkens_all_marrow_on_t1_and_adds_metaphyseal_bands():
    les = {"id": "k", "site_id": "femur.left.distal-metaphysis", "kind": "leukaemia",
           "size_mm": 30, "intensity": 0.7}  # fmt: skip
    sick = study([les], ("cor_stir_wb", "cor_t1_wb"), age=5)
    well = study([], ("cor_stir_wb", "cor_t1_wb"), age=5)
    far = sick.body.sites["humerus.right.diaphysis"].center  # diffuse: far from the lesion
    t1_sick, t1_well = roi(sick.series[1], far, 1).mean(), roi(well.series[1], far, 1).mean()
    assert t1_sick < 0.85 * t1_well
    g = sick.body.sites["tibia.right.proximal-metaphysis"]
    band = g.physis + (g.center - g.physis) / np.linalg.norm(g.center - g.physis) * 3.5
    assert roi(sick.series[0], band, 0).mean() > 1.5 * roi(well.series[0], band, 0).mean()


def test_leukaemia_fills_the_calvarial_marrow_and_leaves_the_brain_alone():
    les = {"id": "k", "site_id": "femur.left.distal-metaphysis", "kind": "leukaemia",
           "size_mm": 30, "intensity": 0.7}  # fmt: skip
    sick = study([les], ("cor_stir_wb", "cor_t1_wb"), age=9)
    well = study([], ("cor_stir_wb", "cor_t1_wb"), age=9)
    skull = sick.body.sites["skull.vault"].outer[0]
    c, radii = np.asarray(skull.c), np.asarray(skull.radii)
    # deep white matter beside the lateral ventricle: the same signal, sick or well
    brain = c + np.array([0.45 * radii[0], 0.0, 0.1 * radii[2]])
    for k in (0, 1):
        assert abs(roi(sick.series[k], brain, 1).mean() / roi(well.series[k], brain, 1).mean()
                   - 1.0) < 0.1  # fmt: skip
    # across the vault (outer table, diploe, inner table): the infiltrated marrow is brighter
    # on STIR and darker on T1 than the healthy child's
    d = np.array([0.55, 0.0, 0.84]) / np.linalg.norm([0.55, 0.0, 0.84])
    surface = c + d / np.sqrt(np.sum((d / radii) ** 2))
    vault = (surface - d * 6.0, surface - d * 0.5)
    assert profile(sick.series[0], *vault).max() > 1.2 * profile(well.series[0], *vault).max()
    assert profile(sick.series[1], *vault).max() < 0.9 * profile(well.series[1], *vault).max()


def test_the_falx_stays_inside_the_skull():
    st = study([], ("cor_stir_wb",), age=9)
    skull = st.body.sites["skull.vault"].outer[0]
    c, r = np.asarray(skull.c), np.asarray(skull.radii)
    for y in (0.0, -0.5 * r[1]):  # a central and an anterior coronal plane
        a = c + np.array([0.0, y, 0.0])
        top = r[2] * np.sqrt(1 - (y / r[1]) ** 2)
        # from the outer table up through the scalp: the midline (where the falx is) looks like
        # the scalp 10 mm beside it, with no bright CSF line rising through the vault
        up = np.array([[0.0, 0.0, top - 1.0], [0.0, 0.0, top + 8.0]])
        beside = np.array([10.0, 0.0, -0.5])
        mid = profile(st.series[0], a + up[0], a + up[1])
        side = profile(st.series[0], a + up[0] + beside, a + up[1] + beside)
        assert mid.max() < 1.4 * side.max() + 40


def test_lch_skull_lesion_is_punched_out_of_the_whole_vault():
    les = {"id": "v", "site_id": "skull.vault", "kind": "lch", "size_mm": 20, "intensity": 0.85}
    sick = study([les], ("cor_stir_wb",), age=3)
    well = study([], ("cor_stir_wb",), age=3)
    skull = sick.body.sites["skull.vault"].outer[0]
    d = np.array([0.55, 0.0, 0.84]) / np.linalg.norm([0.55, 0.0, 0.84])
    reach = 1.0 / np.sqrt(np.sum((d / np.asarray(skull.radii)) ** 2))
    surface = skull.c + d * reach
    vault = (surface - d * 6.0, surface - d * 0.5)  # outer table, diploe, inner table
    lesion = profile(sick.series[0], *vault)
    normal = profile(well.series[0], *vault)
    # the normal vault is dark (cortex) on STIR; the lesion fills its whole thickness
    assert normal.min() < 0.5 * lesion.min()
    assert lesion.min() > 1.8 * np.median(roi(well.series[0], surface - d * 3, 1))


def test_tarsal_foci_variant_is_drawn_but_never_annotated():
    plain = study([], ("sag_stir_feet",), age=9)
    foci = study([], ("sag_stir_feet",), age=9, variants=["tarsal-foci"])
    assert not foci.annotations
    g = foci.body.sites["calcaneus.right"]
    s_plain, s_foci = plain.series[0], foci.series[0]
    bright = (s_foci.pixels > s_plain.pixels.astype(int) + 250).sum()
    assert bright > 40
    del g


def test_no_bone_lies_outside_the_skin():
    for age, sex in ((3, "F"), (10, "M"), (16, "M")):
        body = build_body(age, sex, modifiers(()))
        for shape in body.bone_outer:
            lo, hi = shape.bounds()
            axes = [
                np.arange(a, b + 1e-6, 3.0, dtype=np.float32) for a, b in zip(lo, hi, strict=True)
            ]
            x, y, z = np.meshgrid(*axes, indexing="ij")
            inside = shape.sdf(x, y, z) < -0.5
            if not inside.any():
                continue
            px, py, pz = x[inside], y[inside], z[inside]
            skin = np.min([e.sdf(px, py, pz) for e in body.skin], axis=0)
            # bone may touch the skin (a subcutaneous bone) by under a quarter of a voxel
            assert (skin < 0.6).all(), (age, type(shape).__name__, lo, hi, float(skin.max()))


# --- lymphoma and the "other" differentials -----------------------------------------------------
def _les(kind, site, size, inten=0.85, **options):
    d = {"id": "x", "site_id": site, "kind": kind, "size_mm": size, "intensity": inten}
    if options:
        d["options"] = options
    return d


def _smooth(p, n=3):
    return np.convolve(p, np.ones(n) / n, mode="same")


def test_lymphoma_marrow_and_mass_with_the_cortex_left_standing_between_them():
    st = study([_les("lymphoma", "femur.right.diaphysis", 80)], age=15, sex="M")
    s = st.series[0]
    g = st.body.sites["femur.right.diaphysis"]
    out = np.array([-1.0, 0.0, 0.0])  # the patient's right is -x
    well = study([], age=15, sex="M").series[0]
    line = (g.center, g.center + out * (g.radius + 14.0))
    sick, normal = profile(s, *line), profile(well, *line)
    n = len(sick)
    inside, outside = sick[: n // 4].mean(), sick[-n // 4 :].mean()
    # marrow replaced and a mass outside the bone, both far brighter than the normal tissues
    assert inside > 3 * normal[: n // 4].mean() and outside > 2.5 * normal[-n // 4 :].mean()
    # unlike osteosarcoma, a dark cortical line is still there between them
    dip = sick[n // 4 : -n // 4].min()
    assert dip < 0.65 * min(inside, outside), (dip, inside, outside)


def test_neuroblastoma_deposit_is_patchy_dark_on_t1_with_normal_marrow_elsewhere():
    seqs = ("cor_stir_wb", "cor_t1_wb")
    sick = study([_les("neuroblastoma", "femur.left.distal-metaphysis", 30)], seqs, age=4)
    well = study([], seqs, age=4)
    g = sick.body.sites["femur.left.distal-metaphysis"]
    c = g.physis + (g.center - g.physis) / np.linalg.norm(g.center - g.physis) * 12.0
    stir = roi(sick.series[0], c, 1).mean() / roi(well.series[0], c, 1).mean()
    t1 = roi(sick.series[1], c, 1).mean() / roi(well.series[1], c, 1).mean()
    assert stir > 1.5 and t1 < 0.85, (stir, t1)
    far = sick.body.sites["humerus.right.diaphysis"].center  # leukaemia would darken this too
    far_t1 = roi(sick.series[1], far, 1).mean() / roi(well.series[1], far, 1).mean()
    assert abs(far_t1 - 1.0) < 0.05, far_t1
    assert any(a["lesion_id"] == "x" for a in sick.annotations)
    # patchy: a second patch further up the shaft with normal marrow (a skip area) between
    d = (g.center - g.physis) / np.linalg.norm(g.center - g.physis)
    line = (g.physis + d * 2.0, g.physis + d * 80.0)
    ratio = _smooth(profile(sick.series[0], *line) / profile(well.series[0], *line))
    patches = [r for r in runs(ratio > 1.35) if r[1] >= 4]
    assert len(patches) >= 2, (patches, np.round(ratio, 1))
    between = ratio[patches[0][0] + patches[0][1] : patches[1][0]]
    assert between.min() < 1.2, np.round(between, 2)


def test_scurvy_band_under_the_plate_and_blood_lifting_the_periosteum():
    site = "tibia.right.proximal-metaphysis"
    st = study([_les("scurvy", site, 24)], age=4, sex="M")
    well = study([], age=4, sex="M").series[0]
    s = st.series[0]
    g = st.body.sites[site]
    d = (g.center - g.physis) / np.linalg.norm(g.center - g.physis)
    band = g.physis + d * 6.3  # just under the growth plate
    assert roi(s, band, 0).mean() > 1.8 * roi(well, band, 0).mean()
    mid = g.physis + d * 12.0
    reach = g.radius + 12.0
    line = (mid, mid + np.array([-1.0, 0.0, 0.0]) * reach)
    sick, normal = profile(s, *line), profile(well, *line)
    peak = int(np.argmax(_smooth(sick)))
    at_mm = peak / (len(sick) - 1) * reach
    assert at_mm > g.radius * 0.95, (at_mm, g.radius)  # the collection lies outside the bone
    assert sick[peak] > 3 * normal[peak], (sick[peak], normal[peak])


def test_hypophosphatasia_tongues_reach_from_the_growth_plate_into_the_metaphysis():
    site = "femur.right.distal-metaphysis"
    st = study([_les("hypophosphatasia", site, 20)], age=8)
    s = st.series[0]
    g = st.body.sites[site]
    d = (g.center - g.physis) / np.linalg.norm(g.center - g.physis)
    side = np.cross(d, [0.0, 1.0, 0.0])
    side /= np.linalg.norm(side)
    c = g.physis + d * 7.0
    across = _smooth(profile(s, c - side * g.radius * 0.9, c + side * g.radius * 0.9, width=0))
    low = np.percentile(across, 20)
    bright = runs(across > low + 0.6 * (across.max() - low))
    assert len(bright) >= 3, (bright, np.round(across))  # separate tongues, not one band
    gaps = [across[a + n : b].min() for (a, n), (b, _m) in itertools.pairwise(bright)]
    assert max(gaps) < 0.85 * across.max()
    well = study([], age=8).series[0]
    assert across.max() > 2 * profile(well, c - side * 5, c + side * 5).mean()


def test_osteoid_osteoma_small_nidus_with_oedema_far_larger_than_itself():
    from cnoatlas.imaging.phantom.lesions import _perp

    site = "femur.right.diaphysis"
    nidus_mm = 8
    st = study([_les("osteoid-osteoma", site, nidus_mm)], age=13, sex="M")
    s = st.series[0]
    g = st.body.sites[site]
    along = profile(s, g.center - g.axis * 60, g.center + g.axis * 60)
    base = np.median(along[:20])
    oedema = runs(_smooth(along, 5) > base + 0.5 * (along.max() - base))
    length = max(n for _a, n in oedema) * s.pixel_spacing[0] / 2
    assert length >= 3 * nidus_mm, length
    perp = _perp(g)
    nidus = g.center + perp * g.radius * 0.85
    out = profile(s, g.center, nidus + perp * 14.0)
    k = round(len(out) * float(np.linalg.norm(nidus - g.center)) / (g.radius * 0.85 + 14.0))
    ring = out[max(0, k - 8) : k].min()  # the sclerotic cortex on the marrow side
    assert out[k - 2 : k + 3].max() > 1.4 * ring, (np.round(out), k)


def test_stress_injury_is_a_band_across_the_bone_with_a_dark_fracture_line():
    site = "tibia.left.proximal-metaphysis"
    st = study([_les("stress-injury", site, 20)], age=14)
    s = st.series[0]
    g = st.body.sites[site]
    c = g.center  # mid-metaphysis
    along = profile(s, c - g.axis * 25, c + g.axis * 25)
    mid = len(along) // 2
    line = along[mid - 3 : mid + 4].min()
    flanks = min(along[: mid - 4].max(), along[mid + 5 :].max())
    assert line < 0.6 * flanks, (line, flanks)  # the fracture line across the oedema
    side = np.cross(g.axis, [0.0, 1.0, 0.0])
    side /= np.linalg.norm(side)
    across = profile(s, c + g.axis * 4 - side * 30, c + g.axis * 4 + side * 30)
    base = min(along[:6].mean(), along[-6:].mean())
    wide = max(n for _a, n in runs(across > base + 0.5 * (across.max() - base)))
    tall = sum(n for _a, n in runs(along > base + 0.5 * (along.max() - base)))
    assert wide > 1.4 * tall, (wide, tall)  # wider across the bone than along it


def test_fibrous_dysplasia_expands_the_bone_inside_a_thin_dark_shell():
    site = "femur.left.diaphysis"
    seqs = ("cor_stir_wb", "cor_t1_wb")
    sick = study([_les("fibrous-dysplasia", site, 60, 0.7)], seqs, age=11)
    well = study([], seqs, age=11)
    g = sick.body.sites[site]
    side = np.array([1.0, 0.0, 0.0])
    reach = g.radius + 8.0
    stir = _smooth(profile(sick.series[0], g.center - side * reach, g.center + side * reach))
    normal = np.median(profile(well.series[0], g.center - side * 4, g.center + side * 4))
    mid = len(stir) // 2
    bright = stir > 2 * normal
    assert bright[mid]
    lo, hi = mid, mid
    while lo > 0 and bright[lo - 1]:
        lo -= 1
    while hi < len(stir) - 1 and bright[hi + 1]:
        hi += 1
    assert lo > 0 and hi < len(stir) - 1, "the lesion has no edge within the profile"
    width = (hi - lo + 1) * sick.series[0].pixel_spacing[1] / 2
    # the lesion reaches beyond where the normal cortex is: the bone is expanded
    assert width >= 1.1 * 2 * g.radius, (width, 2 * g.radius)
    # a dark shell still bounds it on both sides
    assert stir[max(0, lo - 6) : lo].min() < 0.6 * stir[lo : hi + 1].mean()
    assert stir[hi + 1 : hi + 7].min() < 0.6 * stir[lo : hi + 1].mean()
    # fibrous tissue, not fatty marrow, inside: lower on T1
    t1_sick, t1_well = sick.series[1], well.series[1]
    assert roi(t1_sick, g.center, 1).mean() < 0.85 * roi(t1_well, g.center, 1).mean()
@pytest.fixture(scope="module")
def normal_spine():
    return study([], ("sag_stir_spine",), age=11)


def test_posterior_elements_lie_behind_the_canal_on_the_midline_slice(normal_spine):
    """Midline sagittal STIR, L1-L4: going back from the centre of the body, the bright
    thecal sac, then a run of marrow signal (lamina and spinous process) clearly brighter
    than the back muscles behind its tip, as long as a good part of the process."""
    s, body = normal_spine.series[0], normal_spine.body
    step = s.pixel_spacing[1] / 2
    for n in ("l1", "l2", "l3", "l4"):
        c = body.sites[f"vertebra.{n}.body"].center
        arch = body.sites[f"vertebra.{n}.posterior-elements"]
        tip_y = float(arch.hi[1])
        start = np.array([0.0, c[1], c[2]])
        prof = profile(s, start, np.array([0.0, tip_y + 16.0, c[2]]))
        y = c[1] + np.arange(len(prof)) * (tip_y + 16.0 - c[1]) / (len(prof) - 1)
        muscle = float(np.median(prof[y > tip_y + 5.0]))
        csf = runs(prof > 0.45 * FULL_VALUE)
        assert csf, (n, prof.round())
        csf_end = csf[0][0] + csf[0][1]
        behind = prof[csf_end:]
        bone = max((length for _s, length in runs(behind > 1.3 * muscle)), default=0) * step
        assert bone >= 8.0, (n, bone, muscle, prof.round())
        assert y[csf_end] < tip_y - 8.0  # the canal lies in front of the process, not behind


@pytest.fixture(scope="module")
def normal_pelvis():
    return study([], ("cor_stir_wb", "cor_t1_wb"), age=11, sex="M")


def _line(series, a, b, n=40) -> np.ndarray:
    """Stored values at n points from a to b, each on its nearest slice (a line that crosses
    slices, e.g. along a femoral neck)."""
    return np.array([series.pixels[index(series, a + t * (b - a))] for t in np.linspace(0, 1, n)],
                    dtype=float)  # fmt: skip


def test_femoral_neck_is_bone_all_the_way_from_the_head_to_the_shaft(normal_pelvis):
    """Coronal T1: from the centre of the femoral head along the neck to the intertrochanteric
    region every sample reads as marrow or the thin growth plate, never as the muscle or fat of
    a gap; the trochanter lies lateral to the neck."""
    t1 = next(s for s in normal_pelvis.series if s.key == "cor_t1_wb")
    body = normal_pelvis.body
    for side in ("left", "right"):
        neck = body.sites[f"femur.{side}.proximal-metaphysis"]
        inter = body.sites[f"femur.{side}.intertrochanteric"]
        troch = body.sites[f"femur.{side}.greater-trochanter"]
        thigh = body.sites[f"femur.{side}.diaphysis"].center
        muscle = float(np.median(roi(t1, thigh + np.array([0, -0.03, 0]) * body.height, 2)))
        line = _line(t1, neck.joint, inter.center)
        assert (line > 1.25 * muscle).mean() >= 0.85, (side, muscle, line.round())
        assert max((n for _s, n in runs(line < 1.05 * muscle)), default=0) <= 2, line.round()
        sign = 1 if side == "left" else -1
        assert sign * (troch.center[0] - neck.center[0]) > 0


def test_sacral_foramina_are_dark_gaps_between_the_bodies_and_the_alae(normal_pelvis):
    """Coronal STIR through each anterior sacral foramen: across the sacrum the signal dips
    (fat round a nerve root, suppressed) between the marrow of the body and of the ala."""
    stir = next(s for s in normal_pelvis.series if s.key == "cor_stir_wb")
    pts = normal_pelvis.body.points
    seen = 0
    for key, p in pts.items():
        if not key.startswith("sacral-foramen.s") or key[16] not in "12":
            continue
        centre = np.array([0.0, p[1], p[2]])
        across = profile(stir, centre, p + (p - centre) * 0.9, width=0)
        body_marrow = float(np.median(across[: len(across) // 4]))
        ala = float(np.median(across[-len(across) // 6 :]))
        gap = float(across[len(across) // 3 : 2 * len(across) // 3].min())
        assert gap < 0.6 * min(body_marrow, ala), (key, body_marrow, gap, ala, across.round())
        seen += 1
    assert seen == 4


def test_iliac_wings_are_broad_plates_on_the_coronal_slice_through_the_sacroiliac_joints(
    normal_pelvis,
):
    """Coronal T1 through each sacroiliac joint: the bone connected to the ilium just lateral
    of the joint (marrow brighter than muscle) is a broad plate seen en face, not an edge-on
    stick: rows at least 35 mm wide over more than 40 mm from foot to head, and bone reaching
    more than 45 mm lateral of the joint (the edge-on wing of generator 17 gave no row 35 mm
    wide and a reach of 34 mm)."""
    t1 = next(s for s in normal_pelvis.series if s.key == "cor_t1_wb")
    body = normal_pelvis.body
    g = t1.grid
    xs, zs = g.coords[g.world_axis.index(0)], g.coords[g.world_axis.index(2)]
    thigh = body.sites["femur.left.diaphysis"].center
    muscle = float(np.median(roi(t1, thigh + np.array([0, -0.03, 0]) * body.height, 2)))
    dz = abs(float(zs[1] - zs[0]))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        sij = body.sites[f"sacroiliac-joint.{side}"].center
        k, r0, _ = index(t1, sij)
        lat = sign * (xs - sij[0])  # mm lateral of the joint
        rows = (zs > sij[2] - 60) & (zs < sij[2] + 120)
        box = rows[:, None] & ((lat > 3) & (lat < 60))[None, :]
        bone = (t1.pixels[k].astype(float) > 1.25 * muscle) & box
        c0 = int(np.argmin(np.abs(lat - 12)))
        assert bone[r0, c0], (side, "no marrow just lateral of the joint")
        wing = np.zeros_like(bone)
        stack = [(r0, c0)]
        while stack:  # the 4-connected bone region grown from that pixel
            i, j = stack.pop()
            if 0 <= i < bone.shape[0] and 0 <= j < bone.shape[1] and bone[i, j] and not wing[i, j]:
                wing[i, j] = True
                stack += [(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)]
        width = wing.sum(axis=1) * t1.pixel_spacing[1]
        assert (width >= 35).sum() * dz > 40, (side, width.max())
        assert lat[wing.any(axis=0)].max() > 45, side


def test_sagittal_feet_series_holds_the_whole_foot_from_heel_to_toes():
    """Every tarsal bone and metatarsal of both feet lies inside the field of view with the
    soft tissue round it (heel pad behind the calcaneus, the toes in front), on a slice whose
    pixels there are body, not suppressed air."""
    st = study([], ("sag_stir_feet",), age=9)
    s, body = st.series[0], st.body
    g = s.grid
    y_lo, y_hi = sorted((float(g.coords[2][0]), float(g.coords[2][-1])))
    z_lo, z_hi = sorted((float(g.coords[1][0]), float(g.coords[1][-1])))
    names = ["calcaneus", "talus", "navicular", "cuboid", "cuneiform-medial",
             "cuneiform-intermediate", "cuneiform-lateral"]  # fmt: skip
    names += [f"metatarsal-{r}.{part}" for r in range(1, 6) for part in ("base", "head")]
    for side in ("left", "right"):
        for name in names:
            sid = f"{name}.{side}" if "." not in name else name.replace(".", f".{side}.", 1)
            geo = body.sites[sid]
            assert y_lo + 5 < geo.lo[1] and geo.hi[1] < y_hi - 5, (sid, geo.lo, geo.hi)
            assert z_lo < geo.lo[2] and geo.hi[2] < z_hi, sid
            assert (roi(s, geo.center, 1) > 0).all(), sid  # inside the body, not cut away
        heel = body.sites[f"calcaneus.{side}"].hi[1]
        toes = body.sites[f"phalanges-foot.{side}"].lo[1]
        assert heel + 8 < y_hi and toes - 4 > y_lo
