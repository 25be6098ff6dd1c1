"""A booking at an office's counter: its purpose, its states and what may be booked.

    booked -> arrived -> in_service -> done
    booked -> cancelled | no_show | office_closed;  arrived -> no_show (left unserved)

`booked`, `arrived` and `in_service` are active: a resident has at most one active
booking per purpose (settled in the database by a partial unique index).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, InvalidTransition
from mynumbercard.domain.office_calendar import DayHours, slot_starts

MAX_DAYS_AHEAD = 92  # booking opens three months ahead
MAX_EMAIL = 254
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud
REFERENCE_LENGTH = 10


class Purpose(StrEnum):
    PICK_UP = "pick_up"
    CERTIFICATE_RENEWAL = "certificate_renewal"
    PIN_UNLOCK = "pin_unlock"
    LOSS = "loss"
    OTHER = "other"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    IN_SERVICE = "in_service"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    OFFICE_CLOSED = "office_closed"  # the office closed the day: the resident is told


S = AppointmentStatus
ACTIVE = frozenset({S.BOOKED, S.ARRIVED, S.IN_SERVICE})
ALLOWED_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.BOOKED: frozenset({S.ARRIVED, S.CANCELLED, S.NO_SHOW, S.OFFICE_CLOSED}),
    S.ARRIVED: frozenset({S.IN_SERVICE, S.NO_SHOW}),
    S.IN_SERVICE: frozenset({S.DONE}),
    S.DONE: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
    S.OFFICE_CLOSED: frozenset(),
}


class DeskStep(StrEnum):
    """What a clerk marks at the counter."""

    ARRIVED = "arrived"
    STARTED = "started"
    ENDED = "ended"
    NO_SHOW = "no_show"

    @property
    def status(self) -> AppointmentStatus:
        return {DeskStep.ARRIVED: S.ARRIVED, DeskStep.STARTED: S.IN_SERVICE,
                DeskStep.ENDED: S.DONE, DeskStep.NO_SHOW: S.NO_SHOW}[self]


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normal_reference(text: str) -> str | None:
    """A reference as typed (lower case, spaces, hyphens): its canonical form, or None
    when it cannot be one (then it is answered as an unknown one)."""
    folded = "".join(c for c in text.upper() if c not in " -")
    if len(folded) != REFERENCE_LENGTH or any(c not in _REFERENCE_ALPHABET for c in folded):
        return None
    return folded


def check_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if (not at or not local or "." not in domain or len(email) > MAX_EMAIL
            or any(c.isspace() or ord(c) < 32 for c in email)):
        raise InvalidInput("the e-mail address is not one (name@example.jp)")
    return email


@dataclass(frozen=True, slots=True)
class NewAppointment:
    """A booking being made, not stored yet: `AppointmentRepository.add` returns the
    `Appointment`."""

    reference: str
    office_code: str
    starts_at: datetime  # aware, the slot's start
    purpose: Purpose
    resident_id: int
    email: str | None = None

    def stored(self, appointment_id: int) -> Appointment:
        return Appointment(id=appointment_id, reference=self.reference,
                           office_code=self.office_code, starts_at=self.starts_at,
                           purpose=self.purpose, resident_id=self.resident_id,
                           email=self.email)


@dataclass(slots=True)
class Appointment:
    """A booking (stored: it has its id)."""

    id: int
    reference: str
    office_code: str
    starts_at: datetime  # aware, the slot's start
    purpose: Purpose
    resident_id: int
    status: AppointmentStatus = S.BOOKED
    email: str | None = None
    arrived_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def day(self) -> date:
        return self.starts_at.astimezone(JST).date()

    def change_status(self, new: AppointmentStatus, *, at: datetime) -> None:
        if new not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(f"a booking that is {self.status.value} cannot become "
                                    f"{new.value}")
        self.status = new
        if new is S.ARRIVED:
            self.arrived_at = at
        elif new is S.IN_SERVICE:
            self.started_at = at
        elif new is S.DONE:
            self.ended_at = at


def slot_moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, JST)


def check_bookable(hours: DayHours, at: time, *, slot_minutes: int, now: datetime) -> datetime:
    """The slot's start as an aware moment, if it may be booked: an open day, a slot
    start inside the windows, not begun, not too far ahead."""
    starts = slot_moment(hours.day, at)
    if starts <= now:
        raise InvalidInput("this slot has begun or is past: choose a later one")
    if hours.day > now.astimezone(JST).date() + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(f"bookings open {MAX_DAYS_AHEAD} days ahead")
    if not hours.is_open:
        reason = hours.closed_reason.value if hours.closed_reason else "closed"
        raise Conflict(f"the office is closed on {hours.day.isoformat()} ({reason})")
    if at not in slot_starts(hours, slot_minutes):
        raise InvalidInput(f"{at:%H:%M} is not the start of a slot within the opening hours "
                           "of that day")
    return starts
