"""Repositories for the custody hand-off and the ledger of expiry passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.certificate_repositories import (
    _CERT_COLUMNS,
    _card,
    _certificate,
    as_utc,
)
from mynumbercard.adapters.db.tables import (
    cards,
    certificate_custody,
    certificate_custody_events,
    certificates,
    expiry_passages,
)
from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import Certificate, CertKind
from mynumbercard.domain.custody import Custody, CustodyStatus, NewCustody
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.services.custody_ports import CustodyHistoryEntry

_OPEN = ("left_at_office", "renewed", "mailed", "returned_undelivered")


def _custody(row: Row[Any]) -> Custody:
    m = row._mapping
    return Custody(id=m["id"], card_id=m["card_id"], resident_id=m["resident_id"],
                   office_code=m["office_code"],
                   kinds=frozenset(CertKind(k) for k in m["kinds"].split(",")),
                   left_on=m["left_on"], status=CustodyStatus(m["status"]),
                   tracking_number=m["tracking_number"], mailings=m["mailings"],
                   version=m["version"])


class SqlCustody:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, custody: NewCustody, *, actor: str, now: datetime) -> Custody:
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(insert(certificate_custody).values(
                    card_id=custody.card_id, resident_id=custody.resident_id,
                    office_code=custody.office_code,
                    status=CustodyStatus.LEFT_AT_OFFICE.value,
                    kinds=",".join(sorted(k.value for k in custody.kinds)),
                    left_on=custody.left_on, tracking_number=None, mailings=0, version=0,
                    created_at=now, updated_at=now))
        except IntegrityError:
            raise Conflict("the card is already left at the office") from None
        (new_id,) = result.inserted_primary_key or (0,)
        stored = custody.stored(int(new_id))
        self._flush_events(stored, actor, now)
        return stored

    def get(self, custody_id: int) -> Custody:
        row = self._conn.execute(select(certificate_custody)
                                 .where(certificate_custody.c.id == custody_id)).first()
        if row is None:
            raise NotFound(f"no card left at an office under number {custody_id}")
        return _custody(row)

    def open_for_card(self, card_id: int) -> Custody | None:
        row = self._conn.execute(select(certificate_custody).where(
            certificate_custody.c.card_id == card_id,
            certificate_custody.c.status.in_(_OPEN))).first()
        return _custody(row) if row else None

    def waiting(self, status: CustodyStatus, *, office_code: str | None, after_id: int,
                limit: int) -> Sequence[Custody]:
        query = (select(certificate_custody)
                 .where(certificate_custody.c.status == status.value,
                        certificate_custody.c.id > after_id)
                 .order_by(certificate_custody.c.id).limit(limit))
        if office_code is not None:
            query = query.where(certificate_custody.c.office_code == office_code)
        return [_custody(row) for row in self._conn.execute(query)]

    def save(self, custody: Custody, *, actor: str, now: datetime) -> None:
        result = self._conn.execute(
            update(certificate_custody)
            .where(certificate_custody.c.id == custody.id,
                   certificate_custody.c.version == custody.version)
            .values(status=custody.status.value, tracking_number=custody.tracking_number,
                    mailings=custody.mailings, version=custody.version + 1, updated_at=now))
        if result.rowcount != 1:
            raise Conflict("the card's custody was changed by someone else meanwhile: "
                           "reload and retry")
        custody.version += 1
        self._flush_events(custody, actor, now)

    def history(self, custody_id: int) -> Sequence[CustodyHistoryEntry]:
        rows = self._conn.execute(select(certificate_custody_events)
                                  .where(certificate_custody_events.c.custody_id == custody_id)
                                  .order_by(certificate_custody_events.c.id))
        return [CustodyHistoryEntry(as_utc(r.at), r.actor,
                                    CustodyStatus(r.from_status) if r.from_status else None,
                                    CustodyStatus(r.to_status), r.details or {})
                for r in rows]

    def _flush_events(self, custody: Custody, actor: str, now: datetime) -> None:
        if not custody.events:
            return
        self._conn.execute(insert(certificate_custody_events), [
            {"custody_id": custody.id,
             "from_status": e.from_status.value if e.from_status else None,
             "to_status": e.to_status.value, "details": e.details or None, "at": now,
             "actor": actor}
            for e in custody.events])
        custody.events.clear()


class SqlExpiryLedger:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def cards_due(self, *, first: date, last: date, after_id: int,
                  limit: int) -> Sequence[Card]:
        rows = self._conn.execute(
            select(cards).where(cards.c.expires_on >= first, cards.c.expires_on <= last,
                                cards.c.id > after_id)
            .order_by(cards.c.id).limit(limit))
        return [_card(row) for row in rows]

    def certificates_due(self, *, start: datetime, end: datetime, after_id: int,
                         limit: int) -> Sequence[Certificate]:
        rows = self._conn.execute(
            select(*_CERT_COLUMNS).where(certificates.c.not_after >= start,
                                         certificates.c.not_after < end,
                                         certificates.c.id > after_id)
            .order_by(certificates.c.id).limit(limit))
        return [_certificate(row) for row in rows]

    def record(self, subject: str, passages: Mapping[int, date], *,
               now: datetime) -> set[int]:
        ids = list(passages)
        if not ids:
            return set()
        seen = set(self._conn.scalars(select(expiry_passages.c.subject_id).where(
            expiry_passages.c.subject == subject, expiry_passages.c.subject_id.in_(ids))))
        new = [i for i in ids if i not in seen]
        if new:
            self._conn.execute(insert(expiry_passages), [
                {"subject": subject, "subject_id": i, "expired_on": passages[i],
                 "recorded_at": now} for i in new])
        return set(new)
