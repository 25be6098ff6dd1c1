"""An administrator's offices: the list of a municipality's offices, add or edit one
(address, counters, slot, weekly hours, n-th weekday openings, hand-off level), a day
closed or given its own hours, and the bookings a change displaced. The API's services
(services/offices.py), the same audit records; any other role is refused (403)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from mynumbercard.domain.appointments import Appointment
from mynumbercard.domain.bounds import EARLIEST_BIRTH, LATEST_RULE_DATE
from mynumbercard.domain.errors import InvalidInput, NotFound, UnknownMunicipality
from mynumbercard.domain.offices import (
    MAX_COUNTERS,
    MAX_HANDOFF_WAIT,
    MAX_PER_COUNTER,
    OFFICE_CODE,
    SLOT_MINUTES,
    DayException,
    Office,
    Weekday,
    WeeklyRule,
    Window,
    parse_rules,
    parse_windows,
)
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import offices as service
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.offices_common import PURPOSES
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/offices")
Code = Annotated[str, Path(pattern=r"^\d{5}(-\d{2})?$")]
MUNICIPALITY = re.compile(r"\d{5}")
POSTAL = re.compile(r"\d{7}")
PHONE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")
WEEKDAY_LABELS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
                  "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
FIELDS = ("code", "name", "postal_code", "address", "phone", "counters", "per_counter",
          "slot_minutes", "handoff_wait_minutes", "nth", *WEEKDAY_LABELS)
HOURS_ERROR = "Write the hours as 08:30-12:00 13:00-17:15: at most 4 windows, not overlapping"


def _form_of(office: Office) -> dict[str, str]:
    """The office as the form shows it: hours as text, like the CSV's columns."""
    typed = {"code": office.code, "name": office.name, "postal_code": office.postal_code,
             "address": office.address, "phone": office.phone,
             "counters": str(office.counters), "per_counter": str(office.per_counter),
             "slot_minutes": str(office.slot_minutes),
             "handoff_wait_minutes": str(office.handoff_wait_minutes or "")}
    for day in Weekday:
        typed[day.key] = " ".join(w.text for r in office.rules
                                  if r.weekday is day and r.weeks is None for w in r.windows)
    typed["nth"] = "; ".join(f"{r.weekday.key}@{','.join(map(str, sorted(r.weeks)))} "
                             + " ".join(w.text for w in r.windows)
                             for r in office.rules if r.weeks is not None)
    return typed


EMPTY = dict.fromkeys(FIELDS, "") | {"counters": "1", "per_counter": "1",
                                         "slot_minutes": "30"}


def _number(typed: dict[str, str], name: str, bounds: tuple[int, int], message: str,
            errors: forms.FormErrors) -> int | None:
    low, high = bounds
    text = forms.digits(typed[name])
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    errors[name] = message
    return None


def _read_office(code: str, typed: dict[str, str],
                 errors: forms.FormErrors) -> Office | None:
    """The office as typed, or None with each problem beside its field (fixed messages,
    so that the page's language has them all)."""
    name, address = forms.plain(typed["name"]), forms.plain(typed["address"])
    if not name or len(name) > 60:
        errors["name"] = "A name is required: at most 60 characters"
    postal = forms.digits(typed["postal_code"])
    if not POSTAL.fullmatch(postal):
        errors["postal_code"] = "A postal code is 7 digits"
    if not address or len(address) > 200:
        errors["address"] = "An address is required: at most 200 characters"
    phone = forms.plain(typed["phone"]).replace("－", "-").replace("ー", "-")
    if not PHONE.fullmatch(phone):
        errors["phone"] = "Write the telephone as 03-3264-2111"
    counters = _number(typed, "counters", (1, MAX_COUNTERS), "1 to 50 counters", errors)
    per_counter = _number(typed, "per_counter", (1, MAX_PER_COUNTER),
                          "1 to 10 bookings per counter and slot", errors)
    slot = forms.digits(typed["slot_minutes"])
    if slot not in {str(m) for m in SLOT_MINUTES}:
        errors["slot_minutes"] = "Choose the slot's length"
    handoff = None
    if forms.digits(typed["handoff_wait_minutes"]) not in {"", "0"}:
        handoff = _number(typed, "handoff_wait_minutes", (1, MAX_HANDOFF_WAIT),
                          "1 to 480 minutes, or empty", errors)
    rules: list[WeeklyRule] = []
    for day in Weekday:
        try:
            rules += parse_rules({day.key: forms.plain(typed[day.key])})
        except InvalidInput:
            errors[day.key] = HOURS_ERROR
    try:
        rules += parse_rules({}, forms.plain(typed["nth"]))
    except InvalidInput:
        errors["nth"] = "Write them as sun@2,4 09:00-12:00; sat@1 09:00-12:00"
    if errors or counters is None or per_counter is None:
        return None
    try:
        return Office(code=code, name=name, postal_code=postal, address=address,
                      phone=phone, counters=counters, per_counter=per_counter,
                      slot_minutes=int(slot), rules=tuple(rules),
                      handoff_wait_minutes=handoff)
    except InvalidInput:  # the page's checks mirror the domain's; a rule count is left
        errors["nth"] = "At most 30 weekly rules"
        return None


def _office_page(request: Request, actor: Actor, container: ContainerDep, *,
                 office: Office | None, typed: dict[str, str], status_code: int = 200,
                 errors: dict[str, str] | None = None, saved: str | None = None,
                 day_typed: dict[str, str] | None = None,
                 day: service.DayChanged | None = None,
                 displaced: list[Appointment] | None = None) -> HTMLResponse:
    return render_staff(request, "staff/office.html", actor, status_code=status_code,
                        office=office, typed=typed, errors=errors or {}, saved=saved,
                        weekdays=WEEKDAY_LABELS,
                        slot_options=[(str(m), str(m)) for m in SLOT_MINUTES],
                        day_typed=day_typed or {"on": "", "hours": "", "note": ""},
                        day=day, displaced=displaced, purposes=PURPOSES)


