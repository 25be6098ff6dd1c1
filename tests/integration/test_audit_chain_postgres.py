"""PostgreSQL only: ids that commit out of order, and the application's role that cannot
rewrite the audit log."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from audit_checks import T0
from audit_checks import write_records as _record
from mynumbercard.adapters.audit_anchor import FileAnchor
from mynumbercard.adapters.db.audit_chain import SqlAuditChain
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.roles import grant_application_role
from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.services.audit_chain import seal_log, verify_log

from pgcluster import PgCluster

_names = itertools.count()
pytestmark = pytest.mark.postgres


@pytest.fixture
def owner_url(pg_cluster: PgCluster) -> str:
    name = f"chain{next(_names)}"
    admin = make_engine(pg_cluster.url)
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"CREATE DATABASE {name} TEMPLATE template_mnc"))
    admin.dispose()
    return pg_cluster.database_url(name)


def test_a_record_still_in_flight_holds_the_seal_back_and_none_is_lost(owner_url: str,
                                                                        tmp_path: Path):
    engine = make_engine(owner_url)
    chain = SqlAuditChain(engine), FileAnchor(tmp_path / "anchor")
    slow = engine.connect()
    slow.begin()
    slow.execute(insert(audit_log).values(at=T0, actor="batch", action="a:b", subject="x:1"))
    _record(engine, 2)  # ids 2 and 3 commit first
    held = seal_log(*chain, now=T0, wait_seconds=0.3)
    assert (held.seals, held.waiting) == (0, True)
    slow.commit()
    slow.close()
    done = seal_log(*chain, now=T0, wait_seconds=5)
    assert (done.seals, done.records, done.waiting) == (1, 3, False)
    result = verify_log(*chain)
    assert result.intact, result.broken
    assert result.records == 3
    engine.dispose()


def test_the_application_role_cannot_rewrite_the_audit_log(owner_url: str, tmp_path: Path):
    owner = make_engine(owner_url)
    role = f"mnc_app_{owner_url.rsplit('/', 1)[1]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    grant_application_role(owner, role)
    app = make_engine(owner_url.replace("postgres@", f"{role}@"))
    _record(app, 3)  # the application writes and seals as itself
    chain = SqlAuditChain(app), FileAnchor(tmp_path / "anchor")
    assert seal_log(*chain, now=T0).seals == 1
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log", "UPDATE audit_seals SET hash = 'x'",
                      "DELETE FROM audit_seals", "TRUNCATE audit_seals",
                      "ALTER TABLE audit_log DISABLE TRIGGER ALL",
                      "SET session_replication_role = replica",
                      "DELETE FROM alembic_version"):
        with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), \
                app.begin() as conn:
            conn.execute(text(statement))
    with app.begin() as conn:  # the register itself stays writable
        conn.execute(text("UPDATE residents SET version = version WHERE id < 0"))
    assert verify_log(*chain).intact
    app.dispose()
    owner.dispose()


def test_grant_refuses_a_role_that_does_not_exist_or_an_odd_name(owner_url: str):
    owner = make_engine(owner_url)
    with pytest.raises(InvalidInput, match="no role nobody_here"):
        grant_application_role(owner, "nobody_here")
    with pytest.raises(InvalidInput, match="lower-case"):
        grant_application_role(owner, 'x"; DROP TABLE residents; --')
    owner.dispose()
