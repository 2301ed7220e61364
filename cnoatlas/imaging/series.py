"""DICOM series: scan a folder, zip or DICOMDIR, order the slices in space, stream the pixels.

No Qt here. ``scan(path)`` reads headers only and returns ordered, not yet loaded ``Series``;
``Series.load_slice(i)`` / ``Series.load(first, progress, cancel)`` fill one preallocated volume
of stored values (modality values are ``stored * slope + intercept``, per slice);
``load_series(path, first_slice, progress, cancel, on_first)`` does both, and ``on_first`` gets
the slice the user will look at before the other headers are parsed (``first_image``).
Problems (a corrupt, truncated or unsupported file) are collected with the file's name and the
reason; the rest still loads. Files without images are listed in ``skipped``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from cnoatlas.imaging import windowing
from cnoatlas.imaging.confidentiality import holds_identifier, patient_identifiers
from cnoatlas.imaging.dicom_io import (
    LIMITS,
    Header,
    Problem,
    SkippedFile,
    Source,
    UnreadableFile,
    as_problem,
    decode_frames,
    find_sources,
    probe,
    read_header,
    read_raw_frames,
)

# A series volume bigger than ``dicom_io.LIMITS.series_bytes`` (1 GiB unless configured) is
# refused before anything is allocated.
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool] | threading.Event | None

__all__ = [
    "FirstImage",
    "LoadResult",
    "Problem",
    "ScanResult",
    "Series",
    "SliceRef",
    "first_image",
    "linked_slice",
    "load_series",
    "orientation_markers",
    "scan",
    "scan_sources",
]


@dataclass
class SliceRef:
    """One 2-D image of a series: a frame of a file, with its place in space."""

    header: Header
    frame: int
    position: np.ndarray | None  # ImagePositionPatient (mm), the centre of the first pixel
    orientation: np.ndarray | None  # ImageOrientationPatient: row then column direction cosines
    spacing: tuple[float, float] | None  # (between rows, between columns) in mm
    instance: int | None
    slope: float
    intercept: float
    window: tuple[float, float] | None
    sop_instance_uid: str

    @property
    def file(self) -> str:
        return self.header.source.name


@dataclass
class FirstImage:
    """The slice to paint first, read before the whole series is scanned."""

    source: Source
    pixels: np.ndarray  # stored values of frame 0 (rows, columns)
    slope: float
    intercept: float
    window: tuple[float, float] | None
    sop_instance_uid: str
    series_uid: str
    index_guess: int  # where the probe expects it in the sorted series

    def modality_values(self) -> np.ndarray:
        return self.pixels.astype(np.float32) * np.float32(self.slope) + np.float32(self.intercept)


@dataclass
class ScanResult:
    series: list[Series]
    problems: list[Problem]
    skipped: list[Problem]  # readable files that hold no image (reports, DICOMDIR, …)


@dataclass
class LoadResult:
    series: list[Series]
    problems: list[Problem]
    skipped: list[Problem] = field(default_factory=list)


def _is_cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


def _floats(value: Any, n: int) -> np.ndarray | None:
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    if len(numbers) != n or not all(math.isfinite(v) for v in numbers):
        return None
    return np.array(numbers)


def _first_number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, (int, float, str)) and hasattr(value, "__iter__"):
            value = next(iter(value))
        number = float(value)
    except (TypeError, ValueError, StopIteration):
        return None
    return number if np.isfinite(number) else None


def _functional(ds: Dataset, frame: int, sequence: str, keyword: str) -> Any:
    """An attribute from the per-frame, then shared functional groups, then the top level."""
    for groups, index in (
        ("PerFrameFunctionalGroupsSequence", frame),
        ("SharedFunctionalGroupsSequence", 0),
    ):
        items = ds.get(groups)
        if items is None or len(items) <= index:
            continue
        inner = items[index].get(sequence)
        if inner is not None and len(inner) and keyword in inner[0]:
            return inner[0].get(keyword)
    return ds.get(keyword)


def _single_frame_slice(header: Header) -> SliceRef:
    v = header.values
    position = _floats(v["ImagePositionPatient"] or [], 3)
    orientation = _floats(v["ImageOrientationPatient"] or [], 6)
    spacing = _floats(v["PixelSpacing"] or v["ImagerPixelSpacing"] or [], 2)
    center, width = _first_number(v["WindowCenter"]), _first_number(v["WindowWidth"])
    instance = _first_number(v["InstanceNumber"])
    slope, intercept = _first_number(v["RescaleSlope"]), _first_number(v["RescaleIntercept"])
    return SliceRef(
        header=header,
        frame=0,
        position=position,
        orientation=orientation,
        spacing=_spacing(spacing),
        instance=int(instance) if instance is not None else None,
        slope=slope if slope not in (None, 0.0) else 1.0,
        intercept=intercept or 0.0,
        window=(center, width) if center is not None and width and width > 0 else None,
        sop_instance_uid=v["SOPInstanceUID"] or "",
    )


def _spacing(spacing: np.ndarray | None) -> tuple[float, float] | None:
    if spacing is None or not (spacing[0] > 0 and spacing[1] > 0):
        return None
    return float(spacing[0]), float(spacing[1])


def _slices_of(header: Header) -> list[SliceRef]:
    if header.parsed is None:  # the fast path reads classic single-frame images only
        return [_single_frame_slice(header)]
    ds = header.dataset
    if (
        header.frames == 1
        and "PerFrameFunctionalGroupsSequence" not in ds
        and "SharedFunctionalGroupsSequence" not in ds
    ):
        return [_single_frame_slice(header)]
    refs = []
    grid = ds.get("GridFrameOffsetVector") if header.frames > 1 else None
    for frame in range(header.frames):
        position = _floats(
            _functional(ds, frame, "PlanePositionSequence", "ImagePositionPatient") or [], 3
        )
        orientation = _floats(
            _functional(ds, frame, "PlaneOrientationSequence", "ImageOrientationPatient") or [], 6
        )
        spacing = _floats(
            _functional(ds, frame, "PixelMeasuresSequence", "PixelSpacing")
            or ds.get("ImagerPixelSpacing")
            or [],
            2,
        )
        if (
            grid is not None
            and position is not None
            and orientation is not None
            and len(grid) == header.frames
            and "PerFrameFunctionalGroupsSequence" not in ds
        ):
            # RT dose style: one position, frames offset along the normal.
            normal = np.cross(orientation[:3], orientation[3:])
            position = position + normal * float(grid[frame])
        slope = _first_number(
            _functional(ds, frame, "PixelValueTransformationSequence", "RescaleSlope")
        )
        intercept = _first_number(
            _functional(ds, frame, "PixelValueTransformationSequence", "RescaleIntercept")
        )
        center = _first_number(_functional(ds, frame, "FrameVOILUTSequence", "WindowCenter"))
        width = _first_number(_functional(ds, frame, "FrameVOILUTSequence", "WindowWidth"))
        instance = _first_number(ds.get("InstanceNumber"))
        refs.append(
            SliceRef(
                header=header,
                frame=frame,
                position=position,
                orientation=orientation,
                spacing=_spacing(spacing),
                instance=int(instance) if instance is not None else None,
                slope=slope if slope not in (None, 0.0) else 1.0,
                intercept=intercept or 0.0,
                window=(center, width) if center is not None and width and width > 0 else None,
                sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
            )
        )
    return refs


def orientation_markers(orientation: Iterable[float] | None) -> dict[str, str]:
    """Patient-direction letters for the four image edges (R/L, A/P, S/I), from the cosines.

    DICOM's patient axes point to the patient's left (x), posterior (y) and head (z). The right
    edge of the image lies along the row cosine, the bottom edge along the column cosine.
    """
    if orientation is None:
        return {"left": "", "right": "", "top": "", "bottom": ""}
    cosines = np.asarray(list(orientation), dtype=float)
    if cosines.shape != (6,):
        return {"left": "", "right": "", "top": "", "bottom": ""}

    def letters(vector: np.ndarray) -> str:
        names = (("R", "L"), ("A", "P"), ("I", "S"))
        order = np.argsort(-np.abs(vector))
        text = ""
        for axis in order:
            if abs(vector[axis]) < 0.3 or len(text) == 2:
                break
            text += names[axis][1] if vector[axis] > 0 else names[axis][0]
        return text

    row, column = cosines[:3], cosines[3:]
    return {
        "left": letters(-row),
        "right": letters(row),
        "top": letters(-column),
        "bottom": letters(column),
    }


def _safe_description(ds: Dataset) -> str:
    """The series description for the screen, withheld when someone typed the patient into it."""
    text = str(ds.get("SeriesDescription", "") or ds.get("ProtocolName", "") or "")
    if text and holds_identifier(text, patient_identifiers(ds)):
        return "(description withheld: it names the patient)"
    return text


class Series:
    """One ordered stack of 2-D images and the volume that holds their stored pixel values."""

    def __init__(self, slices: list[SliceRef], problems: list[Problem] | None = None) -> None:
        if not slices:
            raise ValueError("a series needs at least one slice")
        first = slices[0].header
        ds = first.dataset
        self.slices = slices
        self.problems: list[Problem] = problems if problems is not None else []
        self.uid = str(ds.get("SeriesInstanceUID", "")) or f"file:{first.source.name}"
        self.study_uid = str(ds.get("StudyInstanceUID", ""))
        self.frame_of_reference = str(ds.get("FrameOfReferenceUID", ""))
        self.description = _safe_description(ds)
        self.modality = str(ds.get("Modality", "") or "")
        self.image_type = tuple(str(v) for v in (ds.get("ImageType") or ()))
        self.series_number = _first_number(ds.get("SeriesNumber"))
        self.study_date = str(ds.get("StudyDate", "") or "")
        self.rows, self.columns = first.rows, first.columns
        self.photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
        self.kind = windowing.series_kind(self.description, self.image_type, self.modality)
        dtypes = {s.header.dtype for s in slices}
        self.dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.int32)
        self.slope = np.array([s.slope for s in slices], dtype=np.float64)
        self.intercept = np.array([s.intercept for s in slices], dtype=np.float64)
        self._pixels: np.ndarray | None = None
        self.loaded = np.zeros(len(slices), dtype=bool)
        self.failed = np.zeros(len(slices), dtype=bool)
        self._lock = threading.Lock()
        self._auto_window: tuple[float, float] | None = None
        self._positions = self._normal_positions()
        # Slice indices per file (a multi-frame file fills several): a decoded file's frames go
        # to their slices without a scan of the whole series per slice.
        self._slices_of_file: dict[int, list[int]] = {}
        for index, ref in enumerate(slices):
            self._slices_of_file.setdefault(id(ref.header), []).append(index)

    # --- geometry --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.slices)

    def __repr__(self) -> str:
        return (
            f"Series({self.description!r}, {self.modality}, {len(self)} slices, "
            f"{self.rows}x{self.columns})"
        )

    @property
    def nbytes(self) -> int:
        return len(self.slices) * self.rows * self.columns * self.dtype.itemsize

    @property
    def orientation(self) -> np.ndarray | None:
        return self.slices[0].orientation

    @property
    def normal(self) -> np.ndarray | None:
        o = self.orientation
        return None if o is None else np.cross(o[:3], o[3:])

    @property
    def pixel_spacing(self) -> tuple[float, float] | None:
        """(between rows, between columns) in mm, or None when the file does not say."""
        return self.slices[0].spacing

    @property
    def aspect(self) -> float:
        """Height of a pixel over its width, for a true aspect ratio on screen."""
        spacing = self.pixel_spacing
        return spacing[0] / spacing[1] if spacing else 1.0

    def _normal_positions(self) -> np.ndarray | None:
        normal = self.normal
        if normal is None or any(s.position is None for s in self.slices):
            return None
        return np.stack([s.position for s in self.slices]) @ normal

    def position_mm(self, index: int) -> float | None:
        """The slice's place along the slice normal (mm), comparable within a frame of reference."""
        return None if self._positions is None else float(self._positions[index])

    @property
    def slice_spacing(self) -> float | None:
        if self._positions is None or len(self) < 2:
            return None
        return float(np.median(np.abs(np.diff(self._positions))))

    def relative_position(self, index: int) -> float:
        """0 at the first slice, 1 at the last (by position when known, else by index)."""
        if len(self) < 2:
            return 0.5
        if self._positions is not None and self._positions[-1] != self._positions[0]:
            p = self._positions
            return float((p[index] - p[0]) / (p[-1] - p[0]))
        return index / (len(self) - 1)

    def nearest_slice(self, position_mm: float) -> int:
        if self._positions is None:
            return len(self) // 2
        return int(np.argmin(np.abs(self._positions - position_mm)))

    def slice_at_relative(self, fraction: float) -> int:
        fraction = min(1.0, max(0.0, fraction))
        if self._positions is not None and self._positions[-1] != self._positions[0]:
            p = self._positions
            return int(np.argmin(np.abs(p - (p[0] + fraction * (p[-1] - p[0])))))
        return round(fraction * (len(self) - 1))

    def markers(self, index: int = 0) -> dict[str, str]:
        return orientation_markers(self.slices[index].orientation)

    def index_of_sop(self, sop_instance_uid: str) -> int | None:
        for i, s in enumerate(self.slices):
            if s.sop_instance_uid == sop_instance_uid:
                return i
        return None

    # --- pixels ----------------------------------------------------------------------------
    @property
    def pixels(self) -> np.ndarray:
        """The (slices, rows, columns) volume of stored values; unloaded slices are zero."""
        with self._lock:
            if self._pixels is None:
                if self.nbytes > LIMITS.series_bytes:
                    raise UnreadableFile(f"series of {self.nbytes / 2**30:.1f} GiB refused")
                self._pixels = np.zeros((len(self), self.rows, self.columns), dtype=self.dtype)
            return self._pixels

    @property
    def fully_loaded(self) -> bool:
        return bool(np.all(self.loaded | self.failed))

    def load_slice(self, index: int) -> bool:
        """Read one slice (a compressed multi-frame file fills all its frames); False if it failed."""
        if self.loaded[index]:
            return True
        if self.failed[index]:
            return False
        ref = self.slices[index]
        volume = self.pixels
        try:
            if ref.header.pixel_offset is not None and ref.header.dtype == self.dtype:
                read_raw_frames(ref.header, volume[index : index + 1], ref.frame)
                self.loaded[index] = True
            else:
                frames = decode_frames(ref.header)
                for j in self._slices_of_file[id(ref.header)]:
                    volume[j] = frames[self.slices[j].frame]
                    self.loaded[j] = True
        except BaseException as exc:  # any decoder failure is this file's problem
            reason = str(as_problem(exc, "pixel data could not be read"))
            for j in self._slices_of_file[id(ref.header)]:
                self.failed[j] = True
            self.problems.append(Problem(ref.file, reason))
            return False
        return True

    def problem_of(self, index: int) -> str | None:
        """The one-line reason slice ``index`` could not be read, if it failed."""
        if not self.failed[index]:
            return None
        name = self.slices[index].file
        for problem in reversed(self.problems):
            if problem.file == name:
                return problem.reason
        return "could not be read"

    def adopt(self, first: FirstImage) -> int | None:
        """Keep the pixels read for the first paint if that file is one of this series' slices;
        returns the slice index they filled, or None."""
        if first.series_uid != self.uid:
            return None
        for index, ref in enumerate(self.slices):
            if ref.header.source == first.source and ref.frame == 0:
                self.pixels[index] = first.pixels
                self.loaded[index] = True
                return index
        return None

    def load_order(self, first: int | None = None) -> list[int]:
        """The slice in view first, then every eighth slice outwards, then the rest."""
        n = len(self)
        first = n // 2 if first is None else min(max(first, 0), n - 1)
        order = [first]
        seen = {first}
        for step in (8, 1):
            for distance in range(step, n, step):
                for i in (first - distance, first + distance):
                    if 0 <= i < n and i not in seen:
                        seen.add(i)
                        order.append(i)
        return order

    def load(
        self, first: int | None = None, progress: Progress | None = None, cancel: Cancel = None
    ) -> bool:
        """Load every slice, ``first`` first; False if cancelled before the end."""
        order = self.load_order(first)
        total = len(order)
        for done, index in enumerate(order, start=1):
            if _is_cancelled(cancel):
                return False
            self.load_slice(index)
            if progress is not None:
                progress(done, total)
        return True

    def stored_slice(self, index: int) -> np.ndarray:
        return self.pixels[index]

    def modality_slice(self, index: int) -> np.ndarray:
        """Modality values (rescale applied) of one slice, as float32."""
        values = self.pixels[index].astype(np.float32)
        slope, intercept = self.slope[index], self.intercept[index]
        if slope != 1.0 or intercept != 0.0:
            values *= np.float32(slope)
            values += np.float32(intercept)
        return values

    # --- display ---------------------------------------------------------------------------
    @property
    def monochrome1(self) -> bool:
        return self.photometric == "MONOCHROME1"

    @property
    def inverted_by_default(self) -> bool:
        """DWI is read inverted; MONOCHROME1 already shows low values bright."""
        return windowing.inverted_by_default(self.kind)

    def file_window(self) -> tuple[float, float] | None:
        for s in self.slices:
            if s.window is not None:
                return s.window
        return None

    def auto_window(self) -> tuple[float, float]:
        if self._auto_window is None or not self.fully_loaded:
            window = windowing.auto_window(self.loaded_values())
            if self.fully_loaded:
                self._auto_window = window
            return window
        return self._auto_window

    def loaded_values(self, limit: int = 8) -> np.ndarray:
        """Modality values of up to ``limit`` loaded slices spread over the series, every k-th
        pixel: no more than the window statistics sample (``windowing.sample``) would keep."""
        indices = np.flatnonzero(self.loaded)
        if indices.size == 0:
            return np.zeros(0, dtype=np.float32)
        chosen = indices[:: max(1, indices.size // limit)]
        # Converting whole slices to float first cost 4-6 ms at the end of every 512x512 load.
        stride = max(1, chosen.size * self.rows * self.columns // windowing._AUTO_SAMPLE)
        parts = []
        for i in chosen:
            values = self.pixels[i].reshape(-1)[::stride].astype(np.float32)
            slope, intercept = self.slope[i], self.intercept[i]
            if slope != 1.0 or intercept != 0.0:
                values *= np.float32(slope)
                values += np.float32(intercept)
            parts.append(values)
        return np.concatenate(parts)

    def default_window(self) -> tuple[float, float]:
        return self.file_window() or self.auto_window()

    def presets(self) -> list[windowing.Preset]:
        return windowing.presets(self.kind, self.loaded_values(), self.file_window())

    def raw_levels(self, index: int, center: float, width: float) -> tuple[float, float]:
        return windowing.raw_levels(center, width, self.slope[index], self.intercept[index])

    def display_inverted(self, index: int, inverted: bool) -> bool:
        """Whether grey must be flipped on screen: user's choice, MONOCHROME1, negative slope."""
        return bool(inverted) != (self.monochrome1 != bool(self.slope[index] < 0))

    def header(self, index: int) -> Dataset:
        return self.slices[index].header.dataset

    def summary(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "description": self.description,
            "modality": self.modality,
            "slices": len(self),
            "rows": self.rows,
            "columns": self.columns,
        }


def linked_positions_supported(source: Series, target: Series) -> bool:
    """Whether two series can be linked by position in space: one frame of reference, parallel
    slices, positions known."""
    if not source.frame_of_reference or source.frame_of_reference != target.frame_of_reference:
        return False
    a, b = source.normal, target.normal
    if a is None or b is None or abs(float(np.dot(a, b))) < 0.99:
        return False
    return source.position_mm(0) is not None and target.position_mm(0) is not None


def linked_slice(source: Series, index: int, target: Series) -> int:
    """The target slice matching ``index`` of ``source``: the nearest place in space when they
    share a frame of reference, else the same relative place (baseline versus follow-up)."""
    if linked_positions_supported(source, target):
        sign = 1.0 if float(np.dot(source.normal, target.normal)) > 0 else -1.0
        return target.nearest_slice(source.position_mm(index) * sign)
    return target.slice_at_relative(source.relative_position(index))


def _order(slices: list[SliceRef]) -> list[SliceRef]:
    """Along the slice normal when every slice has a position and one orientation; else by number."""
    first = slices[0].orientation
    if first is not None and all(
        s.position is not None
        and s.orientation is not None
        and max(abs(float(x) - float(y)) for x, y in zip(s.orientation, first, strict=True)) <= 1e-3
        for s in slices
    ):
        nx, ny, nz = _cross(first[:3], first[3:])
        keyed = [
            (
                round(
                    float(s.position[0]) * nx
                    + float(s.position[1]) * ny
                    + float(s.position[2]) * nz,
                    4,
                ),
                s.instance if s.instance is not None else 0,
                s.frame,
                i,
            )
            for i, s in enumerate(slices)
        ]
        return [slices[k[-1]] for k in sorted(keyed)]
    return sorted(slices, key=lambda s: (s.instance is None, s.instance or 0, s.file, s.frame))


def _group(headers: list[Header]) -> tuple[list[Series], list[Problem]]:
    groups: dict[tuple[str, str], list[Header]] = {}
    for h in headers:
        key = (
            h.values["StudyInstanceUID"] or "",
            h.values["SeriesInstanceUID"] or f"file:{h.source.name}",
        )
        groups.setdefault(key, []).append(h)
    series, problems = [], []
    for members in groups.values():
        # The image size most files share defines the series; odd ones out are reported.
        sizes: dict[tuple[int, int], int] = {}
        for h in members:
            sizes[(h.rows, h.columns)] = sizes.get((h.rows, h.columns), 0) + 1
        size = max(sizes, key=sizes.get)
        kept = []
        for h in members:
            if (h.rows, h.columns) == size:
                kept.append(h)
            else:
                problems.append(
                    Problem(
                        h.source.name,
                        f"image size {h.rows}x{h.columns} differs "
                        f"from the rest of its series ({size[0]}x{size[1]})",
                    )
                )
        refs: list[SliceRef] = []
        for h in kept:
            try:
                refs.extend(_slices_of(h))
            except BaseException as exc:
                problems.append(Problem(h.source.name, str(as_problem(exc, "unusable header"))))
        if not refs:
            continue
        dtypes = {h.dtype for h in kept}
        itemsize = dtypes.pop().itemsize if len(dtypes) == 1 else 4
        nbytes = len(refs) * kept[0].rows * kept[0].columns * itemsize
        if nbytes > LIMITS.series_bytes:
            problems.append(
                Problem(
                    kept[0].source.name,
                    f"series of {nbytes / 2**30:.1f} GiB is over the "
                    f"{LIMITS.series_bytes / 2**30:.1f} GiB limit; refused",
                )
            )
            continue
        try:
            candidate = Series(_order(refs))
        except BaseException as exc:
            reason = str(as_problem(exc, "unusable header"))
            problems.extend(Problem(h.source.name, reason) for h in kept)
            continue
        series.append(candidate)
    series.sort(
        key=lambda s: (
            s.study_date,
            s.series_number if s.series_number is not None else 1e9,
            s.description,
            s.uid,
        )
    )
    return series, problems


def _cross(a, b) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _probe_key(values: dict[str, str]) -> tuple:
    number = _first_number(values.get("SeriesNumber"))
    return (
        values.get("StudyDate", ""),
        number if number is not None else 1e9,
        values.get("SeriesDescription", ""),
        values.get("SeriesInstanceUID", ""),
    )


def first_image(sources: list[Source], first_slice: int | None = None) -> FirstImage | None:
    """Guess the file holding slice ``first_slice`` (default: the middle) of the first series
    from a byte probe of every file, and read just that one. None when nothing can be guessed."""
    probed = [(source, values) for source in sources if (values := probe(source))]
    if not probed:
        return None
    series_key = min(_probe_key(v) for _, v in probed)
    members = [(s, v) for s, v in probed if _probe_key(v) == series_key]

    def floats(values: dict[str, str], key: str, n: int) -> list[float] | None:
        try:
            parts = [float(v) for v in values.get(key, "").split("\\")]
        except ValueError:
            return None
        return parts if len(parts) == n else None

    normal = None
    for _, values in members:
        cosines = floats(values, "ImageOrientationPatient", 6)
        if cosines is not None:
            normal = _cross(cosines[:3], cosines[3:])
            break

    def place(item: tuple[Source, dict[str, str]]) -> tuple:
        values = item[1]
        position = floats(values, "ImagePositionPatient", 3)
        instance = _first_number(values.get("InstanceNumber"))
        if position is not None and normal is not None:
            along = position[0] * normal[0] + position[1] * normal[1] + position[2] * normal[2]
            return (0, along, instance or 0)
        return (1, instance if instance is not None else 0, 0)

    members.sort(key=place)
    index = len(members) // 2 if first_slice is None else min(max(first_slice, 0), len(members) - 1)
    for candidate in (index, *range(len(members))):
        source = members[candidate][0]
        try:
            header = read_header(source)
            if header.frames != 1:
                return None  # a multi-frame file: its frames are ordered by the full scan
            (ref,) = _slices_of(header)
            pixels = np.empty((1, header.rows, header.columns), dtype=header.dtype)
            if header.pixel_offset is not None:
                read_raw_frames(header, pixels, 0)
            else:
                pixels[:] = decode_frames(header)[:1]
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # the full scan reports this file's problem
            continue
        return FirstImage(
            source,
            pixels[0],
            ref.slope,
            ref.intercept,
            ref.window,
            ref.sop_instance_uid,
            header.values["SeriesInstanceUID"] or "",
            candidate,
        )
    return None


def scan(path: str | Path, progress: Progress | None = None, cancel: Cancel = None) -> ScanResult:
    """Read every header under ``path`` (no pixels) and return the ordered, unloaded series."""
    sources, problems = find_sources(path, cancel)
    return scan_sources(sources, problems, progress, cancel)


def scan_sources(
    sources: list[Source], problems: list[Problem], progress: Progress | None, cancel: Cancel
) -> ScanResult:
    headers: list[Header] = []
    skipped: list[Problem] = []
    total = len(sources)
    for done, source in enumerate(sources, start=1):
        if _is_cancelled(cancel):
            break
        try:
            headers.append(read_header(source))
        except SkippedFile as exc:
            skipped.append(Problem(source.name, str(exc)))
        except UnreadableFile as exc:
            problems.append(Problem(source.name, str(exc)))
        except BaseException as exc:  # read_header says why in one line; anything else too
            problem = as_problem(exc, "not readable as DICOM")
            (skipped if isinstance(problem, SkippedFile) else problems).append(
                Problem(source.name, str(problem))
            )
        if progress is not None:
            progress(done, total)
    series, grouping_problems = _group(headers)
    return ScanResult(series, problems + grouping_problems, skipped)


def load_series(
    path: str | Path,
    first_slice: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel = None,
    on_first: Callable[[FirstImage], None] | None = None,
) -> LoadResult:
    """Scan ``path`` and load every series; ``first_slice`` of the first series comes first.

    ``on_first(FirstImage)`` is called as soon as that slice is read, before the other headers
    are parsed (its file is guessed by a byte probe; the full scan confirms or corrects it).
    ``progress(done, total)`` counts slices over all series; ``cancel`` (a callable or an Event)
    stops between slices, leaving the rest unloaded.
    """
    sources, problems = find_sources(path, cancel)
    first = first_image(sources, first_slice) if on_first is not None else None
    if first is not None and on_first is not None:
        on_first(first)
    result = scan_sources(sources, problems, None, cancel)
    total = sum(len(s) for s in result.series)
    done = 0

    def step(_done: int, _total: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    for number, series in enumerate(result.series):
        start = first_slice if number == 0 else None
        if number == 0 and first is not None:
            series.adopt(first)
        if not series.load(start, step, cancel):
            break
    problems = list(result.problems)
    for series in result.series:
        problems.extend(series.problems)
    return LoadResult(result.series, problems, result.skipped)
