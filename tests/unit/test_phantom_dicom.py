"""The generator's DICOM output: valid MR images, consistent geometry, annotations that map back."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest

from cnoatlas.cli import main
from cnoatlas.imaging.phantom import StudyDescription, generate_study, write_study

DESC = {
    "age_years": 9,
    "sex": "M",
    "seed": 3,
    "case_id": "test-case",
    "sequences": ["cor_stir_wb", "dwi_wb", "sag_stir_spine", "sag_stir_feet", "ax_stir_pelvis",
                  "ax_t1_knees"],
    "lesions": [
        {"id": "l1", "site_id": "tibia.left.distal-metaphysis", "kind": "cno-oedema", "size_mm": 25,
         "intensity": 0.8, "options": {"periosteal_reaction": True}},
        {"id": "l2", "site_id": "vertebra.t7.body", "kind": "cno-oedema", "size_mm": 14,
         "intensity": 0.9, "options": {"height_loss": 0.3}},
        {"id": "l3", "site_id": "clavicle.right.medial-third", "kind": "cno-oedema", "size_mm": 18},
        {"id": "l4", "site_id": "calcaneus.right", "kind": "cno-oedema", "size_mm": 18},
        {"id": "l5", "site_id": "sacroiliac-joint.left", "kind": "cno-oedema", "size_mm": 18},
        {"id": "l6", "site_id": "femur.right.distal-metaphysis", "kind": "cno-oedema",
         "size_mm": 20},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    study = generate_study(StudyDescription.from_json(DESC), scale=0.5)
    out = tmp_path_factory.mktemp("phantom")
    files = write_study(study, out)
    return study, out, files


def _series_files(out, series):
    return sorted((out / f"{series.number:02d}_{series.key}").glob("*.dcm"))


def test_round_trip_slices_order_and_pixels(written):
    study, out, files = written
    assert (out / "annotations.json") in files
    for series in study.series:
        paths = _series_files(out, series)
        assert len(paths) == series.pixels.shape[0]
        datasets = [pydicom.dcmread(p) for p in paths]
        iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
        normal = np.cross(iop[:3], iop[3:])
        order = sorted(
            datasets,
            key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=float))),
        )
        for index, ds in enumerate(order):
            assert ds.SOPInstanceUID == series.sop_uids[index]
            assert int(ds.InstanceNumber) == index + 1
            assert np.array_equal(ds.pixel_array, series.pixels[index])
            assert ds.SeriesInstanceUID == series.series_uid
            assert ds.FrameOfReferenceUID == study.frame_uid
        spacing = np.diff(
            [np.dot(normal, np.array(d.ImagePositionPatient, dtype=float)) for d in order]
        )
        assert np.allclose(spacing, float(order[0].SpacingBetweenSlices), atol=1e-3)


def test_synthetic_labels_and_dwi_flag(written):
    study, out, _ = written
    for series in study.series:
        ds = pydicom.dcmread(_series_files(out, series)[0])
        assert ds.PatientName == "SYNTHETIC^TEST-CASE"
        assert ds.PatientID.startswith("SYNTH-")
        assert ds.BurnedInAnnotation == "NO"
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGLSLossless  # lossless, compact
        assert ds.PhotometricInterpretation == "MONOCHROME2" and ds.BitsAllocated == 16
        is_dwi = series.key == "dwi_wb"
        assert ("DIFFUSION" in ds.ImageType) == is_dwi
        assert ("DWI" in ds.SeriesDescription) == is_dwi
        if "stir" in series.key or is_dwi:
            assert "IR" in ds.ScanningSequence and float(ds.InversionTime) > 100


def test_pixels_are_stored_losslessly_in_a_fraction_of_the_bytes(written):
    study, out, _ = written
    raw = sum(s.pixels.nbytes for s in study.series)
    stored = sum(p.stat().st_size for p in out.rglob("*.dcm"))
    # JPEG-LS with the air outside the body at zero: 0.16 of this study (RLE Lossless 0.24)
    assert stored < 0.2 * raw, stored / raw
    series = study.series[0]
    for k, path in enumerate(_series_files(out, series)[:3]):
        assert np.array_equal(pydicom.dcmread(path).pixel_array, series.pixels[k])


def test_jpeg_ls_is_smaller_than_rle_for_the_same_series(written, tmp_path):
    """The reason the writer uses JPEG-LS: the same series written both ways, same pixels."""
    from cnoatlas.imaging.phantom.dicom_writer import write_series

    study, _, _ = written
    series = study.series[0]
    sizes = {}
    for syntax in (pydicom.uid.RLELossless, pydicom.uid.JPEGLSLossless):
        paths = write_series(study, series, tmp_path / syntax, encoding=syntax)
        sizes[syntax] = sum(p.stat().st_size for p in paths)
        for k in (0, len(paths) // 2):
            ds = pydicom.dcmread(paths[k])
            assert ds.file_meta.TransferSyntaxUID == syntax
            assert np.array_equal(ds.pixel_array, series.pixels[k])
    assert sizes[pydicom.uid.JPEGLSLossless] < 0.8 * sizes[pydicom.uid.RLELossless], sizes


def test_the_same_study_is_written_as_the_same_bytes(written, tmp_path):
    study, out, _ = written
    again = write_study(study, tmp_path / "again")
    for path in again:
        assert path.read_bytes() == (out / path.relative_to(tmp_path / "again")).read_bytes()


def test_a_cached_study_decodes_to_exactly_the_generated_pixels(tmp_path, monkeypatch):
    """Lossless: every file the cache holds, read by the viewer's reader (CharLS through the
    fast path) and by plain pydicom (its own choice of decoder), gives the generator's pixels."""
    from cnoatlas.imaging.phantom.study import cached_study_dir
    from cnoatlas.imaging.series import load_series

    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path))
    desc = {**DESC, "sequences": ["sag_stir_spine", "ax_t1_knees"], "lesions": DESC["lesions"][:2]}
    folder = cached_study_dir(desc)
    assert folder.is_relative_to(tmp_path)
    expected = {s.series_uid: s for s in generate_study(StudyDescription.from_json(desc)).series}
    result = load_series(folder)
    assert not result.problems and len(result.series) == len(expected) == 2
    for loaded in result.series:
        series = expected[loaded.uid]
        assert loaded.fully_loaded and not loaded.failed.any()
        assert np.array_equal(loaded.pixels, series.pixels)
        assert loaded.pixels.max() > 1000  # a real image, not an empty one
    for series in expected.values():
        paths = _series_files(folder, series)
        assert len(paths) == series.pixels.shape[0]
        for k, path in enumerate(paths):
            ds = pydicom.dcmread(path)
            assert ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGLSLossless
            assert np.array_equal(ds.pixel_array, series.pixels[k]), path.name


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy (dicom3tools) not installed")
def test_dciodvfy_reports_no_errors(written):
    study, out, _ = written
    for series in study.series:
        for path in _series_files(out, series)[:2]:
            result = subprocess.run(
                ["dciodvfy", str(path)], capture_output=True, text=True, check=False
            )
            report = result.stdout + result.stderr
            assert "Error" not in report, f"{path.name} of {series.key}:\n{report}"


