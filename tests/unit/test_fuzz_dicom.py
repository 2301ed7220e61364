"""Fuzzing the DICOM reader, the scanner, the tag table and the JSON loaders.

Property tests (hypothesis) over mutated copies of pydicom's bundled files and a synthetic
series, and a corpus of hostile structures (deep sequences, huge dimensions, absurd frame
counts, compression and deflate bombs, zeros, random bytes) read in a subprocess that measures
time and memory. Every input ends as a header, a one-line problem or a skip: no other
exception, no file over 5 s, memory under 500 MB.

Bounded for CI (a few thousand examples in all); set CNOATLAS_FUZZ_EXAMPLES to run more per
property, e.g. ``CNOATLAS_FUZZ_EXAMPLES=5000``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from cnoatlas.domain.errors import AtlasError
from tests import fuzz_corpus as corpus

EXAMPLES = int(os.environ.get("CNOATLAS_FUZZ_EXAMPLES", "0") or 0)
PER_FILE_SECONDS = 5.0
MEMORY_LIMIT_MB = 500
SEEDS = corpus.seed_files()
SEED_NAMES = sorted(SEEDS)


def fuzz_settings(default: int):
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,  # the tests time each file themselves (5 s), robust to a loaded machine
        database=None,  # nothing written into the work tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=not EXAMPLES,  # CI: the same examples every run
    )


mutations = st.lists(st.sampled_from(sorted(corpus.MUTATORS)), min_size=1, max_size=3)


@pytest.fixture(autouse=True)
def _quiet_pydicom():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _timed_check(path: Path) -> str:
    start = time.monotonic()
    outcome = corpus.check_one(path)
    took = time.monotonic() - start
    assert took < PER_FILE_SECONDS, f"{path.name}: {took:.1f} s"
    return outcome


# --- the header reader, probe, pixels and tag table -----------------------------------------
@fuzz_settings(1200)
@given(seed=st.sampled_from(SEED_NAMES), kinds=mutations, salt=st.integers(0, 2**32 - 1))
def test_mutated_files_end_as_a_header_or_a_one_line_problem(tmp_path, seed, kinds, salt):
    path = tmp_path / "mutant.dcm"
    path.write_bytes(corpus.mutate(SEEDS[seed], kinds, salt))
    _timed_check(path)


@fuzz_settings(300)
@given(seed=st.sampled_from(SEED_NAMES), cut=st.integers(0, 4096))
def test_every_truncation_is_a_problem_not_a_crash(tmp_path, seed, cut):
    path = tmp_path / "cut.dcm"
    path.write_bytes(SEEDS[seed][:cut])
    _timed_check(path)


@fuzz_settings(200)
@given(data=st.binary(min_size=0, max_size=2048), dicm=st.booleans())
def test_arbitrary_bytes(tmp_path, data, dicm):
    path = tmp_path / "bytes.dcm"
    path.write_bytes((b"\0" * 128 + b"DICM" if dicm else b"") + data)
    _timed_check(path)


def test_a_file_cut_at_byte_270_does_not_crash_the_first_image_probe(tmp_path):
    from cnoatlas.imaging.dicom_io import Source, probe
    from cnoatlas.imaging.series import first_image

    data = SEEDS["synthetic0.dcm"]
    for cut in range(128, 400):
        path = tmp_path / f"cut{cut}.dcm"
        path.write_bytes(data[:cut])
        probe(Source(path))
    assert first_image([Source(p) for p in sorted(tmp_path.iterdir())]) is None or True


def test_a_cut_image_is_a_problem_not_a_skip(tmp_path):
    from cnoatlas.imaging.series import scan

    (tmp_path / "cut.dcm").write_bytes(SEEDS["MR_small.dcm"][:300])
    result = scan(tmp_path)
    assert not result.skipped
    assert [p.file.endswith("cut.dcm") for p in result.problems] == [True]
    assert "broken image file" in result.problems[0].reason


# --- the scanner: one bad file never stops a folder -------------------------------------------
@fuzz_settings(150)
@given(
    picks=st.lists(
        st.tuples(st.sampled_from(SEED_NAMES), mutations, st.integers(0, 2**32 - 1)),
        min_size=1,
        max_size=5,
    )
)
def test_a_folder_of_mutants_beside_a_good_series_still_loads_the_series(tmp_path, picks):
    from cnoatlas.imaging.series import load_series

    folder = tmp_path / "study"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for i in range(3):
        (folder / f"good{i}.dcm").write_bytes(corpus.to_bytes(corpus.synthetic_slice(i, "9.9.9")))
    for n, (seed, kinds, salt) in enumerate(picks):
        (folder / f"bad{n}.dcm").write_bytes(corpus.mutate(SEEDS[seed], kinds, salt))
    start = time.monotonic()
    result = load_series(folder)
    assert time.monotonic() - start < PER_FILE_SECONDS * (len(picks) + 3)
    assert any(s.uid == "9.9.9" and len(s) >= 3 for s in result.series)
    for problem in [*result.problems, *result.skipped]:
        assert problem.reason.strip() and "\n" not in problem.reason


# --- the tag table ---------------------------------------------------------------------------
VRS = ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD",
       "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI",
       "UL", "UN", "UR", "US", "UT", "UV", "XX", "ZZ", "US or SS"]  # fmt: skip
tags = st.one_of(
    st.sampled_from([0x00080060, 0x0008103E, 0x00100010, 0x00180050, 0x00280030, 0x00281050,
                     0x00200032, 0x00400260, 0x00091010, 0x00291010, 0x00189087]),
    st.integers(0x00080000, 0x7FDFFFFF),
)
raw_elements = st.lists(
    st.tuples(tags, st.sampled_from(VRS), st.binary(max_size=64), st.booleans()), max_size=12
)


@fuzz_settings(600)
@given(elements=raw_elements, little=st.booleans())
def test_the_tag_table_never_raises(elements, little):
    from cnoatlas.imaging.safe_tags import safe_rows

    ds = Dataset()
    for tag, vr, value, implicit in elements:
        ds._dict[tag] = RawDataElement(tag, None if implicit else vr, len(value), value, 0,
                                       implicit, little)  # fmt: skip
    ds.set_original_encoding(False, little)
    rows = list(safe_rows(ds))
    for row in rows:
        assert "\n" not in row.value and len(row.value) <= 120


@fuzz_settings(200)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-(2**70), 2**70),
            st.text(max_size=80),
            st.binary(max_size=40),
        ),
        max_size=6,
    )
)
def test_the_tag_table_takes_any_python_value(values):
    from cnoatlas.imaging.safe_tags import _text, safe_rows

    ds = Dataset()
    ds.PatientName = "Doe^Jane"
    for n, value in enumerate(values):
        ds.add_new(0x00091000 + n, "UN", value)  # private: never shown, must not raise
        ds.add_new(0x00181000 + n, "LO", value)
        assert "\n" not in _text(value)
    list(safe_rows(ds))


# --- the case and playlist loaders ------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                  max_size=4),
    max_leaves=20,
)
playlist_like = st.fixed_dictionaries(
    {"format": st.just("cnoatlas-playlist"), "version": st.just(1),
     "title": st.text(max_size=10), "items": st.lists(json_values, max_size=4)},
    optional={"unknowns": json_values, "notes": json_values},
)


@fuzz_settings(300)
@given(raw=st.one_of(json_values, playlist_like))
def test_the_playlist_loader_takes_any_json(tmp_path, raw):
    from cnoatlas.domain.playlist import load_playlist

    path = tmp_path / "p.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    try:
        load_playlist(path)
    except AtlasError as exc:
        assert "\n" not in str(exc)


case_like = st.fixed_dictionaries(
    {},
    optional={k: json_values for k in ("id", "title", "diagnosis", "synthetic", "patient",
                                       "series", "findings", "sites", "teaching")},
)


@fuzz_settings(300)
@given(raw=st.one_of(json_values, case_like), text=st.one_of(st.none(), st.text(max_size=40)))
def test_the_case_loader_takes_any_json(tmp_path, raw, text):
    from cnoatlas.domain.cases import CASE_FILE, check_case

    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    payload = json.dumps(raw) if text is None else text
    (folder / CASE_FILE).write_text(payload, encoding="utf-8")
    case, problems = check_case(folder)
    assert case is not None or problems
    for problem in problems:
        assert "\n" not in str(problem)


# --- hostile structures, in a subprocess that measures time and memory -------------------------
_MEASURE = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a runaway fails, not the machine
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from tests.fuzz_corpus import check_one
from cnoatlas.imaging.series import scan
out = {}
for path in sorted(Path(sys.argv[2]).iterdir()):
    start = time.monotonic()
    outcome = check_one(path)
    out[path.name] = [time.monotonic() - start, outcome]
start = time.monotonic()
result = scan(sys.argv[2])
out["(scan)"] = [time.monotonic() - start, f"{len(result.problems)} problems"]
# VmHWM: this process's own peak (ru_maxrss would carry the parent's size over the exec).
try:
    status = Path("/proc/self/status").read_text()
    peak = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["(max rss MB)"] = peak
print(json.dumps(out))
"""


