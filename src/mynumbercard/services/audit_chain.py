"""Sealing the audit log into a hash chain, anchoring it, and verifying it.

Audited transactions insert their records as before and never wait on the chain: a
sealer (`mynumbercard audit seal`, and `serve` every few seconds) chains what has
committed, up to an id below which nothing is still in flight (the store decides where
that is), in seals of at most `batch` records. Two sealers at once are settled by the
seal's primary key: the loser reads the chain again. Each seal's hash is then appended
to the anchor file, and `crl publish` signs the head (docs/operations.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from mynumbercard.domain.audit_chain import (
    Break,
    BreakKind,
    ChainRecord,
    Seal,
    check_link,
    first_difference,
    make_seal,
)
from mynumbercard.domain.errors import Conflict
from mynumbercard.services.pki_ports import CrlSink

HEAD_FORMAT = "mynumbercard audit head v1"
HEAD_NAME = "audit/head.json"  # beside the CRLs; its detached signature is HEAD_NAME.sig


class SealTaken(Conflict):
    """Another sealer wrote this seal number first."""

    code = "seal_taken"


class AnchorDamaged(Conflict):
    """The anchor file cannot be read as a list of seals."""

    code = "anchor_damaged"


class ChainTransaction(Protocol):
    def last_seal(self) -> Seal | None: ...
    def records(self, first_id: int, last_id: int, *, limit: int) -> Sequence[ChainRecord]:
        """Records with ids in [first_id, last_id], by id, at most `limit`."""
        ...
    def add_seal(self, seal: Seal) -> None:
        """`SealTaken` if a seal with this number exists."""
        ...
    def commit(self) -> None: ...


class AuditChainStore(Protocol):
    def settled_id(self, *, wait_seconds: float) -> int | None:
        """An id at or below which every audit record has committed (or rolled back),
        waiting up to `wait_seconds` for transactions in flight; None if they did not
        finish by then."""
        ...
    def transaction(self) -> AbstractContextManager[ChainTransaction]: ...
    def seals(self, after_seq: int = 0) -> Iterator[Seal]:
        """Every seal after `after_seq`, by number, as a stream."""
        ...
    def rows(self, first_id: int, last_id: int) -> Iterator[ChainRecord]:
        """The log's records in [first_id, last_id], by id, as a stream."""
        ...
    def count_after(self, last_id: int) -> int: ...
    def head(self) -> Seal | None:
        """The newest seal."""
        ...


class Anchor(Protocol):
    """An append-only record of the seals' hashes, kept outside the database."""

    def anchored(self) -> Iterator[tuple[int, str]]:
        """(seal number, hash) in increasing order, as a stream; `AnchorDamaged` (while
        iterating) if unreadable, out of order or contradictory."""
        ...
    def extend(self, newer: Callable[[int], Iterable[Seal]]) -> int:
        """Append the seals after the last one anchored (`newer(last_seq)`); how many."""
        ...


class HeadSigner(Protocol):
    def sign_audit_head(self, data: bytes) -> bytes: ...


