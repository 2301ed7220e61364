"""Finding DICOM files and reading their headers and pixel bytes (no Qt).

A *source* is one file to read: on disk, inside a zip, or named by a DICOMDIR. Headers are read
without pixels; pixel bytes of uncompressed little-endian data are later read straight into a
preallocated array at the offset recorded here, everything else goes through pydicom's decoders.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from cnoatlas.domain.errors import AtlasError

# One file may hold at most this many pixel bytes; a bigger claim is a broken or hostile header.
MAX_FILE_PIXEL_BYTES = 1 << 30
PIXEL_DATA_TAG = 0x7FE00010
# Uncompressed little-endian transfer syntaxes whose pixel bytes can be read as they are.
_RAW_LITTLE_ENDIAN = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}
_IMAGE_ELEMENTS = ("Rows", "Columns")
# Files that sit beside DICOM in exports and are not worth a problem line when they are not DICOM.
_OTHER_FILE_TYPES = {
    ".json",
    ".txt",
    ".md",
    ".xml",
    ".csv",
    ".html",
    ".htm",
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".bmp",
    ".ini",
    ".log",
    ".exe",
    ".inf",
    ".ico",
    ".gz",
    ".icc",
    ".dump",
}


@dataclass(frozen=True)
class Source:
    """One file to read: ``path`` on disk, or ``member`` of the zip at ``path``."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else str(self.path)

    def open(self):
        if self.member is None:
            return open(self.path, "rb")
        return io.BytesIO(_archive(self.path).read(self.member))

    def open_unbuffered(self):
        """For a few large reads at known offsets: one system call each, no buffer to fill."""
        if self.member is None:
            return open(self.path, "rb", buffering=0)
        return self.open()


_ZIPS = threading.local()


def _archive(path: Path) -> zipfile.ZipFile:
    """One open ZipFile per archive and thread: reading its directory once, not per member."""
    cache = getattr(_ZIPS, "archives", None)
    if cache is None:
        cache = _ZIPS.archives = {}
    key = (str(path), path.stat().st_mtime_ns)
    archive = cache.get(key)
    if archive is None:
        for old in cache.values():
            old.close()
        cache.clear()
        archive = cache[key] = zipfile.ZipFile(path)
    return archive


@dataclass(frozen=True)
class Problem:
    """A file that could not be used, and why (shown to the user, listed by ``dicom info``)."""

    file: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}


class SkippedFile(Exception):
    """A readable DICOM file that holds no image (a report, a presentation state, a DICOMDIR)."""


class UnreadableFile(Exception):
    """A file that is not usable DICOM image data; the message says why, in one line."""


@dataclass(eq=False)
class Header:
    """What a file says about its pixels, read without loading them."""

    source: Source
    parsed: Dataset | None  # None when read by the fast path: parsed on first use
    rows: int
    columns: int
    frames: int
    samples: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    transfer_syntax: str
    pixel_offset: int | None  # where raw, uncompressed pixel bytes start (fast path), else None
    values: dict[str, Any]  # the few elements series building needs (see FAST_ELEMENTS)

    @property
    def dataset(self) -> Dataset:
        """The whole header (no pixels), as pydicom reads it."""
        if self.parsed is None:
            with self.source.open() as fp, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.parsed = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
        return self.parsed

    @property
    def frame_bytes(self) -> int:
        return self.rows * self.columns * self.samples * self.bits_allocated // 8

    @property
    def dtype(self) -> np.dtype:
        if self.bits_allocated == 8:
            return np.dtype(np.int8 if self.signed else np.uint8)
        if self.bits_allocated == 16:
            return np.dtype(np.int16 if self.signed else np.uint16)
        return np.dtype(np.int32 if self.signed else np.uint32)


