"""What the batch jobs (`jobs.py`) need: the chunk table, planned once and claimed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Chunk:
    job: str
    run_key: str
    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run of a job as its chunks stand: how many, how many done, rows done."""

    job: str
    run_key: str
    chunks: int
    done: int
    rows: int
    last_done_at: datetime | None
    running: int = 0  # chunks started and not done (see ChunkState.state)
    failed: int = 0  # chunks whose last try failed (the next start takes them again)


class State(StrEnum):
    PENDING = "pending"  # not started
    RUNNING = "running"  # started, not done: being worked on, or its worker was killed
    FAILED = "failed"  # its last try failed and was rolled back; `error` says why
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ChunkState:
    lo: int
    hi: int
    done_at: datetime | None
    rows: int | None
    started_at: datetime | None = None  # the last start (its job's moment)
    failed_at: datetime | None = None  # cleared when it starts again
    error: str | None = None  # the last failure's, kept once done

    @property
    def state(self) -> State:
        if self.done_at is not None:
            return State.DONE
        if self.failed_at is not None:
            return State.FAILED
        return State.RUNNING if self.started_at is not None else State.PENDING


class JobRuns(Protocol):
    """Reading the chunk table for the operators' console."""

    def summaries(self, *, limit: int) -> Sequence[RunSummary]:
        """The runs, unfinished ones first, then the newest run key first."""
        ...
    def chunks(self, job: str, run_key: str, *, limit: int) -> Sequence[ChunkState]: ...


class JobChunks(JobRuns, Protocol):
    def planned(self, job: str, run_key: str) -> bool: ...
    def plan(self, job: str, run_key: str, ranges: Sequence[tuple[int, int]]) -> None:
        """Record the chunks (once: a second planner's rows are ignored)."""
        ...
    def claim(self, job: str, run_key: str, *, now: datetime | None = None) -> Chunk | None:
        """A pending chunk, locked for this transaction; None when none is left. Chunks
        not started, failed, or started before `now` (by a start that stopped) first."""
        ...
    def start(self, chunk: Chunk, *, now: datetime) -> None:
        """Mark it started (its own transaction, committed before the work)."""
        ...
    def lock(self, chunk: Chunk) -> bool:
        """Lock it for this transaction (waiting for a worker that holds it); False if
        it is done meanwhile."""
        ...
    def failed(self, chunk: Chunk, *, error: str, now: datetime) -> None: ...
    def done(self, chunk: Chunk, *, rows: int, now: datetime) -> None: ...
    def progress(self, job: str, run_key: str) -> tuple[int, int]:
        """(chunks done, chunks in all)."""
        ...
    def unfinished(self, job: str) -> Sequence[str]:
        """The run keys of the job with chunks still pending, oldest key first."""
        ...
