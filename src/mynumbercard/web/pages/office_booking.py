"""The booking page the notice of issuance's QR code opens: `/appointments?office=…&ref=…`
(docs/offices.md "The pages").

The office, today's expected wait per hour, the quietest free slots of the next two
weeks first (then every free slot day by day), and a form that books one through the
same use case as the API, rate-limited alike. A form with a mistake comes back with the
error beside its field (422), nothing booked.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.services import appointments as booking
from mynumbercard.services import crowding
from mynumbercard.services import offices as office_service
from mynumbercard.web.api.appointments import limit_resident
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.errors import status_for
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.offices_common import (
    LEVELS,
    PURPOSES,
    REASONS,
    day_label,
    hours_lines,
    is_office_code,
)
from mynumbercard.web.pages.templating import choose_language, render

router = page_router()
DAYS = 14
QUIETEST = 8
FIELDS = ("office", "purpose", "card_number", "application_id", "birth_date", "email",
          "slot")


def _slot_value(moment: datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M")


def _booking(request: Request, container: ContainerDep, now: datetime, code: str, *,
             values: dict[str, str], errors: forms.FormErrors | None = None,
             status: int = 200) -> HTMLResponse:
    if not is_office_code(code):
        raise NotFound(f"no office {code[:8]}")
    language = choose_language(request)
    today = now.astimezone(JST).date()
    found = booking.availability(container.uow, container.holidays, office_code=code,
                                 start=today, days=DAYS, now=now)
    expected = crowding.crowding(container.uow, container.holidays, office_code=code,
                                 start=today, days=DAYS, now=now,
                                 extra_deadlines=container.deadlines)
    quiet = crowding.quietest_slots(found, expected, limit=QUIETEST)
    quiet_values = {_slot_value(s.starts_at) for s in quiet}
    days = [{"label": day_label(language, d.hours.day), "open": d.hours.is_open,
             "reason": REASONS.get(d.hours.closed_reason or "", ""),
             "slots": [{"value": v, "time": f"{s.local_time:%H:%M}", "free": s.free}
                       for s in d.slots if s.free > 0
                       and (v := _slot_value(s.starts_at)) not in quiet_values]}
            for d in found.days]
    return render(
        request, "offices/booking.html", status_code=status, office=found.office,
        hours=hours_lines(language, found.office), today=expected.days[0],
        today_label=day_label(language, today), levels=LEVELS, reasons=REASONS,
        quiet=[{"value": _slot_value(s.starts_at), "free": s.free,
                "label": f"{day_label(language, s.starts_at.astimezone(JST).date())} "
                         f"{s.starts_at.astimezone(JST):%H:%M}",
                "wait": None if s.wait_minutes is None else round(s.wait_minutes)}
               for s in quiet],
        days=days, purposes=PURPOSES, values=values, errors=errors or forms.FormErrors())


def _choose(request: Request, container: ContainerDep) -> HTMLResponse:
    return render(request, "offices/choose.html",
                  offices=office_service.list_offices(container.uow))


@router.get("/appointments", response_class=HTMLResponse)
def booking_page(request: Request, container: ContainerDep, now: NowDep,
                 office: Annotated[str | None, Query(max_length=8)] = None,
                 ref: Annotated[str | None, Query(max_length=32)] = None) -> HTMLResponse:
    if not office:
        return _choose(request, container)
    card = forms.plain(ref) if ref and ref.replace("-", "").isalnum() else ""
    return _booking(request, container, now, office, values={"card_number": card})


def _read(values: dict[str, str]) -> tuple[forms.FormErrors, dict[str, Any]]:
    """The form's fields read, or the errors beside them."""
    errors = forms.FormErrors()
    read: dict[str, Any] = {}
    try:
        read["purpose"] = Purpose(values.get("purpose", ""))
    except ValueError:
        errors["purpose"] = "Choose what you come for."
    card, application_id = values.get("card_number", ""), values.get("application_id", "")
    if not card and not application_id:
        errors["card_number"] = "Give the card number or the Application ID."
    read["birth_date"] = errors.check("birth_date", forms.parse_date,
                                      values.get("birth_date"))
    slot = values.get("slot", "")
    try:
        read["on"], read["at"] = date.fromisoformat(slot[:10]), time.fromisoformat(slot[11:16])
        if slot[10:11] != "T" or len(slot) != 16:
            raise ValueError(slot)
    except ValueError:
        errors["slot"] = "Choose a free time."
    return errors, read


@router.post("/appointments", response_class=HTMLResponse)
async def book_from_page(request: Request, container: ContainerDep,
                         now: NowDep) -> HTMLResponse:
    form = await request.form()
    values = {name: forms.plain(str(form.get(name) or ""))[:300] for name in FIELDS}
    values["application_id"] = forms.digits(values["application_id"])
    code = values["office"]
    errors, read = _read(values)
    if errors:
        return _booking(request, container, now, code, values=values, errors=errors,
                        status=422)
    limit_resident(container, request, values["application_id"] or values["card_number"])
    try:
        made = booking.book(container.uow, container.holidays, office_code=code,
                            purpose=read["purpose"],
                            application_id=values["application_id"] or None,
                            card_number=values["card_number"] or None,
                            birth_date=read["birth_date"], on=read["on"], at=read["at"],
                            email=values["email"] or None, now=now)
    except (Conflict, InvalidInput, NotFound) as error:
        field = "card_number" if isinstance(error, NotFound) else "slot"
        if "mail" in error.message:
            field = "email"
        return _booking(request, container, now, code, values=values,
                        errors=forms.FormErrors({field: error.message}),
                        status=status_for(error))
    local = made.starts_at.astimezone(JST)
    return render(request, "offices/booked.html", status_code=201, booking=made,
                  office_code=code,
                  when=f"{day_label(choose_language(request), local.date())} {local:%H:%M}")
