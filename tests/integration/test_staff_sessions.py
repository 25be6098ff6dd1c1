"""The pages' idle sessions and a change of role, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import AuthenticationFailed
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff, staff_admin

from conftest import FrozenClock

ADMIN = Actor("root", Role.ADMIN)
PASSWORD = "long enough password"


def test_an_idle_session_is_extended_by_use_up_to_its_longest(container: Container,
                                                             clock: FrozenClock):
    start = clock.now
    staff.add_staff(container.uow, container.hasher, actor=ADMIN, username="clerk",
                    password=PASSWORD, role=Role.CLERK, municipality_code="13101", now=start)
    idle, longest = timedelta(minutes=15), timedelta(minutes=40)
    token = staff.sign_in(container.uow, container.hasher, username="clerk",
                          password=PASSWORD, now=start, lifetime=idle).token
    for minutes in (14, 28, 39):
        actor = staff.authenticate_idle(container.uow, token=token, idle=idle,
                                        longest=longest, now=start + timedelta(minutes=minutes))
        assert actor == Actor("clerk", Role.CLERK, "13101")
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(container.uow, token=token, now=start + longest)

    assert staff_admin.change_role(container.uow, actor=ADMIN, username="clerk",
                                   role=Role.OPERATOR, municipality_code=None, now=start) == 1
    token = staff.sign_in(container.uow, container.hasher, username="clerk",
                          password=PASSWORD, now=start, lifetime=idle).token
    assert staff.authenticate(container.uow, token=token, now=start).role is Role.OPERATOR
    assert staff_admin.end_sessions(container.uow, actor=ADMIN, username="clerk",
                                    now=start) == 1


def test_a_session_end_moves_only_by_a_step(container: Container, clock: FrozenClock) -> None:
    """Pages opened within a minute of each other write nothing; the end still moves."""
    from sqlalchemy import select  # noqa: PLC0415

    from mynumbercard.adapters.db.tables import sessions  # noqa: PLC0415

    start = clock.now
    staff.add_staff(container.uow, container.hasher, actor=ADMIN, username="clerk",
                    password=PASSWORD, role=Role.CLERK, municipality_code="13101", now=start)
    idle, longest = timedelta(minutes=15), timedelta(hours=8)
    token = staff.sign_in(container.uow, container.hasher, username="clerk",
                          password=PASSWORD, now=start, lifetime=idle).token

    def end_after(seconds: int) -> timedelta:
        staff.authenticate_idle(container.uow, token=token, idle=idle, longest=longest,
                                now=start + timedelta(seconds=seconds))
        with container.engine.connect() as connection:
            end = connection.scalar(select(sessions.c.expires_at))
        assert end is not None
        return end.replace(tzinfo=start.tzinfo) - start if end.tzinfo is None else end - start

    assert end_after(30) == idle  # half a minute later: not written
    assert end_after(59) == idle
    assert end_after(60) == idle + timedelta(seconds=60)
    assert end_after(90) == idle + timedelta(seconds=60)
