"""Walk-ins and the hours the desk saw, on SQLAlchemy Core (docs/offices.md "Crowding").

An hour's row is made on its first mark (INSERT … ON CONFLICT DO NOTHING) and added to
with `UPDATE … SET n = n + :n`, so concurrent marks at two counters both count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.mail_repositories import insert_ignoring_duplicates
from mynumbercard.adapters.db.tables import office_hours_seen as seen_rows
from mynumbercard.adapters.db.tables import walk_ins
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.walk_ins import WalkIn, WalkInStatus

COUNTS = ("arrivals", "waits", "wait_seconds", "served", "service_seconds")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _walk_in(row: Row[Any]) -> WalkIn:
    m = row._mapping
    return WalkIn(id=m["id"], office_code=m["office_code"], purpose=Purpose(m["purpose"]),
                  arrived_at=as_utc(m["arrived_at"]), status=WalkInStatus(m["status"]),
                  started_at=as_utc(m["started_at"]) if m["started_at"] else None,
                  ended_at=as_utc(m["ended_at"]) if m["ended_at"] else None,
                  version=m["version"])


class SqlWalkIns:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, walk_in: WalkIn) -> int:
        w = walk_in
        result = self._conn.execute(insert(walk_ins).values(
            office_code=w.office_code, purpose=w.purpose.value, status=w.status.value,
            arrived_at=_utc(w.arrived_at), started_at=_utc(w.started_at),
            ended_at=_utc(w.ended_at), version=0))
        (w.id,) = result.inserted_primary_key or (None,)
        return int(w.id or 0)

    def get(self, walk_in_id: int) -> WalkIn | None:
        row = self._conn.execute(select(walk_ins).where(walk_ins.c.id == walk_in_id)).first()
        return _walk_in(row) if row else None

    def save(self, walk_in: WalkIn) -> None:
        w = walk_in
        result = self._conn.execute(
            update(walk_ins).where(walk_ins.c.id == w.id, walk_ins.c.version == w.version)
            .values(status=w.status.value, started_at=_utc(w.started_at),
                    ended_at=_utc(w.ended_at), version=w.version + 1))
        if result.rowcount != 1:
            raise Conflict("the walk-in was marked meanwhile: reload and retry")
        w.version += 1

    def of_day(self, office_code: str, start: datetime, end: datetime, *,
               limit: int) -> Sequence[WalkIn]:
        rows = self._conn.execute(
            select(walk_ins).where(walk_ins.c.office_code == office_code,
                                   walk_ins.c.arrived_at >= _utc(start),
                                   walk_ins.c.arrived_at < _utc(end))
            .order_by(walk_ins.c.arrived_at, walk_ins.c.id).limit(limit))
        return [_walk_in(row) for row in rows]

    def waiting(self, office_code: str, *, since: datetime) -> int:
        return int(self._conn.scalar(
            select(func.count()).select_from(walk_ins).where(
                walk_ins.c.office_code == office_code,
                walk_ins.c.status == WalkInStatus.WAITING.value,
                walk_ins.c.arrived_at >= _utc(since))) or 0)


class SqlHoursSeen:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, office_code: str, seen: HourSeen) -> None:
        counts = {seen_rows.c[name]: seen_rows.c[name] + getattr(seen, name)
                  for name in COUNTS if getattr(seen, name)}
        if not counts:
            return
        key = {"office_code": office_code, "day": seen.day, "hour": seen.hour}
        self._conn.execute(insert_ignoring_duplicates(self._conn, seen_rows).values(**key))
        self._conn.execute(
            update(seen_rows).where(*(seen_rows.c[k] == v for k, v in key.items()))
            .values(counts))

    def between(self, office_code: str, first: date, last: date) -> Sequence[HourSeen]:
        rows = self._conn.execute(
            select(seen_rows.c.day, seen_rows.c.hour, *(seen_rows.c[n] for n in COUNTS))
            .where(seen_rows.c.office_code == office_code, seen_rows.c.day >= first,
                   seen_rows.c.day <= last))
        return [HourSeen(r.day, r.hour, r.arrivals, r.waits, r.wait_seconds, r.served,
                         r.service_seconds) for r in rows]
