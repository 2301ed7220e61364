"""Reading the atlas's JSON data files, with errors that name the file and the line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cnoatlas.domain.errors import DataFileError


def read_json(path: Path) -> Any:
    """The parsed content of a UTF-8 JSON file; DataFileError says what is wrong and where."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(path, "", "file not found") from None
    except UnicodeDecodeError:
        raise DataFileError(path, "", "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"line {exc.lineno}", f"not valid JSON ({exc.msg})") from None
    except OSError as exc:
        raise DataFileError(path, "", f"cannot be read ({exc.strerror or exc})") from None


def read_json_object(path: Path, what: str = "a JSON object") -> dict[str, Any]:
    """Like read_json, for files whose top level must be an object."""
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise DataFileError(path, "", f"must be {what}")
    return raw


def reject_unknown_fields(
    path: str | Path, entry: dict[str, Any], known: Iterable[str], where: str = ""
) -> None:
    """A typo in a field name is an error, not a silently ignored field."""
    unknown = set(entry) - set(known)
    if unknown:
        name = sorted(unknown)[0]
        raise DataFileError(path, f"{where}.{name}" if where else name, "is not a known field")