def test_annotation_centres_map_into_their_sites(written):
    study, out, _ = written
    raw = json.loads((out / "annotations.json").read_text())
    assert raw["version"] == 1
    by_uid = {s.series_uid: s for s in study.series}
    seen = set()
    for ann in raw["annotations"]:
        series = by_uid[ann["series_uid"]]
        ds = pydicom.dcmread(_series_files(out, series)[ann["slice"]])
        assert ds.SOPInstanceUID == ann["sop_instance_uid"]
        col, row = np.array(ann["geometry"]["points"], dtype=float).mean(axis=0)
        iop = np.array(ds.ImageOrientationPatient, dtype=float)
        dr, dc = (float(v) for v in ds.PixelSpacing)
        point = (
            np.array(ds.ImagePositionPatient, dtype=float) + col * dc * iop[:3] + row * dr * iop[3:]
        )
        site = study.body.sites[ann["site_id"]]
        margin = float(ds.SliceThickness) / 2 + 2 * dr
        assert site.contains(point, margin), (ann["id"], point, site.lo, site.hi)
        seen.add((ann["lesion_id"], series.key))
    assert {("l1", "cor_stir_wb"), ("l2", "sag_stir_spine"), ("l4", "sag_stir_feet")} <= seen
    assert ("l5", "ax_stir_pelvis") in seen and ("l6", "ax_t1_knees") in seen
    assert ("l3", "cor_stir_wb") in seen