# Elements every slice needs, read from the raw bytes: converting them through pydicom's general
# machinery costs more than reading the whole header.
_STRINGS = {
    0x0020000D: "StudyInstanceUID",
    0x0020000E: "SeriesInstanceUID",
    0x00080016: "SOPClassUID",
    0x00080018: "SOPInstanceUID",
    0x00200052: "FrameOfReferenceUID",
    0x00280004: "PhotometricInterpretation",
}
_NUMBERS = {
    0x00280008: "NumberOfFrames",
    0x00200013: "InstanceNumber",
    0x00200032: "ImagePositionPatient",
    0x00200037: "ImageOrientationPatient",
    0x00280030: "PixelSpacing",
    0x00181164: "ImagerPixelSpacing",
    0x00281053: "RescaleSlope",
    0x00281052: "RescaleIntercept",
    0x00281050: "WindowCenter",
    0x00281051: "WindowWidth",
}
_SHORTS = {
    0x00280010: "Rows",
    0x00280011: "Columns",
    0x00280002: "SamplesPerPixel",
    0x00280100: "BitsAllocated",
    0x00280101: "BitsStored",
    0x00280103: "PixelRepresentation",
}
FAST_ELEMENTS = (*_STRINGS.values(), *_NUMBERS.values(), *_SHORTS.values())


def _fast_values(ds: Dataset) -> dict[str, Any]:
    """Strings as str, decimal/integer strings as lists of float, US as int; absent -> None."""
    out: dict[str, Any] = dict.fromkeys(FAST_ELEMENTS)
    little = ds.original_encoding[1] is not False
    store = ds._dict
    for tags, kind in ((_STRINGS, 0), (_NUMBERS, 1), (_SHORTS, 2)):
        for tag, keyword in tags.items():
            elem = store.get(tag)
            if elem is None:
                continue
            raw = getattr(elem, "is_raw", False)
            value = elem.value
            if value is None or value == b"" or value == "":
                continue
            try:
                if kind == 0:
                    out[keyword] = (value.decode("ascii", "replace") if raw else str(value)).strip(
                        " \x00"
                    )
                elif kind == 1:
                    if raw:
                        parts = value.decode("ascii", "replace").split("\\")
                    elif isinstance(value, str) or not hasattr(value, "__iter__"):
                        parts = [value]
                    else:
                        parts = list(value)
                    out[keyword] = [float(p) for p in parts if str(p).strip()]
                elif raw:
                    out[keyword] = struct.unpack("<H" if little else ">H", value[:2])[0]
                else:
                    out[keyword] = int(value)
            except (ValueError, TypeError, struct.error):
                # Leave a malformed value to pydicom, which will name the problem.
                out[keyword] = ds.get(keyword)
    return out


def find_sources(path: Path) -> tuple[list[Source], list[Problem]]:
    """Every candidate file under a folder (recursive), in a zip, or named by a DICOMDIR."""
    path = Path(path)
    if not path.exists():
        raise AtlasError(f"{path}: no such file or folder")
    if path.is_dir():
        return [Source(p) for p in sorted(_walk(path))], []
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
        except (zipfile.BadZipFile, OSError) as exc:
            raise AtlasError(f"{path}: not a readable zip file ({exc})") from exc
        return [Source(path, n) for n in names if not Path(n).name.startswith(".")], []
    if path.name.upper() == "DICOMDIR":
        return _dicomdir_sources(path)
    return [Source(path)], []


