"""The offices', bookings' and crowding's use cases against their small units of work in
memory (tests/office_fakes.py): booking, a full slot, one active booking per resident
and purpose, a closed day that cancels and tells by e-mail, walk-ins counted. The SQL
is tested in integration/test_offices.py and test_crowding.py."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time

import pytest

from mynumbercard.domain.appointments import Appointment, AppointmentStatus, Purpose
from mynumbercard.domain.card import NewCard
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.offices import DayException, Office, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.walk_ins import WalkInStep
from mynumbercard.services import appointments, crowding, offices, register
from mynumbercard.services.audit_actions import AuditAction
from office_fakes import OfficeFakeUnit

ADMIN = Actor("admin", Role.ADMIN)
CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
BORN = date(1990, 6, 1)
TUESDAY = date(2026, 12, 1)
NOW = datetime(2026, 11, 30, 1, tzinfo=UTC)  # Monday 10:00 in Japan
NO_HOLIDAYS: frozenset[date] = frozenset()


def _office(counters: int = 1) -> Office:
    return Office(code="13101", name="千代田区役所", postal_code="1028688",
                  address="東京都千代田区九段南1-2-1", phone="03-3264-2111",
                  counters=counters, slot_minutes=30,
                  rules=parse_rules(dict.fromkeys(("mon", "tue", "wed", "thu", "fri"),
                                                  "08:30-17:15")))


def _unit(counters: int = 1) -> OfficeFakeUnit:
    uow = OfficeFakeUnit()
    offices.configure_office(uow, NO_HOLIDAYS, actor=ADMIN, office=_office(counters), now=NOW)
    return uow


def _holder(uow: OfficeFakeUnit, card_number: str, seed: int) -> str:
    resident = register.register_resident(
        uow, actor=CLERK, now=NOW, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN,
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(2026, 4, 1), rng=random.Random(seed))
    uow.cards.add(NewCard(card_number, resident.id, date(2026, 4, 2), date(2036, 4, 2)),
                  now=NOW)
    return card_number


def _book(uow: OfficeFakeUnit, card_number: str, *, at: time = time(9),
          purpose: Purpose = Purpose.PICK_UP, email: str | None = None,
          ) -> Appointment:
    return appointments.book(uow, NO_HOLIDAYS, office_code="13101", purpose=purpose,
                             application_id=None, card_number=card_number, birth_date=BORN,
                             on=TUESDAY, at=at, email=email, now=NOW)


def test_a_booking_takes_a_place_of_its_slot_and_is_audited() -> None:
    uow = _unit(counters=2)
    booking = _book(uow, _holder(uow, "C00000000001", 1))
    found = appointments.availability(uow, NO_HOLIDAYS, office_code="13101", start=TUESDAY,
                                      days=1, now=NOW)
    free = {s.local_time: s.free for s in found.days[0].slots}
    utc_hour = booking.starts_at.astimezone(UTC).hour  # 09:00 in Japan is 00:00 UTC
    assert (booking.status, utc_hour, free[time(9)], free[time(9, 30)]) == (
        AppointmentStatus.BOOKED, 0, 1, 2)
    assert uow.audit.records[-1].action is AuditAction.APPOINTMENT_BOOK


def test_a_full_slot_is_not_booked_twice() -> None:
    uow = _unit(counters=1)
    _book(uow, _holder(uow, "C00000000001", 1))
    second = _holder(uow, "C00000000002", 2)
    with pytest.raises(Conflict, match="full"):
        _book(uow, second)
    assert len(uow.appointments.rows) == 1
    assert _book(uow, second, at=time(9, 30)).status is AppointmentStatus.BOOKED


def test_a_resident_has_one_active_booking_per_purpose() -> None:
    uow = _unit(counters=3)
    card = _holder(uow, "C00000000001", 1)
    first = _book(uow, card)
    with pytest.raises(Conflict, match="active booking"):
        _book(uow, card, at=time(10))
    assert _book(uow, card, at=time(10),
                 purpose=Purpose.CERTIFICATE_RENEWAL).status is AppointmentStatus.BOOKED
    appointments.cancel(uow, reference=first.reference, birth_date=BORN, now=NOW)
    assert _book(uow, card, at=time(11)).status is AppointmentStatus.BOOKED


def test_closing_a_day_cancels_its_bookings_frees_their_places_and_tells_by_email() -> None:
    uow = _unit(counters=1)
    booking = _book(uow, _holder(uow, "C00000000001", 1), email="hanako@example.jp")
    changed = offices.set_day(uow, NO_HOLIDAYS, actor=ADMIN, code="13101",
                              exception=DayException(TUESDAY, (), "研修"), on=TUESDAY, now=NOW)
    assert ([b.id for b in changed.displaced], changed.hours.is_open) == ([booking.id], False)
    stored = uow.appointments.by_reference(booking.reference)
    assert stored is not None
    assert stored.status is AppointmentStatus.OFFICE_CLOSED
    assert uow.appointments.taken_between("13101", booking.starts_at,
                                          booking.starts_at.replace(hour=23)) == {}
    told = uow.email.queued[f"appointment:{booking.id}:office-closed"]
    assert told.recipient == "hanako@example.jp"
    assert booking.reference in told.body
    listed = appointments.displaced(uow, NO_HOLIDAYS, actor=CLERK, code="13101", now=NOW)
    assert [d.booking.id for d in listed] == [booking.id]
    assert listed[0].offers


def test_walk_ins_are_counted_in_their_hour() -> None:
    uow = _unit()
    walk_in = crowding.record_walk_in(uow, actor=CLERK, office_code="13101",
                                      purpose=Purpose.PICK_UP, now=NOW)
    crowding.record_walk_in(uow, actor=CLERK, office_code="13101",
                            purpose=Purpose.PICK_UP, now=NOW)
    assert walk_in.id is not None
    later = NOW.replace(minute=20)
    crowding.mark_walk_in(uow, actor=CLERK, walk_in_id=walk_in.id, step=WalkInStep.STARTED,
                          now=later)
    (hour,) = uow.hours_seen.between("13101", date(2026, 11, 30), date(2026, 11, 30))
    assert (hour.hour, hour.arrivals, hour.waits, hour.wait_seconds) == (10, 2, 1, 1200)
    assert uow.walk_ins.waiting("13101", since=NOW.replace(hour=0)) == 1
    assert [r.action for r in uow.audit.records[-3:]] == [
        AuditAction.WALK_IN_ARRIVE, AuditAction.WALK_IN_ARRIVE, AuditAction.WALK_IN_START]
