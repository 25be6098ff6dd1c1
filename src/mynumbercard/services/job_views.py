"""The batch jobs as the operators' console shows them: the runs with their progress and
a run's chunks, read from the chunk table (`jobs.py`). Read-only; the operators and
administrators (the production permission, as for running the jobs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.job_ports import ChunkState, JobRuns, RunSummary
from mynumbercard.services.ports import Transaction

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


