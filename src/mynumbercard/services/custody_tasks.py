"""Custody through the counter terminal (issue 14 point 4, issue 16 point 2): a card in
the office's custody is in the office's reader, not in the holder's hands.

Every step that touches the card is a counter task (`TaskKind.CUSTODY`, its step in the
details): the clerk's page asks (`ask_leave`, `ask_step`: checked here at once, so the
form shows what is wrong), the clerk's terminal takes the task with the card in its
reader and calls `run_step`, which checks that the card in the reader is the task's and
runs the custody use case (`services/custody.py`: it keeps the ledger, the dates and the
receipt on the server; no card file comes to it). A renewal in custody makes the key
pairs on the chip in the reader (`chip_commands.Purpose.CUSTODY`) and writes the
certificates there.
Only "the post delivered it" is recorded without the card (it is with its holder).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.counter_tasks import TaskKind, TaskStatus
from mynumbercard.domain.custody import Custody, check_drop_off_identity
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import counter_tasks, custody, renewal
from mynumbercard.services.certificates import IssuedCertificate
from mynumbercard.services.counter_tasks import TaskView, hidden_task
from mynumbercard.services.pki_ports import CardTerminal, CertificateAuthority


class CustodyTasksUnit(custody.CustodyUnit, counter_tasks.CounterTasksUnit, Protocol):
    """The custody records with the counter tasks."""


UowFactory = Callable[[], CustodyTasksUnit]
REASON_MAX = 200


class Step(StrEnum):
    """What the terminal does with the card in its reader."""

    LEAVE = "leave"  # the card comes into the office's reader
    RENEW = "renew"  # new key pairs and certificates on the chip in the reader
    MAIL = "mail"  # the card leaves the reader into restricted-delivery post
    COLLECT = "collect"  # ... into the holder's hands at the office
    CANCEL = "cancel"  # ... back to the holder, unrenewed
    RETURNED = "returned"  # the post brought it back: into the reader again


def _documents(details: dict[str, Any]) -> frozenset[IdDocument]:
    return frozenset(IdDocument(d) for d in details.get("documents", []))


def ask_leave(uow_factory: UowFactory, *, actor: Actor, card_number: str,
              documents: Collection[IdDocument], legal_representative_present: bool = False,
              kinds: Collection[CertKind], now: datetime) -> TaskView:
    """The holder leaves the card: the identity and the renewal window checked now (and
    again when the terminal has the card in its reader), then a task for the terminal."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    if not kinds:
        raise InvalidInput("choose the certificates to renew")
    with uow_factory() as uow:
        card, resident = renewal.visible_card_in(uow, actor, card_number)
        check_drop_off_identity(documents=documents, birth_date=resident.birth_date,
                                on=now.astimezone(JST).date(),
                                legal_representative_present=legal_representative_present)
        wanted = renewal.renewable_kinds(resident, frozenset(kinds), now=now)
        renewal.check_window_in(uow, card, wanted, now=now)
        held = uow.custody.open_for_card(card.id or 0)
        if held is not None:
            raise Conflict(f"this card is in custody already ({held.status.value})")
    return counter_tasks.ask_custody(uow_factory, actor=actor, card_number=card_number, now=now,
                                     details={"step": Step.LEAVE.value,
                                              "documents": sorted(d.value for d in documents),
                                              "legal_representative_present":
                                                  legal_representative_present,
                                              "kinds": sorted(k.value for k in wanted)})


def _try(step: Step, held: Custody, details: dict[str, Any]) -> None:
    """The step on a copy of the record: refused now as it would be when it runs."""
    copy = dataclasses.replace(held, events=[])
    match step:
        case Step.RENEW:
            copy.renew(serials=())
        case Step.MAIL:
            copy.mail(tracking_number=str(details["tracking_number"]))
        case Step.COLLECT:
            copy.collect()
        case Step.CANCEL:
            copy.cancel(reason=str(details["reason"]))
        case Step.RETURNED:
            copy.return_undelivered(reason=str(details["reason"]))
        case _:
            raise InvalidInput(f"{step.value} is not a step of a card in custody")