@router.get("", response_class=HTMLResponse)
def office_list(request: Request, actor: StaffActor, container: ContainerDep,
                municipality: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    actor.require(Permission.OFFICE_MANAGE)  # the role's refusal before any look-up
    code = forms.digits(municipality)
    errors = forms.FormErrors()
    if code and not MUNICIPALITY.fullmatch(code):
        errors["municipality"] = "A municipality code is 5 digits, e.g. 13101"
    found = service.list_offices(container.uow, municipality_code=code or None) \
        if not errors else []
    return render_staff(request, "staff/offices.html", actor,
                        status_code=422 if errors else 200, offices=found,
                        municipality=code if not errors else municipality, errors=errors)


@router.get("/new", response_class=HTMLResponse)
def new_office(request: Request, actor: StaffActor, container: ContainerDep,
               municipality: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    actor.require(Permission.OFFICE_MANAGE)
    code = forms.digits(municipality)
    return _office_page(request, actor, container, office=None,
                        typed=EMPTY | {"code": code if MUNICIPALITY.fullmatch(code) else ""})


@router.get("/{code}", response_class=HTMLResponse)
def edit_office(request: Request, actor: StaffActor, container: ContainerDep,
                code: Code) -> HTMLResponse:
    actor.require(Permission.OFFICE_MANAGE)
    office = service.office_detail(container.uow, code=code)
    return _office_page(request, actor, container, office=office, typed=_form_of(office))


Text = Annotated[str, Form(max_length=300)]


def _known(container: ContainerDep, code: str) -> Office | None:
    """The office being edited, when it exists (its form keeps its code fixed)."""
    if not OFFICE_CODE.match(code):
        return None
    try:
        return service.office_detail(container.uow, code=code)
    except NotFound:
        return None


@router.post("", response_class=HTMLResponse)
def save_office(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
                code: Text = "", name: Text = "", postal_code: Text = "",
                address: Text = "", phone: Text = "", counters: Text = "1",
                per_counter: Text = "1", slot_minutes: Text = "30",
                handoff_wait_minutes: Text = "", nth: Text = "", mon: Text = "",
                tue: Text = "", wed: Text = "", thu: Text = "", fri: Text = "",
                sat: Text = "", sun: Text = "") -> Response:
    """Add or replace an office, its rules whole: all the fields or none saved."""
    actor.require(Permission.OFFICE_MANAGE)
    hours = {"mon": mon, "tue": tue, "wed": wed, "thu": thu, "fri": fri, "sat": sat,
             "sun": sun}
    typed = {"code": code, "name": name, "postal_code": postal_code, "address": address,
             "phone": phone, "counters": counters, "per_counter": per_counter,
             "slot_minutes": slot_minutes, "handoff_wait_minutes": handoff_wait_minutes,
             "nth": nth, **hours}
    errors = forms.FormErrors()
    office_code = forms.digits(code)[:5] + ("-" + forms.digits(code)[5:]
                                            if len(forms.digits(code)) > 5 else "")
    if not OFFICE_CODE.match(office_code):
        errors["code"] = "An office code is 13101, or 13101-02 for a branch"
    office = _read_office(office_code, typed, errors)
    saved = None
    if office is not None and not errors:
        try:
            saved = service.configure_office(container.uow, container.holidays, actor=actor,
                                             office=office, now=now)
        except UnknownMunicipality:
            errors["code"] = "No municipality has this code"
    if saved is None or office is None:
        return _office_page(request, actor, container, office=_known(container, office_code),
                            typed=typed, status_code=422, errors=errors)
    return _office_page(request, actor, container, office=office, typed=_form_of(office),
                        status_code=201 if saved.added else 200,
                        saved="added" if saved.added else "replaced",
                        displaced=saved.displaced)


@router.post("/{code}/days", response_class=HTMLResponse)
def set_day(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
            code: Code, *, on: Text = "", hours: Text = "", note: Text = "",
            action: Annotated[str, Form(max_length=10)] = "set") -> Response:
    """One day closed (no hours), given its own hours, or back to the weekly rules."""
    actor.require(Permission.OFFICE_MANAGE)
    office = service.office_detail(container.uow, code=code)
    day_typed = {"on": on, "hours": hours, "note": note}
    errors = forms.FormErrors()
    day = errors.check("on", forms.parse_date, on)
    if isinstance(day, date) and not (EARLIEST_BIRTH <= day <= LATEST_RULE_DATE):
        errors["on"] = "Choose a day within the calendar's years"
    windows: tuple[Window, ...] = ()
    if action != "reset":
        try:
            windows = parse_windows(forms.plain(hours))
        except InvalidInput:
            errors["hours"] = HOURS_ERROR
    text = forms.plain(note)
    if len(text) > 200:
        errors["note"] = "At most 200 characters"
    changed = None
    if not errors and isinstance(day, date):
        exception = None if action == "reset" else DayException(day, windows, text)
        changed = service.set_day(container.uow, container.holidays, actor=actor,
                                  code=code, exception=exception, on=day, now=now)
    if changed is None:
        return _office_page(request, actor, container, office=office,
                            typed=_form_of(office), status_code=422, errors=errors,
                            day_typed=day_typed)
    return _office_page(request, actor, container, office=office, typed=_form_of(office),
                        day=changed, displaced=changed.displaced)
