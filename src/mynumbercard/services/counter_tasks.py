"""Counter tasks: the clerk's page asks the clerk's counter terminal to act on the card in
its reader (docs/chip.md "Counter tasks"; a wrong-validity correction's task:
services/correction_tasks.py).

The page records what the clerk checked (never a PIN) as a pending task addressed to the
clerk; the terminal, signed in as the same member, takes the clerk's oldest pending task,
runs the existing terminal flow (the server authorises each chip command and runs the
hand-over or the renewal use case as ever) and reports the outcome, which the page shows.
Each step is one transaction with its audit record under the clerk's name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mynumbercard.domain.card import Card, CardStatus
from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.counter_tasks import (
    CounterTask,
    NewCounterTask,
    OutcomeCode,
    TaskKind,
    TaskStatus,
)
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pickup import (
    IdDocument,
    ProxyPickUp,
    check_holder_in_person,
    check_proxy,
)
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.counter_task_ports import CounterTasks
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    ResidentRepository,
    Transaction,
)
from mynumbercard.services.visibility import visible


class CounterTasksUnit(Transaction, Protocol):
    @property
    def counter_tasks(self) -> CounterTasks: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], CounterTasksUnit]
HIDDEN_CARD = "no card with this number"
PERMISSION = {TaskKind.HAND_OVER: Permission.CARD_HAND_OVER,
              TaskKind.UNLOCK: Permission.CERTIFICATE_ISSUE,
              TaskKind.RENEW: Permission.CERTIFICATE_ISSUE,
              TaskKind.CORRECT: Permission.CERTIFICATE_ISSUE,
              TaskKind.CUSTODY: Permission.CERTIFICATE_ISSUE}  # custody: services/custody_tasks
RECENT = 10  # tasks shown on a resident's page


def hidden_task(task_id: int) -> str:
    return f"no counter task with id {task_id}"


@dataclass(frozen=True, slots=True)
class HandOverChecks:
    """What the clerk checked for a hand-over: the holder in person, or a proxy."""

    notice_presented: bool
    documents: frozenset[IdDocument] = frozenset()
    legal_representative_present: bool = False
    proxy: ProxyPickUp | None = None

    def details(self) -> dict[str, Any]:
        """The API's `Identity` shape: the terminal posts it with the hand-over."""
        p = self.proxy
        return {"notice_presented": self.notice_presented,
                "documents": sorted(d.value for d in self.documents),
                "legal_representative_present": self.legal_representative_present,
                "proxy": None if p is None else {
                    "reason": p.reason.value, "proofs": sorted(x.value for x in p.proofs),
                    "proxy_documents": sorted(d.value for d in p.proxy_documents),
                    "holder_documents": sorted(d.value for d in p.holder_documents),
                    "delegation_signed": p.delegation_signed,
                    "sealed_pin_form_number": p.sealed_pin_form_number}}


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    kind: TaskKind
    card_number: str
    resident_id: int
    clerk: str
    details: dict[str, Any]
    status: TaskStatus
    created_at: datetime
    taken_at: datetime | None
    finished_at: datetime | None
    outcome: str | None
    outcome_code: OutcomeCode | None = None

    @classmethod
    def of(cls, t: CounterTask) -> TaskView:
        return cls(t.id, t.kind, t.card_number, t.resident_id, t.clerk, dict(t.details),
                   t.status, t.created_at, t.taken_at, t.finished_at, t.outcome,
                   t.outcome_code)


def _card(uow: CounterTasksUnit, actor: Actor, permission: Permission,
          card_number: str) -> tuple[Card, Resident]:
    def look_up() -> tuple[Card, Resident]:
        card = uow.cards.find_by_number(card_number)
        if card is None or card.id is None:
            raise NotFound(HIDDEN_CARD)
        return card, uow.residents.get(card.resident_id)

    return visible(actor, permission, hidden=HIDDEN_CARD, look_up=look_up,
                   municipalities=lambda found: (found[1].municipality_code,))


def _create(uow_factory: UowFactory, *, actor: Actor, kind: TaskKind, card_number: str,
            details: dict[str, Any], now: datetime,
            check: Callable[[Card, Resident], None]) -> TaskView:
    with uow_factory() as uow:
        card, resident = _card(uow, actor, PERMISSION[kind], card_number)
        check(card, resident)
        task = add_in(uow, actor=actor, kind=kind, card=card, resident=resident,
                      details=details, now=now)
        uow.commit()
    return TaskView.of(task)


def add_in(uow: CounterTasksUnit, *, actor: Actor, kind: TaskKind, card: Card,
           resident: Resident, details: dict[str, Any], now: datetime) -> CounterTask:
    """Inside the caller's transaction: the task for the actor's terminal, audited."""
    task = uow.counter_tasks.add(NewCounterTask(
        kind=kind, card_id=card.id or 0, resident_id=resident.id or 0,
        municipality_code=resident.municipality_code, clerk=actor.name,
        details=details, created_at=now))
    uow.audit.record(AuditRecord(now, actor.name, AuditAction.COUNTER_TASK_CREATE,
                                 f"card:{card.id}",
                                 {"task": task.id, "kind": kind.value, **_audited(details)}))
    return task


def _audited(details: dict[str, Any]) -> dict[str, Any]:
    """What the record keeps of the checks: a proxy's papers only as "a proxy" (the
    sealed PIN form's number stays out of the log)."""
    return {key: (value is not None if key == "proxy" else value)
            for key, value in details.items()}


