"""`cnoatlas dicom info` on hostile folders: one file never stops a folder, and the output is
clean JSON (skipped files listed, non-UTF-8 names escaped, nothing on stderr)."""

from __future__ import annotations

import json
import os
import random

import pytest

from tests import fuzz_corpus as corpus

pytestmark = pytest.mark.e2e


def test_a_folder_of_mutants_is_reported_file_by_file(run_cli, tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    for i in range(3):
        (folder / f"good{i}.dcm").write_bytes(corpus.to_bytes(corpus.synthetic_slice(i, "4.4")))
    seeds = corpus.seed_files()
    names = sorted(seeds)
    rnd = random.Random(22)
    for n in range(40):
        seed = rnd.choice(names)
        kinds = [rnd.choice(sorted(corpus.MUTATORS)) for _ in range(rnd.randint(1, 3))]
        (folder / f"m{n:02d}.dcm").write_bytes(corpus.mutate(seeds[seed], kinds, n))
    for name, data in corpus.hostile_corpus().items():
        if not name.startswith(("deflate", "zeros", "random")):  # big ones: the unit test
            (folder / name).write_bytes(data)
    (folder / "cut.dcm").write_bytes(seeds["MR_small.dcm"][:300])
    (folder / os.fsdecode(b"caf\xe9.dcm")).write_bytes(b"not dicom at all")
    (folder / "report.dcm").write_bytes(seeds["reportsi.dcm"])
    os.mkfifo(folder / "pipe")
    done = run_cli("dicom", "info", str(folder), "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    info = json.loads(done.stdout)
    assert set(info) == {"series", "problems", "skipped"}
    assert any(s["uid"] == "4.4" and s["slices"] == 3 for s in info["series"])
    by_name = {os.path.basename(p["file"]): p["reason"] for p in info["problems"]}
    skipped = {os.path.basename(p["file"]): p["reason"] for p in info["skipped"]}
    assert "broken image file" in by_name["cut.dcm"]
    assert "caf\ufffd.dcm" in by_name
    assert "FIFO" in skipped["pipe"] and "report.dcm" in skipped
    for reason in [*by_name.values(), *skipped.values()]:
        assert reason and "\n" not in reason


@pytest.mark.parametrize("path", ["", "/dev/zero"])
def test_bad_paths_give_one_line_and_exit_2(run_cli, path):
    done = run_cli("dicom", "info", path, "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "internal error" not in done.stderr
