"""A department's teaching library on a DICOMweb server (Orthanc, dcm4chee, …) or in a folder.

A teaching file follows the IHE Teaching File and Clinical Trial Export profile: the case's
de-identified images, a Key Object Selection document titled "For Teaching" (DCM 113004) naming
its key images, and a Comprehensive SR that carries the case: its text, its lesions with their
site ids and its annotations. highdicom builds both documents; ``dicomweb-client`` speaks QIDO-RS,
WADO-RS and STOW-RS, and its ``DICOMfileClient`` gives the same calls over a local folder, so the
offline library and a server share one code path.

Nothing leaves the machine that could identify a patient: a push checks every element of every
file first (``identifying_elements``) and refuses the whole case if one could. A pull is written
to a hidden staging folder and moved into the library only when it is complete, so a failed or
cancelled pull leaves the library as it was. Messages name files by position and elements by
tag, never by value.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnoatlas import __version__
from cnoatlas.domain.cases import Case, case_library, load_case, user_cases_dir
from cnoatlas.domain.errors import AtlasError

if TYPE_CHECKING:  # pydicom is imported where it is used: the Cases page opens without it
    from pydicom import Dataset

log = logging.getLogger("cnoatlas.library")

PASSWORD_VARIABLE = "CNOATLAS_DICOMWEB_PASSWORD"
KEYRING_SERVICE = "cnoatlas-dicomweb"
SCHEME = "99CNOATLAS"  # the coding scheme of the atlas's own concepts in the SR
SR_SERIES_DESCRIPTION = "CNO Atlas teaching file"
KOS_SERIES_DESCRIPTION = "For Teaching"
KOS_CLASS = "1.2.840.10008.5.1.4.1.1.88.59"
COMPREHENSIVE_SR_CLASS = "1.2.840.10008.5.1.4.1.1.88.33"
DOCUMENT_CLASSES = {KOS_CLASS, COMPREHENSIVE_SR_CLASS}
FORMAT_VERSION = 1
MAX_FILES = 5000  # a pull refuses a study with more instances than any teaching case has


class Cancelled(AtlasError):
    """The user stopped the transfer; nothing was changed."""


@dataclass(frozen=True)
class TeachingFile:
    """One teaching file as a server lists it."""

    study_uid: str
    title: str
    diagnosis: str
    age_years: float | None
    sex: str
    site_ids: tuple[str, ...]
    author: str
    date: str
    case_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "study_uid": self.study_uid,
            "title": self.title,
            "diagnosis": self.diagnosis,
            "age_years": self.age_years,
            "sex": self.sex,
            "site_ids": list(self.site_ids),
            "author": self.author,
            "date": self.date,
        }


@dataclass
class Transfer:
    """Progress and cancel for a push or a pull (a worker thread reads ``cancel``)."""

    progress: Callable[[int, int], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def step(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise Cancelled("transfer cancelled; nothing was changed")
        if self.progress is not None:
            self.progress(done, total)


# --- connecting -------------------------------------------------------------------------------
def password_for(url: str, user: str | None) -> str | None:
    """The password: the environment variable, else the system keyring; None if neither has it."""
    if not user:
        return None
    value = os.environ.get(PASSWORD_VARIABLE)
    if value:
        return value
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, f"{user}@{url}")
    except Exception:  # no keyring on this machine (or a locked one): ask instead
        log.info("no system keyring available for the DICOMweb password")
        return None


def remember_password(url: str, user: str, password: str) -> bool:
    """Keep the password in the system keyring; False where there is none (never a plain file)."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, f"{user}@{url}", password)
        return True
    except Exception:
        log.info("no system keyring available: the password is not kept")
        return False


def is_folder_url(url: str) -> bool:
    return url.startswith("file://") or (not url.startswith(("http://", "https://")))


def check_address(url: str) -> None:
    """AtlasError for an address that cannot be a teaching library (before connecting)."""
    if not url:
        raise AtlasError("--server: give the DICOMweb address (https://…/dicom-web) or a folder")
    if is_folder_url(url):
        folder = Path(url.removeprefix("file://")).expanduser()
        if not folder.is_dir():
            raise AtlasError(f"{folder}: no such folder for a teaching library")


