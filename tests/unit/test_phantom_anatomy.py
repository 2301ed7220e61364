"""The ilium's landmarks and the face, measured in the generated pixels (not in the model).

Marrow is told from fat and fluid with two sequences at once: brighter than muscle on T1 (fluid
and cortex are dark there) and on STIR (fat is dark there), then eroded by one pixel so that
noise specks and partial-volume rims never count as bone.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.test_phantom_signs import index, profile, roi, runs, study


def _muscle(series, body) -> float:
    thigh = body.sites["femur.left.diaphysis"].center
    return float(np.median(roi(series, thigh + np.array([0, -0.03, 0]) * body.height, 2)))


def _marrow(t1, stir, k, m_t1, m_stir) -> np.ndarray:
    bone = (t1.pixels[k] > 1.3 * m_t1) & (stir.pixels[k] > 1.5 * m_stir)
    out = bone.copy()
    for shift, axis in ((1, 0), (-1, 0), (1, 1), (-1, 1)):
        out &= np.roll(bone, shift, axis=axis)
    return out


@pytest.fixture(scope="module")
def pelvis():
    st = study([], ("ax_t1_pelvis", "ax_stir_pelvis", "cor_t1_wb", "cor_stir_wb"), age=11, sex="M")
    series = {s.key: s for s in st.series}
    m_t1, m_stir = _muscle(series["cor_t1_wb"], st.body), _muscle(series["cor_stir_wb"], st.body)
    return st.body, series, m_t1, m_stir


def _axial_profile(pelvis, side, x_lo, x_hi, front):
    """Per axial slice (z, mm): the most anterior (front) or most posterior marrow pixel's y
    within the lateral band x_lo..x_hi mm of the midline on that side; None without marrow."""
    _body, series, m_t1, m_stir = pelvis
    t1, stir = series["ax_t1_pelvis"], series["ax_stir_pelvis"]
    zs, ys, xs = t1.grid.coords
    sign = 1.0 if side == "left" else -1.0
    band = (sign * xs > x_lo) & (sign * xs < x_hi)
    out = {}
    for k, z in enumerate(zs):
        rows = np.where(_marrow(t1, stir, k, m_t1, m_stir)[:, band].any(axis=1))[0]
        out[float(z)] = None if not len(rows) else float(ys[rows.min() if front else rows.max()])
    return out


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_anterior_superior_iliac_spine_stands_in_front_of_and_lateral_to_the_hip(pelvis, side):
    """Axial T1+STIR: lateral of the hip centre, the front of the bone at the level of the ASIS
    lies well in front of the front of the acetabulum and femoral head at the level of the hip
    centre (generator 19 had no bone in front of the acetabulum above it); on the coronal slice
    through the ASIS, marrow reaches more than 15 mm lateral of the hip centre."""
    body, series, m_t1, m_stir = pelvis
    hip = body.sites[f"femur.{side}.proximal-epiphysis"].center
    asis = body.points[f"asis.{side}"]
    x_hip = abs(float(hip[0]))
    front = _axial_profile(pelvis, side, x_hip, x_hip + 45.0, front=True)
    zs = np.array(list(front))
    at_hip = front[float(zs[np.argmin(np.abs(zs - hip[2]))])]
    near = [front[z] for z in zs if abs(z - asis[2]) <= 8.0 and front[z] is not None]
    assert at_hip is not None and near, (at_hip, near)
    assert min(near) < at_hip - 12.0, (side, min(near), at_hip)
    # coronal: the spine is bone on an anterior slice, lateral of the hip
    t1, stir = series["cor_t1_wb"], series["cor_stir_wb"]
    k, r, _c = index(t1, asis)
    xs = t1.grid.coords[2]
    sign = 1.0 if side == "left" else -1.0
    row = _marrow(t1, stir, k, m_t1, m_stir)[r - 2 : r + 3].any(axis=0)
    inside = row & (sign * xs > 0) & (sign * xs < 0.09 * body.height)  # not the forearm
    assert inside.any(), side
    assert float(np.max(sign * xs[inside])) > x_hip + 15.0, (side, xs[inside])


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_greater_sciatic_notch_is_a_concavity_of_the_posterior_ilium(pelvis, side):
    """Axial T1+STIR, a band just lateral of the sacrum: the back of the bone, slice by slice
    from the ischial spine up to the posterior inferior iliac spine, comes forwards into the
    notch by more than 25 mm against the PIIS above it and more than 8 mm against the spine
    below it, over a notch at least 12 mm high."""
    body, *_ = pelvis
    h = body.height
    piis, spine = body.points[f"piis.{side}"], body.points[f"ischial-spine.{side}"]
    back = _axial_profile(pelvis, side, 0.042 * h, 0.06 * h, front=False)
    span = {z: y for z, y in back.items() if spine[2] - 8 <= z <= piis[2] + 12 and y is not None}
    zs = np.array(sorted(span))
    ys = np.array([span[z] for z in zs])
    apex = int(np.argmin(ys))
    above, below = ys[apex + 1 :], ys[:apex]
    assert len(above) and len(below), (side, dict(zip(zs, ys, strict=True)))
    assert above.max() - ys[apex] > 25.0, (side, dict(zip(zs, ys, strict=True)))
    assert below.max() - ys[apex] > 8.0, (side, dict(zip(zs, ys, strict=True)))
    # the notch is a curve, not a one-slice gap: more than 12 mm from foot to head lie
    # more than 15 mm in front of the PIIS
    step = float(zs[1] - zs[0])
    assert max(n for _s, n in runs(ys < above.max() - 15.0)) * step > 12.0, (side, ys)


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_posterior_superior_iliac_spine_lies_behind_the_sacroiliac_joint(pelvis, side):
    """Axial T1+STIR at the level of the PSIS: marrow in the band between the midline and the
    joint reaches more than 20 mm behind the centre of the sacroiliac joint."""
    body, *_ = pelvis
    h = body.height
    psis = body.points[f"psis.{side}"]
    sij = body.sites[f"sacroiliac-joint.{side}"].center
    back = _axial_profile(pelvis, side, 0.02 * h, 0.045 * h, front=False)
    zs = np.array(list(back))
    near = [back[z] for z in zs if abs(z - psis[2]) <= 6.0 and back[z] is not None]
    assert near and max(near) > sij[1] + 20.0, (side, near, sij)


@pytest.fixture(scope="module")
def face():
    st = study([], ("cor_stir_wb", "cor_t1_wb"), age=11, sex="M")
    stir, t1 = st.series
    return st.body, stir, t1


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_globes_are_bright_on_stir_and_dark_on_t1_with_a_dark_lens_in_front(face, sign):
    """Coronal STIR and T1: the vitreous is more than ten times the orbital fat behind the globe
    on STIR and under a third of it on T1; the lens, on the slice through the front of the
    globe, is under half the vitreous on STIR (generator 19 had no lens)."""
    body, stir, t1 = face
    h, hh = body.height, body.landmarks["head_h"]
    eye = np.array([sign * 0.12 * hh, -0.34 * hh, h - 0.52 * hh])
    lens = eye + np.array([0.0, -0.033 * hh, 0.0])
    fat = eye + np.array([0.0, 0.075 * hh, 0.03 * hh])  # behind and above the globe
    vitreous = roi(stir, eye, 1).mean()
    assert vitreous > 10 * roi(stir, fat, 1).mean(), (vitreous, roi(stir, fat, 1).mean())
    assert roi(t1, eye, 1).mean() < roi(t1, fat, 1).mean() / 3
    assert roi(stir, lens, 0).mean() < 0.5 * vitreous


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_mandibular_body_is_a_tall_plate_of_marrow_inside_dark_cortex(face, sign):
    """Coronal T1 through the body of the mandible between the canine and the angle: marrow
    (brighter than muscle) runs more than 1.5 times as far from foot to head as across (a plate,
    not the round rod of generator 19), and across it the cortex on both sides is darker than
    muscle."""
    body, _stir, t1 = face
    h, hh = body.height, body.landmarks["head_h"]
    muscle = _muscle(t1, body)
    y = -0.15 * hh
    x = sign * (0.115 + 0.045 * (y / hh + 0.19) / 0.08) * hh  # on the arch of the body
    zc = h - 0.86 * hh

    step = t1.pixel_spacing[0] / 2
    up = profile(t1, np.array([x, y, zc - 0.09 * hh]), np.array([x, y, zc + 0.09 * hh]), width=0)
    across = profile(
        t1, np.array([x - 0.07 * hh, y, zc]), np.array([x + 0.07 * hh, y, zc]), width=0
    )
    tall = max(n for _s, n in runs(up > 1.3 * muscle)) * step
    mid = len(across) / 2  # the run of marrow round the arch (not the fat under the skin)
    start, n = min(runs(across > 1.3 * muscle), key=lambda r: abs(r[0] + r[1] / 2 - mid))
    wide = n * step
    assert tall > 1.5 * wide and wide >= 4.0, (tall, wide, up.round(), across.round())
    reach = int(4.0 / step)
    left, right = across[max(start - reach, 0) : start], across[start + n : start + n + reach]
    assert left.min() < 0.85 * muscle and right.min() < 0.85 * muscle, across.round()
