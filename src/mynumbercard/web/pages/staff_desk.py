"""The desk of the clerk's office (issue 17 points 3 and 4): the day's bookings in slot
order, each with its next mark (arrived, service started, ended, no-show); the day's
walk-ins with their wait, a form for one who just arrived and their marks (started,
ended, left); and the counter now: the wait expected this hour against the office's
hand-off level, and the walk-ins waiting.

The API's services (appointments.day_list and mark, crowding.desk_queue, record_walk_in
and mark_walk_in: the crowding history follows the marks), the same audit records under
the member's name; a clerk sees only their municipality's offices (another's is answered
as an unknown office) and picks among them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.appointments import Appointment, AppointmentStatus, DeskStep, Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import level
from mynumbercard.domain.errors import Conflict, InvalidInput, InvalidTransition
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.walk_ins import WalkInStatus, WalkInStep
from mynumbercard.services import appointments, crowding
from mynumbercard.services import offices as office_service
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.inputs import IdPath
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.offices_common import LEVELS, PURPOSES
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/desk")
OFFICE = re.compile(r"\d{5}(-\d{2})?")
_DASHES = re.compile(r"[‐‑‒–—―−ーｰ]")
NEXT_STEPS = {AppointmentStatus.BOOKED: (DeskStep.ARRIVED, DeskStep.NO_SHOW),
              AppointmentStatus.ARRIVED: (DeskStep.STARTED,),
              AppointmentStatus.IN_SERVICE: (DeskStep.ENDED,)}
WALK_IN_STEPS = {WalkInStatus.WAITING: (WalkInStep.STARTED, WalkInStep.LEFT),
                 WalkInStatus.IN_SERVICE: (WalkInStep.ENDED,)}
# English msgids (staff.po has their Japanese).
BOOKING_STATUS = {AppointmentStatus.BOOKED: "booked", AppointmentStatus.ARRIVED: "arrived",
                  AppointmentStatus.IN_SERVICE: "being served", AppointmentStatus.DONE: "served",
                  AppointmentStatus.NO_SHOW: "no-show", AppointmentStatus.CANCELLED: "cancelled",
                  AppointmentStatus.OFFICE_CLOSED: "cancelled: the office closed"}
DESK_BUTTONS = {DeskStep.ARRIVED: "Mark arrived", DeskStep.STARTED: "Start service",
                DeskStep.ENDED: "End service", DeskStep.NO_SHOW: "No-show"}
WALK_IN_STATUS = {WalkInStatus.WAITING: "waiting", WalkInStatus.IN_SERVICE: "being served",
                  WalkInStatus.DONE: "served", WalkInStatus.LEFT: "left unserved"}
WALK_IN_BUTTONS = {WalkInStep.STARTED: "Start service", WalkInStep.ENDED: "End service",
                   WalkInStep.LEFT: "Left without service"}
# A mark refused by the walk-in's state (marked twice, ended before it started).
WALK_IN_REFUSED = {WalkInStep.STARTED: "Service starts only for a walk-in who waits: "
                   "it has started already, ended, or they left",
                   WalkInStep.ENDED: "Service ends only once, after it has started",
                   WalkInStep.LEFT: "Only a walk-in who waits can be marked as left"}
Reference = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
FormText = Annotated[str, Form(max_length=40)]


def _office(text: str) -> str:
    """An office's code as typed: full-width digits, any dash (`１３１０１－０２`)."""
    return _DASHES.sub("-", forms.plain(text)).replace(" ", "")[:12]


def _wait(queue: crowding.DeskQueue | None) -> tuple[int | None, str | None]:
    """The wait expected this hour in whole minutes (as the API rounds it), its level."""
    minutes = queue.expected_wait_minutes if queue is not None else None
    if minutes is None:
        return None, None
    return round(minutes), LEVELS[level(minutes).value]


