"""A wrong-validity correction as a counter task (services/correction_tasks.py, the
correction's plan in validity_check.py, its chip commands in chip_commands.py) on
in-memory fakes (tests/correction_fakes.py): what the page shows and asks, who may, a case
closed already, and a correction that needs no new certificate. The reader path is
tests/functional/test_reader_correction_task.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from correction_fakes import CorrectionFakeUnit
from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.certificate import JST, Certificate, CertKind
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.counter_tasks import TaskKind, TaskStatus
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import chip_commands, correction_tasks, validity_check
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.chip_commands import Purpose
from mynumbercard.services.pki_ports import ChipCommand, ChipRequest

NOW = datetime(2026, 11, 30, 1, tzinfo=UTC)
CHIYODA = Actor("clerk-chiyoda", Role.CLERK, "13101")
SAPPORO = Actor("clerk-sapporo", Role.CLERK, "01101")
OPERATOR = Actor("agency", Role.OPERATOR)
WRONG, RIGHT = date(2037, 8, 8), date(2036, 8, 8)


def _register(*, born: date = date(1975, 8, 8), expires_on: date = WRONG,
              status: CardStatus = CardStatus.ACTIVE,
              certificate_until: date | None = None) -> tuple[CorrectionFakeUnit, int]:
    """A card of Chiyoda with a case (its expiry one year too long) and, if given, an
    active user-authentication certificate until that day."""
    uow = CorrectionFakeUnit()
    holder = uow.holder("13101", born=born)
    card = uow.cards.add(NewCard("C-1", holder.id, date(2026, 10, 1), expires_on, status),
                         now=NOW)
    if certificate_until is not None:
        until = datetime(certificate_until.year, certificate_until.month,
                         certificate_until.day, 23, 59, 59, tzinfo=JST)
        uow.certificates.rows.append(Certificate(1, CertKind.AUTH, 7, card.id,
                                                 NOW - timedelta(days=60), until))
    return uow, uow.open_case(card.id, holder, wrong_on=WRONG, correct_on=RIGHT)


def test_the_page_shows_what_the_correction_does_and_asks_the_clerks_terminal() -> None:
    uow, case_id = _register(certificate_until=WRONG)
    shown = correction_tasks.case_to_correct(uow, actor=CHIYODA, case_id=case_id, now=NOW)
    assert (shown.card_number, shown.open, shown.card_valid) == ("C-1", True, True)
    assert (shown.card_expires_on, shown.reissued) == (RIGHT, (CertKind.AUTH,))
    task = correction_tasks.ask_correction(uow, actor=CHIYODA, case_id=case_id, now=NOW)
    assert (task.kind, task.status, task.clerk) == (TaskKind.CORRECT, TaskStatus.PENDING,
                                                    CHIYODA.name)
    assert task.details == {"case": case_id, "subject": "card", "wrong_on": "2037-08-08",
                            "correct_on": "2036-08-08"}
    (record,) = uow.audit.records
    assert (record.action, record.actor) == (AuditAction.COUNTER_TASK_CREATE, CHIYODA.name)
    with pytest.raises(Conflict, match="open already"):  # one open task per card
        correction_tasks.ask_correction(uow, actor=CHIYODA, case_id=case_id, now=NOW)


def test_another_town_and_an_unknown_case_get_the_same_answer_and_a_role_is_refused() -> None:
    uow, case_id = _register()
    for actor, case in ((SAPPORO, case_id), (CHIYODA, case_id + 99)):
        with pytest.raises(NotFound, match=f"no correction case {case}$"):
            correction_tasks.case_to_correct(uow, actor=actor, case_id=case, now=NOW)
        with pytest.raises(NotFound, match=f"no correction case {case}$"):
            correction_tasks.ask_correction(uow, actor=actor, case_id=case, now=NOW)
    with pytest.raises(PermissionDenied):
        correction_tasks.ask_correction(uow, actor=OPERATOR, case_id=case_id, now=NOW)
    assert uow.counter_tasks.rows == {}
    assert uow.audit.records == []


@pytest.mark.parametrize("closed", [CaseStatus.CORRECTED, CaseStatus.DISMISSED])
def test_a_closed_case_is_shown_but_not_corrected_again(closed: CaseStatus) -> None:
    uow, case_id = _register()
    uow.validity_checks.case_rows[case_id].status = closed
    shown = correction_tasks.case_to_correct(uow, actor=CHIYODA, case_id=case_id, now=NOW)
    assert (shown.status, shown.open, shown.reissued) == (closed, False, ())
    with pytest.raises(Conflict, match=f"this case is {closed.value} already"):
        correction_tasks.ask_correction(uow, actor=CHIYODA, case_id=case_id, now=NOW)
    with pytest.raises(Conflict, match=f"this case is {closed.value} already"):
        validity_check.correct_case(uow, lambda: pytest.fail("no CA"), lambda _: None,
                                    actor=CHIYODA, case_id=case_id, now=NOW)
    assert uow.counter_tasks.rows == {}


def test_a_card_date_alone_is_corrected_without_a_certificate_and_says_so() -> None:
    uow, case_id = _register(certificate_until=date(2031, 8, 8))  # within the card
    assert correction_tasks.case_to_correct(uow, actor=CHIYODA, case_id=case_id,
                                            now=NOW).reissued == ()
    done = validity_check.correct_case(uow, lambda: pytest.fail("no CA"),
                                       lambda _: None, actor=CHIYODA, case_id=case_id,
                                       now=NOW)
    assert (done.card_expired_on, done.card_expires_on) == (WRONG, RIGHT)
    assert (done.card_valid, done.certificates) == (True, [])
    assert uow.cards.get(1).expires_on == RIGHT
    assert uow.validity_checks.case_rows[case_id].status is CaseStatus.CORRECTED
    (record,) = uow.audit.records
    assert (record.action, record.actor) == (AuditAction.VALIDITY_CORRECT, CHIYODA.name)
    assert record.details == {"case": case_id, "from": "2037-08-08", "to": "2036-08-08",
                              "certificates": []}


def test_a_card_no_longer_valid_gets_its_date_only_even_with_a_certificate_past_it() -> None:
    uow, case_id = _register(status=CardStatus.LOST, certificate_until=WRONG)
    shown = correction_tasks.case_to_correct(uow, actor=CHIYODA, case_id=case_id, now=NOW)
    assert (shown.card_valid, shown.reissued) == (False, ())
    done = validity_check.correct_case(uow, lambda: pytest.fail("no CA"), lambda _: None,
                                       actor=CHIYODA, case_id=case_id, now=NOW)
    assert (done.card_valid, done.certificates, done.card_expires_on) == (False, [], RIGHT)


def test_a_certificate_past_the_card_needs_the_card_in_the_reader() -> None:
    uow, case_id = _register(certificate_until=WRONG)
    with pytest.raises(Conflict, match="put the card in the reader"):
        validity_check.correct_case(uow, lambda: pytest.fail("no CA"), lambda _: None,
                                    actor=CHIYODA, case_id=case_id, now=NOW)
    assert uow.validity_checks.case_rows[case_id].status is CaseStatus.OPEN


def test_a_holder_under_15_gets_no_signature_key_in_the_plan() -> None:
    uow, _ = _register(born=date(2015, 8, 8), certificate_until=WRONG)
    uow.certificates.rows.append(Certificate(2, CertKind.SIGN, 8, 1, NOW,
                                             uow.certificates.rows[0].not_after))
    plan = chip_commands.chip_plan(uow, actor=CHIYODA, card_number="C-1",
                                   purpose=Purpose.CORRECTION, now=NOW)
    assert (plan.kinds, plan.pins) == ([CertKind.AUTH], [])


class _Authoriser:
    def authorise_command(self, card_number: str, challenge: bytes,
                          request: ChipRequest) -> bytes:
        return b"authorised"


def _authorise(uow: CorrectionFakeUnit, command: ChipCommand, kind: CertKind | None,
               actor: Actor = CHIYODA) -> bytes:
    return chip_commands.authorise_chip_command(
        uow, _Authoriser(), lambda: pytest.fail("no CA"), actor=actor, card_number="C-1",
        purpose=Purpose.CORRECTION, request=ChipRequest(command, kind),
        challenge=bytes(32), now=NOW).authorization


def test_the_chip_makes_only_the_keys_the_open_case_re_issues() -> None:
    uow, case_id = _register(certificate_until=WRONG)
    assert _authorise(uow, ChipCommand.GENERATE_KEY_PAIR, CertKind.AUTH) == b"authorised"
    with pytest.raises(Conflict, match="re-issues no sign certificate"):
        _authorise(uow, ChipCommand.DELETE_KEY_PAIR, CertKind.SIGN)
    with pytest.raises(InvalidInput, match="sets no PIN"):
        _authorise(uow, ChipCommand.SET_INITIAL_PINS, None)
    with pytest.raises(NotFound):
        _authorise(uow, ChipCommand.GENERATE_KEY_PAIR, CertKind.AUTH, actor=SAPPORO)
    uow.validity_checks.case_rows[case_id].status = CaseStatus.CORRECTED
    with pytest.raises(Conflict, match="no correction case in progress"):
        _authorise(uow, ChipCommand.GENERATE_KEY_PAIR, CertKind.AUTH)
