"""The one typographic scale and the screen's default interface scale (pure rules)."""

import pytest

from cnoatlas.ui.common import typography as ty


@pytest.mark.parametrize(
    ("width", "height", "dpr", "mm", "expected"),
    [
        (1366, 768, 1.0, 194.0, 1.0),  # a 15.6-inch laptop
        (1366, 768, 1.0, None, 1.0),
        (1920, 1080, 1.0, 300.0, 1.0),  # a 24-inch desktop monitor
        (2560, 1440, 1.0, 336.0, 1.25),  # a 27-inch monitor: larger than 1.0
        (3840, 2160, 1.0, None, 2.0),  # a 4K projector: the system does not scale it
        (3840, 2160, 2.0, 336.0, 1.0),  # 4K the system already doubles: logical 1920x1080
        (2560, 1600, 1.0, 180.0, 2.0),  # a 13-inch high-density laptop at ratio 1
        (7680, 4320, 1.0, None, 3.0),  # never above the maximum
        (1024, 600, 1.0, 0.0, 1.0),  # never below 1, physical size 0 ignored
        (1080, 1920, 1.0, None, 1.0),  # portrait: the short side counts
    ],
)
def test_auto_scale_follows_the_screen(width, height, dpr, mm, expected):
    assert ty.auto_scale(width, height, dpr, mm) == expected


def test_auto_scale_grows_with_the_screen_and_stays_on_quarter_steps():
    previous = 0.0
    for height in range(600, 4400, 40):
        value = ty.auto_scale(height * 16 // 9, height)
        assert value >= previous
        assert ty.MIN_SCALE <= value <= ty.MAX_SCALE
        assert (value / 0.25).is_integer()
        previous = value


def test_unbelievable_physical_sizes_are_ignored():
    # A projector reporting 1 mm, or 5 m, must not blow the scale up or down.
    assert ty.auto_scale(1920, 1080, 1.0, 1.0) == 1.0
    assert ty.auto_scale(1920, 1080, 1.0, 5000.0) == 1.0
    assert ty.auto_scale(1920, 1080, 0.0, None) == 1.0  # a ratio of 0 reads as 1


def test_roles_keep_their_order_at_every_scale():
    for scale in (1.0, 1.5, 2.0, 3.0):
        sizes = [ty.role_points(r, scale) for r in ("title", "heading", "body", "caption")]
        assert sizes == sorted(sizes, reverse=True)
        assert len(set(sizes)) == 4
        assert ty.role_points("body", scale) == pytest.approx(ty.BASE_POINT_SIZE * scale)
        # Headings grow with body text (the issue: "Findings" stayed tiny at 2.0).
        assert ty.role_points("heading", scale) / ty.role_points("body", scale) == pytest.approx(
            ty.ROLE_FACTORS["heading"]
        )


def test_aliases_and_clamping():
    assert ty.role_points("section", 2.0) == ty.role_points("heading", 2.0)
    assert ty.role_points("lead", 1.0) == ty.role_points("body", 1.0)
    assert ty.role_points("body", 9.0) == ty.role_points("body", ty.MAX_SCALE)
    assert ty.clamp_scale("nonsense") == ty.MIN_SCALE
    assert ty.clamp_scale(float("nan")) == ty.MIN_SCALE


def test_style_sheet_rules_name_every_role_with_its_size():
    css = ty.typography_css(2.0)
    for role in (*ty.ROLES, *ty.ALIASES):
        assert f'*[role="{role}"] {{ font-size: {ty.role_points(role, 2.0):.1f}pt;' in css
