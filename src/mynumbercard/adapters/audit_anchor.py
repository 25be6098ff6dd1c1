"""The anchor file: one line per audit seal, `<seq> <last id> <hash>`, appended only.

It lives outside the database (under the data directory by default, or wherever
MYNUMBERCARD_AUDIT_ANCHOR points, e.g. a volume that only this host mounts, marked
append-only with `chattr +a`), so someone who can write the database alone cannot
rewrite the chain's history without `audit verify` seeing it. Opened with O_APPEND and
created mode 0600; appends are serialised by an exclusive flock, so two sealers on one
host never write the same seal twice.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from mynumbercard.domain.audit_chain import Seal
from mynumbercard.services.audit_chain import AnchorDamaged


class FileAnchor:
    def __init__(self, path: Path) -> None:
        self.path = path

    def anchored(self) -> dict[int, str]:
        try:
            text = self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise AnchorDamaged(f"the anchor file {self.path} cannot be read") from exc
        return _parse(text, self.path)

    def extend(self, newer: Callable[[int], Iterable[Seal]]) -> int:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            seen = _parse(handle.read().decode("ascii", "replace"), self.path)
            last = max(seen, default=0)
            lines = [f"{s.seq} {s.last_id} {s.hash}\n" for s in newer(last)]
            if lines:
                handle.write("".join(lines).encode("ascii"))
                handle.flush()
                os.fsync(handle.fileno())
            return len(lines)


def _parse(text: str, path: Path) -> dict[int, str]:
    seals: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit() or len(parts[2]) != 64:
            raise AnchorDamaged(f"line {number} of the anchor file {path} is damaged")
        seq, digest = int(parts[0]), parts[2]
        if seals.get(seq, digest) != digest:
            raise AnchorDamaged(f"the anchor file {path} holds two hashes for seal {seq}")
        seals[seq] = digest
    return seals
