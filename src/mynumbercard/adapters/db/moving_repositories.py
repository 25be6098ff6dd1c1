"""The moving notifications (moving out, moving in, the card's continued use)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.tables import moving_notifications as moves
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.moving import CardLapse, MovingNotice, MovingStatus, NewMovingNotice

_FIELDS = ("resident_id", "origin", "destination", "planned_on", "notified_on", "reference",
           "card_number", "moved_in_on", "moving_in_notified_on", "card_continued_on")


def _notice(row: Row[Any]) -> MovingNotice:
    m = row._mapping
    return MovingNotice(id=m["id"], status=MovingStatus(m["status"]),
                        card_lapsed=CardLapse(m["card_lapsed"]) if m["card_lapsed"] else None,
                        version=m["version"], **{f: m[f] for f in _FIELDS})


def _values(notice: MovingNotice) -> dict[str, Any]:
    return {**{f: getattr(notice, f) for f in _FIELDS}, "status": notice.status.value,
            "card_lapsed": notice.card_lapsed.value if notice.card_lapsed else None}


class SqlMovingNotices:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, notice: NewMovingNotice, *, now: datetime) -> MovingNotice:
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(insert(moves).values(
                    **_values(notice.stored(0)), version=0, created_at=now,
                    updated_at=now))
        except IntegrityError:
            raise Conflict("the resident has a moving-out notification already (or the "
                           "certificate number was taken: try again)") from None
        (new_id,) = result.inserted_primary_key or (0,)
        return notice.stored(int(new_id))

    def _one(self, condition: Any, *, lock: bool = False) -> MovingNotice | None:
        query = select(moves).where(condition).order_by(moves.c.id.desc()).limit(1)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return _notice(row) if row is not None else None

    def open_of_resident(self, resident_id: int) -> MovingNotice | None:
        return self._one(and_(moves.c.resident_id == resident_id,
                              moves.c.status == MovingStatus.MOVING_OUT.value))

    def by_reference(self, reference: str, *, lock: bool = False) -> MovingNotice | None:
        return self._one(moves.c.reference == reference, lock=lock)

    def by_card(self, card_number: str, *, lock: bool = False) -> MovingNotice | None:
        """The newest move that carried this card."""
        return self._one(moves.c.card_number == card_number, lock=lock)

    def save(self, notice: MovingNotice, *, now: datetime) -> None:
        done = self._conn.execute(
            update(moves).where(moves.c.id == notice.id, moves.c.version == notice.version)
            .values(**_values(notice), version=notice.version + 1, updated_at=now))
        if done.rowcount != 1:
            raise Conflict("the move was changed meanwhile: look again")
        notice.version += 1

    def with_card_pending(self, *, after_id: int, limit: int) -> Sequence[MovingNotice]:
        """Moves whose card is neither continued nor lapsed yet, by id."""
        rows = self._conn.execute(
            select(moves).where(
                moves.c.id > after_id, moves.c.card_number.is_not(None),
                moves.c.card_lapsed.is_(None), moves.c.card_continued_on.is_(None),
                moves.c.status.in_([MovingStatus.MOVING_OUT.value,
                                    MovingStatus.MOVED_IN.value]))
            .order_by(moves.c.id).limit(limit)).all()
        return [_notice(r) for r in rows]