def ask_step(uow_factory: UowFactory, *, actor: Actor, custody_id: int, step: Step,
             now: datetime, tracking_number: str = "", reason: str = "",
             documents: Collection[IdDocument] = (),
             legal_representative_present: bool = False) -> TaskView:
    """A step of a card in custody for the clerk's terminal (another office's custody:
    NotFound, as an unknown one), checked now against the record's state."""
    details: dict[str, Any] = {"step": step.value, "custody": custody_id}
    if step is Step.MAIL:
        details["tracking_number"] = tracking_number.strip()
    if step in (Step.CANCEL, Step.RETURNED):
        if not reason.strip():
            raise InvalidInput("say why")
        details["reason"] = reason.strip()[:REASON_MAX]
    with uow_factory() as uow:
        held = custody.visible_in(uow, actor, custody_id)
        _try(step, held, details)
        if step is Step.COLLECT:
            resident = uow.residents.get(held.resident_id)
            check_drop_off_identity(documents=documents, birth_date=resident.birth_date,
                                    on=now.astimezone(JST).date(),
                                    legal_representative_present=legal_representative_present)
            details |= {"documents": sorted(d.value for d in documents),
                        "legal_representative_present": legal_representative_present}
        number = uow.cards.get(held.card_id).card_number
    return counter_tasks.ask_custody(uow_factory, actor=actor, card_number=number,
                                     details=details, now=now)


@dataclass(frozen=True, slots=True)
class StepDone:
    """The custody record after the step, and a renewal's certificates (to write)."""

    custody: custody.CustodyView
    certificates: list[IssuedCertificate]


def _taken(uow_factory: UowFactory, actor: Actor, task_id: int,
           card_in_reader: str) -> tuple[Step, dict[str, Any], str]:
    """The member's own custody task, taken by their terminal, for the card in its
    reader."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        task = uow.counter_tasks.get(task_id)
        if task is None or task.clerk != actor.name:  # only the member's own terminal
            raise NotFound(hidden_task(task_id))
        if task.kind is not TaskKind.CUSTODY:
            raise Conflict(f"task {task_id} is a {task.kind.value}, not a custody step")
        if task.status is not TaskStatus.TAKEN:
            raise Conflict(f"this task is {task.status.value}: the terminal runs a task it "
                           "took")
        if card_in_reader != task.card_number:
            raise InvalidInput(f"the card in the reader is card {card_in_reader}, not card "
                               f"{task.card_number}: put the card in custody in the reader")
        return Step(task.details["step"]), dict(task.details), task.card_number


def _on_record(uow_factory: UowFactory, ca: Callable[[], CertificateAuthority], step: Step,
               details: dict[str, Any], *, actor: Actor, custody_id: int, now: datetime,
               terminal: Callable[[], CardTerminal]) -> list[IssuedCertificate]:
    """A step of a card already in custody (the record's use case)."""
    if step is Step.RENEW:
        return custody.renew_in_custody(uow_factory, ca, actor=actor,
                                        custody_id=custody_id, now=now,
                                        terminal=terminal()).certificates
    if step is Step.MAIL:
        custody.mail_card(uow_factory, actor=actor, custody_id=custody_id, now=now,
                          tracking_number=str(details["tracking_number"]))
    elif step is Step.COLLECT:
        custody.collect(uow_factory, actor=actor, custody_id=custody_id, now=now,
                        documents=_documents(details),
                        legal_representative_present=bool(
                            details.get("legal_representative_present")))
    elif step is Step.CANCEL:
        custody.cancel(uow_factory, actor=actor, custody_id=custody_id, now=now,
                       reason=str(details["reason"]))
    else:
        custody.record_return(uow_factory, actor=actor, custody_id=custody_id,
                              now=now, reason=str(details["reason"]))
    return []


def run_step(uow_factory: UowFactory, ca: Callable[[], CertificateAuthority], *,
             actor: Actor, task_id: int, card_in_reader: str, now: datetime,
             terminal: Callable[[str], CardTerminal]) -> StepDone:
    """The terminal has the task's card in its reader: the custody step on the server.
    `terminal(card_number)`: the card in the reader as the renewal sees it (the chip's
    CSRs, relayed; the terminal writes the certificates afterwards)."""
    step, details, number = _taken(uow_factory, actor, task_id, card_in_reader)
    issued: list[IssuedCertificate] = []
    if step is Step.LEAVE:
        custody_id = custody.leave_card(
            uow_factory, actor=actor, card_number=number,
            documents=_documents(details),
            legal_representative_present=bool(details.get("legal_representative_present")),
            kinds=frozenset(CertKind(k) for k in details["kinds"]), now=now).id
    else:
        custody_id = int(details["custody"])
        issued = _on_record(uow_factory, ca, step, details, actor=actor,
                            custody_id=custody_id, now=now,
                            terminal=lambda: terminal(number))
    return StepDone(custody.custody_view(uow_factory, actor=actor, custody_id=custody_id),
                    issued)

