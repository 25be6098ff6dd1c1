"""The operators' console, production: the production runs (newest first, paged), the
shipments no office has confirmed (how long overdue) and the latest shipments; a run's
page lists the cards it made and for whom (application and resident ids, never a name)
and the shipments that carried them to their offices. Read-only, through
`services.console_views` (the production permission, as for running the jobs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain import bounds
from mynumbercard.domain.staff import Permission
from mynumbercard.services import console_views
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.console_labels import label
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/production")
Before = Annotated[int | None, Query(ge=bounds.MIN_ID, le=bounds.MAX_ID)]
RunId = Annotated[int, Path(ge=bounds.MIN_ID, le=bounds.MAX_ID)]


@router.get("", response_class=HTMLResponse)
def production(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep,
               before: Before = None) -> HTMLResponse:
    actor.require(Permission.PRODUCTION)  # the role's refusal before any look-up
    runs = console_views.production_runs(container.uow, actor=actor, before_id=before,
                                         limit=console_views.PAGE + 1)
    older = None
    if len(runs) > console_views.PAGE:
        runs = runs[:console_views.PAGE]
        older = f"/staff/production?before={runs[-1].id}"
    return render_staff(request, "staff/production.html", actor, runs=runs, older=older,
                        paged=before is not None,
                        overdue=console_views.overdue_receipts(container.uow, actor=actor,
                                                               now=now),
                        expected_days=console_views.RECEIPT_EXPECTED.days,
                        shipments=console_views.shipments(container.uow, actor=actor))


@router.get("/{run_id}", response_class=HTMLResponse)
def run(request: Request, actor: StaffActor, container: ContainerDep,
        run_id: RunId) -> HTMLResponse:
    detail = console_views.production_run(container.uow, actor=actor, run_id=run_id)
    return render_staff(request, "staff/production_run.html", actor, detail=detail,
                        label=label)
