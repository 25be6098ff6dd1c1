"""The counter's life events on a resident's page: a move within the municipality (転居),
a moving-out notification (転出届), a death, an emigration, an address corrected, a change
of name, an extended period of stay.

Each is a form answered by the API's use case (services/register.py, moving.py,
life_events.py) under the signed-in member's name: the same authorisation (a clerk of the
resident's municipality; another one's resident answers as unknown) and audit records. The
form's fields are read and checked here first, as the API's bounds do (a date after today
is refused, a planned moving-out may be ahead as the service allows); a bad field comes
back beside it with a 422 and nothing saved. A death or an emigration asks to confirm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain import bounds
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import Conflict, InvalidInput, UnknownMunicipality
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import life_events, moving, register
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/residents")
MAX_ID = 2**62
ResidentId = Annotated[int, Path(ge=1, le=MAX_ID)]
FIELD_LIMIT = 1000  # characters kept of a field: more than any check allows, so a
#                     field too long is refused by its check, never cut to fit


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str  # an English msgid (staff.po)
    kind: str  # date | planned | until | code | postal | address | name | kana | check
    #            (a date after today is refused for `date` only; staff_moving_in adds two)
    hint: str | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    slug: str
    title: str  # an English msgid
    fields: tuple[Field, ...]
    confirm: bool = False  # destructive: a second step says what follows
    warning: str | None = None  # what the confirm step (or the form) says will follow
    foreign_only: bool = False


_ON = Field("on", "Date", "date", "2026-11-30 or 令和8年11月30日; today if left empty",
            optional=True)
EVENTS: dict[str, Event] = {e.slug: e for e in (
    Event("move", "Move within the municipality", (
        Field("to_municipality", "Municipality code after the move", "code",
              "Leave empty for the same municipality; a ward of the same designated city",
              optional=True),
        Field("postal_code", "Postal code", "postal"),
        Field("address", "Address after the move", "address"), _ON),
        warning="The signature certificate is revoked (its subject carries the address)."),
    Event("moving-out", "Moving out to another municipality", (
        Field("to_municipality", "Municipality code of the destination", "code"),
        Field("on", "Planned day of the move", "planned",
              "2026-11-30 or 令和8年11月30日; today if left empty", optional=True)),
        warning="The resident stays on the register until the destination records the "
                "moving-in."),
    Event("cancel-moving-out", "Withdraw the moving-out notification", (), confirm=True,
          warning="The move did not happen: the resident stays, and the moving-out "
                  "certificate's number can no longer be used."),
    Event("death", "Death", (_ON,), confirm=True,
          warning="The resident leaves the register: their cards lapse, their certificates "
                  "are revoked and their applications are voided."),
    Event("emigration", "Emigration (moving abroad)", (_ON,), confirm=True,
          warning="The resident leaves the register: their cards lapse, their certificates "
                  "are revoked and their applications are voided."),
    Event("address", "Correct the address", (
        Field("postal_code", "Postal code", "postal"),
        Field("address", "Correct address", "address"), _ON),
        warning="The signature certificate is revoked (its subject carries the address)."),
    Event("name", "Change of name", (
        Field("family_name", "Family name", "name"), Field("given_name", "Given name", "name"),
        Field("family_name_kana", "Family name (kana)", "kana"),
        Field("given_name_kana", "Given name (kana)", "kana"),
        Field("show_former_surname", "Show the former surname with the name (旧氏併記)",
              "check"), _ON),
        warning="The signature certificate is revoked (its subject carries the name)."),
    Event("stay", "Extended period of stay", (
        Field("period_of_stay_until", "New end of the period of stay", "until"),
        Field("on", "Day the extension was granted", "date",
              "2026-11-30 or 令和8年11月30日; today if left empty", optional=True),
        Field("extend_card", "The holder brought the card: extend its validity", "check")),
        foreign_only=True),
)}


MOVING_OUT_OPEN = {"cancel-moving-out"}  # only while a moving-out is notified
NOT_WHILE_MOVING_OUT = {"move", "moving-out"}  # refused by the services meanwhile


def events_for(resident: Resident, *, moving_out: bool) -> list[Event]:
    """The events the resident's page offers (none once off the register)."""
    if resident.status is not ResidentStatus.ACTIVE:
        return []
    foreign = resident.residence_status.has_period_of_stay
    hidden = NOT_WHILE_MOVING_OUT if moving_out else MOVING_OUT_OPEN
    return [e for e in EVENTS.values()
            if (foreign or not e.foreign_only) and e.slug not in hidden]


