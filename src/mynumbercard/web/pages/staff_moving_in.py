"""A moving-in from another municipality (転入届) at the destination's counter: the API's
use case (moving.record_moving_in) under the signed-in member's name, with the evidence
the person presents (the moving-out certificate's number, or the card of the special
case) and their birth date. Evidence that matches no move to this municipality comes back
on the form, as the API answers it (not found), nothing saved."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import moving
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff
from mynumbercard.web.pages.staff_life_events import FIELD_LIMIT, Field, read_field
from mynumbercard.web.pages.staff_register import EARLIEST

router = page_router(prefix="/staff/residents")
FIELDS = (
    Field("moving_out_certificate", "Moving-out certificate number", "reference",
          "12 digits; or leave empty and give the card's number", optional=True),
    Field("card_number", "Card number (the special case: the card instead of the "
          "certificate)", "card", optional=True),
    Field("birth_date", "Date of birth", "date", "2026-11-30 or 令和8年11月30日"),
    Field("on", "Day of moving in", "date",
          "2026-11-30 or 令和8年11月30日; today if left empty", optional=True),
    Field("postal_code", "Postal code", "postal"),
    Field("address", "Address (after the municipality)", "address"),
    Field("continue_card", "The card's continued use (継続利用) is recorded now", "check"),
)


def _page(request: Request, actor: Actor, *, typed: dict[str, str], errors: dict[str, str],
          problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render_staff(request, "staff/moving_in.html", actor,
                        status_code=422 if errors else status_code, typed=typed,
                        errors=errors, problem=problem, fields=FIELDS)


@router.get("/moving-in", response_class=HTMLResponse)
def moving_in_form(request: Request, actor: StaffActor) -> HTMLResponse:
    actor.require_role(Permission.RESIDENT_WRITE)
    return _page(request, actor, typed={}, errors={})


def _read(typed: dict[str, str], errors: forms.FormErrors, now: NowDep) -> dict[str, Any]:
    today = now.astimezone(JST).date()
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.kind in {"reference", "card"}:  # one of the two: checked below
            read = forms.digits if field.kind == "reference" else forms.plain
            values[field.name] = read(typed[field.name]) or None
            continue
        values[field.name] = errors.check(field.name, read_field, field, typed[field.name],
                                          today, values.get("birth_date") or EARLIEST)
    reference, card = values["moving_out_certificate"], values["card_number"]
    if (reference is None) == (card is None):
        errors["moving_out_certificate"] = ("Give either the moving-out certificate's "
                                            "number or the card's number")
    elif reference is not None and not (reference.isdigit() and len(reference) == 12):
        errors["moving_out_certificate"] = "A moving-out certificate number has 12 digits"
    elif card is not None and len(card) > 32:
        errors["card_number"] = "A card number has at most 32 characters"
    return values


@router.post("/moving-in", response_class=HTMLResponse)
async def record_moving_in(request: Request, actor: StaffActor, container: ContainerDep,
                           now: NowDep) -> Response:
    actor.require_role(Permission.RESIDENT_WRITE)
    posted = await request.form()
    typed = {f.name: str(posted.get(f.name, ""))[:FIELD_LIMIT] for f in FIELDS}
    errors = forms.FormErrors()
    values = _read(typed, errors, now)
    if errors:
        return _page(request, actor, typed=typed, errors=errors)
    try:
        done = moving.record_moving_in(
            container.uow, actor=actor, reference=values["moving_out_certificate"],
            card_number=values["card_number"], birth_date=values["birth_date"],
            moved_in_on=values["on"], postal_code=values["postal_code"],
            address=values["address"], continue_card=values["continue_card"], now=now,
            ca=lambda: container.authority, vault=container.vault)
    except NotFound as unknown:
        return _page(request, actor, typed=typed, errors={}, problem=unknown.message,
                     status_code=404)
    except (Conflict, InvalidInput) as refused:
        return _page(request, actor, typed=typed, errors={}, problem=refused.message,
                     status_code=409)
    return RedirectResponse(f"/staff/residents/{done.resident.id}?done=moved-in",
                            status_code=303)
