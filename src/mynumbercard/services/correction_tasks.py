"""A wrong-validity correction as a counter task (issue 16 point 2, issue 14 point 4):
the clerk's page shows a case and what correcting it will do, and asks the clerk's
counter terminal to correct it with the card in its reader; the terminal runs
`validity_check.correct_case` through the server (the key pairs made on the chip, the
certificates written by it), as it runs a renewal.

The same authorisation as the correction itself: a clerk of the holder's municipality
(another one is told the case does not exist); a case corrected or dismissed already is
refused when the task is asked for, and again when the terminal runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.counter_tasks import TaskKind
from mynumbercard.domain.staff import Actor
from mynumbercard.services import counter_tasks, validity_check
from mynumbercard.services.counter_tasks import CounterTasksUnit, TaskView
from mynumbercard.services.validity_check import CorrectionUnit


class CorrectionTasksUnit(CounterTasksUnit, CorrectionUnit, Protocol):
    """The counter tasks' unit with the cases and the card's certificates."""


UowFactory = Callable[[], CorrectionTasksUnit]


@dataclass(frozen=True, slots=True)
class CaseToCorrect:
    """A case as the clerk's page shows it, with what correcting it today will do."""

    id: int
    card_number: str
    card_status: CardStatus
    resident_id: int
    municipality_code: str
    subject: str  # card | certificate
    wrong_on: date
    correct_on: date
    cause: str
    status: CaseStatus
    open: bool  # may still be corrected
    card_expires_on: date  # the card's last day after the correction
    card_valid: bool  # False: only the register's date is set right
    reissued: tuple[CertKind, ...]  # the certificates re-issued on the card


def case_to_correct(uow_factory: UowFactory, *, actor: Actor, case_id: int,
                    now: datetime) -> CaseToCorrect:
    """The case for its page; another municipality's case answers as an unknown one."""
    with uow_factory() as uow:
        case, card, resident = validity_check.visible_case_in(uow, actor, case_id)
        is_open = case.status in validity_check.IN_PROGRESS
        plan = (validity_check.correction_plan_in(uow, case, card, resident,
                                                  today=now.astimezone(JST).date())
                if is_open else None)
    return CaseToCorrect(
        case.id, card.card_number, card.status, resident.id or 0, case.municipality_code,
        case.subject, case.wrong_on, case.correct_on, case.cause, case.status, is_open,
        plan.card_expires_on if plan else card.expires_on,
        plan.card_valid if plan else False,
        tuple(k for k in CertKind if plan and k in plan.kinds))


def ask_correction(uow_factory: UowFactory, *, actor: Actor, case_id: int,
                   now: datetime) -> TaskView:
    """A correction of the case for the clerk's terminal, with the card in its reader
    (one open task per card, as for the other tasks)."""
    with uow_factory() as uow:
        case, card, resident = validity_check.visible_case_in(uow, actor, case_id)
        validity_check.in_progress(case)
        task = counter_tasks.add_in(
            uow, actor=actor, kind=TaskKind.CORRECT, card=card, resident=resident,
            details={"case": case.id, "subject": case.subject,
                     "wrong_on": case.wrong_on.isoformat(),
                     "correct_on": case.correct_on.isoformat()}, now=now)
        uow.commit()
    return TaskView.of(task)
