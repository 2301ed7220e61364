"""Case packages: one file (``.cnocase``) that carries a case from one atlas to another.

A package is a zip holding ``manifest.json`` (format, version, the atlas version, the case id and
every file with its size and SHA-256), ``case.json`` and, for a case with its own images, the
de-identified DICOM and ``annotations.json`` under ``dicom/``. A synthetic case travels as its
description: the generator makes the same pixels again on arrival.

Unpacking trusts nothing: member names (no absolute paths, no ``..``, no links, nothing outside
the manifest), sizes (declared and actual, per file and in total), checksums, the manifest's
version and the case itself are checked, the images are de-identified again, and the case is
written to a hidden staging folder that joins the library only when everything passed. An
existing case is never overwritten unless ``replace`` is asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cnoatlas import __version__, paths
from cnoatlas.domain.cases import Case, case_library, check_case, user_cases_dir, valid_case_id
from cnoatlas.domain.errors import AtlasError

FORMAT = "cnoatlas-case-package"
VERSION = 1
SUFFIX = ".cnocase"
MANIFEST = "manifest.json"
MAX_MEMBERS = 10_000
MAX_FILE_BYTES = 256 * 1024**2  # one DICOM file of a teaching case is far smaller
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200  # a member that inflates more than this is a bomb, not an image
_CHUNK = 1024 * 1024


class CaseExists(AtlasError):
    """The package's case id is taken; ``replace`` would overwrite that case."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"case '{case_id}' exists already: --replace to overwrite it")
        self.case_id = case_id


@dataclass(frozen=True)
class Unpacked:
    case_id: str
    folder: Path
    files: int
    replaced: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _case_files(case: Case) -> list[tuple[str, Path]]:
    """(name in the package, file) for everything the case needs besides its description."""
    if case.series.generator is not None:
        return []
    folder = case.folder / (case.series.dicom or "")
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.suffix.lower() == ".dcm" or path.name == "annotations.json":
            found.append((f"dicom/{path.relative_to(folder).as_posix()}", path))
    return found


SOURCES = "sources.json"  # the lecturer's own sources the case cites, to be added on unpack


def _cited(value: Any) -> set[str]:
    """Every source id a case.json cites (its "sources" and "references" lists)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("sources", "references") and isinstance(item, list):
                found |= {i for i in item if isinstance(i, str)}
            else:
                found |= _cited(item)
    elif isinstance(value, list):
        for item in value:
            found |= _cited(item)
    return found


def _own_sources(case_json: dict) -> bytes | None:
    """The user's own bibliography entries the case cites (None when it cites only shipped
    ones): a colleague's atlas does not know them."""
    from cnoatlas.domain.datafile import read_json
    from cnoatlas.domain.sources import load_sources, user_sources_path

    own = _cited(case_json) - set(load_sources())
    path = user_sources_path()
    if not own or not path.is_file():
        return None
    raw = read_json(path)
    entries = [e for e in raw.get("sources", []) if isinstance(e, dict) and e.get("id") in own]
    return (json.dumps({"sources": entries}, indent=2, ensure_ascii=False) + "\n").encode()


def pack_case(case_id: str, out: Path) -> Path:
    """Write the case as one package file (atomically); its path."""
    case = case_library(reload=True).get(case_id)
    if case is None:
        raise AtlasError(f"unknown case '{case_id}' (see 'cnoatlas cases list')")
    out = Path(out)
    if out.suffix != SUFFIX:
        out = out.with_name(out.name + SUFFIX)
    if not out.parent.is_dir():
        raise AtlasError(f"--out: the folder {out.parent} does not exist")
    case_json = json.loads((case.folder / "case.json").read_text(encoding="utf-8"))
    members = [("case.json", case.folder / "case.json"), *_case_files(case)]
    files = [
        {"path": name, "size": path.stat().st_size, "sha256": _sha256(path)}
        for name, path in members
    ]
    sources = _own_sources(case_json)
    if sources is not None:
        digest = hashlib.sha256(sources).hexdigest()
        files.append({"path": SOURCES, "size": len(sources), "sha256": digest})
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "atlas_version": __version__,
        "case_id": case.id,
        "synthetic": bool(case_json.get("synthetic")),
        "files": files,
    }
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
            for name, path in members:
                archive.write(path, name)
            if sources is not None:
                archive.writestr(SOURCES, sources)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return out


