"""Mailing (`services/mail.py`) on in-memory fakes (tests/mail_fakes.py): the queue
printed in batches once, suspended and resumed, the cases a contact letter closes. The
SQL and a run stopped half-way are tested in integration/test_validity_notices.py."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from mail_fakes import ListingPrinter, MailFakeUnit
from mynumbercard.domain.errors import Conflict, PermissionDenied
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import mail, register
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.mail_ports import LetterKind, NewLetter

AGENCY = Actor("agency", Role.OPERATOR)
CLERK = Actor("clerk", Role.CLERK, "13101")
NOW = datetime(2026, 11, 30, 1, tzinfo=UTC)
BASE = "https://example.jp"


def _born(uow: MailFakeUnit, seed: int) -> int:
    """A newborn: the register queues the Individual Number Notice."""
    return register.register_resident(
        uow, actor=CLERK, now=NOW, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(2026, 11, 1),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(2026, 11, 2),
        rng=random.Random(seed)).id


class Files:
    def __init__(self) -> None:
        self.written: dict[str, bytes] = {}

    def __call__(self, name: str, pdf: bytes) -> str:
        self.written[name] = pdf
        return f"/out/{name}"


def test_the_queue_is_printed_in_batches_once_and_each_letter_marked_sent() -> None:
    uow, files = MailFakeUnit(), Files()
    for seed in range(3):
        _born(uow, seed)
    assert mail.status(uow).queued == 3
    sent = mail.dispatch(uow, ListingPrinter(), files, actor=AGENCY, now=NOW, base_url=BASE,
                         chunk_rows=2)
    assert (sent.letters, sent.files) == (3, ["/out/mail-20261130-000000000001.pdf",
                                              "/out/mail-20261130-000000000003.pdf"])
    assert files.written["mail-20261130-000000000001.pdf"] == b"N0000000001\nN0000000002"
    status = mail.status(uow)
    assert (status.queued, status.printing, status.sent) == (0, 0, 3)
    assert [r.action for r in uow.audit.records[-2:]] == [AuditAction.MAIL_SEND] * 2
    again = mail.dispatch(uow, ListingPrinter(), files, actor=AGENCY, now=NOW, base_url=BASE)
    assert (again.letters, again.files) == (0, [])


def test_suspended_mail_keeps_queueing_and_prints_nothing_until_resumed() -> None:
    uow, files = MailFakeUnit(), Files()
    with pytest.raises(PermissionDenied):
        mail.suspend(uow, actor=CLERK, reason="emergency", now=NOW)
    mail.suspend(uow, actor=AGENCY, reason="emergency", now=NOW)
    with pytest.raises(Conflict, match="suspended already"):
        mail.suspend(uow, actor=AGENCY, reason="again", now=NOW)
    _born(uow, 1)
    held = mail.dispatch(uow, ListingPrinter(), files, actor=AGENCY, now=NOW, base_url=BASE)
    assert (held.suspended, held.letters, files.written) == (True, 0, {})
    status = mail.status(uow)
    assert (status.suspended, status.reason, status.queued) == (True, "emergency", 1)
    mail.resume(uow, actor=AGENCY, now=NOW)
    assert mail.dispatch(uow, ListingPrinter(), files, actor=AGENCY, now=NOW,
                         base_url=BASE).letters == 1
    assert [r.action for r in uow.audit.records if r.subject == "mail:control"] == [
        AuditAction.MAIL_SUSPEND, AuditAction.MAIL_RESUME]


def test_a_contact_letter_printed_marks_its_case_contacted() -> None:
    uow = MailFakeUnit()
    resident_id = _born(uow, 1)
    uow.mail.enqueue([NewLetter(letter_key="validity_correction:9:5",
                                kind=LetterKind.VALIDITY_CORRECTION, resident_id=resident_id,
                                municipality_code="13101", due_on=date(2030, 5, 10),
                                card_id=9, details={"case": 5, "subject": "card"})], now=NOW)
    sent = mail.dispatch(uow, ListingPrinter(), Files(), actor=AGENCY, now=NOW, base_url=BASE)
    assert (sent.letters, uow.validity_checks.contacted) == (2, [5])
