"""Photos waiting for the resident's "submit" (the /apply page's confirm step).

The photo passed the check and the form matched; until the resident confirms, it waits
here under a random token (the page's hidden field), for at most `TTL`: each put sweeps
older ones away, and the confirm takes it out. Nothing else keeps it: an applicant who
goes away leaves nothing behind after the TTL.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

TTL_SECONDS = 30 * 60
_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


class PendingPhotos:
    def __init__(self, directory: Path, ttl_seconds: float = TTL_SECONDS) -> None:
        self.directory, self.ttl = directory, ttl_seconds

    def _path(self, token: str) -> Path | None:
        if len(token) != _TOKEN_LENGTH or not all(c.isalnum() or c in "-_" for c in token):
            return None
        return self.directory / token

    def sweep(self) -> int:
        if not self.directory.exists():
            return 0
        old, gone = time.time() - self.ttl, 0
        for path in self.directory.iterdir():
            try:
                if path.stat().st_mtime < old:
                    path.unlink()
                    gone += 1
            except FileNotFoundError:
                continue
        return gone

    def put(self, data: bytes) -> str:
        self.sweep()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        path = self.directory / token
        with path.open("xb") as out:
            path.chmod(0o600)
            out.write(data)
        return token

    def get(self, token: str) -> bytes | None:
        """The photo, if still waiting (None: unknown, or older than the TTL)."""
        path = self._path(token)
        if path is None or not path.exists():
            return None
        if path.stat().st_mtime < time.time() - self.ttl:
            path.unlink(missing_ok=True)
            return None
        return path.read_bytes()

    def drop(self, token: str) -> None:
        path = self._path(token)
        if path is not None:
            path.unlink(missing_ok=True)
