"""Cards and certificates expiring on chosen days, written straight into a migrated
database: the cohorts the validity jobs work on."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from mynumbercard.adapters.db.tables import cards, certificates
from mynumbercard.adapters.db.tables import residents as residents_table
from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import JST
from mynumbercard.generators.bulk import generate_residents

NOW = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)


def cards_expiring(container: Container, expiries: list[date], *, seed: int = 1) -> list[int]:
    """One synthetic resident with an active card for each expiry date; card ids."""
    generate_residents(container.engine, count=len(expiries), seed=seed, today=NOW.date())
    with container.engine.begin() as conn:
        start = (conn.execute(select(func.max(cards.c.id))).scalar() or 0) + 1
        people = list(conn.execute(select(residents_table.c.id).order_by(
            residents_table.c.id.desc()).limit(len(expiries))).scalars())
        conn.execute(insert(cards), [
            {"card_number": f"CARD{start + i:012d}", "resident_id": person,
             "status": "active", "issued_on": expiry.replace(year=expiry.year - 10),
             "expires_on": expiry, "applied_on": None, "version": 0, "created_at": NOW,
             "updated_at": NOW}
            for i, (person, expiry) in enumerate(zip(people, expiries, strict=True))])
        return list(conn.execute(select(cards.c.id).where(cards.c.id >= start)
                                 .order_by(cards.c.id)).scalars())


def certificate_expiring(container: Container, card_id: int, expiry: date) -> None:
    last_second = datetime.combine(expiry, time(23, 59, 59), tzinfo=JST).astimezone(UTC)
    with container.engine.begin() as conn:
        conn.execute(insert(certificates).values(
            serial=format(random.getrandbits(100), "x"), kind="auth", card_id=card_id,
            status="active", not_before=last_second - timedelta(days=1800),
            not_after=last_second, shard=0, der=None, version=0, created_at=NOW,
            updated_at=NOW))
