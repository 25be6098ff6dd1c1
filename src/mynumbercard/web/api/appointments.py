"""Appointments over HTTP: residents book, change and cancel (no account: an Application
ID or card number with the birth date, then the booking's reference with it), rate-limited
like the other resident routes; clerks list the day and mark the desk's steps."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.domain.application_id import is_valid, parse
from mynumbercard.domain.appointments import Appointment, DeskStep, Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.services import appointments as service
from mynumbercard.web.api.offices import DayQuery, Displaced, OfficeCode, displaced_out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep, client_address, limit
from mynumbercard.web.inputs import BoundedDate

public = APIRouter(prefix="/api/v1/appointments", tags=["appointments (residents)"])
desk = APIRouter(prefix="/api/v1", tags=["appointments (clerks)"])

BookingPath = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z -]+$",
                                  description="The booking's reference (10 letters and "
                                              "digits)")]
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["10:30"])]


class BookIn(BaseModel):
    office: str = Field(pattern=r"^\d{5}(-\d{2})?$", examples=["13101"])
    purpose: Purpose
    application_id: str | None = Field(default=None, min_length=23, max_length=40)
    card_number: str | None = Field(default=None, min_length=1, max_length=32,
                                    pattern=r"^[0-9A-Za-z-]+$")
    birth_date: BoundedDate
    date: BoundedDate
    time: HHMM
    email: str | None = Field(default=None, max_length=254,
                              description="For the reminder the day before")


class ChangeIn(BaseModel):
    birth_date: BoundedDate
    date: BoundedDate
    time: HHMM


class CancelIn(BaseModel):
    birth_date: BoundedDate


class DeskIn(BaseModel):
    step: DeskStep


class BookingOut(BaseModel):
    reference: str
    office: str
    date: date
    time: str
    purpose: Purpose
    status: str


class DayBooking(BookingOut):
    arrived_at: str | None
    started_at: str | None
    ended_at: str | None


def booking_out(b: Appointment) -> BookingOut:
    local = b.starts_at.astimezone(JST)
    return BookingOut(reference=b.reference, office=b.office_code, date=local.date(),
                      time=f"{local:%H:%M}", purpose=b.purpose, status=b.status.value)


def _day_booking(b: Appointment) -> DayBooking:
    def text(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return DayBooking(**booking_out(b).model_dump(), arrived_at=text(b.arrived_at),
                      started_at=text(b.started_at), ended_at=text(b.ended_at))


def limit_resident(container: ContainerDep, request: Request, subject: str) -> None:
    """Per client, and per identifier (an Application ID as digits, a card number or a
    booking reference): as the resident's status route."""
    key = parse(subject) if is_valid(subject) else subject.upper().replace(" ", "")
    limit(container, (Rule.PUBLIC_CLIENT, client_address(request)),
          (Rule.APPLICATION_ID, key))


def _at(text: str) -> time:
    return time(int(text[:2]), int(text[3:]))


@public.post("", status_code=201, summary="Book a slot (Application ID or card number, "
             "with the birth date)")
def book(body: BookIn, request: Request, container: ContainerDep, now: NowDep) -> BookingOut:
    limit_resident(container, request, body.application_id or body.card_number or "")
    return booking_out(service.book(
        container.uow, container.holidays, office_code=body.office, purpose=body.purpose,
        application_id=body.application_id, card_number=body.card_number,
        birth_date=body.birth_date, on=body.date, at=_at(body.time), email=body.email,
        now=now))


@public.post("/{booking}/change", summary="Move a booking to another slot of its office")
def change(booking: BookingPath, body: ChangeIn, request: Request, container: ContainerDep,
           now: NowDep) -> BookingOut:
    limit_resident(container, request, booking)
    return booking_out(service.change(container.uow, container.holidays, reference=booking,
                                      birth_date=body.birth_date, on=body.date,
                                      at=_at(body.time), now=now))


@public.post("/{booking}/cancel", summary="Cancel a booking")
def cancel(booking: BookingPath, body: CancelIn, request: Request, container: ContainerDep,
           now: NowDep) -> BookingOut:
    limit_resident(container, request, booking)
    return booking_out(service.cancel(container.uow, reference=booking,
                                      birth_date=body.birth_date, now=now))


@desk.get("/offices/{office_code}/appointments", summary="The day's bookings at an office")
def day_list(office_code: OfficeCode, on: DayQuery, actor: ActorDep,
             container: ContainerDep) -> list[DayBooking]:
    return [_day_booking(b) for b in service.day_list(container.uow, actor=actor,
                                                      office_code=office_code, on=on)]


@desk.get("/offices/{office_code}/displaced", summary="Bookings cancelled by the office's "
          "closing, from today on: the residents to tell")
def displaced(office_code: OfficeCode, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> list[Displaced]:
    found = service.displaced(container.uow, container.holidays, actor=actor,
                              code=office_code, now=now)
    return [Displaced(**displaced_out([d.booking])[0].model_dump(exclude={"offers"}),
                      offers=[at.isoformat() for at in d.offers]) for d in found]


@desk.post("/appointments/{booking}/desk", summary="Mark arrival, start or end of service, "
           "or a no-show")
def mark(booking: BookingPath, body: DeskIn, actor: ActorDep, container: ContainerDep,
         now: NowDep) -> DayBooking:
    return _day_booking(service.mark(container.uow, actor=actor, reference=booking,
                                     step=body.step, now=now))
