"""The user's bookmarks and personal notes on teaching cases, kept as JSON in the user data folder.

Every change is written at once and atomically (a temporary file renamed over the old one), so a
crash never leaves half a file. A file that cannot be read is set aside, not overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cnoatlas import paths

NOTES_FILE = "case-notes.json"
log = logging.getLogger("cnoatlas.notes")


@dataclass(frozen=True)
class CaseNote:
    bookmarked: bool = False
    text: str = ""
    updated: str = ""  # ISO 8601 time of the last change, UTC


def atomic_write_json(path: Path, data: object) -> None:
    """Write JSON so that readers see the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class UserNotes:
    """Bookmarks and notes by case id. ``problem`` says why an unreadable file was set aside."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.user_data_dir() / NOTES_FILE
        self.problem: str | None = None
        self._notes: dict[str, CaseNote] = self._read()

    def _read(self) -> dict[str, CaseNote]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            entries = raw["cases"]
            if not isinstance(entries, dict):
                raise TypeError("'cases' must be an object")
            return {
                str(case_id): CaseNote(
                    bool(entry.get("bookmarked", False)),
                    str(entry.get("text", "")),
                    str(entry.get("updated", "")),
                )
                for case_id, entry in entries.items()
                if isinstance(entry, dict)
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
            os.replace(self.path, aside)
            self.problem = f"{self.path}: could not be read ({exc}); kept as {aside.name}"
            log.warning(self.problem)
            return {}

    def get(self, case_id: str) -> CaseNote:
        return self._notes.get(case_id, CaseNote())

    def is_bookmarked(self, case_id: str) -> bool:
        return self.get(case_id).bookmarked

    def bookmarks(self) -> list[str]:
        return sorted(case_id for case_id, note in self._notes.items() if note.bookmarked)

    def set_bookmark(self, case_id: str, bookmarked: bool) -> None:
        self._update(case_id, bookmarked, self.get(case_id).text)

    def set_text(self, case_id: str, text: str) -> None:
        self._update(case_id, self.get(case_id).bookmarked, text)

    def _update(self, case_id: str, bookmarked: bool, text: str) -> None:
        current = self.get(case_id)
        if current.bookmarked == bookmarked and current.text == text:
            return
        if not bookmarked and not text.strip():
            self._notes.pop(case_id, None)
        else:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            self._notes[case_id] = CaseNote(bookmarked, text, now)
        self._save()

    def _save(self) -> None:
        data = {
            "version": 1,
            "cases": {
                case_id: {"bookmarked": n.bookmarked, "text": n.text, "updated": n.updated}
                for case_id, n in sorted(self._notes.items())
            },
        }
        atomic_write_json(self.path, data)
