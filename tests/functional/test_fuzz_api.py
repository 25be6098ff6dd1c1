"""Schemathesis against the app's own OpenAPI schema, in process, as every role.

Every operation is called with generated requests (valid and invalid) signed in as each
role in turn and as nobody; no answer may be a 5xx, and answers must match the schema
where it describes them. `make test` runs a few examples per operation and role;
`make fuzz` runs many more (MYNUMBERCARD_FUZZ_EXAMPLES), on SQLite and on PostgreSQL
(MYNUMBERCARD_FUZZ_DATABASE).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import text

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.bootstrap import Container
from mynumbercard.config import Settings
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import register
from mynumbercard.services import staff as staff_service
from mynumbercard.web.app import Application, create_app

from api_checks import add_account, admin_code
from conftest import CA_PASSPHRASE, TEST_HASHER, FrozenClock

EXAMPLES = int(os.environ.get("MYNUMBERCARD_FUZZ_EXAMPLES", "3"))
DATABASE = os.environ.get("MYNUMBERCARD_FUZZ_DATABASE", "sqlite")
PASSWORD = "fuzzing password 2026"
ROLES = {
    "clerk": (Role.CLERK, "13101"), "operator": (Role.OPERATOR, None),
    "auditor": (Role.AUDITOR, None), "admin": (Role.ADMIN, None),
    "booth": (Role.BOOTH, None),
}
# Signing out would end the session the rest of the run signs in with.
SIGN_OUT = "/api/v1/auth/sign-out"
SIGN_IN = "/api/v1/auth/token"


def _database(request: pytest.FixtureRequest, home: Path) -> str:
    """SQLite by default; MYNUMBERCARD_FUZZ_DATABASE=postgresql for the test cluster."""
    if DATABASE == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        admin = make_engine(cluster.url)
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("CREATE DATABASE fuzz TEMPLATE template_mnc"))
        admin.dispose()
        return str(cluster.database_url("fuzz"))
    shutil.copy(request.getfixturevalue("sqlite_template"), home / "fuzz.sqlite3")
    return f"sqlite:///{home / 'fuzz.sqlite3'}"


@pytest.fixture(scope="module")
def wired(request: pytest.FixtureRequest, ca_template: Path,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    home = tmp_path_factory.mktemp("fuzz-home")
    shutil.copytree(ca_template, home / "ca")
    url = _database(request, home)
    config = Settings(home=home, database_url=url, ca_passphrase=CA_PASSPHRASE, crl_shards=4)
    clock = FrozenClock(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
    container = Container(settings=config, engine=make_engine(url), clock=clock,
                          hasher=TEST_HASHER)
    admin = Actor("fuzz-setup", Role.ADMIN)
    for role, (kind, municipality) in ROLES.items():
        add_account(container, f"fuzz-{role}", PASSWORD, kind, municipality)
    for given_name in ("一郎", "二郎"):  # small ids exist, so look-ups find something
        register.register_resident(
            container.uow, actor=admin, now=clock(), family_name="鈴木", given_name=given_name,
            family_name_kana="スズキ", given_name_kana="イチロウ", birth_date=date(1990, 1, 2),
            sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
            address="千代田1番1号", registered_on=date(2020, 6, 1))
    yield container
    container.engine.dispose()


@pytest.fixture(params=["anonymous", *ROLES])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def tokens(wired: Container) -> dict[str, str]:
    """One sign-in per role for the whole module (a password check costs half a second)."""
    return {role: staff_service.sign_in(
        wired.uow, wired.hasher, username=f"fuzz-{role}", password=PASSWORD,
        now=wired.clock(), lifetime=wired.settings.token_lifetime,
        codes=wired.one_time_codes, totp=admin_code(wired) if role == "admin" else None).token
        for role in ROLES}


@pytest.fixture
def credentials(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}


@pytest.fixture(scope="module")
def app(wired: Container) -> Application:
    return create_app(wired)


# The schema does not depend on the data: read it from an app wired to nothing, and call
# the app wired to the test's data directory.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(cast("Container", None))).exclude(method="POST", path=SIGN_OUT)


@schema.parametrize()
# The bounded run is the same every time; a longer one (make fuzz) explores afresh.
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          derandomize="MYNUMBERCARD_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case: schemathesis.Case, app: Application,
                                          credentials: dict[str, str], role: str) -> None:
    if role != "anonymous" and case.operation.path == SIGN_IN:
        pytest.skip("signing in is the same for everyone: fuzzed once, anonymously")
    response = case.call(app=app, headers=credentials)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


def test_the_fuzzer_finds_a_server_error() -> None:
    """The harness is not blind: an app that fails on one input is caught."""
    from fastapi import FastAPI  # noqa: PLC0415

    app = FastAPI()

    @app.get("/boom/{n}")
    def boom(n: int) -> dict[str, int]:
        return {"n": 10 // (n % 3)}  # a ZeroDivisionError for every third n

    operation = schemathesis.openapi.from_asgi("/openapi.json", app)["/boom/{n}"]["GET"]

    @settings(max_examples=50, deadline=None, database=None, derandomize=True)
    @given(case=operation.as_strategy(), _=st.none())
    def call(case: schemathesis.Case, _: None) -> None:
        case.validate_response(case.call(), checks=[not_a_server_error])

    with pytest.raises(Exception, match=r"division or modulo by zero|Server error"):
        call()