def ask_hand_over(uow_factory: UowFactory, *, actor: Actor, card_number: str,
                  checks: HandOverChecks, now: datetime) -> TaskView:
    """A hand-over for the clerk's terminal, after the identity check the page can make
    (the sealed PIN form's number and the card's state are checked when it runs)."""
    def check(card: Card, resident: Resident) -> None:
        if card.status is not CardStatus.PRODUCED:
            raise Conflict(f"this card is {card.status.value}: only a card waiting at the "
                           "office is handed over")
        if checks.proxy is None:
            check_holder_in_person(
                notice_presented=checks.notice_presented, documents=checks.documents,
                birth_date=resident.birth_date, on=now.astimezone(JST).date(),
                legal_representative_present=checks.legal_representative_present)
        else:
            check_proxy(checks.proxy, notice_presented=checks.notice_presented,
                        expected_pin_form=checks.proxy.sealed_pin_form_number)

    return _create(uow_factory, actor=actor, kind=TaskKind.HAND_OVER, card_number=card_number,
                   details=checks.details(), now=now, check=check)


def _active(card: Card, _: Resident) -> None:
    if card.status is not CardStatus.ACTIVE:
        raise Conflict(f"this card is {card.status.value}: only a card in use can be "
                       "unlocked or renewed at the counter")


def ask_unlock(uow_factory: UowFactory, *, actor: Actor, card_number: str, kind: CertKind,
               now: datetime) -> TaskView:
    """A PIN reset for the clerk's terminal, after the holder's identity check: the holder
    sets the new PIN on the terminal's PIN pad."""
    return _create(uow_factory, actor=actor, kind=TaskKind.UNLOCK, card_number=card_number,
                   details={"kind": kind.value}, now=now, check=_active)


def ask_renewal(uow_factory: UowFactory, *, actor: Actor, card_number: str,
                kinds: Collection[CertKind], now: datetime) -> TaskView:
    """A renewal of the certificates on the card, for the clerk's terminal."""
    if not kinds:
        raise InvalidInput("choose the certificates to renew")
    return _create(uow_factory, actor=actor, kind=TaskKind.RENEW, card_number=card_number,
                   details={"kinds": sorted(k.value for k in kinds)}, now=now, check=_active)


def take_next(uow_factory: UowFactory, *, actor: Actor, now: datetime) -> TaskView | None:
    """The terminal takes its member's oldest pending task (None: nothing to do)."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        task = uow.counter_tasks.next_for(actor.name)
        if task is None:
            return None
        task.take(at=now)
        uow.counter_tasks.save(task)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.COUNTER_TASK_TAKE,
                                     f"card:{task.card_id}", {"task": task.id}))
        uow.commit()
    return TaskView.of(task)


def finish(uow_factory: UowFactory, *, actor: Actor, task_id: int, ok: bool, outcome: str,
           now: datetime, code: OutcomeCode | None = None) -> TaskView:
    """The terminal reports how the task ended (its message, never a PIN, and the code
    the page words in its language)."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        task = uow.counter_tasks.get(task_id)
        if task is None or task.clerk != actor.name:  # only the member's own terminal
            raise NotFound(hidden_task(task_id))
        task.finish(ok=ok, outcome=outcome, at=now, code=code)
        uow.counter_tasks.save(task)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.COUNTER_TASK_FINISH,
                                     f"card:{task.card_id}",
                                     {"task": task.id, "status": task.status.value}))
        uow.commit()
    return TaskView.of(task)


def _visible_task(uow: CounterTasksUnit, actor: Actor, task_id: int) -> CounterTask:
    return visible(actor, Permission.RESIDENT_READ, hidden=hidden_task(task_id),
                   look_up=lambda: _get(uow, task_id),
                   municipalities=lambda t: (t.municipality_code,))


def _get(uow: CounterTasksUnit, task_id: int) -> CounterTask:
    task = uow.counter_tasks.get(task_id)
    if task is None:
        raise NotFound(hidden_task(task_id))
    return task


def task_view(uow_factory: UowFactory, *, actor: Actor, task_id: int) -> TaskView:
    with uow_factory() as uow:
        return TaskView.of(_visible_task(uow, actor, task_id))


def cancel(uow_factory: UowFactory, *, actor: Actor, task_id: int, now: datetime) -> TaskView:
    """The clerk gives the task up (the holder left, the terminal is off)."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        task = _visible_task(uow, actor, task_id)
        task.cancel(at=now)
        uow.counter_tasks.save(task)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.COUNTER_TASK_CANCEL,
                                     f"card:{task.card_id}", {"task": task.id}))
        uow.commit()
    return TaskView.of(task)


def of_resident(uow_factory: UowFactory, *, actor: Actor, resident: Resident
                ) -> Sequence[TaskView]:
    """The resident's recent tasks, newest first (the page has checked the resident)."""
    actor.require_visible(Permission.RESIDENT_READ,
                          municipality_code=resident.municipality_code,
                          hidden=f"no resident with id {resident.id}")
    with uow_factory() as uow:
        return [TaskView.of(t) for t in uow.counter_tasks.of_resident(resident.id,
                                                                       limit=RECENT)]


def ask_custody(uow_factory: UowFactory, *, actor: Actor, card_number: str,
                details: dict[str, Any], now: datetime) -> TaskView:
    """A custody step for the clerk's terminal; `services/custody_tasks.py` has checked
    it (and checks it again when the terminal runs it)."""
    return _create(uow_factory, actor=actor, kind=TaskKind.CUSTODY, card_number=card_number,
                   details=details, now=now, check=lambda card, resident: None)
