"""Interaction, offscreen: viewer repaints with annotations shown, map hover, overlay switch.

Every timed step ends with ``grab()``, a synchronous paint of the whole widget into a pixmap, so
the figure includes the paint the screen would get, not just the scheduling of one.
"""

from __future__ import annotations

from cnoatlas.bench.core import Context, Figure, median, percentile, repeat


def _annotations(series) -> list:
    """A finding on every slice: an ellipse with its label and an arrow pointing at it."""
    from cnoatlas.domain.annotations import Annotation

    out = []
    for k, ref in enumerate(series.slices):
        cx, cy = 200.0 + k % 7 * 10, 260.0 + k % 5 * 8
        common = dict(
            lesion_id="lesion-1",
            series_uid=series.uid,
            sop_instance_uid=ref.sop_instance_uid,
            slice=k,
            site_id="femur.right.distal-metaphysis",
            finding="Bright marrow next to the growth plate (bench annotation).",
        )
        out.append(
            Annotation(
                id=f"bench-e{k}",
                kind="ellipse",
                geometry={"center": [cx, cy], "radii": [34.0, 22.0]},
                label="oedema",
                **common,
            )
        )
        out.append(
            Annotation(
                id=f"bench-a{k}",
                kind="arrow",
                geometry={"from": [cx + 120, cy - 90], "to": [cx + 30, cy - 20]},
                label="",
                **common,
            )
        )
    return out


def _spread(times: list[float]) -> dict[str, float]:
    return {"median_ms": median(times), "p95_ms": percentile(times, 95), "runs": len(times)}


def _pair(name: str, label: str, times: list[float], target: float) -> list[Figure]:
    detail = _spread(times)
    return [
        Figure(
            f"{name}_median", f"{label}, median", detail["median_ms"], "ms", target, "<", detail
        ),
        Figure(
            f"{name}_p95", f"{label}, 95th percentile", detail["p95_ms"], "ms", target, "<", detail
        ),
    ]


def viewer_figures(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.bench.series import engine_load, write_series
    from cnoatlas.ui.viewer.series_viewer import SeriesViewer

    app = ensure_offscreen_app()
    folder = ctx.workdir / "series"
    write_series(folder, 10 if ctx.quick else 40)
    series = engine_load(folder)
    viewer = SeriesViewer()
    viewer.resize(800, 800)
    viewer.show()
    viewer.set_series(series)
    viewer.set_annotations(_annotations(series))
    viewer.show_annotations(True)
    app.processEvents()
    viewer.grab()
    if not viewer.visible_annotation_ids():
        raise RuntimeError("the viewer shows no annotation on the measured slice")
    n = ctx.reps(200, 40)
    step = iter(range(10**9))

    def next_slice() -> None:
        viewer.set_slice(next(step) % len(series))
        viewer.grab()

    slice_times = repeat(next_slice, n, warmup=10)
    center, width = viewer.window()
    nudge = iter(range(10**9))

    def window_level() -> None:
        k = next(nudge)
        viewer.set_window(center + (k % 20) * 5.0, width + (k % 7) * 10.0)
        viewer.grab()

    window_times = repeat(window_level, n, warmup=10)
    zooms = iter(range(10**9))

    def zoom() -> None:
        viewer.zoom(1.1 if next(zooms) % 2 else 1 / 1.1)
        viewer.grab()

    zoom_times = repeat(zoom, n, warmup=10)
    shown = len(viewer.visible_annotation_ids())
    viewer.close()
    viewer.deleteLater()
    figures = []
    figures += _pair(
        "interaction.slice_change", "slice change + repaint (800x800)", slice_times, 5.0
    )
    figures += _pair("interaction.window_level", "window/level + repaint", window_times, 5.0)
    figures += _pair("interaction.zoom", "zoom + repaint", zoom_times, 5.0)
    for figure in figures:
        figure.detail["annotations_on_slice"] = shown
    return figures


def map_figures(ctx: Context) -> list[Figure]:
    from PySide6.QtCore import QPointF

    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.ui.atlas.site_map import SiteMap

    ensure_offscreen_app()
    site_map = SiteMap("front")
    site_map.resize(900, 1000)
    site_map.show()
    site_map.grab()
    grid = 30 if ctx.quick else 60
    points = [
        QPointF(site_map.width() * (i + 0.5) / grid, site_map.height() * (j + 0.5) / grid)
        for i in range(grid)
        for j in range(grid)
    ]
    hits = sum(site_map.site_at(p) is not None for p in points)
    times = []
    for p in points:
        times.extend(repeat(lambda p=p: site_map.site_at(p), 1, warmup=0))
    site_map.close()
    site_map.deleteLater()
    detail = {**_spread(times), "points": len(points), "points_on_a_site": hits}
    return [
        Figure(
            "interaction.map_hit_test_p95",
            "map hover hit test, 95th percentile",
            detail["p95_ms"],
            "ms",
            2.0,
            "<",
            detail,
        ),
    ]


def overlay_figures(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.ui.atlas.overlay import OverlayView

    ensure_offscreen_app()
    view = OverlayView()
    view.resize(1400, 900)
    view.show()
    view.grab()
    ids = list(view.datasets)
    if len(ids) < 2:
        raise RuntimeError("the overlay needs two datasets to switch between")
    turn = iter(range(10**9))

    def switch() -> None:
        view.show_dataset(ids[next(turn) % len(ids)])
        view.grab()

    times = repeat(switch, ctx.reps(40, 10), warmup=len(ids))
    view.close()
    view.deleteLater()
    detail = {**_spread(times), "datasets": len(ids)}
    return [
        Figure(
            "interaction.overlay_switch_p95",
            "overlay dataset switch + repaint (1400x900), 95th percentile",
            detail["p95_ms"],
            "ms",
            50.0,
            "<",
            detail,
        ),
    ]


def run(ctx: Context) -> list[Figure]:
    return viewer_figures(ctx) + map_figures(ctx) + overlay_figures(ctx)
