"""The user's bookmarks and personal notes on teaching cases, kept as JSON in the user data folder.

Every change is written at once and atomically (a temporary file renamed over the old one), so a
crash never leaves half a file; temporary files of killed writes are removed after a day. A
file that cannot be read is set aside, not overwritten; entries that must be dropped are first
copied; ``UserNotes.problem`` says so, and the cases browser shows it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cnoatlas import paths
from cnoatlas.domain.case_reveal import STAGES
from cnoatlas.domain.storage import (
    atomic_write_json,
    keep_copy,
    move_aside,
    remove_orphan_temps,
    write_problem,
)

NOTES_FILE = "case-notes.json"
log = logging.getLogger("cnoatlas.notes")


@dataclass(frozen=True)
class CaseNote:
    bookmarked: bool = False
    text: str = ""
    updated: str = ""  # ISO 8601 time of the last change, UTC
    revealed: tuple[str, ...] = ()  # the case page's stages revealed (case_reveal.STAGES)


__all__ = ["NOTES_FILE", "CaseNote", "UserNotes", "atomic_write_json"]


class UserNotes:
    """Bookmarks and notes by case id.

    ``problem`` says, in one line, why some or all notes could not be read or saved, and names
    the copy kept of the file: a file that is not notes JSON is set aside and a fresh one
    started; a file with entries of the wrong type is copied before they are dropped; a file
    that cannot be read (permissions) or saved (a full disk) is left as it is.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else paths.user_data_dir() / NOTES_FILE
        self.problem: str | None = None
        self._writable = True
        remove_orphan_temps(self.path.parent)
        self._notes: dict[str, CaseNote] = self._read()

    def _read(self) -> dict[str, CaseNote]:
        try:
            if not self.path.exists():
                return {}
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                return self._set_aside(exc)
            self._writable = False  # the file is there but not readable: never overwrite it
            self.problem = (
                f"{self.path}: your notes could not be read ({write_problem(exc)}); the file is "
                "left as it is and new notes are not saved"
            )
            log.warning(self.problem)
            return {}
        try:
            raw = json.loads(text)
            entries = raw["cases"]
            if not isinstance(entries, dict):
                raise TypeError("'cases' must be an object")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return self._set_aside(exc)
        notes, dropped = {}, 0
        for case_id, entry in entries.items():
            note = _note(entry)
            if note is None:
                dropped += 1
            else:
                notes[str(case_id)] = note
        if dropped:
            try:
                kept = keep_copy(self.path, "before-repair")
            except OSError as exc:
                self._writable = False
                self.problem = (
                    f"{self.path}: {dropped} note(s) could not be read and no copy could be made "
                    f"({write_problem(exc)}); the file is left as it is and changes are not saved"
                )
            else:
                self.problem = (
                    f"{self.path}: {dropped} note(s) could not be read and are left out; the file "
                    f"as it was is kept as {kept.name}"
                )
            log.warning(self.problem)
        return notes

    def _set_aside(self, exc: BaseException) -> dict[str, CaseNote]:
        try:
            aside = move_aside(self.path, "unreadable")
        except OSError as err:
            self._writable = False
            self.problem = (
                f"{self.path}: could not be read ({type(exc).__name__}) nor set aside "
                f"({write_problem(err)}); it is left as it is and new notes are not saved"
            )
        else:
            self.problem = (
                f"{self.path}: could not be read ({type(exc).__name__}: {_short(exc)}); "
                f"kept as {aside.name}, new notes start empty"
            )
        log.warning(self.problem)
        return {}

    def get(self, case_id: str) -> CaseNote:
        return self._notes.get(case_id, CaseNote())

    def is_bookmarked(self, case_id: str) -> bool:
        return self.get(case_id).bookmarked

    def bookmarks(self) -> list[str]:
        return sorted(case_id for case_id, note in self._notes.items() if note.bookmarked)

    def set_bookmark(self, case_id: str, bookmarked: bool) -> None:
        current = self.get(case_id)
        self._update(case_id, bookmarked, current.text, current.revealed)

    def set_text(self, case_id: str, text: str) -> None:
        current = self.get(case_id)
        self._update(case_id, current.bookmarked, text, current.revealed)

    def revealed(self, case_id: str) -> tuple[str, ...]:
        """The stages of the case page this reader has revealed on this case."""
        return self.get(case_id).revealed

    def set_revealed(self, case_id: str, stages) -> None:
        current = self.get(case_id)
        self._update(case_id, current.bookmarked, current.text, _stages(stages))

    def _update(
        self, case_id: str, bookmarked: bool, text: str, revealed: tuple[str, ...] = ()
    ) -> None:
        current = self.get(case_id)
        if (current.bookmarked, current.text, current.revealed) == (bookmarked, text, revealed):
            return
        if not bookmarked and not text.strip() and not revealed:
            self._notes.pop(case_id, None)
        else:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            self._notes[case_id] = CaseNote(bookmarked, text, now, revealed)
        self._save()

    def _save(self) -> bool:
        """Write the notes; False (and ``problem`` says why) when they could not be saved."""
        if not self._writable:
            return False
        data = {
            "version": 1,
            "cases": {
                case_id: {
                    "bookmarked": n.bookmarked,
                    "text": n.text,
                    "updated": n.updated,
                    **({"revealed": list(n.revealed)} if n.revealed else {}),
                }
                for case_id, n in sorted(self._notes.items())
            },
        }
        try:
            atomic_write_json(self.path, data)
        except OSError as exc:
            self.problem = (
                f"{self.path}: your notes could not be saved ({write_problem(exc)}); the file "
                "keeps the last saved notes, and this change is kept until the atlas closes"
            )
            log.warning(self.problem)
            return False
        return True


def _note(entry: object) -> CaseNote | None:
    """One entry, or None when it is not a note (then a copy of the file is kept)."""
    if not isinstance(entry, dict):
        return None
    bookmarked, text, updated = (
        entry.get("bookmarked", False),
        entry.get("text", ""),
        entry.get("updated", ""),
    )
    revealed = entry.get("revealed", [])
    if not isinstance(bookmarked, bool) or not isinstance(text, str):
        return None
    if not isinstance(revealed, list) or not all(isinstance(s, str) for s in revealed):
        return None
    return CaseNote(bookmarked, text, str(updated), _stages(revealed))


def _stages(stages) -> tuple[str, ...]:
    """Known reveal stages, in their order (an unknown word from a newer atlas is dropped)."""
    wanted = set(stages)
    return tuple(s for s in STAGES if s in wanted)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:80]
