"""`cnoatlas library` as a lecturer runs it: push to the department's Orthanc, list, pull."""

import json

import pytest

from tests.orthanc import PASSWORD, USER
from tests.unit.test_deidentify import NEEDLES, write_planted_series

pytestmark = [pytest.mark.e2e, pytest.mark.orthanc]


def test_push_list_and_pull_through_the_command_line(run_cli, tmp_path, orthanc):
    source = tmp_path / "study"
    write_planted_series(source, slices=3)
    assert run_cli("import", str(source), "--case-id", "cli-shared").returncode == 0
    server = ["--server", orthanc.url, "--user", USER]
    secret = {"CNOATLAS_DICOMWEB_PASSWORD": PASSWORD}

    pushed = run_cli("library", "push", "cli-shared", *server, "--author", "B. Lecturer", **secret)
    assert pushed.returncode == 0, pushed.stderr
    uid = pushed.stdout.split(" as study ")[1].split()[0]

    listed = run_cli("library", "list", *server, "--json", **secret)
    assert listed.returncode == 0, listed.stderr
    entries = json.loads(listed.stdout)
    mine = next(e for e in entries if e["study_uid"] == uid)
    assert set(mine) == {
        "study_uid", "title", "diagnosis", "age_years", "sex", "site_ids", "author", "date"
    }
    assert mine["author"] == "B. Lecturer"

    pulled = run_cli("library", "pull", uid, *server, "--case-id", "cli-pulled", **secret)
    assert pulled.returncode == 0, pulled.stderr
    cases = json.loads(run_cli("cases", "list", "--json").stdout)
    assert "cli-pulled" in {c["id"] for c in cases}
    everything = pushed.stdout + pushed.stderr + listed.stderr + pulled.stdout + pulled.stderr
    assert not [n for n in NEEDLES if n in everything.lower()]
    assert PASSWORD not in everything


def test_bad_server_input_is_one_line_and_exit_2(run_cli, tmp_path, orthanc):
    wrong = run_cli(
        "library", "list", "--server", orthanc.url, "--user", USER,
        CNOATLAS_DICOMWEB_PASSWORD="wrong",
    )  # fmt: skip
    assert wrong.returncode == 2
    assert wrong.stderr.strip().count("\n") == 0 and "401" in wrong.stderr
    missing = run_cli("library", "list", "--server", orthanc.url, "--user", USER)
    assert missing.returncode == 2 and "CNOATLAS_DICOMWEB_PASSWORD" in missing.stderr
    nowhere = run_cli("library", "list", "--server", str(tmp_path / "no-such-folder"))
    assert nowhere.returncode == 2 and "no such folder" in nowhere.stderr
    no_case = run_cli("library", "push", "no-such-case", "--server", str(tmp_path))
    assert no_case.returncode == 2 and "unknown case" in no_case.stderr