def test_hostile_structures_are_refused_fast_and_small(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, data in corpus.hostile_corpus().items():
        (folder / name).write_bytes(data)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(root), str(folder)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    rss = report.pop("(max rss MB)")
    assert rss < MEMORY_LIMIT_MB, report
    for name, (took, outcome) in report.items():
        assert took < PER_FILE_SECONDS, (name, took, outcome)
        if name.startswith(("deep_", "huge_", "frames_", "rle_bomb_", "deflate_")):
            assert outcome.startswith("UnreadableFile"), (name, outcome)
    assert "nested deeper" in report["deep_undefined_400.dcm"][1]
    assert "Number of Frames" in report["frames_1000000.dcm"][1]


def test_the_series_limit_is_configurable(tmp_path, monkeypatch):
    from cnoatlas.imaging import dicom_io
    from cnoatlas.imaging.series import scan

    for i in range(4):
        (tmp_path / f"s{i}.dcm").write_bytes(corpus.to_bytes(corpus.synthetic_slice(i, "7.7")))
    assert len(scan(tmp_path).series) == 1
    monkeypatch.setattr(dicom_io.LIMITS, "series_bytes", 3 * 16 * 16 * 2)
    result = scan(tmp_path)
    assert not result.series and "over the" in result.problems[0].reason


def test_a_native_decoder_panic_is_a_file_problem(tmp_path, monkeypatch):
    from cnoatlas.imaging.dicom_io import Source, UnreadableFile, decode_frames, read_header

    class PanicException(BaseException):
        pass

    def panic(_self):
        raise PanicException("Rust panicked")

    (tmp_path / "rle.dcm").write_bytes(SEEDS["MR_small_RLE.dcm"])
    header = read_header(Source(tmp_path / "rle.dcm"))
    monkeypatch.setattr("pydicom.dataset.Dataset.pixel_array", property(panic))
    with pytest.raises(UnreadableFile, match="PanicException"):
        decode_frames(header)

    def interrupt(_self):
        raise KeyboardInterrupt

    monkeypatch.setattr("pydicom.dataset.Dataset.pixel_array", property(interrupt))
    with pytest.raises(KeyboardInterrupt):
        decode_frames(header)


def test_a_deflated_file_is_inflated_with_a_cap_and_still_reads(tmp_path, monkeypatch):
    import numpy as np
    import pydicom

    from cnoatlas.imaging import dicom_io
    from cnoatlas.imaging.dicom_io import Source, UnreadableFile, decode_frames, read_header

    path = tmp_path / "dfl.dcm"
    path.write_bytes(SEEDS["image_dfl.dcm"])
    header = read_header(Source(path))
    assert header.pixel_offset is None  # its pixels are not at any offset of the file on disk
    assert np.array_equal(decode_frames(header)[0], pydicom.dcmread(path).pixel_array)
    # A cap below the inflated size refuses the pixels instead of inflating without end.
    monkeypatch.setattr(dicom_io.LIMITS, "header_bytes", 1024)
    header.rows = 1  # claims far fewer pixels than the stream inflates to
    with pytest.raises(UnreadableFile, match="expands beyond"):
        decode_frames(header)


READABLE_SEEDS = [
    "CT_small.dcm", "JPEG2000.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "MR_small_bigendian.dcm",
    "MR_small_implicit.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm",
    "enhanced.dcm", "image_dfl.dcm", "liver_1frame.dcm", "rtdose_1frame.dcm", "rtdose_rle.dcm",
    "synthetic0.dcm",
]  # fmt: skip


@pytest.mark.parametrize("name", [n for n in READABLE_SEEDS if n in SEEDS])
def test_the_guards_do_not_refuse_good_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(SEEDS[name])
    assert corpus.check_one(path) == "ok"
