"""Printed letters as files in a directory, for the mailing house to collect."""

from __future__ import annotations

import os
from pathlib import Path


class LetterDirectory:
    """Writes each letter atomically under its name; writing the same name again
    replaces the file, so a re-run after a crash never leaves two copies."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def __call__(self, name: str, pdf: bytes) -> str:
        if os.sep in name or name.startswith("."):
            raise ValueError(f"a letter file name is a plain name, got {name!r}")
        self._directory.mkdir(parents=True, exist_ok=True)
        target = self._directory / name
        partial = target.with_name(f".{name}.{os.getpid()}.part")
        partial.write_bytes(pdf)
        partial.replace(target)
        return str(target)
