"""A foreign resident's periods of stay (resident_stays), in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from mynumbercard.adapters.db.tables import resident_stays
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.stay import Stay


class SqlStays:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, resident_id: int, stay: Stay, *, now: datetime) -> int:
        result = self._conn.execute(insert(resident_stays).values(
            resident_id=resident_id, until=stay.until, granted_on=stay.granted_on,
            card_id=stay.card_id, card_extended_on=stay.card_extended_on, recorded_at=now))
        (new_id,) = result.inserted_primary_key or (0,)
        return int(new_id)

    def of_resident(self, resident_id: int) -> Sequence[Stay]:
        rows = self._conn.execute(
            select(resident_stays).where(resident_stays.c.resident_id == resident_id)
            .order_by(resident_stays.c.granted_on, resident_stays.c.id))
        return [Stay(r.until, r.granted_on, r.card_id, r.card_extended_on) for r in rows]

    def extend_card(self, stay_id: int, *, card_id: int, on: date) -> None:
        result = self._conn.execute(
            update(resident_stays).where(resident_stays.c.id == stay_id,
                                         resident_stays.c.card_id.is_(None))
            .values(card_id=card_id, card_extended_on=on))
        if result.rowcount != 1:
            raise Conflict("this period of stay has extended a card already")
