"""Offices and their calendars: configured by an administrator, read by everyone.

Closing a day (or narrowing its hours) that has bookings marks those bookings
`office_closed` in the same transaction and frees their places; they are listed for the
residents to be told (`displaced`), with free slots to offer instead.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mynumbercard.domain.appointments import Appointment, AppointmentStatus
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.office_calendar import DayHours, hours_on, slot_starts
from mynumbercard.domain.offices import DayException, Office, check_office_code
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.ports import AuditRecord, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
Holidays = Collection[date]
MAX_OFFICES_PER_LOAD = 5000
MAX_LIST = 500


def no_office(code: str) -> NotFound:
    return NotFound(f"no office {code}")


def get_office(uow: UnitOfWork, code: str) -> Office:
    office = uow.offices.get(check_office_code(code))
    if office is None:
        raise no_office(code)
    return office


def configure_office(uow_factory: UowFactory, *, actor: Actor, office: Office,
                     now: datetime) -> bool:
    """Add or replace one office (its weekly rules whole); True if it is new."""
    return load_offices(uow_factory, actor=actor, offices=[office], now=now) == 1


def load_offices(uow_factory: UowFactory, *, actor: Actor, offices: Sequence[Office],
                 now: datetime) -> int:
    """Offices in bulk (the CSV load), all or none; how many were new."""
    actor.require(Permission.OFFICE_MANAGE)
    if len(offices) > MAX_OFFICES_PER_LOAD:
        raise InvalidInput(f"at most {MAX_OFFICES_PER_LOAD} offices in one load")
    codes = [o.code for o in offices]
    if len(set(codes)) != len(codes):
        raise InvalidInput("an office code appears twice in the load")
    added = 0
    with uow_factory() as uow:
        for office in offices:
            uow.municipalities.get(office.municipality_code)  # UnknownMunicipality if none
            added += uow.offices.put(office, now=now)
            uow.audit.record(AuditRecord(now, actor.name, "office:configure",
                                         f"office:{office.code}",
                                         {"counters": office.counters,
                                          "slot_minutes": office.slot_minutes}))
        uow.commit()
    return added


def list_offices(uow_factory: UowFactory, *,
                 municipality_code: str | None = None) -> Sequence[Office]:
    with uow_factory() as uow:
        return uow.offices.list(municipality_code)[:MAX_LIST]


def office_detail(uow_factory: UowFactory, *, code: str) -> Office:
    with uow_factory() as uow:
        return get_office(uow, code)


def week_hours(uow: UnitOfWork, holidays: Holidays, office: Office, start: date,
               count: int) -> list[DayHours]:
    """The hours of `count` days from `start`, with one read of the exceptions."""
    exceptions = uow.offices.exceptions(office.code, start, start + timedelta(days=count - 1))
    return [hours_on(office, start + timedelta(days=i), holidays=holidays,
                     exceptions=exceptions) for i in range(count)]


def office_hours(uow_factory: UowFactory, holidays: Holidays, *, code: str,
                 on: date) -> DayHours:
    with uow_factory() as uow:
        office = get_office(uow, code)
        return week_hours(uow, holidays, office, on, 1)[0]


@dataclass(frozen=True, slots=True)
class DayChanged:
    office: str
    hours: DayHours
    displaced: list[Appointment]  # bookings the change cancelled: tell these residents


def set_day(uow_factory: UowFactory, holidays: Holidays, *, actor: Actor, code: str,
            exception: DayException | None, on: date, now: datetime) -> DayChanged:
    """Give one day its own hours (`exception.windows`), close it (no windows), or go
    back to the rules (`exception` None). Bookings whose slot is gone are marked
    `office_closed` and their places freed."""
    actor.require(Permission.OFFICE_MANAGE)
    if exception is not None and exception.on != on:
        raise InvalidInput("the exception is for another day")
    with uow_factory() as uow:
        office = get_office(uow, code)
        if exception is None:
            uow.offices.remove_exception(code, on)
        else:
            uow.offices.put_exception(code, exception)
        hours = week_hours(uow, holidays, office, on, 1)[0]
        kept = set(slot_starts(hours, office.slot_minutes))
        start = datetime.combine(on, datetime.min.time(), JST)
        displaced: list[Appointment] = []
        for booking in uow.appointments.between(code, start, start + timedelta(days=1),
                                                limit=10_000):
            if booking.status is not AppointmentStatus.BOOKED:
                continue
            if booking.starts_at.astimezone(JST).time() in kept:
                continue
            booking.change_status(AppointmentStatus.OFFICE_CLOSED, at=now)
            uow.appointments.save(booking, now=now)
            uow.appointments.free_place(code, booking.starts_at)
            displaced.append(booking)
        uow.audit.record(AuditRecord(
            now, actor.name, "office:day", f"office:{code}",
            {"on": on.isoformat(), "open": [w.as_pair() for w in hours.windows],
             "note": exception.note if exception else "",
             "displaced": [b.id for b in displaced]}))
        uow.commit()
    return DayChanged(code, hours, displaced)


def displaced(uow_factory: UowFactory, *, actor: Actor, code: str,
              now: datetime) -> Sequence[Appointment]:
    """Bookings from today on that the office's closing cancelled: the residents to tell."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    with uow_factory() as uow:
        office = get_office(uow, code)
        actor.require_visible(Permission.APPOINTMENT_DESK,
                              municipality_code=office.municipality_code,
                              hidden=no_office(code).message)
        today = datetime.combine(now.astimezone(JST).date(), datetime.min.time(), JST)
        return uow.appointments.closed_by_office(code, since=today, limit=MAX_LIST)
