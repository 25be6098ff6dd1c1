"""Shared fixtures: migrated databases on SQLite and PostgreSQL, a wired container.

Each test that asks for `database_url` runs twice, once per database. The schema is
migrated once per session into a template (a file for SQLite, a template database for
PostgreSQL) and each test gets a fresh copy, so tests are isolated and fast.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from leak_plugin import (  # noqa: F401 - the leak scan's hooks
    pytest_sessionfinish,
    pytest_testnodedown,
    run_log,
)
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.passwords import Argon2Hasher
from mynumbercard.bootstrap import Container
from mynumbercard.config import Settings

from pgcluster import PgCluster, find_pg_bin

_counter = itertools.count()
NO_POSTGRES = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
    "postgresql package (`.ci/run` does) to run the PostgreSQL half of the integration tests"
)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if find_pg_bin() is None:
        pytest.skip(NO_POSTGRES)
    cluster = PgCluster.start()
    try:
        engine = make_engine(cluster.url)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("CREATE DATABASE template_mnc")
            )
        engine.dispose()
        template = make_engine(cluster.database_url("template_mnc"))
        migrate.upgrade(template)
        load_municipalities(template)
        template.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    load_municipalities(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated database with the municipalities loaded."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"t{next(_counter)}"
    admin = make_engine(cluster.url)
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"CREATE DATABASE {name} TEMPLATE template_mnc")
        )
    admin.dispose()
    return cluster.database_url(name)


class FrozenClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


# Real argon2id at its lowest cost: the production cost (tests/unit/adapters/test_passwords.py)
# is about 0.2 s of CPU a hash, and the API tests sign in a few accounts each.
TEST_HASHER = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def container(database_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Container]:
    settings = Settings(home=tmp_path, database_url=database_url)
    wired = Container(settings=settings, engine=make_engine(database_url), clock=clock,
                      hasher=TEST_HASHER)
    yield wired
    wired.engine.dispose()


CA_PASSPHRASE = "test CA passphrase"


@pytest.fixture(scope="session")
def ca_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA made once per run (RSA key generation is slow); tests get a copy."""
    from mynumbercard.adapters import ca_setup  # noqa: PLC0415

    directory = tmp_path_factory.mktemp("ca-template") / "ca"
    ca_setup.initialise(
        ca_setup.CaConfig(directory=directory, passphrase=CA_PASSPHRASE,
                          base_url="http://127.0.0.1:8000", crl_shards=4),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return directory


@pytest.fixture
def pki_container(database_url: str, tmp_path: Path, clock: FrozenClock,
                  ca_template: Path) -> Iterator[Container]:
    """A container whose data directory holds a copy of the test CA."""
    shutil.copytree(ca_template, tmp_path / "ca")
    settings = Settings(home=tmp_path, database_url=database_url,
                        ca_passphrase=CA_PASSPHRASE, crl_shards=4)  # type: ignore[arg-type]
    wired = Container(settings=settings, engine=make_engine(database_url), clock=clock,
                      hasher=TEST_HASHER)
    yield wired
    wired.engine.dispose()
