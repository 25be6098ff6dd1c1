"""Offices, their calendars and appointments on a real database (SQLite and PostgreSQL):
the hours of a day, booking, a full slot, one active booking per purpose, change and
cancel, a day closed with bookings on it, the desk; and on PostgreSQL, many concurrent
bookings for the last places of one slot."""

from __future__ import annotations

import threading
import time as time_module
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time

import pytest

from mynumbercard.bootstrap import Container
from mynumbercard.domain.appointments import (
    AppointmentStatus,
    DeskStep,
    NewAppointment,
    Purpose,
)
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mynumbercard.domain.offices import DayException, Office, Window, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import appointments as booking
from mynumbercard.services import cards, register
from mynumbercard.services import offices as service
from mynumbercard.services.application_ports import FormReason
from mynumbercard.services.applications import issue_form

from conftest import FrozenClock

ADMIN = Actor("admin", Role.ADMIN)
CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
OTHER_CLERK = Actor("clerk-minato", Role.CLERK, "13103")
BORN = date(1990, 6, 1)
TUESDAY = date(2026, 12, 1)
WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "fri"), "08:30-17:15")


def office(code: str = "13101", counters: int = 2) -> Office:
    return Office(code=code, name="千代田区役所", postal_code="1028688",
                  address="東京都千代田区九段南1-2-1", phone="03-3264-2111",
                  counters=counters, slot_minutes=30,
                  rules=parse_rules({**WEEKDAYS, "thu": "08:30-19:00"}, "sun@2,4 09:00-12:00"))


def resident_with_card(wired: Container, number: str) -> None:
    person = register.register_resident(
        wired.uow, actor=ADMIN, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN, sex=Sex.FEMALE,
        municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=BORN)
    cards.register_card(wired.uow, actor=ADMIN, resident_id=person.id or 0,
                        card_number=number, applied_on=date(2025, 3, 1),
                        issued_on=date(2025, 3, 1), now=wired.clock())


@pytest.fixture
def wired(container: Container, clock: FrozenClock) -> Container:
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 10:00 in Japan
    service.load_offices(container.uow, container.holidays, actor=ADMIN,
                         offices=[office(), office("13101-02", 1)], now=clock.now)
    return container


def _book(wired: Container, card: str, *, at: time = time(10), on: date = TUESDAY,
          purpose: Purpose = Purpose.PICK_UP, code: str = "13101",
          birth_date: date = BORN) -> booking.Appointment:
    return booking.book(wired.uow, wired.holidays, office_code=code, purpose=purpose,
                        application_id=None, card_number=card, birth_date=birth_date,
                        on=on, at=at, email=None, now=wired.clock())


def test_hours_of_a_day_from_the_rules_the_holidays_and_the_exceptions(
        wired: Container) -> None:
    def hours(on: date, code: str = "13101") -> dict[str, object]:
        return service.office_hours(wired.uow, wired.holidays, code=code, on=on).as_json(code)

    assert hours(TUESDAY) == {"office": "13101", "date": "2026-12-01",
                              "open": [["08:30", "17:15"]], "closed_reason": None}
    assert hours(date(2026, 12, 3))["open"] == [["08:30", "19:00"]]
    assert hours(date(2027, 1, 11))["closed_reason"] == "holiday"  # 成人の日
    assert hours(date(2026, 12, 30))["closed_reason"] == "year_end"
    assert hours(date(2026, 12, 5))["closed_reason"] == "weekly"
    service.set_day(wired.uow, wired.holidays, actor=ADMIN, code="13101-02",
                    exception=DayException(date(2027, 1, 11), (Window(time(9), time(12)),)),
                    on=date(2027, 1, 11), now=wired.clock())
    assert hours(date(2027, 1, 11), "13101-02")["open"] == [["09:00", "12:00"]]
    with pytest.raises(NotFound, match="no office 13102"):
        hours(TUESDAY, "13102")
    with pytest.raises(PermissionDenied):
        service.load_offices(wired.uow, wired.holidays, actor=CLERK, offices=[office()],
                             now=wired.clock())


