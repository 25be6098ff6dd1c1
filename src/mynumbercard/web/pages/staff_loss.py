"""A lost card at the counter (issue 16 point 2): report the loss (both certificates on
hold at once), release the card found again (the holder present, with their identity
documents), or confirm the loss (certificates revoked, the re-issue form mailed).

Each a form, with a confirm box where it cannot be undone quietly; the API's service
(services/loss.py) with its authorisation and audit under the signed-in member's name.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.loss import CHANNEL_OF_ROLE, ReportedVia
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import lookups, loss
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff
from mynumbercard.web.pages.staff_cards import documents_context

router = page_router(prefix="/staff/cards")
CONFIRM = "Tick the box to confirm"


def _page(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
          card_number: str, status_code: int = 200, errors: dict[str, str] | None = None,
          typed: dict[str, Any] | None = None, done: Any = None,
          done_kind: str = "") -> HTMLResponse:
    card = lookups.card_view(container.uow, actor=actor, card_number=card_number, now=now)
    return render_staff(request, "staff/card_loss.html", actor, status_code=status_code,
                        card=card, errors=errors or {},
                        typed=typed or {"documents": [], "legal_representative": False},
                        done=done, done_kind=done_kind,
                        may_report=actor.may(Permission.CARD_LOSS),
                        may_release=actor.may(Permission.CARD_FOUND), **documents_context())


@router.get("/{card_number}/loss", response_class=HTMLResponse)
def loss_page(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
              card_number: CardNumberPath) -> HTMLResponse:
    actor.require_role(Permission.CARD_LOSS)
    return _page(request, actor, container, now, card_number=card_number)


def _via(actor: Actor) -> ReportedVia:
    """The channel the member takes reports by (an administrator: the counter)."""
    return CHANNEL_OF_ROLE.get(actor.role, ReportedVia.COUNTER)


@router.post("/{card_number}/loss", response_class=HTMLResponse)
async def report(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                 card_number: CardNumberPath) -> Response:
    actor.require_role(Permission.CARD_LOSS)
    form = await request.form()
    errors = forms.FormErrors()
    if not form.get("confirm"):
        lookups.card_view(container.uow, actor=actor, card_number=card_number, now=now)
        errors["confirm"] = CONFIRM
    else:
        try:
            done = loss.report_loss(container.uow, container.ca, actor=actor,
                                    card_number=card_number, via=_via(actor), now=now)
        except (Conflict, InvalidInput) as refused:
            errors["confirm"] = refused.message
        else:
            return _page(request, actor, container, now, card_number=card_number,
                         done=done, done_kind="reported")
    return _page(request, actor, container, now, card_number=card_number, status_code=422,
                 errors=errors)


@router.post("/{card_number}/found", response_class=HTMLResponse)
async def found(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                card_number: CardNumberPath) -> Response:
    actor.require_role(Permission.CARD_FOUND)
    form = await request.form()
    errors = forms.FormErrors()
    values = [v for v in form.getlist("documents") if isinstance(v, str)][:20]
    documents = [d for d in IdDocument if d.value in values]
    if len(documents) != len(set(values)):
        errors["documents"] = "Choose from the list"
    represented = bool(form.get("legal_representative"))
    typed = {"documents": documents, "legal_representative": represented}
    if not errors:
        try:
            done = loss.found(container.uow, container.ca, actor=actor,
                              card_number=card_number, documents=documents,
                              legal_representative_present=represented,
                              now=now)
        except (Conflict, InvalidInput) as refused:
            errors["documents"] = refused.message
        else:
            return _page(request, actor, container, now, card_number=card_number,
                         done=done, done_kind="found")
    lookups.card_view(container.uow, actor=actor, card_number=card_number, now=now)
    return _page(request, actor, container, now, card_number=card_number, status_code=422,
                 errors=errors, typed=typed)


@router.post("/{card_number}/loss/confirm", response_class=HTMLResponse)
async def confirm(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                  card_number: CardNumberPath) -> Response:
    actor.require_role(Permission.CARD_LOSS)
    form = await request.form()
    errors = forms.FormErrors()
    if not form.get("confirm_revoke"):
        lookups.card_view(container.uow, actor=actor, card_number=card_number, now=now)
        errors["confirm_revoke"] = CONFIRM
    else:
        try:
            done = loss.confirm_loss(container.uow, container.ca, actor=actor,
                                     card_number=card_number, now=now,
                                     base_url=container.settings.public_base_url.rstrip("/"))
        except (Conflict, InvalidInput) as refused:
            errors["confirm_revoke"] = refused.message
        else:
            return _page(request, actor, container, now, card_number=card_number,
                         done=done, done_kind="confirmed")
    return _page(request, actor, container, now, card_number=card_number, status_code=422,
                 errors=errors)