def open_archive(
    url: str,
    user: str | None = None,
    password: str | None = None,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
):
    """A dicomweb-client for ``url``: a DICOMweb server (http/https) or a local folder.

    A folder's client indexes the folder in SQLite: use it on the thread that opened it.
    """
    check_address(url)
    if is_folder_url(url):
        from dicomweb_client import DICOMfileClient

        folder = Path(url.removeprefix("file://")).expanduser()
        return DICOMfileClient(f"file://{folder.resolve()}", in_memory=True, update_db=True)
    session = _session(ca_bundle)
    if user:
        if password is None:
            raise AtlasError(
                f"{url}: no password for '{user}' (set {PASSWORD_VARIABLE} or keep it in the "
                "system keyring)"
            )
        session.auth = (user, password)
    client = _archive_class()(url.rstrip("/"), session=session, timeout=timeout)
    # dicomweb-client retries every failure five times with waits up to 16 s; a refused
    # certificate or password will not change in a second: two short retries are enough.
    client.set_http_retry_params(retry=True, max_attempts=3, wait_exponential_multiplier=200)
    return client


_ARCHIVE_CLASS = None


def _archive_class():
    """DICOMwebClient with one more call: a series as the files the server holds (bytes)."""
    global _ARCHIVE_CLASS
    if _ARCHIVE_CLASS is not None:
        return _ARCHIVE_CLASS
    from dicomweb_client import DICOMwebClient

    try:
        from dicomweb_client.web import _Transaction
    except ImportError:
        _Transaction = None
    private = ("_get_series_url", "_http_get", "_decode_multipart_message")
    if _Transaction is None or not all(hasattr(DICOMwebClient, name) for name in private):
        # Another dicomweb-client than the one this was written against (0.61): its public
        # retrieve_series (parsed datasets, written again) is slower but the same pull.
        _ARCHIVE_CLASS = DICOMwebClient
        return DICOMwebClient

    class Archive(DICOMwebClient):
        def iter_series_files(self, study_uid: str, series_uid: str):
            """WADO-RS Retrieve Series in one request: each instance's bytes as they arrive.

            dicomweb-client's ``retrieve_series`` parses every part into a dataset; a pull
            writes the server's bytes to disk as they are, so it asks for them (through the
            client's own request, retry and multipart code)."""
            url = self._get_series_url(_Transaction.RETRIEVE, study_uid, series_uid)
            accept = 'multipart/related; type="application/dicom"'
            response = self._http_get(url, headers={"Accept": accept}, stream=True)
            if response.headers.get("Content-Type", "").startswith("application/dicom"):
                yield response.content  # a server that sends one instance unwrapped
                return
            yield from self._decode_multipart_message(response, stream=True)

    _ARCHIVE_CLASS = Archive
    return Archive


def _session(ca_bundle: str | None):
    """A requests session that always checks certificates, against ``ca_bundle`` if given.

    requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override a session's own CA bundle
    (requests issue 3829); the bundle the lecturer named wins here.
    """
    import requests

    class Session(requests.Session):
        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if ca_bundle:
                settings["verify"] = ca_bundle
            return settings

    session = Session()
    session.verify = ca_bundle or True
    return session


def server_error(url: str, exc: BaseException) -> AtlasError:
    """One line for what went wrong talking to the server (never its response body)."""
    import requests

    where = url if is_folder_url(url) else url.split("?")[0]
    if isinstance(exc, requests.exceptions.SSLError):
        return AtlasError(f"{where}: the server's certificate could not be verified")
    if isinstance(exc, requests.exceptions.Timeout):
        return AtlasError(f"{where}: the server did not answer in time")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return AtlasError(f"{where}: cannot reach the server (is it running, is the address right?)")
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status in (401, 403):
            return AtlasError(f"{where}: the server refused the user name or password ({status})")
        if status == 404:
            return AtlasError(f"{where}: no DICOMweb service at this address (404)")
        return AtlasError(f"{where}: the server answered with an error ({status})")
    return AtlasError(f"{where}: the transfer failed ({type(exc).__name__})")


