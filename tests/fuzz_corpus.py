"""Mutated DICOM for the fuzz tests and the fuzz campaign (``python -m tests.fuzz_corpus``).

Seeds are pydicom's bundled test files (``pydicom.data.get_testdata_file``, local files only:
nothing is downloaded) and a small synthetic series. Every mutation kind the issue names is
here: byte flips, truncations, wrong lengths, wrong VRs, odd values, deep sequences, huge
dimensions, absurd frame counts, compressed bombs and a deflate bomb.
"""

from __future__ import annotations

import io
import os
import random
import struct
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pydicom
import pydicom.config
import pydicom.datadict
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    RLELossless,
    generate_uid,
)

SEED_NAMES = (
    "MR_small.dcm",
    "CT_small.dcm",
    "MR_small_RLE.dcm",
    "MR_small_implicit.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_jp2klossless.dcm",
    "JPEG2000.dcm",
    "JPEG-lossy.dcm",
    "SC_rgb_rle.dcm",
    "rtdose_1frame.dcm",
    "rtdose_rle.dcm",
    "image_dfl.dcm",
    "liver_1frame.dcm",
    "nested_priv_SQ.dcm",
    "UN_sequence.dcm",
    "badVR.dcm",
    "no_meta.dcm",
    "reportsi.dcm",
    "rtstruct.dcm",
    "MR_truncated.dcm",
    "examples_overlay.dcm",
)
EXPLICIT_VRS = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT",
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST",
    b"SV", b"TM", b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
]  # fmt: skip
ODD_NUMBERS = [b"inf", b"-inf", b"nan", b"1e400", b"-0", b"abc", b"1\\2\\", b"\xff\xfe", b"9" * 16]


def seed_files() -> dict[str, bytes]:
    """The bundled seeds that are on this machine, and a synthetic slice; name -> bytes."""
    seeds: dict[str, bytes] = {}
    for name in SEED_NAMES:
        try:
            path = get_testdata_file(name, download=False)
        except Exception:
            path = None
        if path and os.path.isfile(path):
            seeds[name] = Path(path).read_bytes()
    for i in range(3):
        seeds[f"synthetic{i}.dcm"] = to_bytes(synthetic_slice(i))
    seeds["enhanced.dcm"] = to_bytes(enhanced_multiframe(3))
    return seeds


def enhanced_multiframe(frames: int) -> Dataset:
    """A small enhanced MR file: frames placed by per-frame functional groups."""
    ds = synthetic_slice(0, rows=8, columns=8)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4.1"
    del ds.ImagePositionPatient, ds.ImageOrientationPatient, ds.PixelSpacing
    ds.NumberOfFrames = frames
    shared = Dataset()
    orientation = Dataset()
    orientation.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared.PlaneOrientationSequence = Sequence([orientation])
    measures = Dataset()
    measures.PixelSpacing = [1, 1]
    shared.PixelMeasuresSequence = Sequence([measures])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    items = []
    for f in range(frames):
        item, position, transform = Dataset(), Dataset(), Dataset()
        position.ImagePositionPatient = [0, 0, 3.0 * f]
        item.PlanePositionSequence = Sequence([position])
        transform.RescaleSlope, transform.RescaleIntercept = 1, 0
        item.PixelValueTransformationSequence = Sequence([transform])
        items.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(items)
    ds.PixelData = bytes(range(64)) * 2 * frames
    return ds


def synthetic_slice(i: int, series_uid: str = "1.2.826.0.1.3680043.8.498.1", rows: int = 16,
                    columns: int = 16) -> Dataset:  # fmt: skip
    import numpy as np

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.2"
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "MR"
    ds.PatientName = "Fuzz^Patient"
    ds.PatientID = "FUZZ001"
    ds.SeriesDescription = "COR STIR"
    ds.InstanceNumber = i + 1
    ds.ImagePositionPatient = [0.0, 0.0, 4.0 * i]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing = [1.0, 1.0]
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = (np.arange(rows * columns, dtype=np.uint16) + 100 * i).tobytes()
    return ds


def to_bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


# --- byte-level mutations -----------------------------------------------------------------
def flip(data: bytes, rnd: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rnd.randint(1, 16)):
        if out:
            out[rnd.randrange(len(out))] = rnd.randrange(256)
    return bytes(out)


def truncate(data: bytes, rnd: random.Random) -> bytes:
    cut = rnd.choice([rnd.randrange(max(len(data), 1)), 128, 132, 200, 270, 300, 512])
    return data[:cut]


def _element_positions(data: bytes) -> list[int]:
    """Offsets of what look like explicit-VR element headers (tag + a known VR)."""
    found = []
    for vr in EXPLICIT_VRS:
        at = data.find(vr, 132)
        while at >= 0 and len(found) < 2000:
            if at >= 4:
                found.append(at - 4)
            at = data.find(vr, at + 2)
    return found


