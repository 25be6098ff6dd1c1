"""Migrations run up and down on SQLite and PostgreSQL and match the declared schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import metadata


def test_schema_matches_the_tables_after_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    assert migrate.current(engine) == "0001"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_down_to_base_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) == "0001"
    assert {"residents", "audit_log", "staff"} <= set(inspect(engine).get_table_names())
    engine.dispose()
