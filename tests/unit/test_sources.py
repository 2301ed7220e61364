import json

import pytest

from cnoatlas.domain.errors import DataFileError
from cnoatlas.domain.sources import bibliography, load_sources


def test_shipped_bibliography_has_the_seed_review_as_primary_source():
    sources = bibliography()
    primary = [s for s in sources.values() if s.role == "primary"]
    assert [s.id for s in primary] == ["nico2022"]
    assert "Insights Imaging 2022;13:149" in primary[0].citation


def test_citation_and_short_form():
    source = bibliography()["andronikou2020"]
    assert source.short == "Andronikou et al. 2020"
    assert source.citation.startswith("Andronikou S, Kraft JK")
    assert source.citation.endswith("59:2671-2680.")


def _write(tmp_path, payload):
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(payload))
    return path


def test_missing_field_names_file_and_field(tmp_path):
    path = _write(tmp_path, {"sources": [{"id": "x", "authors": "A", "title": "T", "year": 2000}]})
    with pytest.raises(DataFileError, match=r"sources\.json: sources\[0\]\.journal: is missing"):
        load_sources(path)


def test_duplicate_id_is_refused(tmp_path):
    entry = {"id": "x", "authors": "A", "title": "T", "journal": "J", "year": 2000}
    path = _write(tmp_path, {"sources": [entry, entry]})
    with pytest.raises(DataFileError, match=r"sources\[1\]\.id: duplicate id 'x'"):
        load_sources(path)


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text('{"sources": [\n  {"id": }\n]}')
    with pytest.raises(DataFileError, match=r"line 2: not valid JSON"):
        load_sources(path)
