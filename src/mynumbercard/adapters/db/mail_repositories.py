"""Outgoing mail, job chunks and expiry cohorts in SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.tables import (
    applications,
    cards,
    certificates,
    job_chunks,
    mail_control,
    outgoing_mail,
    residents,
)
from mynumbercard.domain.application import CLOSED
from mynumbercard.domain.certificate import JST
from mynumbercard.services.job_ports import Chunk, ChunkState, RunSummary
from mynumbercard.services.mail_ports import (
    CohortCard,
    CohortCertificates,
    LetterKind,
    LetterRecord,
    MailControl,
    NewLetter,
    QueuedLetter,
)

_CLOSED = sorted(status.value for status in CLOSED)


def insert_ignoring_duplicates(conn: Connection, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _letter(row: Any) -> QueuedLetter:
    return QueuedLetter(id=row.id, letter_key=row.letter_key, kind=LetterKind(row.kind),
                        resident_id=row.resident_id, municipality_code=row.municipality_code,
                        due_on=row.due_on, card_id=row.card_id,
                        application_id=row.application_id, details=dict(row.details or {}),
                        batch=row.batch)


class SqlMailQueue:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def enqueue(self, letters: Sequence[NewLetter], *, now: datetime) -> int:
        if not letters:
            return 0
        rows = [{"letter_key": x.letter_key, "kind": x.kind.value,
                 "resident_id": x.resident_id, "card_id": x.card_id,
                 "municipality_code": x.municipality_code, "due_on": x.due_on,
                 "application_id": x.application_id, "details": x.details or None,
                 "status": "queued", "queued_at": now} for x in letters]
        statement = insert_ignoring_duplicates(self._conn, outgoing_mail).returning(
            outgoing_mail.c.id)
        return len(self._conn.execute(statement, rows).all())  # the new ones only

    def existing(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        return set(self._conn.scalars(select(outgoing_mail.c.letter_key)
                                      .where(outgoing_mail.c.letter_key.in_(keys))))

    def claim(self, *, limit: int) -> Sequence[QueuedLetter]:
        query = (select(outgoing_mail).where(outgoing_mail.c.status == "queued")
                 .order_by(outgoing_mail.c.due_on, outgoing_mail.c.id).limit(limit)
                 .with_for_update(skip_locked=True))
        return [_letter(row) for row in self._conn.execute(query)]

    def printing(self) -> Sequence[QueuedLetter]:
        query = (select(outgoing_mail).where(outgoing_mail.c.status == "printing")
                 .order_by(outgoing_mail.c.batch, outgoing_mail.c.due_on, outgoing_mail.c.id)
                 .with_for_update(skip_locked=True))
        return [_letter(row) for row in self._conn.execute(query)]

    def queued_ids(self) -> Sequence[int]:
        return list(self._conn.scalars(select(outgoing_mail.c.id)
                                       .where(outgoing_mail.c.status == "queued")
                                       .order_by(outgoing_mail.c.due_on, outgoing_mail.c.id)))

    def batch_of(self, letter_id: int) -> Sequence[QueuedLetter]:
        batch = select(outgoing_mail.c.batch).where(outgoing_mail.c.id == letter_id)
        query = (select(outgoing_mail).where(outgoing_mail.c.batch == batch.scalar_subquery(),
                                             outgoing_mail.c.status == "printing")
                 .order_by(outgoing_mail.c.due_on, outgoing_mail.c.id)
                 .with_for_update(skip_locked=True))
        return [_letter(row) for row in self._conn.execute(query)]

    def requeue(self, batch: str) -> None:
        self._conn.execute(update(outgoing_mail).where(outgoing_mail.c.batch == batch,
                                                       outgoing_mail.c.status == "printing")
                           .values(status="queued", batch=None))

    def mark_printing(self, ids: Sequence[int], *, batch: str) -> None:
        self._conn.execute(update(outgoing_mail).where(outgoing_mail.c.id.in_(ids),
                                                       outgoing_mail.c.status == "queued")
                           .values(status="printing", batch=batch))

    def mark_sent(self, batch: str, *, now: datetime) -> int:
        result = self._conn.execute(update(outgoing_mail).where(
            outgoing_mail.c.batch == batch, outgoing_mail.c.status == "printing")
            .values(status="sent", sent_at=now))
        return int(result.rowcount)

    def control(self) -> MailControl:
        row = self._conn.execute(select(mail_control).where(mail_control.c.id == 1)).first()
        if row is None:
            return MailControl(suspended=False, reason=None, changed_at=None, changed_by=None)
        return MailControl(suspended=row.suspended, reason=row.reason,
                           changed_at=as_utc(row.changed_at), changed_by=row.changed_by)

    def set_control(self, *, suspended: bool, reason: str | None, actor: str,
                    now: datetime) -> None:
        values = {"suspended": suspended, "reason": reason, "changed_at": now,
                  "changed_by": actor}
        changed = self._conn.execute(update(mail_control).where(mail_control.c.id == 1)
                                     .values(**values))
        if changed.rowcount == 0:
            self._conn.execute(insert(mail_control).values(id=1, **values))

    def counts(self) -> dict[str, int]:
        rows = self._conn.execute(select(outgoing_mail.c.status, func.count())
                                  .group_by(outgoing_mail.c.status))
        return {status: int(n) for status, n in rows}

    def oldest_queued(self) -> date | None:
        oldest: date | None = self._conn.scalar(select(func.min(outgoing_mail.c.due_on))
                                                .where(outgoing_mail.c.status == "queued"))
        return oldest

    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[LetterRecord]:
        rows = self._conn.execute(select(outgoing_mail)
                                  .where(outgoing_mail.c.resident_id == resident_id)
                                  .order_by(outgoing_mail.c.id.desc()).limit(limit))
        return [LetterRecord(_letter(row), row.status, as_utc(row.queued_at),
                             as_utc(row.sent_at) if row.sent_at is not None else None)
                for row in rows]


class SqlJobChunks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _of(self, job: str, run_key: str) -> Any:
        return and_(job_chunks.c.job == job, job_chunks.c.run_key == run_key)

    def planned(self, job: str, run_key: str) -> bool:
        return self._conn.scalar(select(exists().where(self._of(job, run_key)))) or False

    def plan(self, job: str, run_key: str, ranges: Sequence[tuple[int, int]]) -> None:
        if ranges:
            self._conn.execute(insert_ignoring_duplicates(self._conn, job_chunks), [
                {"job": job, "run_key": run_key, "lo": lo, "hi": hi} for lo, hi in ranges])

    def claim(self, job: str, run_key: str, *, now: datetime | None = None) -> Chunk | None:
        started = job_chunks.c.started_at.is_not(None) & job_chunks.c.failed_at.is_(None)
        if now is not None:
            started = started & (job_chunks.c.started_at >= now)
        row = self._conn.execute(
            select(job_chunks.c.lo, job_chunks.c.hi)
            .where(self._of(job, run_key), job_chunks.c.done_at.is_(None))
            .order_by(case((started, 1), else_=0), job_chunks.c.lo)
            .limit(1).with_for_update(skip_locked=True)).first()
        return Chunk(job, run_key, row.lo, row.hi) if row else None

    def _chunk(self, chunk: Chunk) -> Any:
        return and_(self._of(chunk.job, chunk.run_key), job_chunks.c.lo == chunk.lo)

    def start(self, chunk: Chunk, *, now: datetime) -> None:
        self._conn.execute(update(job_chunks).where(self._chunk(chunk))
                           .values(started_at=now, failed_at=None))

    def lock(self, chunk: Chunk) -> bool:
        done = self._conn.execute(select(job_chunks.c.done_at).where(self._chunk(chunk))
                                  .with_for_update()).first()
        return done is not None and done.done_at is None

    def failed(self, chunk: Chunk, *, error: str, now: datetime) -> None:
        self._conn.execute(update(job_chunks).where(
            self._chunk(chunk), job_chunks.c.done_at.is_(None))
            .values(failed_at=now, error=error[:400]))

    def done(self, chunk: Chunk, *, rows: int, now: datetime) -> None:
        self._conn.execute(update(job_chunks).where(
            self._of(chunk.job, chunk.run_key), job_chunks.c.lo == chunk.lo)
            .values(done_at=now, rows=rows))

    def unfinished(self, job: str) -> Sequence[str]:
        return list(self._conn.scalars(
            select(job_chunks.c.run_key).where(job_chunks.c.job == job,
                                               job_chunks.c.done_at.is_(None))
            .group_by(job_chunks.c.run_key).order_by(job_chunks.c.run_key)))

    def progress(self, job: str, run_key: str) -> tuple[int, int]:
        done, total = self._conn.execute(
            select(func.count(job_chunks.c.done_at), func.count())
            .where(self._of(job, run_key))).one()
        return int(done), int(total)

    def summaries(self, *, limit: int) -> Sequence[RunSummary]:
        pending = func.count() - func.count(job_chunks.c.done_at)
        waiting = job_chunks.c.done_at.is_(None)
        running = waiting & job_chunks.c.started_at.is_not(None) & job_chunks.c.failed_at.is_(None)
        query = (select(job_chunks.c.job, job_chunks.c.run_key, func.count().label("chunks"),
                        func.count(job_chunks.c.done_at).label("done"),
                        func.coalesce(func.sum(job_chunks.c.rows), 0).label("rows"),
                        func.max(job_chunks.c.done_at).label("last"),
                        func.sum(case((running, 1), else_=0)).label("running"),
                        func.sum(case((waiting & job_chunks.c.failed_at.is_not(None), 1),
                                      else_=0)).label("failed"))
                 .group_by(job_chunks.c.job, job_chunks.c.run_key)
                 .order_by((pending == 0), job_chunks.c.run_key.desc(), job_chunks.c.job)
                 .limit(limit))
        return [RunSummary(r.job, r.run_key, int(r.chunks), int(r.done), int(r.rows),
                           _utc(r.last), int(r.running or 0), int(r.failed or 0))
                for r in self._conn.execute(query)]

    def chunks(self, job: str, run_key: str, *, limit: int) -> Sequence[ChunkState]:
        query = (select(job_chunks.c.lo, job_chunks.c.hi, job_chunks.c.done_at,
                        job_chunks.c.rows, job_chunks.c.started_at, job_chunks.c.failed_at,
                        job_chunks.c.error).where(self._of(job, run_key))
                 .order_by(job_chunks.c.lo).limit(limit))
        return [ChunkState(r.lo, r.hi, _utc(r.done_at), r.rows, _utc(r.started_at),
                           _utc(r.failed_at), r.error)
                for r in self._conn.execute(query)]


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they are stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants of [first 00:00, last 24:00) in Japan, in UTC (certificates store the
    last second of their expiry day in Japan)."""
    start = datetime.combine(first, time(), tzinfo=JST).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=JST).astimezone(UTC)
    return start, end


