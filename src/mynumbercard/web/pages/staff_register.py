"""Register a birth or an arrival from overseas (国外からの転入) at the counter: the API's
use case (register.register_resident) under the signed-in member's name, which draws the
new Individual Number and queues the Individual Number Notice in the outgoing mail (the
letter is on the resident's page, to print again at once if the holder waits).

A clerk registers in their own municipality (the field is theirs, fixed); a member of
another role with the write permission names the municipality. Fields are read as the
API's bounds read them; a bad one comes back beside it (422), nothing saved."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, UnknownMunicipality
from mynumbercard.domain.resident import ResidenceStatus, Sex
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import register
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff
from mynumbercard.web.pages.staff_life_events import FIELD_LIMIT, Field, read_field

router = page_router(prefix="/staff/residents")
REASONS = ("birth", "arrival")
EARLIEST = date(1900, 1, 1)
FIELDS = (
    Field("family_name", "Family name", "name"), Field("given_name", "Given name", "name"),
    Field("family_name_kana", "Family name (kana)", "kana"),
    Field("given_name_kana", "Given name (kana)", "kana"),
    Field("birth_date", "Date of birth", "date", "2026-11-30 or 令和8年11月30日"),
    Field("postal_code", "Postal code", "postal"),
    Field("address", "Address (after the municipality)", "address"),
    Field("on", "Day of the birth or of the arrival", "date",
          "2026-11-30 or 令和8年11月30日; today if left empty", optional=True),
    Field("period_of_stay_until", "End of the period of stay", "until",
          "Only for a status with a period of stay", optional=True),
)
TYPED = ("reason", "sex", "nationality", "residence_status", "municipality_code",
         *(f.name for f in FIELDS))


def _page(request: Request, actor: Actor, *, typed: dict[str, str], errors: dict[str, str],
          problem: str | None = None) -> HTMLResponse:
    return render_staff(request, "staff/register_resident.html", actor,
                        status_code=409 if problem else 422 if errors else 200,
                        typed=typed, errors=errors, problem=problem, fields=FIELDS,
                        own_municipality=actor.municipality_code)


@router.get("/new", response_class=HTMLResponse)
def new_resident(request: Request, actor: StaffActor) -> HTMLResponse:
    actor.require_role(Permission.RESIDENT_WRITE)
    return _page(request, actor, typed={"reason": "birth", "nationality": "JP",
                                        "residence_status": "national"}, errors={})


def _read(typed: dict[str, str], actor: Actor, errors: forms.FormErrors,
          today: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in FIELDS:
        values[field.name] = errors.check(field.name, read_field, field,
                                          typed.get(field.name, ""), today,
                                          values.get("birth_date") or EARLIEST)
    if typed["reason"] not in REASONS:
        errors["reason"] = "Choose a birth or an arrival"
    values["sex"] = next((s for s in Sex if s.value == typed["sex"]), None)
    if values["sex"] is None:
        errors["sex"] = "Choose the sex as registered"
    values["residence_status"] = next(
        (s for s in ResidenceStatus if s.value == typed["residence_status"]), None)
    if values["residence_status"] is None:
        errors["residence_status"] = "Choose the residence status"
    nationality = forms.plain(typed["nationality"]).upper()
    if not (len(nationality) == 2 and nationality.isascii() and nationality.isalpha()):
        errors["nationality"] = "A nationality is a 2-letter country code (JP, US, VN...)"
    values["nationality"] = nationality
    stay = values["residence_status"]
    if stay is not None and stay.has_period_of_stay and values["period_of_stay_until"] is None:
        errors["period_of_stay_until"] = "A status with a period of stay needs its end"
    if stay is not None and not stay.has_period_of_stay and values["period_of_stay_until"]:
        errors["period_of_stay_until"] = "Only a status with a period of stay has an end"
    code = actor.municipality_code or forms.digits(typed["municipality_code"])
    if not (code.isdigit() and len(code) in {5, 6}):
        errors["municipality_code"] = "A municipality code is 5 digits"
    values["municipality_code"] = code[:5]
    if typed["reason"] == "birth" and not typed["on"].strip() and values["birth_date"]:
        values["on"] = values["birth_date"]  # a birth is registered as of the day of birth
    return values


@router.post("/new", response_class=HTMLResponse)
async def register_new(request: Request, actor: StaffActor, container: ContainerDep,
                       now: NowDep) -> Response:
    actor.require_role(Permission.RESIDENT_WRITE)
    posted = await request.form()
    typed = {name: str(posted.get(name, ""))[:FIELD_LIMIT] for name in TYPED}
    errors = forms.FormErrors()
    values = _read(typed, actor, errors, now.astimezone(JST).date())
    if errors:
        return _page(request, actor, typed=typed, errors=errors)
    try:
        resident = register.register_resident(
            container.uow, actor=actor, now=now, family_name=values["family_name"],
            given_name=values["given_name"], family_name_kana=values["family_name_kana"],
            given_name_kana=values["given_name_kana"], birth_date=values["birth_date"],
            sex=values["sex"], municipality_code=values["municipality_code"],
            postal_code=values["postal_code"], address=values["address"],
            registered_on=values["on"], nationality=values["nationality"],
            residence_status=values["residence_status"],
            period_of_stay_until=values["period_of_stay_until"])
    except UnknownMunicipality:
        return _page(request, actor, typed=typed, errors=forms.FormErrors(
            municipality_code="No municipality has this code"))
    except (Conflict, InvalidInput) as refused:
        return _page(request, actor, typed=typed, errors={}, problem=refused.message)
    return RedirectResponse(f"/staff/residents/{resident.id}?done=registered",
                            status_code=303)
