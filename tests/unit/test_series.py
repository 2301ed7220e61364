"""The series engine on DICOM files the tests write: ordering, rescale, MONOCHROME1, multi-frame,
compression, broken files, absurd headers, streaming and identifier filtering."""

from __future__ import annotations

import random
import threading
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    MRImageStorage,
    RLELossless,
    generate_uid,
)

from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging import windowing
from cnoatlas.imaging.safe_tags import is_identifying, safe_rows
from cnoatlas.imaging.series import (
    Series,
    linked_positions_supported,
    load_series,
    orientation_markers,
    scan,
)

CORONAL = [1.0, 0.0, 0.0, 0.0, 0.0, -1.0]
AXIAL = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]


def make_slice(
    index: int,
    *,
    series_uid: str,
    study_uid: str = "1.2.3.4",
    rows: int = 8,
    columns: int = 6,
    orientation=CORONAL,
    spacing: float = 4.0,
    pixels: np.ndarray | None = None,
    description: str = "COR STIR",
    modality: str = "MR",
    instance: int | None = None,
    frame_of_reference="1.2.3.9",
    **extra,
) -> Dataset:
    """One slice whose pixel values encode its position index (value = 100 * index + column)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage if modality == "CT" else MRImageStorage
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.FrameOfReferenceUID = frame_of_reference
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Doe^Jane", "ID-0042", "20150101"
    ds.PatientSex, ds.PatientAge = "F", "010Y"
    ds.InstitutionName, ds.ReferringPhysicianName = "St Elsewhere", "House^Greg"
    ds.AccessionNumber = "ACC-77"
    ds.Modality, ds.SeriesDescription = modality, description
    ds.InstanceNumber = index + 1 if instance is None else instance
    normal = np.cross(orientation[:3], orientation[3:])
    ds.ImagePositionPatient = [
        float(v) for v in np.array([-10.0, 5.0, 20.0]) + normal * spacing * index
    ]
    ds.ImageOrientationPatient = list(orientation)
    ds.PixelSpacing = [0.5, 0.8]
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    if pixels is None:
        pixels = (100 * index + np.arange(columns, dtype=np.uint16))[None, :].repeat(rows, 0)
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    for key, value in extra.items():
        setattr(ds, key, value)
    return ds


def write_series(
    folder: Path, n: int = 5, *, shuffle: bool = True, prefix: str = "IM", **kwargs
) -> tuple[str, list[Dataset]]:
    folder.mkdir(parents=True, exist_ok=True)
    uid = kwargs.pop("series_uid", None) or generate_uid()
    slices = [make_slice(i, series_uid=uid, **kwargs) for i in range(n)]
    order = list(range(n))
    if shuffle:
        random.Random(7).shuffle(order)
    for k, i in enumerate(order):
        slices[i].save_as(folder / f"{prefix}{k:03d}.dcm", enforce_file_format=True)
    return uid, slices


def column_of(series: Series, index: int) -> int:
    """Which written slice landed at ``index`` (pixel value // 100)."""
    return int(series.pixels[index, 0, 0]) // 100


# --- ordering -------------------------------------------------------------------------------
def test_slices_are_ordered_along_the_normal_not_by_file_name(tmp_path):
    write_series(tmp_path, 7)
    result = load_series(tmp_path)
    assert not result.problems
    series = result.series[0]
    assert [column_of(series, i) for i in range(7)] == list(range(7))
    positions = [series.position_mm(i) for i in range(7)]
    assert positions == sorted(positions)
    assert series.slice_spacing == pytest.approx(4.0)


def test_position_wins_over_a_misleading_instance_number(tmp_path):
    uid = generate_uid()
    for i in range(4):
        ds = make_slice(i, series_uid=uid, instance=10 - i)  # numbers run backwards
        ds.save_as(tmp_path / f"x{i}.dcm", enforce_file_format=True)
    series = load_series(tmp_path).series[0]
    assert [column_of(series, i) for i in range(4)] == [0, 1, 2, 3]


def test_instance_number_orders_slices_without_positions(tmp_path):
    uid = generate_uid()
    for i, number in enumerate([3, 1, 2]):
        ds = make_slice(number, series_uid=uid, instance=number)
        del ds.ImagePositionPatient
        ds.save_as(tmp_path / f"x{i}.dcm", enforce_file_format=True)
    series = load_series(tmp_path).series[0]
    assert [column_of(series, i) for i in range(3)] == [1, 2, 3]
    assert series.position_mm(0) is None


def test_two_series_in_one_folder_are_kept_apart(tmp_path):
    uid_a, _ = write_series(tmp_path, 4, prefix="A", description="COR STIR")
    uid_b, _ = write_series(tmp_path, 3, prefix="B", description="COR T1", rows=10, columns=4)
    result = load_series(tmp_path)
    by_uid = {s.uid: s for s in result.series}
    assert set(by_uid) == {uid_a, uid_b}
    assert (len(by_uid[uid_a]), by_uid[uid_a].rows) == (4, 8)
    assert (len(by_uid[uid_b]), by_uid[uid_b].columns) == (3, 4)


def test_zip_and_nested_folders_load_the_same_series(tmp_path):
    write_series(tmp_path / "study" / "deep" / "series", 4)
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted((tmp_path / "study").rglob("*.dcm")):
            zf.write(f, f.relative_to(tmp_path))
    from_folder = load_series(tmp_path / "study").series[0]
    from_zip = load_series(archive).series[0]
    assert np.array_equal(from_folder.pixels, from_zip.pixels)
    assert len(from_zip) == 4


# --- pixel values -----------------------------------------------------------------------------
def test_rescale_slope_and_intercept_give_modality_values(tmp_path):
    pixels = np.full((8, 6), 1000, dtype=np.uint16)
    write_series(
        tmp_path,
        2,
        modality="CT",
        description="CT",
        pixels=pixels,
        RescaleSlope=2,
        RescaleIntercept=-1024,
    )
    series = load_series(tmp_path).series[0]
    assert series.pixels.dtype == np.uint16  # memory stays at the stored values
    assert np.all(series.modality_slice(0) == 1000 * 2 - 1024)
    lo, hi = series.raw_levels(0, center=976, width=100)
    assert (lo, hi) == pytest.approx((975, 1025))
    assert series.kind == "ct"
    assert {p.name for p in series.presets()} >= {"Bone", "Soft tissue"}


def test_monochrome1_is_displayed_inverted(tmp_path):
    pixels = np.array([[0, 1000]] * 4, dtype=np.uint16)
    write_series(
        tmp_path, 1, pixels=pixels, rows=4, columns=2, PhotometricInterpretation="MONOCHROME1"
    )
    series = load_series(tmp_path).series[0]
    assert series.monochrome1
    invert = series.display_inverted(0, inverted=False)
    grey = windowing.to_uint8(series.modality_slice(0), 500, 1000, invert)
    assert grey[0, 0] == 255 and grey[0, 1] == 0  # low values bright, as MONOCHROME1 means
    # The user's invert toggles it back.
    assert series.display_inverted(0, inverted=True) is False


def test_signed_pixels_with_fewer_stored_bits_are_sign_extended(tmp_path):
    raw = np.array([[0x0FFF, 0x0001]] * 2, dtype=np.uint16)  # 12-bit two's complement: -1, 1
    write_series(
        tmp_path, 1, pixels=raw, rows=2, columns=2, BitsStored=12, HighBit=11, PixelRepresentation=1
    )
    series = load_series(tmp_path).series[0]
    reference = pydicom.dcmread(next(tmp_path.glob("*.dcm"))).pixel_array
    assert series.pixels[0].tolist() == reference.tolist() == [[-1, 1], [-1, 1]]


def test_implicit_vr_files_take_the_fast_path_and_match_pydicom(tmp_path):
    _uid, slices = write_series(tmp_path, 3, shuffle=False)
    for f, ds in zip(sorted(tmp_path.glob("*.dcm")), slices, strict=True):
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        ds.save_as(f, implicit_vr=True, little_endian=True, enforce_file_format=True)
    result = scan(tmp_path)
    series = result.series[0]
    assert all(s.header.pixel_offset is not None for s in series.slices)
    series.load()
    for i, f in enumerate(sorted(tmp_path.glob("*.dcm"))):
        assert np.array_equal(series.pixels[i], pydicom.dcmread(f).pixel_array)


def test_multi_frame_file_becomes_one_slice_per_frame(tmp_path):
    ds = make_slice(0, series_uid=generate_uid(), rows=4, columns=3)
    frames = np.stack([np.full((4, 3), 10 * k, dtype=np.uint16) for k in range(5)])
    ds.NumberOfFrames = 5
    ds.PixelData = frames.tobytes()
    ds.save_as(tmp_path / "multi.dcm", enforce_file_format=True)
    series = load_series(tmp_path).series[0]
    assert len(series) == 5
    assert [int(series.pixels[k, 0, 0]) for k in range(5)] == [0, 10, 20, 30, 40]


def test_rle_compressed_series_decodes_through_the_plugins(tmp_path):
    uid = generate_uid()
    for i in range(3):
        ds = make_slice(i, series_uid=uid)
        ds.compress(RLELossless, encoding_plugin="pydicom")
        ds.save_as(tmp_path / f"rle{i}.dcm", enforce_file_format=True)
    series = load_series(tmp_path).series[0]
    assert series.slices[0].header.pixel_offset is None  # not the raw fast path
    assert series.loaded.all()
    assert [column_of(series, i) for i in range(3)] == [0, 1, 2]


# --- broken input ---------------------------------------------------------------------------
def test_corrupt_and_truncated_files_are_reported_and_the_rest_loads(tmp_path):
    write_series(tmp_path, 4)
    (tmp_path / "garbage.dcm").write_bytes(b"this is not dicom at all" * 10)
    good = make_slice(9, series_uid=generate_uid())
    good.save_as(tmp_path / "cut.dcm", enforce_file_format=True)
    data = (tmp_path / "cut.dcm").read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[:-40])
    result = load_series(tmp_path)
    reasons = {Path(p.file).name: p.reason for p in result.problems}
    assert set(reasons) == {"garbage.dcm", "cut.dcm"}
    assert "truncated" in reasons["cut.dcm"]
    assert len(result.series) == 1 and len(result.series[0]) == 4
    assert result.series[0].loaded.all()


