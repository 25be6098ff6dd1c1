"""One idiom for every batch job: a job is a name, a planner and a chunk worker.

A run of a job (its `run_key`: a day, a run name) is planned once into chunks of id
ranges (`job_chunks`), then any number of workers claim chunks (SKIP LOCKED on
PostgreSQL; on SQLite they take turns), each chunk's work and its "done" mark committed
together (`services/jobs.py`). Killed half-way (even by kill -9), a run loses only the
chunks in flight; started again, it plans nothing new and takes the chunks still
pending. Its progress is read from the chunk table, by anyone, at any time: the CLI's
progress bar, and an operator console later, start, watch and resume a job the same way.

`chunk_rows` (the setting `MYNUMBERCARD_JOB_CHUNK_ROWS`) is the one name for the size of
a chunk, in every job.
"""

from __future__ import annotations

import multiprocessing
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from mynumbercard.services import jobs
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit

# The unit of work a job's planner and chunks need (its own small Protocol, faked in
# the unit tests); a job that needs less runs on any unit that has more.
UnitT = TypeVar("UnitT", bound=JobsUnit)
UnitT_contra = TypeVar("UnitT_contra", bound=JobsUnit, contravariant=True)
WATCH_SECONDS = 0.5


@dataclass(frozen=True)
class Did:
    """A chunk's rows, and what it made that the caller reports (ids, never names)."""

    rows: int
    items: tuple[object, ...] = ()


Planner = Callable[[UnitT, int], jobs.Ranges]  # (uow, chunk_rows): the run's chunks
Work = Callable[[UnitT, Chunk], int | Did]  # one chunk, in its transaction


@dataclass
class Outcome:
    """What workers did: rows by job name, and the items the chunks reported, in order."""

    rows: Counter[str] = field(default_factory=Counter)
    items: dict[str, list[object]] = field(default_factory=dict)

    def of(self, job: str) -> list[object]:
        """The items the chunks of `job` reported (none if it had nothing to do)."""
        return self.items.get(job, [])

    def add(self, other: Outcome) -> Outcome:
        self.rows.update(other.rows)
        for name, items in other.items.items():
            self.items.setdefault(name, []).extend(items)
        return self


@dataclass(frozen=True)
class Job(Generic[UnitT_contra]):
    """A kind of batch work: its name in the chunk table, what it covers, one chunk's work."""

    name: str
    plan: Callable[[UnitT_contra, int], jobs.Ranges]
    work: Callable[[UnitT_contra, Chunk], int | Did]
    # Outside effects: after a chunk committed (a card destroyed), or of a chunk whose
    # transaction did not commit (a chip made for a card that is not on the register).
    then: Callable[[Did], None] | None = None
    undo: Callable[[Did], None] | None = None


@dataclass(frozen=True)
class Step(Generic[UnitT_contra]):
    """One job over one run key; a start may cover several (two cohorts, catch-up days)."""

    job: Job[UnitT_contra]
    run_key: str


@dataclass(frozen=True)
class Progress:
    done: int  # chunks
    total: int

    @property
    def left(self) -> int:
        return self.total - self.done

    def __add__(self, other: Progress) -> Progress:
        return Progress(self.done + other.done, self.total + other.total)


NOTHING = Progress(0, 0)


def resumed_or_new(uow_factory: Callable[[], JobsUnit], job: str, now: datetime) -> str:
    """The run key of a job that drains a queue: the run that stopped half-way, if there
    is one (it resumes), else a new run (planned over what waits now), named by its
    moment and a suffix, so that two runs at one (set) moment stay two runs."""
    with uow_factory() as uow:
        unfinished = uow.jobs.unfinished(job)
    if unfinished:
        return unfinished[0]
    return f"{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S}-{secrets.token_hex(3)}"


def plan(uow_factory: Callable[[], UnitT], steps: Sequence[Step[UnitT]], *, chunk_rows: int
         ) -> list[Progress]:
    """Plan each step's chunks unless they are already; each step's progress."""
    def planner(step: Step[UnitT]) -> Callable[[UnitT], jobs.Ranges]:
        return lambda uow: step.job.plan(uow, chunk_rows)
    return [Progress(*jobs.plan_once(uow_factory, step.job.name, step.run_key, planner(step)))
            for step in steps]


