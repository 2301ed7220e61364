"""Paths and devices a resident may point the atlas at: links, loops, FIFOs, sockets, devices,
zip files that lie about their members, DICOMDIRs read on a case-sensitive file system."""

from __future__ import annotations

import os
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest

from cnoatlas.domain.errors import AtlasError
from cnoatlas.imaging import dicom_io
from cnoatlas.imaging.dicom_io import find_sources
from cnoatlas.imaging.series import scan
from tests import fuzz_corpus as corpus


def _slice(folder: Path, i: int, uid: str = "5.5.5") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"IM{i:04d}"
    path.write_bytes(corpus.to_bytes(corpus.synthetic_slice(i, uid)))
    return path


def _reasons(result) -> dict[str, str]:
    return {Path(p.file).name: p.reason for p in [*result.problems, *result.skipped]}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_links_fifos_and_sockets_are_skipped_with_a_reason_never_opened(tmp_path):
    study = tmp_path / "study"
    for i in range(3):
        _slice(study, i)
    os.symlink(".", study / "loop")  # a loop back to the folder itself
    os.symlink(study, study / "sub_loop")
    os.symlink("/dev/zero", study / "zero")
    os.symlink(tmp_path / "elsewhere.dcm", study / "dangling")
    outside = _slice(tmp_path / "outside", 9)
    os.symlink(outside, study / "out.dcm")
    os.symlink(study / "IM0000", study / "again.dcm")  # a link inside: read (once more)
    os.mkfifo(study / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(study / "sock"))
    except OSError:
        sock = None
    start = time.monotonic()
    result = scan(study)
    assert time.monotonic() - start < 10
    assert [len(s) for s in result.series] == [4]  # three slices and the inside link
    reasons = _reasons(result)
    assert "FIFO" in reasons["fifo"]
    assert "outside" in reasons["out.dcm"] and "outside" in reasons["zero"]
    assert "dangling" in reasons
    if sock is not None:
        assert "socket" in reasons["sock"]
        sock.close()
    assert "loop" not in reasons and "sub_loop" not in reasons  # folders: entered once


def test_a_fifo_that_replaced_a_file_is_not_opened(tmp_path):
    path = _slice(tmp_path, 0)
    source = find_sources(tmp_path)[0][0]
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(dicom_io.SkippedFile, match="FIFO"):
        dicom_io.read_header(source)  # would block for ever if it opened the pipe


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "empty path"),
        ("   ", "empty path"),
        ("/dev/zero", "a device"),
        ("/dev/urandom", "a device"),
    ],
)
def test_paths_that_are_not_dicom_give_one_line(path, message):
    with pytest.raises(AtlasError, match=message) as caught:
        find_sources(path)
    assert "\n" not in str(caught.value)


def test_a_file_where_a_folder_is_expected(tmp_path):
    path = _slice(tmp_path, 0)
    with pytest.raises(AtlasError, match="not a folder"):
        find_sources(f"{path}/")
    with pytest.raises(AtlasError, match="not a folder"):
        find_sources(path / "IM0001")
    loop = tmp_path / "self"
    os.symlink(loop, loop)
    with pytest.raises(AtlasError, match="loops"):
        find_sources(loop)


def test_zip_members_are_checked_against_their_declared_size_and_a_cap(tmp_path, monkeypatch):
    archive = tmp_path / "study.zip"
    good = corpus.to_bytes(corpus.synthetic_slice(0, "6.6"))
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("IM0", good)
        z.writestr("big.dcm", b"\0" * (3 << 20))
        z.writestr("zeros.dcm", b"\0" * (1 << 20))
    # A member too big for any image is refused from its declared size, without reading it.
    monkeypatch.setattr(dicom_io.LIMITS, "series_bytes", 1 << 20)
    monkeypatch.setattr(dicom_io.LIMITS, "header_bytes", 1 << 20)
    result = scan(archive)
    assert [len(s) for s in result.series] == [1]
    reasons = {p.file.split(":")[-1]: p.reason for p in [*result.problems, *result.skipped]}
    assert "declares 3 MiB" in reasons["big.dcm"]
    assert "not DICOM" in reasons["zeros.dcm"] or "not a DICOM" in reasons["zeros.dcm"]
    # Members together over the total cap are not read.
    monkeypatch.setattr(dicom_io.LIMITS, "zip_total_bytes", len(good) + 10)
    result = scan(archive)
    assert any("together exceed" in p.reason for p in result.problems)


def test_a_zip_member_shorter_than_it_claims_is_a_problem(tmp_path):
    archive = tmp_path / "lie.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("IM0", corpus.to_bytes(corpus.synthetic_slice(0)))
    data = bytearray(archive.read_bytes())
    # Make the central directory claim a larger member than the data holds.
    at = data.rfind(b"PK\x01\x02")
    size_at = at + 24
    real = int.from_bytes(data[size_at : size_at + 4], "little")
    data[size_at : size_at + 4] = (real + 5000).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    result = scan(archive)
    assert not result.series and len(result.problems) == 1
    assert "\n" not in result.problems[0].reason


def _dicomdir(folder: Path, names: list[list[str]]) -> Path:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.preamble = b"\0" * 128
    ds.FileSetID = "TEST"
    records = []
    for parts in names:
        record = Dataset()
        record.DirectoryRecordType = "IMAGE"
        record.ReferencedFileID = parts
        records.append(record)
    ds.DirectoryRecordSequence = Sequence(records)
    path = folder / "DICOMDIR"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_a_dicomdir_with_lower_case_files_matches_them_fast(tmp_path):
    # 1500 records, every file named in lower case on disk (a CD read on Linux).
    names = []
    data = corpus.to_bytes(corpus.synthetic_slice(0, "8.8"))
    for i in range(1500):
        folder = tmp_path / "dicom" / f"s{i // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"im{i:04d}").write_bytes(data)
        names.append(["DICOM", f"S{i // 100:02d}", f"IM{i:04d}"])
    names.append(["DICOM", "MISSING"])
    names.append(["..", "ETC", "PASSWD"])
    path = _dicomdir(tmp_path, names)
    start = time.monotonic()
    sources, problems = find_sources(path)
    assert time.monotonic() - start < 5
    assert len(sources) == 1500
    assert {p.reason for p in problems} == {
        "named by the DICOMDIR but missing",
        "file reference leaves its folder",
    }


def test_every_scan_can_be_cancelled(tmp_path):
    for i in range(30):
        _slice(tmp_path / "a", i)
    cancel = threading.Event()
    cancel.set()
    result = scan(tmp_path, cancel=cancel)
    assert result.series == [] and result.problems == []
    assert find_sources(tmp_path, cancel) == ([], [])


def test_non_utf8_file_names_are_printable(tmp_path):
    name = os.fsdecode(b"bad\xffname.dcm")
    (tmp_path / name).write_bytes(b"\0" * 10)
    result = scan(tmp_path)
    (problem,) = result.problems
    problem.file.encode("utf-8")  # no lone surrogates
    assert "\ufffd" in problem.file
