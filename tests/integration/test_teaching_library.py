"""The department library against a real Orthanc (DICOMweb) and against a folder (DICOMfileClient).

Three cases travel: an imported one, a synthetic one and an authored one (an imported case a
teacher filled in: lesions, annotations, text). Each is pushed, listed and pulled into a fresh
user folder, and the pixels and the case come back equal.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from io import BytesIO
from pathlib import Path

import numpy as np
import pydicom
import pytest

from cnoatlas.domain.cases import case_library
from cnoatlas.domain.errors import AtlasError
from cnoatlas.library import teaching_files as tf
from cnoatlas.library.user_cases import import_dicom
from tests.orthanc import PASSWORD, USER
from tests.unit.test_deidentify import NEEDLES, write_planted_series

pytestmark = pytest.mark.orthanc


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CNOATLAS_HOME", str(tmp_path / "home"))
    case_library(reload=True)
    yield tmp_path / "home"
    monkeypatch.undo()  # the real user folder again before the library is read back
    case_library(reload=True)


@pytest.fixture(params=["orthanc", "folder"])
def archive(request, tmp_path):
    """(client, url) for a real Orthanc, or for a folder read by DICOMfileClient."""
    if request.param == "orthanc":
        server = request.getfixturevalue("orthanc")
        return tf.open_archive(server.url, USER, PASSWORD), server.url
    folder = tmp_path / "library"
    folder.mkdir()
    return tf.open_archive(str(folder)), str(folder)


def _imported_case(tmp_path: Path, case_id: str) -> Path:
    source = tmp_path / f"source-{case_id}"
    write_planted_series(source, slices=4)
    return import_dicom(source, case_id, f"Imported {case_id}").folder


def _author(folder: Path) -> None:
    """What a teacher adds to an imported case: a lesion, its outline, the teaching text."""
    dicom = sorted((folder / "dicom").rglob("*.dcm"))
    ds = pydicom.dcmread(dicom[1])
    case = json.loads((folder / "case.json").read_text())
    case["history"] = "Four months of ankle pain; a teacher wrote this history."
    case["findings"] = ["A bright metaphyseal focus on STIR."]
    case["diagnosis"], case["pattern"] = "cno", "unclassified"
    case["lesions"] = [
        {
            "id": "l1",
            "site_id": "tibia.left.distal-metaphysis",
            "description": "Metaphyseal oedema.",
            "silent": False,
            "annotation": "metaphyseal oedema",
        }
    ]
    (folder / "case.json").write_text(json.dumps(case, indent=2))
    annotations = {
        "version": 1,
        "annotations": [
            {
                "id": "a1",
                "lesion_id": "l1",
                "series_uid": str(ds.SeriesInstanceUID),
                "sop_instance_uid": str(ds.SOPInstanceUID),
                "slice": 1,
                "kind": "ellipse",
                "geometry": {"center": [10, 12], "radii": [4, 3]},
                "site_id": "tibia.left.distal-metaphysis",
                "finding": "metaphyseal oedema",
                "label": "oedema",
            }
        ],
    }
    (folder / "dicom" / "annotations.json").write_text(json.dumps(annotations))


def _pixels(folder: Path) -> dict[str, np.ndarray]:
    return {
        str(ds.SOPInstanceUID): ds.pixel_array
        for ds in (pydicom.dcmread(p) for p in sorted(folder.rglob("*.dcm")))
    }


def _no_needles(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for needle in NEEDLES:
                assert needle.encode() not in data, f"{path.name} holds a planted identifier"


def test_push_list_and_pull_three_kinds_of_case(home, tmp_path, archive):
    client, url = archive
    imported = _imported_case(tmp_path, "shared-imported")
    authored = _imported_case(tmp_path, "shared-authored")
    _author(authored)
    case_library(reload=True)
    pushed = {}
    for case_id in ("shared-imported", "shared-authored", "cno-silent-vertebra"):
        uid, count = tf.push_case(client, case_id, url, author="A. Teacher")
        assert count >= 3  # images, the KOS and the SR
        pushed[case_id] = uid
    listed = {f.study_uid: f for f in tf.list_teaching_files(client, url)}
    assert set(pushed.values()) <= set(listed)
    authored_entry = listed[pushed["shared-authored"]]
    assert authored_entry.site_ids == ("tibia.left.distal-metaphysis",)
    assert authored_entry.author == "A. Teacher" and authored_entry.diagnosis == "cno"
    assert listed[pushed["cno-silent-vertebra"]].title == case_library().get(
        "cno-silent-vertebra"
    ).title

    # A colleague's machine: a fresh user folder, nothing local.
    originals = {
        "shared-imported": (_pixels(imported / "dicom"), json.loads((imported / "case.json").read_text())),
        "shared-authored": (_pixels(authored / "dicom"), json.loads((authored / "case.json").read_text())),
    }
    shutil.rmtree(home / "data" / "cases")
    case_library(reload=True)
    for case_id, uid in pushed.items():
        new_id = f"pulled-{case_id}"
        folder = tf.pull_case(client, uid, url, case_id=new_id)
        case = case_library(reload=True).get(new_id)
        assert case is not None, f"{new_id} did not join the library"
        pulled_json = json.loads((folder / "case.json").read_text())
        if case_id in originals:
            pixels, original = originals[case_id]
            got = _pixels(folder / "dicom")
            assert set(got) == set(pixels)
            assert all(np.array_equal(got[k], pixels[k]) for k in pixels)
            for key in ("title", "history", "lesions", "findings", "diagnosis", "patient"):
                assert pulled_json[key] == original[key], key
            _no_needles(folder)
        else:
            shipped = json.loads((case_library().get(case_id).folder / "case.json").read_text())
            assert {k: v for k, v in pulled_json.items() if k != "id"} == {
                k: v for k, v in shipped.items() if k != "id"
            }
    authored_pulled = case_library().get("pulled-shared-authored")
    from cnoatlas.library.studies import load_case_images

    images = load_case_images(authored_pulled)
    assert [a.lesion_id for a in images.annotations] == ["l1"]


def test_a_case_that_could_identify_a_patient_is_never_sent(home, tmp_path, archive):
    client, url = archive
    folder = _imported_case(tmp_path, "leaky")
    victim = sorted((folder / "dicom").rglob("*.dcm"))[0]
    ds = pydicom.dcmread(victim)
    ds.InstitutionName = "Plantedhospital"
    ds.save_as(victim)
    case_library(reload=True)
    with pytest.raises(AtlasError, match=r"\(0008,0080\) could identify a patient") as error:
        tf.push_case(client, "leaky", url)
    assert "Plantedhospital" not in str(error.value)
    assert all(f.case_id != "leaky" for f in tf.list_teaching_files(client, url))


def test_pull_refuses_a_study_that_is_not_a_teaching_file(home, tmp_path, archive):
    client, url = archive
    plain = tmp_path / "plain"
    write_planted_series(plain, slices=2)
    datasets = [pydicom.dcmread(p) for p in sorted(plain.glob("*.dcm"))]
    client.store_instances(datasets)
    fetched = _count_fetches(client)
    with pytest.raises(AtlasError, match="not a CNO Atlas teaching file"):
        tf.pull_case(client, str(datasets[0].StudyInstanceUID), url, case_id="nope")
    assert not (home / "data" / "cases" / "nope").exists()
    assert fetched == []  # refused on the server's word (no SR series), not one image fetched


def _count_fetches(client) -> list[str]:
    """The series UIDs a pull fetches, in order (a server's raw retrieve, or a folder's)."""
    seen: list[str] = []
    name = "iter_series_files" if hasattr(client, "iter_series_files") else "retrieve_series"
    original = getattr(client, name)

    def counted(study_uid, series_uid, *args, **kwargs):
        seen.append(series_uid)
        return original(study_uid, series_uid, *args, **kwargs)

    setattr(client, name, counted)
    return seen


def test_a_pulled_image_that_could_identify_a_patient_is_refused(home, tmp_path, archive):
    # A server may hold what the atlas never sent: another program's upload under our names.
    client, url = archive
    _imported_case(tmp_path, "sent-clean")
    case_library(reload=True)
    datasets = tf.teaching_file(case_library().get("sent-clean"))
    datasets[1].InstitutionName = "Plantedhospital"  # after the push-side check
    client.store_instances(datasets)
    study = str(datasets[0].StudyInstanceUID)
    fetched = _count_fetches(client)
    with pytest.raises(AtlasError, match=r"\(0008,0080\) could identify a patient") as error:
        tf.pull_case(client, study, url, case_id="leaked-copy")
    assert "Plantedhospital" not in str(error.value)
    root = home / "data" / "cases"
    assert sorted(p.name for p in root.iterdir()) == ["sent-clean"]  # no copy, no staging
    sr_series = str(datasets[-1].SeriesInstanceUID)
    assert fetched[0] == sr_series  # the case report first


def test_pulled_files_are_the_servers_bytes_with_a_blank_preamble(home, tmp_path, orthanc):
    client = tf.open_archive(orthanc.url, USER, PASSWORD)
    _imported_case(tmp_path, "as-sent")
    case_library(reload=True)
    datasets = tf.teaching_file(case_library().get("as-sent"))
    images = datasets[:-2]
    images[0].preamble = b"Plantedname Secretina".ljust(128, b"\0")
    images[1].file_meta.PrivateInformationCreatorUID = "1.2.826.0.1.3680043.2.99.9"
    images[1].file_meta.PrivateInformation = b"secretina\0"
    client.store_instances(datasets)
    study, series = str(images[0].StudyInstanceUID), str(images[0].SeriesInstanceUID)
    on_server = {
        str(pydicom.dcmread(BytesIO(raw)).SOPInstanceUID): bytes(raw)
        for raw in client.iter_series_files(study, series)
    }
    assert on_server[str(images[0].SOPInstanceUID)].startswith(b"Plantedname")  # kept there
    assert b"secretina" in on_server[str(images[1].SOPInstanceUID)]
    folder = tf.pull_case(client, study, orthanc.url, case_id="as-sent-copy")
    pulled = {
        str(pydicom.dcmread(p).SOPInstanceUID): p for p in sorted((folder / "dicom").rglob("*.dcm"))
    }
    assert set(pulled) == {str(ds.SOPInstanceUID) for ds in images}
    for uid, path in pulled.items():
        data = path.read_bytes()
        assert data[:128] == bytes(128) and data[128:132] == b"DICM"
        if uid == str(images[1].SOPInstanceUID):  # private file meta: written again without it
            meta = pydicom.dcmread(path).file_meta
            assert "PrivateInformation" not in meta and "PrivateInformationCreatorUID" not in meta
        else:  # the server's own bytes after the preamble
            assert data[128:] == on_server[uid][128:]
    _no_needles(folder)


def test_a_cancelled_pull_leaves_the_library_untouched(home, tmp_path, archive):
    client, url = archive
    _imported_case(tmp_path, "to-cancel")
    case_library(reload=True)
    uid, _ = tf.push_case(client, "to-cancel", url)
    transfer = tf.Transfer(progress=lambda done, total: transfer.cancel.set() if done else None)
    with pytest.raises(tf.Cancelled):
        tf.pull_case(client, uid, url, case_id="cancelled-copy", transfer=transfer)
    root = home / "data" / "cases"
    assert sorted(p.name for p in root.iterdir()) == ["to-cancel"]


def test_a_wrong_password_is_one_clear_line(orthanc):
    client = tf.open_archive(orthanc.url, USER, "not-the-password")
    with pytest.raises(AtlasError, match=r"refused the user name or password \(401\)"):
        tf.list_teaching_files(client, orthanc.url)


def test_a_server_stopped_mid_pull_changes_nothing(home, tmp_path, orthanc):
    client = tf.open_archive(orthanc.url, USER, PASSWORD)
    _imported_case(tmp_path, "mid-pull")
    case_library(reload=True)
    uid, _ = tf.push_case(client, "mid-pull", orthanc.url)
    stopped = threading.Event()

    def stop_server(done, total):
        if done == 1 and not stopped.is_set():
            orthanc.stop()
            stopped.set()

    try:
        with pytest.raises(AtlasError, match="cannot reach the server"):
            tf.pull_case(
                client, uid, orthanc.url, case_id="half", transfer=tf.Transfer(stop_server)
            )
    finally:
        if stopped.is_set():
            orthanc.start()
    assert not (home / "data" / "cases" / "half").exists()
    assert not list((home / "data" / "cases").glob(".pulling-*"))


def test_an_unreachable_server_is_one_clear_line():
    client = tf.open_archive("http://127.0.0.1:9/dicom-web", USER, PASSWORD, timeout=2)
    with pytest.raises(AtlasError, match="cannot reach the server"):
        tf.list_teaching_files(client, "http://127.0.0.1:9/dicom-web")


def test_a_malformed_case_report_is_refused(home, tmp_path, archive):
    client, url = archive
    _imported_case(tmp_path, "malformed")
    case_library(reload=True)
    datasets = tf.teaching_file(case_library().get("malformed"))
    sr = datasets[-1]
    for item in sr.ContentSequence:
        if item.ConceptNameCodeSequence[0].CodeValue == "case-json":
            item.TextValue = "{not json"
    client.store_instances(datasets)
    assert all(f.case_id != "malformed" for f in tf.list_teaching_files(client, url))
    with pytest.raises(AtlasError, match="the case report is malformed"):
        tf.pull_case(client, str(sr.StudyInstanceUID), url, case_id="malformed-copy")
    assert not (home / "data" / "cases" / "malformed-copy").exists()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (Orthanc's PEM holds key and certificate) and its CA file."""
    import subprocess

    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    both = folder / "orthanc.pem"
    both.write_bytes(key.read_bytes() + cert.read_bytes())
    return both, cert


