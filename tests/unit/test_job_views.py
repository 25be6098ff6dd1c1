"""The console's view of the batch jobs: runs with their progress (unfinished first) and a
run's chunks; operators and administrators only, as for running the jobs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from job_fakes import JobsFakeUnit
from mynumbercard.domain.errors import NotFound, PermissionDenied
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import job_views
from mynumbercard.services.job_ports import Chunk

OPERATOR = Actor("op", Role.OPERATOR)
NOW = datetime(2026, 11, 30, 3, tzinfo=UTC)


def _unit() -> JobsFakeUnit:
    uow = JobsFakeUnit()
    uow.jobs.plan("production", "20261129", [(1, 10), (11, 20)])
    uow.jobs.done(Chunk("production", "20261129", 1, 10), rows=7, now=NOW)
    uow.jobs.done(Chunk("production", "20261129", 11, 20), rows=3, now=NOW)
    uow.jobs.plan("production", "20261130", [(1, 10), (11, 20), (21, 30)])
    uow.jobs.done(Chunk("production", "20261130", 1, 10), rows=4, now=NOW)
    return uow


def test_runs_show_progress_unfinished_first():
    runs = job_views.runs(_unit(), actor=OPERATOR)
    assert [(r.run_key, r.done, r.chunks, r.rows) for r in runs] == [
        ("20261130", 1, 3, 4), ("20261129", 2, 2, 10)]


def test_a_runs_chunks_in_order_and_an_unknown_run_is_not_found():
    chunks = job_views.chunks(_unit(), actor=OPERATOR, job="production", run_key="20261130")
    assert [(c.lo, c.hi, c.rows) for c in chunks] == [(1, 10, 4), (11, 20, None),
                                                      (21, 30, None)]
    with pytest.raises(NotFound):
        job_views.chunks(_unit(), actor=OPERATOR, job="production", run_key="nope")


@pytest.mark.parametrize("role", [Role.CLERK, Role.AUDITOR])
def test_other_roles_are_refused(role: Role):
    with pytest.raises(PermissionDenied):
        job_views.runs(_unit(), actor=Actor("x", role, "13101" if role is Role.CLERK else None))
