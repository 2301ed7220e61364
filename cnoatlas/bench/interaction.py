"""Interaction, offscreen: viewer repaints with annotations shown, map hover, overlay switch.

Every timed step ends with ``grab()``, a synchronous paint into a pixmap, so the figure includes
the paint the screen would get, not just the scheduling of one.

The viewer's steps grab what Qt repaints for that step, found in the same run: before timing,
the step is done once and the event loop is run with a filter that records every Paint event
(widget and rectangle); each timed step then grabs those widgets, each over the rectangle Qt
painted (a widget painted inside an ancestor's grabbed rectangle is drawn by that grab, as on
screen). On a slice change that is the canvas with its texts and labels, and the strip of the
bar holding the slider and the slice counter; on window/level and zoom the canvas. The bar's
buttons, which no step repaints on screen, are not painted. The floor is unchanged: the bare
ImageItem's whole widget, grabbed.
"""

from __future__ import annotations

from cnoatlas.bench.core import Context, Figure, median, percentile


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


class _BareImage:
    """The floor of every viewer figure: a bare pyqtgraph ImageItem in a ViewBox, in a widget
    of the viewer's size, painted with the same ``grab()``; nothing else on the canvas."""

    def __init__(self, series, width: int, height: int) -> None:
        import pyqtgraph as pg

        self.series = series
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground("k")
        self.widget.ci.setContentsMargins(0, 0, 0, 0)
        self.view = self.widget.addViewBox(lockAspect=True, invertY=True)
        self.view.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.levels = (0.0, 2400.0)
        self.index = 0
        self.widget.resize(width, height)
        self.widget.show()
        self.image.setImage(series.pixels[0], autoLevels=False, levels=self.levels)
        self.view.autoRange(padding=0.02)
        self.widget.grab()

    def set_slice(self, k: int) -> None:
        self.index = k % len(self.series)
        self.image.setImage(self.series.pixels[self.index], autoLevels=False, levels=self.levels)
        self.widget.grab()

    def set_levels(self, lo: float, hi: float) -> None:
        self.image.setLevels((lo, hi))
        self.widget.grab()

    def zoom(self, factor: float) -> None:
        self.view.scaleBy((1.0 / factor, 1.0 / factor))
        self.widget.grab()

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()


def repainted_regions(app, viewer, step) -> list:
    """(widget, QRect) pairs Qt paints after ``step()``, recorded by an event filter while the
    event loop runs (each rectangle of the region a Paint event names); widgets drawn inside
    an ancestor's recorded region are left to it."""
    from PySide6.QtCore import QEvent, QObject, QRect
    from PySide6.QtGui import QRegion
    from PySide6.QtWidgets import QWidget

    painted: dict[int, tuple[QWidget, QRegion]] = {}

    class Recorder(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget):
                widget, region = painted.get(id(obj), (obj, QRegion()))
                painted[id(obj)] = (widget, region.united(event.region()))
            return False

    for _ in range(3):  # nothing left over from the set-up
        app.processEvents()
    recorder = Recorder()
    app.installEventFilter(recorder)
    try:
        step()
        for _ in range(3):
            app.processEvents()
    finally:
        app.removeEventFilter(recorder)

    def drawn_by_ancestor(widget, region) -> bool:
        for other, other_region in painted.values():
            if other is not widget and other.isAncestorOf(widget):
                offset = widget.mapTo(other, QRect().topLeft())
                if other_region.united(region.translated(offset)) == other_region:
                    return True
        return False

    regions = [
        (w, rect)
        for w, region in painted.values()
        if not drawn_by_ancestor(w, region)
        for rect in region
    ]
    if not regions:
        raise RuntimeError("the step repainted nothing")
    return regions


def _grab_regions(regions) -> None:
    for widget, rect in regions:
        widget.grab(rect)


