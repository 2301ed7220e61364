"""Drafts of the case editor in the user's case folder, with a journal that survives a kill.

Each case being edited has a hidden folder (the library skips names starting with a dot)::

    user_cases_dir()/.drafts/<case-id>/base.json      the draft when editing began (atomic)
    user_cases_dir()/.drafts/<case-id>/journal.jsonl  one JSON line per edit, undo and redo

Every edit is appended to the journal, flushed and fsync'ed before the editor goes on, so a
crash or a SIGKILL loses at most the edit being written (a torn last line is dropped on
recovery). Opening the editor on a case that still has a draft folder replays base + journal:
the work comes back. "Ready" writes the case.json (and, for imported images, the drawn
annotations beside the DICOM series) atomically into the user library, where the browser, the
quiz and the playlist editor find it; the draft folder is then removed.

A shipped case is never edited in place: it opens as a copy with a new id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.annotations import Annotation, load_annotations, save_annotations
from cnoatlas.domain.case_draft import (
    CaseDraft,
    FieldProblems,
    Step,
    check_document,
    document_from_case,
    empty_document,
)
from cnoatlas.domain.cases import CASE_FILE, Case, user_cases_dir, valid_case_id
from cnoatlas.domain.errors import AtlasError
from cnoatlas.domain.storage import atomic_write_json, atomic_write_text, write_problem

log = logging.getLogger("cnoatlas.drafts")
DRAFTS_FOLDER = ".drafts"
BASE_FILE = "base.json"
JOURNAL_FILE = "journal.jsonl"
ANNOTATIONS_FILE = "annotations.json"


class NotReady(AtlasError):
    """The draft is not a valid case yet; ``problems`` says why."""

    def __init__(self, problems: FieldProblems) -> None:
        first = problems.problems[0]
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        super().__init__(f"not ready: {first.field or 'case'}: {first.reason}{more}")
        self.problems = problems


def drafts_dir() -> Path:
    return user_cases_dir() / DRAFTS_FOLDER


def pending_drafts() -> list[str]:
    """Ids of the cases with a draft left on disk (an editor closed or killed mid-edit)."""
    root = drafts_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / BASE_FILE).is_file())


def _check_id(case_id: str) -> None:
    if not valid_case_id(case_id or ""):
        raise AtlasError(
            f"case id '{case_id}': must be lowercase words or digits joined by dashes "
            "(e.g. my-clavicle-case)"
        )


@dataclass
class DraftSession:
    """An open draft and its journal: every edit of ``draft`` is written before it returns."""

    draft: CaseDraft
    folder: Path  # the draft's folder under .drafts
    recovered: int = 0  # journal entries replayed on opening (0 for a fresh draft)
    dropped: int = 0  # torn or unreadable journal lines left out on recovery
    _journal: object = field(default=None, repr=False)
    _count: int = 0

    @property
    def case_id(self) -> str:
        return self.draft.case_id

    def _open_journal(self) -> None:
        self._journal = open(self.folder / JOURNAL_FILE, "a", encoding="utf-8")  # noqa: SIM115
        with contextlib.suppress(OSError):  # the new file's name on disk too, not only its data
            folder = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def record(self, kind: str, step: Step | None) -> None:
        """The draft's listener: one journal line per edit, on disk before the edit returns."""
        self._count += 1
        entry: dict = {"n": self._count, "kind": kind}
        if step is not None:
            entry["step"] = step.to_json()
        if self._journal is None:
            self._open_journal()
        handle = self._journal
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())

    def close(self) -> None:
        if self._journal is not None:
            with contextlib.suppress(OSError):
                self._journal.close()
            self._journal = None

    def discard(self) -> None:
        """Throw the draft away (the case in the library, if any, is unchanged)."""
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def write_ready(self) -> Path:
        """Mark ready and write the case into the user library; its case folder.

        NotReady (with every problem) when the draft is not a valid case yet; nothing written.
        """
        problems = self.draft.mark_ready()
        if problems:
            raise NotReady(problems)
        target = self.draft.folder
        data = self.draft.case_json()
        try:
            target.mkdir(parents=True, exist_ok=True)
            drawn = self.draft.annotations()
            if not self.draft.synthetic:
                dicom = target / self.draft.data["dicom"]
                save_annotations(dicom / ANNOTATIONS_FILE, drawn)
            elif drawn:  # a synthetic case's own outlines, beside its case.json
                save_annotations(target / ANNOTATIONS_FILE, drawn)
            else:
                (target / ANNOTATIONS_FILE).unlink(missing_ok=True)
            atomic_write_text(
                target / CASE_FILE, json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            )
        except OSError as exc:
            raise AtlasError(
                f"cannot write case '{self.case_id}' in {target.parent}: {write_problem(exc)}; "
                "the draft is kept"
            ) from None
        self.discard()
        log.info("case %s written from the editor", self.case_id)
        return target


