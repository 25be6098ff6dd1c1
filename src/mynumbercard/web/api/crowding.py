"""Crowding over HTTP (docs/offices.md "Crowding"): the expected wait per hour (public),
walk-ins recorded at the desk and the hand-off proposal at the counter (the office's
municipality's clerks, administrators)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mynumbercard.domain.appointments import MAX_DAYS_AHEAD, Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import HandoffReason
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.walk_ins import WalkIn, WalkInStep
from mynumbercard.services import crowding as service
from mynumbercard.web.api.offices import DayHoursOut, OfficeCode, hours_out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath

public = APIRouter(prefix="/api/v1/offices", tags=["offices (public)"])
desk = APIRouter(prefix="/api/v1", tags=["crowding (clerks)"])


class HourOut(BaseModel):
    hour: int = Field(description="0 to 23, Japan time")
    expected_wait_minutes: int | None = Field(description="None: nothing seen at this "
                                              "weekday and hour yet")
    level: Literal["quiet", "moderate", "busy"] | None
    season_week: int | None = Field(description="Weeks before a deadline (0: its week)")


class CrowdingDayOut(DayHoursOut):
    hours: list[HourOut]


class CrowdingOut(BaseModel):
    office: str
    history_from: date
    days: list[CrowdingDayOut]


def _minutes(value: float | None) -> int | None:
    return None if value is None else round(value)


def crowding_out(found: service.Crowding) -> CrowdingOut:
    code = found.office.code
    return CrowdingOut(office=code, history_from=found.history_from, days=[
        CrowdingDayOut(**hours_out(code, d.hours).model_dump(), hours=[
            HourOut(hour=f.hour, expected_wait_minutes=_minutes(f.wait_minutes),
                    level=f.level.value if f.level else None, season_week=f.season_week)
            for f in d.forecast]) for d in found.days])


@public.get("/{office_code}/crowding", summary="The wait expected in each open hour of the "
            "coming days (default: two weeks)")
def crowding(office_code: OfficeCode, container: ContainerDep, now: NowDep,
             start: Annotated[date | None, Query(alias="from")] = None,
             days: Annotated[int, Query(ge=1, le=service.MAX_DAYS)] = 14) -> CrowdingOut:
    today = now.astimezone(JST).date()
    first = start or today
    if not (today <= first <= today + timedelta(days=MAX_DAYS_AHEAD)):
        raise InvalidInput(f"from: a day from today to {MAX_DAYS_AHEAD} days ahead")
    return crowding_out(service.crowding(container.uow, container.holidays,
                                         office_code=office_code, start=first, days=days,
                                         now=now, extra_deadlines=container.deadlines))


class WalkInIn(BaseModel):
    purpose: Purpose = Purpose.OTHER


class WalkInStepIn(BaseModel):
    step: WalkInStep


class WalkInOut(BaseModel):
    id: int
    office: str
    purpose: Purpose
    status: str
    arrived_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


def walk_in_out(w: WalkIn) -> WalkInOut:
    return WalkInOut(id=w.id or 0, office=w.office_code, purpose=w.purpose,
                     status=w.status.value, arrived_at=w.arrived_at, started_at=w.started_at,
                     ended_at=w.ended_at)


@desk.post("/offices/{office_code}/walk-ins", status_code=201,
           summary="Record a resident who came without a booking (arrived now)")
def record_walk_in(office_code: OfficeCode, body: WalkInIn, actor: ActorDep,
                   container: ContainerDep, now: NowDep) -> WalkInOut:
    return walk_in_out(service.record_walk_in(container.uow, actor=actor,
                                              office_code=office_code, purpose=body.purpose,
                                              now=now))


@desk.post("/walk-ins/{walk_in_id}/desk", summary="A walk-in's service started or ended, "
           "or they left unserved")
def mark_walk_in(walk_in_id: IdPath, body: WalkInStepIn, actor: ActorDep,
                 container: ContainerDep, now: NowDep) -> WalkInOut:
    return walk_in_out(service.mark_walk_in(container.uow, actor=actor, walk_in_id=walk_in_id,
                                            step=body.step, now=now))


class HandoffOut(BaseModel):
    office: str
    card_number: str
    hour: int
    expected_wait_minutes: int | None
    level_minutes: int | None = Field(description="The office's level (none: never proposed)")
    waiting_now: int = Field(description="Walk-ins recorded today who wait still")
    propose: bool = Field(description="Propose leaving the card for renewal by post")
    reason: HandoffReason
    certificates_valid_until: date | None


@desk.get("/offices/{office_code}/handoff/{card_number}",
          summary="Whether the counter proposes the custody hand-off to this card's holder now")
def handoff(office_code: OfficeCode, card_number: CardNumberPath, actor: ActorDep,
            container: ContainerDep, now: NowDep) -> HandoffOut:
    found = service.handoff_advice(container.uow, container.holidays, actor=actor,
                                   office_code=office_code, card_number=card_number, now=now,
                                   extra_deadlines=container.deadlines)
    return HandoffOut(office=found.office, card_number=found.card_number, hour=found.hour,
                      expected_wait_minutes=_minutes(found.expected_wait_minutes),
                      level_minutes=found.level_minutes, waiting_now=found.waiting_now,
                      propose=found.propose, reason=found.reason,
                      certificates_valid_until=found.certificates_valid_until)
