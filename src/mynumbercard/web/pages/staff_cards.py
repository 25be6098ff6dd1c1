"""The counter workspace's card actions (issue 16 point 2): hand over a card, unlock a PIN,
renew the certificates — each a counter task for the clerk's counter terminal, which has
the card in its reader and the PIN pad (the page never takes a PIN) — and the task's page
("waiting for the terminal", then its outcome; a plain "check again" link).

The API's services (lookups.card_view for the card, counter_tasks for the tasks), the same
authorisation (a clerk of another municipality is told the card does not exist) and the
same audit records under the signed-in member's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.card import Card, CardStatus
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.counter_tasks import OPEN
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pickup import (
    GROUP_A,
    IdDocument,
    IdentityNotEstablished,
    Proof,
    ProxyPickUp,
    ProxyReason,
    ProxyRefused,
)
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import counter_tasks, crowding, lookups
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff")
GROUP_B = tuple(d for d in IdDocument if d not in GROUP_A)
MAX_CHOICES = 20  # checkboxes of one name a form may send


def documents_context() -> dict[str, Any]:
    return {"group_a": [d for d in IdDocument if d in GROUP_A], "group_b": GROUP_B,
            "proxy_reasons": list(ProxyReason), "proofs": list(Proof)}


def _choices(form: Any, name: str, kind: type[Any], errors: forms.FormErrors) -> list[Any]:
    """Checked boxes of `name` as members of the enum `kind` (an unknown one: an error)."""
    values = [v for v in form.getlist(name) if isinstance(v, str)][:MAX_CHOICES]
    try:
        return [kind(v) for v in values]
    except ValueError:
        errors[name] = "Choose from the list"
        return []


def _text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _card_page(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
               card_number: str, action: str, status_code: int = 200,
               errors: dict[str, str] | None = None,
               typed: dict[str, Any] | None = None) -> HTMLResponse:
    card = lookups.card_view(container.uow, actor=actor, card_number=card_number, now=now)
    return render_staff(request, f"staff/card_{action.replace('-', '_')}.html", actor,
                        status_code=status_code, card=card, errors=errors or {},
                        typed=typed or {}, **documents_context())


def _form(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
          card_number: str, action: str) -> HTMLResponse:
    actor.require(Permission.CARD_HAND_OVER if action == "hand-over"
                  else Permission.CERTIFICATE_ISSUE)
    typed: dict[str, Any] = {"kinds": [k.value for k in CertKind], "who": "holder",
                             "notice": True, "documents": [], "legal_representative": False,
                             "proxy_reason": "", "proofs": [], "proxy_documents": [],
                             "holder_documents": [], "delegation": False, "pin_form": "",
                             "kind": "", "identity": False}
    return _card_page(request, actor, container, now, card_number=card_number, action=action,
                      typed=typed)


@router.get("/cards/{card_number}/hand-over", response_class=HTMLResponse)
def hand_over_form(request: Request, actor: StaffActor, container: ContainerDep,
                   now: NowDep, card_number: CardNumberPath) -> HTMLResponse:
    return _form(request, actor, container, now, card_number=card_number, action="hand-over")


@router.get("/cards/{card_number}/unlock", response_class=HTMLResponse)
def unlock_form(request: Request, actor: StaffActor, container: ContainerDep,
                now: NowDep, card_number: CardNumberPath) -> HTMLResponse:
    return _form(request, actor, container, now, card_number=card_number, action="unlock")


@router.get("/cards/{card_number}/renew", response_class=HTMLResponse)
def renew_form(request: Request, actor: StaffActor, container: ContainerDep,
               now: NowDep, card_number: CardNumberPath) -> HTMLResponse:
    return _form(request, actor, container, now, card_number=card_number, action="renew")


def _to_task(task_id: int) -> Response:
    return RedirectResponse(f"/staff/counter-tasks/{task_id}", status_code=303)


def _refused(error: InvalidInput | Conflict, field: str, errors: forms.FormErrors) -> None:
    errors[field] = error.message


@router.post("/cards/{card_number}/hand-over", response_class=HTMLResponse)
async def hand_over(request: Request, actor: StaffActor, container: ContainerDep,
                    now: NowDep, card_number: CardNumberPath) -> Response:
    actor.require(Permission.CARD_HAND_OVER)
    form = await request.form()
    errors = forms.FormErrors()
    proxy_mode = _text(form, "who") == "proxy"
    typed: dict[str, Any] = {
        "who": "proxy" if proxy_mode else "holder", "notice": bool(form.get("notice")),
        "documents": _choices(form, "documents", IdDocument, errors),
        "legal_representative": bool(form.get("legal_representative")),
        "proxy_reason": _text(form, "proxy_reason"),
        "proofs": _choices(form, "proofs", Proof, errors),
        "proxy_documents": _choices(form, "proxy_documents", IdDocument, errors),
        "holder_documents": _choices(form, "holder_documents", IdDocument, errors),
        "delegation": bool(form.get("delegation")),
        "pin_form": forms.digits(_text(form, "pin_form", 40))}
    proxy = _proxy(typed, errors) if proxy_mode else None
    if not errors:
        checks = counter_tasks.HandOverChecks(
            notice_presented=typed["notice"], documents=frozenset(typed["documents"]),
            legal_representative_present=typed["legal_representative"], proxy=proxy)
        try:
            task = counter_tasks.ask_hand_over(container.uow, actor=actor,
                                               card_number=card_number, checks=checks, now=now)
        except ProxyRefused as refused:
            _refused(refused, "proxy_reason", errors)
        except IdentityNotEstablished as refused:
            _refused(refused, "documents", errors)
        except Conflict as refused:
            _refused(refused, "notice", errors)
        else:
            return _to_task(task.id)
    return _card_page(request, actor, container, now, card_number=card_number, action="hand-over",
                      status_code=422, errors=errors, typed=typed)


def _proxy(typed: dict[str, Any], errors: forms.FormErrors) -> ProxyPickUp | None:
    try:
        reason = ProxyReason(typed["proxy_reason"])
    except ValueError:
        errors["proxy_reason"] = "Choose the reason the holder cannot come"
        return None
    if len(typed["pin_form"]) != 8 or not typed["pin_form"].isdigit():
        errors["pin_form"] = "The sealed PIN form's number has 8 digits"
        return None
    return ProxyPickUp(reason=reason, proofs=frozenset(typed["proofs"]),
                       proxy_documents=frozenset(typed["proxy_documents"]),
                       holder_documents=frozenset(typed["holder_documents"]),
                       delegation_signed=typed["delegation"],
                       sealed_pin_form_number=typed["pin_form"])


@router.post("/cards/{card_number}/unlock", response_class=HTMLResponse)
async def unlock(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                 card_number: CardNumberPath) -> Response:
    actor.require(Permission.CERTIFICATE_ISSUE)
    form = await request.form()
    errors = forms.FormErrors()
    typed = {"kind": _text(form, "kind"), "identity": bool(form.get("identity"))}
    kind = next((k for k in CertKind if k.value == typed["kind"]), None)
    if kind is None:
        errors["kind"] = "Choose the PIN to unlock"
    if not typed["identity"]:
        errors["identity"] = "Check the holder's identity first"
    if kind is not None and not errors:
        try:
            task = counter_tasks.ask_unlock(container.uow, actor=actor,
                                            card_number=card_number, kind=kind, now=now)
        except Conflict as refused:
            _refused(refused, "kind", errors)
        else:
            return _to_task(task.id)
    return _card_page(request, actor, container, now, card_number=card_number, action="unlock",
                      status_code=422, errors=errors, typed=typed)


@router.post("/cards/{card_number}/renew", response_class=HTMLResponse)
async def renew(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                card_number: CardNumberPath) -> Response:
    actor.require(Permission.CERTIFICATE_ISSUE)
    form = await request.form()
    errors = forms.FormErrors()
    kinds = _choices(form, "kinds", CertKind, errors)
    typed = {"kinds": [k.value for k in kinds]}
    if not kinds and not errors:
        errors["kinds"] = "Choose the certificates to renew"
    if not errors:
        try:
            task = counter_tasks.ask_renewal(container.uow, actor=actor,
                                             card_number=card_number, kinds=kinds, now=now)
        except Conflict as refused:
            _refused(refused, "kinds", errors)
        else:
            return _to_task(task.id)
    return _card_page(request, actor, container, now, card_number=card_number, action="renew",
                      status_code=422, errors=errors, typed=typed)


@router.get("/counter-tasks/{task_id}", response_class=HTMLResponse)
def task_page(request: Request, actor: StaffActor, container: ContainerDep,
              task_id: IdPath) -> HTMLResponse:
    task = counter_tasks.task_view(container.uow, actor=actor, task_id=task_id)
    return render_staff(request, "staff/counter_task.html", actor, task=task,
                        waiting=task.status in OPEN)


@router.post("/counter-tasks/{task_id}/cancel", response_class=HTMLResponse)
def cancel_task(actor: StaffActor, container: ContainerDep, now: NowDep,
                task_id: IdPath) -> Response:
    counter_tasks.cancel(container.uow, actor=actor, task_id=task_id, now=now)
    return _to_task(task_id)


def card_actions(container: ContainerDep, actor: Actor, resident: Resident,
                 cards: Sequence[Card], now: datetime) -> dict[str, Any]:
    """The resident page's card block: the actions each card offers, the recent counter
    tasks, the custody hand-off proposed for a card when the office is crowded, and
    whether the member may correct the resident's wrong-validity cases (staff_corrections)."""
    offers = {c.card_number: _offers(actor, c.status) for c in cards}
    tasks = counter_tasks.of_resident(container.uow, actor=actor, resident=resident)
    handoff = [advice for c in cards if c.status is CardStatus.ACTIVE
               and (advice := _handoff(container, actor, resident, c.card_number, now))]
    may_correct = actor.may(Permission.CERTIFICATE_ISSUE,
                            municipality_code=resident.municipality_code)
    return {"card_offers": offers, "counter_tasks": tasks, "handoffs": handoff,
            "may_correct": may_correct}