def wrong_length(data: bytes, rnd: random.Random) -> bytes:
    positions = _element_positions(data)
    if not positions:
        return flip(data, rnd)
    out = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        at = rnd.choice(positions)
        vr = bytes(out[at + 4 : at + 6])
        value = rnd.choice([0, 1, 3, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, rnd.randrange(1 << 32)])
        if vr.upper() in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"OF", b"OD", b"UC", b"UR"):
            if at + 12 <= len(out):
                out[at + 8 : at + 12] = struct.pack("<I", value & 0xFFFFFFFF)
        elif at + 8 <= len(out):
            out[at + 6 : at + 8] = struct.pack("<H", value & 0xFFFF)
    return bytes(out)


def wrong_vr(data: bytes, rnd: random.Random) -> bytes:
    positions = _element_positions(data)
    if not positions:
        return flip(data, rnd)
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        at = rnd.choice(positions)
        out[at + 4 : at + 6] = rnd.choice([*EXPLICIT_VRS, b"ZZ", b"\x00\x00", b"xx", b"SQ"])
    return bytes(out)


def odd_values(data: bytes, rnd: random.Random) -> bytes:
    """Numbers (DS, IS) and text replaced by inf, nan, huge, junk."""
    out = bytearray(data)
    for vr in (b"DS", b"IS", b"FD", b"US"):
        at = out.find(vr, 132)
        while at >= 0:
            if rnd.random() < 0.5 and at + 4 <= len(out):
                length = struct.unpack_from("<H", out, at + 2)[0]
                start = at + 4
                junk = rnd.choice(ODD_NUMBERS)
                value = (junk * (length // max(len(junk), 1) + 1))[:length]
                out[start : start + length] = value.ljust(length, b" ")[:length]
            at = out.find(vr, at + 2)
    return bytes(out)


_ODD_TARGETS = {
    "Rows": ["US", [0, 1, 65535, 3]],
    "Columns": ["US", [0, 1, 65535, 7]],
    "NumberOfFrames": ["IS", ["0", "-1", "3", "2", "1e9", "inf", "abc", "65536"]],
    "BitsAllocated": ["US", [0, 1, 7, 12, 32, 64]],
    "BitsStored": ["US", [0, 1, 17, 40]],
    "SamplesPerPixel": ["US", [0, 2, 3, 9]],
    "PixelRepresentation": ["US", [1, 2, 7]],
    "PhotometricInterpretation": ["CS", ["RGB", "PALETTE COLOR", "", "YBR_FULL", "MONOCHROME1"]],
    "WindowCenter": ["DS", ["inf", "nan", "1e308", "-0", ""]],
    "WindowWidth": ["DS", ["0", "-5", "inf", "nan"]],
    "RescaleSlope": ["DS", ["0", "inf", "nan", "-1e308"]],
    "RescaleIntercept": ["DS", ["inf", "nan"]],
    "ImagePositionPatient": ["DS", [["inf", "0", "0"], ["1"], ["nan", "nan", "nan"]]],
    "ImageOrientationPatient": ["DS", [["0"] * 6, ["inf"] * 6, ["1", "0"]]],
    "PixelSpacing": ["DS", [["0", "0"], ["-1", "inf"], ["1"]]],
    "InstanceNumber": ["IS", ["-1", "99999999999999", "x"]],
    "GridFrameOffsetVector": ["DS", [["0", "1"], ["inf"], []]],
    "PixelData": ["OB", [b"", b"\x00", b"\x00" * 3]],
}


def odd_elements(data: bytes, rnd: random.Random) -> bytes:
    """Image elements set to odd values through pydicom (size, frames, bits, numbers, VRs)."""
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
        for _ in range(rnd.randint(1, 3)):
            keyword = rnd.choice(sorted(_ODD_TARGETS))
            vr, choices = _ODD_TARGETS[keyword]
            value = rnd.choice(choices)
            if rnd.random() < 0.15:
                vr = rnd.choice(["UN", "LO", "SQ", "OB", "FD"])  # the wrong VR
            if keyword in ds:
                del ds[keyword]
            tag = pydicom.datadict.tag_for_keyword(keyword)
            if vr == "SQ":
                value = Sequence([Dataset()])
            elif vr in ("UN", "OB") and not isinstance(value, bytes):
                value = str(value).encode()
            ds.add_new(tag, vr, value)
        buffer = io.BytesIO()
        with pydicom.config.disable_value_validation():
            ds.save_as(buffer)
        return buffer.getvalue()
    except Exception:
        return flip(data, rnd)


MUTATORS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "odd_elements": odd_elements,
    "flip": flip,
    "truncate": truncate,
    "wrong_length": wrong_length,
    "wrong_vr": wrong_vr,
    "odd_values": odd_values,
}


def mutate(data: bytes, kinds: list[str], seed: int) -> bytes:
    rnd = random.Random(seed)
    for kind in kinds:
        data = MUTATORS[kind](data, rnd)
    return data


# --- structural hostile files ---------------------------------------------------------------
def deep_sequence(depth: int = 400, undefined: bool = True) -> bytes:
    """A small file whose sequence items nest ``depth`` levels deep."""
    ds = synthetic_slice(0)
    inner = Dataset()
    inner.CodeValue = "X"
    for _ in range(depth):
        outer = Dataset()
        outer.add_new(0x00400260, "SQ", Sequence([inner]))  # Performed Protocol Code Seq
        inner = outer
    ds.add_new(0x00400260, "SQ", Sequence([inner]))
    if undefined:
        for elem_ds in _walk_items(ds):
            for elem in elem_ds:
                if elem.VR == "SQ":
                    elem.is_undefined_length = True
                    for item in elem.value:
                        item.is_undefined_length_sequence_item = True
    sys_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(sys_limit, depth * 10 + 1000))  # the writer recurses too
    try:
        return to_bytes(ds)
    finally:
        sys.setrecursionlimit(sys_limit)