class SqlCohorts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _cards_where(self, first: date, last: date) -> list[Any]:
        return [cards.c.expires_on >= first, cards.c.expires_on <= last,
                cards.c.status == "active"]

    def card_ids(self, first: date, last: date) -> Sequence[int]:
        return list(self._conn.scalars(select(cards.c.id).where(*self._cards_where(first, last))
                                       .order_by(cards.c.id)))

    def cards(self, first: date, last: date, lo: int, hi: int) -> Sequence[CohortCard]:
        applied = exists().where(applications.c.resident_id == cards.c.resident_id,
                                 applications.c.status.not_in(_CLOSED))
        query = (select(cards.c.id, cards.c.resident_id, residents.c.municipality_code,
                        cards.c.expires_on, applied.label("applied"))
                 .join(residents, residents.c.id == cards.c.resident_id)
                 .where(*self._cards_where(first, last), cards.c.id >= lo, cards.c.id <= hi,
                        residents.c.status == "active")
                 .order_by(cards.c.id))
        return [CohortCard(r.id, r.resident_id, r.municipality_code, r.expires_on, r.applied)
                for r in self._conn.execute(query)]

    def _certificates_where(self, first: date, last: date) -> list[Any]:
        start, end = _day_bounds(first, last)
        return [certificates.c.not_after >= start, certificates.c.not_after < end,
                certificates.c.status == "active"]

    def certificate_card_ids(self, first: date, last: date) -> Sequence[int]:
        return list(self._conn.scalars(
            select(certificates.c.card_id).where(*self._certificates_where(first, last))
            .group_by(certificates.c.card_id).order_by(certificates.c.card_id)))

    def certificates(self, first: date, last: date, lo: int, hi: int
                     ) -> Sequence[CohortCertificates]:
        query = (select(certificates.c.card_id, certificates.c.kind, certificates.c.not_after,
                        cards.c.resident_id, cards.c.expires_on,
                        residents.c.municipality_code)
                 .join(cards, cards.c.id == certificates.c.card_id)
                 .join(residents, residents.c.id == cards.c.resident_id)
                 .where(*self._certificates_where(first, last), certificates.c.card_id >= lo,
                        certificates.c.card_id <= hi, cards.c.status == "active",
                        residents.c.status == "active")
                 .order_by(certificates.c.card_id, certificates.c.kind))
        found: dict[int, CohortCertificates] = {}
        for r in self._conn.execute(query):
            expires_on = as_utc(r.not_after).astimezone(JST).date()
            if r.card_id in found:
                prior = found[r.card_id]
                found[r.card_id] = CohortCertificates(
                    prior.card_id, prior.resident_id, prior.municipality_code,
                    max(prior.expires_on, expires_on), (*prior.kinds, r.kind),
                    prior.card_expires_on)
            else:
                found[r.card_id] = CohortCertificates(r.card_id, r.resident_id,
                                                      r.municipality_code, expires_on,
                                                      (r.kind,), r.expires_on)
        return list(found.values())
