"""The letters of cards waiting at the office (`services/notices.py`) on in-memory fakes:
the notice of issuance with its sealed PIN form once, the reminder after the deadline,
the card destroyed after the keeping period. The SQL and a run killed half-way are
tested in integration/test_applications.py and functional/test_jobs_crash.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application_fakes import FakeVault, NoticesFakeUnit
from mynumbercard.domain.application import ApplicationStatus
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.errors import PermissionDenied
from mynumbercard.services import issuance, notices
from mynumbercard.services.audit_actions import AuditAction
from unit.services.test_applications import CLERK, NOW, OPERATOR
from unit.services.test_issuance import _approved

BASE = "https://example.jp"


class Printer:
    def issuance_notice(self, notice: notices.IssuanceNotice) -> bytes:
        return f"{'reminder' if notice.reminder else 'notice'} {notice.reference}".encode()

    def pin_setting_form(self, form: notices.PinSettingForm) -> bytes:
        return f"form {form.form_number}".encode()


class Files:
    def __init__(self) -> None:
        self.written: dict[str, bytes] = {}

    def __call__(self, name: str, pdf: bytes) -> str:
        self.written[name] = pdf
        return name


def _waiting(uow: NoticesFakeUnit, vault: FakeVault) -> tuple[int, str]:
    ref = _approved(uow)
    issuance.run_production(uow, vault, actor=OPERATOR, now=NOW)
    (shipment_id,) = issuance.ship(uow, actor=OPERATOR, now=NOW).shipments
    issuance.receive_shipment(uow, actor=CLERK, shipment_id=shipment_id, now=NOW)
    card_id = uow.applications.get(ref).card_id
    assert card_id is not None
    return ref, uow.cards.get(card_id).card_number


def test_each_waiting_card_gets_its_notice_and_sealed_pin_form_once() -> None:
    uow, files = NoticesFakeUnit(), Files()
    ref, number = _waiting(uow, FakeVault())
    with pytest.raises(PermissionDenied):
        notices.print_issuance_notices(uow, Printer(), files, actor=CLERK, now=NOW,
                                       base_url=BASE)
    printed = notices.print_issuance_notices(uow, Printer(), files, actor=OPERATOR, now=NOW,
                                             base_url=BASE)
    assert printed.files == [f"issuance-notice-{number}.pdf", f"pin-form-{number}.pdf"]
    form_number = uow.applications.pin_form_number(ref)
    assert form_number is not None
    assert files.written[f"pin-form-{number}.pdf"] == f"form {form_number}".encode()
    assert form_number.encode() not in files.written[f"issuance-notice-{number}.pdf"]
    assert uow.audit.records[-1].action is AuditAction.LETTER_PRINT_ISSUANCE_NOTICE
    again = notices.print_issuance_notices(uow, Printer(), files, actor=OPERATOR, now=NOW,
                                           base_url=BASE)
    assert again.files == []


def test_the_notices_run_as_a_batch_job_over_the_cards_waiting() -> None:
    uow, files = NoticesFakeUnit(), Files()
    _, number = _waiting(uow, FakeVault())
    steps = notices.issuance_notice_steps(Printer(), files, actor=OPERATOR, now=NOW,
                                          base_url=BASE, run_key="r")
    started = notices.batch.start(uow, steps, chunk_rows=10, now=NOW)
    assert notices.printed_of(started.outcome).files == [f"issuance-notice-{number}.pdf",
                                                         f"pin-form-{number}.pdf"]


def test_a_reminder_after_the_deadline_then_the_card_destroyed_after_keeping() -> None:
    uow, files, vault = NoticesFakeUnit(), Files(), FakeVault()
    ref, number = _waiting(uow, vault)
    notices.print_issuance_notices(uow, Printer(), files, actor=OPERATOR, now=NOW,
                                   base_url=BASE)
    later = NOW + timedelta(days=100)  # past the 3-month deadline
    swept = notices.sweep_uncollected(uow, Printer(), files, vault, actor=OPERATOR, now=later,
                                      base_url=BASE)
    assert (swept.reminders, swept.destroyed) == ([f"reminder-{number}.pdf"], 0)
    assert files.written[f"reminder-{number}.pdf"] == f"reminder {number}".encode()
    assert notices.sweep_uncollected(uow, Printer(), files, vault, actor=OPERATOR,
                                     now=later, base_url=BASE).reminders == []
    kept_out = NOW + timedelta(days=200)  # past the 6 months kept
    swept = notices.sweep_uncollected(uow, Printer(), files, vault, actor=OPERATOR,
                                      now=kept_out, base_url=BASE)
    assert swept.destroyed == 1
    application = uow.applications.get(ref)
    assert application.status is ApplicationStatus.VOIDED
    card = uow.cards.find_by_number(number)
    assert card is not None
    assert card.status is CardStatus.DESTROYED
    assert vault.destroyed == [number]


def test_nothing_is_due_before_the_deadline() -> None:
    uow, files, vault = NoticesFakeUnit(), Files(), FakeVault()
    _waiting(uow, vault)
    swept = notices.sweep_uncollected(uow, Printer(), files, vault, actor=OPERATOR,
                                      now=NOW + timedelta(days=10), base_url=BASE)
    assert (swept.reminders, swept.destroyed, vault.destroyed) == ([], 0, [])
