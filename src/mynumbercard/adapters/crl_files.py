"""Published CRLs as files under the data directory, served as static bytes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mynumbercard.domain.errors import InvalidInput


class FileCrlSink:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise InvalidInput(f"not a CRL name: {name!r}")
        return path

    def publish(self, name: str, der: bytes) -> str:
        """Write atomically: a reader sees the old CRL or the new one, never half."""
        path = self.path_of(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(der)
        os.chmod(temporary, 0o644)  # CRLs are public
        os.replace(temporary, path)
        return str(path)
