"""The operators' console, batch jobs: the runs with their progress from the chunk table
and a run's chunks, and the outgoing mail's and e-mail's queues. Read-only; the same
services as the API and the CLI (job_views, mail.status, email.status), so operators and
administrators only (the production permission, as for running the jobs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.staff import Permission
from mynumbercard.services import email, job_views, mail
from mynumbercard.web.deps import ContainerDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/jobs")
Key = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._:-]+$")]


@router.get("", response_class=HTMLResponse)
def jobs(request: Request, actor: StaffActor, container: ContainerDep) -> HTMLResponse:
    actor.require(Permission.PRODUCTION)  # the role's refusal before any look-up
    actor.require(Permission.MAIL_READ)  # as the API's /mail/status
    return render_staff(request, "staff/jobs.html", actor,
                        runs=job_views.runs(container.uow, actor=actor),
                        mail=mail.status(container.uow),
                        email=email.status(container.uow, actor=actor))


@router.get("/{job}/{run_key}", response_class=HTMLResponse)
def run(request: Request, actor: StaffActor, container: ContainerDep, job: Key,
        run_key: Key) -> HTMLResponse:
    found = job_views.chunks(container.uow, actor=actor, job=job, run_key=run_key)
    done = sum(1 for c in found if c.done_at is not None)
    return render_staff(request, "staff/job_run.html", actor, job=job, run_key=run_key,
                        chunks=found, done=done,
                        rows=sum(c.rows or 0 for c in found))