def test_a_slot_takes_its_capacity_and_one_booking_per_purpose(wired: Container) -> None:
    for number in ("CARD-1", "CARD-2", "CARD-3"):
        resident_with_card(wired, number)
    first = _book(wired, "CARD-1")
    assert first.status is AppointmentStatus.BOOKED
    assert len(first.reference) == 10
    _book(wired, "CARD-2")
    with pytest.raises(Conflict, match="full"):
        _book(wired, "CARD-3")  # two counters, one booking each
    with pytest.raises(Conflict, match="already"):
        _book(wired, "CARD-1", at=time(11))  # the same purpose again
    _book(wired, "CARD-1", at=time(11), purpose=Purpose.PIN_UNLOCK)  # another purpose
    found = booking.availability(wired.uow, wired.holidays, office_code="13101",
                                 start=TUESDAY, days=1, now=wired.clock())
    free = {f"{s.local_time:%H:%M}": s.free for s in found.days[0].slots}
    assert (free["10:00"], free["11:00"], free["08:30"]) == (0, 1, 2)
    assert list(free)[-1] == "16:30"  # the last whole slot before 17:15


def test_no_booking_in_the_past_on_a_closed_day_outside_hours_or_by_a_stranger(
        wired: Container) -> None:
    resident_with_card(wired, "CARD-1")
    cases = [({"on": date(2026, 11, 30), "at": time(9, 30)}, InvalidInput, "past"),
             ({"on": date(2026, 12, 5)}, Conflict, "closed"),
             ({"on": date(2026, 12, 29)}, Conflict, "year_end"),
             ({"at": time(18)}, InvalidInput, "slot"),
             ({"at": time(10, 10)}, InvalidInput, "slot"),
             ({"birth_date": date(1990, 6, 2)}, NotFound, "no application or card"),
             ({"code": "13199"}, NotFound, "no office")]
    for changes, error, message in cases:
        with pytest.raises(error, match=message):
            _book(wired, "CARD-1", **changes)  # type: ignore[arg-type]
    with pytest.raises(NotFound) as unknown:
        _book(wired, "NO-SUCH-CARD")
    with pytest.raises(NotFound) as wrong_birth:
        _book(wired, "CARD-1", birth_date=date(2000, 1, 1))
    assert unknown.value.message == wrong_birth.value.message
    found = booking.availability(wired.uow, wired.holidays, office_code="13101",
                                 start=TUESDAY, days=1, now=wired.clock())
    assert all(s.free == 2 for s in found.days[0].slots)  # nothing was booked


def test_an_application_id_identifies_the_resident_too(wired: Container) -> None:
    person = register.register_resident(
        wired.uow, actor=ADMIN, now=wired.clock(), family_name="佐藤", given_name="蓮",
        family_name_kana="サトウ", given_name_kana="レン", birth_date=BORN, sex=Sex.MALE,
        municipality_code="13101", postal_code="1000001", address="千代田2番2号",
        registered_on=BORN)
    form = issue_form(wired.uow, actor=ADMIN, resident_id=person.id or 0,
                      reason=FormReason.FIRST, now=wired.clock())
    made = booking.book(wired.uow, wired.holidays, office_code="13101",
                        purpose=Purpose.OTHER, application_id=form.application_id,
                        card_number=None, birth_date=BORN, on=TUESDAY, at=time(14),
                        email="hanako@example.jp", now=wired.clock())
    assert made.resident_id == person.id
    assert made.email == "hanako@example.jp"


def test_change_and_cancel_with_the_reference_and_the_birth_date(wired: Container) -> None:
    resident_with_card(wired, "CARD-1")
    made = _book(wired, "CARD-1")
    moved = booking.change(wired.uow, wired.holidays, reference=made.reference.lower(),
                           birth_date=BORN, on=date(2026, 12, 3), at=time(18, 30),
                           now=wired.clock())
    assert moved.starts_at == datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 18:30 in Japan
    with pytest.raises(NotFound, match="no booking"):
        booking.cancel(wired.uow, reference=made.reference, birth_date=date(2000, 1, 1),
                       now=wired.clock())
    with pytest.raises(NotFound, match="no booking"):
        booking.cancel(wired.uow, reference="NOT A REF", birth_date=BORN, now=wired.clock())
    gone = booking.cancel(wired.uow, reference=made.reference, birth_date=BORN,
                          now=wired.clock())
    assert gone.status is AppointmentStatus.CANCELLED
    found = booking.availability(wired.uow, wired.holidays, office_code="13101",
                                 start=TUESDAY, days=3, now=wired.clock())
    assert all(s.free == 2 for d in found.days for s in d.slots)  # both places given back
    _book(wired, "CARD-1")  # a cancelled booking is not active: book again