def _start(doc: dict, case_folder: Path) -> DraftSession:
    folder = drafts_dir() / doc["case_id"]
    if folder.exists():
        raise AtlasError(f"case '{doc['case_id']}' already has a draft: open it to go on")
    try:
        folder.mkdir(parents=True)
        atomic_write_json(folder / BASE_FILE, doc)
    except OSError as exc:
        raise AtlasError(f"cannot start a draft in {drafts_dir()}: {write_problem(exc)}") from None
    session = DraftSession(CaseDraft(doc, case_folder), folder)
    session.draft.listener = session.record
    return session


def new_draft(case_id: str, source: str, age_years: float = 10, sex: str = "F") -> DraftSession:
    """A new case written from nothing (a synthetic one: the generator makes its images)."""
    _check_id(case_id)
    for root in (paths.cases_dir(), user_cases_dir()):
        if (root / case_id).exists():
            raise AtlasError(f"case id '{case_id}': a case with this id already exists")
    return _start(empty_document(case_id, source, age_years, sex), user_cases_dir() / case_id)


def _drawn_annotations(case: Case) -> list[Annotation]:
    """The annotations a lecturer drew: beside an imported case's DICOM series, or beside a
    synthetic case's case.json (the generator's own outlines are not among them)."""
    folder = case.folder / case.series.dicom if case.series.dicom else case.folder
    path = folder / ANNOTATIONS_FILE
    return load_annotations(path) if path.is_file() else []


def edit_case(case: Case) -> DraftSession:
    """Open a user case in the editor: its draft left on disk if any (recovered), else a new
    draft of it. A shipped case is refused: use ``copy_case``."""
    user_root = user_cases_dir()
    if case.folder.parent.resolve() != user_root.resolve():
        raise AtlasError(f"case '{case.id}' is a shipped case: edit a copy of it")
    if (drafts_dir() / case.id / BASE_FILE).is_file():
        return recover(case.id)
    raw = json.loads((case.folder / CASE_FILE).read_text(encoding="utf-8"))
    doc = document_from_case(case, raw, _drawn_annotations(case))
    doc["status"] = "ready"  # it is in the library already; an edit makes it a draft
    return _start(doc, case.folder)


def copy_case(case: Case, new_id: str) -> DraftSession:
    """A draft copying any case (a shipped one too) under a new id."""
    _check_id(new_id)
    for root in (paths.cases_dir(), user_cases_dir()):
        if (root / new_id).exists():
            raise AtlasError(f"case id '{new_id}': a case with this id already exists")
    raw = json.loads((case.folder / CASE_FILE).read_text(encoding="utf-8"))
    doc = document_from_case(case, raw, _drawn_annotations(case))
    doc["case_id"] = new_id
    doc["copied_from"] = case.id
    doc["timepoints"] = None  # the pair's links name the original
    target = user_cases_dir() / new_id
    if case.series.dicom is not None:
        try:  # the copy has its own de-identified images beside its case.json
            shutil.copytree(case.folder / case.series.dicom, target / case.series.dicom)
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise AtlasError(
                f"cannot copy the images of '{case.id}': {write_problem(exc)}"
            ) from None
    return _start(doc, target)