# --- what may leave the machine ----------------------------------------------------------------
_PLACEHOLDER_PREFIXES = ("ANON^", "SYNTHETIC^")
_ALLOWED_WITH_VALUE = {
    0x00100010,  # PatientName: the atlas's placeholder only (checked below)
    0x00100020,  # PatientID: the case id or the generator's SYNTH- id (checked below)
    0x00100040,  # PatientSex
    0x00101010,  # PatientAge
    0x00120062,  # PatientIdentityRemoved
    0x00120063,  # DeidentificationMethod
    0x00120064,  # DeidentificationMethodCodeSequence
    0x00280303,  # LongitudinalTemporalInformationModified
}

# Elements the atlas itself fills: in a file the generator made, or one the atlas de-identified
# (its de-identifier cleans these descriptors or removes them), their values are the atlas's own.
_GENERATOR_METHOD = "Synthetic image, no patient"
_ATLAS_METHOD_PREFIX = "CNO Atlas"
_GENERATOR_ELEMENTS = {
    0x00080080,  # InstitutionName: "Synthetic data"
    0x00081030,  # StudyDescription
    0x0008103E,  # SeriesDescription
    0x00100021,  # IssuerOfPatientID
    0x00200010,  # StudyID
    0x00204000,  # ImageComments: says the image is synthetic
}
_CLEANED_DESCRIPTORS = {0x00081030, 0x0008103E, 0x00181030}  # study, series, protocol


def identifying_elements(ds: Dataset, case_id: str) -> list[str]:
    """Tags of elements in ``ds`` (sequences too) that could identify a patient, as text.

    An element's value is read (converted from the file's bytes) only where the answer
    depends on it: a sequence's items, the two patient elements with placeholders, and an
    element whose tag or VR could identify, to see whether it is empty. The VR is the file's
    own where it is explicit (pydicom keeps it); an implicit or UN one is pydicom's reading."""
    from pydicom.dataelem import RawDataElement

    found: list[str] = []
    if str(ds.get("PatientIdentityRemoved", "")).upper() != "YES":
        found.append("(0012,0062) PatientIdentityRemoved is not YES")
    method = str(ds.get("DeidentificationMethod", ""))
    if method == _GENERATOR_METHOD and str(ds.get("PatientName", "")).startswith("SYNTHETIC^"):
        atlas_values = _GENERATOR_ELEMENTS
    elif method.startswith(_ATLAS_METHOD_PREFIX):
        atlas_values = _CLEANED_DESCRIPTORS
    else:
        atlas_values = set()

    def walk(item: Dataset) -> None:
        for key in list(item.keys()):
            elem = item.get_item(key)
            vr = elem.VR
            if not isinstance(elem, RawDataElement) or vr is None or vr in ("UN", "SQ"):
                elem = item[key]
                vr = elem.VR
            tag = int(key)
            if vr == "SQ":
                for child in item[key].value or []:
                    walk(child)
                continue
            if tag in _ALLOWED_WITH_VALUE:
                if tag == 0x00100010:
                    value = item[key].value
                    if value and not str(value).startswith(_PLACEHOLDER_PREFIXES):
                        found.append("(0010,0010)")
                elif tag == 0x00100020:
                    value = item[key].value
                    if value and str(value) != case_id and not str(value).startswith("SYNTH-"):
                        found.append("(0010,0020)")
                continue
            if vr == "UI":
                continue
            if tag in atlas_values and item is ds:
                continue
            if atlas_values and vr in ("DA", "DT", "TM"):
                continue  # generated dates, or dates the atlas shifted on import (PS3.15 option)
            if not ((tag >> 16) & 1 or vr == "PN" or _identifying(tag, vr)):
                continue
            if item[key].value in (None, "", b""):
                continue  # an empty element says nothing
            found.append(f"({tag >> 16:04X},{tag & 0xFFFF:04X})")

    walk(ds)
    return sorted(set(found))


@functools.lru_cache(maxsize=8192)
def _identifying(tag: int, vr: str) -> bool:
    """``safe_tags.is_identifying``, once per tag and VR (it depends on nothing else)."""
    from cnoatlas.imaging.safe_tags import is_identifying

    return is_identifying(tag, vr)


