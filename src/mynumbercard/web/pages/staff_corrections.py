"""The counter workspace's correction of a card found by the wrong-validity audit (issue 16
point 2): the case's page, from the resident page's open cases or the console's report,
says what correcting it will do and sends it to the clerk's counter terminal as a counter
task; the terminal corrects it with the card in its reader, and the task's page
(staff_cards.task_page) shows how it ended.

The API's services (`correction_tasks`, over `validity_check`): a clerk of the holder's
municipality (another one is told the case does not exist), the audit records under the
signed-in member's name; a case corrected or dismissed already offers nothing to do.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import correction_tasks
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.inputs import IdPath
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.console_labels import label
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/corrections")


def _page(request: Request, actor: Actor, container: ContainerDep, now: NowDep, *,
          case_id: int, status_code: int = 200, errors: dict[str, str] | None = None,
          typed: dict[str, Any] | None = None) -> HTMLResponse:
    case = correction_tasks.case_to_correct(container.uow, actor=actor, case_id=case_id,
                                            now=now)
    return render_staff(request, "staff/correction.html", actor, status_code=status_code,
                        case=case, label=label, errors=errors or {},
                        typed=typed or {"card_here": False})


@router.get("/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
              case_id: IdPath) -> HTMLResponse:
    return _page(request, actor, container, now, case_id=case_id)


@router.post("/{case_id}/correct", response_class=HTMLResponse)
async def correct(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
                  case_id: IdPath) -> Response:
    actor.require_role(Permission.CERTIFICATE_ISSUE)  # the role's refusal before a look-up
    form = await request.form()
    errors = forms.FormErrors()
    typed = {"card_here": bool(form.get("card_here"))}
    if not typed["card_here"]:
        errors["card_here"] = "The holder's card goes in the counter terminal's reader"
    else:
        try:
            task = correction_tasks.ask_correction(container.uow, actor=actor,
                                                   case_id=case_id, now=now)
        except Conflict as refused:  # closed meanwhile, or the card has a task open
            errors["card_here"] = refused.message
        else:
            return RedirectResponse(f"/staff/counter-tasks/{task.id}", status_code=303)
    return _page(request, actor, container, now, case_id=case_id, status_code=422,
                 errors=errors, typed=typed)
