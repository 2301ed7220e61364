"""How cost grows: series load time over 20, 40, 80 and 160 slices should be a straight line.

The slope (ms per slice) is compared with the plain pydicom loop's slope measured alongside;
the linearity is the R² of the least-squares line through the medians.
"""

from __future__ import annotations

from collections.abc import Callable

from cnoatlas.bench.core import Context, Figure, interleaved, linear_fit, median


def run(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.series import engine_load, plain_read, write_series

    sizes = (5, 10, 20, 40) if ctx.quick else (20, 40, 80, 160)
    matrix = 512
    n = ctx.reps(9, 3)
    works: dict[str, Callable[[], object]] = {}
    for slices in sizes:
        folder = ctx.workdir / f"s{slices}"
        files = sorted(write_series(folder, slices, matrix, matrix))
        works[f"plain{slices}"] = lambda f=files: plain_read(f)
        works[f"engine{slices}"] = lambda d=folder: engine_load(d)
    # Every size in every round: a busy spell on the machine hits all sizes, not one.
    times = interleaved(works, n)
    engine_ms = [median(times[f"engine{slices}"]) for slices in sizes]
    plain_ms = [median(times[f"plain{slices}"]) for slices in sizes]
    xs = [float(s) for s in sizes]
    engine, plain = linear_fit(xs, engine_ms), linear_fit(xs, plain_ms)
    per_slice = [ms / s for ms, s in zip(engine_ms, sizes, strict=True)]
    detail = {
        "slices": list(xs),
        "load_series_ms": engine_ms,
        "plain_ms": plain_ms,
        "intercept_ms": engine.intercept,
        "max_deviation_of_fit": engine.max_deviation,
        "per_slice_ms": per_slice,
        "plain_slope_ms_per_slice": plain.slope,
        "matrix": matrix,
    }
    return [
        Figure(
            "scaling.slope_ratio",
            f"load_series slope ({engine.slope:.3f} ms/slice) vs plain loop slope",
            engine.slope / plain.slope,
            "x",
            1.2,
            detail={**detail, "slope_ms_per_slice": engine.slope},
        ),
        Figure(
            "scaling.linearity",
            "load_series time vs slice count, straight-line fit",
            engine.r2,
            "R²",
            0.98,
            ">=",
            detail=detail,
        ),
    ]