def test_closing_a_day_cancels_its_bookings_and_lists_them(wired: Container) -> None:
    resident_with_card(wired, "CARD-1")
    resident_with_card(wired, "CARD-2")
    morning = _book(wired, "CARD-1", at=time(9))
    afternoon = _book(wired, "CARD-2", at=time(15))
    changed = service.set_day(wired.uow, wired.holidays, actor=ADMIN, code="13101",
                              exception=DayException(TUESDAY, (Window(time(13), time(17)),),
                                                     "午前は研修"),
                              on=TUESDAY, now=wired.clock())
    assert [b.reference for b in changed.displaced] == [morning.reference]
    closed = service.set_day(wired.uow, wired.holidays, actor=ADMIN, code="13101",
                             exception=DayException(TUESDAY, ()), on=TUESDAY,
                             now=wired.clock())
    assert [b.reference for b in closed.displaced] == [afternoon.reference]
    assert closed.hours.closed_reason is not None
    told = booking.displaced(wired.uow, wired.holidays, actor=CLERK, code="13101",
                             now=wired.clock())
    assert {d.booking.reference for d in told} == {morning.reference, afternoon.reference}
    assert {d.booking.status for d in told} == {AppointmentStatus.OFFICE_CLOSED}
    # Offered instead: the next free slots after each, past the closed Tuesday.
    assert [f"{at.astimezone(JST):%m-%d %H:%M}" for at in told[0].offers] == [
        "12-02 08:30", "12-02 09:00", "12-02 09:30"]
    with pytest.raises(NotFound, match="no office 13101"):
        booking.displaced(wired.uow, wired.holidays, actor=OTHER_CLERK, code="13101",
                          now=wired.clock())
    service.set_day(wired.uow, wired.holidays, actor=ADMIN, code="13101", exception=None,
                    on=TUESDAY, now=wired.clock())
    _book(wired, "CARD-1", at=time(9))  # open again, and the resident may book again


def test_fewer_counters_or_shorter_hours_cancel_the_bookings_they_no_longer_hold(
        wired: Container) -> None:
    for number in ("CARD-1", "CARD-2", "CARD-3"):
        resident_with_card(wired, number)
    first, second = _book(wired, "CARD-1"), _book(wired, "CARD-2")
    evening = _book(wired, "CARD-3", on=date(2026, 12, 3), at=time(18))
    loaded = service.load_offices(wired.uow, wired.holidays, actor=ADMIN,
                                  offices=[office(counters=1)], now=wired.clock())
    assert (loaded.added, loaded.replaced) == (0, 1)
    assert [b.reference for b in loaded.displaced] == [second.reference]  # the latest
    shorter = Office(code="13101", name="千代田区役所", postal_code="1028688",
                     address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=1,
                     rules=parse_rules({**WEEKDAYS, "thu": "08:30-17:15"}))
    loaded = service.load_offices(wired.uow, wired.holidays, actor=ADMIN, offices=[shorter],
                                  now=wired.clock())
    assert [b.reference for b in loaded.displaced] == [evening.reference]  # no evening
    told = booking.displaced(wired.uow, wired.holidays, actor=CLERK, code="13101",
                             now=wired.clock())
    assert {d.booking.reference for d in told} == {second.reference, evening.reference}
    found = booking.availability(wired.uow, wired.holidays, office_code="13101",
                                 start=TUESDAY, days=1, now=wired.clock())
    free = {f"{s.local_time:%H:%M}": s.free for s in found.days[0].slots}
    assert free["10:00"] == 0  # the first booking keeps its place
    assert first.reference not in {d.booking.reference for d in told}


