"""What the office and appointment use cases need from the database, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.appointments import Appointment, NewAppointment
from mynumbercard.domain.offices import DayException, Office


class OfficeRepository(Protocol):
    def put(self, office: Office, *, now: datetime) -> bool:
        """Add or replace an office; True if it is new."""
        ...

    def get(self, code: str, *, lock: str | None = None) -> Office | None:
        """The office; `lock` "share" (a booking) or "update" (its hours change) holds
        its row until commit, so a booking and a closing of its day never interleave."""
        ...

    def list(self, municipality_code: str | None = None) -> Sequence[Office]: ...
    def exceptions(self, code: str, start: date, end: date) -> dict[date, DayException]:
        """The office's exceptions from `start` to `end`, both included."""
        ...

    def put_exception(self, code: str, exception: DayException) -> None: ...
    def remove_exception(self, code: str, on: date) -> bool: ...


class AppointmentRepository(Protocol):
    def take_place(self, office_code: str, starts_at: datetime, capacity: int) -> bool:
        """One place of a slot, if fewer than `capacity` are taken (settled in the
        database: of many at once, exactly the free places succeed)."""
        ...

    def free_place(self, office_code: str, starts_at: datetime) -> None: ...
    def taken_between(self, office_code: str, start: datetime,
                      end: datetime) -> dict[datetime, int]: ...
    def add(self, appointment: NewAppointment, *, now: datetime) -> Appointment:
        """Conflict if the resident has an active booking for this purpose already."""
        ...

    def by_reference(self, reference: str) -> Appointment | None: ...
    def save(self, appointment: Appointment, *, now: datetime) -> None:
        """Write a change; Conflict if someone else changed it meanwhile."""
        ...

    def between(self, office_code: str, start: datetime, end: datetime, *,
                limit: int) -> Sequence[Appointment]:
        """The office's bookings whose slot starts in [start, end), in slot order."""
        ...

    def closed_by_office(self, office_code: str, *, since: datetime,
                         limit: int) -> Sequence[Appointment]:
        """Bookings from `since` on that the office's closing cancelled."""
        ...
