"""The operators' console's reads in SQL (`services/console_ports.py`): each a bounded,
indexed query (newest first or oldest first, keyset-paged by id where it pages)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.tables import (
    applications,
    cards,
    certificate_events,
    certificates,
    crl_numbers,
    municipalities,
    outgoing_mail,
    production_runs,
    shipments,
)
from mynumbercard.services.console_ports import (
    BacklogDay,
    CertificateChange,
    CrlRow,
    ProductionRunRow,
    RunCard,
    ShipmentRow,
)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment is not None else None


class SqlConsoleViews:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def production_runs(self, *, limit: int, before_id: int | None) -> Sequence[ProductionRunRow]:
        query = select(production_runs).order_by(production_runs.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(production_runs.c.id < before_id)
        return [ProductionRunRow(r.id, r.produced_on, r.cards, as_utc(r.created_at))
                for r in self._conn.execute(query)]

    def production_run(self, run_id: int) -> ProductionRunRow | None:
        r = self._conn.execute(select(production_runs).where(
            production_runs.c.id == run_id)).first()
        return ProductionRunRow(r.id, r.produced_on, r.cards, as_utc(r.created_at)) if r else None

    def run_cards(self, run_id: int, *, limit: int) -> Sequence[RunCard]:
        query = (select(cards.c.card_number, cards.c.status.label("card_status"),
                        applications.c.id, applications.c.status, applications.c.resident_id,
                        applications.c.shipment_id, applications.c.office_code)
                 .join(cards, cards.c.id == applications.c.card_id)
                 .where(applications.c.production_run_id == run_id)
                 .order_by(applications.c.id).limit(limit))
        return [RunCard(r.card_number, r.card_status, r.id, r.status, r.resident_id,
                        r.shipment_id, r.office_code) for r in self._conn.execute(query)]

    def shipments(self, *, run_id: int | None, unreceived: bool, shipped_before: datetime | None,
                  limit: int) -> Sequence[ShipmentRow]:
        office = (municipalities.c.prefecture + municipalities.c.name).label("office")
        query = (select(shipments, office)
                 .join(municipalities, municipalities.c.code == shipments.c.municipality_code)
                 .limit(limit))
        if run_id is not None:
            query = query.where(shipments.c.id.in_(
                select(applications.c.shipment_id).where(
                    applications.c.production_run_id == run_id,
                    applications.c.shipment_id.is_not(None)).distinct()))
        if unreceived:
            query = query.where(shipments.c.received_at.is_(None))
            if shipped_before is not None:
                query = query.where(shipments.c.shipped_at < shipped_before)
            query = query.order_by(shipments.c.shipped_at, shipments.c.id)
        else:
            query = query.order_by(shipments.c.id.desc())
        return [ShipmentRow(r.id, r.municipality_code, r.office, r.cards, as_utc(r.shipped_at),
                            _maybe_utc(r.received_at), r.received_by)
                for r in self._conn.execute(query)]

    def mail_backlog(self, *, limit: int) -> Sequence[BacklogDay]:
        query = (select(outgoing_mail.c.due_on, outgoing_mail.c.kind, func.count())
                 .where(outgoing_mail.c.status == "queued")
                 .group_by(outgoing_mail.c.due_on, outgoing_mail.c.kind)
                 .order_by(outgoing_mail.c.due_on, outgoing_mail.c.kind).limit(limit))
        return [BacklogDay(due_on, kind, int(n)) for due_on, kind, n in self._conn.execute(query)]

    def certificate_changes(self, *, events: Sequence[str], since: datetime | None,
                            before_id: int | None, limit: int) -> Sequence[CertificateChange]:
        query = (select(certificate_events.c.id, certificate_events.c.at,
                        certificate_events.c.kind.label("event"), certificate_events.c.reason,
                        certificate_events.c.actor, certificates.c.kind,
                        certificates.c.serial, cards.c.card_number)
                 .join(certificates, certificates.c.id == certificate_events.c.certificate_id)
                 .join(cards, cards.c.id == certificates.c.card_id)
                 .where(certificate_events.c.kind.in_(list(events)))
                 .order_by(certificate_events.c.id.desc()).limit(limit))
        if since is not None:
            query = query.where(certificate_events.c.at >= since)
        if before_id is not None:
            query = query.where(certificate_events.c.id < before_id)
        return [CertificateChange(r.id, as_utc(r.at), r.event, r.reason, r.actor, r.kind,
                                  r.serial, r.card_number) for r in self._conn.execute(query)]

    def crls(self) -> Sequence[CrlRow]:
        query = select(crl_numbers).order_by(crl_numbers.c.kind, crl_numbers.c.shard)
        return [CrlRow(r.kind, r.shard, r.number, r.base_number, as_utc(r.base_this_update))
                for r in self._conn.execute(query)]
