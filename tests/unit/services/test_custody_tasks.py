"""Custody through the counter terminal (`services/custody_tasks.py`) on in-memory fakes
(tests/custody_fakes.py): the page's ask is checked at once; the step happens only when
the clerk's own terminal, which took the task, has the task's card in its reader; no
vault is touched (the card is in the office's reader); another office is told nothing.
The chip's renewal through a real reader: functional/test_reader_custody_tasks.py."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from custody_fakes import CustodyTasksFakeUnit
from mynumbercard.domain.card import NewCard
from mynumbercard.domain.certificate import JST, Certificate, CertKind
from mynumbercard.domain.counter_tasks import TaskKind, TaskStatus
from mynumbercard.domain.custody import CustodyStatus
from mynumbercard.domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from mynumbercard.domain.pickup import IdDocument, IdentityNotEstablished
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import counter_tasks, custody_tasks, register
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.custody_tasks import Step
from mynumbercard.services.pki_ports import CardTerminal

CLERK = Actor("clerk", Role.CLERK, "13101")
OTHER_CLERK = Actor("other", Role.CLERK, "01101")
COLLEAGUE = Actor("colleague", Role.CLERK, "13101")  # same office, another terminal
NOW = datetime(2031, 2, 3, 1, tzinfo=UTC)
LICENCE = [IdDocument.DRIVERS_LICENCE]


def _holder(uow: CustodyTasksFakeUnit, *, certificates_until: date) -> str:
    """Sato Ichiro of Chiyoda, his card's certificates valid until `certificates_until`."""
    resident = register.register_resident(
        uow, actor=CLERK, now=NOW, family_name="佐藤", given_name="一郎",
        family_name_kana="サトウ", given_name_kana="イチロウ", birth_date=date(1990, 4, 2),
        sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(2026, 4, 1), rng=random.Random(3))
    card = uow.cards.add(NewCard("C00000000001", resident.id, date(2026, 4, 2),
                                 date(2036, 4, 2)), now=NOW)
    end = datetime.combine(certificates_until, datetime.max.time(), JST).replace(microsecond=0)
    uow.certificates.rows = [Certificate(i, kind, 100 + i, card.id, end - timedelta(days=1800),
                                         end) for i, kind in enumerate(CertKind, start=1)]
    return card.card_number


def _no_chip(number: str) -> CardTerminal:
    raise AssertionError(f"no chip is touched for this step (card {number})")


def _unit() -> tuple[CustodyTasksFakeUnit, str]:
    uow = CustodyTasksFakeUnit()
    number = _holder(uow, certificates_until=date(2031, 4, 2))  # the window is open
    card = uow.cards.find_by_number(number)
    assert card is not None
    uow.counter_tasks.numbers[card.id] = number
    return uow, number


def _run(uow: CustodyTasksFakeUnit, task_id: int, card_in_reader: str,
         actor: Actor = CLERK) -> custody_tasks.StepDone:
    return custody_tasks.run_step(uow, lambda: pytest.fail("no CA"), actor=actor,
                                  task_id=task_id, card_in_reader=card_in_reader, now=NOW,
                                  terminal=_no_chip)


def test_the_card_is_taken_into_custody_when_the_terminal_has_it_in_its_reader() -> None:
    uow, number = _unit()
    with pytest.raises(NotFound):
        custody_tasks.ask_leave(uow, actor=OTHER_CLERK, card_number=number,
                                documents=LICENCE, kinds=list(CertKind), now=NOW)
    with pytest.raises(IdentityNotEstablished):
        custody_tasks.ask_leave(uow, actor=CLERK, card_number=number,
                                documents=[IdDocument.PENSION_BOOK], kinds=list(CertKind),
                                now=NOW)
    task = custody_tasks.ask_leave(uow, actor=CLERK, card_number=number, documents=LICENCE,
                                   kinds=[CertKind.AUTH], now=NOW)
    assert (task.kind, task.details["step"], task.details["kinds"]) == (
        TaskKind.CUSTODY, "leave", ["auth"])
    assert uow.custody.rows == {}  # nothing recorded before the card is in the reader
    with pytest.raises(Conflict, match="pending"):
        _run(uow, task.id, number)  # not taken by the terminal yet
    taken = counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    assert taken is not None
    assert taken.id == task.id
    with pytest.raises(NotFound):
        _run(uow, task.id, number, actor=COLLEAGUE)  # not their terminal's task
    with pytest.raises(InvalidInput, match="not card"):
        _run(uow, task.id, "SOMEONE-ELSES-CARD")
    done = _run(uow, task.id, number)
    assert (done.custody.status, done.custody.kinds) == (CustodyStatus.LEFT_AT_OFFICE,
                                                         (CertKind.AUTH,))
    assert done.certificates == []
    leave = uow.audit.records[-1]
    assert (leave.action, leave.actor) == (AuditAction.CUSTODY_LEAVE, CLERK.name)
    counter_tasks.finish(uow, actor=CLERK, task_id=task.id, ok=True, outcome="in", now=NOW)
    with pytest.raises(Conflict, match="custody already"):
        custody_tasks.ask_leave(uow, actor=CLERK, card_number=number, documents=LICENCE,
                                kinds=[CertKind.AUTH], now=NOW)


