"""The operators' console, batch jobs: the runs with their progress from the chunk table
and a run's chunks (pending, running, failed with its error, done), the outgoing mail's
and e-mail's queues, and resuming an unfinished run. The same services as the API and
the CLI (job_views, mail.status, email.status), so operators and administrators only
(the production permission, as for running the jobs).

Resuming runs the run's pending and failed chunks in a thread of this server (one
worker, as the CLI's `--workers 1`; `batch_jobs.BackgroundResumer`): each chunk commits
on its own, so a server stopped half-way leaves the run to resume again. A job whose
run needs more than its key (a day, a directory, an office) is refused with the command
that resumes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.batch_jobs import BackgroundResumer
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import email, job_views, mail
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.console_labels import label
from mynumbercard.web.pages.staff_auth import StaffActor, render_staff

router = page_router(prefix="/staff/jobs")
Key = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._:-]+$")]


def resumer(request: Request) -> BackgroundResumer:
    """The server's one resumer (its runs in progress), made on first use."""
    state = request.app.state
    if getattr(state, "job_resumer", None) is None:
        state.job_resumer = BackgroundResumer(state.container)
    found: BackgroundResumer = state.job_resumer
    return found


@router.get("", response_class=HTMLResponse)
def jobs(request: Request, actor: StaffActor, container: ContainerDep) -> HTMLResponse:
    actor.require(Permission.PRODUCTION)  # the role's refusal before any look-up
    actor.require(Permission.MAIL_READ)  # as the API's /mail/status
    return render_staff(request, "staff/jobs.html", actor,
                        runs=job_views.runs(container.uow, actor=actor),
                        mail=mail.status(container.uow),
                        email=email.status(container.uow, actor=actor))


def _run_page(request: Request, actor: Actor, container: ContainerDep, job: str,
              run_key: str, *, status_code: int = 200, error: str | None = None,
              done: str | None = None) -> HTMLResponse:
    found = job_views.chunks(container.uow, actor=actor, job=job, run_key=run_key)
    return render_staff(request, "staff/job_run.html", actor, status_code=status_code, label=label,
                        job=job, run_key=run_key, chunks=found,
                        done=sum(1 for c in found if c.done_at is not None),
                        rows=sum(c.rows or 0 for c in found), error=error,
                        resumable=resumer(request).resumable(job),
                        resuming=resumer(request).running(job),
                        resumed=done == "resumed")


@router.get("/{job}/{run_key}", response_class=HTMLResponse)
def run(request: Request, actor: StaffActor, container: ContainerDep, *, job: Key,
        run_key: Key, done: str | None = None) -> HTMLResponse:
    return _run_page(request, actor, container, job, run_key, done=done)


@router.post("/{job}/{run_key}/resume")
def resume(request: Request, actor: StaffActor, container: ContainerDep, now: NowDep, *,
           job: Key, run_key: Key) -> Response:
    try:
        job_views.resume(container.uow, resumer(request), actor=actor, job=job,
                         run_key=run_key, now=now)
    except Conflict as refused:
        return _run_page(request, actor, container, job, run_key, status_code=409,
                         error=refused.message)
    return RedirectResponse(f"/staff/jobs/{job}/{run_key}?done=resumed", status_code=303)
