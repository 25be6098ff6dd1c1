"""Managing staff: the first administrator, disabling, new passwords, service accounts."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from mynumbercard.adapters.totp import TotpCodes
from mynumbercard.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff, staff_admin

from fakes import FakeUnitOfWork, PlainHasher

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PASSWORD = "long enough password"
LIFETIME = timedelta(minutes=15)


def _installed() -> tuple[FakeUnitOfWork, TotpCodes, Actor]:
    uow, codes = FakeUnitOfWork(), TotpCodes(secrets.token_bytes(32))
    uri = staff_admin.bootstrap_admin(uow, PlainHasher(), codes, username="root",
                                      password=PASSWORD, now=NOW)
    staff.sign_in(uow, PlainHasher(), username="root", password=PASSWORD, now=NOW,
                  lifetime=LIFETIME, codes=codes, totp=pyotp.parse_uri(uri).at(NOW))
    return uow, codes, Actor("root", Role.ADMIN)


def test_the_first_admin_comes_with_a_second_factor_and_only_once() -> None:
    uow, codes, _ = _installed()
    assert uow.audit.records[0].actor == "root"
    assert uow.audit.records[0].details == {"role": "admin", "bootstrap": True}
    with pytest.raises(Conflict):
        staff_admin.bootstrap_admin(uow, PlainHasher(), codes, username="second",
                                    password=PASSWORD, now=NOW)
    assert staff_admin.needs_second_factor(uow, username="root")
    assert not staff_admin.needs_second_factor(uow, username="nobody")


def test_disable_ends_the_sessions_and_refuses_oneself() -> None:
    uow, _, admin = _installed()
    staff.add_staff(uow, PlainHasher(), actor=admin, username="clerk", password=PASSWORD,
                    role=Role.CLERK, municipality_code="13101", now=NOW)
    token = staff.sign_in(uow, PlainHasher(), username="clerk", password=PASSWORD, now=NOW,
                          lifetime=LIFETIME).token
    with pytest.raises(Conflict):
        staff_admin.disable_staff(uow, actor=admin, username="root", now=NOW)
    with pytest.raises(PermissionDenied):
        staff_admin.disable_staff(uow, actor=Actor("clerk", Role.CLERK, "13101"),
                                  username="clerk", now=NOW)
    with pytest.raises(NotFound):
        staff_admin.disable_staff(uow, actor=admin, username="nobody", now=NOW)
    assert staff_admin.disable_staff(uow, actor=admin, username="clerk", now=NOW) == 1
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(uow, token=token, now=NOW)
    assert uow.audit.records[-1].action == "staff:disable"


def test_a_new_password_replaces_the_old_and_ends_the_sessions() -> None:
    uow, _, admin = _installed()
    staff.add_staff(uow, PlainHasher(), actor=admin, username="op-1", password=PASSWORD,
                    role=Role.OPERATOR, municipality_code=None, now=NOW)
    token = staff.sign_in(uow, PlainHasher(), username="op-1", password=PASSWORD, now=NOW,
                          lifetime=LIFETIME).token
    with pytest.raises(InvalidInput):
        staff_admin.reset_password(uow, PlainHasher(), actor=admin, username="op-1",
                                   password="short", now=NOW)
    assert staff_admin.reset_password(uow, PlainHasher(), actor=admin, username="op-1",
                                      password="another long one", now=NOW) == 1
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(uow, token=token, now=NOW)
    staff.sign_in(uow, PlainHasher(), username="op-1", password="another long one", now=NOW,
                  lifetime=LIFETIME)


def test_a_service_account_acts_within_its_scopes_until_disabled() -> None:
    uow, _, admin = _installed()
    made = staff_admin.add_service_account(
        uow, PlainHasher(), actor=admin, username="cron", role=Role.OPERATOR,
        municipality_code=None, scopes=frozenset({"jobs"}), now=NOW)
    assert made.credential not in repr(made)
    stored = uow.staff.find_by_username("cron")
    assert stored is not None
    assert stored.credential_hash != made.credential
    actor = staff_admin.authenticate_service(uow, credential=made.credential, scope="jobs",
                                             now=NOW)
    assert actor == Actor("cron", Role.OPERATOR)
    assert uow.audit.records[-1].action == "staff:run-service"
    with pytest.raises(PermissionDenied):
        staff_admin.authenticate_service(uow, credential=made.credential, scope="mail",
                                         now=NOW)
    with pytest.raises(AuthenticationFailed):  # a credential is not a password
        staff.sign_in(uow, PlainHasher(), username="cron", password=made.credential,
                      now=NOW, lifetime=LIFETIME)
    with pytest.raises(InvalidInput):
        staff_admin.reset_password(uow, PlainHasher(), actor=admin, username="cron",
                                   password=PASSWORD, now=NOW)
    staff_admin.disable_staff(uow, actor=admin, username="cron", now=NOW)
    with pytest.raises(AuthenticationFailed):
        staff_admin.authenticate_service(uow, credential=made.credential, scope="jobs",
                                         now=NOW)


@pytest.mark.parametrize(("role", "scopes"), [
    (Role.OPERATOR, frozenset()),
    (Role.OPERATOR, frozenset({"card"})),
    (Role.BOOTH, frozenset({"jobs"})),
    (Role.CLERK, frozenset({"jobs"})),  # a clerk without a municipality
])
def test_bad_service_accounts_are_refused(role: Role, scopes: frozenset[str]) -> None:
    uow, _, admin = _installed()
    with pytest.raises(InvalidInput):
        staff_admin.add_service_account(uow, PlainHasher(), actor=admin, username="cron",
                                        role=role, municipality_code=None, scopes=scopes,
                                        now=NOW)