def _walk_items(ds: Dataset):
    stack = [ds]
    while stack:
        item = stack.pop()
        yield item
        for elem in item:
            if elem.VR == "SQ":
                stack.extend(elem.value)


def huge_dimensions(rows: int, columns: int, frames: int | None = None, bits: int = 16,
                    compressed: bool = False) -> bytes:  # fmt: skip
    """A slice that claims a huge image (and holds the few bytes of a small one)."""
    ds = synthetic_slice(0)
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated = bits
    ds.BitsStored, ds.HighBit = bits, bits - 1
    if frames is not None:
        ds.NumberOfFrames = frames
    if compressed:
        # One RLE frame of one segment: a replicate run, a few bytes expanding without end.
        segment = bytes([0x81, 0]) * 64
        header = struct.pack("<16I", 1, 64, *([0] * 14))
        frame = header + segment
        item = struct.pack("<HHI", 0xFFFE, 0xE000, 0)  # empty basic offset table
        item += struct.pack("<HHI", 0xFFFE, 0xE000, len(frame)) + frame
        item += struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
        ds.file_meta.TransferSyntaxUID = RLELossless
        ds.PixelData = item
        ds["PixelData"].is_undefined_length = True
        ds["PixelData"].VR = "OB"
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return buffer.getvalue()
    return to_bytes(ds)


def deflate_bomb(expanded: int = 1 << 30) -> bytes:
    """A deflated file whose data set inflates to ``expanded`` bytes (about 1 MB on disk)."""
    ds = synthetic_slice(0)
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    del ds.PixelData
    plain = to_bytes_explicit_body(ds)
    pad_tag = struct.pack("<HH", 0x0009, 0x1010) + b"OB\0\0" + struct.pack("<I", expanded)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(plain + pad_tag)
    zeros = bytes(1 << 20)
    for _ in range(expanded >> 20):
        body += compressor.compress(zeros)
    body += compressor.flush()
    meta = io.BytesIO()
    ds.preamble = b"\0" * 128
    from pydicom.filebase import DicomFileLike
    from pydicom.filewriter import write_file_meta_info

    meta.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(DicomFileLike(meta), ds.file_meta, enforce_standard=True)
    return meta.getvalue() + body


