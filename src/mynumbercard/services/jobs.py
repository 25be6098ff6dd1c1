"""Batch jobs in chunks: planned once, claimed by any number of workers, each chunk's
work and its "done" mark committed together.

Killed half-way (even by kill -9), a job loses only the chunk in flight, whose
transaction never committed; run again, it takes the chunks still pending, so no row is
done twice and none is missed. On PostgreSQL workers skip each other's locked chunks
(`FOR UPDATE SKIP LOCKED`); on SQLite they take turns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from mynumbercard.domain.errors import DomainError
from mynumbercard.services.job_ports import Chunk, JobChunks
from mynumbercard.services.ports import Transaction


class JobsUnit(Transaction, Protocol):
    """What every batch job's transaction has: the chunk table. A job's own unit (e.g.
    `expiry.ExpiryUnit`) adds the repositories its chunks need."""

    @property
    def jobs(self) -> JobChunks: ...


UnitT = TypeVar("UnitT", bound=JobsUnit)
CHUNK_ROWS = 500


Ranges = list[tuple[int, int]]  # (first id, last id) of each chunk


def plan_once(uow_factory: Callable[[], UnitT], job: str, run_key: str,
              ranges_of: Callable[[UnitT], Ranges]) -> tuple[int, int]:
    """Record the run's chunks unless they are already; returns (done, total) chunks."""
    with uow_factory() as uow:
        if not uow.jobs.planned(job, run_key):
            uow.jobs.plan(job, run_key, ranges_of(uow))
        progress = uow.jobs.progress(job, run_key)
        uow.commit()
    return progress


def plan(uow_factory: Callable[[], UnitT], job: str, run_key: str,
         ids_of: Callable[[UnitT], Sequence[int]], *, chunk_rows: int = CHUNK_ROWS
         ) -> tuple[int, int]:
    """Split the run's rows (listed by id) into chunks of `chunk_rows` rows, once."""
    return plan_once(uow_factory, job, run_key, lambda uow: id_chunks(ids_of(uow), chunk_rows))


def plan_ranges(uow_factory: Callable[[], UnitT], job: str, run_key: str,
                bounds_of: Callable[[UnitT], tuple[int, int] | None], *,
                chunk_rows: int = CHUNK_ROWS) -> tuple[int, int]:
    """Split an id range into fixed-width chunks, once (a whole table: no id list)."""
    return plan_once(uow_factory, job, run_key,
                     lambda uow: span_chunks(bounds_of(uow), chunk_rows))


def id_chunks(ids: Sequence[int], chunk_rows: int) -> Ranges:
    """Listed ids (ascending), `chunk_rows` of them a chunk."""
    return [(ids[i], ids[min(i + chunk_rows, len(ids)) - 1])
            for i in range(0, len(ids), chunk_rows)]


def span_chunks(bounds: tuple[int, int] | None, chunk_rows: int) -> Ranges:
    """An id span (lowest, highest) in chunks `chunk_rows` ids wide (a whole table)."""
    if bounds is None:
        return []
    lo, hi = bounds
    return [(start, min(start + chunk_rows - 1, hi)) for start in range(lo, hi + 1, chunk_rows)]


def run(uow_factory: Callable[[], UnitT], job: str, run_key: str,
        work: Callable[[UnitT, Chunk], int], *, now: datetime,
        on_chunk: Callable[[int], None] | None = None) -> int:
    """Do pending chunks until none is left; returns the rows this worker did.

    A chunk is claimed and marked started in a short transaction of its own (so that the
    console sees it running), then locked again for its work and its "done" mark, which
    commit together; a worker that claimed a chunk another holds waits for it and finds
    it done. A chunk whose work raises is marked failed with its error (after the
    rollback) and the error goes on: the next start takes it again."""
    rows = 0
    while True:
        with uow_factory() as uow:
            chunk = uow.jobs.claim(job, run_key, now=now)
            if chunk is None:
                return rows
            uow.jobs.start(chunk, now=now)
            uow.commit()
        try:
            with uow_factory() as uow:
                if not uow.jobs.lock(chunk):
                    continue  # another worker did it meanwhile
                done = work(uow, chunk)
                uow.jobs.done(chunk, rows=done, now=now)
                uow.commit()
        except Exception as error:
            _record_failure(uow_factory, chunk, error, now=now)
            raise
        rows += done
        if on_chunk is not None:
            on_chunk(done)


def failure_text(error: Exception) -> str:
    """What the chunk table keeps of a failure: a domain error's message (written to be
    shown), else only the kind of error: a driver's or library's message may quote rows
    (names, numbers) or settings, which the console must not show."""
    if isinstance(error, DomainError):
        return f"{type(error).__name__}: {error.message}"[:400]
    return type(error).__name__


def _record_failure(uow_factory: Callable[[], UnitT], chunk: Chunk, error: Exception, *,
                    now: datetime) -> None:
    try:
        with uow_factory() as uow:
            uow.jobs.failed(chunk, error=failure_text(error), now=now)
            uow.commit()
    except Exception:
        return
