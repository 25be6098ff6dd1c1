"""The staff console's kiosk settlement: the fees per kiosk operator and municipality
over a period (this month by default), the documents by kind, the refusals counted, and
the cards whose PIN was refused repeatedly across kiosks (counted by the card). The
issuing agency's operators and administrators (`kiosk:settlement`); read-only, the same
service and audit record as `GET /api/v1/kiosk/operators/settlement`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.kiosk import KioskDocument, Refusal
from mynumbercard.domain.staff import Permission
from mynumbercard.services import kiosk_settlement
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/kiosk")
Text = Annotated[str, Query(max_length=40)]

KINDS = {KioskDocument.RESIDENCE_CERTIFICATE: "Certificates of residence",
         KioskDocument.REGISTER_ITEMS: "Certificates of register items"}
REFUSALS = {
    Refusal.CERTIFICATE_EXPIRED: "certificate expired",
    Refusal.CERTIFICATE_REVOKED: "certificate revoked",
    Refusal.CERTIFICATE_ON_HOLD: "certificate on hold",
    Refusal.PIN_WRONG: "wrong PIN",
    Refusal.PIN_LOCKED: "PIN locked",
    Refusal.MOVED_OUT: "moved out",
    Refusal.DECEASED: "deceased",
    Refusal.NOT_OFFERED: "not offered",
    Refusal.OUTSIDE_HOURS: "outside the hours",
    Refusal.MAINTENANCE: "maintenance",
    Refusal.REPLAYED: "challenge replayed",
}


@router.get("/settlement", response_class=HTMLResponse)
def settlement(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
               *, start: Text = "", end: Text = "") -> HTMLResponse:
    actor.require(Permission.KIOSK_SETTLEMENT)  # the role's refusal before any look-up
    typed = {"start": start, "end": end}
    errors = forms.FormErrors()
    first, last = errors.optional_date("start", start), errors.optional_date("end", end)
    if last is not None and first is None and "start" not in errors:
        errors["start"] = "Give the first day with the last"
    if first and last and last < first:
        errors["end"] = "The last day comes on or after the first"
    if first and last and (last - first).days >= kiosk_settlement.MAX_DAYS:
        errors["end"] = "A period is at most 400 days"
    view = None
    if not errors:
        view = kiosk_settlement.agency(container.uow, actor=actor, start=first, end=last,
                                       now=now)
    return render_staff(request, "staff/kiosk_settlement.html", actor,
                        status_code=422 if errors else 200, view=view, typed=typed,
                        errors=errors, kinds=KINDS, refusals=REFUSALS)
