"""Appointments at an office's counter: free slots, booking, change, cancel, the desk.

A resident is identified by an Application ID or a card number with the birth date; a
wrong birth date and an unknown identifier get the same answer. A booking takes a place
of its slot in the database (`take_place`: a conditional UPDATE) in the same
transaction as the booking row, so of many requests for the last place exactly one
wins; the partial unique index keeps one active booking per resident and purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain.appointments import (
    Appointment,
    AppointmentStatus,
    DeskStep,
    NewAppointment,
    Purpose,
    check_bookable,
    check_email,
    new_reference,
    normal_reference,
    slot_moment,
)
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import arrival_seen, service_seen
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.office_calendar import DayHours, slot_starts
from mynumbercard.domain.offices import Office
from mynumbercard.domain.staff import Actor, Permission, Role
from mynumbercard.services.application_ports import FormsAndApplications
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.crowding_ports import HoursSeen
from mynumbercard.services.offices import HoldsBookings, get_office, no_office, week_hours
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    ResidentRepository,
    Transaction,
)


class AppointmentsUnit(HoldsBookings, Transaction, Protocol):
    """What booking and the desk read and write: who the resident is (an application's
    form or a card, and the birth date), the slots' places, the crowding history."""

    @property
    def applications(self) -> FormsAndApplications: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def hours_seen(self) -> HoursSeen: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], AppointmentsUnit]
Holidays = Collection[date]
RESIDENT = Actor("resident:booking", Role.RESIDENT)
NO_MATCH = "no application or card matches this identifier and birth date"
NO_BOOKING = "no booking matches this reference and birth date"
MAX_DAYS = 35
MAX_DAY_LIST = 2000


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime
    free: int

    @property
    def local_time(self) -> time:
        return self.starts_at.astimezone(JST).time()


@dataclass(frozen=True, slots=True)
class DayAvailability:
    hours: DayHours
    slots: list[Slot]


@dataclass(frozen=True, slots=True)
class Availability:
    office: Office
    days: list[DayAvailability]

_DESK_ACTIONS = {DeskStep.ARRIVED: AuditAction.APPOINTMENT_ARRIVE,
                 DeskStep.STARTED: AuditAction.APPOINTMENT_START,
                 DeskStep.ENDED: AuditAction.APPOINTMENT_END,
                 DeskStep.NO_SHOW: AuditAction.APPOINTMENT_MARK_NO_SHOW}


def availability_in(uow: HoldsBookings, holidays: Holidays, office: Office, *, start: date,
                    days: int, now: datetime) -> Availability:
    """Every slot of `days` days from `start` with its free places: the calendar in
    memory, one read of the exceptions and one of the slots' counters."""
    if not (1 <= days <= MAX_DAYS):
        raise InvalidInput(f"ask for 1 to {MAX_DAYS} days")
    calendar = week_hours(uow, holidays, office, start, days)
    first = slot_moment(start, time(0))
    taken = uow.appointments.taken_between(office.code, first,
                                           first + timedelta(days=days))
    out: list[DayAvailability] = []
    for hours in calendar:
        slots = []
        for at in slot_starts(hours, office.slot_minutes):
            moment = slot_moment(hours.day, at)
            if moment > now:
                free = max(0, office.capacity - taken.get(moment, 0))
                slots.append(Slot(moment, free))
        out.append(DayAvailability(hours, slots))
    return Availability(office, out)


def availability(uow_factory: UowFactory, holidays: Holidays, *, office_code: str,
                 start: date, days: int, now: datetime) -> Availability:
    with uow_factory() as uow:
        office = get_office(uow, office_code)
        return availability_in(uow, holidays, office, start=start, days=days, now=now)


def _resident_id(uow: AppointmentsUnit, *, application_id: str | None, card_number: str | None,
                 birth_date: date) -> int:
    """The resident behind an Application ID or a card number, if the birth date is
    theirs; one answer for a wrong birth date and an unknown identifier."""
    resident_id: int | None = None
    if application_id:
        if application_ids.is_valid(application_id):
            form = uow.applications.form(application_ids.parse(application_id))
            resident_id = form.resident_id if form else None
    elif card_number:
        card = uow.cards.find_by_number(card_number.strip()[:32])
        resident_id = card.resident_id if card else None
    else:
        raise InvalidInput("give the Application ID or the card number")
    if resident_id is None or uow.residents.get(resident_id).birth_date != birth_date:
        raise NotFound(NO_MATCH)
    return resident_id


def _take(uow: HoldsBookings, holidays: Holidays, office: Office, *, on: date, at: time,
          now: datetime) -> datetime:
    hours = week_hours(uow, holidays, office, on, 1)[0]
    starts_at = check_bookable(hours, at, slot_minutes=office.slot_minutes, now=now)
    if not uow.appointments.take_place(office.code, starts_at, office.capacity):
        raise Conflict("this slot is full: choose another")
    return starts_at


def book(uow_factory: UowFactory, holidays: Holidays, *, office_code: str, purpose: Purpose,
         application_id: str | None, card_number: str | None, birth_date: date, on: date,
         at: time, email: str | None, now: datetime) -> Appointment:
    email = check_email(email)
    with uow_factory() as uow:
        office = get_office(uow, office_code, lock="share")  # its hours hold till commit
        resident_id = _resident_id(uow, application_id=application_id,
                                   card_number=card_number, birth_date=birth_date)
        starts_at = _take(uow, holidays, office, on=on, at=at, now=now)
        booking = uow.appointments.add(NewAppointment(
            reference=new_reference(), office_code=office.code, starts_at=starts_at,
            purpose=purpose, resident_id=resident_id, email=email), now=now)
        uow.audit.record(AuditRecord(now, RESIDENT.name, AuditAction.APPOINTMENT_BOOK,
                                     f"appointment:{booking.id}",
                                     {"office": office.code, "purpose": purpose.value,
                                      "starts_at": starts_at.isoformat()}))
        uow.commit()
    return booking


