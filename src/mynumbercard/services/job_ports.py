"""What the batch jobs (`jobs.py`) need: the chunk table, planned once and claimed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class ChunkState:
    lo: int
    hi: int
    done_at: datetime | None  # None: pending (waiting, being worked on, or failed and rolled back)
    rows: int | None


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
    def claim(self, job: str, run_key: str) -> Chunk | None:
        """A pending chunk, locked for this transaction; None when none is left."""
        ...
    def done(self, chunk: Chunk, *, rows: int, now: datetime) -> None: ...
    def progress(self, job: str, run_key: str) -> tuple[int, int]:
        """(chunks done, chunks in all)."""
        ...
    def unfinished(self, job: str) -> Sequence[str]:
        """The run keys of the job with chunks still pending, oldest key first."""
        ...