class _EmptyLibrary(http.server.BaseHTTPRequestHandler):
    """A DICOMweb server with no teaching file: every search answers an empty list."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args):
        pass


def test_certificates_are_verified_and_a_ca_bundle_can_be_named(tmp_path):
    # Debian's Orthanc 1.10 crashes on its first HTTPS request here, so the server side of TLS is
    # a Python HTTPS server: what is tested is that the atlas checks the certificate.
    import ssl

    pem, ca = _self_signed(tmp_path)
    server = http.server.HTTPServer(("127.0.0.1", 0), _EmptyLibrary)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_port}/dicom-web"
    try:
        untrusted = tf.open_archive(url, USER, PASSWORD, timeout=5)
        with pytest.raises(AtlasError, match="certificate could not be verified"):
            tf.list_teaching_files(untrusted, url)
        trusted = tf.open_archive(url, USER, PASSWORD, ca_bundle=str(ca), timeout=5)
        assert tf.list_teaching_files(trusted, url) == []
    finally:
        server.shutdown()


def test_a_server_answering_garbage_is_one_clear_line(home):
    class Garbage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"\x00\xffnot json, not DICOM"
            self.send_response(200)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/dicom-web"
    try:
        client = tf.open_archive(url)
        with pytest.raises(AtlasError) as error:
            tf.list_teaching_files(client, url)
        with pytest.raises(AtlasError):
            tf.pull_case(client, "1.2.3", url, case_id="garbage")
    finally:
        server.shutdown()
    assert "\n" not in str(error.value) and "not json" not in str(error.value)
    assert not (home / "data" / "cases" / "garbage").exists()


def test_the_kos_and_the_sr_are_valid_dicom(home, tmp_path):
    import subprocess

    _imported_case(tmp_path, "checked-documents")
    case_library(reload=True)
    *_images, kos, sr = tf.teaching_file(case_library().get("checked-documents"))
    assert kos.ContentSequence[0] is not None and kos.SeriesDescription == "For Teaching"
    title = kos.ConceptNameCodeSequence[0]
    assert (title.CodeValue, title.CodingSchemeDesignator) == ("113004", "DCM")
    for name, ds in (("kos", kos), ("sr", sr)):
        path = tmp_path / f"{name}.dcm"
        ds.save_as(path, enforce_file_format=True)
        out = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True)
        errors = [line for line in (out.stdout + out.stderr).splitlines() if "Error" in line]
        assert not errors, f"{name}: {errors[:3]}"