def test_each_step_is_checked_when_asked_and_runs_with_the_card_in_the_reader() -> None:
    uow, number = _unit()
    task = custody_tasks.ask_leave(uow, actor=CLERK, card_number=number, documents=LICENCE,
                                   kinds=list(CertKind), now=NOW)
    counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    custody_id = _run(uow, task.id, number).custody.id
    counter_tasks.finish(uow, actor=CLERK, task_id=task.id, ok=True, outcome="", now=NOW)

    with pytest.raises(NotFound):  # another office's clerk: as an unknown record
        custody_tasks.ask_step(uow, actor=OTHER_CLERK, custody_id=custody_id,
                               step=Step.CANCEL, reason="x", now=NOW)
    with pytest.raises(InvalidTransition):  # not renewed yet: nothing to mail
        custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id, step=Step.MAIL,
                               tracking_number="1234-5678", now=NOW)
    with pytest.raises(InvalidInput):
        custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id, step=Step.CANCEL,
                               reason="  ", now=NOW)
    back = custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id,
                                  step=Step.CANCEL, reason="the holder needs it", now=NOW)
    assert back.details == {"step": "cancel", "custody": custody_id,
                            "reason": "the holder needs it"}
    assert uow.custody.rows[custody_id].status is CustodyStatus.LEFT_AT_OFFICE
    counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    done = _run(uow, back.id, number)
    assert done.custody.status is CustodyStatus.CANCELLED
    assert [r.action for r in uow.audit.records if r.subject.startswith("custody:")] == [
        AuditAction.CUSTODY_LEAVE, AuditAction.CUSTODY_CANCEL]


def test_a_renewed_card_is_mailed_collected_or_returned_only_through_the_terminal() -> None:
    uow, number = _unit()
    task = custody_tasks.ask_leave(uow, actor=CLERK, card_number=number, documents=LICENCE,
                                   kinds=list(CertKind), now=NOW)
    counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    custody_id = _run(uow, task.id, number).custody.id
    counter_tasks.finish(uow, actor=CLERK, task_id=task.id, ok=True, outcome="", now=NOW)
    uow.custody.rows[custody_id].renew(serials=["ab"])  # the chip's: the reader tests
    with pytest.raises(IdentityNotEstablished):  # the collector's, checked on the page
        custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id, step=Step.COLLECT,
                               documents=[IdDocument.PENSION_BOOK], now=NOW)
    with pytest.raises(InvalidInput):
        custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id, step=Step.MAIL,
                               tracking_number="", now=NOW)
    mail = custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id, step=Step.MAIL,
                                  tracking_number="1234-5678", now=NOW)
    counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    mailed = _run(uow, mail.id, number)
    assert (mailed.custody.status, mailed.custody.tracking_number) == (CustodyStatus.MAILED,
                                                                       "1234-5678")
    counter_tasks.finish(uow, actor=CLERK, task_id=mail.id, ok=True, outcome="", now=NOW)
    back = custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id,
                                  step=Step.RETURNED, reason="nobody home", now=NOW)
    counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    assert _run(uow, back.id, number).custody.status is CustodyStatus.RETURNED_UNDELIVERED
    counter_tasks.finish(uow, actor=CLERK, task_id=back.id, ok=True, outcome="", now=NOW)
    fetch = custody_tasks.ask_step(uow, actor=CLERK, custody_id=custody_id,
                                   step=Step.COLLECT, documents=LICENCE, now=NOW)
    counter_tasks.take_next(uow, actor=CLERK, now=NOW)
    assert _run(uow, fetch.id, number).custody.status is CustodyStatus.COLLECTED_AT_OFFICE
    assert uow.counter_tasks.rows[fetch.id].status is TaskStatus.TAKEN
