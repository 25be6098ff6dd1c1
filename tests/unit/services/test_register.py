"""Register use cases on in-memory fakes: permissions, events, audit."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from mynumbercard.domain import individual_number
from mynumbercard.domain.errors import InvalidDates, InvalidInput, PermissionDenied
from mynumbercard.domain.resident import EventKind, ResidenceStatus, ResidentStatus, Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.stay import Stay
from mynumbercard.services import register
from mynumbercard.services.mail_ports import LetterKind

from fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CLERK = Actor("clerk", Role.CLERK, "13101")


def _arrival(uow: FakeUnitOfWork, **overrides: object):
    fields: dict[str, object] = {
        "actor": CLERK, "now": NOW, "family_name": "ワン", "given_name": "ファン",
        "family_name_kana": "ワン", "given_name_kana": "ファン", "birth_date": date(1995, 2, 28),
        "sex": Sex.FEMALE, "municipality_code": "13101", "postal_code": "1000001",
        "address": "千代田1番1号", "registered_on": date(2026, 11, 2), "nationality": "CN",
        "residence_status": ResidenceStatus.LIMITED_STAY,
        "period_of_stay_until": date(2029, 11, 1), "rng": random.Random(1),
    }
    fields.update(overrides)
    return register.register_resident(uow, **fields)  # type: ignore[arg-type]


def test_an_arrival_from_overseas_gets_a_number_an_event_trail_and_an_audit_record() -> None:
    uow = FakeUnitOfWork()
    resident = _arrival(uow)
    assert individual_number.check(resident.individual_number or "").valid
    assert [e.kind for _, e in uow.residents.events] == [
        EventKind.REGISTERED, EventKind.NUMBER_ASSIGNED]
    record = uow.audit.records[-1]
    assert (record.actor, record.action, record.subject) == ("clerk", "resident:register",
                                                             f"resident:{resident.id}")
    assert record.details == {"notice": "individual_number_notice", "notice_queued": True}
    assert resident.individual_number not in repr(record)
    assert uow.commits == 1
    # The notice goes out as a letter (filled from the register when printed: the queue
    # holds no number), and the stay at arrival is the first of the resident's stays.
    (letter,) = uow.mail.queued.values()
    assert (letter.kind, letter.resident_id, letter.due_on) == (
        LetterKind.NUMBER_NOTICE, resident.id, date(2026, 11, 2))
    assert resident.individual_number not in repr(letter)
    assert uow.stays.of_resident(resident.id or 0) == [Stay(date(2029, 11, 1),
                                                            date(2026, 11, 2))]


def test_a_number_assigned_before_2020_05_25_had_a_notification_card_not_a_letter() -> None:
    uow = FakeUnitOfWork()
    _arrival(uow, registered_on=date(2020, 5, 24), birth_date=date(1990, 1, 1),
             period_of_stay_until=date(2023, 1, 1))
    assert uow.mail.queued == {}
    assert uow.audit.records[-1].details == {"notice": "notification_card",
                                             "notice_queued": False}


def test_numbers_are_never_handed_out_twice() -> None:
    uow = FakeUnitOfWork()
    first = _arrival(uow, rng=random.Random(5))
    second = _arrival(uow, rng=random.Random(5))  # the same draws: the second must skip
    assert first.individual_number != second.individual_number


def test_the_register_refuses_impossible_residents() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput):
        _arrival(uow, period_of_stay_until=None)
    with pytest.raises(InvalidDates):
        _arrival(uow, registered_on=date(1990, 1, 1))
    with pytest.raises(PermissionDenied):
        _arrival(uow, municipality_code="13103")
    assert uow.residents.rows == {}
    assert uow.audit.records == []


def test_personal_data_stays_out_of_repr() -> None:
    resident = _arrival(FakeUnitOfWork())
    text = repr(resident)
    assert resident.individual_number not in text
    assert "ワン" not in text


def test_death_then_nothing_more() -> None:
    uow = FakeUnitOfWork()
    resident = _arrival(uow)
    register.record_death(uow, actor=CLERK, resident_id=resident.id or 0,
                          died_on=date(2026, 11, 20), now=NOW)
    assert uow.residents.get(resident.id or 0).status is ResidentStatus.DECEASED
    assert uow.audit.records[-1].action == "resident:die"
