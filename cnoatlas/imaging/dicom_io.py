"""Finding DICOM files and reading their headers and pixel bytes (no Qt).

A *source* is one file to read: on disk, inside a zip, or named by a DICOMDIR. Headers are read
without pixels; pixel bytes of uncompressed little-endian data are later read straight into a
preallocated array at the offset recorded here, everything else goes through pydicom's decoders.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import stat
import struct
import sys
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pydicom.filereader
import pydicom.values
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import get_decoder
from pydicom.uid import UID, UID_dictionary

from cnoatlas.domain.errors import AtlasError

log = logging.getLogger("cnoatlas.dicom")


def _env_bytes(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


# A series (and so one file) may decode to at most this many pixel bytes; a bigger claim is a
# broken or hostile header, refused before anything is allocated. Configurable: set
# CNOATLAS_MAX_SERIES_BYTES, or assign ``dicom_io.LIMITS.series_bytes``.
@dataclass
class Limits:
    series_bytes: int = _env_bytes("CNOATLAS_MAX_SERIES_BYTES", 1 << 30)
    # More frames than this in one file is refused (a header claiming a million 1x1 frames).
    frames: int = 16384
    # Sequences nested deeper than this are refused (pydicom reads them recursively).
    sequence_depth: int = 32
    # More data elements than this in one file's header (zeros parse as millions of empty
    # (0000,0000) elements; a data set never holds more than a few of group 0000).
    elements: int = 2_000_000
    empty_group_elements: int = 64
    # A header (everything before the pixels) larger than this, once inflated, is refused.
    header_bytes: int = 64 << 20
    # A deflated file is inflated this far to read its header (no pixels needed).
    inflate_header_bytes: int = 16 << 20
    # Compressed pixel data this many times smaller than its claimed decoded size is a bomb
    # (checked only for claims over ``ratio_floor`` bytes).
    ratio: int = 2000
    ratio_floor: int = 256 << 20
    # All members of one zip together.
    zip_total_bytes: int = 16 << 30


LIMITS = Limits()
MAX_FILE_PIXEL_BYTES = LIMITS.series_bytes  # kept for callers; LIMITS is what is checked
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
    """One file to read: ``path`` on disk, or ``member`` of the zip at ``path``.

    ``special`` names what a folder entry is when it is not a file to open (a FIFO, a socket, a
    device, a link out of the folder): such a source is skipped with that reason, never opened.
    """

    path: Path
    member: str | None = None
    special: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else display_path(self.path)

    def open(self, inflate_cap: int | None = None):
        """The file's bytes; a deflated data set comes back inflated (at most ``inflate_cap``
        bytes, by default enough for a header) with its transfer syntax said to be explicit VR
        little endian, so that no reader inflates it again without a cap."""
        fp = self._open_raw()
        try:
            return _inflate_if_deflated(fp, inflate_cap)
        except BaseException:
            fp.close()
            raise

    def _open_raw(self):
        if self.special is not None:
            raise SkippedFile(self.special)
        if self.member is None:
            return _open_regular(self.path)
        archive = _archive(self.path)
        info = archive.getinfo(self.member)
        if info.file_size > LIMITS.series_bytes + LIMITS.header_bytes:
            raise UnreadableFile(
                f"zip member declares {info.file_size / 2**20:,.0f} MiB, over the "
                f"{(LIMITS.series_bytes + LIMITS.header_bytes) >> 20} MiB limit; not read"
            )
        if info.file_size <= LIMITS.header_bytes:
            # Small members: read whole (fast seeks); never more than declared.
            with archive.open(info) as member:
                data = member.read(info.file_size + 1)
            if len(data) != info.file_size:
                raise UnreadableFile(
                    f"zip member holds {len(data):,} bytes, its entry declares {info.file_size:,}"
                )
            return io.BytesIO(data)
        return archive.open(info)  # stops at the declared size and checks the CRC at the end

    def open_unbuffered(self):
        """For a few large reads at known offsets: one system call each, no buffer to fill."""
        if self.member is None and self.special is None:
            return _open_regular(self.path, buffering=0)
        return self.open()


def display_path(path: Path | str) -> str:
    """A path as text safe to print and to put in JSON: undecodable bytes of a file name (kept
    by Python as lone surrogates) become U+FFFD."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "replace")
    return text


