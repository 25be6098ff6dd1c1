"""The card left at the office (issue 16 point 2, issue 17's hand-off): take a card into
custody, follow it until it is back with its holder (renewed, mailed, delivered or
returned by the post, collected, or given back before renewal).

A card in the office's custody is in the office's reader: every step that touches the
card is a counter task for the clerk's terminal (services/custody_tasks.py), which runs
it with the card in its reader; the page shows the task, then the custody record. Only
"the post delivered it" is recorded here directly. Authorisation and audit under the
signed-in member's name, as in the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.custody import MAX_TRACKING_NUMBER
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import custody, custody_tasks, lookups
from mynumbercard.services.counter_tasks import TaskView
from mynumbercard.services.custody_tasks import Step
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff
from mynumbercard.web.pages.staff_cards import documents_context

router = page_router(prefix="/staff")
REASON_MAX = 200
STEPS = frozenset({"delivered"})  # the step recorded on the page itself


def _documents(form: Any, errors: forms.FormErrors) -> list[IdDocument]:
    values = {v for v in form.getlist("documents") if isinstance(v, str)}
    chosen = [d for d in IdDocument if d.value in values]
    if len(chosen) != len(values):
        errors["documents"] = "Choose from the list"
    return chosen


def _leave_page(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
                card_number: str, status_code: int = 200,
                errors: dict[str, str] | None = None,
                typed: dict[str, Any] | None = None) -> HTMLResponse:
    card = lookups.card_view(container.uow, actor=actor, card_number=card_number, now=now)
    return render_staff(request, "staff/custody_leave.html", actor, status_code=status_code,
                        card=card, errors=errors or {},
                        typed=typed or {"documents": [], "legal_representative": False,
                                        "kinds": [k.value for k in CertKind]},
                        **documents_context())


@router.get("/cards/{card_number}/custody", response_class=HTMLResponse)
def leave_form(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
               card_number: CardNumberPath) -> HTMLResponse:
    actor.require(Permission.CERTIFICATE_ISSUE)
    return _leave_page(request, actor, container, now, card_number=card_number)


@router.post("/cards/{card_number}/custody", response_class=HTMLResponse)
async def leave(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                card_number: CardNumberPath) -> Response:
    actor.require(Permission.CERTIFICATE_ISSUE)
    form = await request.form()
    errors = forms.FormErrors()
    documents = _documents(form, errors)
    kind_values = {v for v in form.getlist("kinds") if isinstance(v, str)}
    kinds = [k for k in CertKind if k.value in kind_values]
    if not kinds:
        errors["kinds"] = "Choose the certificates to renew"
    represented = bool(form.get("legal_representative"))
    if not errors:
        try:
            task = custody_tasks.ask_leave(
                container.uow, actor=actor, card_number=card_number, documents=documents,
                legal_representative_present=represented, kinds=kinds, now=now)
        except (Conflict, InvalidInput) as refused:
            errors["documents" if "identity" in refused.code else "kinds"] = \
                refused.message
        else:
            return _to_task(task)
    return _leave_page(request, actor, container, now, card_number=card_number,
                       status_code=422, errors=errors,
                       typed={"documents": documents, "legal_representative": represented,
                              "kinds": [k.value for k in kinds]})


def _custody_page(request: Request, actor: Actor, container: ContainerDep, custody_id: int,
                  *, status_code: int = 200, errors: dict[str, str] | None = None,
                  done: str = "") -> HTMLResponse:
    view = custody.custody_view(container.uow, actor=actor, custody_id=custody_id)
    return render_staff(request, "staff/custody.html", actor, status_code=status_code,
                        custody=view, errors=errors or {}, done=done,
                        typed={"documents": [], "legal_representative": False},
                        **documents_context())


@router.get("/custody/{custody_id}", response_class=HTMLResponse)
def custody_page(request: Request, actor: StaffActor, container: ContainerDep,
                 custody_id: IdPath, done: str = "") -> HTMLResponse:
    return _custody_page(request, actor, container, custody_id,
                         done=done if done in STEPS else "")


def _to_task(task: TaskView) -> Response:
    """The step waits for the clerk's terminal: its page (then the outcome)."""
    return RedirectResponse(f"/staff/counter-tasks/{task.id}", status_code=303)


