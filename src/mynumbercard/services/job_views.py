"""The batch jobs as the operators' console shows them: the runs with their progress and
a run's chunks (pending, running, failed with its error, done), read from the chunk
table (`jobs.py`); and resuming an unfinished run, as the CLI's next start of the job
does. The operators and administrators (the production permission, as for running the
jobs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.job_ports import ChunkState, JobChunks, JobRuns, RunSummary
from mynumbercard.services.ports import AuditLog, AuditRecord, Transaction

RUNS_LIMIT = 200
CHUNKS_LIMIT = 2000


class JobViewsUnit(Transaction, Protocol):
    @property
    def jobs(self) -> JobRuns: ...


def runs(uow_factory: Callable[[], JobViewsUnit], *, actor: Actor,
         limit: int = 50) -> Sequence[RunSummary]:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        return uow.jobs.summaries(limit=max(1, min(limit, RUNS_LIMIT)))


def chunks(uow_factory: Callable[[], JobViewsUnit], *, actor: Actor, job: str,
           run_key: str) -> Sequence[ChunkState]:
    """A run's chunks in id order; NotFound for a run the table does not hold."""
    actor.require(Permission.PRODUCTION)
    if len(job) > 40 or len(run_key) > 40:
        raise NotFound("no such run")
    with uow_factory() as uow:
        found = uow.jobs.chunks(job, run_key, limit=CHUNKS_LIMIT)
    if not found:
        raise NotFound(f"no run {run_key!r} of the job {job!r}")
    return found




class ResumeUnit(Transaction, Protocol):
    @property
    def jobs(self) -> JobChunks: ...
    @property
    def audit(self) -> AuditLog: ...


class Resumer(Protocol):
    """Runs a run's pending chunks outside the request that asked (the server's
    background worker, `batch_jobs.BackgroundResumer`)."""

    def resumable(self, job: str) -> bool:
        """Whether the run's job and key are all it needs (no day, file or office)."""
        ...
    def running(self, job: str) -> bool: ...
    def start(self, job: str, run_key: str, *, actor: Actor, now: datetime) -> None:
        """Start it; Conflict if a run of the job is being resumed already."""
        ...


def resume(uow_factory: Callable[[], ResumeUnit], resumer: Resumer, *, actor: Actor,
           job: str, run_key: str, now: datetime) -> None:
    """Resume an unfinished run as the CLI's next start of its job does (its pending and
    failed chunks, one worker), audited; NotFound for no such run, Conflict for a run
    that is finished, being resumed, or whose job needs the command line."""
    actor.require(Permission.PRODUCTION)
    if len(job) > 40 or len(run_key) > 40:
        raise NotFound("no such run")
    with uow_factory() as uow:
        done, total = uow.jobs.progress(job, run_key)
        if total == 0:
            raise NotFound(f"no run {run_key!r} of the job {job!r}")
        if done == total:
            raise Conflict("the run is finished: nothing to resume")
        if not resumer.resumable(job):
            raise Conflict(f"the job {job} is resumed from the command line: "
                           f"mynumbercard jobs … (its next start resumes the run)")
        if resumer.running(job):
            raise Conflict(f"a run of the job {job} is being resumed already")
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.JOB_RESUME,
                                     f"job:{job}:{run_key}", {"chunks_left": total - done}))
        uow.commit()
    resumer.start(job, run_key, actor=actor, now=now)