def _day_page(request: Request, actor: Actor, container: ContainerDep, now: datetime, *,
              office: str, on: str, status_code: int = 200,
              errors: forms.FormErrors | None = None, purpose: str = "") -> HTMLResponse:
    errors = errors if errors is not None else forms.FormErrors()
    office = _office(office) if office.strip() else (actor.municipality_code or "")
    today = now.astimezone(JST).date()
    day = today
    if on.strip():
        parsed = errors.check("on", forms.parse_date, on)
        day = parsed if isinstance(parsed, date) else day
    if not OFFICE.fullmatch(office):
        errors["office"] = "An office's code: 5 digits, a branch's with -NN (13101-02)"
    found: list[Appointment] = []
    queue: crowding.DeskQueue | None = None
    if "office" not in errors:
        found = list(appointments.day_list(container.uow, actor=actor, office_code=office,
                                           on=day))
        queue = crowding.desk_queue(container.uow, container.holidays, actor=actor,
                                    office_code=office, on=day, now=now,
                                    extra_deadlines=container.deadlines)
    # A clerk picks among their municipality's offices; an administrator types the code.
    choices = (office_service.list_offices(container.uow,
                                           municipality_code=actor.municipality_code)
               if actor.municipality_code else [])
    wait_minutes, wait_level = _wait(queue)
    return render_staff(request, "staff/desk.html", actor,
                        status_code=422 if errors and status_code == 200 else status_code,
                        errors=errors, office=office, day=day, on=on, today=today,
                        bookings=found, purposes=PURPOSES, next_steps=NEXT_STEPS,
                        queue=queue, walk_in_steps=WALK_IN_STEPS, purpose=purpose,
                        walk_in_status=WALK_IN_STATUS, walk_in_buttons=WALK_IN_BUTTONS,
                        booking_status=BOOKING_STATUS, desk_buttons=DESK_BUTTONS,
                        offices=[(o.code, f"{o.code} {o.name}") for o in choices],
                        wait_minutes=wait_minutes, wait_level=wait_level)


def _back(office: str, on: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/desk?{urlencode({'office': office, 'on': on})}#{anchor}",
                            status_code=303)


@router.get("", response_class=HTMLResponse)
def day(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
        office: str = "", on: str = "") -> HTMLResponse:
    actor.require(Permission.APPOINTMENT_DESK)
    return _day_page(request, actor, container, now, office=office[:40], on=on[:40])


@router.post("/walk-ins", response_class=HTMLResponse)
def walk_in_arrived(request: Request, actor: StaffActor, container: ContainerDep,
                    now: NowDep, *, purpose: FormText = "", office: FormText = "",
                    on: FormText = "") -> Response:
    """A resident without a booking arrived now at the office shown."""
    actor.require(Permission.APPOINTMENT_DESK)
    errors = forms.FormErrors()
    code = _office(office)
    chosen = next((p for p in Purpose if p.value == purpose), None)
    if chosen is None:
        errors["purpose"] = "Choose the purpose of the visit"
    elif not OFFICE.fullmatch(code):
        errors["office"] = "An office's code: 5 digits, a branch's with -NN (13101-02)"
    else:
        crowding.record_walk_in(container.uow, actor=actor, office_code=code,
                                purpose=chosen, now=now)
    if errors:
        return _day_page(request, actor, container, now, office=office, on=on,
                         errors=errors, purpose=purpose)
    return _back(code, on, "walk-ins")


@router.post("/walk-ins/{walk_in_id}", response_class=HTMLResponse)
def mark_walk_in(request: Request, actor: StaffActor, container: ContainerDep,
                 now: NowDep, *, walk_in_id: IdPath,
                 step: Annotated[str, Form(max_length=20)] = "", office: FormText = "",
                 on: FormText = "") -> Response:
    actor.require(Permission.APPOINTMENT_DESK)
    errors = forms.FormErrors()
    row = f"walk-in-{walk_in_id}"
    chosen = next((s for s in WalkInStep if s.value == step), None)
    if chosen is None:
        errors[row] = "Choose what to mark"
    else:
        try:
            crowding.mark_walk_in(container.uow, actor=actor, walk_in_id=walk_in_id,
                                  step=chosen, now=now, office_code=_office(office) or None)
        except InvalidTransition:
            errors[row] = WALK_IN_REFUSED[chosen]
        except (Conflict, InvalidInput) as refused:
            errors[row] = refused.message
    if errors:
        return _day_page(request, actor, container, now, office=office, on=on,
                         status_code=409, errors=errors)
    return _back(_office(office), on, row)


@router.post("/{reference}", response_class=HTMLResponse)
def mark(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
         reference: Reference, step: Annotated[str, Form(max_length=20)] = "",
         office: FormText = "", on: FormText = "") -> Response:
    actor.require(Permission.APPOINTMENT_DESK)
    errors = forms.FormErrors()
    chosen = next((s for s in DeskStep if s.value == step), None)
    if chosen is None:
        errors[f"booking-{reference}"] = "Choose what to mark"
    else:
        try:
            appointments.mark(container.uow, actor=actor, reference=reference, step=chosen,
                              now=now)
        except (Conflict, InvalidInput) as refused:
            errors[f"booking-{reference}"] = refused.message
    if errors:
        return _day_page(request, actor, container, now, office=office, on=on,
                         status_code=409, errors=errors)
    return RedirectResponse(f"/staff/desk?{urlencode({'office': office, 'on': on})}",
                            status_code=303)
