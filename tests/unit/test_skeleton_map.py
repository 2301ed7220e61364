"""The skeleton drawings: one shape per site and one site per shape, parsed without Qt."""

from __future__ import annotations

import importlib.util
import itertools
import math

import pytest

from cnoatlas import paths
from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.sites import site_model
from cnoatlas.domain.skeleton_map import (
    expected_sites,
    load_skeleton_map,
    parse_path_data,
    skeleton_map,
)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 200">{}</svg>'


def write_svg(tmp_path, body: str, name: str = "map.svg"):
    path = tmp_path / name
    path.write_text(SVG.format(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("view", ["front", "spine-lateral", "foot-lateral"])
def test_every_site_has_exactly_one_shape_and_every_shape_is_a_site(view):
    drawing = skeleton_map(view)
    expected = expected_sites(view, site_model().sites)
    assert drawing.problems(expected) == []
    assert set(drawing.shapes) == expected
    raw = (paths.assets_dir() / "skeleton" / f"{view}.svg").read_text(encoding="utf-8")
    for sid in expected:  # exactly once in the file, not merely once after parsing
        assert raw.count(f'id="{sid}"') == 1, sid


def test_lateral_view_holds_the_vertebrae_sacrum_and_coccyx():
    drawing = skeleton_map("spine-lateral")
    assert len(drawing.shapes) == 50
    assert {s for s in drawing.shapes if not s.startswith("vertebra.")} == {"sacrum", "coccyx"}


def _centre(shape):
    left, top, right, bottom = shape.bounds
    return (left + right) / 2, (top + bottom) / 2


def test_lateral_spine_has_its_sagittal_curves():
    """Anterior is on the left: the cervical and lumbar lordoses bring C5 and L3 forward (smaller
    x), the thoracic kyphosis takes T7 back, and the sacrum runs down and back below L5."""
    drawing = skeleton_map("spine-lateral")
    x = {lv: _centre(drawing.shapes[f"vertebra.{lv}.body"])[0] for lv in ("c5", "t7", "l3")}
    sacrum = drawing.shapes["sacrum"]
    _, s_top, _, s_bottom = sacrum.bounds
    # S1: the top of the sacrum (its first ~15 mm), the points on its outline there.
    s1 = [p for seg in sacrum.segments for p in seg.points if p[1] < s_top + 15]
    x["s1"] = sum(p[0] for p in s1) / len(s1)
    assert x["t7"] - x["c5"] > 8  # cervical lordosis then thoracic kyphosis
    assert x["t7"] - x["l3"] > 5  # kyphosis then lumbar lordosis
    assert x["s1"] - x["l3"] > 5  # the lumbosacral junction turns back again
    # Between the apices the spine is not straight: T7 lies behind the line from C5 to L3.
    y = {lv: _centre(drawing.shapes[f"vertebra.{lv}.body"])[1] for lv in ("c5", "t7", "l3")}
    on_line = x["c5"] + (x["l3"] - x["c5"]) * (y["t7"] - y["c5"]) / (y["l3"] - y["c5"])
    assert x["t7"] - on_line > 8

    # Each level is turned to the curve, its endplates (a body's long axis) square to the axis:
    # where the axis runs down and back (L5, into the sacrum) the endplate rises towards the back,
    # where it runs down and forward (T12) it rises towards the front, at T7's apex it is level.
    def tilt(level):
        shape = drawing.shapes[f"vertebra.{level}.body"]
        pts = [p for seg in shape.segments for p in seg.points]
        mx = sum(p[0] for p in pts) / len(pts)
        my = sum(p[1] for p in pts) / len(pts)
        cxx = sum((p[0] - mx) ** 2 for p in pts)
        cyy = sum((p[1] - my) ** 2 for p in pts)
        cxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
        return math.degrees(0.5 * math.atan2(2 * cxy, cxx - cyy))  # < 0: the back end higher

    assert tilt("l5") < -12 and tilt("t12") > 8 and abs(tilt("t7")) < 8

    # The sacrum lies below L5 and behind it, one bone ending above the coccyx.
    l5 = drawing.shapes["vertebra.l5.body"].bounds
    assert s_top > l5[1] and s_bottom > l5[3] + 30
    assert _centre(sacrum)[0] > _centre(drawing.shapes["vertebra.l5.body"])[0]
    coccyx = drawing.shapes["coccyx"]
    assert coccyx.subpath_count == 4 and coccyx.bounds[1] > s_top + 40


def test_shapes_lie_inside_the_view_box():
    for view in ("front", "spine-lateral", "foot-lateral"):
        drawing = skeleton_map(view)
        x, y, w, h = drawing.view_box
        for sid, shape in drawing.shapes.items():
            left, top, right, bottom = shape.bounds
            assert x <= left and right <= x + w and y <= top and bottom <= y + h, sid


def test_radiological_convention_puts_the_patients_right_on_the_left():
    drawing = skeleton_map("front")
    midline = drawing.view_box[0] + drawing.view_box[2] / 2
    model = site_model()
    for sid, shape in drawing.shapes.items():
        left, _, right, _ = shape.bounds
        side = model.get(sid).side
        if side == "right":
            assert right < midline + 1, sid
        elif side == "left":
            assert left > midline - 1, sid


def test_anatomical_order_head_to_foot():
    drawing = skeleton_map("front")

    def middle_y(sid):
        _, top, _, bottom = drawing.shapes[sid].bounds
        return (top + bottom) / 2

    chain = [
        "skull.vault",
        "mandible.left",
        "vertebra.c4.body",
        "vertebra.t7.body",
        "vertebra.l3.body",
        "sacrum",
        "femur.left.proximal-epiphysis",
        "femur.left.diaphysis",
        "femur.left.distal-epiphysis",
        "tibia.left.proximal-epiphysis",
        "tibia.left.proximal-metaphysis",
        "tibia.left.distal-epiphysis",
        "talus.left",
        "metatarsal-1.left.shaft",
        "phalanges-foot.left",
    ]
    ys = [middle_y(s) for s in chain]
    assert ys == sorted(ys)
    # The vertebral bodies stacked without overlap (C2 upwards: the dens rises into C1's ring).
    levels = [s for s in site_model().sites if s.endswith(".body") and s.startswith("vertebra.")]
    assert len(levels) == 24
    levels = levels[1:]
    tops = [drawing.shapes[s].bounds for s in levels]
    for upper, lower in itertools.pairwise(tops):
        assert upper[3] <= lower[1] + 0.01


def test_growth_plates_are_gaps():
    """Epiphysis and metaphysis of a long bone do not touch: a physeal gap lies between."""
    drawing = skeleton_map("front")
    for bone in ("femur.left.distal", "tibia.left.proximal", "tibia.right.distal"):
        epi = drawing.shapes[f"{bone}-epiphysis"].bounds
        meta = drawing.shapes[f"{bone}-metaphysis"].bounds
        if bone.endswith("distal"):
            assert meta[3] < epi[1], bone
        else:
            assert epi[3] < meta[1], bone


def test_lateral_foot_has_the_calcaneus_under_the_talus():
    """The right foot from the side, toes to the left: the calcaneus under the talus (not beside
    it), the tibia on the talus, then forwards navicular, cuneiforms, metatarsals and toes."""
    drawing = skeleton_map("foot-lateral")
    assert all(sid.endswith(".right") or ".right." in sid for sid in drawing.shapes)
    box = {sid: shape.bounds for sid, shape in drawing.shapes.items()}
    centre = {sid: _centre(shape) for sid, shape in drawing.shapes.items()}
    talus, calcaneus = box["talus.right"], box["calcaneus.right"]
    assert centre["calcaneus.right"][1] > talus[3] - 2  # below the talus's lowest point
    overlap = min(talus[2], calcaneus[2]) - max(talus[0], calcaneus[0])
    assert overlap > 0.6 * (talus[2] - talus[0])  # under it, not beside it
    assert box["tibia.right.distal-epiphysis"][3] < centre["talus.right"][1]
    forward = [
        "calcaneus.right",
        "talus.right",
        "navicular.right",
        "cuneiform-intermediate.right",
        "metatarsal-2.right.shaft",
        "phalanges-foot.right",
    ]
    xs = [centre[s][0] for s in forward]
    assert xs == sorted(xs, reverse=True), xs
    assert centre["cuboid.right"][0] < centre["calcaneus.right"][0]
    assert box["calcaneus.right"][3] > box["talus.right"][3] + 20  # the heel reaches the ground


def test_long_bones_in_proportion():
    """Femur longer than tibia by about the child's ratio (tibia/femur 0.79, child-skeleton.md
    2b), and its shaft visibly stouter than the tibia's across its middle."""
    drawing = skeleton_map("front")

    def span(prefix):
        boxes = [s.bounds for sid, s in drawing.shapes.items() if sid.startswith(prefix)]
        return min(b[1] for b in boxes), max(b[3] for b in boxes)

    femur, tibia = span("femur.left."), span("tibia.left.")
    ratio = (tibia[1] - tibia[0]) / (femur[1] - femur[0])
    assert 0.72 < ratio < 0.86, ratio

    def mid_width(sid):
        shape = drawing.shapes[sid]
        _, top, _, bottom = shape.bounds
        y = (top + bottom) / 2
        xs = [p[0] for seg in shape.segments for p in seg.points if abs(p[1] - y) < 8]
        return max(xs) - min(xs)

    assert mid_width("femur.left.diaphysis") > 1.25 * mid_width("tibia.left.diaphysis")


def test_generator_output_is_committed():
    spec = importlib.util.spec_from_file_location(
        "build_skeleton", paths.PROJECT_ROOT / "tools" / "build_skeleton.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = paths.PROJECT_ROOT / "assets" / "skeleton"
    assert module.build_front().text() == (folder / "front.svg").read_text("utf-8")
    assert module.build_lateral().text() == (folder / "spine-lateral.svg").read_text("utf-8")
    assert module.build_foot_lateral().text() == (folder / "foot-lateral.svg").read_text("utf-8")


# --- the parser ------------------------------------------------------------------------------
def test_parse_path_data_commands():
    segs = parse_path_data("M 1 2 L 3 4 Q 5 6 7 8 C 9 10 11 12 13 14 Z M 0 0 10 0 10 10 Z")
    assert [s.op for s in segs] == ["M", "L", "Q", "C", "Z", "M", "L", "L", "Z"]
    assert segs[3].points == ((9, 10), (11, 12), (13, 14))
    assert parse_path_data("M-1.5-2e1L.5,3")[0].points == ((-1.5, -20.0),)


@pytest.mark.parametrize(
    ("d", "problem"),
    [
        ("M 0 0 l 1 1", "'l' is not supported"),
        ("M 0 0 A 1 1 0 0 0 5 5", "'A' is not supported"),
        ("L 1 1", "'L' before any M"),
        ("M 0 0 C 1 1 2 2", "'C' needs 6 numbers"),
        ("", "empty"),
        ("Z", "Z before any M"),
    ],
)
def test_parse_path_data_refuses(d, problem):
    with pytest.raises(DataFileError, match=problem):
        parse_path_data(d, "x.svg", "path#a")


def test_load_small_map(tmp_path):
    path = write_svg(
        tmp_path,
        '<path class="decor" d="M 0 0 L 1 1"/><path id="a.b" d="M 1 1 L 5 1 L 5 9 Z"/>'
        '<path id="c" fill-rule="evenodd" d="M 0 0 L 9 0 L 9 9 Z M 2 2 L 3 2 L 3 3 Z"/>',
    )
    drawing = load_skeleton_map(path)
    assert list(drawing.shapes) == ["a.b", "c"]
    assert drawing.shapes["a.b"].bounds == (1, 1, 5, 9)
    assert drawing.shapes["c"].evenodd and drawing.shapes["c"].subpath_count == 2
    assert len(drawing.decor) == 1
    assert drawing.view_box == (0, 0, 100, 200)
    assert drawing.problems({"a.b", "d"}) == [
        "site 'd' has no shape",
        "shape 'c' is not an expected site",
    ]


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ('<path id="a" d="M 0 0 L 1 1"/><path id="a" d="M 0 0 L 2 2"/>', "path#a", "more than"),
        ('<path d="M 0 0 L 1 1"/>', "path[1]", 'class="decor"'),
        ('<path id="a" class="decor" d="M 0 0 L 1 1"/>', "path#a", "must not carry"),
        ('<path id="a" d="M 0 0 h 5"/>', "path#a", "'h' is not supported"),
    ],
)
def test_bad_maps_are_named(tmp_path, body, field, problem):
    path = write_svg(tmp_path, body)
    with pytest.raises(DataFileError) as caught:
        load_skeleton_map(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_missing_or_broken_files(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        load_skeleton_map(tmp_path / "none.svg")
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg><path></svg>")
    with pytest.raises(DataFileError, match="not valid XML"):
        load_skeleton_map(broken)
    nobox = tmp_path / "nobox.svg"
    nobox.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path id="a" d="M 0 0 Z"/></svg>')
    with pytest.raises(DataFileError, match="viewBox"):
        load_skeleton_map(nobox)


@pytest.mark.parametrize("view", ["front", "spine-lateral"])
def test_the_shipped_drawing_cache_matches_its_svg(view):
    """tools/build_skeleton_cache.py was run after the last edit of the SVG."""
    from cnoatlas.domain.skeleton_map import VIEWS, cache_path, load_drawing_cache

    svg = paths.assets_dir() / "skeleton" / VIEWS[view]
    assert cache_path(svg).is_file(), "run tools/build_skeleton_cache.py"
    cached = load_drawing_cache(svg, view)
    assert cached is not None, "the cache is stale: run tools/build_skeleton_cache.py"
    assert cached == load_skeleton_map(svg, view)  # every shape, segment and point, exactly


def test_a_stale_or_damaged_cache_is_ignored(tmp_path):
    import json

    from cnoatlas.domain.skeleton_map import cache_path, drawing_cache, load_drawing_cache

    svg = write_svg(tmp_path, '<path id="a" d="M 0 0 L 10 0 Q 10 10 0 10 Z"/>')
    drawing = load_skeleton_map(svg)
    cache = cache_path(svg)
    cache.write_text(json.dumps(drawing_cache(drawing, svg.read_bytes())), encoding="utf-8")
    assert load_drawing_cache(svg) == drawing
    svg.write_text(svg.read_text(encoding="utf-8").replace("L 10 0", "L 12 0"), encoding="utf-8")
    assert load_drawing_cache(svg) is None  # made from another version of the SVG
    cache.write_text("{not json", encoding="utf-8")
    assert load_drawing_cache(svg) is None


@pytest.mark.parametrize("view", ["front", "spine-lateral", "foot-lateral"])
def test_flat_shapes_give_back_the_parsed_segments(view):
    """A shape read from the cache is kept flat (ops + coordinates); its segments, made on first
    use, are the ones the SVG parser makes, and so are its bounds."""
    from cnoatlas.domain.skeleton_map import VIEWS, Shape, load_drawing_cache

    svg = paths.assets_dir() / "skeleton" / VIEWS[view]
    parsed = load_skeleton_map(svg, view)
    cached = load_drawing_cache(svg, view)
    for sid, shape in parsed.shapes.items():
        flat = cached.shapes[sid]
        assert flat.segments == shape.segments, sid
        assert flat.bounds == shape.bounds and flat.subpath_count == shape.subpath_count
        again = Shape.from_segments(sid, shape.segments, shape.evenodd, shape.classes)
        assert again == flat and len(flat.ops) == len(shape.segments)


def test_a_cache_whose_points_do_not_fit_its_commands_is_ignored(tmp_path):
    import json

    from cnoatlas.domain.skeleton_map import cache_path, drawing_cache, load_drawing_cache

    svg = tmp_path / "mini.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<path id="a" d="M 0 0 L 5 5 C 1 1 2 2 3 3 Z"/></svg>',
        encoding="utf-8",
    )
    data = drawing_cache(load_skeleton_map(svg), svg.read_bytes())
    assert data["shapes"][0]["ops"] == "MLCZ"
    for ops in ("MLCCZ", "MLZ", "MLXZ"):
        data["shapes"][0]["ops"] = ops
        cache_path(svg).write_text(json.dumps(data), encoding="utf-8")
        assert load_drawing_cache(svg) is None, ops


def test_cache_anchors_are_read_only_when_every_one_is_a_point_of_a_drawn_site(tmp_path):
    import json

    from cnoatlas.domain.skeleton_map import cache_path, drawing_cache, load_drawing_cache

    svg = tmp_path / "mini.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<path id="a" d="M 0 0 L 5 0 L 5 5 Z"/></svg>',
        encoding="utf-8",
    )
    drawing = load_skeleton_map(svg)
    cache = cache_path(svg)
    cache.write_text(json.dumps(drawing_cache(drawing, svg.read_bytes(), {"a": (4.0, 1.0)})))
    assert load_drawing_cache(svg).anchors == {"a": (4.0, 1.0)}
    assert load_drawing_cache(svg) == drawing  # anchors are not part of the drawing's identity
    for bad in ({"b": [1, 1]}, {"a": [1]}, {"a": ["x", 1]}, {"a": [float("nan"), 1]}, []):
        data = drawing_cache(drawing, svg.read_bytes())
        data["anchors"] = bad
        cache.write_text(json.dumps(data), encoding="utf-8")
        loaded = load_drawing_cache(svg)
        assert loaded == drawing and loaded.anchors == {}, bad
