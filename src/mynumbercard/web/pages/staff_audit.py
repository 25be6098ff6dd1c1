"""The auditor's audit log: newest first, filtered by person, action, subject and date
(Japan's days), paged by record id; read-only. The API's service (`services.audit`), so
only the roles with audit:read (auditor, administrator) see it, as in the API."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain import bounds
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.staff import Permission
from mynumbercard.services.audit import list_audit
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditRecord
from mynumbercard.web.deps import ContainerDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/audit")
PAGE = 50
PERSON = re.compile(r"[A-Za-z0-9._:@-]{1,80}")
SUBJECT = re.compile(r"[A-Za-z0-9._:/@-]{1,80}")
Text = Annotated[str, Query(max_length=100)]


def _start(day: date) -> datetime:
    """The first moment of a day in Japan, in UTC: the log stores UTC, and SQLite compares
    the stored text, so a moment in another zone would miss the hours before 09:00 JST."""
    return datetime.combine(day, time(0), tzinfo=JST).astimezone(UTC)


@router.get("", response_class=HTMLResponse)
def audit_log(request: Request, actor: StaffActor, container: ContainerDep, *,
              person: Text = "", action: Text = "", subject: Text = "",
              since: Text = "", until: Text = "",
              before: Annotated[int | None, Query(ge=bounds.MIN_ID,
                                                  le=bounds.MAX_ID)] = None) -> HTMLResponse:
    actor.require(Permission.AUDIT_READ)  # the role's refusal before any look-up
    typed = {"person": forms.plain(person), "action": action.strip(),
             "subject": forms.plain(subject), "since": since, "until": until}
    errors = forms.FormErrors()
    if typed["person"] and not PERSON.fullmatch(typed["person"]):
        errors["person"] = "A staff username: letters, digits, '.', '_' or '-'"
    if typed["subject"] and not SUBJECT.fullmatch(typed["subject"]):
        errors["subject"] = "A subject such as resident:123"
    chosen = next((a for a in AuditAction if a.value == typed["action"]), None)
    if typed["action"] and chosen is None:
        errors["action"] = "Choose an action from the list"
    first, last = errors.optional_date("since", since), errors.optional_date("until", until)
    if first and last and last < first:
        errors["until"] = "The last day comes on or after the first"
    records: list[tuple[int, AuditRecord]] = []
    if not errors:
        records = list(list_audit(
            container.uow, actor=actor, subject=typed["subject"] or None,
            person=typed["person"] or None, action=chosen.value if chosen else None,
            since=_start(first) if first else None,
            until=_start(last + timedelta(days=1)) if last else None,
            before_id=before, limit=PAGE + 1))
    older = None
    if len(records) > PAGE:
        records = records[:PAGE]
        kept = {k: v for k, v in typed.items() if v}
        older = "/staff/audit?" + urlencode({**kept, "before": records[-1][0]})
    return render_staff(request, "staff/audit_log.html", actor,
                        status_code=422 if errors else 200, records=records, older=older,
                        newest="/staff/audit?" + urlencode({k: v for k, v in typed.items()
                                                            if v}) if before else None,
                        typed=typed, errors=errors, actions=sorted(a.value for a in AuditAction))
