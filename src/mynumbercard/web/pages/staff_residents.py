"""The counter workspace's first pages: find a resident (by Individual Number, by name or
kana with the birth date, by postal code and address) and read their register entry.

The API's services (lookups.search_residents; resident_overview with the API's rule): a clerk finds
only residents of their municipality, and a resident of another one is refused exactly
as the API refuses (not found); every read is audited under the member's name."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.errors import InvalidIndividualNumber, InvalidInput
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Permission
from mynumbercard.services import lookups, resident_overview
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router, staff_cards
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff
from mynumbercard.web.pages.staff_letters import life_event_sections

router = page_router(prefix="/staff/residents")
MAX_ID = 2**62
Field = Annotated[str, Form(max_length=200)]
FIELDS = ("number", "name", "birth_date", "postal_code", "address")


@router.get("", response_class=HTMLResponse)
def search_form(request: Request, actor: StaffActor) -> HTMLResponse:
    actor.require(Permission.RESIDENT_READ)
    return render_staff(request, "staff/residents_search.html", actor, errors={},
                        typed=dict.fromkeys(FIELDS, ""), found=None)


# A search is sent by POST: the number, names and birth dates typed stay out of URLs
# (access logs, the browser's history).
@router.post("", response_class=HTMLResponse)
def search(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
           number: Field = "", name: Field = "", birth_date: Field = "",
           postal_code: Field = "", address: Field = "") -> HTMLResponse:
    typed = {"number": number, "name": name, "birth_date": birth_date,
             "postal_code": postal_code, "address": address}
    errors = forms.FormErrors()
    found: list[Resident] | None = None
    query = _query(typed, errors)
    if query is not None:
        try:
            found = list(lookups.search_residents(container.uow, actor=actor, query=query,
                                                  now=now))
        except InvalidIndividualNumber:  # its message quotes what was typed: say it plainly
            errors["number"] = "Not an Individual Number: 12 digits, the last a check digit"
        except InvalidInput as error:
            errors[_field_of(query)] = error.message
    return render_staff(request, "staff/residents_search.html", actor,
                        status_code=422 if errors else 200, typed=typed, errors=errors,
                        found=found)


def _query(typed: dict[str, str], errors: forms.FormErrors) -> lookups.ResidentQuery | None:
    """The one search the filled fields ask for, or None with the errors said."""
    if typed["number"].strip():
        return lookups.ResidentQuery(number=forms.digits(typed["number"]))
    if typed["name"].strip():
        if not typed["birth_date"].strip():
            errors["birth_date"] = "A search by name needs the date of birth"
            return None
        born = errors.check("birth_date", forms.parse_date, typed["birth_date"])
        if born is None:
            return None
        return lookups.ResidentQuery(name=forms.plain(typed["name"]),
                                     birth_date=born)  # type: ignore[arg-type]
    if typed["postal_code"].strip():
        return lookups.ResidentQuery(postal_code=forms.digits(typed["postal_code"]),
                                     address=forms.plain(typed["address"]) or None)
    errors["number"] = ("Search by the Individual Number, by name with the date of birth, "
                        "or by postal code")
    return None


def _field_of(query: lookups.ResidentQuery) -> str:
    return "number" if query.number else "name" if query.name else "postal_code"


@router.get("/{resident_id}", response_class=HTMLResponse)
def resident(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
             resident_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> HTMLResponse:
    overview = resident_overview.resident_overview(container.uow, actor=actor,
                                                   resident_id=resident_id, now=now)
    return render_staff(request, "staff/resident.html", actor, resident=overview.resident,
                        notice=overview.moving_out, cards=overview.cards,
                        applications=overview.applications,
                        reviewer=actor.may(Permission.APPLICATION_REVIEW),
                        **staff_cards.card_actions(container, actor, overview.resident,
                                                   overview.cards, now),
                        **life_event_sections(request, actor, container, overview.resident,
                                              moving_out=overview.moving_out is not None))
