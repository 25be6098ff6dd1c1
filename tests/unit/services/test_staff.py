"""Staff accounts and sessions, on in-memory fakes."""

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
    PermissionDenied,
)
from mynumbercard.domain.sign_in import LOCK_FOR, MAX_FAILURES
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff

from fakes import FakeUnitOfWork, PlainHasher

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ADMIN = Actor("root", Role.ADMIN)
PASSWORD = "long enough password"


def _uow_with_clerk() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    staff.add_staff(uow, PlainHasher(), actor=ADMIN, username="clerk", password=PASSWORD,
                    role=Role.CLERK, municipality_code="13101", now=NOW)
    return uow


def test_adding_staff_is_for_admins_and_is_audited() -> None:
    uow = _uow_with_clerk()
    assert uow.audit.records[-1].action == "staff:add"
    assert uow.audit.records[-1].actor == "root"
    stored = uow.staff.find_by_username("clerk")
    assert stored is not None
    assert PASSWORD not in stored.password_hash
    assert PASSWORD not in repr(stored)
    with pytest.raises(PermissionDenied):
        staff.add_staff(uow, PlainHasher(), actor=Actor("c", Role.CLERK, "13101"),
                        username="other", password=PASSWORD, role=Role.AUDITOR,
                        municipality_code=None, now=NOW)
    with pytest.raises(Conflict):
        staff.add_staff(uow, PlainHasher(), actor=ADMIN, username="clerk", password=PASSWORD,
                        role=Role.AUDITOR, municipality_code=None, now=NOW)


@pytest.mark.parametrize(("role", "municipality", "password"), [
    (Role.CLERK, None, PASSWORD),  # a clerk needs a municipality
    (Role.AUDITOR, "13101", PASSWORD),  # only clerks have one
    (Role.AUDITOR, None, "short"),
])
def test_bad_accounts_are_refused_with_a_clear_error(role: Role, municipality: str | None,
                                                     password: str) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput) as refused:
        staff.add_staff(uow, PlainHasher(), actor=ADMIN, username="someone", password=password,
                        role=role, municipality_code=municipality, now=NOW)
    assert password not in str(refused.value)
    assert uow.staff.rows == {}


def test_sign_in_opens_a_short_session_and_sign_out_closes_it() -> None:
    uow = _uow_with_clerk()
    issued = staff.sign_in(uow, PlainHasher(), username="clerk", password=PASSWORD, now=NOW,
                           lifetime=timedelta(minutes=15))
    assert issued.token not in repr(issued)
    assert issued.token not in str(uow.sessions.rows)  # only its hash is kept
    actor = staff.authenticate(uow, token=issued.token, now=NOW + timedelta(minutes=14))
    assert (actor.name, actor.role, actor.municipality_code) == ("clerk", Role.CLERK, "13101")
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(uow, token=issued.token, now=NOW + timedelta(minutes=15))
    staff.sign_out(uow, token=issued.token, now=NOW)
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(uow, token=issued.token, now=NOW)


def test_wrong_password_and_unknown_user_fail_alike() -> None:
    uow = _uow_with_clerk()
    errors = []
    for username, password in (("clerk", "wrong password!!"), ("nobody", PASSWORD)):
        with pytest.raises(AuthenticationFailed) as failed:
            staff.sign_in(uow, PlainHasher(), username=username, password=password, now=NOW,
                          lifetime=timedelta(minutes=15))
        errors.append(str(failed.value))
    assert errors[0] == errors[1]
    assert uow.sessions.rows == {}


# The sign-in guard: audited failures, the lock, sign-out, TOTP (real codes, a random key).

def _codes() -> TotpCodes:
    return TotpCodes(secrets.token_bytes(32))


def _sign_in(uow: FakeUnitOfWork, password: str = PASSWORD, *, username: str = "clerk",
             at: datetime = NOW, codes: TotpCodes | None = None,
             totp: str | None = None) -> staff.IssuedToken:
    return staff.sign_in(uow, PlainHasher(), username=username, password=password, now=at,
                         lifetime=timedelta(minutes=15), codes=codes, totp=totp)


