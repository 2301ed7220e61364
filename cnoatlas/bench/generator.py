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

from cnoatlas.bench.core import Context, Figure, interleaved, timed

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


def _pixel_encoding(path: Path) -> str:
    """The transfer syntax's name, as the study's files give it."""
    import pydicom

    return pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID.name


def plain_write(files: list[Path], out: Path) -> int:
    """The floor of the generator: the same number of files, each with the same matrix, filled
    with numpy arithmetic (no anatomy, no physics) and written by plain pydicom."""
    import numpy as np
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    out.mkdir(parents=True, exist_ok=True)
    voxels = 0
    rng = np.random.default_rng(1)
    series_uid = generate_uid()
    for k, f in enumerate(files):
        header = pydicom.dcmread(f, stop_before_pixels=True)
        rows, columns = int(header.Rows), int(header.Columns)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MRImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = out / f"IM{k:05d}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID, ds.Modality, ds.InstanceNumber = series_uid, "MR", k + 1
        ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, columns, 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        pixels = rng.integers(0, 4096, (rows, columns), dtype=np.uint16)
        ds.PixelData = pixels.tobytes()
        ds.save_as(path, enforce_file_format=True)
        voxels += rows * columns
    return voxels


def run(ctx: Context) -> list[Figure]:
    import shutil

    from cnoatlas.bench.core import ratio_figure
    from cnoatlas.bench.series import plain_read
    from cnoatlas.imaging.phantom import (
        StudyDescription,
        cached_study_dir,
        generate_study,
        write_study,
    )

    desc = StudyDescription.from_json(DESCRIPTION)
    figures: list[Figure] = []
    rounds = ctx.reps(3, 1)
    cold: list[float] = []
    floor: list[float] = []
    written: list[int] = []
    folder = ctx.workdir / "quick-0"
    # Generator and floor take turns; the floor writes as many files, each of the same matrix,
    # as the study the generator wrote in the same round.
    for rep in range(rounds):
        if ctx.quick:
            # A small study (a quarter of the matrix): proves the path, not the full size.
            out = ctx.workdir / f"quick-{rep}"
            cold.append(
                timed(lambda o=out: write_study(generate_study(desc, scale=0.25), o), collect=True)
            )
        else:
            with _home(ctx.workdir / f"home-{rep}"):  # each run with an empty phantom cache
                cold.append(timed(lambda: cached_study_dir(desc), collect=True))
                folder = cached_study_dir(desc)
        files = sorted(p for p in folder.rglob("*.dcm"))
        target = ctx.workdir / f"plain-{rep}"
        floor.append(
            timed(lambda t=target, fs=files: written.append(plain_write(fs, t)), collect=True)
        )
        shutil.rmtree(target, ignore_errors=True)
    home = ctx.workdir / f"home-{rounds - 1}"
    voxels = written[0]
    slices = _load_all(folder)
    figures.append(
        ratio_figure(
            "generator.full_study_ratio",
            "whole synthetic study generated and written ("
            + ("quarter size" if ctx.quick else "4 sequences")
            + ") vs numpy/pydicom writing the same voxels and files",
            floor,
            cold,
            12.0,
            floor_name="plain_write",
            subject_name="generator",
            detail={"files": len(files), "slices": slices, "voxels": voxels},
        )
    )

    stored = sum(p.stat().st_size for p in files)
    from cnoatlas.domain.cases import case_library

    # The library's synthetic cases, each a study like this one.
    count = sum(1 for case in case_library() if case.series.generator is not None)
    library = count * stored
    figures.append(
        Figure(
            "generator.library_cache_share",
            f"cache of {count} such studies ({_pixel_encoding(files[0])} pixels) as a share of "
            "the 300 MB budget",
            100.0 * library / 300e6,
            "%",
            100.0,
            detail={"study_bytes": stored, "files": len(files), "budget_mb": 300, "cases": count},
        )
    )

    def reopen() -> None:
        if not ctx.quick:
            with _home(home):
                if cached_study_dir(desc) != folder:
                    raise RuntimeError("the re-open did not find the cached study")
        _load_all(folder)

    times = interleaved({"plain": lambda: plain_read(files), "reopen": reopen}, ctx.reps(5, 3))
    figures.append(
        ratio_figure(
            "generator.cached_reopen_ratio",
            "cached study re-opened (cache hit + every series loaded) vs plain pydicom loop",
            times["plain"],
            times["reopen"],
            1.0,
            floor_name="plain",
            subject_name="reopen",
            detail={"files": len(files)},
        )
    )
    return figures
