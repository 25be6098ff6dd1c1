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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from mynumbercard.domain.audit_chain import Seal
from mynumbercard.services.audit_chain import AnchorDamaged

_TAIL = 512  # more than one line: "<seq> <last id> <64 hex>\n"


class FileAnchor:
    def __init__(self, path: Path) -> None:
        self.path = path

    def anchored(self) -> Iterator[tuple[int, str]]:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AnchorDamaged(f"the anchor file {self.path} cannot be read") from exc
        with handle:
            previous: tuple[int, str] | None = None
            for number, line in enumerate(handle, start=1):
                entry = _parse(line, number, self.path)
                if previous is not None and entry[0] <= previous[0]:
                    if entry[0] == previous[0] and entry[1] != previous[1]:
                        raise AnchorDamaged(f"the anchor file {self.path} holds two hashes "
                                            f"for seal {entry[0]}")
                    raise AnchorDamaged(f"the anchor file {self.path} is out of order at "
                                        f"line {number}")
                previous = entry
                yield entry

    def extend(self, newer: Callable[[int], Iterable[Seal]]) -> int:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            last = _last_seq(handle, self.path)
            written = 0
            for seal in newer(last):
                handle.write(f"{seal.seq} {seal.last_id} {seal.hash}\n".encode("ascii"))
                written += 1
            if written:
                handle.flush()
                os.fsync(handle.fileno())
            return written


def _last_seq(handle: BinaryIO, path: Path) -> int:
    """The last line's seal number, reading only the file's tail (it grows for years)."""
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return 0
    handle.seek(max(0, size - _TAIL))
    lines = handle.read().splitlines()
    return _parse(lines[-1], 0, path)[0]


def _parse(line: bytes, number: int, path: Path) -> tuple[int, str]:
    parts = line.split()
    if (len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit()
            or len(parts[2]) != 64):
        where = f"line {number} of" if number else "the last line of"
        raise AnchorDamaged(f"{where} the anchor file {path} is damaged")
    return int(parts[0]), parts[2].decode("ascii")
