"""A moment bound in Japan time finds the rows of its hours on SQLite too: SQLite keeps
moments as zone-less text and compares the text, so every moment goes in as UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from mynumbercard.adapters.db.tables import Timestamp

JST = timezone(timedelta(hours=9))


def test_a_day_in_japan_time_finds_its_first_hours() -> None:
    table = Table("moments", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", Timestamp, nullable=False))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    early = datetime(2026, 12, 1, 8, 30, tzinfo=JST)  # 2026-11-30 23:30 UTC
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "at": early},
                                     {"id": 2, "at": datetime(2026, 11, 30, 14, tzinfo=UTC)}])
        day = datetime(2026, 12, 1, tzinfo=JST)
        found = conn.execute(select(table.c.id).where(
            table.c.at >= day, table.c.at < day + timedelta(days=1))).scalars().all()
        stored = conn.exec_driver_sql("SELECT at FROM moments WHERE id = 1").scalar()
    assert found == [1]  # 23:30 UTC the day before is 08:30 on the day in Japan
    assert str(stored).startswith("2026-11-30 23:30:00")  # kept as UTC text
