"""My Number Points in SQL (tables in points_tables.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.kiosk_tables import relying_parties
from mynumbercard.adapters.db.points_tables import (
    point_balances,
    point_campaigns,
    point_enrolments,
    point_reports,
)
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.services.points_ports import Enrolment, ServiceTotal, StoredReport


def _enrolment(row: Row[Any] | None) -> Enrolment | None:
    if row is None:
        return None
    return Enrolment(row.enrolment_id, row.resident_id, row.service, row.enrolled_at)


class SqlPoints:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_campaign(self, campaign: Campaign, *, now: datetime, by: str) -> int:
        return int(self._conn.execute(insert(point_campaigns).values(
            name=campaign.name, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
            rate_percent=campaign.rate_percent, cap=campaign.cap,
            charges=ReportKind.CHARGE in campaign.qualifies,
            purchases=ReportKind.PURCHASE in campaign.qualifies,
            created_at=now, created_by=by).returning(point_campaigns.c.id)).scalar_one())

    def campaigns(self) -> Sequence[tuple[int, Campaign]]:
        rows = self._conn.execute(select(point_campaigns).order_by(
            point_campaigns.c.starts_on)).all()
        return [(r.id, Campaign(r.name, r.starts_on, r.ends_on, r.rate_percent, r.cap,
                                frozenset(k for k, on in ((ReportKind.CHARGE, r.charges),
                                                          (ReportKind.PURCHASE, r.purchases))
                                          if on)))
                for r in rows]

    def enrol(self, enrolment: Enrolment, *, by: str) -> bool:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(point_enrolments).values(
                    enrolment_id=enrolment.enrolment_id, resident_id=enrolment.resident_id,
                    service=enrolment.service, enrolled_at=enrolment.enrolled_at,
                    enrolled_by=by))
        except IntegrityError:
            return False
        return True

    def enrolment_of(self, resident_id: int) -> Enrolment | None:
        return _enrolment(self._conn.execute(select(point_enrolments).where(
            point_enrolments.c.resident_id == resident_id)).first())

    def enrolment(self, enrolment_id: str) -> Enrolment | None:
        return _enrolment(self._conn.execute(select(point_enrolments).where(
            point_enrolments.c.enrolment_id == enrolment_id)).first())

    def add_report(self, report: StoredReport, *, campaign_id: int, now: datetime) -> bool:
        try:
            with self._conn.begin_nested():  # a concurrent twin waits here, then fails
                self._conn.execute(insert(point_reports).values(
                    service=report.service, report_id=report.report_id,
                    enrolment_id=report.enrolment_id, campaign_id=campaign_id,
                    kind=report.kind.value, amount=report.amount,
                    occurred_at=report.occurred_at, received_at=now,
                    granted=report.granted))
        except IntegrityError:
            return False
        return True

    def report(self, service: str, report_id: str) -> StoredReport | None:
        r, c = point_reports.c, point_campaigns.c
        row = self._conn.execute(
            select(point_reports, c.name.label("campaign"))
            .join(point_campaigns, c.id == r.campaign_id)
            .where(r.service == service, r.report_id == report_id)).first()
        if row is None:
            return None
        return StoredReport(row.service, row.report_id, row.enrolment_id, row.campaign,
                            ReportKind(row.kind), row.amount, row.occurred_at, row.granted)

    def locked_balance(self, campaign_id: int, resident_id: int) -> int:
        b = point_balances.c
        where = (b.campaign_id == campaign_id, b.resident_id == resident_id)
        granted = self._conn.execute(select(b.granted).where(*where)
                                     .with_for_update()).scalar()
        if granted is not None:
            return int(granted)
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(point_balances).values(
                    campaign_id=campaign_id, resident_id=resident_id, granted=0))
        except IntegrityError:
            pass  # a concurrent first report made it: lock that one
        return int(self._conn.execute(select(b.granted).where(*where)
                                      .with_for_update()).scalar_one())

    def set_balance(self, campaign_id: int, resident_id: int, granted: int) -> None:
        b = point_balances.c
        self._conn.execute(update(point_balances).where(
            b.campaign_id == campaign_id, b.resident_id == resident_id).values(
            granted=granted))

    def totals(self, campaign: str | None = None) -> Sequence[ServiceTotal]:
        r, c, p = point_reports.c, point_campaigns.c, relying_parties.c
        query = (select(r.service, p.name, c.name.label("campaign"),
                        func.count().label("reports"), func.sum(r.amount).label("amount"),
                        func.sum(r.granted).label("granted"))
                 .join(point_campaigns, c.id == r.campaign_id)
                 .join(relying_parties, p.key_id == r.service)
                 .group_by(r.service, p.name, c.name).order_by(c.name, r.service))
        if campaign is not None:
            query = query.where(c.name == campaign)
        return [ServiceTotal(row.service, row.name, row.campaign, row.reports,
                             int(row.amount), int(row.granted))
                for row in self._conn.execute(query)]
