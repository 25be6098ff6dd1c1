"""The operators' console, the certificates: recent revocations and holds (the status
changes, newest first, filtered by kind of change and first day, paged), and the CA's
public side (issuing CAs, OCSP signers with their expiry, the last CRL of each shard).
Read-only, through `services.console_views`, for the roles that suspend and revoke
certificates (operator, administrator); no private key is opened."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain import bounds
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.staff import Permission
from mynumbercard.services import console_views
from mynumbercard.services.console_views import Change
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.console_labels import label
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff")
Text = Annotated[str, Query(max_length=40)]
Before = Annotated[int | None, Query(ge=bounds.MIN_ID, le=bounds.MAX_ID)]
EXPIRES_SOON = 60  # days: an OCSP signer is renewed yearly (`ca renew-ocsp`)


@router.get("/certificates", response_class=HTMLResponse)
def changes(request: Request, actor: StaffActor, container: ContainerDep, *,
            change: Text = "", since: Text = "", before: Before = None) -> HTMLResponse:
    actor.require(Permission.CERTIFICATE_REVOKE)  # the role's refusal before any look-up
    errors = forms.FormErrors()
    chosen = next((c for c in Change if c.value == change), None)
    if change and chosen is None:
        errors["change"] = "Choose a change from the list"
    first = errors.optional_date("since", since)
    found = [] if errors else list(console_views.certificate_changes(
        container.uow, actor=actor, changes=(chosen,) if chosen else tuple(Change),
        since=datetime.combine(first, time(0), tzinfo=JST).astimezone(UTC) if first else None,
        before_id=before, limit=console_views.PAGE + 1))
    typed = {"change": change, "since": since.strip()}
    older = None
    if len(found) > console_views.PAGE:
        found = found[:console_views.PAGE]
        older = "/staff/certificates?" + urlencode({**{k: v for k, v in typed.items() if v},
                                                    "before": found[-1].id})
    return render_staff(request, "staff/certificate_changes.html", actor,
                        status_code=422 if errors else 200, changes=found, older=older, label=label,
                        paged=before is not None, typed=typed, errors=errors,
                        kinds=[c.value for c in Change])


@router.get("/ca", response_class=HTMLResponse)
def ca(request: Request, actor: StaffActor, container: ContainerDep,
       now: NowDep) -> HTMLResponse:
    actor.require(Permission.CERTIFICATE_REVOKE)
    overview = console_views.ca_overview(container.uow, container.ca_public, actor=actor,
                                         shards=lambda: container.ca_public().crl_shards)
    return render_staff(request, "staff/ca.html", actor, overview=overview, now=now, label=label,
                        soon=EXPIRES_SOON)
