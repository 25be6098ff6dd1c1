"""In-memory fakes for the offices, their bookings and the crowding at their counters
(`services/offices.py`, `appointments.py`, `crowding.py`). The SQL (the conditional
UPDATE of a slot's places, the partial unique index, the row locks) is tested in
integration/test_offices.py and test_crowding.py."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date, datetime

from application_fakes import FakeApplicationStore, FakeCardStore
from custody_fakes import CardCertificates, FakeCustody
from mynumbercard.domain.appointments import Appointment, AppointmentStatus, NewAppointment
from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.offices import DayException, Office
from mynumbercard.domain.walk_ins import WalkIn, WalkInStatus

from fakes import FakeUnitOfWork


class FakeOffices:
    def __init__(self) -> None:
        self.rows: dict[str, Office] = {}
        self.days: dict[tuple[str, date], DayException] = {}

    def put(self, office: Office, *, now: datetime) -> bool:
        new = office.code not in self.rows
        self.rows[office.code] = office
        return new

    def get(self, code: str, *, lock: str | None = None) -> Office | None:
        return self.rows.get(code)

    def list(self, municipality_code: str | None = None) -> Sequence[Office]:
        return [o for c, o in sorted(self.rows.items())
                if municipality_code is None or o.municipality_code == municipality_code]

    def exceptions(self, code: str, start: date, end: date) -> dict[date, DayException]:
        return {on: x for (c, on), x in self.days.items() if c == code and start <= on <= end}

    def put_exception(self, code: str, exception: DayException) -> None:
        self.days[(code, exception.on)] = exception

    def remove_exception(self, code: str, on: date) -> bool:
        return self.days.pop((code, on), None) is not None


class FakeAppointments:
    """Bookings, and each slot's places taken, as the database keeps them."""

    def __init__(self) -> None:
        self.rows: dict[int, Appointment] = {}
        self.places: dict[tuple[str, datetime], int] = {}

    def take_place(self, office_code: str, starts_at: datetime, capacity: int) -> bool:
        key = (office_code, starts_at)
        if self.places.get(key, 0) >= capacity:
            return False
        self.places[key] = self.places.get(key, 0) + 1
        return True

    def free_place(self, office_code: str, starts_at: datetime) -> None:
        key = (office_code, starts_at)
        self.places[key] = max(0, self.places.get(key, 0) - 1)

    def taken_between(self, office_code: str, start: datetime,
                      end: datetime) -> dict[datetime, int]:
        return {at: n for (c, at), n in self.places.items()
                if c == office_code and start <= at < end and n}

    def add(self, appointment: NewAppointment, *, now: datetime) -> Appointment:
        if any(b.active and b.resident_id == appointment.resident_id
               and b.purpose is appointment.purpose for b in self.rows.values()):
            raise Conflict("you have an active booking for this purpose already")
        stored = appointment.stored(len(self.rows) + 1)
        self.rows[stored.id] = copy.deepcopy(stored)
        return stored

    def by_reference(self, reference: str) -> Appointment | None:
        return next((copy.deepcopy(b) for b in self.rows.values()
                     if b.reference == reference), None)

    def save(self, appointment: Appointment, *, now: datetime) -> None:
        if self.rows[appointment.id].version != appointment.version:
            raise Conflict("the booking was changed by someone else meanwhile")
        appointment.version += 1
        self.rows[appointment.id] = copy.deepcopy(appointment)

    def between(self, office_code: str, start: datetime, end: datetime, *,
                limit: int) -> Sequence[Appointment]:
        found = [b for b in self.rows.values()
                 if b.office_code == office_code and start <= b.starts_at < end]
        return [copy.deepcopy(b) for b in sorted(found, key=lambda b: (b.starts_at, b.id))
                ][:limit]

    def closed_by_office(self, office_code: str, *, since: datetime,
                         limit: int) -> Sequence[Appointment]:
        return [b for b in self.between(office_code, since, datetime.max.replace(
            tzinfo=since.tzinfo), limit=limit) if b.status is AppointmentStatus.OFFICE_CLOSED]


class FakeWalkIns:
    def __init__(self) -> None:
        self.rows: dict[int, WalkIn] = {}

    def add(self, walk_in: WalkIn) -> int:
        walk_in.id = len(self.rows) + 1
        self.rows[walk_in.id] = copy.deepcopy(walk_in)
        return walk_in.id

    def get(self, walk_in_id: int) -> WalkIn | None:
        return copy.deepcopy(self.rows.get(walk_in_id))

    def save(self, walk_in: WalkIn) -> None:
        if walk_in.id is None or self.rows[walk_in.id].version != walk_in.version:
            raise Conflict("another clerk marked this walk-in meanwhile")
        walk_in.version += 1
        self.rows[walk_in.id] = copy.deepcopy(walk_in)

    def of_day(self, office_code: str, start: datetime, end: datetime, *,
               limit: int) -> Sequence[WalkIn]:
        found = [w for w in self.rows.values()
                 if w.office_code == office_code and start <= w.arrived_at < end]
        return [copy.deepcopy(w) for w in sorted(found, key=lambda w: (w.arrived_at, w.id))
                ][:limit]

    def waiting(self, office_code: str, *, since: datetime) -> int:
        return sum(1 for w in self.rows.values() if w.office_code == office_code
                   and w.arrived_at >= since and w.status is WalkInStatus.WAITING)


class FakeHoursSeen:
    """Counts per office, day and hour, summed as the database's upsert sums them."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date, int], HourSeen] = {}

    def add(self, office_code: str, seen: HourSeen) -> None:
        key = (office_code, seen.day, seen.hour)
        old = self.rows.get(key, HourSeen(seen.day, seen.hour))
        self.rows[key] = replace(old, **{f.name: getattr(old, f.name) + getattr(seen, f.name)
                                         for f in fields(HourSeen)
                                         if f.name not in {"day", "hour"}})

    def between(self, office_code: str, first: date, last: date) -> Sequence[HourSeen]:
        return [s for (c, day, _), s in sorted(self.rows.items(), key=lambda kv: kv[0][1:])
                if c == office_code and first <= day <= last]


class OfficeFakeUnit(FakeUnitOfWork):
    """An `OfficesUnit`, `AppointmentsUnit` and `CrowdingUnit` in memory, on the
    register's fake unit (its residents register here; e-mail lands in `email`)."""

    def __init__(self) -> None:
        super().__init__()
        self.offices = FakeOffices()
        self.appointments = FakeAppointments()
        self.walk_ins = FakeWalkIns()
        self.hours_seen = FakeHoursSeen()
        self.cards = FakeCardStore()  # type: ignore[assignment]
        self.applications = FakeApplicationStore()  # type: ignore[assignment]
        self.certificates = CardCertificates()
        self.custody = FakeCustody()