class HeadChecker(Protocol):
    def audit_head_signature_valid(self, data: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class Sealed:
    seals: int
    records: int
    anchored: int
    waiting: bool  # transactions in flight kept the newest records for the next round


def seal_log(store: AuditChainStore, anchor: Anchor, *, now: datetime, batch: int = 10_000,
             wait_seconds: float = 10.0) -> Sealed:
    """Chain what has committed; anchor every seal not yet in the anchor file."""
    boundary = store.settled_id(wait_seconds=wait_seconds)
    head = store.head() if boundary is not None else None
    # Nothing new since the last seal: no write transaction (SQLite's lock stays free).
    pending = boundary is not None and boundary > (head.last_id if head else 0)
    seals = records = attempts = 0
    while pending and boundary is not None and attempts < 100:
        try:
            with store.transaction() as tx:
                last = tx.last_seal()
                after = last.last_id if last else 0
                found = tx.records(after + 1, boundary, limit=batch) if after < boundary else []
                if not found:
                    break
                last_id = found[-1].id if len(found) == batch else boundary
                seal = make_seal(last, found, last_id=last_id, now=now)
                tx.add_seal(seal)
                tx.commit()
        except SealTaken:
            attempts += 1  # another sealer took this number: read its seal and go on
            continue
        seals, records = seals + 1, records + seal.records
    anchored = anchor.extend(store.seals)
    return Sealed(seals, records, anchored, waiting=boundary is None)


@dataclass(frozen=True, slots=True)
class SignedHead:
    seal: int
    last_id: int
    hash: str
    signed_at: datetime


def head_bytes(head: SignedHead) -> bytes:
    # Starts with "{", never with a DER SEQUENCE: the CA's signature over it can never
    # be mistaken for one over a certificate or a CRL.
    return (json.dumps({"format": HEAD_FORMAT, "seal": head.seal, "last_id": head.last_id,
                        "hash": head.hash, "signed_at": head.signed_at.isoformat()},
                       sort_keys=True) + "\n").encode("ascii")


def parse_head(data: bytes) -> SignedHead:
    try:
        fields = json.loads(data)
        if fields["format"] != HEAD_FORMAT:
            raise ValueError(fields["format"])
        return SignedHead(int(fields["seal"]), int(fields["last_id"]), str(fields["hash"]),
                          datetime.fromisoformat(fields["signed_at"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AnchorDamaged("the signed audit head is not one this system wrote") from exc


def publish_head(store: AuditChainStore, anchor: Anchor, signer: HeadSigner, sink: CrlSink,
                 *, now: datetime) -> list[str]:
    """Seal, then sign the chain's head and publish it beside the CRLs (with each CRL
    batch): copies of it outside this system pin the history up to it."""
    seal_log(store, anchor, now=now)
    last = store.head()
    if last is None:
        return []
    data = head_bytes(SignedHead(last.seq, last.last_id, last.hash, now.astimezone(UTC)))
    return [sink.publish(HEAD_NAME, data),
            sink.publish(f"{HEAD_NAME}.sig", signer.sign_audit_head(data))]


@dataclass(frozen=True, slots=True)
class Verified:
    seals: int
    records: int  # sealed records checked
    unsealed: int  # records after the last seal (the sealer has not reached them yet)
    anchored: int  # seals the anchor file vouches for
    signed_head: int | None  # the seal number the signed head vouches for
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_log(store: AuditChainStore, anchor: Anchor, *,
               head: tuple[bytes, bytes] | None = None,
               checker: HeadChecker | None = None) -> Verified:
    """Check every seal's link, each against the anchor file and the signed head, and
    each sealed record against its seal; the first break found, or none. Streams the
    seals, the records and the anchor file: memory does not grow with the log."""
    walk = _AnchorWalk(anchor.anchored())
    signed: SignedHead | None = None
    previous: Seal | None = None
    checked = records = 0

    def result(broken: Break | None) -> Verified:
        return Verified(checked, records, store.count_after(previous.last_id if previous else 0),
                        walk.count, signed.seal if signed else None, broken)

    try:
        if head is not None:
            signed = parse_head(head[0])
            if checker is None or not checker.audit_head_signature_valid(*head):
                return result(Break(BreakKind.ANCHOR, "the signed audit head's signature "
                                    "does not verify"))
        # The chain as it stands now; seals added while this runs are left for next time
        # (their records may not be in the pages of the log already read).
        until = store.head()
        rows = _Rows(store.rows(1, until.last_id if until else 0))  # one pass for all seals
        for seal in store.seals():
            if until is None or seal.seq > until.seq:
                break
            broken = (check_link(previous, seal) or _against_anchors(seal, walk, signed)
                      or first_difference(seal, rows.up_to(seal.last_id)))
            if broken is not None:
                return result(_truncated(store, broken))
            previous, checked, records = seal, seal.seq, records + seal.records
        missing = max(walk.last(), signed.seal if signed else 0)
    except AnchorDamaged as damaged:
        return result(Break(BreakKind.ANCHOR, damaged.message))
    if missing > checked and ((latest := store.head()) is None or latest.seq < missing):
        return result(Break(
            BreakKind.SEAL, f"seal {checked + 1} is missing from the database (the anchors "
            f"vouch for {missing} seals): the seals were removed", seal=checked + 1))
    return result(None)


class _Rows:
    """The log's records by id, handed to each seal in turn (up to its last id)."""

    def __init__(self, rows: Iterator[ChainRecord]) -> None:
        self._rows = rows
        self._next = next(rows, None)

    def up_to(self, last_id: int) -> Iterator[ChainRecord]:
        while self._next is not None and self._next.id <= last_id:
            row, self._next = self._next, next(self._rows, None)
            yield row


class _AnchorWalk:
    """The anchor file's (seq, hash) lines, read alongside the seals (both by seq)."""

    def __init__(self, entries: Iterator[tuple[int, str]]) -> None:
        self._entries = entries
        self._next: tuple[int, str] | None = None
        self._started = False
        self.count = 0

    def _advance(self) -> None:
        self._next, self._started = next(self._entries, None), True

    def hash_of(self, seq: int) -> str | None:
        if not self._started:
            self._advance()
        while self._next is not None and self._next[0] < seq:
            self._advance()
        if self._next is None or self._next[0] != seq:
            return None
        found = self._next[1]
        self.count += 1
        self._advance()
        return found

    def last(self) -> int:
        if not self._started:
            self._advance()
        last = self._next[0] if self._next else 0
        for seq, _ in self._entries:
            last = seq
        return last


def _against_anchors(seal: Seal, walk: _AnchorWalk,
                     signed: SignedHead | None) -> Break | None:
    if (anchored := walk.hash_of(seal.seq)) is not None and anchored != seal.hash:
        return Break(BreakKind.ANCHOR, f"seal {seal.seq} (records {seal.first_id}-"
                     f"{seal.last_id}) does not match the anchor file", seal=seal.seq)
    if signed is not None and signed.seal == seal.seq and signed.hash != seal.hash:
        return Break(BreakKind.ANCHOR, f"seal {seal.seq} (records {seal.first_id}-"
                     f"{seal.last_id}) does not match the signed head", seal=seal.seq)
    return None


def _truncated(store: AuditChainStore, broken: Break) -> Break:
    if broken.kind is BreakKind.REMOVED and store.count_after(0) == 0:
        return Break(broken.kind, f"the audit log is empty (truncated): {broken.message}",
                     broken.record_id, broken.seal)
    return broken