def _after(request: Request, actor: Actor, container: ContainerDep, custody_id: int, *,
           errors: forms.FormErrors, step: str) -> Response:
    """The custody page with the step's errors (422), or back to it with the step done."""
    if errors:
        return _custody_page(request, actor, container, custody_id, status_code=422,
                             errors=errors)
    return RedirectResponse(f"/staff/custody/{custody_id}?done={step}", status_code=303)


def _reason(form: Any) -> str:
    value = form.get("reason")
    return forms.plain(value if isinstance(value, str) else "")[:REASON_MAX]


def _number(container: ContainerDep, actor: Actor, custody_id: int) -> str:
    """The card's number (the custody visible to the member, or NotFound first)."""
    return custody.custody_view(container.uow, actor=actor, custody_id=custody_id).card_number


def _ask(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
         custody_id: int, step: Step, field: str, errors: forms.FormErrors,
         **given: Any) -> Response:
    """The step as a task for the terminal, or the custody page with what is wrong."""
    if not errors:
        try:
            return _to_task(custody_tasks.ask_step(container.uow, actor=actor,
                                                   custody_id=custody_id, step=step,
                                                   now=now,
                                                   **given))
        except (Conflict, InvalidInput) as refused:
            errors[field] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step=step.value)


@router.post("/custody/{custody_id}/renew", response_class=HTMLResponse)
def renew(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
          custody_id: IdPath) -> Response:
    return _ask(request, actor, container, now, custody_id=custody_id,
                step=Step.RENEW, field="step",
                errors=forms.FormErrors())


@router.post("/custody/{custody_id}/delivered", response_class=HTMLResponse)
def delivered(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
              custody_id: IdPath) -> Response:
    errors = forms.FormErrors()
    try:
        custody.record_delivery(container.uow, actor=actor, custody_id=custody_id, now=now)
    except (Conflict, InvalidInput) as refused:
        errors["step"] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step="delivered")


@router.post("/custody/{custody_id}/mail", response_class=HTMLResponse)
async def mail(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
               custody_id: IdPath) -> Response:
    _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    tracking = forms.digits(str(form.get("tracking_number") or ""))
    if not tracking or len(tracking) > MAX_TRACKING_NUMBER:
        errors["tracking_number"] = "Type the restricted-delivery item's number"
    return _ask(request, actor, container, now, custody_id=custody_id, step=Step.MAIL,
                field="tracking_number", errors=errors, tracking_number=tracking)


@router.post("/custody/{custody_id}/collect", response_class=HTMLResponse)
async def collect(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                  custody_id: IdPath) -> Response:
    _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    documents: list[IdDocument] = _documents(form, errors)
    return _ask(request, actor, container, now, custody_id=custody_id,
                step=Step.COLLECT, field="documents",
                errors=errors, documents=documents,
                legal_representative_present=bool(form.get("legal_representative")))


@router.post("/custody/{custody_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                 custody_id: IdPath) -> Response:
    _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    reason = _reason(form)
    if not reason:
        errors["reason"] = "Say why the card is given back"
    return _ask(request, actor, container, now, custody_id=custody_id,
                step=Step.CANCEL, field="reason",
                errors=errors, reason=reason)


@router.post("/custody/{custody_id}/returned", response_class=HTMLResponse)
async def returned(request: Request, actor: StaffActor, container: ContainerDep,
                   now: NowDep, custody_id: IdPath) -> Response:
    _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    reason = _reason(form)
    if not reason:
        errors["reason"] = "Say why the post brought the card back"
    return _ask(request, actor, container, now, custody_id=custody_id,
                step=Step.RETURNED, field="reason",
                errors=errors, reason=reason)
