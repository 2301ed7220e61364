"""Image generator: a whole synthetic study from cold, and the cached study re-opened.

Generation runs through ``cached_study_dir`` with an empty cache, as the first open of a case
does (generate every sequence, write the DICOM files). The re-open is the second open: the cache
hit plus loading every series, against a plain pydicom loop over the same files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cnoatlas.bench import Context, Figure, interleaved, median, timed

# A whole-body study like the library's cases: four sequences, two lesions.
DESCRIPTION = {
    "age_years": 12,
    "sex": "F",
    "seed": 31,
    "sequences": ["cor_stir_wb", "cor_t1_wb", "dwi_wb", "sag_stir_spine"],
    "lesions": [
        {
            "id": "l1",
            "site_id": "clavicle.right.medial-third",
            "kind": "cno-oedema",
            "size_mm": 30,
            "intensity": 0.85,
            "state": "active",
        },
        {
            "id": "l2",
            "site_id": "vertebra.t6.body",
            "kind": "cno-oedema",
            "size_mm": 14,
            "intensity": 0.7,
            "state": "active",
        },
    ],
}


@contextmanager
def _home(folder: Path) -> Iterator[None]:
    """User state (the phantom cache) in ``folder`` for a while."""
    saved = os.environ.get("CNOATLAS_HOME")
    os.environ["CNOATLAS_HOME"] = str(folder)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CNOATLAS_HOME", None)
        else:
            os.environ["CNOATLAS_HOME"] = saved


def _load_all(folder: Path) -> int:
    from cnoatlas.imaging.series import load_series

    result = load_series(folder)
    if not result.series or result.problems:
        raise RuntimeError(f"the cached study in {folder} did not load cleanly")
    return sum(len(s) for s in result.series)


def run(ctx: Context) -> list[Figure]:
    from cnoatlas.bench.series import plain_read
    from cnoatlas.imaging.phantom import (
        StudyDescription,
        cached_study_dir,
        generate_study,
        write_study,
    )

    desc = StudyDescription.from_json(DESCRIPTION)
    figures: list[Figure] = []
    if ctx.quick:
        # A small study (a quarter of the matrix): proves the path, not the 10 s budget.
        folder = ctx.workdir / "quick-study"
        cold = [timed(lambda: write_study(generate_study(desc, scale=0.25), folder), collect=True)]
    else:
        cold = []
        for rep in range(2):  # each run with its own, empty phantom cache
            with _home(ctx.workdir / f"home-{rep}"):
                cold.append(timed(lambda: cached_study_dir(desc), collect=True))
        with _home(ctx.workdir / "home-1"):
            folder = cached_study_dir(desc)
    files = sorted(p for p in folder.rglob("*.dcm"))
    slices = _load_all(folder)
    figures.append(
        Figure(
            "generator.full_study",
            "whole synthetic study, generated and written ("
            + ("quarter size" if ctx.quick else "4 sequences")
            + ")",
            median(cold) / 1000,
            "s",
            10.0,
            detail={"runs": len(cold), "files": len(files), "slices": slices, "stretch_s": 5.0},
        )
    )

    stored = sum(p.stat().st_size for p in files)
    library = 18 * stored  # the library's 18 cases, each a study like this one
    figures.append(
        Figure(
            "generator.library_cache_share",
            "cache of 18 such studies (RLE Lossless pixels) as a share of the 300 MB budget",
            100.0 * library / 300e6,
            "%",
            100.0,
            detail={"study_bytes": stored, "files": len(files), "budget_mb": 300},
        )
    )

    def reopen() -> None:
        if not ctx.quick:
            with _home(ctx.workdir / "home-1"):
                if cached_study_dir(desc) != folder:
                    raise RuntimeError("the re-open did not find the cached study")
        _load_all(folder)

    times = interleaved({"plain": lambda: plain_read(files), "reopen": reopen}, ctx.reps(5, 3))
    plain, again = median(times["plain"]), median(times["reopen"])
    figures.append(
        Figure(
            "generator.cached_reopen_ratio",
            "cached study re-opened (cache hit + every series loaded) vs plain pydicom loop",
            again / plain,
            "x",
            1.0,
            detail={"reopen_ms": again, "plain_ms": plain, "files": len(files)},
        )
    )
    return figures