def test_axial_series_put_the_patients_left_on_the_right_and_anterior_at_the_top(written):
    """Axial pelvis: the radiological view from the feet. The left femoral head (+x) lies in
    the right half of the image, the bladder (anterior) above the sacrum (posterior)."""
    study, out, _ = written
    series = next(s for s in study.series if s.key == "ax_stir_pelvis")
    ds = pydicom.dcmread(_series_files(out, series)[0])
    assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
    assert ds.BodyPartExamined == "PELVIS"
    body = study.body
    head = body.sites["femur.left.proximal-epiphysis"].joint
    k = int(np.argmin(np.abs(series.grid.coords[0] - head[2])))
    col = int(np.argmin(np.abs(series.grid.coords[2] - head[0])))
    assert col > series.pixels.shape[2] / 2
    assert series.world(k, 0, col)[0] == pytest.approx(head[0], abs=series.pixel_spacing[1])
    sacrum = body.sites["sacrum"].center
    row = int(np.argmin(np.abs(series.grid.coords[1] - sacrum[1])))
    assert row > series.pixels.shape[1] / 2  # posterior: the lower half of the image
    knees = next(s for s in study.series if s.key == "ax_t1_knees")
    assert pydicom.dcmread(_series_files(out, knees)[0]).ImageLaterality == "B"


def test_cli_exports_a_description_and_rejects_an_unknown_case(tmp_path, capsys):
    desc = tmp_path / "d.json"
    desc.write_text(json.dumps({**DESC, "sequences": ["sag_stir_spine"]}))
    assert (
        main(["phantom", "export", "--description", str(desc), str(tmp_path / "out"), "--json"])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["series"][0]["slices"] == 15
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 15
    assert main(["phantom", "export", "no-such-case", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-case" in err[0]


def test_cli_exports_a_library_case(tmp_path, monkeypatch, capsys):
    library = tmp_path / "cases"
    shutil.copytree(
        Path(__file__).resolve().parents[2] / "cases" / "lch-vertebra-plana",
        library / "lch-vertebra-plana",
    )
    monkeypatch.setenv("CNOATLAS_CASES", str(library))
    assert main(["phantom", "export", "lch-vertebra-plana", str(tmp_path / "out")]) == 0
    assert "annotations" in capsys.readouterr().out
    ds = pydicom.dcmread(next((tmp_path / "out").rglob("IM0001.dcm")), stop_before_pixels=True)
    assert ds.PatientName == "SYNTHETIC^LCH-VERTEBRA-PLANA"
    raw = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert raw["annotations"]
    assert {a["site_id"] for a in raw["annotations"]} == {"vertebra.t9.body"}


def test_cli_gallery_writes_a_png_per_series_and_key_slice(tmp_path, capsys):
    case = "lch-vertebra-plana"
    assert main(["phantom", "gallery", str(tmp_path), "--case", case]) == 0
    folder = tmp_path / case
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert "contact-sheet.png" in pngs
    assert {n.split("_l1_")[0] for n in pngs if "_l1_" in n} >= {
        "01_cor_stir_wb",
        "04_sag_stir_spine",
    }
    for name in pngs:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["phantom", "gallery", str(tmp_path), "--case", "no-such-case"]) == 2
    assert "unknown case" in capsys.readouterr().err


def test_the_reader_decodes_jpeg_ls_with_charls_not_pydicoms_first_pick(written):
    """pydicom would pick pylibjpeg-libjpeg for JPEG-LS (about 4x CharLS's time per frame);
    a stream cut short goes to libjpeg, which refuses it at once (CharLS spins for seconds)."""
    from pydicom.pixels import get_decoder

    from cnoatlas.imaging.dicom_io import _preferred_plugin

    study, out, _ = written
    data = pydicom.dcmread(_series_files(out, study.series[0])[0]).PixelData
    decoder = get_decoder(pydicom.uid.JPEGLSLossless)
    assert "pyjpegls" in decoder.available_plugins  # a dependency in pyproject.toml
    assert _preferred_plugin(decoder, data) == "pyjpegls"
    assert _preferred_plugin(decoder, data[: len(data) // 2]) == ""
    assert _preferred_plugin(get_decoder(pydicom.uid.RLELossless), data) == ""  # pydicom's
