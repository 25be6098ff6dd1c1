"""Crowding on a real database (SQLite and PostgreSQL): walk-ins recorded at once at two
counters all count in their hour's row, the walk-ins waiting now, and the forecast read
back from the rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from mynumbercard.bootstrap import Container
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput, NotFound, PermissionDenied
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.walk_ins import WalkInStatus, WalkInStep
from mynumbercard.services import crowding
from mynumbercard.services import offices as office_service

from conftest import FrozenClock

ADMIN = Actor("admin", Role.ADMIN)
CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
MONDAY_10 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
def wired(container: Container, clock: FrozenClock) -> Container:
    clock.now = MONDAY_10
    office_service.load_offices(container.uow, container.holidays, actor=ADMIN, now=MONDAY_10,
                                offices=[Office(
        code="13101", name="千代田区役所", postal_code="1028688",
        address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=4,
        rules=parse_rules(dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-17:15")))])
    return container


def test_walk_ins_recorded_at_once_all_count(wired: Container) -> None:
    def arrive(i: int) -> int:
        made = crowding.record_walk_in(wired.uow, actor=CLERK, office_code="13101",
                                       purpose=Purpose.OTHER,
                                       now=MONDAY_10 + timedelta(seconds=i))
        return made.id or 0

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(arrive, range(24)))
    assert len(set(ids)) == 24
    for walk_in_id in ids[:10]:
        crowding.mark_walk_in(wired.uow, actor=CLERK, walk_in_id=walk_in_id,
                              step=WalkInStep.STARTED, now=MONDAY_10 + timedelta(minutes=30))
    with wired.uow() as uow:
        (seen,) = uow.hours_seen.between("13101", date(2026, 11, 30), date(2026, 11, 30))
        waiting = uow.walk_ins.waiting("13101", since=datetime(2026, 11, 30, tzinfo=JST))
    assert (seen.hour, seen.arrivals, seen.waits) == (10, 24, 10)
    assert seen.wait_seconds == sum(30 * 60 - i for i in range(10))
    assert waiting == 14
    found = crowding.crowding(wired.uow, wired.holidays, office_code="13101",
                              start=date(2026, 12, 7), days=1,
                              now=MONDAY_10 + timedelta(days=7))
    assert found.wait_at(MONDAY_10 + timedelta(days=7)) == pytest.approx(
        seen.wait_seconds / 10 / 60)


def test_the_desk_is_the_office_municipality_s(wired: Container) -> None:
    minato = Actor("clerk-minato", Role.CLERK, "13103")
    with pytest.raises(NotFound, match="no office 13101"):
        crowding.record_walk_in(wired.uow, actor=minato, office_code="13101",
                                purpose=Purpose.OTHER, now=MONDAY_10)
    with pytest.raises(PermissionDenied):
        crowding.record_walk_in(wired.uow, actor=Actor("ops", Role.OPERATOR),
                                office_code="13101", purpose=Purpose.OTHER, now=MONDAY_10)
    made = crowding.record_walk_in(wired.uow, actor=CLERK, office_code="13101",
                                   purpose=Purpose.OTHER, now=MONDAY_10)
    with pytest.raises(NotFound, match=f"no walk-in {made.id}"):
        crowding.mark_walk_in(wired.uow, actor=minato, walk_in_id=made.id or 0,
                              step=WalkInStep.LEFT, now=MONDAY_10)


def test_the_desk_queue_lists_the_days_walk_ins_with_their_waits(wired: Container) -> None:
    def arrive(at: datetime, office: str = "13101") -> int:
        return crowding.record_walk_in(wired.uow, actor=CLERK, office_code=office,
                                       purpose=Purpose.LOSS, now=at).id or 0

    office_service.load_offices(wired.uow, wired.holidays, actor=ADMIN, now=MONDAY_10,
                                offices=[Office(code="13101-02", name="神保町出張所",
                                                postal_code="1010051",
                                                address="東京都千代田区神田神保町2-40",
                                                phone="03-3264-0000")])
    midnight = datetime(2026, 11, 30, tzinfo=JST)
    sunday = arrive(midnight - timedelta(seconds=1))
    first = arrive(midnight + timedelta(hours=9))
    second = arrive(MONDAY_10)
    gone = arrive(MONDAY_10 + timedelta(minutes=1))
    arrive(MONDAY_10, office="13101-02")
    crowding.mark_walk_in(wired.uow, actor=CLERK, walk_in_id=first, step=WalkInStep.STARTED,
                          now=midnight + timedelta(hours=9, minutes=40), office_code="13101")
    crowding.mark_walk_in(wired.uow, actor=CLERK, walk_in_id=gone, step=WalkInStep.LEFT,
                          now=MONDAY_10 + timedelta(minutes=5))
    with pytest.raises(InvalidInput, match="at another office"):
        crowding.mark_walk_in(wired.uow, actor=CLERK, walk_in_id=second,
                              step=WalkInStep.STARTED, now=MONDAY_10, office_code="13101-02")

    queue = crowding.desk_queue(wired.uow, wired.holidays, actor=CLERK, office_code="13101",
                                on=date(2026, 11, 30), now=MONDAY_10 + timedelta(minutes=25))
    assert [(r.walk_in.id, r.walk_in.status, r.waited_minutes) for r in queue.walk_ins] == [
        (first, WalkInStatus.IN_SERVICE, 40), (second, WalkInStatus.WAITING, 25),
        (gone, WalkInStatus.LEFT, None)]
    assert queue.waiting_now == 1  # Sunday's walk-in waits still, but not today
    assert (queue.expected_wait_minutes, queue.level_minutes, queue.crowded) == (
        None, None, False)  # nothing seen before today, no level set
    (before,) = crowding.desk_queue(wired.uow, wired.holidays, actor=CLERK,
                                    office_code="13101", on=date(2026, 11, 29),
                                    now=MONDAY_10).walk_ins
    assert (before.walk_in.id, before.waited_minutes) == (sunday, 600)  # waits still
    with pytest.raises(NotFound, match="no office 13101"):
        crowding.desk_queue(wired.uow, wired.holidays, actor=Actor("m", Role.CLERK, "13103"),
                            office_code="13101", on=date(2026, 11, 30), now=MONDAY_10)