def _handoff(container: ContainerDep, actor: Actor, resident: Resident, card_number: str,
             now: datetime) -> crowding.HandoffAdvice | None:
    """Issue 17: propose leaving the card when the wait expected now at the holder's
    municipality's office is above its level (None: no office configured, or not now)."""
    if not actor.may(Permission.CERTIFICATE_ISSUE,
                     municipality_code=resident.municipality_code):
        return None
    try:
        advice = crowding.handoff_advice(
            container.uow, container.holidays, actor=actor,
            office_code=resident.municipality_code, card_number=card_number, now=now,
            extra_deadlines=container.deadlines)
    except NotFound:  # the municipality has no office configured yet
        return None
    return advice if advice.propose else None


def _offers(actor: Actor, status: CardStatus) -> list[str]:
    if status is CardStatus.PRODUCED and actor.may(Permission.CARD_HAND_OVER):
        return ["hand-over"]
    offers: list[str] = []
    if status is CardStatus.ACTIVE and actor.may(Permission.CERTIFICATE_ISSUE):
        offers += ["unlock", "renew"]
    if status is CardStatus.ACTIVE and actor.may(Permission.CARD_LOSS):
        offers.append("loss")
    if status is CardStatus.LOST and actor.may(Permission.CARD_FOUND):
        offers.append("loss")
    return offers
