"""The crowded-period hand-off (`services/custody.py`) on in-memory fakes
(tests/custody_fakes.py): leaving a card in its renewal window, the steps of the table
(the card is in the counter terminal's reader: the server keeps the ledger only), another
office told nothing. Renewing the
chip and the SQL are tested in integration/test_renewal.py."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from custody_fakes import CustodyFakeUnit
from mynumbercard.domain.card import NewCard
from mynumbercard.domain.certificate import JST, Certificate, CertKind
from mynumbercard.domain.custody import CustodyStatus
from mynumbercard.domain.errors import Conflict, InvalidTransition, NotFound
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import custody, register
from mynumbercard.services.audit_actions import AuditAction

CLERK = Actor("clerk", Role.CLERK, "13101")
OTHER_CLERK = Actor("other", Role.CLERK, "01101")
NOW = datetime(2031, 2, 3, 1, tzinfo=UTC)
LICENCE = [IdDocument.DRIVERS_LICENCE]


def _holder(uow: CustodyFakeUnit, *, certificates_until: date) -> str:
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


def test_a_card_in_its_renewal_window_is_left_at_the_office() -> None:
    uow = CustodyFakeUnit()
    number = _holder(uow, certificates_until=date(2031, 4, 2))  # two months on: open
    left = custody.leave_card(uow, actor=CLERK, card_number=number,
                              documents=LICENCE, now=NOW)
    assert (left.status, left.kinds) == (CustodyStatus.LEFT_AT_OFFICE, frozenset(CertKind))
    assert uow.audit.records[-1].action is AuditAction.CUSTODY_LEAVE
    with pytest.raises(Conflict, match="already left"):
        custody.leave_card(uow, actor=CLERK, card_number=number,
                           documents=LICENCE, now=NOW)
    view = custody.custody_view(uow, actor=CLERK, custody_id=left.id)
    assert [(s.from_status, s.to_status) for s in view.history] == [
        (None, CustodyStatus.LEFT_AT_OFFICE)]


def test_a_card_before_its_window_or_of_another_office_is_not_taken() -> None:
    uow = CustodyFakeUnit()
    number = _holder(uow, certificates_until=date(2032, 4, 2))
    with pytest.raises(NotFound):
        custody.leave_card(uow, actor=OTHER_CLERK, card_number=number,
                           documents=LICENCE, now=NOW)
    with pytest.raises(Conflict):  # the window opens three months before expiry
        custody.leave_card(uow, actor=CLERK, card_number=number,
                           documents=LICENCE, now=NOW)
    assert uow.custody.rows == {}


def test_mailed_then_delivered_and_not_cancelled_after() -> None:
    uow = CustodyFakeUnit()
    number = _holder(uow, certificates_until=date(2031, 4, 2))
    left = custody.leave_card(uow, actor=CLERK, card_number=number,
                              documents=LICENCE, now=NOW)
    with pytest.raises(NotFound):
        custody.mail_card(uow, actor=OTHER_CLERK, custody_id=left.id,
                          tracking_number="1234-5678-9012", now=NOW)
    uow.custody.rows[left.id].renew(serials=["ab"])  # the chip's renewal: integration tests
    out = custody.mail_card(uow, actor=CLERK, custody_id=left.id,
                            tracking_number="1234-5678-9012", now=NOW)
    assert (out.status, out.mailings) == (CustodyStatus.MAILED, 1)
    done = custody.record_delivery(uow, actor=CLERK, custody_id=left.id, now=NOW)
    assert done.status is CustodyStatus.DELIVERED
    with pytest.raises(InvalidTransition):
        custody.cancel(uow, actor=CLERK, custody_id=left.id, reason="too late",
                       now=NOW)
    assert [r.action for r in uow.audit.records[-3:]] == [
        AuditAction.CUSTODY_LEAVE, AuditAction.CUSTODY_MAIL, AuditAction.CUSTODY_DELIVER]


def test_cancelled_before_renewal_the_card_goes_back_as_it_is() -> None:
    uow = CustodyFakeUnit()
    number = _holder(uow, certificates_until=date(2031, 4, 2))
    left = custody.leave_card(uow, actor=CLERK, card_number=number,
                              documents=LICENCE, now=NOW)
    back = custody.cancel(uow, actor=CLERK, custody_id=left.id,
                          reason="the holder took it back", now=NOW)
    assert back.status is CustodyStatus.CANCELLED
    assert uow.custody.open_for_card(back.card_id) is None
