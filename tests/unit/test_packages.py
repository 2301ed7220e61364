"""Case packages: pack → unpack gives the same case and pixels; hostile packages write nothing."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest

from cnoatlas.domain.cases import case_library
from cnoatlas.domain.errors import AtlasError
from cnoatlas.library.packages import MANIFEST, pack_case, unpack_case
from cnoatlas.library.user_cases import import_dicom
from tests.unit.test_deidentify import NEEDLES, write_planted_series


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    case_library(reload=True)
    yield tmp_path / "home"
    monkeypatch.undo()  # the real user folder again before the library is read back
    case_library(reload=True)


@pytest.fixture
def imported(tmp_path) -> Path:
    source = tmp_path / "source"
    write_planted_series(source, slices=3)
    folder = import_dicom(source, "packed-case", "A case to share").folder
    dicom = sorted((folder / "dicom").rglob("*.dcm"))
    ds = pydicom.dcmread(dicom[0])
    (folder / "dicom" / "annotations.json").write_text(
        json.dumps(
            {
                "version": 1,
                "annotations": [
                    {
                        "id": "a1", "lesion_id": "l1", "series_uid": str(ds.SeriesInstanceUID),
                        "sop_instance_uid": str(ds.SOPInstanceUID), "slice": 0,
                        "kind": "ellipse", "geometry": {"center": [8, 8], "radii": [3, 3]},
                        "site_id": "tibia.left.distal-metaphysis", "finding": "oedema",
                    }
                ],
            }
        )
    )  # fmt: skip
    case_library(reload=True)
    return folder


def _cases_root(home: Path) -> list[str]:
    root = home / "data" / "cases"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _pixels(folder: Path) -> list[np.ndarray]:
    return [pydicom.dcmread(p).pixel_array for p in sorted(folder.rglob("*.dcm"))]


def test_pack_and_unpack_give_the_same_case_and_pixels(imported, tmp_path, home):
    package = pack_case("packed-case", tmp_path / "shared")
    assert package.name == "shared.cnocase"
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        assert manifest["case_id"] == "packed-case" and manifest["version"] == 1
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    result = unpack_case(package, case_id="from-colleague")
    assert result.case_id == "from-colleague" and not result.replaced
    original = json.loads((imported / "case.json").read_text())
    copy = json.loads((result.folder / "case.json").read_text())
    assert {k: v for k, v in copy.items() if k != "id"} == {
        k: v for k, v in original.items() if k != "id"
    }
    before, after = _pixels(imported / "dicom"), _pixels(result.folder / "dicom")
    assert len(before) == len(after)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    case = case_library(reload=True).get("from-colleague")
    assert case is not None
    from cnoatlas.library.studies import load_case_images

    images = load_case_images(case)
    annotated = {a.sop_instance_uid for a in images.annotations}
    sops = {str(pydicom.dcmread(p).SOPInstanceUID) for p in (result.folder / "dicom").rglob("*.dcm")}
    assert annotated and annotated <= sops  # the outline still points at its image
    for path in result.folder.rglob("*"):
        if path.is_file():
            assert not [n for n in NEEDLES if n.encode() in path.read_bytes().lower()]


def test_a_synthetic_case_travels_as_its_description(tmp_path):
    package = pack_case("cno-silent-vertebra", tmp_path / "vertebra.cnocase")
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["case.json", MANIFEST]
    result = unpack_case(package, case_id="my-vertebra")
    assert case_library(reload=True).get("my-vertebra").series.generator is not None
    assert result.files == 1


def test_an_existing_case_is_replaced_only_when_asked(imported, tmp_path, home):
    package = pack_case("packed-case", tmp_path / "p.cnocase")
    with pytest.raises(AtlasError, match="exists already: --replace"):
        unpack_case(package)
    notes = imported / "my-edit.txt"
    notes.write_text("kept until replaced")
    result = unpack_case(package, replace=True)
    assert result.replaced and not (result.folder / "my-edit.txt").exists()
    assert _cases_root(home) == ["packed-case"]


def _hostile(tmp_path: Path, members: dict[str, bytes], manifest: dict | None = None,
             links: tuple[str, ...] = ()) -> Path:  # fmt: skip
    path = tmp_path / "hostile.cnocase"
    files = [
        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in members.items()
    ]
    doc = manifest if manifest is not None else {
        "format": "cnoatlas-case-package", "version": 1, "case_id": "hostile", "files": files,
    }  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(doc))
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


GOOD_CASE = json.dumps({"id": "hostile"}).encode()


@pytest.mark.parametrize(
    ("members", "links", "manifest_change", "message"),
    [
        ({"case.json": GOOD_CASE, "../evil.txt": b"x"}, (), None, "unsafe file name"),
        ({"case.json": GOOD_CASE, "/etc/evil": b"x"}, (), None, "unsafe file name"),
        ({"case.json": GOOD_CASE, "dicom/link.dcm": b"/etc/passwd"}, ("dicom/link.dcm",), None,
         "holds a link"),
        ({"case.json": GOOD_CASE, "dicom/bomb.dcm": b"\0" * 20_000_000}, (), None,
         "inflates suspiciously"),
        ({"case.json": GOOD_CASE}, (), {"sha256": "0" * 64}, "fails its checksum"),
        ({"case.json": GOOD_CASE}, (), {"version": 99}, "newer version"),
        ({"case.json": b'{"id": 5, "title": ["not", "text"]}'}, (), None, "nothing written"),
        ({"case.json": b"{not json"}, (), None, "not valid JSON"),
    ],
)
def test_hostile_packages_are_refused_with_one_line(tmp_path, home, members, links,
                                                    manifest_change, message):  # fmt: skip
    path = _hostile(tmp_path, members, links=links)
    if manifest_change:
        with zipfile.ZipFile(path) as archive:
            doc = json.loads(archive.read(MANIFEST))
            data = {n: archive.read(n) for n in archive.namelist() if n != MANIFEST}
        if "sha256" in manifest_change:
            doc["files"][0]["sha256"] = manifest_change["sha256"]
        else:
            doc.update(manifest_change)
        path = _hostile(tmp_path, data, manifest=doc)
    with pytest.raises(AtlasError, match=message) as error:
        unpack_case(path)
    assert "\n" not in str(error.value)
    assert _cases_root(home) == []  # nothing written, no staging left


def test_a_file_that_is_not_a_package_is_one_line(tmp_path):
    bad = tmp_path / "x.cnocase"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(AtlasError, match="not a case package"):
        unpack_case(bad)
    with pytest.raises(AtlasError, match="no such package file"):
        unpack_case(tmp_path / "missing.cnocase")


def _case_citing_an_own_source(home) -> str:
    from cnoatlas import paths
    from cnoatlas.domain.cases import user_cases_dir
    from cnoatlas.domain.sources import add_user_source

    add_user_source("lecturer2024", "Lecturer A", "Our own series", "Dept Rev", 2024)
    raw = json.loads((paths.cases_dir() / "cno-silent-vertebra" / "case.json").read_text("utf-8"))
    raw["id"] = "own-source-case"
    raw["teaching_points"][0]["sources"].append("lecturer2024")
    folder = user_cases_dir() / "own-source-case"
    folder.mkdir(parents=True)
    (folder / "case.json").write_text(json.dumps(raw), encoding="utf-8")
    case_library(reload=True)
    return raw["id"]


def test_a_case_citing_the_lecturers_own_source_unpacks_on_a_colleagues_atlas(
    tmp_path, home, monkeypatch
):
    from cnoatlas.domain.sources import bibliography

    package = pack_case(_case_citing_an_own_source(home), tmp_path / "own.cnocase")
    with zipfile.ZipFile(package) as archive:
        assert "sources.json" in archive.namelist()
        listed = {f["path"] for f in json.loads(archive.read(MANIFEST))["files"]}
        assert "sources.json" in listed  # checked like every other member
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "colleague"))
    case_library(reload=True)
    assert "lecturer2024" not in bibliography()
    unpack_case(package)
    assert case_library(reload=True).get("own-source-case") is not None
    source = bibliography()["lecturer2024"]
    assert source.title == "Our own series" and source.verified is False


def test_a_package_with_broken_sources_writes_nothing(tmp_path, home, monkeypatch):
    from cnoatlas.domain.sources import user_sources_path

    package = pack_case(_case_citing_an_own_source(home), tmp_path / "own.cnocase")
    bad = json.dumps({"sources": [{"id": "lecturer2024", "year": "last year"}]}).encode()
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        members = {n: archive.read(n) for n in archive.namelist() if n != MANIFEST}
    members["sources.json"] = bad
    for entry in manifest["files"]:
        if entry["path"] == "sources.json":
            entry["size"], entry["sha256"] = len(bad), hashlib.sha256(bad).hexdigest()
    hostile = tmp_path / "hostile.cnocase"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "colleague"))
    case_library(reload=True)
    with pytest.raises(AtlasError, match=r"sources\.json") as refused:
        unpack_case(hostile)
    assert "\n" not in str(refused.value)
    assert not user_sources_path().exists()
    assert case_library(reload=True).get("own-source-case") is None
