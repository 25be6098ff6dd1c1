"""The operators' console, the wrong-validity audit: the report of a run (the latest by
default) by municipality and by cause, and the correction cases, filtered by status and
paged by id. Read-only, through the API's services (`validity_check.report`,
`list_cases`); the console's roles only (operator, administrator: the production
permission), the report's own check (application:read) after it. A case still in
progress links to its correction at the counter (staff_corrections.py) for a member who
may correct it there (a clerk of that town, an administrator)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain import bounds
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.staff import Permission
from mynumbercard.services import validity_check
from mynumbercard.web.deps import ContainerDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.console_labels import label
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/validity")
PAGE = 50
RUN = re.compile(r"[A-Za-z0-9._:T+-]{1,40}")
Text = Annotated[str, Query(max_length=100)]


@router.get("", response_class=HTMLResponse)
def validity_audit(request: Request, actor: StaffActor, container: ContainerDep, *,
                   run: Text = "", status: Text = "",
                   after: Annotated[int, Query(ge=0, le=bounds.MAX_ID)] = 0) -> HTMLResponse:
    actor.require(Permission.PRODUCTION)  # the console's roles, before any look-up
    errors = forms.FormErrors()
    key = forms.plain(run)
    if key and not RUN.fullmatch(key):
        errors["run"] = "A run's key, e.g. 2026-11-30T09:00:00"
    chosen = next((s for s in CaseStatus if s.value == status), None)
    if status and chosen is None:
        errors["status"] = "Choose a status from the list"
    report, cases, more = None, [], None
    if not errors:
        report = validity_check.report(container.uow, actor=actor, run_key=key or None)
        cases = validity_check.list_cases(container.uow, actor=actor, status=chosen,
                                          limit=PAGE + 1, after_id=after)
        if len(cases) > PAGE:
            cases = cases[:PAGE]
            more = "/staff/validity?" + urlencode(
                {**{k: v for k, v in {"run": key, "status": status}.items() if v},
                 "after": cases[-1].id})
    correctable = {c.id for c in cases if c.status in validity_check.IN_PROGRESS
                   and actor.may(Permission.CERTIFICATE_ISSUE,
                                 municipality_code=c.municipality_code)}
    return render_staff(request, "staff/validity.html", actor,
                        status_code=422 if errors else 200, report=report, cases=cases,
                        label=label, correctable=correctable,
                        more=more, errors=errors, typed={"run": key, "status": status},
                        statuses=[s.value for s in CaseStatus], paged=after > 0)
