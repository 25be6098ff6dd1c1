"""The OCSP answer store: every pre-produced response in a memory-mapped LMDB file.

The responder reads an answer with one B-tree look-up in shared memory (no database
round trip, no copy between processes: every responder process on a machine maps the
same file). Keys are a CertID's SHA-1 issuerKeyHash (20 bytes) and the serial's octets;
values are the change that wrote the answer, its thisUpdate and nextUpdate (Unix
seconds) and the DER response, kept without its responder certificate, which is kept
once (`ocsp_compact.py`: a third of the size).

Layout: `<directory>/current` is a symbolic link to one LMDB environment
(`<directory>/answers-<stamp>/`). `build` writes a new environment beside it and marks
it complete only at its end, then swaps the link atomically: a build that dies
half-way leaves the link on the old store, and an environment without the mark (copied
half-way, say) is refused. Writes after a build carry their change number: an answer
is only ever replaced by one from a later change, so the writes after a commit and the
change feed's (`ocsp_follow.py`) may arrive in any order.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lmdb

from mynumbercard.adapters import ocsp_compact as compact

MAP_SIZE = 1 << 40  # address space only: the file grows with its data (1 TiB ceiling)
VALUE_HEAD = struct.Struct(">QqqB8s")  # change, thisUpdate, nextUpdate, form, certs id
_VALUE = VALUE_HEAD
_U64 = struct.Struct(">Q")
_COMPLETE, _CURSOR, _FORMAT, _CERTS = b"complete", b"cursor", b"format", b"certs:"
FORMAT = b"2"
_WHOLE, _SPLIT = 0, 1
_NO_CERTS = bytes(8)


class StoreUnavailable(Exception):
    """The store is missing, half-written or unreadable (the message says which)."""


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    der: bytes
    this_update: datetime
    next_update: datetime
    change: int


@dataclass(frozen=True, slots=True)
class Entry:
    """An answer to write: the certificate by issuer key hash and serial."""

    issuer_key_hash: bytes
    serial: int
    der: bytes
    this_update: datetime
    next_update: datetime
    change: int


def key_of(issuer_key_hash: bytes, serial: int) -> bytes:
    return issuer_key_hash + serial.to_bytes((serial.bit_length() + 7) // 8 or 1, "big")


def _encode(entry: Entry, certs_seen: dict[bytes, bytes]) -> bytes:
    """The value; a responder certificate not met before goes into `certs_seen`."""
    parts = compact.split(entry.der)
    head = (entry.change, int(entry.this_update.timestamp()), int(entry.next_update.timestamp()))
    if parts is None:
        return _VALUE.pack(*head, _WHOLE, _NO_CERTS) + entry.der
    body, certs = parts
    certs_id = hashlib.sha256(certs).digest()[:8]
    certs_seen.setdefault(certs_id, certs)
    return _VALUE.pack(*head, _SPLIT, certs_id) + body


def _open_env(path: Path, *, readonly: bool = False) -> lmdb.Environment:
    # meminit stays on (as in `build`): LMDB then zeroes what it writes beyond the data,
    # else pages on disk may carry the process's old heap (the leak scan found
    # Individual Numbers from the register generator that way).
    return lmdb.open(str(path), map_size=MAP_SIZE, max_dbs=2, readonly=readonly,
                     readahead=False, max_readers=1024)


class AnswerStore:
    """One opened store. Thread-safe: LMDB gives each reader its own snapshot."""

    def __init__(self, directory: Path) -> None:
        link = directory / "current"
        try:
            self.target = link.resolve(strict=True)
        except OSError:
            raise StoreUnavailable(f"no answer store at {link}") from None
        try:
            self._env = _open_env(self.target)
            self._answers = self._env.open_db(b"answers")
            self._meta = self._env.open_db(b"meta")
        except lmdb.Error as exc:
            raise StoreUnavailable(f"answer store {self.target} unreadable: {exc}") from None
        with self._env.begin(db=self._meta) as txn:
            complete, version = txn.get(_COMPLETE), txn.get(_FORMAT)
        if complete is None or version != FORMAT:
            self._env.close()
            raise StoreUnavailable(f"answer store {self.target} is half-written "
                                   "(no completion mark) or of another format: rebuild it")
        self._certs: dict[bytes, bytes] = {}  # certs id -> the certs element, read once

    def close(self) -> None:
        self._env.close()

    def get(self, issuer_key_hash: bytes, serial: int) -> StoredAnswer | None:
        found = self.answer(key_of(issuer_key_hash, serial))
        if found is None:
            return None
        der, this_update, next_update, change = found
        return StoredAnswer(der, datetime.fromtimestamp(this_update, UTC),
                            datetime.fromtimestamp(next_update, UTC), change)

    def answer(self, key: bytes) -> tuple[bytes, int, int, int] | None:
        """(DER, thisUpdate, nextUpdate, change) under a ready-made key: the responder's
        hot path (times in Unix seconds)."""
        with self._env.begin(db=self._answers) as txn:
            value = txn.get(key)
        if value is None:
            return None
        change, this_update, next_update, form, certs_id = _VALUE.unpack_from(value)
        body = value[_VALUE.size:]
        if form == _SPLIT:
            certs = self._certs.get(certs_id)
            if certs is None:
                with self._env.begin(db=self._meta) as txn:
                    certs = txn.get(_CERTS + certs_id)
                if certs is None:  # pragma: no cover - written in the same transaction
                    return None
                self._certs[certs_id] = certs
            body = compact.join(body, certs)
        return body, this_update, next_update, change

    def write(self, entries: Iterable[Entry], *, cursor: int | None = None) -> int:
        """Write answers newer than the stored ones (by change); returns how many.
        With `cursor`, also the change feed position the store has reached."""
        written, certs = 0, dict[bytes, bytes]()
        with self._env.begin(write=True) as txn:
            for entry in entries:
                key = key_of(entry.issuer_key_hash, entry.serial)
                old = txn.get(key, db=self._answers)
                if old is not None and _U64.unpack_from(old)[0] > entry.change:
                    continue
                txn.put(key, _encode(entry, certs), db=self._answers)
                written += 1
            for certs_id, element in certs.items():
                txn.put(_CERTS + certs_id, element, db=self._meta, overwrite=False)
            if cursor is not None:
                old_cursor = txn.get(_CURSOR, db=self._meta)
                if old_cursor is None or _U64.unpack(old_cursor)[0] < cursor:
                    txn.put(_CURSOR, _U64.pack(cursor), db=self._meta)
        return written

    def cursor(self) -> int:
        """The change feed position every change up to which is in the store."""
        with self._env.begin(db=self._meta) as txn:
            value = txn.get(_CURSOR)
        return 0 if value is None else int(_U64.unpack(value)[0])

    def stats(self) -> dict[str, int]:
        info = self._env.stat()
        with self._env.begin(db=self._answers) as txn:
            entries = int(txn.stat(self._answers)["entries"])
        size = sum(p.stat().st_size for p in self.target.iterdir() if p.name == "data.mdb")
        return {"entries": entries, "bytes": size, "page_size": int(info["psize"])}


def build(directory: Path, entries: Iterable[Entry], *, cursor: int,
          batch: int = 20_000) -> Path:
    """A new store from `entries` (every answer, from the database), in place of the
    current one only once complete. Returns the new environment's path.

    The entries come in no useful order (serials are random), and a B-tree filled in
    random order keeps its pages about half full; so they go first into a scratch
    environment, which is then read in key order into the store, appended page after
    full page: half the size, and the scratch space is freed at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"answers-{time.time_ns()}"
    scratch = directory / f".scratch-{target.name}"
    certs: dict[bytes, bytes] = {}
    try:
        _fill(scratch, ((key_of(e.issuer_key_hash, e.serial), _encode(e, certs))
                        for e in entries), batch=batch)
        source = lmdb.open(str(scratch), map_size=MAP_SIZE, max_dbs=2, readonly=True,
                           lock=False)
        try:
            with source.begin(db=source.open_db(b"answers", create=False)) as txn:
                _fill(target, txn.cursor().iternext(), batch=batch, append=True,
                      meta=_meta_items(certs, cursor))
        finally:
            source.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _swap(directory, target)
    return target


