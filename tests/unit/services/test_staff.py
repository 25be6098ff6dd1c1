"""Staff accounts and sessions, on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mynumbercard.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    PermissionDenied,
)
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
