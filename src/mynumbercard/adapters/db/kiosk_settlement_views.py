"""The kiosk settlement's reads in SQL (`services/kiosk_settlement.py`): each one
aggregate over an indexed time range. Refusals are counted from the audit log's
`kiosk:refuse` records (each carries its reason); PIN failures from the cards' reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, select

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.kiosk_tables import kiosk_documents, kiosk_pin_failures
from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.kiosk_settlement import CardPinFailures, DocumentRow, RefusalRow

ACTOR_PREFIX = "rp:"  # a relying party acts as rp:<key id>


def _utc(moment: datetime) -> datetime:
    """SQLite compares the stored text (UTC): a bound moment in another zone would miss
    the hours before 09:00 Japan time."""
    return moment.astimezone(UTC)


class SqlKioskSettlement:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def document_rows(self, *, start: datetime, end: datetime,
                      operator: str | None) -> Sequence[DocumentRow]:
        d = kiosk_documents.c
        where = and_(d.issued_at >= _utc(start), d.issued_at < _utc(end),
                     *([d.operator == operator] if operator is not None else []))
        query = (select(d.operator, d.municipality_code, d.document, func.count(),
                        func.sum(d.fee))
                 .where(where).group_by(d.operator, d.municipality_code, d.document)
                 .order_by(d.operator, d.municipality_code, d.document))
        return [DocumentRow(op, code, KioskDocument(kind), int(count), int(total or 0))
                for op, code, kind, count, total in self._conn.execute(query)]

    def refusal_rows(self, *, start: datetime, end: datetime,
                     operator: str | None) -> Sequence[RefusalRow]:
        a = audit_log.c
        reason = a.details["refused"].as_string()
        where = and_(a.action == AuditAction.KIOSK_REFUSE.value,
                     a.at >= _utc(start), a.at < _utc(end),
                     *([a.actor == ACTOR_PREFIX + operator] if operator is not None else []))
        query = (select(a.actor, reason, func.count()).where(where)
                 .group_by(a.actor, reason).order_by(a.actor, reason))
        return [RefusalRow(actor.removeprefix(ACTOR_PREFIX), str(refused or ""), int(count))
                for actor, refused, count in self._conn.execute(query)]

    def repeated_pin_failures(self, *, start: datetime, end: datetime,
                              limit: int) -> Sequence[CardPinFailures]:
        p = kiosk_pin_failures.c
        failures = func.count().label("failures")
        query = (select(p.serial, failures, func.count(p.operator.distinct()),
                        func.min(p.tries_left), func.max(p.at))
                 .where(p.at >= _utc(start), p.at < _utc(end)).group_by(p.serial)
                 .having(func.count() >= 2)
                 .order_by(failures.desc(), p.serial).limit(limit))
        return [CardPinFailures(serial, int(count), int(operators), int(fewest),
                                as_utc(last))
                for serial, count, operators, fewest, last in self._conn.execute(query)]
