"""The audit chain's store on SQLite and PostgreSQL (services/audit_chain.py).

Where it is safe to seal up to. On SQLite every writer holds the one write lock from
BEGIN IMMEDIATE to commit, so whatever a reader sees is every id handed out: the
largest id is settled. On PostgreSQL ids come from a sequence and commit out of order:
id 10 may still be in flight when id 11 has committed, and sealing past 10 then would
later show 10 as "inserted". An INSERT takes a RowExclusiveLock on audit_log before it
draws its id and keeps it to the end of its transaction. So: read the sequence's last
value `c`, then the transactions holding that lock (`pg_locks`, readable by any role);
once those have ended, every id up to `c` has committed or rolled back. Audited
transactions never wait for this -- only the sealer waits, and only for the
transactions in flight when it looked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.engine import READ_ONLY
from mynumbercard.adapters.db.tables import audit_log, audit_seals
from mynumbercard.domain.audit_chain import ChainRecord, Seal
from mynumbercard.services.audit_chain import SealTaken

_PAGE = 5000
_LAST_VALUE = text(
    "SELECT pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'id')::regclass)")
_IN_FLIGHT = text(
    "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation' "
    "AND relation = 'audit_log'::regclass AND mode = 'RowExclusiveLock' AND granted "
    "AND pid <> pg_backend_pid()")
_STILL_RUNNING = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY(:ids)")


def _record(row: Any) -> ChainRecord:
    return ChainRecord(row.id, row.at, row.actor, row.action, row.subject, row.details)


def _seal(row: Any) -> Seal:
    return Seal(row.seq, row.first_id, row.last_id, bytes(row.entries), row.previous_hash,
                row.hash, row.sealed_at)


class _Transaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def last_seal(self) -> Seal | None:
        row = self._conn.execute(
            select(audit_seals).order_by(audit_seals.c.seq.desc()).limit(1)).first()
        return _seal(row) if row else None

    def records(self, first_id: int, last_id: int, *, limit: int) -> Sequence[ChainRecord]:
        rows = self._conn.execute(
            select(audit_log).where(audit_log.c.id.between(first_id, last_id))
            .order_by(audit_log.c.id).limit(limit))
        return [_record(row) for row in rows]

    def add_seal(self, seal: Seal) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(audit_seals).values(
                    seq=seal.seq, first_id=seal.first_id, last_id=seal.last_id,
                    records=seal.records, entries=seal.entries,
                    previous_hash=seal.previous_hash, hash=seal.hash,
                    sealed_at=seal.sealed_at))
        except IntegrityError as exc:
            raise SealTaken(f"seal {seal.seq} was written by another sealer") from exc

    def commit(self) -> None:
        self._conn.commit()


class SqlAuditChain:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def settled_id(self, *, wait_seconds: float) -> int | None:
        if self._engine.dialect.name != "postgresql":
            with self._engine.connect() as conn:
                return int(conn.execution_options(**READ_ONLY).scalar(
                    select(func.coalesce(func.max(audit_log.c.id), 0))) or 0)
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            last = conn.scalar(_LAST_VALUE)  # first the sequence, then the lock holders
            in_flight = list(conn.scalars(_IN_FLIGHT))
            deadline = time.monotonic() + wait_seconds
            while in_flight and conn.scalar(_STILL_RUNNING, {"ids": in_flight}):
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.05)
            return int(last or 0)

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        with self._engine.connect() as conn:
            conn.begin()
            try:
                yield _Transaction(conn)
            finally:
                conn.rollback()  # a no-op after commit

    def seals(self, after_seq: int = 0) -> Iterator[Seal]:
        while True:
            with self._engine.connect() as conn:
                page = [_seal(row) for row in conn.execution_options(**READ_ONLY).execute(
                    select(audit_seals).where(audit_seals.c.seq > after_seq)
                    .order_by(audit_seals.c.seq).limit(100))]
            yield from page
            if len(page) < 100:
                return
            after_seq = page[-1].seq

    def rows(self, first_id: int, last_id: int) -> Iterator[ChainRecord]:
        after = first_id - 1
        while True:
            with self._engine.connect() as conn:
                page = [_record(row) for row in conn.execution_options(**READ_ONLY).execute(
                    select(audit_log).where(audit_log.c.id > after, audit_log.c.id <= last_id)
                    .order_by(audit_log.c.id).limit(_PAGE))]
            yield from page
            if len(page) < _PAGE:
                return
            after = page[-1].id

    def count_after(self, last_id: int) -> int:
        with self._engine.connect() as conn:
            return int(conn.execution_options(**READ_ONLY).scalar(
                select(func.count()).select_from(audit_log).where(audit_log.c.id > last_id))
                or 0)

    def head(self) -> Seal | None:
        with self._engine.connect() as conn:
            return _Transaction(conn.execution_options(**READ_ONLY)).last_seal()