def test_the_desk_marks_arrival_service_and_no_show(wired: Container,
                                                    clock: FrozenClock) -> None:
    resident_with_card(wired, "CARD-1")
    resident_with_card(wired, "CARD-2")
    served = _book(wired, "CARD-1")
    missed = _book(wired, "CARD-2", at=time(10, 30))
    with pytest.raises(Conflict, match="after the slot"):
        booking.mark(wired.uow, actor=CLERK, reference=missed.reference,
                     step=DeskStep.NO_SHOW, now=wired.clock())
    clock.now = datetime(2026, 12, 1, 0, 55, tzinfo=UTC)  # 9:55 on the day
    for step in (DeskStep.ARRIVED, DeskStep.STARTED, DeskStep.ENDED):
        booking.mark(wired.uow, actor=CLERK, reference=served.reference, step=step,
                     now=wired.clock())
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    booking.mark(wired.uow, actor=CLERK, reference=missed.reference, step=DeskStep.NO_SHOW,
                 now=wired.clock())
    day = booking.day_list(wired.uow, actor=CLERK, office_code="13101", on=TUESDAY)
    assert [(b.reference, b.status) for b in day] == [
        (served.reference, AppointmentStatus.DONE),
        (missed.reference, AppointmentStatus.NO_SHOW)]
    assert day[0].arrived_at
    assert day[0].started_at
    assert day[0].ended_at
    with pytest.raises(Conflict):
        booking.mark(wired.uow, actor=CLERK, reference=served.reference,
                     step=DeskStep.ARRIVED, now=wired.clock())
    for stranger, error in ((OTHER_CLERK, NotFound), (Actor("op", Role.OPERATOR),
                                                      PermissionDenied)):
        with pytest.raises(error):
            booking.day_list(wired.uow, actor=stranger, office_code="13101", on=TUESDAY)
        with pytest.raises(error):
            booking.mark(wired.uow, actor=stranger, reference=served.reference,
                         step=DeskStep.ENDED, now=wired.clock())


@pytest.mark.postgres
def test_many_at_once_for_one_slot_take_exactly_its_capacity(
        container: Container, clock: FrozenClock, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the race is PostgreSQL's to settle (SQLite writers queue)")
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    service.load_offices(container.uow, container.holidays, actor=ADMIN,
                         offices=[office(counters=3)], now=clock.now)
    numbers = [f"RACE-{i:03d}" for i in range(100)]
    for number in numbers:
        resident_with_card(container, number)

    def attempt(number: str) -> str:
        try:
            _book(container, number)
        except DomainError as error:
            return type(error).__name__
        return "booked"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, numbers))
    assert outcomes.count("booked") == 3
    assert outcomes.count("Conflict") == 97
    found = booking.availability(container.uow, container.holidays, office_code="13101",
                                 start=TUESDAY, days=1, now=clock.now)
    assert {f"{s.local_time:%H:%M}": s.free for s in found.days[0].slots}["10:00"] == 0


@pytest.mark.postgres
def test_a_day_closed_while_a_booking_is_in_flight_displaces_it(
        wired: Container, database_url: str) -> None:
    """The booking holds the office's row (FOR SHARE) until it commits; closing the day
    takes it FOR UPDATE, so it waits, then sees the booking and cancels it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: nothing can be in flight")
    resident_with_card(wired, "CARD-1")
    with wired.uow() as uow:
        card = uow.cards.find_by_number("CARD-1")
    assert card is not None
    holding, closed = threading.Event(), []

    def close_the_day() -> None:
        holding.wait()
        closed.append(service.set_day(wired.uow, wired.holidays, actor=ADMIN, code="13101",
                                      exception=DayException(TUESDAY, ()), on=TUESDAY,
                                      now=wired.clock()))

    closer = threading.Thread(target=close_the_day)
    closer.start()
    starts_at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    with wired.uow() as uow:
        office_row = uow.offices.get("13101", lock="share")
        assert office_row is not None
        holding.set()
        time_module.sleep(0.5)  # the closing is waiting for this transaction
        assert closed == []
        assert uow.appointments.take_place("13101", starts_at, office_row.capacity)
        uow.appointments.add(NewAppointment(reference="ABCDEFGHJK", office_code="13101",
                                            starts_at=starts_at, purpose=Purpose.PICK_UP,
                                            resident_id=card.resident_id), now=wired.clock())
        uow.commit()
    closer.join(timeout=30)
    assert [b.reference for b in closed[0].displaced] == ["ABCDEFGHJK"]