def to_bytes_explicit_body(ds: Dataset) -> bytes:
    """The data set alone, explicit VR little endian (what a deflated file deflates)."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    plain = Dataset(ds)
    plain.file_meta = None
    del plain.file_meta
    write_dataset(buffer, plain)
    return buffer.getvalue()


def hostile_corpus() -> dict[str, bytes]:
    """One file of each structural kind: name -> bytes."""
    return {
        "deep_undefined_400.dcm": deep_sequence(400, undefined=True),
        "deep_defined_400.dcm": deep_sequence(400, undefined=False),
        "huge_23170x23170.dcm": huge_dimensions(23170, 23170),
        "huge_65535x8192.dcm": huge_dimensions(65535, 8192),
        "frames_1000000.dcm": huge_dimensions(1, 1, frames=1_000_000, bits=8),
        "frames_60000_1x1.dcm": huge_dimensions(4, 4, frames=60000, bits=8),
        "rle_bomb_23170x23170.dcm": huge_dimensions(23170, 23170, compressed=True),
        "rle_bomb_65535x8192_8bit.dcm": huge_dimensions(65535, 8192, bits=8, compressed=True),
        "rle_bomb_8192x8192_8bit.dcm": huge_dimensions(8192, 8192, bits=8, compressed=True),
        "deflate_bomb_1GiB.dcm": deflate_bomb(1 << 30),
        "zeros_after_header.dcm": zeros_after_header(32 << 20),
        "random_bytes.dcm": random.Random(5).randbytes(8 << 20),
        "random_after_header.dcm": to_bytes(synthetic_slice(0))[:600]
        + random.Random(6).randbytes(4 << 20),
    }


def zeros_after_header(size: int) -> bytes:
    """A good header, then ``size`` zero bytes: what a half-copied file or /dev/zero gives."""
    ds = synthetic_slice(0)
    del ds.PixelData
    return to_bytes(ds) + bytes(size)


# --- the check every input must pass ---------------------------------------------------------
def check_one(path: Path) -> str:
    """Read ``path`` as the atlas does (probe, header, pixels, tag table); return the outcome.

    Raises only if the reader lets an exception other than its own one-line problem escape.
    """
    import numpy as np

    from cnoatlas.imaging.dicom_io import (
        SkippedFile,
        Source,
        UnreadableFile,
        decode_frames,
        probe,
        read_header,
        read_raw_frames,
    )
    from cnoatlas.imaging.safe_tags import safe_rows

    source = Source(path)
    probe(source)
    try:
        header = read_header(source)
    except (SkippedFile, UnreadableFile) as exc:
        _one_line(str(exc))
        return f"{type(exc).__name__}: {exc}"
    try:
        list(safe_rows(header.dataset))
        if header.pixel_offset is not None:
            out = np.empty((1, header.rows, header.columns), dtype=header.dtype)
            read_raw_frames(header, out, 0)
        else:
            decode_frames(header)
    except UnreadableFile as exc:
        _one_line(str(exc))
        return f"UnreadableFile: {exc}"
    return "ok"


def _one_line(text: str) -> None:
    if "\n" in text or "\r" in text or not text.strip():
        raise AssertionError(f"reason is not one line: {text!r}")


def _campaign_folder(out: Path, i: int) -> int:
    from cnoatlas.imaging.series import load_series

    folder = out / "folder"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for k in range(1, 11):
        src = out / f"m{(i - k) % 64}.dcm"
        if src.exists():
            (folder / f"f{k}.dcm").write_bytes(src.read_bytes())
    t0 = time.monotonic()
    try:
        result = load_series(folder)
        for problem in [*result.problems, *result.skipped]:
            _one_line(problem.reason)
        for series in result.series:
            series.summary()
            series.default_window()
            for index in range(len(series)):
                series.modality_slice(index)
                series.markers(index)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        print(f"FAIL folder {i}: {type(exc).__name__}: {exc}"[:300], flush=True)
        import shutil

        shutil.copytree(folder, out / f"failfolder{i}", dirs_exist_ok=True)
        return 1
    if time.monotonic() - t0 > 10:
        print(f"SLOW folder {i}: {time.monotonic() - t0:.1f}s", flush=True)
    return 0


def campaign(n: int, out: Path) -> int:
    """Run ``n`` mutated inputs through ``check_one``; print every escape; return failures."""
    import resource

    out.mkdir(parents=True, exist_ok=True)
    seeds = list(seed_files().items())
    kinds = list(MUTATORS)
    failures = slowest = 0
    outcomes: dict[str, int] = {}
    start = time.monotonic()
    for i in range(n):
        rnd = random.Random(i)
        name, data = seeds[i % len(seeds)]
        chosen = [rnd.choice(kinds) for _ in range(rnd.randint(1, 3))]
        path = out / f"m{i % 64}.dcm"
        path.write_bytes(mutate(data, chosen, i))
        t0 = time.monotonic()
        try:
            outcome = check_one(path)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures += 1
            print(f"FAIL {i} {name} {chosen}: {type(exc).__name__}: {exc}"[:300], flush=True)
            (out / f"fail{i}_{name}").write_bytes(path.read_bytes())
            outcome = "FAIL"
        took = time.monotonic() - t0
        slowest = max(slowest, took)
        if took > 5:
            print(f"SLOW {i} {name} {chosen}: {took:.1f}s", flush=True)
            (out / f"slow{i}_{name}").write_bytes(path.read_bytes())
        key = outcome.split(":")[0]
        outcomes[key] = outcomes.get(key, 0) + 1
        if i % 10 == 9:  # a folder of this and the last few mutants, scanned and loaded
            failures += _campaign_folder(out, i)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n} inputs in {time.monotonic() - start:.0f}s: {failures} failures, slowest "
        f"{slowest:.2f}s, max RSS {rss:.0f} MiB, outcomes {outcomes}",
        flush=True,
    )
    return failures


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/cnoatlas-fuzz")
    sys.exit(1 if campaign(count, folder) else 0)
