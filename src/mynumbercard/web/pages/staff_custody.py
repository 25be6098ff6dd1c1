"""The card left at the office (issue 16 point 2, issue 17's hand-off): take a card into
custody, follow it until it is back with its holder (renewed, mailed, delivered or
returned by the post, collected, or given back before renewal).

The card travels as its card file, as in the API (`web/api/renewal.py`): it is uploaded
when it comes into the office's safe, and the step that lets it leave (mailed, collected,
given back) answers with the file to download — the card that goes into the envelope or
the holder's hands; the office keeps no copy. The API's service (services/custody.py)
with its authorisation and audit under the signed-in member's name.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from mynumbercard.chip.storage import MAX_FILE_BYTES
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.custody import MAX_TRACKING_NUMBER
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import custody, lookups
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff
from mynumbercard.web.pages.staff_cards import documents_context

router = page_router(prefix="/staff")
REASON_MAX = 200
STEPS = frozenset({"renew", "delivered", "returned"})  # steps that stay on the page


def _documents(form: Any, errors: forms.FormErrors) -> list[IdDocument]:
    values = {v for v in form.getlist("documents") if isinstance(v, str)}
    chosen = [d for d in IdDocument if d.value in values]
    if len(chosen) != len(values):
        errors["documents"] = "Choose from the list"
    return chosen


async def _card_file(form: Any, errors: forms.FormErrors) -> bytes:
    upload = form.get("card_file")
    if not isinstance(upload, UploadFile):
        errors["card_file"] = "Choose the card's file"
        return b""
    try:  # read at most one byte past the largest card, then let the spooled file go
        data = await upload.read(MAX_FILE_BYTES + 1) if upload.filename else b""
    finally:
        await upload.close()
    if not upload.filename:
        errors["card_file"] = "Choose the card's file"
        return b""
    if not data or len(data) > MAX_FILE_BYTES:
        errors["card_file"] = "This is not a card's file"
    return data


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
    card_file = await _card_file(form, errors)
    if not errors:
        try:
            left = custody.leave_card(
                container.uow, container.vault, actor=actor, card_number=card_number,
                card_file=card_file, documents=documents,
                legal_representative_present=represented, kinds=frozenset(kinds), now=now)
        except (Conflict, InvalidInput) as refused:
            errors["documents" if "identity" in refused.code else "card_file"] = \
                refused.message
        else:
            return RedirectResponse(f"/staff/custody/{left.id}", status_code=303)
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


def _card_download(out: custody.CardOut, number: str) -> Response:
    """The card leaves the office with this step: its file, for the envelope or the
    holder; nothing may cache it."""
    return Response(out.card, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="card-{number}.json"',
        "Cache-Control": "no-store"})


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


@router.post("/custody/{custody_id}/renew", response_class=HTMLResponse)
def renew(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
          custody_id: IdPath) -> Response:
    errors = forms.FormErrors()
    try:
        custody.renew_in_custody(container.uow, container.vault, container.ca, actor=actor,
                                 custody_id=custody_id, now=now)
    except (Conflict, InvalidInput) as refused:
        errors["step"] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step="renew")


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
    number = _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    tracking = forms.digits(str(form.get("tracking_number") or ""))
    if not tracking or len(tracking) > MAX_TRACKING_NUMBER:
        errors["tracking_number"] = "Type the restricted-delivery item's number"
    else:
        try:
            return _card_download(custody.mail_card(
                container.uow, container.vault, actor=actor, custody_id=custody_id,
                tracking_number=tracking, now=now), number)
        except (Conflict, InvalidInput) as refused:
            errors["tracking_number"] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step="mail")


@router.post("/custody/{custody_id}/collect", response_class=HTMLResponse)
async def collect(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                  custody_id: IdPath) -> Response:
    number = _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    documents = _documents(form, errors)
    if not errors:
        try:
            return _card_download(custody.collect(
                container.uow, container.vault, actor=actor, custody_id=custody_id,
                documents=documents,
                legal_representative_present=bool(form.get("legal_representative")),
                now=now), number)
        except (Conflict, InvalidInput) as refused:
            errors["documents"] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step="collect")


@router.post("/custody/{custody_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                 custody_id: IdPath) -> Response:
    number = _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    reason = _reason(form)
    if not reason:
        errors["reason"] = "Say why the card is given back"
    else:
        try:
            return _card_download(custody.cancel(
                container.uow, container.vault, actor=actor, custody_id=custody_id,
                reason=reason, now=now), number)
        except (Conflict, InvalidInput) as refused:
            errors["reason"] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step="cancel")


@router.post("/custody/{custody_id}/returned", response_class=HTMLResponse)
async def returned(request: Request, actor: StaffActor, container: ContainerDep,
                   now: NowDep, custody_id: IdPath) -> Response:
    _number(container, actor, custody_id)
    form = await request.form()
    errors = forms.FormErrors()
    reason = _reason(form)
    card_file = await _card_file(form, errors)
    if not reason:
        errors["reason"] = "Say why the post brought the card back"
    if not errors:
        try:
            custody.record_return(container.uow, container.vault, actor=actor,
                                  custody_id=custody_id, reason=reason, card_file=card_file,
                                  now=now)
        except (Conflict, InvalidInput) as refused:
            errors["card_file"] = refused.message
    return _after(request, actor, container, custody_id, errors=errors, step="returned")
