"""Counter tasks: the page's request to the clerk's terminal, taken once, finished once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from mynumbercard.adapters.db.certificate_repositories import as_utc
from mynumbercard.adapters.db.counter_task_tables import counter_tasks as tasks
from mynumbercard.adapters.db.tables import cards
from mynumbercard.domain.counter_tasks import (
    CounterTask,
    NewCounterTask,
    OutcomeCode,
    TaskKind,
    TaskStatus,
)
from mynumbercard.domain.errors import Conflict

_COLUMNS = (*tasks.c, cards.c.card_number)


def _task(row: Row[Any]) -> CounterTask:
    m = row._mapping
    return CounterTask(
        id=m["id"], kind=TaskKind(m["kind"]), card_id=m["card_id"],
        card_number=m["card_number"], resident_id=m["resident_id"],
        municipality_code=m["municipality_code"], clerk=m["clerk"],
        details=json.loads(m["details"]), status=TaskStatus(m["status"]),
        created_at=as_utc(m["created_at"]),
        taken_at=as_utc(m["taken_at"]) if m["taken_at"] else None,
        finished_at=as_utc(m["finished_at"]) if m["finished_at"] else None,
        outcome=m["outcome"], version=m["version"],
        outcome_code=OutcomeCode(m["outcome_code"]) if m["outcome_code"] else None)


class SqlCounterTasks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        return select(*_COLUMNS).join(cards, cards.c.id == tasks.c.card_id)

    def add(self, task: NewCounterTask) -> CounterTask:
        try:
            with self._conn.begin_nested():
                result = self._conn.execute(insert(tasks).values(
                    kind=task.kind.value, card_id=task.card_id, resident_id=task.resident_id,
                    municipality_code=task.municipality_code, clerk=task.clerk,
                    details=json.dumps(task.details, sort_keys=True),
                    status=TaskStatus.PENDING.value, created_at=task.created_at, version=0))
        except IntegrityError:  # the partial unique index: one open task per card
            raise Conflict("this card has a counter task open already: finish or cancel "
                           "it first") from None
        (new_id,) = result.inserted_primary_key or (0,)
        found = self.get(int(new_id))
        if found is None:  # cannot be: inserted in this transaction
            raise Conflict("the counter task was not stored")
        return found

    def get(self, task_id: int) -> CounterTask | None:
        row = self._conn.execute(self._select().where(tasks.c.id == task_id)).first()
        return _task(row) if row else None

    def next_for(self, clerk: str) -> CounterTask | None:
        """The clerk's oldest pending task."""
        row = self._conn.execute(self._select().where(
            tasks.c.clerk == clerk, tasks.c.status == TaskStatus.PENDING.value)
            .order_by(tasks.c.id).limit(1)).first()
        return _task(row) if row else None

    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[CounterTask]:
        rows = self._conn.execute(self._select().where(tasks.c.resident_id == resident_id)
                                  .order_by(tasks.c.id.desc()).limit(limit)).all()
        return [_task(row) for row in rows]

    def save(self, task: CounterTask) -> None:
        """Optimistic: two terminals taking the same task, one wins."""
        result = self._conn.execute(
            update(tasks).where(tasks.c.id == task.id, tasks.c.version == task.version)
            .values(status=task.status.value, taken_at=task.taken_at,
                    finished_at=task.finished_at, outcome=task.outcome,
                    outcome_code=task.outcome_code.value if task.outcome_code else None,
                    version=task.version + 1))
        if result.rowcount != 1:
            raise Conflict("the counter task was changed meanwhile: reload and retry")
        task.version += 1