def check_shareable(datasets: Iterable[tuple[str, Dataset]], case_id: str) -> None:
    """AtlasError naming the first file and element that could identify a patient."""
    for name, ds in datasets:
        found = identifying_elements(ds, case_id)
        if found:
            raise AtlasError(
                f"{name}: element {found[0]} could identify a patient; nothing was sent "
                "(only de-identified and synthetic cases can be shared)"
            )


# --- the case as DICOM ---------------------------------------------------------------------------
def _case_folder_images(case: Case) -> tuple[Path, list[Path]]:
    from cnoatlas.library.studies import case_image_folder

    folder = case_image_folder(case)
    files = sorted(p for p in folder.rglob("*.dcm") if p.is_file())
    if not files:
        raise AtlasError(f"case '{case.id}': no DICOM images to share")
    return folder, files


def _annotations_json(folder: Path) -> list[dict[str, Any]]:
    path = folder / "annotations.json"
    if not path.is_file():
        return []
    from cnoatlas.domain.annotations import load_annotations

    return [a.to_dict() for a in load_annotations(path)]


def _code(value: str, meaning: str):
    from highdicom.sr import CodedConcept

    return CodedConcept(value=value, scheme_designator=SCHEME, meaning=meaning)


def _text(value: str, meaning: str, text: str):
    from highdicom.sr import RelationshipTypeValues, TextContentItem

    return TextContentItem(
        name=_code(value, meaning),
        value=text if text else "-",
        relationship_type=RelationshipTypeValues.CONTAINS,
    )


def _sr_content(case_json: dict[str, Any], annotations: list[dict[str, Any]], author: str):
    from highdicom.sr import ContainerContentItem, ContentSequence, RelationshipTypeValues

    root = ContainerContentItem(name=_code("teaching-file", "CNO Atlas teaching file"))
    items = [
        _text("format", "Format version", str(FORMAT_VERSION)),
        _text("case-id", "Case id", case_json["id"]),
        _text("title", "Title", case_json["title"]),
        _text("diagnosis", "Diagnosis", case_json["diagnosis"]),
        _text("presentation", "Presentation", case_json.get("presentation", "")),
        _text("history", "History", case_json.get("history", "")),
        _text("author", "Author", author),
    ]
    for lesion in case_json.get("lesions", []):
        box = ContainerContentItem(
            name=_code("lesion", "Lesion"), relationship_type=RelationshipTypeValues.CONTAINS
        )
        box.ContentSequence = ContentSequence(
            [
                _text("lesion-id", "Lesion id", lesion["id"]),
                _text("site-id", "Site id", lesion["site_id"]),
                _text("description", "Description", str(lesion.get("description", ""))),
                _text("symptomatic", "Symptomatic", "no" if lesion.get("silent") else "yes"),
            ]
        )
        items.append(box)
    items.append(_text("annotations", "Annotations", json.dumps(annotations)))
    items.append(_text("case-json", "Case description", json.dumps(case_json)))
    root.ContentSequence = ContentSequence(items)
    return root


def _read_sr(ds: Dataset) -> dict[str, Any]:
    """The atlas's items of a teaching-file SR: {meaning-code: text}, lesions as a list."""
    out: dict[str, Any] = {"lesions": []}
    for item in ds.get("ContentSequence", []):
        code = item.ConceptNameCodeSequence[0]
        if code.CodingSchemeDesignator != SCHEME:
            continue
        if item.ValueType == "TEXT":
            out[code.CodeValue] = str(item.TextValue)
        elif item.ValueType == "CONTAINER" and code.CodeValue == "lesion":
            lesion = {}
            for child in item.get("ContentSequence", []):
                lesion[child.ConceptNameCodeSequence[0].CodeValue] = str(child.TextValue)
            out["lesions"].append(lesion)
    return out


def _case_json_file(case: Case) -> dict[str, Any]:
    return json.loads((case.folder / "case.json").read_text(encoding="utf-8"))