def test_failed_sign_ins_are_audited_without_the_password_or_the_typed_name() -> None:
    uow = _uow_with_clerk()
    with pytest.raises(AuthenticationFailed):
        _sign_in(uow, "wrong password!")
    with pytest.raises(AuthenticationFailed):
        _sign_in(uow, username="my secret password")  # typed into the wrong field
    failed = [r for r in uow.audit.records if r.action == "staff:fail-sign-in"]
    assert [(r.actor, r.details) for r in failed] == [
        ("clerk", {"reason": "password"}), ("anonymous", {"reason": "unknown-user"})]
    assert "secret" not in repr(uow.audit.records)
    assert "wrong password" not in repr(uow.audit.records)


def test_five_failures_lock_the_account_and_the_lock_is_audited_and_answers_alike() -> None:
    uow = _uow_with_clerk()
    for n in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed) as wrong:
            _sign_in(uow, "wrong password!", at=NOW + timedelta(seconds=n))
    assert [r.action for r in uow.audit.records].count("staff:lock") == 1
    with pytest.raises(AuthenticationFailed) as locked:
        _sign_in(uow, at=NOW + timedelta(minutes=5))  # the right password, locked
    assert locked.value.message == wrong.value.message  # no oracle
    assert uow.audit.records[-1].details == {"reason": "locked"}
    assert _sign_in(uow, at=NOW + LOCK_FOR + timedelta(seconds=5)).token


def test_sign_out_is_audited_and_a_dead_token_is_refused() -> None:
    uow = _uow_with_clerk()
    issued = _sign_in(uow)
    staff.sign_out(uow, token=issued.token, now=NOW)
    assert (uow.audit.records[-1].action, uow.audit.records[-1].actor) == (
        "staff:sign-out", "clerk")
    for token in (issued.token, "any string at all"):
        with pytest.raises(AuthenticationFailed):
            staff.sign_out(uow, token=token, now=NOW)


def test_an_admin_signs_in_only_with_a_one_time_code_used_once() -> None:
    uow = FakeUnitOfWork()
    staff.add_staff(uow, PlainHasher(), actor=ADMIN, username="boss", password=PASSWORD,
                    role=Role.ADMIN, municipality_code=None, now=NOW)
    codes = _codes()
    with pytest.raises(AuthenticationFailed, match="totp-enrol"):
        _sign_in(uow, username="boss", codes=codes)
    uri = staff.enrol_totp(uow, codes, actor=ADMIN, username="boss", now=NOW)
    assert uow.audit.records[-1].action == "staff:enrol-totp"
    secret = pyotp.parse_uri(uri).secret
    assert secret not in repr(uow.sign_in.rows)  # sealed
    code = pyotp.TOTP(secret).at(NOW)
    with pytest.raises(AuthenticationFailed):
        _sign_in(uow, username="boss", codes=codes)  # no code
    with pytest.raises(AuthenticationFailed):
        _sign_in(uow, username="boss", codes=codes, totp=str((int(code) + 1) % 10**6).zfill(6))
    assert _sign_in(uow, username="boss", codes=codes, totp=code).token
    with pytest.raises(AuthenticationFailed):  # the same code again: a replay
        _sign_in(uow, username="boss", codes=codes, totp=code, at=NOW + timedelta(seconds=5))
    assert uow.audit.records[-1].details == {"reason": "totp-replayed"}
    later = NOW + timedelta(seconds=30)
    assert _sign_in(uow, username="boss", codes=codes, totp=pyotp.TOTP(secret).at(later),
                    at=later).token


def test_enrolling_is_for_staff_managers() -> None:
    uow = _uow_with_clerk()
    with pytest.raises(PermissionDenied):
        staff.enrol_totp(uow, _codes(), actor=Actor("c", Role.CLERK, "13101"),
                         username="clerk", now=NOW)
