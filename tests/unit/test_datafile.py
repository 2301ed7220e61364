import pytest

from cnoatlas.domain.datafile import read_json, read_json_object
from cnoatlas.domain.errors import DataFileError


def test_reads_json(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"x": [1, 2]}', encoding="utf-8")
    assert read_json(path) == {"x": [1, 2]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"x": \n oops}', r"a\.json: line 2: not valid JSON"),
        (b"\xff\xfe{}", r"a\.json: not UTF-8 text"),
        (b"[1, 2]", r"a\.json: must be a JSON object"),
    ],
)
def test_problems_name_the_file_and_where(tmp_path, content, message):
    path = tmp_path / "a.json"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=message):
        read_json_object(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        read_json(tmp_path / "none.json")


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(DataFileError, match="cannot be read"):
        read_json(tmp_path)


def test_unknown_fields_are_named_with_their_place(tmp_path):
    from cnoatlas.domain.datafile import reject_unknown_fields

    reject_unknown_fields("a.json", {"id": 1}, {"id", "name"})
    with pytest.raises(DataFileError, match=r"a\.json: items\[2\]\.nmae: is not a known field"):
        reject_unknown_fields("a.json", {"id": 1, "nmae": "x"}, {"id", "name"}, "items[2]")
    with pytest.raises(DataFileError, match=r"a\.json: extra: is not a known field"):
        reject_unknown_fields("a.json", {"extra": 0}, {"id"})
