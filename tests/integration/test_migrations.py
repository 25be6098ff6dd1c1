"""Migrations run up and down on SQLite and PostgreSQL and match the declared schema."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from mynumbercard.adapters.db import migrate, tables
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import metadata
from mynumbercard.bootstrap import Container
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, register


def test_schema_matches_the_tables_after_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    assert migrate.current(engine) == "0036"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_down_to_base_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) == "0036"
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


def test_0007_down_keeps_a_lapsed_card_as_returned(container: Container) -> None:
    now = container.clock()
    admin = Actor("admin", Role.ADMIN)
    resident = register.register_resident(
        container.uow, actor=admin, now=now, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 6, 1))
    card = cards.register_card(container.uow, actor=admin, resident_id=resident.id or 0,
                               card_number="CARD-L", applied_on=date(2026, 11, 1),
                               issued_on=date(2026, 11, 20), now=now)
    register.record_death(container.uow, actor=admin, resident_id=resident.id or 0,
                          died_on=date(2026, 11, 24), now=now)
    with container.engine.connect() as conn:
        assert conn.scalar(select(tables.cards.c.status)
                           .where(tables.cards.c.id == card.id)) == "lapsed"
    migrate.downgrade(container.engine, "0006")
    with container.engine.connect() as conn:
        assert conn.scalar(select(tables.cards.c.status)
                           .where(tables.cards.c.id == card.id)) == "returned"
    migrate.upgrade(container.engine)
    assert migrate.current(container.engine) == "0036"


def test_0014_down_and_up_keeps_the_register_with_a_former_surname_and_stays(
        container: Container) -> None:
    from mynumbercard.domain.resident import ResidenceStatus  # noqa: PLC0415
    from mynumbercard.services import life_events  # noqa: PLC0415

    now = container.clock()
    admin = Actor("admin", Role.ADMIN)
    resident = register.register_resident(
        container.uow, actor=admin, now=now, family_name="グエン", given_name="ラン",
        family_name_kana="グエン", given_name_kana="ラン", birth_date=date(1990, 6, 1),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(2024, 4, 1), nationality="VN",
        residence_status=ResidenceStatus.LIMITED_STAY, period_of_stay_until=date(2027, 3, 31))
    cards.register_card(container.uow, actor=admin, resident_id=resident.id or 0,
                        card_number="CARD-S", applied_on=date(2026, 11, 1),
                        issued_on=date(2026, 11, 20), now=now)
    life_events.change_name(container.uow, actor=admin, resident_id=resident.id or 0,
                            family_name="佐藤", given_name="ラン", family_name_kana="サトウ",
                            given_name_kana="ラン", changed_on=date(2026, 11, 21),
                            show_former_surname=True, now=now)
    migrate.downgrade(container.engine, "0009")
    assert "resident_stays" not in inspect(container.engine).get_table_names()
    assert "former_family_name" not in {
        c["name"] for c in inspect(container.engine).get_columns("residents")}
    migrate.upgrade(container.engine)
    with container.engine.connect() as conn:
        assert conn.scalar(select(tables.residents.c.family_name)
                           .where(tables.residents.c.id == resident.id)) == "佐藤"