# --- unpacking ------------------------------------------------------------------------------------
@dataclass
class _AddedSources:
    """The user's bibliography as it was before a package added to it, to put back."""

    path: Path
    before: bytes | None
    changed: bool = False

    def undo(self) -> None:
        if not self.changed:
            return
        if self.before is None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:
            from cnoatlas.domain.storage import atomic_write_text

            atomic_write_text(self.path, self.before.decode("utf-8"))


def _add_sources(file: Path, where: str) -> _AddedSources:
    """Add the package's own sources the user's bibliography does not have yet (marked to
    check, as every source a lecturer adds); an entry with a known id is left as it is."""
    from cnoatlas.domain.sources import add_user_source, bibliography, user_sources_path

    path = user_sources_path()
    added = _AddedSources(path, path.read_bytes() if path.is_file() else None)
    if not file.is_file():
        return added
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        entries = raw["sources"] if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            raise ValueError("no list of sources")
        known = bibliography()
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError("a source is not an object")
            if entry.get("id") in known:
                continue
            year = entry.get("year")
            if not isinstance(year, int):
                raise ValueError("a source's year is not a whole number")
            text = {k: entry.get(k) for k in ("id", "authors", "title", "journal", "details")}
            if not all(isinstance(v, str) for k, v in text.items() if k != "details"):
                raise ValueError("a source's id, authors, title or journal is not text")
            details = text["details"] if isinstance(text["details"], str) else ""
            added.changed = True
            add_user_source(text["id"], text["authors"], text["title"], text["journal"], year,
                            details)  # fmt: skip
    except (ValueError, UnicodeDecodeError, AtlasError) as exc:
        added.undo()
        raise AtlasError(f"{where}: {SOURCES}: {exc}; nothing written") from exc
    return added


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(part in ("", ".", "..") for part in path.parts)
    ):
        raise AtlasError(f"the package holds an unsafe file name ('{name[:60]}'); nothing written")
    return path


def _check_members(archive: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise AtlasError(f"{where}: more than {MAX_MEMBERS} files in the package; nothing written")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        _safe_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise AtlasError(
                f"{where}: the package holds a link ('{info.filename}'); nothing written"
            )
        if info.flag_bits & 0x1:
            raise AtlasError(f"{where}: the package is encrypted; nothing written")
        if info.file_size > MAX_FILE_BYTES:
            raise AtlasError(f"{where}: '{info.filename}' is too large; nothing written")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise AtlasError(f"{where}: '{info.filename}' inflates suspiciously; nothing written")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise AtlasError(f"{where}: the package unpacks to more than 2 GiB; nothing written")
        if info.filename in members:
            raise AtlasError(f"{where}: '{info.filename}' appears twice; nothing written")
        members[info.filename] = info
    return members


def _read_manifest(archive: zipfile.ZipFile, members, where: str) -> dict[str, Any]:
    if MANIFEST not in members:
        raise AtlasError(f"{where}: not a case package (no {MANIFEST})")
    try:
        manifest = json.loads(archive.read(members[MANIFEST]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AtlasError(f"{where}: {MANIFEST} is not valid JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AtlasError(f"{where}: {MANIFEST}: format: not a CNO Atlas case package")
    version = manifest.get("version")
    if not isinstance(version, int):
        raise AtlasError(f"{where}: {MANIFEST}: version: must be a whole number")
    if version > VERSION:
        raise AtlasError(
            f"{where}: made by a newer version of the atlas (package version {version}); "
            "update the atlas to open it"
        )
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("path"), str)
        and isinstance(f.get("size"), int)
        and isinstance(f.get("sha256"), str)
        for f in files
    ):
        raise AtlasError(f"{where}: {MANIFEST}: files: each needs a path, a size and a sha256")
    listed = {f["path"] for f in files}
    extra = sorted(set(members) - listed - {MANIFEST})
    if extra:
        raise AtlasError(f"{where}: '{extra[0]}' is not in the manifest; nothing written")
    if "case.json" not in listed:
        raise AtlasError(f"{where}: {MANIFEST}: files: case.json is missing")
    for entry in files:
        if entry["path"] not in members:
            raise AtlasError(f"{where}: '{entry['path']}' is listed but missing; nothing written")
        if members[entry["path"]].file_size != entry["size"]:
            raise AtlasError(f"{where}: '{entry['path']}' has the wrong size; nothing written")
    return manifest


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, size: int) -> str:
    """Copy one member with its size capped; its SHA-256."""
    digest = hashlib.sha256()
    written = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as src, open(target, "wb") as dst:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            written += len(chunk)
            if written > size:
                raise AtlasError(f"'{info.filename}' is larger than declared; nothing written")
            digest.update(chunk)
            dst.write(chunk)
    if written != size:
        raise AtlasError(f"'{info.filename}' is shorter than declared; nothing written")
    return digest.hexdigest()


def _deidentify_again(dicom: Path, case_id: str) -> None:
    """Run the import's de-identification over the package's images; annotations follow the UIDs."""
    import pydicom

    from cnoatlas.domain.annotations import load_annotations, save_annotations
    from cnoatlas.imaging.deidentify import Deidentifier, prepare_for_writing, write_file

    deid = Deidentifier(case_id)
    renamed: dict[str, str] = {}
    for number, path in enumerate(sorted(dicom.rglob("*.dcm")), 1):
        try:
            ds = pydicom.dcmread(path)
            before = (str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID))
            deid.apply(ds)
            prepare_for_writing(ds)
            ds.preamble = b"\0" * 128
            write_file(path, ds)
        except AtlasError:
            raise
        except Exception as exc:
            raise AtlasError(f"image {number} of the package could not be read as DICOM") from exc
        renamed[before[0]] = str(ds.SeriesInstanceUID)
        renamed[before[1]] = str(ds.SOPInstanceUID)
    annotations_file = dicom / "annotations.json"
    if annotations_file.is_file():
        from dataclasses import replace

        annotations = [
            replace(
                a,
                series_uid=renamed.get(a.series_uid, a.series_uid),
                sop_instance_uid=renamed.get(a.sop_instance_uid, a.sop_instance_uid),
            )
            for a in load_annotations(annotations_file)
        ]
        save_annotations(annotations_file, annotations)