def test_absurd_size_claim_is_refused_before_allocation(tmp_path):
    ds = make_slice(0, series_uid=generate_uid())
    ds.Rows, ds.Columns, ds.NumberOfFrames = 65535, 65535, 1000
    ds.save_as(tmp_path / "huge.dcm", enforce_file_format=True)
    result = scan(tmp_path)
    assert result.series == []
    assert "refused" in result.problems[0].reason


def test_header_claiming_more_pixels_than_the_file_holds_is_refused(tmp_path):
    ds = make_slice(0, series_uid=generate_uid())
    ds.Rows = 4000  # the file holds 8 rows of pixels
    ds.save_as(tmp_path / "liar.dcm", enforce_file_format=True)
    result = scan(tmp_path)
    assert result.series == []
    assert "claims" in result.problems[0].reason


def test_non_image_objects_are_skipped_with_a_note(tmp_path):
    write_series(tmp_path, 2)
    report = Dataset()
    report.file_meta = FileMetaDataset()
    report.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    report.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # Basic Text SR
    report.SOPInstanceUID = generate_uid()
    report.file_meta.MediaStorageSOPClassUID = report.SOPClassUID
    report.file_meta.MediaStorageSOPInstanceUID = report.SOPInstanceUID
    report.Modality = "SR"
    report.save_as(tmp_path / "report.dcm", enforce_file_format=True)
    (tmp_path / "annotations.json").write_text("{}", encoding="utf-8")
    result = load_series(tmp_path)
    assert not result.problems
    notes = {Path(s.file).name: s.reason for s in result.skipped}
    assert set(notes) == {"report.dcm", "annotations.json"}
    assert "SR" in notes["report.dcm"] and ".json" in notes["annotations.json"]


