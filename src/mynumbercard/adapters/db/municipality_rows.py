"""The municipalities table, filled from ``adapters/municipalities.py``'s directory."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from mynumbercard.adapters.db.tables import municipalities, residents
from mynumbercard.adapters.municipalities import directory


def has_register(engine: Engine) -> bool:
    """Is the schema there (the ``residents`` table exists)?"""
    return inspect(engine).has_table(residents.name)


def load_municipalities(engine: Engine) -> int:
    """Insert or update every municipality and ward of ``directory()``; idempotent."""
    rows = [
        {"code": m.code, "name": m.name, "kana": m.kana, "prefecture": m.prefecture,
         "prefecture_kana": m.prefecture_kana, "designated_city_code": m.designated_city_code}
        for m in directory()
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(municipalities)
    stmt = stmt.on_conflict_do_update(
        index_elements=[municipalities.c.code],
        set_={c.name: stmt.excluded[c.name] for c in municipalities.c if c.name != "code"},
    )
    with engine.begin() as conn:
        conn.execute(stmt, rows)
    return len(rows)


def municipality_codes(conn: Connection) -> set[str]:
    return set(conn.execute(select(municipalities.c.code)).scalars())