def unpack_case(file: Path, case_id: str | None = None, replace: bool = False) -> Unpacked:
    """Read a package into the user's library (see the module doc)."""
    file = Path(file)
    where = file.name
    if not file.is_file():
        raise AtlasError(f"{file}: no such package file")
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AtlasError(f"{where}: not a case package (not a readable zip file)") from exc
    with archive:
        members = _check_members(archive, where)
        manifest = _read_manifest(archive, members, where)
        new_id = case_id or str(manifest.get("case_id") or "")
        if not valid_case_id(new_id):
            raise AtlasError(
                f"--case-id '{new_id}': must be lowercase words or digits joined by dashes"
            )
        if (paths.cases_dir() / new_id).exists():
            raise AtlasError(f"case '{new_id}' is a shipped case; choose another --case-id")
        root = user_cases_dir()
        target = root / new_id
        if target.exists() and not replace:
            raise CaseExists(new_id)
        scratch = root / f".unpacking-{uuid.uuid4().hex[:8]}"  # hidden: the library skips it
        staging = scratch / new_id
        try:
            for entry in manifest["files"]:
                info = members[entry["path"]]
                out = staging.joinpath(*_safe_name(entry["path"]).parts)
                if _extract(archive, info, out, entry["size"]) != entry["sha256"].lower():
                    raise AtlasError(
                        f"{where}: '{entry['path']}' fails its checksum; nothing written"
                    )
            try:
                case_json = json.loads((staging / "case.json").read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise AtlasError(f"{where}: case.json is not valid JSON; nothing written") from exc
            if not isinstance(case_json, dict):
                raise AtlasError(f"{where}: case.json: must be an object; nothing written")
            case_json["id"] = new_id
            (staging / "case.json").write_text(
                json.dumps(case_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            if (staging / "dicom").is_dir():
                _deidentify_again(staging / "dicom", new_id)
            added = _add_sources(staging / SOURCES, where)
            _case, problems = check_case(staging)
            if problems:
                added.undo()
                first = problems[0]
                raise AtlasError(f"{where}: {first.field}: {first.reason}; nothing written")
            replaced = target.exists()
            old = scratch / "replaced"
            if replaced:
                target.rename(old)
            try:
                staging.rename(target)
            except OSError:
                if replaced:
                    old.rename(target)  # the case as it was
                added.undo()
                raise
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(scratch)
    case_library(reload=True)
    files = sum(1 for p in target.rglob("*") if p.is_file())
    return Unpacked(new_id, target, files, replaced)
