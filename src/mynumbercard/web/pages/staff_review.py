"""The review desk (operators): the queue oldest first, an application with its photo and
the check's findings drawn on it, the register's data, and the decision — approve, or
deficient with a reason and a message for the applicant — after which the next
application opens directly. The API's services and audit (applications, lookups)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain import bounds
from mynumbercard.domain.application import ApplicationStatus, DeficiencyReason
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import application_views, lookups, review_desk
from mynumbercard.services import applications as apps
from mynumbercard.services.lookup_ports import QueueFilter
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/review")
Ref = Annotated[int, Path(ge=1, le=2**62)]
QUEUE_PAGE = 50
MESSAGE_LIMIT = 400
DONE = {"approved", "deficient"}
REVIEWABLE = frozenset({ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW})


@router.get("", response_class=HTMLResponse)
def queue(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
          done: Annotated[str | None, Query(max_length=20)] = None,
          empty: bool = False) -> HTMLResponse:
    actor.require(Permission.APPLICATION_REVIEW)
    page = lookups.application_queue(container.uow, actor=actor,
                                     wanted=QueueFilter(ApplicationStatus.RECEIVED),
                                     limit=QUEUE_PAGE, now=now)
    return render_staff(request, "staff/review_queue.html", actor,
                        waiting=page.applications, more=page.next is not None,
                        done=done if done in DONE else None, empty=empty)


@router.get("/next")
def next_application(actor: StaffActor, container: ContainerDep, now: NowDep,
                     done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    ref = review_desk.next_to_review(container.uow, actor=actor, now=now)
    said = {"done": done} if done in DONE else {}
    if ref is None:
        return RedirectResponse(f"/staff/review?{urlencode({**said, 'empty': 'true'})}",
                                status_code=303)
    return RedirectResponse(f"/staff/review/{ref}?{urlencode(said)}".rstrip("?"),
                            status_code=303)


def _application_page(request: Request, actor: Actor, container: ContainerDep, now: NowDep,
                      ref: int, *, status_code: int = 200, errors: dict[str, str] | None = None,
                      typed: dict[str, str] | None = None,
                      done: str | None = None) -> HTMLResponse:
    actor.require(Permission.APPLICATION_REVIEW)
    view = application_views.application_view(container.uow, actor=actor,
                                               application_ref=ref, now=now)
    marks = review_desk.photo_marks(container.uow, container.photos,
                                    container.photo_inspector, actor=actor,
                                    application_ref=ref, now=now)
    codes = {f.code.value for f in view.photo.findings}
    return render_staff(request, "staff/review_application.html", actor,
                        status_code=status_code, view=view, marks=marks, codes=codes,
                        reviewable=view.status in REVIEWABLE, reasons=list(DeficiencyReason),
                        errors=errors or {}, typed=typed or {"reason": "", "message": ""},
                        done=done if done in DONE else None, message_limit=MESSAGE_LIMIT)


@router.get("/{ref}", response_class=HTMLResponse)
def application(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                *, ref: Ref, done: Annotated[str | None, Query(max_length=20)] = None,
                ) -> HTMLResponse:
    return _application_page(request, actor, container, now, ref, done=done)


@router.get("/{ref}/photo")
def photo(actor: StaffActor, container: ContainerDep, now: NowDep, ref: Ref) -> Response:
    actor.require(Permission.APPLICATION_REVIEW)
    data = apps.application_photo(container.uow, container.photos, actor=actor,
                                  application_ref=ref, now=now)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=kind, headers={"Cache-Control": "no-store"})


@router.post("/{ref}/approve")
def approve(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
            ref: Ref) -> Response:
    try:
        apps.approve(container.uow, actor=actor, application_ref=ref, now=now)
    except Conflict as error:  # decided meanwhile by another reviewer, or not reviewable
        return _application_page(request, actor, container, now, ref, status_code=409,
                                 errors={"decision": error.message})
    return RedirectResponse("/staff/review/next?done=approved", status_code=303)


@router.post("/{ref}/deficient")
def deficient(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
              *, ref: Ref, reason: str = Form("", max_length=40),
              message: str = Form("", max_length=4000)) -> Response:
    typed = {"reason": reason, "message": message}
    errors = forms.FormErrors()
    chosen = next((r for r in DeficiencyReason if r.value == reason), None)
    if chosen is None:
        errors["reason"] = "Choose the reason"
    text = message.strip()
    if not text:
        errors["message"] = "Say what the applicant must correct"
    else:
        try:  # the API's bound: 400 characters, no control characters
            text = bounds.check_text(text, field="message", limit=MESSAGE_LIMIT,
                                     multiline=True)
        except InvalidInput:
            errors["message"] = "At most 400 characters, without control characters"
    if not errors and chosen is not None:
        try:
            apps.mark_deficient(container.uow, actor=actor, application_ref=ref,
                                reason=chosen, message=text, now=now)
        except InvalidInput as error:
            errors["message"] = error.message
        except Conflict as error:
            errors["decision"] = error.message
    if errors:
        return _application_page(request, actor, container, now, ref,
                                 status_code=409 if "decision" in errors else 422,
                                 errors=errors, typed=typed)
    return RedirectResponse("/staff/review/next?done=deficient", status_code=303)
