"""Offices and their calendars: configured by an administrator, read by everyone.

Closing a day (or narrowing its hours) that has bookings marks those bookings
`office_closed` in the same transaction and frees their places; they are listed for the
residents to be told (`displaced`), with free slots to offer instead.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from mynumbercard.domain.appointments import MAX_DAYS_AHEAD, Appointment, AppointmentStatus
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.office_calendar import DayHours, hours_on, slot_starts
from mynumbercard.domain.offices import DayException, Office, check_office_code
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import appointment_mail
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.email_notices import QueuesEmail
from mynumbercard.services.office_ports import AppointmentRepository, OfficeRepository
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    MunicipalityRepository,
    Transaction,
)


class HoldsOffices(Protocol):
    """What reading an office and its calendar needs (shared by the booking and the
    crowding use cases)."""

    @property
    def offices(self) -> OfficeRepository: ...


class HoldsBookings(HoldsOffices, Protocol):
    @property
    def appointments(self) -> AppointmentRepository: ...


class OfficesUnit(HoldsBookings, QueuesEmail, Transaction, Protocol):
    """What configuring offices and their days reads and writes: the bookings a change
    cancels, the e-mail that tells their residents, the audit log."""

    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], OfficesUnit]
Holidays = Collection[date]
MAX_OFFICES_PER_LOAD = 5000
MAX_LIST = 500
MAX_REFIT = 100_000  # an office's bookings for three months, at most
# Bookings that hold no place any more.
GONE = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.OFFICE_CLOSED})


def no_office(code: str) -> NotFound:
    return NotFound(f"no office {code}")


def get_office(uow: HoldsOffices, code: str, *, lock: str | None = None) -> Office:
    office = uow.offices.get(check_office_code(code), lock=lock)
    if office is None:
        raise no_office(code)
    return office


@dataclass(frozen=True, slots=True)
class Loaded:
    added: int
    replaced: int
    displaced: list[Appointment]  # bookings that no longer fit: tell these residents


def configure_office(uow_factory: UowFactory, holidays: Holidays, *, actor: Actor,
                     office: Office, now: datetime) -> Loaded:
    """Add or replace one office (its weekly rules whole)."""
    return load_offices(uow_factory, holidays, actor=actor, offices=[office], now=now)


def load_offices(uow_factory: UowFactory, holidays: Holidays, *, actor: Actor,
                 offices: Sequence[Office], now: datetime) -> Loaded:
    """Offices in bulk (the CSV load), all or none. A replaced office's future bookings
    that no longer fit (their slot gone from the new hours, or more than its fewer
    counters take) are cancelled as by a closed day, and listed."""
    actor.require(Permission.OFFICE_MANAGE)
    if len(offices) > MAX_OFFICES_PER_LOAD:
        raise InvalidInput(f"at most {MAX_OFFICES_PER_LOAD} offices in one load")
    codes = [o.code for o in offices]
    if len(set(codes)) != len(codes):
        raise InvalidInput("an office code appears twice in the load")
    added, displaced = 0, []
    today = datetime.combine(now.astimezone(JST).date(), datetime.min.time(), JST)
    with uow_factory() as uow:
        for office in offices:
            uow.municipalities.get(office.municipality_code)  # UnknownMunicipality if none
            new = uow.offices.put(office, now=now)
            added += new
            moved = [] if new else refit(uow, holidays, office, today,
                                         today + timedelta(days=MAX_DAYS_AHEAD + 1), now=now)
            displaced += moved
            appointment_mail.tell_displaced_in(uow, office, moved, now=now)
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.OFFICE_CONFIGURE,
                                         f"office:{office.code}",
                                         {"counters": office.counters,
                                          "slot_minutes": office.slot_minutes,
                                          "displaced": [b.id for b in moved]}))
        uow.commit()
    return Loaded(added, len(offices) - added, displaced)


def refit(uow: HoldsBookings, holidays: Holidays, office: Office, start: datetime,
          end: datetime, *, now: datetime) -> list[Appointment]:
    """Cancel (`office_closed`) the bookings from `start` to `end`, not yet begun, that the
    office's hours and counters no longer hold, freeing their places: a slot gone, or a
    slot with more bookings than its capacity (the latest made go first)."""
    bookings = uow.appointments.between(office.code, start, end, limit=MAX_REFIT)
    live = [b for b in bookings if b.status not in GONE]
    if not live:
        return []
    first = live[0].day
    calendar = week_hours(uow, holidays, office, first, (live[-1].day - first).days + 1)
    kept = {h.day: set(slot_starts(h, office.slot_minutes)) for h in calendar}
    out: list[Appointment] = []
    seats: dict[datetime, list[Appointment]] = {}
    for booking in live:
        fits = booking.starts_at.astimezone(JST).time() in kept.get(booking.day, set())
        if fits:
            seats.setdefault(booking.starts_at, []).append(booking)
        elif booking.status is AppointmentStatus.BOOKED and booking.starts_at > now:
            out.append(booking)
    for taken in seats.values():
        excess = len(taken) - office.capacity
        waiting = sorted((b for b in taken
                          if b.status is AppointmentStatus.BOOKED and b.starts_at > now),
                         key=lambda b: b.id, reverse=True)
        out += waiting[:max(0, excess)]
    for booking in out:
        booking.change_status(AppointmentStatus.OFFICE_CLOSED, at=now)
        uow.appointments.save(booking, now=now)
        uow.appointments.free_place(office.code, booking.starts_at)
    return sorted(out, key=lambda b: (b.starts_at, b.id))


def list_offices(uow_factory: UowFactory, *,
                 municipality_code: str | None = None) -> Sequence[Office]:
    with uow_factory() as uow:
        return uow.offices.list(municipality_code)[:MAX_LIST]


def office_detail(uow_factory: UowFactory, *, code: str) -> Office:
    with uow_factory() as uow:
        return get_office(uow, code)


def week_hours(uow: HoldsOffices, holidays: Holidays, office: Office, start: date,
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
        office = get_office(uow, code, lock="update")  # waits for bookings in flight
        if exception is None:
            uow.offices.remove_exception(code, on)
        else:
            uow.offices.put_exception(code, exception)
        hours = week_hours(uow, holidays, office, on, 1)[0]
        start = datetime.combine(on, datetime.min.time(), JST)
        displaced = refit(uow, holidays, office, start, start + timedelta(days=1), now=now)
        appointment_mail.tell_displaced_in(uow, office, displaced, now=now)
        uow.audit.record(AuditRecord(
            now, actor.name, AuditAction.OFFICE_SET_DAY, f"office:{code}",
            {"on": on.isoformat(), "open": [w.as_pair() for w in hours.windows],
             "note": exception.note if exception else "",
             "displaced": [b.id for b in displaced]}))
        uow.commit()
    return DayChanged(code, hours, displaced)
