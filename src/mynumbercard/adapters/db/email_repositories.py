"""The e-mail outbox and the applicants' notice addresses in SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, update

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.mail_repositories import insert_ignoring_duplicates
from mynumbercard.adapters.db.tables import email_outbox, notice_addresses
from mynumbercard.services.email_ports import Email, QueuedEmail

QUEUED = "queued"


def _utc(moment: datetime) -> datetime:
    """Stored in UTC: SQLite compares the text, so every moment in one zone."""
    return moment.astimezone(UTC)


class SqlEmailQueue:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def enqueue(self, email: Email, *, now: datetime) -> bool:
        done = self._conn.execute(insert_ignoring_duplicates(self._conn, email_outbox).values(
            message_key=email.key, recipient=email.recipient, subject=email.subject,
            body=email.body, status=QUEUED, attempts=0, next_attempt_at=_utc(now),
            queued_at=_utc(now)).returning(email_outbox.c.id))
        # An id comes back only for a new row (the rowcount said 1 for a skipped one on
        # PostgreSQL).
        return done.scalar() is not None

    def set_address(self, application_id: str, email: str, *, now: datetime) -> None:
        table = notice_addresses
        found = self._conn.execute(update(table).where(table.c.application_id == application_id)
                                   .values(email=email, given_at=_utc(now)))
        if not found.rowcount:
            self._conn.execute(insert_ignoring_duplicates(self._conn, table).values(
                application_id=application_id, email=email, given_at=_utc(now)))

    def address(self, application_id: str) -> str | None:
        found: str | None = self._conn.execute(
            select(notice_addresses.c.email)
            .where(notice_addresses.c.application_id == application_id)).scalar()
        return found

    def due_ids(self, *, now: datetime) -> Sequence[int]:
        t = email_outbox
        return list(self._conn.execute(
            select(t.c.id).where(t.c.status == QUEUED, t.c.next_attempt_at <= _utc(now))
            .order_by(t.c.id)).scalars())

    def lease(self, lo: int, hi: int, *, now: datetime, until: datetime
              ) -> Sequence[QueuedEmail]:
        t = email_outbox
        query = (select(t).where(t.c.id.between(lo, hi), t.c.status == QUEUED,
                                 t.c.next_attempt_at <= _utc(now)).order_by(t.c.id))
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = self._conn.execute(query).all()
        if rows:
            self._conn.execute(update(t).where(t.c.id.in_([r.id for r in rows]))
                               .values(attempts=t.c.attempts + 1, next_attempt_at=_utc(until)))
        return [QueuedEmail(id=r.id, key=r.message_key, recipient=r.recipient,
                            subject=r.subject, body=r.body, attempts=r.attempts + 1)
                for r in rows]

    def mark_sent(self, message_id: int, *, now: datetime) -> None:
        self._conn.execute(update(email_outbox).where(email_outbox.c.id == message_id)
                           .values(status="sent", sent_at=_utc(now), last_error=None))

    def retry_at(self, message_id: int, *, at: datetime, error: str) -> None:
        self._conn.execute(update(email_outbox).where(email_outbox.c.id == message_id)
                           .values(next_attempt_at=_utc(at), last_error=error[:200]))

    def reject(self, message_id: int, *, error: str, now: datetime) -> None:
        self._conn.execute(update(email_outbox).where(email_outbox.c.id == message_id)
                           .values(status="rejected", sent_at=_utc(now),
                                   last_error=error[:200]))

    def counts(self) -> dict[str, int]:
        t = email_outbox
        rows = self._conn.execute(select(t.c.status, func.count()).group_by(t.c.status))
        return {str(status): int(count) for status, count in rows.all()}

    def oldest_queued(self) -> datetime | None:
        t = email_outbox
        found = self._conn.execute(select(func.min(t.c.queued_at))
                                   .where(t.c.status == QUEUED)).scalar()
        return as_utc(found) if found is not None else None
