"""The audit log's hash chain (docs/operations.md, "The audit chain").

A record's hash is SHA-256 over its canonical bytes (id, time, actor, action, subject,
details as compact JSON with sorted keys, the time in UTC to the microsecond). A seal
covers the ids `first_id..last_id` (the previous seal's `last_id + 1` onwards; ids
rolled back on PostgreSQL leave gaps) and lists each record there, id and hash. Its own
hash covers its number, range, time, entries and the previous seal's hash, so changing
any sealed record, or any seal, breaks every later link -- and the anchors kept outside
the database (the anchor file, the signed head) say what the chain's hashes were.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64
"""The `previous_hash` of the first seal."""

_SEAL_DOMAIN = b"mynumbercard audit seal v1\n"
_ENTRY = 40  # 8 bytes of id, 32 of SHA-256


@dataclass(frozen=True, slots=True)
class ChainRecord:
    """An audit record as stored, with its id."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Any


def _utc(moment: datetime) -> str:
    # SQLite keeps no offset (the application writes UTC); PostgreSQL answers in the
    # session's time zone. Either way the same instant gives the same text.
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def canonical(record: ChainRecord) -> bytes:
    return json.dumps(
        [record.id, _utc(record.at), record.actor, record.action, record.subject,
         record.details],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    ).encode("utf-8")


def record_hash(record: ChainRecord) -> bytes:
    return hashlib.sha256(canonical(record)).digest()


@dataclass(frozen=True, slots=True)
class Seal:
    seq: int
    first_id: int
    last_id: int
    entries: bytes  # (id: 8 bytes big-endian, SHA-256: 32 bytes) per record, by id
    previous_hash: str
    hash: str
    sealed_at: datetime

    @property
    def records(self) -> int:
        return len(self.entries) // _ENTRY

    def listed(self) -> Iterator[tuple[int, bytes]]:
        for start in range(0, len(self.entries), _ENTRY):
            chunk = self.entries[start:start + _ENTRY]
            yield int.from_bytes(chunk[:8], "big"), chunk[8:]

    def expected_hash(self) -> str:
        return seal_hash(seq=self.seq, first_id=self.first_id, last_id=self.last_id,
                         entries=self.entries, previous_hash=self.previous_hash,
                         sealed_at=self.sealed_at)


def seal_hash(*, seq: int, first_id: int, last_id: int, entries: bytes, previous_hash: str,
              sealed_at: datetime) -> str:
    head = f"{seq}\n{first_id}\n{last_id}\n{_utc(sealed_at)}\n{previous_hash}\n"
    return hashlib.sha256(_SEAL_DOMAIN + head.encode("ascii") + entries).hexdigest()


def make_seal(previous: Seal | None, records: Sequence[ChainRecord], *, last_id: int,
              now: datetime) -> Seal:
    """The next seal: `records` are every record after the previous seal up to
    `last_id`, in id order."""
    first_id = previous.last_id + 1 if previous else 1
    if any(not first_id <= r.id <= last_id for r in records):
        raise ValueError("a seal covers only the records in its range")
    entries = b"".join(r.id.to_bytes(8, "big") + record_hash(r) for r in records)
    seq = previous.seq + 1 if previous else 1
    previous_hash = previous.hash if previous else GENESIS
    sealed_at = now.astimezone(UTC)
    return Seal(seq, first_id, last_id, entries, previous_hash,
                seal_hash(seq=seq, first_id=first_id, last_id=last_id, entries=entries,
                          previous_hash=previous_hash, sealed_at=sealed_at), sealed_at)


class BreakKind(StrEnum):
    CHANGED = "changed"
    INSERTED = "inserted"
    REMOVED = "removed"
    SEAL = "seal"  # a seal changed, missing, or out of its place in the chain
    ANCHOR = "anchor"  # the database's chain disagrees with an anchor outside it


@dataclass(frozen=True, slots=True)
class Break:
    """The first place where the log and its chain disagree."""

    kind: BreakKind
    message: str
    record_id: int | None = None
    seal: int | None = None


def check_link(previous: Seal | None, seal: Seal) -> Break | None:
    """Is `seal` the one that follows `previous`, with its own hash right?"""
    want_seq = previous.seq + 1 if previous else 1
    if seal.seq != want_seq:
        return Break(BreakKind.SEAL, f"seal {want_seq} is missing (the next is {seal.seq})",
                     seal=want_seq)
    want_first = previous.last_id + 1 if previous else 1
    want_previous = previous.hash if previous else GENESIS
    if seal.first_id != want_first or seal.previous_hash != want_previous:
        return Break(BreakKind.SEAL, f"seal {seal.seq} does not follow seal {seal.seq - 1}",
                     seal=seal.seq)
    if seal.expected_hash() != seal.hash or len(seal.entries) % _ENTRY:
        return Break(BreakKind.SEAL, f"seal {seal.seq} was changed (its hash does not match "
                     "its contents)", seal=seal.seq)
    return None


def first_difference(seal: Seal, rows: Iterable[ChainRecord]) -> Break | None:
    """Walk the seal's entries and the log's rows in its range (by id) together; the
    first record changed, inserted or removed."""
    listed = seal.listed()
    want = next(listed, None)
    for row in rows:
        if want is not None and want[0] < row.id:
            return Break(BreakKind.REMOVED, f"record {want[0]} was removed (seal {seal.seq} "
                         "lists it)", record_id=want[0], seal=seal.seq)
        if want is None or want[0] > row.id:
            return Break(BreakKind.INSERTED, f"record {row.id} was inserted (seal "
                         f"{seal.seq} covers ids {seal.first_id}-{seal.last_id} and does "
                         "not list it)", record_id=row.id, seal=seal.seq)
        if want[1] != record_hash(row):
            return Break(BreakKind.CHANGED, f"record {row.id} was changed (seal {seal.seq})",
                         record_id=row.id, seal=seal.seq)
        want = next(listed, None)
    if want is not None:
        return Break(BreakKind.REMOVED, f"record {want[0]} was removed (seal {seal.seq} "
                     "lists it)", record_id=want[0], seal=seal.seq)
    return None
