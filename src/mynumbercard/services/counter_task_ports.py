"""The counter tasks' port (the database adapter: `adapters/db/counter_task_repositories`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mynumbercard.domain.counter_tasks import CounterTask, NewCounterTask


class CounterTasks(Protocol):
    def add(self, task: NewCounterTask) -> CounterTask:
        """Raises Conflict when the card has an open task already."""
        ...

    def get(self, task_id: int) -> CounterTask | None: ...
    def next_for(self, clerk: str) -> CounterTask | None: ...
    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[CounterTask]: ...
    def save(self, task: CounterTask) -> None: ...