def recover(case_id: str, in_memory: bool = False) -> DraftSession:
    """Reopen a draft left on disk: its base and every whole journal line, replayed.

    ``in_memory``: only read it (a preview): nothing is written, later edits are not kept."""
    folder = drafts_dir() / case_id
    try:
        doc = json.loads((folder / BASE_FILE).read_text(encoding="utf-8"))
        check_document(doc)
    except (OSError, ValueError) as exc:
        raise AtlasError(
            f"the draft of '{case_id}' cannot be read ({exc}); it is left in {folder}"
        ) from None
    case_folder = user_cases_dir() / doc["case_id"]
    draft = CaseDraft(doc, case_folder)
    session = memory_session(draft) if in_memory else DraftSession(draft, folder)
    journal = folder / JOURNAL_FILE
    lines = journal.read_bytes().split(b"\n") if journal.is_file() else []
    whole = []
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        last = number == len(lines) - 1  # no newline after it: the write was cut short
        try:
            entry = json.loads(line)
            step = Step.from_json(entry["step"]) if "step" in entry else None
            if last:
                raise ValueError("torn line")
            draft.replay(entry["kind"], step)
            session.recovered += 1
            whole.append(line)
        except (ValueError, KeyError, TypeError):
            session.dropped += 1
            log.warning(
                "draft %s: journal line %d left out (cut short or unreadable)", case_id, number + 1
            )
    if session.dropped and not in_memory:  # keep only the lines replayed: appends start clean
        atomic_write_text(journal, "".join(w.decode("utf-8") + "\n" for w in whole))
    session._count = session.recovered
    draft.listener = session.record
    return session


def memory_session(draft: CaseDraft) -> DraftSession:
    """A draft with no folder and no journal (the screenshot view: nothing written)."""

    class _Memory(DraftSession):
        def record(self, kind: str, step: Step | None) -> None:
            self._count += 1

        def discard(self) -> None:
            self.close()

        def write_ready(self) -> Path:
            raise AtlasError("this draft is a preview and is not saved")

    return _Memory(draft, Path(os.devnull))


def preview(case: Case, new_id: str | None = None) -> DraftSession:
    """A case in the editor in memory only (nothing written: previews and screenshots); a
    copy under ``new_id`` when given."""
    if new_id is None and (drafts_dir() / case.id / BASE_FILE).is_file():
        return recover(case.id, in_memory=True)  # the case as it is being written
    raw = json.loads((case.folder / CASE_FILE).read_text(encoding="utf-8"))
    doc = document_from_case(case, raw, _drawn_annotations(case))
    doc["status"] = "ready"
    folder = case.folder
    if new_id is not None:
        doc.update(case_id=new_id, copied_from=case.id, timepoints=None, status="draft")
        folder = user_cases_dir() / new_id
    session = memory_session(CaseDraft(doc, folder))
    session.draft.listener = session.record
    return session


# --- the draft's images -----------------------------------------------------------------------
def load_draft_images(draft: CaseDraft):
    """The draft's series (studies.CaseImages) and, for a synthetic draft, the generator's
    ground-truth annotations worded by the draft's lesions. Slow: call from a worker.

    A synthetic draft's study is made by the image generator from its lesions as they are now
    (through the phantom cache, so an unchanged description is read back, not made again).
    """
    from cnoatlas.library.studies import add_annotations, read_case_series

    def locate() -> Path:
        if draft.synthetic:
            from cnoatlas.library.study_cache import study_folder

            return study_folder({**draft.generator_description(), "case_id": draft.case_id})
        return draft.folder / draft.data["dicom"]

    images, folder = read_case_series(draft.case_id, locate)
    if folder is not None and draft.synthetic:
        add_annotations(images, folder / ANNOTATIONS_FILE, lambda found: ground_truth(draft, found))
    return images


def ground_truth(draft: CaseDraft, annotations: list[Annotation]) -> list[Annotation]:
    """The generator's outlines, labelled and described by the draft's lesions."""
    from dataclasses import replace

    from cnoatlas.domain.sites import site_model

    model = site_model()
    out = []
    for a in annotations:
        try:
            lesion = draft.lesion(a.lesion_id)
        except KeyError:
            continue  # a lesion removed since this study was made
        site = lesion["site_id"]
        label = lesion.get("annotation") or (model.name(site) if model.is_known(site) else site)
        finding = lesion.get("description") or a.finding
        out.append(replace(a, id=f"truth:{a.id}", label=label, finding=finding))
    return out