def _meta_items(certs: dict[bytes, bytes], cursor: int) -> list[tuple[bytes, bytes]]:
    """The store's meta data, the completion mark last."""
    return [*((_CERTS + certs_id, element) for certs_id, element in certs.items()),
            (_CURSOR, _U64.pack(cursor)), (_FORMAT, FORMAT),
            (_COMPLETE, str(int(time.time())).encode())]


def _fill(path: Path, items: Iterable[tuple[bytes, bytes]], *, batch: int,
          append: bool = False, meta: list[tuple[bytes, bytes]] | None = None) -> None:
    env = lmdb.open(str(path), map_size=MAP_SIZE, max_dbs=2, sync=False, metasync=False)
    try:
        answers = env.open_db(b"answers")
        chunk: list[tuple[bytes, bytes]] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= batch:
                _put_many(env, answers, chunk, append=append)
        _put_many(env, answers, chunk, append=append)
        if meta is not None:
            with env.begin(write=True, db=env.open_db(b"meta")) as txn:
                for key, value in meta:
                    txn.put(key, value)
        env.sync(True)
    finally:
        env.close()


def _put_many(env: lmdb.Environment, db: Any, items: list[tuple[bytes, bytes]], *,
              append: bool = False) -> None:
    with env.begin(write=True, db=db) as txn:
        txn.cursor().putmulti(items, append=append)
    items.clear()


def _swap(directory: Path, target: Path) -> None:
    """Point `current` at `target` atomically; remove the environments it replaces (a
    process that still maps one keeps its pages until it reopens)."""
    link = directory / "current"
    staging = directory / f".current-{os.getpid()}"
    staging.unlink(missing_ok=True)
    staging.symlink_to(target.name)
    os.replace(staging, link)
    for old in directory.glob("answers-*"):
        if old.name != target.name:
            shutil.rmtree(old, ignore_errors=True)


def current_target(directory: Path) -> str | None:
    """Where `current` points now (a rebuilt store is reopened when this changes)."""
    try:
        return os.readlink(directory / "current")
    except OSError:
        return None
