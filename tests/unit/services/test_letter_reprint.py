"""A resident's letters at the counter (`services/letter_reprint.py`) on the mail fakes:
listed newest first, printed again as the mail run prints them (the queue unchanged),
audited; only the resident's own letters, only by their municipality's clerk."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from mail_fakes import ListingPrinter, MailFakeUnit
from mynumbercard.domain.errors import NotFound, PermissionDenied
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import letter_reprint, mail, register
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.mail_ports import LetterKind

CLERK = Actor("clerk", Role.CLERK, "13101")
NOW = datetime(2026, 11, 30, 1, tzinfo=UTC)
BASE = "https://example.jp"


def _born(uow: MailFakeUnit, seed: int) -> int:
    return register.register_resident(
        uow, actor=CLERK, now=NOW, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(2026, 11, 1),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(2026, 11, 2),
        rng=random.Random(seed)).id


def test_a_residents_letter_is_listed_and_printed_again_audited_the_queue_unchanged():
    uow = MailFakeUnit()
    first, second = _born(uow, 1), _born(uow, 2)
    listed = letter_reprint.letters_of(uow, actor=CLERK, resident_id=second)
    assert [(x.kind, x.status) for x in listed] == [(LetterKind.NUMBER_NOTICE, "queued")]
    again = letter_reprint.reprint(uow, ListingPrinter(), actor=CLERK, resident_id=second,
                                   letter_id=listed[0].id, now=NOW, base_url=BASE)
    assert again.pdf == b"N0000000002"  # the letter the mail run prints, one in the file
    assert again.filename == "letter-2-number_notice.pdf"
    record = uow.audit.records[-1]
    assert (record.action, record.subject) == (AuditAction.LETTER_REPRINT, "letter:2")
    assert mail.status(uow).queued == 2  # still goes out by mail
    with pytest.raises(NotFound):  # the first resident's letter is not the second's
        letter_reprint.reprint(uow, ListingPrinter(), actor=CLERK, resident_id=second,
                               letter_id=1, now=NOW, base_url=BASE)
    assert first == 1


def test_another_municipalitys_clerk_or_an_auditor_is_refused():
    uow = MailFakeUnit()
    rid = _born(uow, 1)
    with pytest.raises(NotFound):
        letter_reprint.letters_of(uow, actor=Actor("other", Role.CLERK, "13102"),
                                  resident_id=rid)
    with pytest.raises(NotFound):
        letter_reprint.reprint(uow, ListingPrinter(), actor=Actor("other", Role.CLERK, "13102"),
                               resident_id=rid, letter_id=1, now=NOW, base_url=BASE)
    with pytest.raises(PermissionDenied):
        letter_reprint.reprint(uow, ListingPrinter(), actor=Actor("aud", Role.AUDITOR),
                               resident_id=rid, letter_id=1, now=NOW, base_url=BASE)
