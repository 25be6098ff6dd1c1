"""Loss reports of cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.tables import card_loss_reports as reports
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.loss import LossReport, LossStatus, NewLossReport, ReportedVia


def _report(row: Row[Any]) -> LossReport:
    m = row._mapping
    return LossReport(id=m["id"], card_id=m["card_id"], via=ReportedVia(m["via"]),
                      reported_at=as_utc(m["reported_at"]), reported_by=m["reported_by"],
                      status=LossStatus(m["status"]),
                      closed_at=as_utc(m["closed_at"]) if m["closed_at"] else None,
                      closed_by=m["closed_by"], version=m["version"])


class SqlLossReports:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, report: NewLossReport) -> LossReport:
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(insert(reports).values(
                    card_id=report.card_id, via=report.via.value,
                    reported_at=report.reported_at, reported_by=report.reported_by,
                    status=LossStatus.OPEN.value, version=0))
        except IntegrityError:  # the partial unique index: one open report per card
            raise Conflict("this card is reported lost already") from None
        (new_id,) = result.inserted_primary_key or (0,)
        return report.stored(int(new_id))

    def open_for_card(self, card_id: int) -> LossReport | None:
        row = self._conn.execute(select(reports).where(
            reports.c.card_id == card_id, reports.c.status == "open")).first()
        return _report(row) if row else None

    def last_for_card(self, card_id: int) -> LossReport | None:
        row = self._conn.execute(select(reports).where(reports.c.card_id == card_id)
                                 .order_by(reports.c.id.desc()).limit(1)).first()
        return _report(row) if row else None

    def save(self, report: LossReport, *, now: datetime) -> None:
        result = self._conn.execute(
            update(reports).where(reports.c.id == report.id,
                                  reports.c.version == report.version)
            .values(status=report.status.value, closed_at=report.closed_at,
                    closed_by=report.closed_by, version=report.version + 1))
        if result.rowcount != 1:
            raise Conflict("the loss report was changed meanwhile: reload and retry")
        report.version += 1
