"""The day's appointments of the clerk's office (issue 17 point 3): the bookings in slot
order, and for each the next mark: arrived, service started, ended, or no-show.

The API's services (appointments.day_list, appointments.mark: the crowding history
follows the marks), the same audit records under the member's name; a clerk sees only
their municipality's offices (another's is answered as an unknown office).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.appointments import AppointmentStatus, DeskStep
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import appointments
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.offices_common import PURPOSES
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/desk")
OFFICE = re.compile(r"\d{5}(-\d{2})?")
NEXT_STEPS = {AppointmentStatus.BOOKED: (DeskStep.ARRIVED, DeskStep.NO_SHOW),
              AppointmentStatus.ARRIVED: (DeskStep.STARTED,),
              AppointmentStatus.IN_SERVICE: (DeskStep.ENDED,)}
Reference = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def _day_page(request: Request, actor: Actor, container: ContainerDep, now: datetime, *,
              office: str, on: str, status_code: int = 200,
              errors: forms.FormErrors | None = None) -> HTMLResponse:
    errors = errors if errors is not None else forms.FormErrors()
    office = forms.digits(office)[:12] if office else (actor.municipality_code or "")
    day = now.astimezone(JST).date()
    if on.strip():
        parsed = errors.check("on", forms.parse_date, on)
        day = parsed if isinstance(parsed, date) else day
    if not OFFICE.fullmatch(office):
        errors["office"] = "An office's code: 5 digits, a branch's with -NN (13101-02)"
    found = [] if "office" in errors else appointments.day_list(
        container.uow, actor=actor, office_code=office, on=day)
    return render_staff(request, "staff/desk.html", actor,
                        status_code=422 if errors and status_code == 200 else status_code,
                        errors=errors,
                        office=office, day=day, on=on, bookings=found, purposes=PURPOSES,
                        next_steps=NEXT_STEPS)


@router.get("", response_class=HTMLResponse)
def day(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
        office: str = "", on: str = "") -> HTMLResponse:
    actor.require(Permission.APPOINTMENT_DESK)
    return _day_page(request, actor, container, now, office=office[:40], on=on[:40])


@router.post("/{reference}", response_class=HTMLResponse)
def mark(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
         reference: Reference, step: Annotated[str, Form(max_length=20)] = "",
         office: Annotated[str, Form(max_length=40)] = "",
         on: Annotated[str, Form(max_length=40)] = "") -> Response:
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
