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


def test_a_new_role_takes_effect_at_the_next_sign_in_and_is_audited() -> None:
    uow, _, admin = _installed()
    staff.add_staff(uow, PlainHasher(), actor=admin, username="op-2", password=PASSWORD,
                    role=Role.OPERATOR, municipality_code=None, now=NOW)
    token = staff.sign_in(uow, PlainHasher(), username="op-2", password=PASSWORD, now=NOW,
                          lifetime=LIFETIME).token
    for role, municipality in ((Role.CLERK, None), (Role.AUDITOR, "13101"),
                               (Role.BOOTH, None)):
        with pytest.raises(InvalidInput):
            staff_admin.change_role(uow, actor=admin, username="op-2", role=role,
                                    municipality_code=municipality, now=NOW)
    with pytest.raises(Conflict):
        staff_admin.change_role(uow, actor=admin, username="root", role=Role.AUDITOR,
                                municipality_code=None, now=NOW)
    with pytest.raises(PermissionDenied):
        staff_admin.change_role(uow, actor=Actor("op-2", Role.OPERATOR), username="op-2",
                                role=Role.ADMIN, municipality_code=None, now=NOW)
    assert staff_admin.change_role(uow, actor=admin, username="op-2", role=Role.CLERK,
                                   municipality_code="13101", now=NOW) == 1
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(uow, token=token, now=NOW)
    token = staff.sign_in(uow, PlainHasher(), username="op-2", password=PASSWORD, now=NOW,
                          lifetime=LIFETIME).token
    assert staff.authenticate(uow, token=token, now=NOW) == Actor("op-2", Role.CLERK, "13101")
    record = uow.audit.records[-2]
    assert record.action == "staff:change-role"
    assert record.details == {"from": "operator", "to": "clerk", "municipality": "13101",
                              "sessions_ended": 1}


def test_ending_a_members_sessions_signs_them_out_everywhere() -> None:
    uow, _, admin = _installed()
    staff.add_staff(uow, PlainHasher(), actor=admin, username="aud", password=PASSWORD,
                    role=Role.AUDITOR, municipality_code=None, now=NOW)
    tokens = [staff.sign_in(uow, PlainHasher(), username="aud", password=PASSWORD, now=NOW,
                            lifetime=LIFETIME).token for _ in range(2)]
    assert staff_admin.end_sessions(uow, actor=admin, username="aud", now=NOW) == 2
    for token in tokens:
        with pytest.raises(AuthenticationFailed):
            staff.authenticate(uow, token=token, now=NOW)
    assert staff_admin.end_sessions(uow, actor=admin, username="aud", now=NOW) == 0
    assert uow.audit.records[-1].action == "staff:end-sessions"
    with pytest.raises(NotFound):
        staff_admin.end_sessions(uow, actor=admin, username="nobody", now=NOW)


def test_a_page_session_ends_when_left_idle_and_at_the_latest_after_its_longest() -> None:
    uow, _, admin = _installed()
    staff.add_staff(uow, PlainHasher(), actor=admin, username="idle", password=PASSWORD,
                    role=Role.AUDITOR, municipality_code=None, now=NOW)
    idle, longest = timedelta(minutes=15), timedelta(minutes=40)
    token = staff.sign_in(uow, PlainHasher(), username="idle", password=PASSWORD, now=NOW,
                          lifetime=idle).token
    at = NOW
    for _ in range(2):  # used every 14 minutes: still open after 28
        at += timedelta(minutes=14)
        staff.authenticate_idle(uow, token=token, now=at, idle=idle, longest=longest)
    with pytest.raises(AuthenticationFailed):  # 40 minutes after sign-in, however used
        staff.authenticate_idle(uow, token=token, now=NOW + longest, idle=idle,
                                longest=longest)
    other = staff.sign_in(uow, PlainHasher(), username="idle", password=PASSWORD, now=NOW,
                          lifetime=idle).token
    with pytest.raises(AuthenticationFailed):  # left alone for 15 minutes
        staff.authenticate_idle(uow, token=other, now=NOW + idle, idle=idle, longest=longest)