def _event(slug: str) -> Event:
    event = EVENTS.get(slug)
    if event is None:
        raise InvalidInput("no such life event")  # a 422 page, before any look-up
    return event


def read_field(field: Field, raw: str, today: date, born: date) -> Any:
    """The field's value as the service takes it; InvalidInput with a page message."""
    text = forms.plain(raw)
    if field.kind == "check":
        return text in {"1", "on", "yes", "true"}
    if not text:
        if field.optional:
            return today if field.kind in {"date", "planned"} else None
        raise InvalidInput("This field is required")
    if field.kind in {"date", "planned", "until"}:
        day = forms.parse_date(text)
        if day < born:
            raise InvalidInput("The date is before the date of birth")
        if field.kind == "date" and day > today:
            raise InvalidInput("The date is after today: record it on or after the day")
        return day
    if field.kind == "code":
        code = forms.digits(text)
        if not (code.isdigit() and len(code) in {5, 6}):
            raise InvalidInput("A municipality code is 5 digits")
        return code[:5]
    if field.kind == "postal":
        code = forms.digits(text)
        if not (code.isdigit() and len(code) == 7):
            raise InvalidInput("A postal code is 7 digits")
        return code
    checks: dict[str, tuple[Callable[..., str], str]] = {
        "address": (bounds.check_address,
                    "Write the address in letters, digits and kana (at most 200 characters)"),
        "name": (bounds.check_name,
                 "Write the name in kanji, kana or Latin letters (at most 40 characters)"),
        "kana": (bounds.check_kana, "Write it in katakana (at most 80 characters)"),
    }
    check, message = checks[field.kind]
    try:
        return check(text, field=field.name)
    except InvalidInput:
        raise InvalidInput(message) from None


