"""The batch idiom (`services/batch.py`, `jobs.py`) on the in-memory chunk table
(tests/job_fakes.py): planned once, resumed after a stop, progress from the chunk table.
SKIP LOCKED between workers is tested on PostgreSQL in tests/integration/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from job_fakes import JobsFakeUnit
from mynumbercard.domain.errors import Conflict
from mynumbercard.services import batch, jobs
from mynumbercard.services.job_ports import Chunk

NOW = datetime(2026, 11, 30, 3, tzinfo=UTC)


def _job(seen: list[tuple[int, int]], *, ids: list[int], fail_at: int | None = None
         ) -> batch.Job[JobsFakeUnit]:
    def work(uow: JobsFakeUnit, chunk: Chunk) -> batch.Did:
        if chunk.lo == fail_at:
            raise OSError("killed")
        seen.append((chunk.lo, chunk.hi))
        return batch.Did(sum(1 for i in ids if chunk.lo <= i <= chunk.hi), (chunk.lo,))
    return batch.Job("test:job", batch.by_ids(lambda uow: ids), work)


def test_a_job_is_planned_once_into_chunks_of_listed_ids_and_each_is_done_once() -> None:
    uow, seen = JobsFakeUnit(), list[tuple[int, int]]()
    steps = [batch.Step(_job(seen, ids=[2, 3, 5, 8, 13]), "run-1")]
    started = batch.start(uow, steps, chunk_rows=2, now=NOW)
    assert seen == [(2, 3), (5, 8), (13, 13)]
    assert started.planned == [batch.Progress(0, 3)]
    assert (started.outcome.rows["test:job"], started.outcome.of("test:job")) == (5, [2, 5, 13])
    again = batch.start(uow, steps, chunk_rows=2, now=NOW)  # the same run: nothing left
    assert (seen[3:], again.planned, again.outcome.rows["test:job"]) == (
        [], [batch.Progress(3, 3)], 0)


def test_a_run_stopped_half_way_resumes_with_the_chunks_left_and_its_key() -> None:
    uow, seen = JobsFakeUnit(), list[tuple[int, int]]()
    ids = list(range(1, 7))
    with pytest.raises(OSError, match="killed"):
        batch.start(uow, [batch.Step(_job(seen, ids=ids, fail_at=3), "run-1")],
                    chunk_rows=2, now=NOW)
    assert seen == [(1, 2)]
    assert batch.progress(uow, [batch.Step(_job(seen, ids=ids), "run-1")]) == batch.Progress(1, 3)
    assert batch.resumed_or_new(uow, "test:job", NOW) == "run-1"
    shown: list[batch.Progress] = []
    batch.start(uow, [batch.Step(_job(seen, ids=ids), "run-1")], chunk_rows=2, now=NOW,
                on_progress=shown.append)
    assert seen == [(1, 2), (3, 4), (5, 6)]
    assert shown == [batch.Progress(1, 2), batch.Progress(2, 2)]
    assert batch.resumed_or_new(uow, "test:job", NOW).startswith("2026-11-30T03:00:00-")


class _FailingCommit(JobsFakeUnit):
    failing = False

    def commit(self) -> None:
        if self.failing:
            raise OSError("the database went away")


def test_what_a_chunk_made_outside_is_undone_when_its_transaction_does_not_commit() -> None:
    uow, undone, after = _FailingCommit(), list[batch.Did](), list[batch.Did]()

    def work(_: JobsFakeUnit, chunk: Chunk) -> batch.Did:
        uow.failing = True  # the database goes away while the chunk works
        return batch.Did(1, (f"chip-{chunk.lo}",))
    job = batch.Job("test:undo", batch.by_ids(lambda _: [1]), work, then=after.append,
                    undo=undone.append)
    batch.plan(uow, [batch.Step(job, "r")], chunk_rows=10)
    with pytest.raises(OSError, match="went away"):
        batch.work(uow, [batch.Step(job, "r")], now=NOW)
    assert (undone, after) == ([batch.Did(1, ("chip-1",))], [])


def test_chunks_by_span_cover_a_table_and_by_ids_follow_the_list() -> None:
    assert jobs.span_chunks((5, 14), 4) == [(5, 8), (9, 12), (13, 14)]
    assert jobs.span_chunks(None, 4) == []
    assert jobs.id_chunks([1, 9, 10, 40, 41], 2) == [(1, 9), (10, 40), (41, 41)]
    uow = JobsFakeUnit()
    planned = batch.plan(uow, [batch.Step(batch.Job(
        "test:span", batch.by_span(lambda _: (1, 10)), lambda _, c: 0), "r")], chunk_rows=4)
    assert planned == [batch.Progress(0, 3)]
    assert uow.commits == 1


def test_a_failed_chunk_keeps_its_error_and_the_next_start_takes_it_again() -> None:
    uow, seen = JobsFakeUnit(), list[tuple[int, int]]()
    ids = list(range(1, 7))
    with pytest.raises(OSError, match="killed"):
        batch.start(uow, [batch.Step(_job(seen, ids=ids, fail_at=3), "run-1")],
                    chunk_rows=2, now=NOW)
    states = [(c.lo, c.state.value, c.error) for c in uow.jobs.chunks("test:job", "run-1",
                                                                       limit=10)]
    # an OSError's message may quote anything: only its kind is kept
    assert states == [(1, "done", None), (3, "failed", "OSError"), (5, "pending", None)]
    batch.start(uow, [batch.Step(_job(seen, ids=ids), "run-1")], chunk_rows=2, now=NOW)
    assert [(c.state.value, c.error) for c in uow.jobs.chunks("test:job", "run-1", limit=10)
            ] == [("done", None), ("done", "OSError"), ("done", None)]


def test_a_domain_errors_message_is_kept_and_a_library_errors_is_not() -> None:
    assert jobs.failure_text(Conflict("the card was changed meanwhile")) == (
        "Conflict: the card was changed meanwhile")
    assert jobs.failure_text(ValueError("山田花子 123456789012")) == "ValueError"


def test_a_chunk_started_by_a_start_that_stopped_is_taken_after_the_others() -> None:
    uow = JobsFakeUnit()
    uow.jobs.plan("j", "r", [(1, 1), (2, 2), (3, 3)])
    uow.jobs.start(Chunk("j", "r", 1, 1), now=NOW)  # this start's: being worked on
    assert uow.jobs.claim("j", "r", now=NOW) == Chunk("j", "r", 2, 2)
    later = NOW.replace(hour=4)  # the next start: chunk 1's worker is gone
    uow.jobs.start(Chunk("j", "r", 2, 2), now=later)
    assert uow.jobs.claim("j", "r", now=later) == Chunk("j", "r", 1, 1)