def test_missing_path_is_an_atlas_error(tmp_path):
    with pytest.raises(AtlasError, match="no such file"):
        scan(tmp_path / "nowhere")


# --- streaming -------------------------------------------------------------------------------
def test_streaming_reads_the_requested_slice_first_and_can_be_cancelled(tmp_path):
    write_series(tmp_path, 12)
    series = scan(tmp_path).series[0]
    assert not series.loaded.any()
    order = series.load_order(5)
    assert order[0] == 5 and sorted(order) == list(range(12))
    stop = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 3:
            stop.set()

    assert series.load(first=5, progress=progress, cancel=stop) is False
    assert series.loaded[5] and series.loaded.sum() == 3
    assert column_of(series, 5) == 5
    assert series.load() is True and series.loaded.all()


def test_load_series_reports_progress_over_all_slices(tmp_path):
    write_series(tmp_path, 6)
    calls = []
    load_series(tmp_path, first_slice=2, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (1, 6) and calls[-1] == (6, 6)


# --- geometry and display --------------------------------------------------------------------
def test_orientation_markers_follow_the_direction_cosines():
    assert orientation_markers(AXIAL) == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert orientation_markers(CORONAL) == {"left": "R", "right": "L", "top": "S", "bottom": "I"}
    sagittal = [0, 1, 0, 0, 0, -1]
    assert orientation_markers(sagittal) == {"left": "A", "right": "P", "top": "S", "bottom": "I"}
    oblique = [0.8, 0.6, 0, 0, 0, -1]
    assert orientation_markers(oblique)["right"] == "LP"
    assert orientation_markers(None)["left"] == ""


def test_pixel_spacing_gives_the_true_aspect_ratio(tmp_path):
    write_series(tmp_path, 1)
    series = load_series(tmp_path).series[0]
    assert series.pixel_spacing == (0.5, 0.8)
    assert series.aspect == pytest.approx(0.5 / 0.8)


def test_window_from_the_file_wins_else_an_automatic_one(tmp_path):
    write_series(tmp_path / "a", 2, WindowCenter=300, WindowWidth=600)
    assert load_series(tmp_path / "a").series[0].default_window() == (300, 600)
    rng = np.random.default_rng(3)
    pixels = np.zeros((8, 6), dtype=np.uint16)
    pixels[2:6, 1:5] = rng.integers(400, 600, (4, 4))
    write_series(tmp_path / "b", 2, pixels=pixels)
    center, width = load_series(tmp_path / "b").series[0].default_window()
    assert center - width / 2 >= 380 and center + width / 2 <= 620  # background ignored


def test_series_kind_sets_presets_and_dwi_polarity():
    assert windowing.series_kind("WB DWI b800", (), "MR") == "dwi"
    assert windowing.series_kind("ep2d", ("ORIGINAL", "DIFFUSION"), "MR") == "dwi"
    assert windowing.inverted_by_default("dwi")
    assert windowing.series_kind("COR STIR", (), "MR") == "stir"
    assert windowing.series_kind("COR T1 TSE", (), "MR") == "t1"
    assert not windowing.inverted_by_default("stir")
    values = np.linspace(0, 1000, 4096)
    names = [p.name for p in windowing.presets("stir", values)]
    assert names[0] == "Auto" and "Oedema" in names


def test_linked_positions_need_a_shared_frame_of_reference(tmp_path):
    write_series(tmp_path / "a", 5, frame_of_reference="1.9.1")
    write_series(tmp_path / "b", 5, frame_of_reference="1.9.1", spacing=2.0)
    write_series(tmp_path / "c", 5, frame_of_reference="1.9.2")
    a, b, c = (load_series(tmp_path / k).series[0] for k in "abc")
    assert linked_positions_supported(a, b) and not linked_positions_supported(a, c)


# --- identifiers -------------------------------------------------------------------------------
def test_tag_browser_rows_never_hold_identifiers(tmp_path):
    write_series(tmp_path, 1)
    ds = load_series(tmp_path).series[0].header(0)
    rows = list(safe_rows(ds))
    text = " ".join(f"{r.keyword} {r.value}" for r in rows)
    for secret in (
        "Doe",
        "ID-0042",
        "20150101",
        "St Elsewhere",
        "House",
        "ACC-77",
        str(ds.StudyInstanceUID),
        str(ds.SOPInstanceUID),
    ):
        assert secret not in text
    keywords = {r.keyword for r in rows}
    assert {"PatientSex", "PatientAge", "Modality", "PixelSpacing"} <= keywords


def test_identifying_rules_cover_patient_group_names_and_private_tags():
    assert is_identifying(0x00100010, "PN")  # PatientName
    assert is_identifying(0x00101000, "LO")  # OtherPatientIDs
    assert not is_identifying(0x00101010, "AS")  # PatientAge
    assert is_identifying(0x00081070, "PN")  # OperatorsName, by VR
    assert is_identifying(0x00090010, "LO")  # private creator
    assert is_identifying(0x00080050, "SH")  # AccessionNumber
    assert not is_identifying(0x00180050, "DS")  # SliceThickness


def test_fast_header_reads_long_headers_and_pixels_followed_by_padding(tmp_path):
    from cnoatlas.imaging.dicom_io import Source, _read_header_fast

    uid = generate_uid()
    for i in range(3):
        ds = make_slice(i, series_uid=uid, WindowCenter=321, WindowWidth=123)
        if i != 1:
            ds.add_new(0x00090010, "LO", "ACME private")  # 10 kB before group 0020
            ds.add_new(0x00091010, "OB", bytes(10_000))
        else:
            ds.add_new(0xFFFCFFFC, "OB", bytes(64))  # trailing padding after the pixels
        ds.save_as(tmp_path / f"long{i}.dcm", enforce_file_format=True)
    for i in range(3):
        fast = _read_header_fast(Source(tmp_path / f"long{i}.dcm"))
        assert fast is not None and fast.values["WindowCenter"] == [321.0], i
    series = scan(tmp_path).series[0]
    assert series.file_window() == (321, 123)
    assert [column_of_position(series, i) for i in range(3)] == [0, 1, 2]
    series.load()
    for i in range(3):
        reference = pydicom.dcmread(tmp_path / f"long{i}.dcm").pixel_array
        assert np.array_equal(series.pixels[i], reference)


def column_of_position(series: Series, index: int) -> int:
    return round((series.position_mm(index) - series.position_mm(0)) / 4.0)


def test_bits_above_bits_stored_are_masked_like_pydicom(tmp_path):
    raw = np.array([[0xF001, 5]] * 2, dtype=np.uint16)  # garbage in the 4 unused high bits
    write_series(tmp_path, 1, pixels=raw, rows=2, columns=2, BitsStored=12, HighBit=11)
    series = load_series(tmp_path).series[0]
    reference = pydicom.dcmread(next(tmp_path.glob("*.dcm"))).pixel_array
    assert series.pixels[0].tolist() == reference.tolist() == [[1, 5], [1, 5]]


def test_a_description_naming_the_patient_never_reaches_the_screen(tmp_path):
    write_series(tmp_path / "a", 2, description="COR STIR Doe")
    write_series(tmp_path / "b", 2, description="ID-0042 sag T1")
    write_series(tmp_path / "c", 2, description="COR STIR WB")
    described = [s.description for s in load_series(tmp_path).series]
    assert "COR STIR WB" in described
    assert not any("doe" in d.lower() or "0042" in d for d in described)
    assert sum("withheld" in d for d in described) == 2