def _own(uow: AppointmentsUnit, reference: str, birth_date: date) -> Appointment:
    canonical = normal_reference(reference)
    booking = uow.appointments.by_reference(canonical) if canonical else None
    if booking is None or uow.residents.get(booking.resident_id).birth_date != birth_date:
        raise NotFound(NO_BOOKING)
    return booking


def change(uow_factory: UowFactory, holidays: Holidays, *, reference: str, birth_date: date,
           on: date, at: time, now: datetime) -> Appointment:
    """Move a booking to another slot of its office: the new place is taken before the
    old one is given back, in one transaction."""
    with uow_factory() as uow:
        booking = _own(uow, reference, birth_date)
        if booking.status is not AppointmentStatus.BOOKED:
            raise Conflict(f"this booking is {booking.status.value}: book again")
        office = get_office(uow, booking.office_code, lock="share")
        before = booking.starts_at
        if slot_moment(on, at) == before:
            raise Conflict("the booking is for this slot already")
        booking.starts_at = _take(uow, holidays, office, on=on, at=at, now=now)
        uow.appointments.free_place(office.code, before)
        uow.appointments.save(booking, now=now)
        uow.audit.record(AuditRecord(now, RESIDENT.name, AuditAction.APPOINTMENT_CHANGE,
                                     f"appointment:{booking.id}",
                                     {"from": before.isoformat(),
                                      "to": booking.starts_at.isoformat()}))
        uow.commit()
    return booking


def cancel(uow_factory: UowFactory, *, reference: str, birth_date: date,
           now: datetime) -> Appointment:
    with uow_factory() as uow:
        booking = _own(uow, reference, birth_date)
        booking.change_status(AppointmentStatus.CANCELLED, at=now)
        uow.appointments.save(booking, now=now)
        uow.appointments.free_place(booking.office_code, booking.starts_at)
        uow.audit.record(AuditRecord(now, RESIDENT.name, AuditAction.APPOINTMENT_CANCEL,
                                     f"appointment:{booking.id}", None))
        uow.commit()
    return booking


def day_list(uow_factory: UowFactory, *, actor: Actor, office_code: str,
             on: date) -> Sequence[Appointment]:
    """The office's bookings of one day, in slot order, for its clerks."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    with uow_factory() as uow:
        office = get_office(uow, office_code)
        actor.require_visible(Permission.APPOINTMENT_DESK,
                              municipality_code=office.municipality_code,
                              hidden=no_office(office_code).message)
        start = slot_moment(on, time(0))
        return uow.appointments.between(office.code, start, start + timedelta(days=1),
                                        limit=MAX_DAY_LIST)


def mark(uow_factory: UowFactory, *, actor: Actor, reference: str, step: DeskStep,
         now: datetime) -> Appointment:
    """The clerk marks the resident's arrival, the start and end of service, or a
    no-show (not before the slot has begun)."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    with uow_factory() as uow:
        canonical = normal_reference(reference)
        booking = uow.appointments.by_reference(canonical) if canonical else None
        hidden = f"no booking {reference[:20]}"
        if booking is None:
            raise NotFound(hidden)
        actor.require_visible(Permission.APPOINTMENT_DESK,
                              municipality_code=booking.office_code[:5], hidden=hidden)
        if step is DeskStep.NO_SHOW and now < booking.starts_at:
            raise Conflict("a no-show is marked after the slot has begun")
        started = booking.started_at
        booking.change_status(step.status, at=now)
        uow.appointments.save(booking, now=now)
        # The crowding history (services/crowding.py): a booked resident's arrival and
        # service time; their wait is the slot's, not the counter's, and is not counted.
        if step is DeskStep.ARRIVED:
            uow.hours_seen.add(booking.office_code, arrival_seen(now))
        elif step is DeskStep.ENDED and started is not None:
            uow.hours_seen.add(booking.office_code, service_seen(started, now))
        uow.audit.record(AuditRecord(now, actor.name, _DESK_ACTIONS[step],
                                     f"appointment:{booking.id}", None))
        uow.commit()
    return booking


@dataclass(frozen=True, slots=True)
class Displacement:
    """A booking the office's closing cancelled, and free slots to offer instead."""

    booking: Appointment
    offers: list[datetime]


def displaced(uow_factory: UowFactory, holidays: Holidays, *, actor: Actor, code: str,
              now: datetime, offers: int = 3) -> list[Displacement]:
    """Bookings from today on that the office's closing cancelled, the residents to tell,
    each with the first free slots of the office after its own."""
    actor.require_role(Permission.APPOINTMENT_DESK)
    with uow_factory() as uow:
        office = get_office(uow, code)
        actor.require_visible(Permission.APPOINTMENT_DESK,
                              municipality_code=office.municipality_code,
                              hidden=no_office(code).message)
        today = now.astimezone(JST).date()
        cancelled = uow.appointments.closed_by_office(code, since=slot_moment(today, time(0)),
                                                      limit=MAX_DAY_LIST)
        if not cancelled:
            return []
        found = availability_in(uow, holidays, office, start=today, days=MAX_DAYS, now=now)
    free = [s.starts_at for d in found.days for s in d.slots if s.free > 0]
    return [Displacement(b, [at for at in free if at > b.starts_at][:offers])
            for b in cancelled]
