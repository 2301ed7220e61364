"""The shipped data is found in the source tree or the install, and its version is checked."""

import json

import pytest

from cnoatlas import DATA_VERSION, paths
from cnoatlas.domain.errors import AtlasError


def test_the_source_tree_data_matches_the_code():
    paths.check_data()
    assert (paths.assets_dir() / "sites.json").is_file()
    assert len(list(paths.cases_dir().glob("*/case.json"))) >= 18


def test_data_of_another_version_is_one_clear_line(tmp_path, monkeypatch):
    (tmp_path / "data-version.json").write_text(json.dumps({"data_version": DATA_VERSION + 1}))
    monkeypatch.setenv("CNOATLAS_ASSETS", str(tmp_path))
    with pytest.raises(AtlasError) as error:
        paths.check_data()
    message = str(error.value)
    assert "data-version.json: data_version:" in message and "\n" not in message


def test_a_missing_data_folder_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_ASSETS", str(tmp_path / "nowhere"))
    with pytest.raises(AtlasError, match="data folder is missing"):
        paths.check_data()


def test_the_cli_refuses_mismatched_data_without_a_traceback(tmp_path, monkeypatch, capsys):
    from cnoatlas.cli import main

    (tmp_path / "data-version.json").write_text('{"data_version": 0}')
    monkeypatch.setenv("CNOATLAS_ASSETS", str(tmp_path))
    assert main(["sites"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data_version" in err and "Traceback" not in err