def _open_regular_fd(path: Path) -> int:
    """A descriptor of a regular file open for reading, got without ever blocking: a FIFO or
    device that took the file's place since the folder was listed is refused, not opened for
    good."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SkippedFile("a link that loops; not followed") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SkippedFile(f"{_kind_of(info.st_mode)}, not a file; not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _open_regular(path: Path, buffering: int = -1):
    """A regular file opened for reading (see _open_regular_fd)."""
    fd = _open_regular_fd(path)
    try:
        return os.fdopen(fd, "rb", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def _read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file with no file object (the probe of every file
    before the first paint); the same refusals as _open_regular."""
    fd = _open_regular_fd(path)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


_DEFLATED = b"1.2.840.10008.1.2.1.99"


def _inflate_if_deflated(fp, cap: int | None):
    """A deflated data set stream-inflated with a cap (pydicom would inflate it all at once)."""
    try:
        head = fp.read(4096)
    finally:
        fp.seek(0)
    if len(head) < 144 or head[128:132] != b"DICM" or _DEFLATED not in head:
        return fp
    ts_at = head.find(b"\x02\x00\x10\x00UI", 132)
    if ts_at < 0 or ts_at + 8 > len(head):
        return fp
    ts_len = struct.unpack_from("<H", head, ts_at + 6)[0]
    if head[ts_at + 8 : ts_at + 8 + ts_len].rstrip(b"\x00 ") != _DEFLATED:
        return fp
    # The data set starts after the meta group, whose length the first meta element gives.
    if head[132:138] != b"\x02\x00\x00\x00UL":
        raise UnreadableFile("deflated file without a meta group length; not inflated")
    start = 144 + struct.unpack_from("<I", head, 140)[0]
    if start > len(head) or ts_at + 8 + ts_len > start:
        raise UnreadableFile("deflated file with a damaged meta group; not inflated")
    limit = LIMITS.inflate_header_bytes if cap is None else cap
    meta = bytearray(head[:start])
    meta[ts_at + 8 : ts_at + 8 + ts_len] = b"1.2.840.10008.1.2.1".ljust(ts_len, b"\x00")
    out = io.BytesIO()
    out.write(meta)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fp.seek(start)
    written = 0
    try:
        while written <= limit:
            chunk = fp.read(1 << 16)
            if not chunk:
                break
            data = inflater.decompress(chunk, limit + 1 - written)
            while True:
                out.write(data)
                written += len(data)
                if written > limit or not inflater.unconsumed_tail:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, limit + 1 - written)
            if inflater.eof:
                break
    except zlib.error as exc:
        raise UnreadableFile(f"deflated data set is damaged ({type(exc).__name__})") from None
    finally:
        fp.close()
    if written > limit:
        if cap is not None:
            raise UnreadableFile(f"deflated data expands beyond {limit >> 20} MiB; refused")
        out.truncate(start + limit)  # enough for a header; the pixels are not read from it
    out.seek(0)
    out.inflated = True  # type: ignore[attr-defined]
    return out


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
    # Where the items of encapsulated (compressed) pixel data start in the file on disk, so that
    # decoding reads the file once more for its pixels only, without parsing the header again.
    encapsulated_at: int | None = None

    @property
    def dataset(self) -> Dataset:
        """The whole header (no pixels), as pydicom reads it."""
        if self.parsed is None:
            try:
                with self.source.open() as fp, _bounded(), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
                    check_nesting(ds)
            except BaseException as exc:
                raise as_problem(exc, "not readable as DICOM") from exc
            self.parsed = ds
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


