"""`cnoatlas cases pack` and `cases unpack` as a lecturer runs them to share one case."""

import json
import zipfile

import pytest

from tests.unit.test_deidentify import write_planted_series

pytestmark = pytest.mark.e2e


def test_pack_then_unpack_on_another_machine(run_cli, tmp_path):
    source = tmp_path / "study"
    write_planted_series(source, slices=2)
    assert run_cli("import", str(source), "--case-id", "to-share").returncode == 0
    package = tmp_path / "to-share.cnocase"
    packed = run_cli("cases", "pack", "to-share", "--out", str(package))
    assert packed.returncode == 0, packed.stderr
    assert zipfile.is_zipfile(package)

    unpacked = run_cli("cases", "unpack", str(package), "--case-id", "shared-copy")
    assert unpacked.returncode == 0, unpacked.stderr
    ids = {c["id"] for c in json.loads(run_cli("cases", "list", "--json").stdout)}
    assert {"to-share", "shared-copy"} <= ids

    again = run_cli("cases", "unpack", str(package), "--case-id", "shared-copy")
    assert again.returncode == 2 and "--replace" in again.stderr
    assert again.stderr.count("\n") == 1
    replaced = run_cli("cases", "unpack", str(package), "--case-id", "shared-copy", "--replace")
    assert replaced.returncode == 0 and "replaced" in replaced.stdout


def test_bad_packages_and_arguments_are_one_line(run_cli, tmp_path):
    junk = tmp_path / "junk.cnocase"
    junk.write_text("not a zip")
    for args in (
        ("cases", "unpack", str(junk)),
        ("cases", "pack", "no-such-case", "--out", str(tmp_path / "x.cnocase")),
        ("cases", "pack", "cno-silent-vertebra"),
        ("cases", "pack", "cno-silent-vertebra", "--out", str(tmp_path / "missing" / "x")),
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
