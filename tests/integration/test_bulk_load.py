"""Bulk loading of synthetic residents on SQLite and PostgreSQL (``database_url`` from
conftest.py: a freshly migrated database with the municipalities loaded, once per kind)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.db.tables import municipalities, resident_events, residents
from mynumbercard.adapters.municipalities import directory
from mynumbercard.cli.main import app
from mynumbercard.domain import individual_number
from mynumbercard.generators import bulk

from cli_checks import console_script, runner

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def bulk_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _scalar(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def _generate(engine: Engine, count: int, seed: int, chunk_size: int = 1_500) -> int:
    return bulk.generate_residents(engine, count=count, seed=seed, today=TODAY, now=NOW,
                                   chunk_size=chunk_size)


def test_residents_and_their_events_are_written(bulk_engine: Engine) -> None:
    assert _generate(bulk_engine, 5_000, seed=1) == 5_000
    assert _scalar(bulk_engine, "SELECT count(*) FROM residents") == 5_000
    assert _scalar(bulk_engine, "SELECT count(DISTINCT individual_number) FROM residents") == 5_000
    assert _scalar(bulk_engine, "SELECT count(*) FROM resident_events") == 10_000
    for kind in ("registered", "number_assigned"):
        assert _scalar(bulk_engine, "SELECT count(DISTINCT resident_id) FROM resident_events "
                                    "WHERE kind = :kind", kind=kind) == 5_000
    assert _scalar(bulk_engine, """
        SELECT count(*) FROM resident_events e JOIN residents r ON r.id = e.resident_id
        WHERE e.kind = 'number_assigned' AND (e.occurred_on <> r.number_assigned_on
              OR e.from_municipality <> r.municipality_code)""") == 0
    assert _scalar(bulk_engine, """
        SELECT count(*) FROM resident_events e JOIN residents r ON r.id = e.resident_id
        WHERE e.kind = 'registered' AND (e.occurred_on < r.birth_date
              OR e.to_municipality <> r.municipality_code)""") == 0
    foreign = _scalar(bulk_engine, "SELECT count(*) FROM residents WHERE nationality <> 'JP'")
    assert 60 < foreign < 200  # about 2.5 % of 5,000


def test_rows_respect_the_rules(bulk_engine: Engine) -> None:
    _generate(bulk_engine, 3_000, seed=2)
    with bulk_engine.connect() as conn:
        rows = conn.execute(select(residents)).all()
    assert {r.status for r in rows} == {"active"}
    assert {r.sex for r in rows} == {"male", "female"}
    for r in rows:
        assert individual_number.check(r.individual_number).valid
        assert r.number_notice_kind == individual_number.notice_kind_for(
            r.number_assigned_on).value
        assert r.version == 0
        created = r.created_at  # aware on PostgreSQL; SQLite keeps the UTC wall time
        assert (created if created.tzinfo else created.replace(tzinfo=UTC)) == NOW
        assert (r.residence_status == "limited_stay") == (r.period_of_stay_until is not None)
        if r.period_of_stay_until is not None:
            assert r.period_of_stay_until > TODAY
        assert r.birth_date <= r.number_assigned_on <= TODAY


def test_a_later_ordinary_insert_gets_a_fresh_id(bulk_engine: Engine) -> None:
    _generate(bulk_engine, 2_000, seed=3)
    highest = _scalar(bulk_engine, "SELECT max(id) FROM residents")
    with bulk_engine.begin() as conn:
        new_id = conn.execute(insert(residents).values(
            individual_number="123456789018", number_assigned_on=TODAY,
            number_notice_kind="individual_number_notice", family_name="山田", given_name="花子",
            family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=TODAY, sex="female",
            municipality_code="13101", postal_code="1000001", address="千代田1番1号",
            nationality="JP", residence_status="national", status="active",
            created_at=NOW, updated_at=NOW,
        ).returning(residents.c.id)).scalar_one()
        conn.execute(insert(resident_events).values(
            resident_id=new_id, kind="registered", occurred_on=TODAY, to_municipality="13101",
            recorded_at=NOW))
    assert new_id > highest


def test_a_second_run_with_the_same_seed_redraws_every_taken_number(bulk_engine: Engine) -> None:
    _generate(bulk_engine, 2_500, seed=4, chunk_size=1_000)
    first = _scalar(bulk_engine, "SELECT max(id) FROM residents")
    # The same seed draws the same numbers again: every one collides and is redrawn.
    _generate(bulk_engine, 2_500, seed=4, chunk_size=1_000)
    assert _scalar(bulk_engine, "SELECT count(*) FROM residents") == 5_000
    assert _scalar(bulk_engine, "SELECT count(DISTINCT individual_number) FROM residents") == 5_000
    assert _scalar(bulk_engine, "SELECT count(*) FROM resident_events") == 10_000
    assert _scalar(bulk_engine, "SELECT min(id) FROM residents") == 1
    assert _scalar(bulk_engine, "SELECT max(id) FROM residents") == first + 2_500


def test_the_municipalities_are_loaded_when_missing(bulk_engine: Engine) -> None:
    with bulk_engine.begin() as conn:
        conn.execute(municipalities.delete())
    _generate(bulk_engine, 100, seed=5)
    assert _scalar(bulk_engine, "SELECT count(*) FROM municipalities") == len(directory())
    assert _scalar(bulk_engine, "SELECT count(*) FROM residents") == 100


def test_loading_the_municipalities_twice_changes_nothing(bulk_engine: Engine) -> None:
    assert load_municipalities(bulk_engine) == len(directory())
    assert load_municipalities(bulk_engine) == len(directory())
    with bulk_engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(municipalities)).scalar_one()
        chiyoda = conn.execute(select(municipalities).where(municipalities.c.code == "13101")
                               ).one()
    assert count == len(directory())
    assert chiyoda.name == "千代田区"


# --- the command ----------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Settings from the environment, as the command reads them: SQLite in tmp_path."""
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(tmp_path))
    monkeypatch.delenv("MYNUMBERCARD_DATABASE_URL", raising=False)
    return tmp_path


def test_the_command_refuses_an_unmigrated_database(cli_env: Path) -> None:
    result = runner.invoke(app, ["residents", "generate", "--count", "10"])
    assert result.exit_code == 2
    assert "run `mynumbercard db upgrade` first" in result.output


def test_the_command_generates_and_summarises(cli_env: Path) -> None:
    engine = bootstrap.engine()
    migrate.upgrade(engine)
    engine.dispose()
    result = runner.invoke(app, [
        "residents", "generate", "--count", "300", "--seed", "11", "--today", "2026-11-25",
        "--chunk-size", "100",
    ])
    assert result.exit_code == 0, result.output
    assert "seed 11" in result.output
    assert "generated 300 residents as of 2026-11-25" in result.output
    engine = bootstrap.engine()
    assert _scalar(engine, "SELECT count(*) FROM residents") == 300
    engine.dispose()


def test_the_command_refuses_a_malformed_date(cli_env: Path) -> None:
    result = runner.invoke(app, [
        "residents", "generate", "--count", "1", "--today", "25/11/2026"])
    assert result.exit_code != 0


def test_the_installed_command(tmp_path: Path) -> None:
    script = console_script()
    env = {**os.environ, "MYNUMBERCARD_HOME": str(tmp_path)}
    env.pop("MYNUMBERCARD_DATABASE_URL", None)
    subprocess.run([script, "db", "upgrade"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [script, "residents", "generate", "--count", "200", "--seed", "3"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "generated 200 residents" in done.stdout
    assert "seed 3" in done.stderr