def read_form(event: Event, typed: dict[str, str], errors: forms.FormErrors, *, today: date,
              born: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in event.fields:
        values[field.name] = errors.check(field.name, read_field, field,
                                          typed.get(field.name, ""), today, born)
    return values


def _do(event: Event, values: dict[str, Any], *, actor: Actor, resident: Resident,
        container: ContainerDep, now: datetime) -> str | None:
    """The event through its use case; returns the moving-out certificate's number."""
    uow, rid = container.uow, resident.id

    def ca() -> Any:
        return container.authority

    match event.slug:
        case "move":
            register.move_resident(
                uow, actor=actor, resident_id=rid, now=now, ca=ca, vault=container.vault,
                to_municipality=values["to_municipality"] or resident.municipality_code,
                postal_code=values["postal_code"], address=values["address"],
                moved_on=values["on"])
        case "moving-out":
            done = moving.record_moving_out(uow, actor=actor, resident_id=rid, now=now, ca=ca,
                                            to_municipality=values["to_municipality"],
                                            planned_on=values["on"])
            return done.notice.reference
        case "cancel-moving-out":
            moving.cancel_moving_out(uow, actor=actor, resident_id=rid, now=now)
        case "death":
            register.record_death(uow, actor=actor, resident_id=rid, died_on=values["on"],
                                  now=now, ca=ca, vault=container.vault)
        case "emigration":
            register.record_emigration(uow, actor=actor, resident_id=rid, now=now, ca=ca,
                                       emigrated_on=values["on"], vault=container.vault)
        case "address":
            life_events.correct_address(uow, actor=actor, resident_id=rid, now=now, ca=ca,
                                        postal_code=values["postal_code"],
                                        address=values["address"], corrected_on=values["on"])
        case "name":
            life_events.change_name(
                uow, actor=actor, resident_id=rid, now=now, ca=ca,
                family_name=values["family_name"], given_name=values["given_name"],
                family_name_kana=values["family_name_kana"],
                given_name_kana=values["given_name_kana"], changed_on=values["on"],
                show_former_surname=values["show_former_surname"])
        case "stay":
            life_events.extend_stay(uow, actor=actor, resident_id=rid, now=now,
                                    period_of_stay_until=values["period_of_stay_until"],
                                    granted_on=values["on"], extend_card=values["extend_card"])
    return None


def _resident(actor: Actor, container: ContainerDep, resident_id: int, now: datetime,
              event: Event) -> Resident:
    """Writing needs the write permission (a role's refusal before any look-up), then the
    resident as the API reads them (another municipality's answers as unknown; audited),
    and an event their state allows."""
    actor.require_role(Permission.RESIDENT_WRITE)
    resident, notice = moving.resident_with_move(container.uow, actor=actor,
                                                 resident_id=resident_id, now=now)
    if event not in events_for(resident, moving_out=notice is not None):
        raise Conflict("this event cannot be recorded for this resident")
    return resident


def _form(request: Request, actor: Actor, resident: Resident, event: Event, *,
          typed: dict[str, str], errors: dict[str, str], confirming: bool = False,
          problem: str | None = None) -> HTMLResponse:
    bad = bool(errors) or problem is not None
    return render_staff(request, "staff/life_event.html", actor,
                        status_code=409 if problem else 422 if bad else 200,
                        resident=resident, event=event, typed=typed, errors=errors,
                        confirming=confirming, problem=problem)


@router.get("/{resident_id}/events/{slug}", response_class=HTMLResponse)
def event_form(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
               *, resident_id: ResidentId, slug: Annotated[str, Path(max_length=20)]
               ) -> HTMLResponse:
    event = _event(slug)
    resident = _resident(actor, container, resident_id, now, event)
    return _form(request, actor, resident, event, typed={}, errors={})


@router.post("/{resident_id}/events/{slug}", response_class=HTMLResponse)
async def record_event(request: Request, actor: StaffActor, container: ContainerDep,
                       now: NowDep, *, resident_id: ResidentId,
                       slug: Annotated[str, Path(max_length=20)]) -> Response:
    event = _event(slug)
    posted = await request.form()
    typed = {f.name: str(posted.get(f.name, ""))[:FIELD_LIMIT] for f in event.fields}
    resident = _resident(actor, container, resident_id, now, event)
    errors = forms.FormErrors()
    values = read_form(event, typed, errors, today=now.astimezone(JST).date(),
                       born=resident.birth_date)
    if errors:
        return _form(request, actor, resident, event, typed=typed, errors=errors)
    if event.confirm and posted.get("confirmed") != "yes":
        return _form(request, actor, resident, event, typed=typed, errors={},
                     confirming=True)
    try:
        reference = _do(event, values, actor=actor, resident=resident, container=container,
                        now=now)
    except UnknownMunicipality:  # a code typed in the form
        return _form(request, actor, resident, event, typed=typed,
                     errors=forms.FormErrors(to_municipality="No municipality has this code"))
    except (Conflict, InvalidInput) as refused:  # the register's rules: the form again
        return _form(request, actor, resident, event, typed=typed, errors={},
                     problem=refused.message)
    if reference is not None:
        return render_staff(request, "staff/moving_out_done.html", actor,
                            resident=resident, reference=reference,
                            destination=values["to_municipality"], planned_on=values["on"])
    return RedirectResponse(f"/staff/residents/{resident_id}?done={event.slug}",
                            status_code=303)
