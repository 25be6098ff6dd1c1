"""Counter tasks over HTTP: the clerk's counter terminal takes the tasks the clerk's pages
made (hand over a card, unlock a PIN, renew the certificates, correct a wrong-validity
case), runs each with the card in
its reader and the holder at its PIN pad, and reports the outcome. No PIN comes here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mynumbercard.domain.counter_tasks import OUTCOME_MAX, OutcomeCode, TaskKind, TaskStatus
from mynumbercard.services import counter_tasks
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import IdPath

router = APIRouter(prefix="/api/v1/counter-tasks", tags=["counter terminal (staff)"])


class TaskOut(Out):
    id: int
    kind: TaskKind
    card_number: str
    clerk: str = Field(description="The member whose terminal does it")
    details: dict[str, Any] = Field(description="What the clerk checked: for hand_over "
                                    "the identity (as terminal-hand-over takes it), for "
                                    "unlock the PIN's kind, for renew the certificates, "
                                    "for correct the case (`case`) and its dates")
    status: TaskStatus
    created_at: IsoDateTime
    taken_at: IsoDateTime | None
    finished_at: IsoDateTime | None
    outcome: str | None
    outcome_code: OutcomeCode | None = Field(description="What the terminal reported, "
                                             "as a code the pages word")


class NextOut(BaseModel):
    task: TaskOut | None = Field(description="The task now taken, or null: nothing waits")


class OutcomeIn(BaseModel):
    ok: bool = Field(description="Done, or failed")
    message: str = Field("", max_length=OUTCOME_MAX, description="What the clerk's page "
                         "shows (the terminal's answer or error; never a PIN)")
    code: OutcomeCode | None = Field(None, description="What happened, as a code: the "
                                     "page says it in its own language")


@router.post("/next", summary="The counter terminal takes its member's oldest pending "
             "task (null when none waits)")
def take_next(actor: ActorDep, container: ContainerDep, now: NowDep) -> NextOut:
    task = counter_tasks.take_next(container.uow, actor=actor, now=now)
    return NextOut(task=None if task is None else TaskOut.model_validate(task))


@router.get("/{task_id}", summary="A counter task and how it ended")
def show(task_id: IdPath, actor: ActorDep, container: ContainerDep) -> TaskOut:
    return TaskOut.model_validate(counter_tasks.task_view(container.uow, actor=actor,
                                                          task_id=task_id))


@router.post("/{task_id}/outcome", summary="The terminal reports how the task it took "
             "ended")
def outcome(task_id: IdPath, body: OutcomeIn, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> TaskOut:
    return TaskOut.model_validate(counter_tasks.finish(
        container.uow, actor=actor, task_id=task_id, ok=body.ok, outcome=body.message,
        code=body.code, now=now))


@router.post("/{task_id}/cancel", summary="Give up a task not finished yet")
def cancel(task_id: IdPath, actor: ActorDep, container: ContainerDep,
           now: NowDep) -> TaskOut:
    return TaskOut.model_validate(counter_tasks.cancel(container.uow, actor=actor,
                                                       task_id=task_id, now=now))
