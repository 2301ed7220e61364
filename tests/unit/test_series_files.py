"""The engine on files written by other software: pydicom's bundled test files (no network)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from cnoatlas.imaging.series import load_series, scan

FILES = Path(pydicom.__file__).parent / "data" / "test_files"
pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="pydicom ships no test files here")

SHOWN = [
    # file, modality, rows, columns, frames
    ("MR_small.dcm", "MR", 64, 64, 1),
    ("CT_small.dcm", "CT", 128, 128, 1),
    ("MR_small_RLE.dcm", "MR", 64, 64, 1),
    ("MR_small_jp2klossless.dcm", "MR", 64, 64, 1),
    ("MR_small_jpeg_ls_lossless.dcm", "MR", 64, 64, 1),
    ("MR_small_bigendian.dcm", "MR", 64, 64, 1),
    ("MR_small_implicit.dcm", "MR", 64, 64, 1),
    ("MR_small_expb.dcm", "MR", 64, 64, 1),
    ("JPEG2000.dcm", "NM", 1024, 256, 1),
    ("JPGExtended.dcm", "NM", 1024, 256, 1),
    ("693_J2KI.dcm", "CT", 512, 512, 1),
    ("rtdose.dcm", "RTDOSE", 10, 10, 15),
    ("rtdose_rle.dcm", "RTDOSE", 10, 10, 15),
]


@pytest.mark.parametrize(("name", "modality", "rows", "columns", "frames"), SHOWN)
def test_real_files_load_and_match_pydicom(name, modality, rows, columns, frames):
    path = FILES / name
    if not path.is_file():
        pytest.skip(f"{name} is not shipped with this pydicom")
    result = load_series(path)
    assert not result.problems, result.problems
    (series,) = result.series
    assert (series.modality, series.rows, series.columns, len(series)) == (
        modality,
        rows,
        columns,
        frames,
    )
    assert series.loaded.all()
    reference = pydicom.dcmread(path).pixel_array.reshape(frames, rows, columns)
    reference = reference.astype(reference.dtype.newbyteorder("="))  # big-endian files
    stacked = np.stack([series.pixels[i] for i in range(frames)])
    # Frames may be re-ordered along the normal; compare as a set of frames.
    assert sorted(f.tobytes() for f in stacked) == sorted(f.tobytes() for f in reference)


def test_the_small_mr_variants_decode_to_the_same_pixels():
    base = load_series(FILES / "MR_small.dcm").series[0].pixels[0]
    for name in (
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_bigendian.dcm",
    ):
        assert np.array_equal(load_series(FILES / name).series[0].pixels[0], base), name


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("MR_truncated.dcm", "truncated"),
        ("SC_rgb_dcmtk_+eb+cr.dcm", "colour"),
        ("SC_rgb_rle.dcm", "colour"),
        ("examples_palette.dcm", "colour"),
    ],
)
def test_unusable_real_files_are_reported_cleanly(name, words):
    path = FILES / name
    if not path.is_file():
        pytest.skip(f"{name} is not shipped with this pydicom")
    result = load_series(path)
    assert result.series == []
    assert len(result.problems) == 1 and words in result.problems[0].reason
    assert result.problems[0].file.endswith(name)


@pytest.mark.parametrize("name", ["test-SR.dcm", "rtplan.dcm", "reportsi.dcm", "README.txt"])
def test_non_image_objects_are_skipped(name):
    result = load_series(FILES / name)
    assert result.series == [] and result.problems == []
    assert len(result.skipped) == 1


def test_dicomdir_names_the_files_to_load():
    result = load_series(FILES / "dicomdirtests" / "DICOMDIR")
    assert not result.problems
    modalities = sorted({s.modality for s in result.series})
    assert modalities == ["CR", "CT", "MR"]
    assert sum(len(s) for s in result.series) == 31
    assert all(s.loaded.all() for s in result.series)
    monochrome1 = [s for s in result.series if s.monochrome1]
    assert monochrome1 and all(s.display_inverted(0, False) for s in monochrome1)


def test_the_whole_test_folder_loads_with_every_failure_named(tmp_path):
    # Copy so that a later pydicom adding files does not change what is asserted here.
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in (
        "MR_small.dcm",
        "CT_small.dcm",
        "MR_truncated.dcm",
        "test-SR.dcm",
        "JPEG2000-embedded-sequence-delimiter.dcm",
    ):
        if (FILES / name).is_file():
            shutil.copy(FILES / name, folder / name)
    result = load_series(folder)
    shown = {s.modality for s in result.series if s.loaded.any()}
    assert {"MR", "CT"} <= shown
    named = {Path(p.file).name for p in result.problems}
    assert "MR_truncated.dcm" in named
    assert all(p.reason for p in result.problems)


def test_dicom_info_command_reports_series_and_problems(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(FILES / "CT_small.dcm", folder / "ct.dcm")
    shutil.copy(FILES / "MR_truncated.dcm", folder / "broken.dcm")
    out = subprocess.run(
        [sys.executable, "-m", "cnoatlas", "dicom", "info", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(out.stdout)
    assert set(info) == {"series", "problems", "skipped"}  # the contract's shape
    (series,) = info["series"]
    description = str(pydicom.dcmread(FILES / "CT_small.dcm").get("SeriesDescription", ""))
    assert series == {
        "uid": scan(folder).series[0].uid,
        "description": description,
        "modality": "CT",
        "slices": 1,
        "rows": 128,
        "columns": 128,
    }
    assert [Path(p["file"]).name for p in info["problems"]] == ["broken.dcm"]
    assert info["skipped"] == []


def test_dicom_info_on_a_missing_path_is_one_line_and_exit_2(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "cnoatlas", "dicom", "info", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
    assert "nope" in out.stderr and "Traceback" not in out.stderr


def test_fast_header_path_agrees_with_pydicom_where_it_applies():
    from cnoatlas.imaging.dicom_io import Source, _read_header_fast, _read_header_pydicom

    used = 0
    for path in sorted(FILES.glob("*.dcm")):
        source = Source(path)
        try:
            fast = _read_header_fast(source)
        except Exception as exc:  # the fast path must decline, never fail
            pytest.fail(f"{path.name}: fast header raised {exc!r}")
        if fast is None:
            continue
        used += 1
        slow = _read_header_pydicom(source)
        assert fast.pixel_offset == slow.pixel_offset, path.name
        assert (fast.rows, fast.columns, fast.bits_allocated, fast.bits_stored, fast.signed) == (
            slow.rows,
            slow.columns,
            slow.bits_allocated,
            slow.bits_stored,
            slow.signed,
        )
        for key, value in slow.values.items():
            if key == "NumberOfFrames":
                continue
            assert fast.values[key] == value, f"{path.name}: {key}"
    assert used >= 2  # MR_small.dcm and CT_small.dcm at least
