"""Offices over HTTP: the directory and the hours (public), their configuration (admins)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from mynumbercard.domain import bounds
from mynumbercard.domain.appointments import MAX_DAYS_AHEAD, Appointment
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.office_calendar import DayHours
from mynumbercard.domain.offices import (
    MAX_HANDOFF_WAIT,
    DayException,
    Office,
    Weekday,
    WeeklyRule,
    Window,
    check_windows,
)
from mynumbercard.domain.staff import Permission
from mynumbercard.services import appointments as booking
from mynumbercard.services import offices as service
from mynumbercard.web.api.codes import MunicipalityCode
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep

public = APIRouter(prefix="/api/v1/offices", tags=["offices (public)"])
admin = APIRouter(prefix="/api/v1/offices", tags=["offices (administrators)"])

OfficeCode = Annotated[str, Path(pattern=r"^\d{5}(-\d{2})?$", examples=["13101", "13101-02"],
                                 description="The municipality's code (main office), or "
                                             "the code and a branch number")]
DayPath = Annotated[date, Path(ge=bounds.EARLIEST_BIRTH, le=bounds.LATEST_RULE_DATE)]
DayQuery = Annotated[date, Query(ge=bounds.EARLIEST_BIRTH, le=bounds.LATEST_RULE_DATE)]
HHMM = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["08:30"])]
Pair = Annotated[list[HHMM], Field(min_length=2, max_length=2, examples=[["08:30", "17:15"]])]


def windows_of(pairs: list[list[str]]) -> tuple[Window, ...]:
    return check_windows(tuple(Window.parse(f"{a}-{b}") for a, b in pairs))


class RuleIn(BaseModel):
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    weeks: list[Annotated[int, Field(ge=1, le=5)]] | None = Field(
        default=None, max_length=5, description="Only on these n-th weekdays of the month "
                                                "(2 and 4: the second and fourth)")
    open: list[Pair] = Field(min_length=1, max_length=4)


class OfficeIn(BaseModel):
    name: str = Field(min_length=1, max_length=60, examples=["千代田区役所"])
    postal_code: str = Field(pattern=r"^\d{7}$", examples=["1028688"])
    address: str = Field(min_length=1, max_length=200, examples=["東京都千代田区九段南1-2-1"])
    phone: str = Field(min_length=4, max_length=20, examples=["03-3264-2111"])
    counters: int = Field(ge=1, le=50, default=1)
    per_counter: int = Field(ge=1, le=10, default=1)
    slot_minutes: Literal[10, 15, 20, 30, 60] = 30
    rules: list[RuleIn] = Field(max_length=30)
    handoff_wait_minutes: int | None = Field(
        default=None, ge=1, le=MAX_HANDOFF_WAIT,
        description="Above this expected wait the counter proposes the custody hand-off")


class RuleOut(BaseModel):
    weekday: str
    weeks: list[int] | None
    open: list[list[str]]


class OfficeOut(BaseModel):
    code: str
    municipality_code: str
    name: str
    postal_code: str
    address: str
    phone: str
    counters: int
    per_counter: int
    slot_minutes: int
    rules: list[RuleOut]
    handoff_wait_minutes: int | None


class DayHoursOut(BaseModel):
    office: str
    date: date
    open: list[list[str]]
    closed_reason: Literal["holiday", "year_end", "weekly", "exception"] | None


class DayIn(BaseModel):
    open: list[Pair] = Field(max_length=4, description="Empty: closed that day")
    note: str = Field(default="", max_length=200)


class Displaced(BaseModel):
    reference: str
    starts_at: str
    purpose: str
    has_email: bool
    offers: list[str] = Field(default=[], description="Free slots to offer instead")


class DayChangedOut(BaseModel):
    hours: DayHoursOut
    displaced: list[Displaced] = Field(description="Bookings the change cancelled: the "
                                       "residents to tell (GET …/displaced lists them)")


class SlotOut(BaseModel):
    time: str
    free: int


class DayOut(DayHoursOut):
    slots: list[SlotOut]


class AvailabilityOut(BaseModel):
    office: str
    capacity: int
    slot_minutes: int
    days: list[DayOut]


def office_out(office: Office) -> OfficeOut:
    return OfficeOut(code=office.code, municipality_code=office.municipality_code,
                     name=office.name, postal_code=office.postal_code, address=office.address,
                     phone=office.phone, counters=office.counters,
                     per_counter=office.per_counter, slot_minutes=office.slot_minutes,
                     rules=[RuleOut(weekday=r.weekday.key,
                                    weeks=sorted(r.weeks) if r.weeks else None,
                                    open=[w.as_pair() for w in r.windows])
                            for r in office.rules],
                     handoff_wait_minutes=office.handoff_wait_minutes)


def hours_out(code: str, hours: DayHours) -> DayHoursOut:
    return DayHoursOut(office=code, date=hours.day, open=[w.as_pair() for w in hours.windows],
                       closed_reason=hours.closed_reason.value if hours.closed_reason
                       else None)


def displaced_out(bookings: list[Appointment]) -> list[Displaced]:
    return [Displaced(reference=b.reference, starts_at=b.starts_at.isoformat(),
                      purpose=b.purpose.value, has_email=b.email is not None)
            for b in bookings]


@public.get("", summary="The offices (of one municipality)")
def list_offices(container: ContainerDep,
                 municipality_code: MunicipalityCode | None = None) -> list[OfficeOut]:
    return [office_out(o) for o in service.list_offices(
        container.uow, municipality_code=municipality_code)]


@public.get("/{office_code}", summary="One office: address, telephone, counters, hours")
def get_office(office_code: OfficeCode, container: ContainerDep) -> OfficeOut:
    return office_out(service.office_detail(container.uow, code=office_code))


@public.get("/{office_code}/hours", summary="The opening windows of one day")
def hours(office_code: OfficeCode, on: DayQuery, container: ContainerDep) -> DayHoursOut:
    return hours_out(office_code, service.office_hours(container.uow, container.holidays,
                                                       code=office_code, on=on))


@public.get("/{office_code}/slots", summary="Free slots, day by day (default: four weeks)")
def slots(office_code: OfficeCode, container: ContainerDep, now: NowDep,
          start: Annotated[date | None, Query(alias="from")] = None,
          days: Annotated[int, Query(ge=1, le=booking.MAX_DAYS)] = 28) -> AvailabilityOut:
    today = now.astimezone(JST).date()
    first = start or today
    if not (today <= first <= today + timedelta(days=MAX_DAYS_AHEAD)):
        raise InvalidInput(f"from: a day from today to {MAX_DAYS_AHEAD} days ahead")
    found = booking.availability(container.uow, container.holidays, office_code=office_code,
                                 start=first, days=days, now=now)
    return AvailabilityOut(
        office=found.office.code, capacity=found.office.capacity,
        slot_minutes=found.office.slot_minutes,
        days=[DayOut(**hours_out(found.office.code, d.hours).model_dump(),
                     slots=[SlotOut(time=f"{s.local_time:%H:%M}", free=s.free)
                            for s in d.slots]) for d in found.days])


class OfficeSavedOut(BaseModel):
    office: OfficeOut
    displaced: list[Displaced] = Field(description="Bookings the new hours or fewer counters "
                                       "no longer hold: cancelled, the residents to tell")


@admin.put("/{office_code}", summary="Add or replace an office (its weekly rules whole)")
def put_office(office_code: OfficeCode, body: OfficeIn, *, actor: ActorDep,
               container: ContainerDep, now: NowDep, response: Response) -> OfficeSavedOut:
    actor.require(Permission.OFFICE_MANAGE)  # before the body's rules are even read
    office = Office(code=office_code, name=body.name, postal_code=body.postal_code,
                    address=body.address, phone=body.phone, counters=body.counters,
                    per_counter=body.per_counter, slot_minutes=body.slot_minutes,
                    rules=tuple(WeeklyRule(Weekday.parse(r.weekday), windows_of(r.open),
                                           frozenset(r.weeks) if r.weeks else None)
                                for r in body.rules),
                    handoff_wait_minutes=body.handoff_wait_minutes)
    saved = service.configure_office(container.uow, container.holidays, actor=actor,
                                     office=office, now=now)
    if saved.added:
        response.status_code = 201
    return OfficeSavedOut(office=office_out(office), displaced=displaced_out(saved.displaced))


def _day_changed(changed: service.DayChanged) -> DayChangedOut:
    return DayChangedOut(hours=hours_out(changed.office, changed.hours),
                         displaced=displaced_out(changed.displaced))


@admin.put("/{office_code}/days/{on}", summary="One day's own hours, or closed (no windows); "
           "bookings that lose their slot are cancelled and listed")
def put_day(office_code: OfficeCode, on: DayPath, body: DayIn, *, actor: ActorDep,
            container: ContainerDep, now: NowDep) -> DayChangedOut:
    exception = DayException(on, windows_of(body.open), body.note)
    return _day_changed(service.set_day(container.uow, container.holidays, actor=actor,
                                        code=office_code, exception=exception, on=on,
                                        now=now))


@admin.delete("/{office_code}/days/{on}", summary="The day follows the weekly rules again")
def delete_day(office_code: OfficeCode, on: DayPath, actor: ActorDep,
               container: ContainerDep, now: NowDep) -> DayChangedOut:
    return _day_changed(service.set_day(container.uow, container.holidays, actor=actor,
                                        code=office_code, exception=None, on=on, now=now))