def _key_images(datasets: list[Dataset], annotations: list[dict[str, Any]]) -> list[Dataset]:
    """The images the annotations are drawn on; the middle image of each series if none."""
    wanted = {a.get("sop_instance_uid") for a in annotations if a.get("sop_instance_uid")}
    keys = [ds for ds in datasets if str(ds.SOPInstanceUID) in wanted]
    if keys:
        return keys
    by_series: dict[str, list[Dataset]] = {}
    for ds in datasets:
        by_series.setdefault(str(ds.SeriesInstanceUID), []).append(ds)
    return [items[len(items) // 2] for items in by_series.values()]


def teaching_file(case: Case, author: str = "") -> list[Dataset]:
    """The case as DICOM: its images, the KOS "For Teaching" and the SR (images first)."""
    import pydicom
    from highdicom.ko import KeyObjectSelection, KeyObjectSelectionDocument
    from highdicom.sr import ComprehensiveSR
    from pydicom.sr.codedict import codes
    from pydicom.uid import generate_uid

    folder, files = _case_folder_images(case)
    images = [pydicom.dcmread(path) for path in files]
    check_shareable(
        ((f"image {i} of case '{case.id}'", ds) for i, ds in enumerate(images, 1)), case.id
    )
    studies = {str(ds.StudyInstanceUID) for ds in images}
    if len(studies) != 1:
        raise AtlasError(f"case '{case.id}': its images belong to {len(studies)} studies, not one")
    study_uid = studies.pop()
    annotations = _annotations_json(folder)
    case_json = _case_json_file(case)
    for ds in images:
        # The study carries the case's title, for servers and viewers that list studies.
        ds.StudyDescription = case_json["title"][:64]
    keys = _key_images(images, annotations)
    common = {"manufacturer": f"CNO Atlas {__version__}"}
    kos = KeyObjectSelectionDocument(
        evidence=images,
        content=KeyObjectSelection(
            document_title=codes.DCM.ForTeaching,
            referenced_objects=keys,
            description=case_json["title"][:64],
        ),
        series_instance_uid=generate_uid(entropy_srcs=[study_uid, "kos-series"]),
        series_number=990,
        sop_instance_uid=generate_uid(entropy_srcs=[study_uid, "kos"]),
        instance_number=1,
        **common,
    )
    kos.SeriesDescription = KOS_SERIES_DESCRIPTION
    sr = ComprehensiveSR(
        evidence=images,
        content=_sr_content(case_json, annotations, author),
        series_instance_uid=generate_uid(entropy_srcs=[study_uid, "sr-series"]),
        series_number=991,
        sop_instance_uid=generate_uid(entropy_srcs=[study_uid, "sr"]),
        instance_number=1,
        is_complete=True,
        **common,
    )
    sr.SeriesDescription = SR_SERIES_DESCRIPTION
    for document in (kos, sr):
        # The documents say what the images say about the patient: placeholders, never more.
        for keyword in ("PatientName", "PatientID", "PatientSex", "PatientAge"):
            if keyword in images[0]:
                setattr(document, keyword, images[0].data_element(keyword).value)
        document.PatientIdentityRemoved = "YES"
        document.DeidentificationMethod = images[0].get("DeidentificationMethod", "CNO Atlas")
        document.StudyDescription = case_json["title"][:64]
        # highdicom names itself as contributing equipment in free text: a descriptor the
        # checks below would have to trust; the Manufacturer element says who made it.
        if "ContributingEquipmentSequence" in document:
            del document.ContributingEquipmentSequence
    check_shareable((("the teaching-file documents", d) for d in (kos, sr)), case.id)
    return [*images, kos, sr]


# --- push, list, pull ------------------------------------------------------------------------------
def _library_case(case_id: str) -> Case:
    library = case_library(reload=True)
    case = library.get(case_id)
    if case is None:
        problem = next((p for p in library.problems if f"/{case_id}/" in str(p)), None)
        raise AtlasError(str(problem) if problem else f"unknown case '{case_id}'")
    return case


def push_case(
    client, case_id: str, url: str = "", author: str = "", transfer: Transfer | None = None
) -> tuple[str, int]:
    """Store a case on the server: (study UID, number of instances sent)."""
    transfer = transfer or Transfer()
    case = _library_case(case_id)
    if not (case.synthetic or case.imported):
        raise AtlasError(f"case '{case_id}': only imported (de-identified) and synthetic cases can be shared")
    datasets = teaching_file(case, author)
    batch = 20
    total = len(datasets)
    try:
        for start in range(0, total, batch):
            transfer.step(start, total)
            client.store_instances(datasets[start : start + batch])
    except Cancelled:
        raise
    except Exception as exc:
        raise server_error(url, exc) from exc
    transfer.step(total, total)
    return str(datasets[0].StudyInstanceUID), total


def _sr_datasets(client, url: str) -> list[Dataset]:
    try:
        # A folder's client has every field already and warns about the request for one.
        extra = {} if type(client).__name__ == "DICOMfileClient" else {"fields": ["0008103E"]}
        found = client.search_for_series(search_filters={"Modality": "SR"}, **extra)
    except Exception as exc:
        raise server_error(url, exc) from exc
    documents = []
    for entry in found:
        description = entry.get("0008103E", {}).get("Value", [None])[0]
        if description is not None and description != SR_SERIES_DESCRIPTION:
            continue  # (a server that leaves the description out: the document itself is checked)
        study = entry.get("0020000D", {}).get("Value", [""])[0]
        series = entry.get("0020000E", {}).get("Value", [""])[0]
        try:
            documents += client.retrieve_series(study, series)
        except Exception as exc:
            raise server_error(url, exc) from exc
    return documents


def list_teaching_files(client, url: str = "") -> list[TeachingFile]:
    """Every teaching file the server holds, newest first; malformed ones are skipped (logged)."""
    found = []
    for ds in _sr_datasets(client, url):
        if ds.get("SeriesDescription", "") != SR_SERIES_DESCRIPTION:
            continue
        try:
            items = _read_sr(ds)
            case_json = json.loads(items["case-json"])
            patient = case_json.get("patient", {})
            found.append(
                TeachingFile(
                    study_uid=str(ds.StudyInstanceUID),
                    title=str(case_json["title"]),
                    diagnosis=str(case_json["diagnosis"]),
                    age_years=patient.get("age_years"),
                    sex=str(patient.get("sex", "")),
                    site_ids=tuple(lesion["site-id"] for lesion in items["lesions"]),
                    author="" if items.get("author") == "-" else items.get("author", ""),
                    date=str(ds.get("ContentDate", "")),
                    case_id=str(case_json["id"]),
                )
            )
        except Exception as exc:  # a document another program wrote with our series name
            log.warning("teaching file skipped: %s", type(exc).__name__)
    found.sort(key=lambda t: (t.date, t.title), reverse=True)
    return found


# A pull fetches series on worker threads (one request each, WADO-RS Retrieve Series) while
# this thread checks and writes the ones that have come: at most 4 at once, and one core left
# for the checking (and for a server on this machine). Measured on 2 cores with a local
# Orthanc, a whole-body case: one fetch thread 370-490 ms, two 500-610, four 500-860 (the
# threads share the interpreter's lock, and the server the cores). A folder's client reads on
# the thread that opened it, one series after another.
PULL_THREADS = max(1, min(4, (os.cpu_count() or 1) - 1))
# File meta elements a pulled file may keep as the server sent them; a file with any other (a
# private one, presentation addresses) is written again with these only.
_PLAIN_META = {
    0x00020000,  # FileMetaInformationGroupLength
    0x00020001,  # FileMetaInformationVersion
    0x00020002,  # MediaStorageSOPClassUID
    0x00020003,  # MediaStorageSOPInstanceUID
    0x00020010,  # TransferSyntaxUID
    0x00020012,  # ImplementationClassUID
    0x00020013,  # ImplementationVersionName
    0x00020016,  # SourceApplicationEntityTitle
}


@dataclass
class _Instance:
    ds: Dataset
    raw: bytes | None = None  # the file as the server sent it (None: a folder client's dataset)


def _series_uid_of(entry: dict[str, Any]) -> str:
    return entry.get("0020000E", {}).get("Value", [""])[0]


def _modality_of(entry: dict[str, Any]) -> str | None:
    return (entry.get("00080060", {}).get("Value") or [None])[0]


def _fetch_series(
    client, study_uid: str, series_uid: str, stop: Callable[[], bool]
) -> list[_Instance]:
    """One series, parsed (lazily: values are read when checked); stops early if ``stop()``."""
    files = getattr(client, "iter_series_files", None)
    if files is None:
        return [_Instance(ds) for ds in client.retrieve_series(study_uid, series_uid)]
    from io import BytesIO

    import pydicom

    found = []
    for raw in files(study_uid, series_uid):
        if stop():
            break
        raw = bytes(raw)  # (BytesIO shares a bytes object's buffer instead of copying it)
        found.append(_Instance(pydicom.dcmread(BytesIO(raw)), raw))
        if len(found) > MAX_FILES:
            break
    return found


def _fetched(client, study_uid: str, entries: list, url: str, cancel: threading.Event):
    """(series entry, its instances) as each series arrives, ``PULL_THREADS`` at a time.

    Closing the generator early (an error, a cancel) stops the fetches still running and
    waits for them: no thread outlives the pull. A cancelled fetch may return part of its
    series; the caller's next ``Transfer.step`` raises ``Cancelled``."""
    if not entries:
        return
    closing = threading.Event()

    def stop() -> bool:
        return closing.is_set() or cancel.is_set()

    if not hasattr(client, "iter_series_files"):
        for entry in entries:
            try:
                found = _fetch_series(client, study_uid, _series_uid_of(entry), stop)
            except Exception as exc:
                raise server_error(url, exc) from exc
            yield entry, found
        return
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(min(PULL_THREADS, len(entries)), thread_name_prefix="pull")
    try:
        running = {
            pool.submit(_fetch_series, client, study_uid, _series_uid_of(e), stop): e
            for e in entries
        }
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                entry = running.pop(future)
                try:
                    found = future.result()
                except Exception as exc:
                    raise server_error(url, exc) from exc
                yield entry, found
    finally:
        closing.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _write_instance(instance: _Instance, path: Path) -> None:
    """The file as the server sent it, with a blank preamble (128 bytes any program may fill);
    written again only where its file meta holds more than the plain elements."""
    raw, ds = instance.raw, instance.ds
    meta = getattr(ds, "file_meta", None)
    plain = meta is not None and set(meta.keys()) <= _PLAIN_META
    if raw is not None and raw[128:132] == b"DICM" and plain:
        with open(path, "wb") as out:
            out.write(bytes(128))
            out.write(memoryview(raw)[128:])
        return
    import pydicom

    if meta is not None:
        for tag in [elem.tag for elem in meta if int(elem.tag) not in _PLAIN_META]:
            del meta[tag]
    ds.preamble = bytes(128)
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def _case_report(datasets: list[Dataset], study_uid: str) -> tuple[dict[str, Any], list, dict]:
    """The SR's case description, annotations and items; AtlasError if there is none or it is
    malformed or newer than this atlas."""
    srs = [
        ds
        for ds in datasets
        if str(ds.get("SOPClassUID", "")) == COMPREHENSIVE_SR_CLASS
        and ds.get("SeriesDescription", "") == SR_SERIES_DESCRIPTION
    ]
    if not srs:
        raise AtlasError(f"study {study_uid}: not a CNO Atlas teaching file (no case report)")
    try:
        items = _read_sr(srs[0])
        case_json = json.loads(items["case-json"])
        annotations = json.loads(items.get("annotations", "[]"))
        if not isinstance(case_json, dict) or not isinstance(annotations, list):
            raise ValueError
    except (KeyError, ValueError, AttributeError, IndexError) as exc:
        raise AtlasError(f"study {study_uid}: the case report is malformed") from exc
    if int(items.get("format", "0") or 0) > FORMAT_VERSION:
        raise AtlasError(f"study {study_uid}: made by a newer version of the atlas; update to pull it")
    return case_json, annotations, items


def pull_case(
    client,
    study_uid: str,
    url: str = "",
    case_id: str | None = None,
    transfer: Transfer | None = None,
) -> Path:
    """Bring a teaching file into the user's library; the new case's folder.

    The case report (the SR series) comes first: a study that is not a teaching file, or one
    for another id, is refused before its images are fetched. The other series then come on
    worker threads (one request a series) while this thread checks each image for anything that
    could identify a patient and only then writes its file, as the server sent it (with a blank
    preamble), into a hidden staging folder.
    """
    from cnoatlas.library.user_cases import check_new_case_id

    transfer = transfer or Transfer()
    try:
        series = client.search_for_series(study_instance_uid=study_uid)
    except Exception as exc:
        raise server_error(url, exc) from exc
    if not series:
        raise AtlasError(f"{url or 'the library'}: no teaching file with study UID {study_uid}")
    total = len(series)
    # The report's series first, by the modality the server gives (a series it gives none for
    # is fetched then too, and looked in): a study with no SR series is refused unfetched.
    reports = [e for e in series if _modality_of(e) in ("SR", None)]
    others = [e for e in series if _modality_of(e) not in ("SR", None)]
    waiting: list[_Instance] = []  # fetched before the report was read
    count = 0

    def arrived(batch: list[_Instance]) -> None:
        nonlocal count
        count += len(batch)
        if count > MAX_FILES:
            raise AtlasError(f"study {study_uid}: more than {MAX_FILES} instances; not pulled")

    done = 0
    transfer.step(done, total)
    with contextlib.closing(_fetched(client, study_uid, reports, url, transfer.cancel)) as come:
        for _entry, batch in come:
            done += 1
            transfer.step(done, total)
            arrived(batch)
            waiting += batch
    case_json, annotations, _items = _case_report([i.ds for i in waiting], study_uid)
    source_id = str(case_json.get("id", ""))
    new_id = case_id or source_id
    check_new_case_id(new_id)
    case_json["id"] = new_id
    keep_files = not case_json.get("synthetic")
    root = user_cases_dir()
    scratch = root / f".pulling-{uuid.uuid4().hex[:8]}"  # hidden: the library skips it
    staging = scratch / new_id
    dicom = staging / "dicom"
    images = 0

    def take(batch: list[_Instance]) -> None:
        """Check every image of a series, then write the series' files (an imported case)."""
        nonlocal images
        kept = []
        for instance in batch:
            ds = instance.ds
            if str(ds.get("SOPClassUID", "")) in DOCUMENT_CLASSES:
                continue
            images += 1
            check_shareable([(f"image {images} of study {study_uid}", ds)], source_id)
            kept.append(instance)
        if not keep_files:
            return
        for instance in kept:
            ds = instance.ds
            sub = dicom / f"series-{int(ds.get('SeriesNumber', 0) or 0):03d}"
            sub.mkdir(parents=True, exist_ok=True)
            number = int(ds.get("InstanceNumber", 0) or 0)
            _write_instance(instance, sub / f"{number:04d}-{ds.SOPInstanceUID}.dcm")

    try:
        staging.mkdir(parents=True)
        take(waiting)
        waiting = []
        if others and transfer.cancel.is_set():
            raise Cancelled("transfer cancelled; nothing was changed")
        with contextlib.closing(_fetched(client, study_uid, others, url, transfer.cancel)) as come:
            for _entry, batch in come:
                done += 1
                transfer.step(done, total)
                arrived(batch)
                take(batch)
        transfer.step(total, total)
        # A synthetic case travels as its description too: its images are made again here,
        # pixel for pixel (the generator is deterministic), so only an imported one keeps files.
        if keep_files:
            case_json["series"] = {"dicom": "dicom"}
            case_json["imported"] = True
            if annotations:
                from cnoatlas.domain.annotations import parse_annotations, save_annotations

                document = {"version": 1, "annotations": annotations}
                save_annotations(dicom / "annotations.json", parse_annotations(document, study_uid))
        (staging / "case.json").write_text(
            json.dumps(case_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        load_case(staging)  # validated before it joins the library
        target = root / new_id
        if target.exists():
            raise AtlasError(f"case '{new_id}' exists already; choose another --case-id")
        staging.rename(target)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(scratch)
    case_library(reload=True)
    return target
