"""Errors a user can act on. Their message is one line that names the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path


class AtlasError(Exception):
    """A problem caused by input (a file, an argument), explained in one line."""


class DataFileError(AtlasError):
    """A data file (asset, case, playlist) that does not say what it must."""

    def __init__(self, file: str | Path, field: str, problem: str) -> None:
        self.file = str(file)
        self.field = field
        self.problem = problem
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {problem}")
