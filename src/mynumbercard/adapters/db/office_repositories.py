"""Offices, their exceptions, appointment slots and appointments on SQLAlchemy Core.

Moments are stored in UTC (SQLite keeps no offset); a slot's counter row is made on its
first booking (INSERT … ON CONFLICT DO NOTHING) and taken with a conditional UPDATE, so
the database, not the application, decides who gets the last place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.mail_repositories import insert_ignoring_duplicates
from mynumbercard.adapters.db.tables import appointment_slots as slots
from mynumbercard.adapters.db.tables import appointments, office_days, offices
from mynumbercard.domain.appointments import (
    Appointment,
    AppointmentStatus,
    NewAppointment,
    Purpose,
)
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.offices import DayException, Office, Weekday, WeeklyRule, Window


def _window(pair: list[str]) -> Window:
    return Window(time.fromisoformat(pair[0]), time.fromisoformat(pair[1]))


def rules_json(rules: Sequence[WeeklyRule]) -> list[dict[str, Any]]:
    return [{"weekday": r.weekday.key, "weeks": sorted(r.weeks) if r.weeks else None,
             "open": [w.as_pair() for w in r.windows]} for r in rules]


def _rules(data: list[dict[str, Any]]) -> tuple[WeeklyRule, ...]:
    return tuple(WeeklyRule(Weekday.parse(r["weekday"]),
                            tuple(_window(p) for p in r["open"]),
                            frozenset(r["weeks"]) if r["weeks"] else None) for r in data)


def _office(row: Row[Any]) -> Office:
    m = row._mapping
    return Office(code=m["code"], name=m["name"], postal_code=m["postal_code"],
                  address=m["address"], phone=m["phone"], counters=m["counters"],
                  per_counter=m["per_counter"], slot_minutes=m["slot_minutes"],
                  rules=_rules(m["rules"]), version=m["version"],
                  handoff_wait_minutes=m["handoff_wait_minutes"])


class SqlOffices:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, office: Office, *, now: datetime) -> bool:
        values = {"municipality_code": office.municipality_code, "name": office.name,
                  "postal_code": office.postal_code, "address": office.address,
                  "phone": office.phone, "counters": office.counters,
                  "per_counter": office.per_counter, "slot_minutes": office.slot_minutes,
                  "rules": rules_json(office.rules), "updated_at": now,
                  "handoff_wait_minutes": office.handoff_wait_minutes}
        changed = self._conn.execute(update(offices).where(offices.c.code == office.code)
                                     .values(version=offices.c.version + 1, **values))
        if changed.rowcount == 1:
            return False
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(offices).values(code=office.code, version=0,
                                                          **values))
        except IntegrityError:  # added meanwhile by another load: theirs stands
            raise Conflict(f"office {office.code} was added meanwhile: load again") from None
        return True

    def get(self, code: str, *, lock: str | None = None) -> Office | None:
        query = select(offices).where(offices.c.code == code)
        if lock is not None:  # PostgreSQL: FOR SHARE / FOR UPDATE (SQLite: writers queue)
            query = query.with_for_update(read=lock == "share")
        row = self._conn.execute(query).first()
        return _office(row) if row else None

    def list(self, municipality_code: str | None = None) -> Sequence[Office]:
        query = select(offices).order_by(offices.c.code)
        if municipality_code is not None:
            query = query.where(offices.c.municipality_code == municipality_code)
        return [_office(row) for row in self._conn.execute(query)]

    def exceptions(self, code: str, start: date, end: date) -> dict[date, DayException]:
        rows = self._conn.execute(select(office_days).where(
            office_days.c.office_code == code, office_days.c.on >= start,
            office_days.c.on <= end))
        return {r.on: DayException(r.on, tuple(_window(p) for p in r.windows), r.note)
                for r in rows}

    def put_exception(self, code: str, exception: DayException) -> None:
        self.remove_exception(code, exception.on)
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(office_days).values(
                    office_code=code, on=exception.on, note=exception.note,
                    windows=[w.as_pair() for w in exception.windows]))
        except IntegrityError:  # another administrator set the same day meanwhile
            raise Conflict(f"the hours of {exception.on.isoformat()} were changed "
                           "meanwhile: reload and retry") from None

    def remove_exception(self, code: str, on: date) -> bool:
        result = self._conn.execute(delete(office_days).where(
            office_days.c.office_code == code, office_days.c.on == on))
        return result.rowcount > 0


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _appointment(row: Row[Any]) -> Appointment:
    m = row._mapping

    def moment(name: str) -> datetime | None:
        return as_utc(m[name]) if m[name] else None

    return Appointment(id=m["id"], reference=m["reference"], office_code=m["office_code"],
                       starts_at=as_utc(m["starts_at"]), purpose=Purpose(m["purpose"]),
                       resident_id=m["resident_id"], status=AppointmentStatus(m["status"]),
                       email=m["email"], arrived_at=moment("arrived_at"),
                       started_at=moment("started_at"), ended_at=moment("ended_at"),
                       version=m["version"])


class SqlAppointments:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def take_place(self, office_code: str, starts_at: datetime, capacity: int) -> bool:
        starts_at = _utc(starts_at)
        self._conn.execute(insert_ignoring_duplicates(self._conn, slots).values(
            office_code=office_code, starts_at=starts_at, taken=0))
        # On PostgreSQL concurrent UPDATEs of the row queue on its lock and each re-reads
        # `taken` before its WHERE is decided; on SQLite writers queue at BEGIN IMMEDIATE.
        result = self._conn.execute(
            update(slots).where(slots.c.office_code == office_code,
                                slots.c.starts_at == starts_at, slots.c.taken < capacity)
            .values(taken=slots.c.taken + 1))
        return result.rowcount == 1

    def free_place(self, office_code: str, starts_at: datetime) -> None:
        self._conn.execute(
            update(slots).where(slots.c.office_code == office_code,
                                slots.c.starts_at == _utc(starts_at), slots.c.taken > 0)
            .values(taken=slots.c.taken - 1))

    def taken_between(self, office_code: str, start: datetime,
                      end: datetime) -> dict[datetime, int]:
        rows = self._conn.execute(select(slots.c.starts_at, slots.c.taken).where(
            slots.c.office_code == office_code, slots.c.starts_at >= _utc(start),
            slots.c.starts_at < _utc(end), slots.c.taken > 0))
        return {as_utc(r.starts_at): r.taken for r in rows}

    def add(self, appointment: NewAppointment, *, now: datetime) -> Appointment:
        a = appointment
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(insert(appointments).values(
                    reference=a.reference, office_code=a.office_code,
                    starts_at=_utc(a.starts_at), purpose=a.purpose.value,
                    resident_id=a.resident_id, status=AppointmentStatus.BOOKED.value,
                    email=a.email,
                    version=0, created_at=now, updated_at=now))
        except IntegrityError:  # the partial unique index: one active booking per purpose
            raise Conflict("you have a booking for this purpose already: change or cancel "
                           "it with its reference") from None
        (new_id,) = result.inserted_primary_key or (0,)
        return a.stored(int(new_id))

    def by_reference(self, reference: str) -> Appointment | None:
        row = self._conn.execute(select(appointments)
                                 .where(appointments.c.reference == reference)).first()
        return _appointment(row) if row else None

    def save(self, appointment: Appointment, *, now: datetime) -> None:
        a = appointment
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(
                    update(appointments).where(appointments.c.id == a.id,
                                               appointments.c.version == a.version)
                    .values(status=a.status.value, starts_at=_utc(a.starts_at),
                            email=a.email, arrived_at=a.arrived_at,
                            started_at=a.started_at, ended_at=a.ended_at,
                            version=a.version + 1, updated_at=now))
        except IntegrityError:
            raise Conflict("you have a booking for this purpose already") from None
        if result.rowcount != 1:
            raise Conflict("the booking was changed meanwhile: reload and retry")
        a.version += 1

    def between(self, office_code: str, start: datetime, end: datetime, *,
                limit: int) -> Sequence[Appointment]:
        rows = self._conn.execute(
            select(appointments).where(appointments.c.office_code == office_code,
                                       appointments.c.starts_at >= _utc(start),
                                       appointments.c.starts_at < _utc(end))
            .order_by(appointments.c.starts_at, appointments.c.id).limit(limit))
        return [_appointment(r) for r in rows]

    def closed_by_office(self, office_code: str, *, since: datetime,
                         limit: int) -> Sequence[Appointment]:
        rows = self._conn.execute(
            select(appointments).where(appointments.c.office_code == office_code,
                                       appointments.c.starts_at >= _utc(since),
                                       appointments.c.status == "office_closed")
            .order_by(appointments.c.starts_at, appointments.c.id).limit(limit))
        return [_appointment(r) for r in rows]
