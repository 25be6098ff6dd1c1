"""The resident's statuses, verbs and events."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.errors import InvalidDates, InvalidInput, InvalidTransition
from mynumbercard.domain.resident import (
    ALLOWED_TRANSITIONS,
    EventKind,
    ResidenceStatus,
    Resident,
    ResidentStatus,
    Sex,
)


def _resident(**overrides: object) -> Resident:
    fields: dict[str, object] = {
        "id": 1, "family_name": "田中", "given_name": "太郎", "family_name_kana": "タナカ",
        "given_name_kana": "タロウ", "birth_date": date(1980, 2, 29), "sex": Sex.MALE,
        "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
    }
    fields.update(overrides)
    return Resident(**fields)  # type: ignore[arg-type]


def test_a_move_changes_the_address_and_leaves_an_event() -> None:
    resident = _resident()
    resident.move(to_municipality="01101", postal_code="0600001", address="北一条西1丁目",
                  on=date(2026, 4, 1))
    assert (resident.municipality_code, resident.postal_code) == ("01101", "0600001")
    (event,) = resident.events
    assert (event.kind, event.from_municipality, event.to_municipality) == (
        EventKind.MOVED, "13101", "01101")


def test_the_dead_do_not_move_and_do_not_die_twice() -> None:
    resident = _resident()
    resident.die(on=date(2026, 1, 1))
    with pytest.raises(InvalidTransition):
        resident.move(to_municipality="01101", postal_code="0600001", address="x",
                      on=date(2026, 2, 1))
    with pytest.raises(InvalidTransition):
        resident.die(on=date(2026, 2, 1))
    assert resident.status is ResidentStatus.DECEASED
    assert [e.kind for e in resident.events] == [EventKind.DIED]


def test_an_emigrant_may_die_abroad() -> None:
    resident = _resident()
    resident.emigrate(on=date(2020, 1, 1))
    resident.die(on=date(2026, 1, 1))
    assert resident.status is ResidentStatus.DECEASED


@given(st.dates(max_value=date(1980, 2, 28)))
def test_nothing_happens_before_birth(day: date) -> None:
    resident = _resident()
    for verb in (resident.die, resident.emigrate, resident.register):
        with pytest.raises(InvalidDates):
            verb(on=day)
    assert resident.events == []


def test_numbers_are_assigned_once() -> None:
    resident = _resident()
    resident.assign_number("123456789018", on=date(2015, 10, 5))
    with pytest.raises(InvalidTransition):
        resident.assign_number("123456789018", on=date(2016, 1, 1))


def test_the_transition_table_ends_in_death() -> None:
    assert ALLOWED_TRANSITIONS[ResidentStatus.DECEASED] == frozenset()
    assert set(ALLOWED_TRANSITIONS) == set(ResidentStatus)


def test_a_limited_stay_needs_its_end_and_nationals_have_none() -> None:
    with pytest.raises(InvalidInput):
        _resident(nationality="VN", residence_status=ResidenceStatus.LIMITED_STAY)
    with pytest.raises(InvalidInput):
        _resident(period_of_stay_until=date(2030, 1, 1))
    with pytest.raises(InvalidInput):
        _resident(nationality="VN")  # a foreign national needs a residence status
    permanent = _resident(nationality="KR",
                          residence_status=ResidenceStatus.SPECIAL_PERMANENT_RESIDENT)
    assert permanent.period_of_stay_until is None


def test_repr_holds_no_personal_data() -> None:
    resident = _resident(individual_number="123456789018")
    assert "田中" not in repr(resident)
    assert "123456789018" not in repr(resident)