def find_sources(path: Path | str, cancel: Any = None) -> tuple[list[Source], list[Problem]]:
    """Every candidate file under a folder (recursive), in a zip, or named by a DICOMDIR.

    Entries that are not files to read (FIFOs, sockets, devices, links that loop or lead out of
    the folder) come back as sources with ``special`` set: reading them says why they were
    skipped, without opening them. ``cancel`` (a callable or an Event) stops the walk.
    """
    if isinstance(path, str) and not path.strip():
        raise AtlasError("empty path: name a DICOM folder, zip file or DICOMDIR")
    text = os.fspath(path)
    path = Path(path)
    shown = display_path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise AtlasError(f"{shown}: part of this path is a file, not a folder") from None
        if exc.errno == errno.ELOOP:
            raise AtlasError(f"{shown}: a symbolic link that loops") from None
        if exc.errno in (errno.ENOENT, errno.ENAMETOOLONG):
            raise AtlasError(f"{shown}: no such file or folder") from None
        raise AtlasError(
            f"{shown}: cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    if stat.S_ISDIR(info.st_mode):
        return [*_walk(path, cancel)], []
    if not stat.S_ISREG(info.st_mode):
        raise AtlasError(f"{shown}: {_kind_of(info.st_mode)}, not a DICOM file, zip or folder")
    if text.endswith(("/", os.sep)):
        raise AtlasError(f"{shown}: is a file, not a folder")
    try:
        with _open_regular(path) as fp:
            is_zip = zipfile.is_zipfile(fp)
    except (OSError, SkippedFile) as exc:
        raise AtlasError(f"{shown}: cannot be read ({_one_line(exc)})") from None
    if is_zip:
        return _zip_sources(path, shown)
    if path.name.upper() == "DICOMDIR":
        return _dicomdir_sources(path, cancel)
    return [Source(path)], []


def _zip_sources(path: Path, shown: str) -> tuple[list[Source], list[Problem]]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = sorted(
                (i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename
            )
    except Exception as exc:  # BadZipFile, OSError, ValueError, … from a damaged directory
        raise AtlasError(f"{shown}: not a readable zip file ({type(exc).__name__})") from None
    sources, problems, total = [], [], 0
    for info in infos:
        if Path(info.filename).name.startswith("."):
            continue
        total += info.file_size
        if total > LIMITS.zip_total_bytes:
            problems.append(
                Problem(
                    f"{path.name}:{info.filename}",
                    f"the zip's members together exceed {LIMITS.zip_total_bytes >> 30} GiB; "
                    "not read",
                )
            )
            continue
        sources.append(Source(path, info.filename))
    return sources, problems


def _is_cancelled(cancel: Any) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def _walk(folder: Path, cancel: Any = None) -> list[Source]:
    """Every visible file under ``folder``, sorted; scandir avoids a stat per file.

    Links are followed only when they lead to somewhere inside ``folder``, and every folder is
    entered once (a visited set of device and inode), so loops end. Anything else that is not a
    regular file comes back as a skipped source with the reason.
    """
    root = os.path.realpath(folder)
    root_prefix = root.rstrip(os.sep) + os.sep
    found: list[Source] = []
    visited: set[tuple[int, int]] = set()
    try:
        top = os.stat(folder)
        visited.add((top.st_dev, top.st_ino))
    except OSError:
        pass
    stack = [os.fspath(folder)]
    while stack:
        if _is_cancelled(cancel):
            break
        try:
            with os.scandir(stack.pop()) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if target != root and not target.startswith(root_prefix):
                        found.append(
                            Source(
                                Path(entry.path),
                                special="a link to outside the chosen folder; not followed",
                            )
                        )
                        continue
                    try:
                        info = os.stat(entry.path)
                    except OSError:
                        found.append(
                            Source(
                                Path(entry.path), special="a broken or looping link; not followed"
                            )
                        )
                        continue
                else:
                    info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            mode = info.st_mode
            if stat.S_ISDIR(mode):
                key = (info.st_dev, info.st_ino)
                if key not in visited:  # a link back up the tree, or a second link to one
                    visited.add(key)
                    stack.append(entry.path)
            elif stat.S_ISREG(mode):
                found.append(Source(Path(entry.path)))
            else:
                found.append(Source(Path(entry.path), special=f"{_kind_of(mode)}; not opened"))
    found.sort(key=lambda s: s.path.parts)  # the order Path sorting gave before
    return found


def _dicomdir_sources(path: Path, cancel: Any = None) -> tuple[list[Source], list[Problem]]:
    shown = display_path(path)
    try:
        with _open_regular(path) as fp, _bounded(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(fp)
            records = list(ds.DirectoryRecordSequence)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise AtlasError(f"{shown}: not a readable DICOMDIR ({type(exc).__name__})") from None
    base = path.parent
    root = os.path.realpath(base)
    sources, problems, seen = [], [], set()
    index: dict[tuple[str, ...], Path] | None = None
    for number, record in enumerate(records, start=1):
        if _is_cancelled(cancel):
            break
        try:
            parts = record.get("ReferencedFileID")
            if not parts:
                continue
            parts = [str(parts)] if isinstance(parts, str) else [str(p) for p in parts]
        except Exception:
            problems.append(Problem(f"DICOMDIR record {number}", "unreadable file reference"))
            continue
        where = "/".join(parts)
        if any(p in ("", ".", "..") or "/" in p or "\\" in p for p in parts):
            problems.append(
                Problem(f"DICOMDIR record {number}", "file reference leaves its folder")
            )
            continue
        target = base.joinpath(*parts)
        if not target.is_file():
            # File IDs are upper case by the standard; file systems may not be. One index of
            # the folder, built once, matches them case-insensitively.
            if index is None:
                index = {}
                for source in _walk(base, cancel):
                    rel = source.path.relative_to(base).parts
                    index.setdefault(tuple(p.upper() for p in rel), source.path)
            match = index.get(tuple(p.upper() for p in parts))
            if match is None:
                problems.append(Problem(where, "named by the DICOMDIR but missing"))
                continue
            target = match
        real = os.path.realpath(target)
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            problems.append(Problem(where, "a link to outside the DICOMDIR's folder; not followed"))
            continue
        if target not in seen:
            seen.add(target)
            sources.append(Source(target))
    return sources, problems


# --- bounded parsing --------------------------------------------------------------------------
class _TooDeep(Exception):
    pass


_DEPTH = threading.local()
_original_read_sequence = pydicom.filereader.read_sequence


def _guarded_read_sequence(*args, **kwargs):
    """pydicom's sequence reader, counting how deep sequences nest in this thread: a file
    with hundreds of nested sequences is refused instead of recursing without end."""
    depth = getattr(_DEPTH, "depth", 0)
    if depth >= LIMITS.sequence_depth:
        raise _TooDeep(f"sequences nested deeper than {LIMITS.sequence_depth} levels; refused")
    _DEPTH.depth = depth + 1
    try:
        return _original_read_sequence(*args, **kwargs)
    finally:
        _DEPTH.depth = depth


# pydicom calls read_sequence by its module-level name in both places: undefined-length
# sequences while reading, defined-length ones when first accessed.
pydicom.filereader.read_sequence = _guarded_read_sequence
pydicom.values.read_sequence = _guarded_read_sequence


_original_element_generator = pydicom.filereader.data_element_generator


def _counted_element_generator(*args, **kwargs):
    """pydicom's element reader, counting elements while a bounded parse is active: a file of
    zeros (or /dev/zero) is refused after a few empty elements instead of parsing millions.
    Counts are per data set (each sequence item has its own), kept in locals: this runs for
    every element read."""
    if not getattr(_DEPTH, "active", False):
        yield from _original_element_generator(*args, **kwargs)
        return
    empty = 0
    most, most_empty = LIMITS.elements, LIMITS.empty_group_elements
    for count, elem in enumerate(_original_element_generator(*args, **kwargs), start=1):
        if elem.tag < 0x10000:  # group 0000: a command element, or zeros
            empty += 1
            if empty > most_empty:
                raise _TooDeep("not DICOM: a run of empty (0000,xxxx) elements; refused")
        if count > most:
            raise _TooDeep(f"more than {most:,} data elements; refused")
        yield elem


pydicom.filereader.data_element_generator = _counted_element_generator


class _bounded:
    """A parse with a fresh nesting count and element counting on (a reader on another
    thread keeps its own). Outside one, lazily converted sequences still have their nesting
    guarded."""

    def __enter__(self):
        self._saved = (getattr(_DEPTH, "depth", 0), getattr(_DEPTH, "active", False))
        _DEPTH.depth, _DEPTH.active = 0, True
        return self

    def __exit__(self, *exc_info):
        _DEPTH.depth, _DEPTH.active = self._saved
        return False


_ITEM_TAGS = (b"\xfe\xff\x00\xe0", b"\xff\xfe\xe0\x00")


def check_nesting(ds: Dataset, limit: int | None = None) -> None:
    """Walk every sequence without recursion (converting lazily read ones one level at a
    time); raise UnreadableFile when they nest deeper than the limit."""
    limit = LIMITS.sequence_depth if limit is None else limit
    stack: list[tuple[Dataset, int]] = [(ds, 0)]
    while stack:
        item, depth = stack.pop()
        for tag, raw in list(item._dict.items()):
            vr = raw.VR
            if vr != "SQ":
                if vr is not None and vr != "UN":
                    continue
                # Implicit VR (or UN): a sequence if its value starts with an item tag.
                value = raw.value
                if not isinstance(value, bytes | list) or (
                    isinstance(value, bytes) and value[:4] not in _ITEM_TAGS
                ):
                    continue
            try:
                elem = item[tag]
            except _TooDeep:
                raise
            except Exception:
                continue  # a value pydicom cannot convert: not a nesting question
            if elem.VR != "SQ":
                continue
            if depth + 1 > limit:
                raise UnreadableFile(f"sequences nested deeper than {limit} levels; refused")
            for child in elem.value or ():
                if isinstance(child, Dataset):
                    stack.append((child, depth + 1))


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


def _encapsulated_offset(fp) -> int | None:
    """Where the items of undefined-length (encapsulated) Pixel Data start, if ``fp`` stands at
    that element; the file position is left where it was."""
    start = fp.tell()
    try:
        head = fp.read(12)
    finally:
        fp.seek(start)
    if len(head) < 12:
        return None
    group, element = struct.unpack("<HH", head[:4])
    if (group << 16 | element) != PIXEL_DATA_TAG or head[4:6] not in (b"OB", b"OW"):
        return None
    if struct.unpack("<I", head[8:12])[0] != 0xFFFFFFFF:
        return None
    return start + 12


def as_problem(exc: BaseException, what: str) -> SkippedFile | UnreadableFile:
    """Any failure while reading one file, as the one-line problem (or skip) it is for that
    file. KeyboardInterrupt, SystemExit and GeneratorExit are raised again, never reported.

    Native decoders may raise BaseExceptions of their own (pylibjpeg-rle's Rust
    ``PanicException``): those are file problems too. The traceback goes to the log at debug
    level; the message names the exception type, never an element's value.
    """
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc
    if isinstance(exc, (SkippedFile, UnreadableFile)):
        return exc
    if isinstance(exc, _TooDeep):
        return UnreadableFile(str(exc))
    if isinstance(exc, RecursionError):
        return UnreadableFile("sequences nested too deeply; refused")
    if isinstance(exc, MemoryError):
        return UnreadableFile(f"{what}: not enough memory")
    if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
        return UnreadableFile(f"cannot read the file ({exc.strerror or type(exc).__name__})")
    log.debug("%s: %s", what, type(exc).__name__, exc_info=exc)
    return UnreadableFile(f"{what} ({_one_line(exc)})")


def read_header(source: Source) -> Header:
    """Read one file's header (no pixels); raise SkippedFile or UnreadableFile with a reason.

    Never raises anything else for a file's content (KeyboardInterrupt and SystemExit pass).
    """
    try:
        try:
            header = _read_header_fast(source)
        except (OSError, ValueError, struct.error, IndexError):
            header = None
        return header if header is not None else _read_header_pydicom(source)
    except BaseException as exc:
        raise as_problem(exc, "not readable as DICOM") from exc


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
        with source.open() as fp, _bounded(), warnings.catch_warnings():
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
            check_nesting(ds)
            # Raw pixel reads go to the file on disk: not for a data set inflated in memory.
            inflated = getattr(fp, "inflated", False)
            offset = _pixel_offset(fp, ds) if "Rows" in ds and not inflated else None
            at_end = fp.tell()
            encapsulated = None
            if offset is None and "Rows" in ds and not inflated:
                encapsulated = _encapsulated_offset(fp)
            fp.seek(0, os.SEEK_END)
            file_size = fp.tell()
        header = _describe(source, ds, offset, file_size, at_end)
        if encapsulated is not None and header.pixel_offset is None:
            header.encapsulated_at = encapsulated
        return header
    except BaseException as exc:
        raise as_problem(exc, "not readable as DICOM") from exc


def _is_image_class(sop_class: str) -> bool:
    """Whether a SOP class stores an image (its name says so: "MR Image Storage", …)."""
    if not sop_class:
        return False
    try:
        name = UID(sop_class).name
    except Exception:
        return False
    return "Image Storage" in name and "Presentation State" not in name


def _describe(source: Source, ds: Dataset, offset, file_size: int, at_end: int) -> Header:
    values = _fast_values(ds)
    sop_class = values["SOPClassUID"] or ""
    if not sop_class:
        # A file cut short may keep only its meta group, which names the class too.
        meta = getattr(ds, "file_meta", None)
        sop_class = str(meta.get("MediaStorageSOPClassUID", "") or "") if meta else ""
    if sop_class == "1.2.840.10008.1.3.10" or "DirectoryRecordSequence" in ds:
        raise SkippedFile("a DICOMDIR (index of files), not an image")
    has_pixels = "PixelData" in ds or offset is not None
    if values["Rows"] is None or values["Columns"] is None:
        kind = UID_dictionary[sop_class][0] if sop_class in UID_dictionary else "an object"
        if _is_image_class(sop_class) or has_pixels:
            # A truncated or damaged image file, not a report: a problem, not a skip.
            raise UnreadableFile(
                f"broken image file ({kind}): no image size (0028,0010)/(0028,0011)"
            )
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
    except (TypeError, ValueError, OverflowError) as exc:
        raise UnreadableFile(f"image size elements are not numbers ({type(exc).__name__})") from exc
    if rows <= 0 or columns <= 0 or frames <= 0 or samples <= 0:
        raise UnreadableFile(f"header claims an empty image ({rows}x{columns}, {frames} frames)")
    if rows > 0xFFFF or columns > 0xFFFF or samples > 4:
        raise UnreadableFile(f"impossible image size ({rows}x{columns}, {samples} samples)")
    if frames > LIMITS.frames:
        raise UnreadableFile(
            f"Number of Frames (0028,0008) is {frames:,}, over the {LIMITS.frames:,} limit; refused"
        )
    if bits_allocated not in (1, 8, 16, 32):
        raise UnreadableFile(f"unsupported Bits Allocated {bits_allocated}")
    if not 1 <= bits_stored <= bits_allocated:
        bits_stored = bits_allocated
    claimed = rows * columns * frames * samples * max(bits_allocated, 8) // 8
    if claimed > LIMITS.series_bytes:
        raise UnreadableFile(
            f"header claims {claimed / 2**20:,.0f} MiB of pixels ({rows}x{columns}x{frames}), "
            f"over the {LIMITS.series_bytes >> 20} MiB limit; refused"
        )
    interpretation = (values["PhotometricInterpretation"] or "MONOCHROME2").upper()
    if samples != 1 or interpretation not in ("MONOCHROME1", "MONOCHROME2"):
        known = {"RGB", "YBR_FULL", "YBR_FULL_422", "PALETTE COLOR", "YBR_RCT", "YBR_ICT"}
        shown = interpretation if interpretation in known else "(0028,0004) not greyscale"
        if samples != 1 and interpretation in ("MONOCHROME1", "MONOCHROME2"):
            shown = f"{samples} samples per pixel"
        raise UnreadableFile(f"colour image ({shown}); the viewer shows greyscale only")
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
        raise UnreadableFile("broken image file: no pixel data (7FE0,0010)")
    if not raw_ts and claimed > LIMITS.ratio_floor:
        compressed = max(file_size - at_end, 1)
        if claimed > compressed * LIMITS.ratio:
            raise UnreadableFile(
                f"{compressed:,} bytes of compressed pixels cannot hold the "
                f"{claimed / 2**20:,.0f} MiB the header claims; refused"
            )
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
    claimed = header.frame_bytes * header.frames
    if header.encapsulated_at is not None:
        arr = _decode_encapsulated(header, claimed)
        if arr is not None:
            return arr
    try:
        with (
            header.source.open(inflate_cap=LIMITS.header_bytes + claimed) as fp,
            _bounded(),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(fp)
            # The sizes pydicom will allocate for must be the ones checked when the header
            # was read (the file may have changed since).
            again = (ds.get("Rows"), ds.get("Columns"), ds.get("NumberOfFrames") or 1)
            if [int(v) for v in again] != [header.rows, header.columns, header.frames]:
                raise UnreadableFile("the file changed since its header was read")
            if (
                int(ds.get("SamplesPerPixel") or 1) != header.samples
                or int(ds.get("BitsAllocated") or 0) != header.bits_allocated
            ):
                raise UnreadableFile("the file changed since its header was read")
            # The decode boundary: native decoders may raise anything, even BaseExceptions.
            use_fastest_decoder(ds)
            rle = str(ds.file_meta.get("TransferSyntaxUID", "")) == _RLE_LOSSLESS
            with _native_stderr_silenced() if rle else contextlib.nullcontext():
                arr = np.asarray(ds.pixel_array)
    except BaseException as exc:
        problem = as_problem(exc, "pixel data could not be decoded")
        raise problem from exc
    return _as_frames(arr, header)


def _as_frames(arr: Any, header: Header) -> np.ndarray:
    """Decoded pixels as (frames, rows, columns), or the file's problem if they are not the
    shape its header gave."""
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.shape != (header.frames, header.rows, header.columns):
        raise UnreadableFile(
            f"decoded pixels have shape {arr.shape}, the header says "
            f"{(header.frames, header.rows, header.columns)}"
        )
    return arr


def _decode_encapsulated(header: Header, claimed: int) -> np.ndarray | None:
    """Decode compressed frames from the pixel bytes alone, with the image description the
    header already gave (the file is not parsed a second time); None where this way does not
    apply (no decoder for the transfer syntax, a file grown past what its header can explain),
    and the caller decodes through a full read instead."""
    try:
        decoder = get_decoder(header.transfer_syntax)
    except Exception:
        return None
    if not decoder.is_available:
        return None
    values = header.values
    interpretation = str(values.get("PhotometricInterpretation") or "MONOCHROME2").upper()
    try:
        with header.source.open() as fp:
            fp.seek(0, os.SEEK_END)
            size = fp.tell() - header.encapsulated_at
            if size <= 0 or size > claimed + LIMITS.header_bytes:
                return None
            fp.seek(header.encapsulated_at)
            data = fp.read(size)
        with _bounded(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rle = header.transfer_syntax == _RLE_LOSSLESS
            with _native_stderr_silenced() if rle else contextlib.nullcontext():
                arr, _ = decoder.as_array(
                    data,
                    rows=header.rows,
                    columns=header.columns,
                    samples_per_pixel=header.samples,
                    bits_allocated=header.bits_allocated,
                    bits_stored=header.bits_stored,
                    pixel_representation=1 if header.signed else 0,
                    photometric_interpretation=interpretation,
                    number_of_frames=header.frames,
                    planar_configuration=0,
                    decoding_plugin=_preferred_plugin(decoder, data),
                )
    except BaseException as exc:  # the decode boundary, as in decode_frames
        problem = as_problem(exc, "pixel data could not be decoded")
        raise problem from exc
    return _as_frames(arr, header)


_RLE_LOSSLESS = "1.2.840.10008.1.2.5"
# Where pydicom has several decoders for a syntax, the fastest one measured: JPEG-LS through
# CharLS (pyjpegls) takes about a fifth of libjpeg's time per frame (the phantom's studies
# are JPEG-LS; pydicom would otherwise pick pylibjpeg-libjpeg first).
_FASTEST_PLUGIN = {
    "1.2.840.10008.1.2.4.80": "pyjpegls",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.81": "pyjpegls",  # JPEG-LS Near-Lossless
}


def _preferred_plugin(decoder: Any, data: bytes | None = None) -> str:
    """The plugin to decode with: the fastest one where it is installed, else pydicom's choice.

    Given the encapsulated pixel bytes, CharLS only for a codestream that ends (an EOI marker
    in its last bytes): on a cut-off JPEG-LS stream CharLS spins for seconds before it gives
    up (5 s on a 64x64 file cut in half, found by tests/unit/test_fuzz_dicom.py), libjpeg
    refuses it at once."""
    name = _FASTEST_PLUGIN.get(str(decoder.UID), "")
    if data is not None and b"\xff\xd9" not in data[-16:]:
        return ""
    return name if name in decoder.available_plugins else ""


def use_fastest_decoder(ds: Dataset) -> None:
    """Have ``ds.pixel_array`` decode with ``_preferred_plugin`` where the syntax has a
    faster decoder than pydicom's first pick (a missing decoder: pixel_array says so)."""
    syntax = str(ds.file_meta.get("TransferSyntaxUID", ""))
    if syntax in _FASTEST_PLUGIN:
        with contextlib.suppress(Exception):
            plugin = _preferred_plugin(get_decoder(syntax), ds.PixelData)
            ds.pixel_array_options(decoding_plugin=plugin)


_STDERR_LOCK = threading.Lock()


class _native_stderr_silenced:
    """pylibjpeg-rle is Rust: on a damaged frame it panics, and Rust's panic hook writes the
    panic (and a backtrace) straight to file descriptor 2 before the PanicException reaches
    Python. The command line's stderr is for one-line errors only, so descriptor 2 points at
    /dev/null while such a decoder runs (the exception itself is reported as the file's
    problem)."""

    def __enter__(self):
        _STDERR_LOCK.acquire()
        self._saved = None
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        try:
            self._saved = os.dup(2)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)
        except OSError:
            self._saved = None
        return self

    def __exit__(self, *exc_info):
        try:
            if self._saved is not None:
                os.dup2(self._saved, 2)
                os.close(self._saved)
        finally:
            _STDERR_LOCK.release()
        return False


def iter_headers(sources: list[Source]) -> Iterator[tuple[Source, Header | Exception]]:
    for source in sources:
        try:
            header: Header | Exception = read_header(source)
        except (SkippedFile, UnreadableFile) as exc:
            header = exc
        yield source, header


_QUOTED = re.compile(r"b?'[^']*'|b?\"[^\"]*\"")


def _one_line(exc: BaseException) -> str:
    """The exception as one line for a reason: its type and its message with anything quoted
    (pydicom quotes the offending values) left out, so no element value is ever shown."""
    if isinstance(exc, (SkippedFile, UnreadableFile, AtlasError)):
        text = " ".join(str(exc).split())
    else:
        message = _QUOTED.sub("…", " ".join(str(exc).split()))
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
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
    first while the real headers are read. None when the file is not little-endian DICOM, or
    cannot be read at all (the full scan reports why).
    """
    try:
        if source.member is None and source.special is None:
            head = _read_head(source.path, _PROBE_BYTES)
        else:
            with source.open_unbuffered() as fp:
                head = fp.read(_PROBE_BYTES)
        return _probe_bytes(head)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return None


def _probe_bytes(head: bytes) -> dict[str, str] | None:
    """The probe's byte search; every read is bounded by ``len(head)``."""
    if len(head) < 140 or head[128:132] != b"DICM":
        return None
    ts_at = head.find(b"\x02\x00\x10\x00UI", 132)
    if ts_at < 0 or ts_at + 8 > len(head):
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
