"""My Number Points in SQL (tables in points_tables.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.kiosk_tables import relying_parties
from mynumbercard.adapters.db.points_tables import (
    point_balances,
    point_campaigns,
    point_enrolments,
    point_reports,
    point_sign_ins,
)
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.services.points_ports import Enrolment, ServiceTotal, SignIn, StoredReport


def _dialect(conn: Connection) -> str:
    return "postgresql" if conn.dialect.name == "postgresql" else "sqlite"


_r, _b = point_reports.c, point_balances.c
_INSERTS = (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
_ADD_REPORTS = {name: made(point_reports).on_conflict_do_nothing().returning(_r.report_id)
                for name, made in _INSERTS}
_LOCK_BALANCES = {name: made(point_balances).on_conflict_do_update(
    index_elements=[_b.campaign_id, _b.resident_id], set_={"granted": _b.granted})
    .returning(_b.campaign_id, _b.resident_id, _b.granted)
    for name, made in _INSERTS}


def _enrolment(row: Row[Any] | None) -> Enrolment | None:
    if row is None:
        return None
    return Enrolment(row.enrolment_id, row.resident_id, row.service, as_utc(row.enrolled_at))


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

    def reports_of(self, service: str,
                   report_ids: Sequence[str]) -> dict[str, StoredReport]:
        if not report_ids:
            return {}
        r, c = point_reports.c, point_campaigns.c
        rows = self._conn.execute(
            select(point_reports, c.name.label("campaign"))
            .join(point_campaigns, c.id == r.campaign_id)
            .where(r.service == service, r.report_id.in_(sorted(set(report_ids)))))
        return {row.report_id: StoredReport(row.service, row.report_id, row.enrolment_id,
                                            row.campaign, ReportKind(row.kind), row.amount,
                                            row.occurred_at, row.granted)
                for row in rows}

    def enrolments(self, enrolment_ids: Sequence[str]) -> dict[str, Enrolment]:
        if not enrolment_ids:
            return {}
        rows = self._conn.execute(select(point_enrolments).where(
            point_enrolments.c.enrolment_id.in_(sorted(set(enrolment_ids)))))
        return {row.enrolment_id: Enrolment(row.enrolment_id, row.resident_id, row.service,
                                            as_utc(row.enrolled_at))
                for row in rows}

    def add_reports(self, reports: Sequence[tuple[StoredReport, int]], *,
                    now: datetime) -> bool:
        if not reports:
            return True
        # One INSERT of every row, ON CONFLICT DO NOTHING: a row a concurrent request
        # committed meanwhile (its twin waits for it here) is missing from RETURNING.
        # Executed with a list: SQLAlchemy sends it as multi-row INSERTs from one cached
        # compilation (a statement built with 500 rows of VALUES compiled anew each time).
        added = self._conn.execute(_ADD_REPORTS[_dialect(self._conn)], [
            {"service": report.service, "report_id": report.report_id,
             "enrolment_id": report.enrolment_id, "campaign_id": campaign_id,
             "kind": report.kind.value, "amount": report.amount,
             "occurred_at": report.occurred_at, "received_at": now,
             "granted": report.granted} for report, campaign_id in reports]).all()
        return len(added) == len(reports)

    def locked_balances(self, pairs: Sequence[tuple[int, int]]
                        ) -> dict[tuple[int, int], int]:
        if not pairs:
            return {}
        # One upsert, its rows in one order (campaign, person): each balance row made at
        # 0 or locked as it stands (DO UPDATE locks it and returns the latest granted),
        # so that two batches never wait for each other's rows crosswise.
        # Made or locked in the order given (multi-row INSERTs, one cached compilation).
        rows = self._conn.execute(_LOCK_BALANCES[_dialect(self._conn)], [
            {"campaign_id": campaign_id, "resident_id": resident_id, "granted": 0}
            for campaign_id, resident_id in sorted(set(pairs))])
        return {(row.campaign_id, row.resident_id): int(row.granted) for row in rows}

    def set_balances(self, granted: Mapping[tuple[int, int], int]) -> None:
        if not granted:
            return
        b = point_balances.c
        self._conn.execute(
            update(point_balances).where(b.campaign_id == bindparam("c_id"),
                                         b.resident_id == bindparam("r_id"))
            .values(granted=bindparam("total")),
            [{"c_id": c_id, "r_id": r_id, "total": total}
             for (c_id, r_id), total in granted.items()])

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

    def balances_of(self, resident_id: int) -> Sequence[tuple[int, int]]:
        b = point_balances.c
        return [(int(row.campaign_id), int(row.granted)) for row in self._conn.execute(
            select(b.campaign_id, b.granted).where(b.resident_id == resident_id))]

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


def _sign_in(row: Row[Any] | None) -> SignIn | None:
    if row is None:
        return None
    return SignIn(row.code, row.browser_hash, row.challenge, as_utc(row.created_at),
                  as_utc(row.expires_at), row.resident_id,
                  as_utc(row.signed_at) if row.signed_at is not None else None)


class SqlPointSignIns:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, sign_in: SignIn) -> bool:
        """False when the code is taken (drawn again by the caller)."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(point_sign_ins).values(
                    code=sign_in.code, browser_hash=sign_in.browser_hash,
                    challenge=sign_in.challenge, created_at=sign_in.created_at,
                    expires_at=sign_in.expires_at))
        except IntegrityError:
            return False
        return True

    def by_code(self, code: str) -> SignIn | None:
        return _sign_in(self._conn.execute(select(point_sign_ins).where(
            point_sign_ins.c.code == code)).first())

    def by_browser(self, browser_hash: str) -> SignIn | None:
        return _sign_in(self._conn.execute(select(point_sign_ins).where(
            point_sign_ins.c.browser_hash == browser_hash)).first())

    def complete(self, code: str, *, resident_id: int, now: datetime) -> bool:
        s = point_sign_ins.c
        return self._conn.execute(update(point_sign_ins).where(
            s.code == code, s.signed_at.is_(None), s.expires_at > now).values(
            resident_id=resident_id, signed_at=now)).rowcount == 1

    def prune(self, *, before: datetime) -> int:
        return self._conn.execute(delete(point_sign_ins).where(
            point_sign_ins.c.expires_at < before)).rowcount
