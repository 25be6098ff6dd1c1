"""The staff console's My Number Points: the settlement view (points granted per payment
service and campaign: what each service is paid back; the issuing agency's operators and
administrators) and the administrators' list of payment services. Read-only; the same
services and audit records as `GET /api/v1/points/settlement` and `GET
/api/v1/relying-parties`."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.staff import Permission
from mynumbercard.services import points, relying_parties
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/points")


@router.get("/settlement", response_class=HTMLResponse)
def settlement(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
               campaign: Annotated[str | None, Query(max_length=60)] = None) -> HTMLResponse:
    actor.require(Permission.POINTS_SETTLEMENT)  # the role's refusal before any look-up
    view = points.settlement(container.uow, actor=actor, campaign=campaign or None, now=now)
    by_campaign = [(name, list(rows)) for name, rows in
                   groupby(view.totals, key=lambda t: t.campaign)]
    return render_staff(request, "staff/points_settlement.html", actor, view=view,
                        by_campaign=by_campaign)


@router.get("/services", response_class=HTMLResponse)
def services(request: Request, actor: StaffActor, container: ContainerDep,
             now: NowDep) -> HTMLResponse:
    actor.require(Permission.RELYING_PARTY_MANAGE)
    found = [p for p in relying_parties.list_parties(container.uow, actor=actor, now=now)
             if p.kind is PartyKind.PAYMENT_SERVICE]
    return render_staff(request, "staff/payment_services.html", actor, services=found)
