"""Look-ups for staff: residents by folded name or address, the review queue.

Every query is bounded (``limit``) and runs on an index (tables.py, migration 0013):
a name with a birth date on (municipality_code, birth_date, kana_key) or (birth_date);
an address on (postal_code, address_key); the queue on (status, received_on, id), for a
municipality before shipping on (status, holder_municipality_code, received_on, id), and
for its cards once shipped on (office_code, status, received_on, id),
keyset-paged (never OFFSET). A prefix is matched with ``LIKE 'prefix%'`` with its
wildcards escaped; on PostgreSQL the keys are in "C" order, so that is an index range.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Connection, and_, or_, select, tuple_

from mynumbercard.adapters.db.application_repositories import _application
from mynumbercard.adapters.db.repositories import _resident_from_row
from mynumbercard.adapters.db.tables import applications, residents
from mynumbercard.domain.application import Application
from mynumbercard.domain.resident import Resident
from mynumbercard.services.lookup_ports import AT_AN_OFFICE, QueueFilter


def _prefix(column: ColumnElement[str], key: str) -> ColumnElement[bool]:
    return column.startswith(key, autoescape=True)


class SqlLookups:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def residents_by_name(self, key: str, *, birth_date: date, municipality_code: str | None,
                          limit: int) -> Sequence[Resident]:
        """Residents born on ``birth_date`` whose folded name or kana starts with ``key``."""
        query = select(residents).where(
            residents.c.birth_date == birth_date,
            or_(_prefix(residents.c.kana_key, key), _prefix(residents.c.name_key, key)))
        if municipality_code is not None:
            query = query.where(residents.c.municipality_code == municipality_code)
        rows = self._conn.execute(query.order_by(residents.c.kana_key, residents.c.id)
                                  .limit(limit))
        return [_resident_from_row(row) for row in rows]

    def residents_by_address(self, postal_code: str, key: str, *,
                             municipality_code: str | None, limit: int,
                             after_id: int = 0) -> Sequence[Resident]:
        """Residents in ``postal_code`` whose folded address starts with ``key``, by id."""
        query = select(residents).where(residents.c.postal_code == postal_code,
                                        residents.c.id > after_id)
        if key:
            query = query.where(_prefix(residents.c.address_key, key))
        if municipality_code is not None:
            query = query.where(residents.c.municipality_code == municipality_code)
        rows = self._conn.execute(query.order_by(residents.c.id).limit(limit))
        return [_resident_from_row(row) for row in rows]

    def application_queue(self, wanted: QueueFilter, *, limit: int
                          ) -> Sequence[Application]:
        """One status, oldest received first, after the cursor (received_on, id)."""
        a = applications
        conditions: list[ColumnElement[bool]] = [a.c.status == wanted.status.value]
        if wanted.channel is not None:
            conditions.append(a.c.channel == wanted.channel.value)
        if wanted.received_from is not None:
            conditions.append(a.c.received_on >= wanted.received_from)
        if wanted.received_to is not None:
            conditions.append(a.c.received_on <= wanted.received_to)
        if wanted.after is not None:
            conditions.append(tuple_(a.c.received_on, a.c.id) > tuple_(*wanted.after))
        town = wanted.municipality_code
        if town is not None:
            # Shipped: where the card went; before: the holder's municipality of today
            # (a copy on the application, migration 0016). Each is an index range.
            conditions.append((a.c.office_code if wanted.status in AT_AN_OFFICE
                               else a.c.holder_municipality_code) == town)
        query = select(a).where(and_(*conditions))
        rows = self._conn.execute(query.order_by(a.c.received_on, a.c.id).limit(limit))
        return [_application(row) for row in rows]
