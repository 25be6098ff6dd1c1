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
    assert migrate.current(engine) == "0012"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_down_to_base_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) == "0012"
    assert {"residents", "audit_log", "staff"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_every_revision_steps_down_and_up_one_at_a_time(database_url: str) -> None:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    engine = make_engine(database_url)
    config = migrate.alembic_config(engine)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    for revision in revisions:  # newest first
        assert migrate.current(engine) == revision
        migrate.downgrade(engine, "-1")
    assert migrate.current(engine) is None
    for revision in reversed(revisions):
        migrate.upgrade(engine, "+1")
        assert migrate.current(engine) == revision
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()