def by_ids(ids_of: Callable[[UnitT], Sequence[int]]) -> Planner[UnitT]:
    """A planner over listed row ids (a cohort): `chunk_rows` rows a chunk."""
    return lambda uow, chunk_rows: jobs.id_chunks(ids_of(uow), chunk_rows)


def by_span(bounds_of: Callable[[UnitT], tuple[int, int] | None]) -> Planner[UnitT]:
    """A planner over a whole table's id span: chunks `chunk_rows` ids wide."""
    return lambda uow, chunk_rows: jobs.span_chunks(bounds_of(uow), chunk_rows)


def progress(uow_factory: Callable[[], UnitT], steps: Sequence[Step[UnitT]]) -> Progress:
    """The chunks done and planned over the steps: read only, for watching."""
    with uow_factory() as uow:
        return sum((Progress(*uow.jobs.progress(step.job.name, step.run_key))
                    for step in steps), NOTHING)


def work(uow_factory: Callable[[], UnitT], steps: Sequence[Step[UnitT]], *, now: datetime,
         on_chunk: Callable[[int], None] | None = None) -> Outcome:
    """Do the pending chunks of each step, in order: what this worker did."""
    outcome = Outcome()
    for step in steps:
        outcome.add(_work_step(uow_factory, step, now=now, on_chunk=on_chunk))
    return outcome


def _work_step(uow_factory: Callable[[], UnitT], step: Step[UnitT], *, now: datetime,
               on_chunk: Callable[[int], None] | None) -> Outcome:
    job, items = step.job, list[object]()
    uncommitted: Did | None = None  # the chunk in flight: its items count once committed

    def counted(uow: UnitT, chunk: Chunk) -> int:
        nonlocal uncommitted
        did = job.work(uow, chunk)
        uncommitted = did if isinstance(did, Did) else Did(did)
        return uncommitted.rows

    def committed(rows: int) -> None:
        nonlocal uncommitted
        if uncommitted is not None:
            items.extend(uncommitted.items)
            if job.then is not None:
                job.then(uncommitted)
        uncommitted = None
        if on_chunk is not None:
            on_chunk(rows)
    try:
        rows = jobs.run(uow_factory, job.name, step.run_key, counted, now=now,
                        on_chunk=committed)
    except BaseException:
        if uncommitted is not None and job.undo is not None:
            job.undo(uncommitted)
        raise
    return Outcome(Counter({job.name: rows}), {job.name: items})


OrderT = TypeVar("OrderT")  # what a worker process needs to rebuild the steps (picklable)


def in_processes(worker: Callable[[OrderT], Outcome], order: OrderT, *, workers: int,
                 watch: Callable[[], Progress],
                 on_progress: Callable[[Progress], None] | None = None) -> Outcome:
    """Run `worker(order)` in `workers` fresh processes (each wires itself, so `worker` is
    a module-level function) while this one watches the chunk table; their rows added."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        pending = [pool.apply_async(worker, (order,)) for _ in range(workers)]
        while running := [p for p in pending if not p.ready()]:
            if on_progress is not None:
                on_progress(watch())
            running[0].wait(WATCH_SECONDS)
        total = Outcome()
        for p in pending:
            total.add(p.get())
    if on_progress is not None:
        on_progress(watch())
    return total


@dataclass(frozen=True)
class Started:
    planned: list[Progress]  # each step's chunks as the start found them (after planning)
    outcome: Outcome  # over every worker


def start(uow_factory: Callable[[], UnitT], steps: Sequence[Step[UnitT]], *, chunk_rows: int,
          now: datetime, workers: int = 1,
          worker: Callable[[OrderT], Outcome] | None = None, order: OrderT | None = None,
          on_progress: Callable[[Progress], None] | None = None) -> Started:
    """Plan the steps once, then do them: here (one worker), or in `workers` processes
    running `worker(order)`; a run that stopped resumes where it stopped."""
    planned = plan(uow_factory, steps, chunk_rows=chunk_rows)
    pending = [step for step, p in zip(steps, planned, strict=True) if p.left]
    watch = lambda: progress(uow_factory, pending)  # noqa: E731
    if workers > 1 and worker is not None and order is not None and pending:
        return Started(planned, in_processes(worker, order, workers=workers, watch=watch,
                                             on_progress=on_progress))
    total, done = sum(planned, NOTHING).left, 0

    def chunk_done(_: int) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(Progress(done, total))
    return Started(planned, work(uow_factory, pending, now=now, on_chunk=chunk_done))
