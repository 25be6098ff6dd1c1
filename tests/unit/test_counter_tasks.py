"""A counter task's life (domain/counter_tasks.py): taken once, finished once by the
terminal that took it, cancelled only while open; the outcome's message is bounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mynumbercard.domain.counter_tasks import (
    OUTCOME_MAX,
    CounterTask,
    TaskKind,
    TaskStatus,
)
from mynumbercard.domain.errors import Conflict

AT = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def _task() -> CounterTask:
    return CounterTask(id=1, kind=TaskKind.UNLOCK, card_id=1, card_number="C1",
                       resident_id=1, municipality_code="13101", clerk="clerk-a",
                       details={"kind": "auth"}, status=TaskStatus.PENDING, created_at=AT)


def test_a_task_is_taken_once_then_finished_once() -> None:
    task = _task()
    with pytest.raises(Conflict, match="only a task the terminal took"):
        task.finish(ok=True, outcome="", at=AT)
    task.take(at=AT)
    with pytest.raises(Conflict, match="not pending"):
        task.take(at=AT)  # a second terminal
    task.finish(ok=False, outcome="x" * (OUTCOME_MAX + 50), at=AT)
    assert task.status is TaskStatus.FAILED
    assert len(task.outcome or "") == OUTCOME_MAX
    with pytest.raises(Conflict):
        task.cancel(at=AT)


def test_a_cancelled_task_gets_no_outcome() -> None:
    task = _task()
    task.take(at=AT)
    task.cancel(at=AT)  # the terminal stopped: the clerk gives up
    assert task.status is TaskStatus.CANCELLED
    with pytest.raises(Conflict, match="cancelled"):
        task.finish(ok=True, outcome="done", at=AT)