def _walk(folder: Path) -> Iterator[Path]:
    """Every visible file under ``folder``; scandir avoids a stat per file."""
    stack = [str(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file():
                yield Path(entry.path)


def _dicomdir_sources(path: Path) -> tuple[list[Source], list[Problem]]:
    try:
        ds = pydicom.dcmread(path)
        records = ds.DirectoryRecordSequence
    except Exception as exc:
        raise AtlasError(f"{path}: not a readable DICOMDIR ({exc})") from exc
    sources, problems, seen = [], [], set()
    for record in records:
        parts = record.get("ReferencedFileID")
        if not parts:
            continue
        parts = [parts] if isinstance(parts, str) else list(parts)
        target = path.parent.joinpath(*parts)
        if not target.is_file():
            # File IDs are upper case by the standard; file systems may not be.
            matches = [
                p
                for p in path.parent.rglob("*")
                if p.relative_to(path.parent).parts
                and [s.upper() for s in p.relative_to(path.parent).parts]
                == [s.upper() for s in parts]
            ]
            if not matches:
                problems.append(Problem("/".join(parts), "named by the DICOMDIR but missing"))
                continue
            target = matches[0]
        if target not in seen:
            seen.add(target)
            sources.append(Source(target))
    return sources, problems


def _pixel_offset(fp, ds: Dataset) -> int | None:
    """Where the raw pixel bytes start, if the file is uncompressed little-endian data."""
    ts = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    if not ts:
        ts = "1.2.840.10008.1.2.1" if not ds.original_encoding[0] else "1.2.840.10008.1.2"
    if ts not in _RAW_LITTLE_ENDIAN:
        return None
    start = fp.tell()
    head = fp.read(12)
    if len(head) < 8:
        return None
    group, element = struct.unpack("<HH", head[:4])
    if (group << 16 | element) != PIXEL_DATA_TAG:
        return None
    if ts == "1.2.840.10008.1.2":
        length, value_start = struct.unpack("<I", head[4:8])[0], start + 8
    else:
        if len(head) < 12:
            return None
        length, value_start = struct.unpack("<I", head[8:12])[0], start + 12
    if length == 0xFFFFFFFF:
        return None
    return value_start


def read_header(source: Source) -> Header:
    """Read one file's header (no pixels); raise SkippedFile or UnreadableFile with a reason."""
    try:
        header = _read_header_fast(source)
    except (OSError, ValueError, struct.error):
        header = None
    return header if header is not None else _read_header_pydicom(source)


_EXPLICIT_LE = b"1.2.840.10008.1.2.1"
_LONG_VRS = {
    b"OB",
    b"OD",
    b"OF",
    b"OL",
    b"OV",
    b"OW",
    b"SQ",
    b"SV",
    b"UC",
    b"UN",
    b"UR",
    b"UT",
    b"UV",
}
# (tag, keyword, VR, kind) in file order: 0 text, 1 decimal/integer strings, 2 US.
_FAST_SCAN = sorted(
    [
        (t, k, vr, 0)
        for t, k, vr in (
            (0x00080016, "SOPClassUID", b"UI"),
            (0x00080018, "SOPInstanceUID", b"UI"),
            (0x0020000D, "StudyInstanceUID", b"UI"),
            (0x0020000E, "SeriesInstanceUID", b"UI"),
            (0x00200052, "FrameOfReferenceUID", b"UI"),
            (0x00280004, "PhotometricInterpretation", b"CS"),
        )
    ]
    + [
        (t, k, vr, 1)
        for t, k, vr in (
            (0x00181164, "ImagerPixelSpacing", b"DS"),
            (0x00200013, "InstanceNumber", b"IS"),
            (0x00200032, "ImagePositionPatient", b"DS"),
            (0x00200037, "ImageOrientationPatient", b"DS"),
            (0x00280008, "NumberOfFrames", b"IS"),
            (0x00280030, "PixelSpacing", b"DS"),
            (0x00281050, "WindowCenter", b"DS"),
            (0x00281051, "WindowWidth", b"DS"),
            (0x00281052, "RescaleIntercept", b"DS"),
            (0x00281053, "RescaleSlope", b"DS"),
        )
    ]
    + [
        (t, k, b"US", 2)
        for t, k in (
            (0x00280002, "SamplesPerPixel"),
            (0x00280010, "Rows"),
            (0x00280011, "Columns"),
            (0x00280100, "BitsAllocated"),
            (0x00280101, "BitsStored"),
            (0x00280103, "PixelRepresentation"),
        )
    ]
)
_FAST_HEAD_BYTES = 8192
_FAST_HEAD_RETRY = 1 << 16
_FAST_HEAD_LIMIT = 1 << 20


def _scan_values(head: bytes, start: int) -> dict[str, Any] | None:
    """The fast elements found in ``head``; ``_end`` is where the last one found ends."""
    values: dict[str, Any] = dict.fromkeys(FAST_ELEMENTS)
    pos = start
    for tag, keyword, vr, kind in _FAST_SCAN:
        # Searching onwards from the last hit keeps the tags in file order.
        at = head.find(struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr, pos)
        if at < 0:
            continue
        length = struct.unpack_from("<H", head, at + 6)[0]
        raw = head[at + 8 : at + 8 + length]
        if len(raw) != length:
            return None
        pos = at + 8 + length
        if kind == 0:
            values[keyword] = raw.decode("ascii", "replace").strip(" \x00")
        elif kind == 1:
            text = raw.decode("ascii", "replace")
            try:
                values[keyword] = [float(p) for p in text.split("\\") if p.strip()]
            except ValueError:
                return None  # a malformed number: pydicom's reader names the problem
        elif length == 2:
            values[keyword] = struct.unpack_from("<H", raw)[0]
        else:
            return None
    values["_end"] = pos
    return values


def _read_header_fast(source: Source) -> Header | None:
    """Classic single-frame, uncompressed explicit-VR-little-endian images, read by byte search
    and accepted only when the pixel element sits exactly where the header says it must (at
    the end of the file, with the length Rows x Columns x Bits implies). Anything else: None."""
    with source.open_unbuffered() as fp:
        head = fp.read(_FAST_HEAD_BYTES)
        if len(head) < 144 or head[128:132] != b"DICM":
            return None
        # File meta: group length first, then the transfer syntax.
        if head[132:138] != b"\x02\x00\x00\x00UL":
            return None
        start = 144 + struct.unpack_from("<I", head, 140)[0]
        ts_at = head.find(b"\x02\x00\x10\x00UI", 144, start)
        if ts_at < 0:
            return None
        ts_len = struct.unpack_from("<H", head, ts_at + 6)[0]
        if head[ts_at + 8 : ts_at + 8 + ts_len].rstrip(b"\x00 ") != _EXPLICIT_LE:
            return None
        values = _scan_values(head, start)
        if values is not None and values["Rows"] is None and len(head) == _FAST_HEAD_BYTES:
            # A long header (private blocks): look further, once.
            head += fp.read(_FAST_HEAD_RETRY - len(head))
            values = _scan_values(head, start)
        if values is None:
            return None
        rows, columns = values["Rows"], values["Columns"]
        bits = values["BitsAllocated"]
        frames = values["NumberOfFrames"]
        if (
            not rows
            or not columns
            or bits not in (8, 16)
            or (values["SamplesPerPixel"] or 1) != 1
            or (frames and frames != [1.0])
            or values["PhotometricInterpretation"] not in ("MONOCHROME1", "MONOCHROME2")
        ):
            return None
        expected = rows * columns * bits // 8
        padded = expected + (expected & 1)
        fp.seek(0, os.SEEK_END)
        size = fp.tell()
        # Usually the pixels end the file; some writers add elements (padding) after them.
        candidates = [size - padded - 12]
        at = head.find(b"\xe0\x7f\x10\x00", start)
        while at >= 0 and len(candidates) < 4:
            candidates.append(at)
            at = head.find(b"\xe0\x7f\x10\x00", at + 4)
        element_at = None
        for candidate in candidates:
            if candidate < start or candidate + 12 + padded > size:
                continue
            fp.seek(candidate)
            element = fp.read(12)
            if (
                element[:4] == b"\xe0\x7f\x10\x00"
                and element[4:6] in (b"OW", b"OB")
                and struct.unpack_from("<I", element, 8)[0] == padded
            ):
                element_at = candidate
                break
        if element_at is None:
            return None
        rescan = values["_end"] > element_at
        if element_at > len(head):
            if element_at > _FAST_HEAD_LIMIT:
                return None
            fp.seek(0)
            head = fp.read(element_at)
            rescan = True
        if rescan:
            # Values are read only from before the pixel element (nothing after it is ours).
            values = _scan_values(head[:element_at], start)
            if values is None or values["Rows"] != rows or values["Columns"] != columns:
                return None
    del values["_end"]
    values["NumberOfFrames"] = None
    stored = values["BitsStored"] or bits
    return Header(
        source,
        None,
        rows,
        columns,
        1,
        1,
        bits,
        stored,
        values["PixelRepresentation"] == 1,
        _EXPLICIT_LE.decode(),
        element_at + 12,
        values,
    )


def _read_header_pydicom(source: Source) -> Header:
    try:
        with source.open() as fp, warnings.catch_warnings():
            # pydicom warns about every odd value; problems that matter are raised and reported.
            warnings.simplefilter("ignore")
            try:
                ds = pydicom.dcmread(fp, stop_before_pixels=True)
            except InvalidDicomError:
                suffix = Path(source.member or source.path).suffix.lower()
                if suffix in _OTHER_FILE_TYPES:
                    raise SkippedFile(f"not DICOM (a {suffix} file)") from None
                # Old files without the 128-byte preamble are still DICOM if an element parses.
                fp.seek(0)
                ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
                if len(ds) == 0 or ("SOPClassUID" not in ds and "Rows" not in ds):
                    raise UnreadableFile("not a DICOM file") from None
            offset = _pixel_offset(fp, ds) if "Rows" in ds else None
            at_end = fp.tell()
            fp.seek(0, os.SEEK_END)
            file_size = fp.tell()
    except (SkippedFile, UnreadableFile):
        raise
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file ({exc.strerror or exc})") from exc
    except Exception as exc:
        raise UnreadableFile(f"not readable as DICOM ({_one_line(exc)})") from exc
    return _describe(source, ds, offset, file_size, at_end)


def _describe(source: Source, ds: Dataset, offset, file_size: int, at_end: int) -> Header:
    values = _fast_values(ds)
    sop_class = values["SOPClassUID"] or ""
    if sop_class == "1.2.840.10008.1.3.10" or "DirectoryRecordSequence" in ds:
        raise SkippedFile("a DICOMDIR (index of files), not an image")
    if values["Rows"] is None or values["Columns"] is None:
        kind = UID(sop_class).name if sop_class else "an object"
        raise SkippedFile(f"no image in it ({kind})")

    def number(keyword: str, default: int) -> int:
        value = values[keyword]
        if isinstance(value, list):
            value = value[0] if value else None
        return default if value is None else int(value)

    try:
        rows, columns = number("Rows", 0), number("Columns", 0)
        frames = number("NumberOfFrames", 1) or 1
        samples = number("SamplesPerPixel", 1)
        bits_allocated = number("BitsAllocated", 0)
        bits_stored = number("BitsStored", bits_allocated) or bits_allocated
        signed = number("PixelRepresentation", 0) == 1
    except (TypeError, ValueError) as exc:
        raise UnreadableFile(f"image size elements are not numbers ({_one_line(exc)})") from exc
    if rows <= 0 or columns <= 0 or frames <= 0:
        raise UnreadableFile(f"header claims an empty image ({rows}x{columns}, {frames} frames)")
    if bits_allocated not in (1, 8, 16, 32):
        raise UnreadableFile(f"unsupported Bits Allocated {bits_allocated}")
    claimed = rows * columns * frames * samples * max(bits_allocated, 8) // 8
    if claimed > MAX_FILE_PIXEL_BYTES:
        raise UnreadableFile(
            f"header claims {claimed / 2**20:,.0f} MiB of pixels ({rows}x{columns}x{frames}), "
            f"over the {MAX_FILE_PIXEL_BYTES >> 20} MiB limit; refused"
        )
    interpretation = (values["PhotometricInterpretation"] or "MONOCHROME2").upper()
    if samples != 1 or interpretation not in ("MONOCHROME1", "MONOCHROME2"):
        raise UnreadableFile(f"colour image ({interpretation}); the viewer shows greyscale only")
    ts = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    if not ts:
        ts = "1.2.840.10008.1.2" if ds.original_encoding[0] else "1.2.840.10008.1.2.1"
    raw_ts = ts in _RAW_LITTLE_ENDIAN or ts in ("1.2.840.10008.1.2.2",)
    if raw_ts and bits_allocated >= 8:
        expected = claimed
        available = file_size - (offset if offset is not None else at_end)
        if available < expected:
            raise UnreadableFile(
                f"truncated: header claims {expected:,} bytes of pixels, the file holds {available:,}"
            )
    if "PixelData" not in ds and offset is None and at_end >= file_size:
        raise UnreadableFile("no pixel data in the file")
    fast = offset is not None and bits_allocated in (8, 16) and samples == 1
    return Header(
        source,
        ds,
        rows,
        columns,
        frames,
        samples,
        bits_allocated,
        bits_stored,
        signed,
        ts,
        offset if fast else None,
        values,
    )


def read_raw_frames(header: Header, out: np.ndarray, first_frame: int = 0) -> None:
    """Read ``len(out)`` uncompressed frames starting at ``first_frame`` straight into ``out``."""
    assert header.pixel_offset is not None
    start = header.pixel_offset + first_frame * header.frame_bytes
    want = out.nbytes
    view = memoryview(out.reshape(-1).view(np.uint8))
    with header.source.open_unbuffered() as fp:
        fp.seek(start)
        got = fp.readinto(view)
        while 0 < got < want:  # a raw read may return less than asked
            more = fp.readinto(view[got:])
            if not more:
                break
            got += more
    if got != want:
        raise UnreadableFile(f"truncated: expected {want:,} bytes of pixels, read {got:,}")
    _fix_stored_bits(header, out)


def _fix_stored_bits(header: Header, arr: np.ndarray) -> None:
    unused = header.bits_allocated - header.bits_stored
    if unused <= 0 or arr.dtype.itemsize * 8 != header.bits_allocated:
        return
    # A max() is four times cheaper than rewriting the slice, and usually shows nothing to do.
    raw_max = int(arr.view(f"u{arr.dtype.itemsize}").max())
    if header.signed:
        if raw_max >= 1 << (header.bits_stored - 1):
            # Sign-extend the stored bits (values written with fewer bits than allocated).
            np.left_shift(arr, unused, out=arr)
            np.right_shift(arr, unused, out=arr)
    elif raw_max >= 1 << header.bits_stored:
        np.bitwise_and(arr, (1 << header.bits_stored) - 1, out=arr)


def decode_frames(header: Header) -> np.ndarray:
    """Decode every frame of a file through pydicom's pixel handlers: (frames, rows, columns)."""
    try:
        with header.source.open() as fp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(fp)
            arr = ds.pixel_array
    except Exception as exc:
        raise UnreadableFile(f"pixel data could not be decoded ({_one_line(exc)})") from exc
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.shape != (header.frames, header.rows, header.columns):
        raise UnreadableFile(
            f"decoded pixels have shape {arr.shape}, the header says "
            f"{(header.frames, header.rows, header.columns)}"
        )
    return arr


def iter_headers(sources: list[Source]) -> Iterator[tuple[Source, Header | Exception]]:
    for source in sources:
        try:
            yield source, read_header(source)
        except (SkippedFile, UnreadableFile) as exc:
            yield source, exc


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


# --- quick probe: enough of a header to guess a series' order before parsing it -------------
_PROBE_BYTES = 4096  # group 0020 sits well before private headers (0029)
_PROBE_TAGS = {
    "SeriesInstanceUID": (0x0020, 0x000E, b"UI"),
    "StudyDate": (0x0008, 0x0020, b"DA"),
    "SeriesNumber": (0x0020, 0x0011, b"IS"),
    "SeriesDescription": (0x0008, 0x103E, b"LO"),
    "InstanceNumber": (0x0020, 0x0013, b"IS"),
    "ImagePositionPatient": (0x0020, 0x0032, b"DS"),
    "ImageOrientationPatient": (0x0020, 0x0037, b"DS"),
}
_PROBE_PATTERNS = [
    (keyword, struct.pack("<HH", g, e), struct.pack("<HH", g, e) + vr)
    for keyword, (g, e, vr) in _PROBE_TAGS.items()
]
_IMPLICIT_LE = b"1.2.840.10008.1.2\x00"


def probe(source: Source) -> dict[str, str] | None:
    """A few header values found by byte search in the file's first bytes, without parsing.

    Only a guess (a pattern could sit inside another value): used to pick the slice to show
    first while the real headers are read. None when the file is not little-endian DICOM.
    """
    try:
        with source.open_unbuffered() as fp:
            head = fp.read(_PROBE_BYTES)
    except OSError:
        return None
    if len(head) < 140 or head[128:132] != b"DICM":
        return None
    ts_at = head.find(b"\x02\x00\x10\x00UI", 132)
    if ts_at < 0:
        return None
    ts_len = struct.unpack_from("<H", head, ts_at + 6)[0]
    ts = head[ts_at + 8 : ts_at + 8 + ts_len]
    implicit = ts == _IMPLICIT_LE or ts.rstrip(b"\x00 ") == _IMPLICIT_LE[:-1]
    if not implicit and ts.rstrip(b"\x00 ") in (b"1.2.840.10008.1.2.2", b"1.2.840.10008.1.2.1.99"):
        return None
    found: dict[str, str] = {}
    start = ts_at + 8 + ts_len
    size = len(head)
    for keyword, tag, explicit in _PROBE_PATTERNS:
        if implicit:
            at = head.find(tag, start)
            if at < 0 or at + 8 > size:
                continue
            length, value_at = struct.unpack_from("<I", head, at + 4)[0], at + 8
        else:
            at = head.find(explicit, start)
            if at < 0 or at + 8 > size:
                continue
            length, value_at = struct.unpack_from("<H", head, at + 6)[0], at + 8
        if length > 256 or value_at + length > size:
            continue
        found[keyword] = (
            head[value_at : value_at + length].decode("ascii", "replace").strip(" \x00")
        )
    return found
