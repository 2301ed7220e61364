"""The department library on a real local Orthanc: listing teaching files and pulling a case.

Each figure is a ratio to copying the same files on this disk in the same run (A and B
alternating): what the server and DICOMweb add over the bytes themselves.
"""

from __future__ import annotations

import copy
import itertools
import os
import shutil
from pathlib import Path

from cnoatlas.bench.core import Context, Figure, interleaved, median

USER, PASSWORD = "bench", "bench-only-password"


def _whole_body_case(ctx: Context) -> str:
    """An imported whole-body case (the generator's study, de-identified on import)."""
    from cnoatlas.bench.generator import DESCRIPTION
    from cnoatlas.imaging.phantom import StudyDescription, generate_study, write_study
    from cnoatlas.library.user_cases import import_dicom

    source = ctx.workdir / "source-study"
    scale = 0.5 if ctx.quick else 1.0
    write_study(generate_study(StudyDescription.from_json(DESCRIPTION), scale=scale), source)
    import_dicom(source, "bench-whole-body", "Bench whole-body case")
    return "bench-whole-body"


def _many_teaching_files(client, datasets, n: int) -> list:
    """``n`` small teaching files (one image, the KOS, the SR), each its own study."""
    from pydicom.uid import generate_uid

    image, kos, sr = datasets[0], datasets[-2], datasets[-1]
    written = []
    for i in range(n):
        study = generate_uid(entropy_srcs=["bench-list", str(i)])
        batch = []
        for kind, original in (("image", image), ("kos", kos), ("sr", sr)):
            ds = copy.deepcopy(original)
            ds.StudyInstanceUID = study
            ds.SeriesInstanceUID = generate_uid(entropy_srcs=[study, kind, "series"])
            ds.SOPInstanceUID = generate_uid(entropy_srcs=[study, kind])
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            batch.append(ds)
        client.store_instances(batch)
        written.append(batch[-1])
    return written


def run(ctx: Context) -> list[Figure]:
    import pydicom

    from cnoatlas.domain.cases import case_library, user_cases_dir
    from cnoatlas.library import teaching_files as tf
    from cnoatlas.library.local_orthanc import LocalOrthanc
    from cnoatlas.library.studies import case_image_folder

    n_files = 20 if ctx.quick else 100
    with LocalOrthanc(ctx.workdir / "orthanc", USER, PASSWORD) as server:
        client = tf.open_archive(server.url, USER, PASSWORD)
        case_id = _whole_body_case(ctx)
        case = case_library(reload=True).get(case_id)
        study_uid, instances = tf.push_case(client, case_id, server.url)
        files = sorted(case_image_folder(case).rglob("*.dcm"))
        srs = _many_teaching_files(client, tf.teaching_file(case), n_files - 1)
        sr_folder = ctx.workdir / "sr-files"
        sr_folder.mkdir()
        for i, ds in enumerate(srs):
            ds.save_as(sr_folder / f"{i:04d}.dcm", enforce_file_format=True)
        sr_files = sorted(sr_folder.glob("*.dcm"))

        def list_files() -> None:
            listed = tf.list_teaching_files(client, server.url)
            if len(listed) != n_files:
                raise RuntimeError(f"the server listed {len(listed)} of {n_files} teaching files")

        copies = itertools.count()

        def copy_and_read(paths: list[Path]) -> None:
            target = ctx.workdir / f"copy-{next(copies)}"
            target.mkdir()
            for path in paths:
                shutil.copy(path, target / path.name)
                pydicom.dcmread(target / path.name)
            shutil.rmtree(target)

        pulls = itertools.count()

        def pull() -> None:
            folder = tf.pull_case(
                client, study_uid, server.url, case_id=f"bench-pull-{next(pulls)}"
            )
            shutil.rmtree(folder)

        reps = ctx.reps(5, 2)
        listing = interleaved({"copy": lambda: copy_and_read(sr_files), "list": list_files}, reps)
        pulling = interleaved({"copy": lambda: copy_and_read(files), "pull": pull}, reps)
        leftovers = [p for p in user_cases_dir().iterdir() if p.name.startswith("bench-pull")]
        if leftovers:
            raise RuntimeError("a pulled case was left behind")
    list_ms, list_floor = median(listing["list"]), median(listing["copy"])
    pull_ms, pull_floor = median(pulling["pull"]), median(pulling["copy"])
    return [
        Figure(
            "library.list_ratio",
            f"list {n_files} teaching files from a local Orthanc vs copying and reading their SRs",
            list_ms / list_floor,
            "x",
            25.0,  # 13x measured (2 cores, idle): one QIDO search plus one WADO-RS per file
            detail={"list_ms": list_ms, "copy_ms": list_floor, "teaching_files": n_files},
        ),
        Figure(
            "library.pull_ratio",
            "pull a whole-body case from a local Orthanc vs copying and reading its files",
            pull_ms / pull_floor,
            "x",
            5.0,  # 3.4x measured (2 cores, idle): report series first, then one request a series
            detail={
                "pull_ms": pull_ms,
                "copy_ms": pull_floor,
                "instances": instances,
                "files": len(files),
                "cpus": os.cpu_count() or 0,
                "fetch_threads": tf.PULL_THREADS,
            },
        ),
    ]
