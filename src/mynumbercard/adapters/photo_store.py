"""ID photos on disk, named by their SHA-256 (a resubmitted identical photo is stored once).

At a country's scale this is an object store; the port (`PhotoStore`) stays the same.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from mynumbercard.domain.errors import InvalidInput, NotFound

_DIGEST = re.compile(r"[0-9a-f]{64}")


class FilePhotoStore:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def _path(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise InvalidInput("a photo is named by its SHA-256 in lower-case hex")
        return self._directory / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(path)  # atomic: a reader never sees half a photo
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFound("no photo with this digest") from None
