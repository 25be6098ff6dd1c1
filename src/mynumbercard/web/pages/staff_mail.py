"""The operators' console, outgoing mail: the letters queued, printing and sent, the
backlog by oldest expiry (the order it goes out in), and suspending and resuming mailing
with a reason, through the same services as `mail suspend|resume` and the API's
/api/v1/mail/suspend|resume (same permission, same audit record)."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain import bounds
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import console_views, mail
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.console_labels import label
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/mail")
REASON = 200  # as the API's Suspension.reason
DONE = {"suspended", "resumed"}


def _page(request: Request, actor: Actor, container: ContainerDep, *, status_code: int = 200,
          errors: dict[str, str] | None = None, reason: str = "",
          done: str | None = None) -> HTMLResponse:
    actor.require(Permission.PRODUCTION)  # the role's refusal before any look-up
    actor.require(Permission.MAIL_READ)
    return render_staff(request, "staff/mail.html", actor, status_code=status_code, label=label,
                        mail=mail.status(container.uow),
                        backlog=console_views.mail_backlog(container.uow, actor=actor),
                        errors=errors or {}, reason=reason,
                        done=done if done in DONE else None)


@router.get("", response_class=HTMLResponse)
def outgoing_mail(request: Request, actor: StaffActor, container: ContainerDep,
                  done: str | None = None) -> HTMLResponse:
    return _page(request, actor, container, done=done)


@router.post("/suspend")
def suspend(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
            reason: str = Form("", max_length=4 * REASON)) -> Response:
    actor.require(Permission.PRODUCTION)
    typed = forms.plain(reason)
    try:
        if not typed:
            raise InvalidInput("Say why mailing is suspended")
        checked = bounds.check_text(typed, field="reason", limit=REASON)
        mail.suspend(container.uow, actor=actor, reason=checked, now=now)
    except InvalidInput as error:
        return _page(request, actor, container, errors={"reason": error.message},
                     reason=typed, status_code=422)
    except Conflict as error:  # suspended meanwhile: the state's heading says how it is
        return _page(request, actor, container, errors={"state": error.message},
                     status_code=409)
    return RedirectResponse("/staff/mail?done=suspended", status_code=303)


@router.post("/resume")
def resume(request: Request, actor: StaffActor, container: ContainerDep,
           now: NowDep) -> Response:
    actor.require(Permission.PRODUCTION)
    try:
        mail.resume(container.uow, actor=actor, now=now)
    except Conflict as error:
        return _page(request, actor, container, errors={"state": error.message},
                     status_code=409)
    return RedirectResponse("/staff/mail?done=resumed", status_code=303)