def _viewer_pair(name: str, label: str, times: dict[str, list[float]], target: float):
    from cnoatlas.bench.core import ratio_figure

    return [
        ratio_figure(
            f"{name}_ratio",
            f"{label} vs bare ImageItem + grab, median",
            times["floor"],
            times["viewer"],
            target,
            floor_name="bare_image",
            subject_name="viewer",
        ),
        ratio_figure(
            f"{name}_p95_ratio",
            f"{label} vs bare ImageItem + grab, 95th percentile",
            times["floor"],
            times["viewer"],
            target,
            statistic="p95",
            floor_name="bare_image",
            subject_name="viewer",
        ),
    ]


def viewer_figures(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.core import interleaved
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
    bare = _BareImage(series, viewer.width(), viewer.height())
    app.processEvents()
    n = ctx.reps(200, 25)
    step = iter(range(10**9))
    floor_step = iter(range(10**9))
    center, width = viewer.window()
    repainted = {
        "slice": repainted_regions(app, viewer, lambda: viewer.set_slice(viewer.slice_index() + 1)),
        "window": repainted_regions(app, viewer, lambda: viewer.set_window(center + 5, width)),
        "zoom": repainted_regions(app, viewer, lambda: viewer.zoom(1.1)),
    }
    viewer.set_window(center, width)
    viewer.zoom(1 / 1.1)
    app.processEvents()

    def next_slice() -> None:
        viewer.set_slice(next(step) % len(series))
        _grab_regions(repainted["slice"])

    slice_times = interleaved(
        {"floor": lambda: bare.set_slice(next(floor_step)), "viewer": next_slice},
        n,
        warmup=10,
        collect=False,
    )
    nudge = iter(range(10**9))
    floor_nudge = iter(range(10**9))

    def window_level() -> None:
        k = next(nudge)
        viewer.set_window(center + (k % 20) * 5.0, width + (k % 7) * 10.0)
        _grab_regions(repainted["window"])

    def floor_window_level() -> None:
        k = next(floor_nudge)
        c, w = center + (k % 20) * 5.0, width + (k % 7) * 10.0
        bare.set_levels(c - w / 2, c + w / 2)

    window_times = interleaved(
        {"floor": floor_window_level, "viewer": window_level}, n, warmup=10, collect=False
    )
    zooms = iter(range(10**9))
    floor_zooms = iter(range(10**9))

    def zoom() -> None:
        viewer.zoom(1.1 if next(zooms) % 2 else 1 / 1.1)
        _grab_regions(repainted["zoom"])

    def floor_zoom() -> None:
        bare.zoom(1.1 if next(floor_zooms) % 2 else 1 / 1.1)

    zoom_times = interleaved({"floor": floor_zoom, "viewer": zoom}, n, warmup=10, collect=False)
    shown = len(viewer.visible_annotation_ids())
    size = f"{viewer.width()}x{viewer.height()}"
    bare.close()
    viewer.close()
    viewer.deleteLater()
    figures = []
    figures += _viewer_pair(
        "interaction.slice_change",
        f"slice change + what Qt repaints ({size})",
        slice_times,
        1.5,
    )
    figures += _viewer_pair(
        "interaction.window_level", "window/level + what Qt repaints", window_times, 1.5
    )
    figures += _viewer_pair("interaction.zoom", "zoom + what Qt repaints", zoom_times, 1.5)
    grabbed = {
        key: "; ".join(
            f"{w.objectName() or type(w).__name__} {r.width()}x{r.height()}" for w, r in regions
        )
        for key, regions in repainted.items()
    }
    for figure, key in zip(
        figures, ("slice", "slice", "window", "window", "zoom", "zoom"), strict=True
    ):
        figure.detail["annotations_on_slice"] = shown
        figure.detail["grabbed"] = grabbed[key]
    return figures


class _BareScene:
    """The floor of the map figures: a bare QGraphicsView holding the same skeleton paths as
    plain QGraphicsPathItems, hit-tested by the scene's own index and recoloured + grabbed."""

    def __init__(self, width: int, height: int) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QBrush, QColor, QPen
        from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

        from cnoatlas.domain.skeleton_map import skeleton_map
        from cnoatlas.ui.atlas.site_map import painter_path

        drawing = skeleton_map("front")
        self.scene = QGraphicsScene()
        pen = QPen(QColor("#1b1d21"))
        pen.setCosmetic(True)
        self.items = []
        for shape in list(drawing.decor) + list(drawing.shapes.values()):
            item = self.scene.addPath(painter_path(shape), pen, QBrush(QColor("#d9d2c3")))
            self.items.append(item)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(self.view.renderHints().Antialiasing)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.resize(width, height)
        self.view.show()
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.view.grab()
        self.turn = 0

    def hit(self, point) -> object:
        return self.view.itemAt(point.toPoint())

    def recolour(self) -> None:
        from PySide6.QtGui import QBrush, QColor

        self.turn += 1
        for k, item in enumerate(self.items):
            item.setBrush(QBrush(QColor.fromHsv((k * 7 + self.turn * 40) % 360, 120, 200)))
        self.view.grab()

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()


def map_figures(ctx: Context) -> list[Figure]:
    from PySide6.QtCore import QPointF

    from cnoatlas.bench.core import interleaved, ratio_figure
    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.ui.atlas.site_map import SiteMap

    ensure_offscreen_app()
    site_map = SiteMap("front")
    site_map.resize(900, 1000)
    site_map.show()
    site_map.grab()
    bare = _BareScene(900, 1000)
    grid = 30 if ctx.quick else 60
    points = [
        QPointF(site_map.width() * (i + 0.5) / grid, site_map.height() * (j + 0.5) / grid)
        for i in range(grid)
        for j in range(grid)
    ]
    hits = sum(site_map.site_at(p) is not None for p in points)
    turn = iter(range(10**9))
    floor_turn = iter(range(10**9))
    # One sample is a sweep of ten points (a hover move): a single hit test is below the
    # clock's resolution on a busy machine.
    sweep = 10

    def hover() -> None:
        k = next(turn) * sweep
        for p in points[k % len(points) : k % len(points) + sweep]:
            site_map.site_at(p)

    def floor_hover() -> None:
        k = next(floor_turn) * sweep
        for p in points[k % len(points) : k % len(points) + sweep]:
            bare.hit(p)

    times = interleaved(
        {"floor": floor_hover, "map": hover}, len(points) // sweep, warmup=2, collect=False
    )
    bare.close()
    site_map.close()
    site_map.deleteLater()
    return [
        ratio_figure(
            "interaction.map_hit_test_ratio",
            f"map hover hit test ({sweep} points) vs bare QGraphicsView itemAt, median",
            times["floor"],
            times["map"],
            2.0,
            floor_name="bare_view",
            subject_name="map",
            detail={"points": len(points), "points_on_a_site": hits, "sweep": sweep},
        )
    ]


def overlay_figures(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.core import interleaved, ratio_figure
    from cnoatlas.bench.qt import ensure_offscreen_app
    from cnoatlas.ui.atlas.overlay import OverlayView

    ensure_offscreen_app()
    view = OverlayView()
    view.resize(1400, 900)
    view.show()
    view.grab()
    bare = _BareScene(1400, 900)
    ids = list(view.datasets)
    if len(ids) < 2:
        raise RuntimeError("the overlay needs two datasets to switch between")
    turn = iter(range(10**9))

    def switch() -> None:
        view.show_dataset(ids[next(turn) % len(ids)])
        view.grab()

    times = interleaved({"floor": bare.recolour, "overlay": switch}, ctx.reps(40, 6), warmup=2)
    view.close()
    view.deleteLater()
    bare.close()
    return [
        ratio_figure(
            "interaction.overlay_switch_p95_ratio",
            "overlay dataset switch + repaint (1400x900) vs bare QGraphicsView recoloured + "
            "grab, 95th percentile",
            times["floor"],
            times["overlay"],
            2.5,
            statistic="p95",
            floor_name="bare_view",
            subject_name="overlay",
            detail={"datasets": len(ids)},
        )
    ]


def run(ctx: Context) -> list[Figure]:
    return viewer_figures(ctx) + map_figures(ctx) + overlay_figures(ctx)
