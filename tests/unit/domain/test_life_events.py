"""The life events in the domain: the card's validity extended to a new stay (a pure
function, property-tested), the stay that bounds a card, the audit by that stay, and the
resident's verbs (address corrected, name changed, stay extended)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mynumbercard.domain.errors import InvalidDates, InvalidInput, InvalidTransition
from mynumbercard.domain.resident import EventKind, ResidenceStatus, Resident, Sex
from mynumbercard.domain.stay import Stay, stay_bounding_card
from mynumbercard.domain.validity import card_expiry, extended_card_expiry
from mynumbercard.domain.validity_check import check_card

days = st.dates(min_value=date(1930, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def limited_cards(draw: st.DrawFn) -> tuple[date, date, date, date, date]:
    """(birth, applied, issued, expiry at issue, end of stay at issue)."""
    birth = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2030, 12, 31)))
    applied = birth + timedelta(days=draw(st.integers(0, 365 * 80)))
    issued = applied + timedelta(days=draw(st.integers(0, 120)))
    stay = issued + timedelta(days=draw(st.integers(0, 365 * 5)))
    expires = card_expiry(birth_date=birth, applied_on=applied, issued_on=issued,
                          residence_until=stay)
    return birth, applied, issued, expires, stay


@given(limited_cards(), st.integers(1, 365 * 7), st.integers(0, 365 * 6))
def test_an_extended_card_reaches_the_new_stay_within_the_birthday_rule(
        card: tuple[date, date, date, date, date], longer: int, after_issue: int) -> None:
    birth, applied, issued, expires, stay = card
    new_stay = stay + timedelta(days=longer)
    on = issued + timedelta(days=after_issue)
    bound = card_expiry(birth_date=birth, applied_on=applied, issued_on=issued)
    assume(on <= expires and new_stay > expires and bound > expires)
    extended = extended_card_expiry(birth_date=birth, applied_on=applied, issued_on=issued,
                                    expires_on=expires, stay_until=new_stay, extended_on=on)
    assert expires < extended <= bound  # longer, never past the birthday rule
    assert extended <= new_stay  # never past the stay
    assert extended in (bound, new_stay)  # one of the two limits, exactly
    # the same as a card issued on the same day to the new stay
    assert extended == card_expiry(birth_date=birth, applied_on=applied, issued_on=issued,
                                   residence_until=new_stay)


@given(limited_cards(), st.integers(1, 400))
def test_an_expired_card_is_not_extended(card: tuple[date, date, date, date, date],
                                         late: int) -> None:
    birth, applied, issued, expires, stay = card
    with pytest.raises(InvalidDates, match="expired"):
        extended_card_expiry(birth_date=birth, applied_on=applied, issued_on=issued,
                             expires_on=expires, stay_until=stay + timedelta(days=900),
                             extended_on=expires + timedelta(days=late))


def test_the_worked_examples_of_an_extension() -> None:
    # Born 1990-04-10, adult, issued 2024-06-01 to a stay ending 2027-03-31.
    common = {"birth_date": date(1990, 4, 10), "applied_on": date(2024, 5, 1),
              "issued_on": date(2024, 6, 1)}
    assert extended_card_expiry(**common, expires_on=date(2027, 3, 31),
                                stay_until=date(2030, 3, 31),
                                extended_on=date(2026, 11, 25)) == date(2030, 3, 31)
    assert extended_card_expiry(**common, expires_on=date(2030, 3, 31),
                                stay_until=date(2036, 3, 31),
                                extended_on=date(2029, 11, 1)) == date(2034, 4, 10)
    with pytest.raises(InvalidDates, match="birthday rule"):
        extended_card_expiry(**common, expires_on=date(2034, 4, 10),
                             stay_until=date(2040, 3, 31), extended_on=date(2033, 1, 1))
    with pytest.raises(InvalidDates, match="nothing to extend"):
        extended_card_expiry(**common, expires_on=date(2027, 3, 31),
                             stay_until=date(2027, 3, 31), extended_on=date(2026, 11, 25))


@given(st.lists(st.tuples(days, days), min_size=1, max_size=6), days)
def test_without_an_extension_a_card_is_bounded_by_the_stay_in_force_at_issue(
        stays: list[tuple[date, date]], issued: date) -> None:
    recorded = [Stay(until, granted) for until, granted in stays]
    bound = stay_bounding_card(recorded, card_id=1, issued_on=issued)
    in_force = [s for s in recorded if s.granted_on <= issued]
    if not in_force:
        assert bound is None
    else:
        latest = max(s.granted_on for s in in_force)
        assert bound in {s.until for s in in_force if s.granted_on == latest}


def test_an_extension_of_the_card_bounds_it_and_only_it() -> None:
    stays = [Stay(date(2027, 3, 31), date(2024, 4, 1)),
             Stay(date(2030, 3, 31), date(2026, 11, 20), card_id=7,
                  card_extended_on=date(2026, 11, 25)),
             Stay(date(2033, 3, 31), date(2029, 11, 1))]  # granted, not applied to the card
    assert stay_bounding_card(stays, card_id=7, issued_on=date(2024, 6, 1)) == date(2030, 3, 31)
    assert stay_bounding_card(stays, card_id=8, issued_on=date(2024, 6, 1)) == date(2027, 3, 31)
    assert stay_bounding_card(stays, card_id=9, issued_on=date(2023, 1, 1)) is None


def test_the_audit_judges_a_limited_stay_card_by_its_own_stay() -> None:
    common = {"birth_date": date(1990, 4, 10), "applied_on": date(2024, 5, 1),
              "issued_on": date(2024, 6, 1), "residence_until": date(2030, 3, 31)}
    assert check_card(**common, stored=date(2030, 3, 31), stay_bound=date(2030, 3, 31)) is None
    assert check_card(**common, stored=date(2027, 3, 31), stay_bound=date(2027, 3, 31)) is None
    found = check_card(**common, stored=date(2030, 3, 31), stay_bound=date(2027, 3, 31))
    assert found is not None
    assert (found.stored, found.correct) == (date(2030, 3, 31), date(2027, 3, 31))
    # no stay recorded (an older card): only the birthday rule's upper bound holds
    assert check_card(**common, stored=date(2027, 3, 31)) is None


def _foreigner() -> Resident:
    return Resident(id=1, family_name="グエン", given_name="ラン", family_name_kana="グエン",
                    given_name_kana="ラン", birth_date=date(1990, 4, 10), sex=Sex.FEMALE,
                    municipality_code="13101", postal_code="1000001", address="千代田1番1号",
                    nationality="VN", residence_status=ResidenceStatus.LIMITED_STAY,
                    period_of_stay_until=date(2027, 3, 31))


def test_the_verbs_record_their_event_and_date() -> None:
    resident = _foreigner()
    resident.correct_address(postal_code="1000002", address="千代田1番2号",
                             on=date(2026, 11, 24))
    resident.change_name(family_name="佐藤", given_name="ラン", family_name_kana="サトウ",
                         given_name_kana="ラン", on=date(2026, 11, 24),
                         show_former_surname=True)
    resident.extend_stay(until=date(2030, 3, 31), on=date(2026, 11, 20))
    assert [(e.kind, e.occurred_on) for e in resident.events] == [
        (EventKind.ADDRESS_CORRECTED, date(2026, 11, 24)),
        (EventKind.NAME_CHANGED, date(2026, 11, 24)),
        (EventKind.STAY_EXTENDED, date(2026, 11, 20))]
    assert resident.municipality_code == "13101"  # a correction is not a move
    assert resident.name_as_shown == "佐藤［グエン］ ラン"
    assert "グエン" not in repr(resident)
    # a second change without asking keeps the former surname recorded
    resident.change_name(family_name="鈴木", given_name="ラン", family_name_kana="スズキ",
                         given_name_kana="ラン", on=date(2026, 11, 25),
                         show_former_surname=False)
    assert resident.former_family_name == "グエン"


@pytest.mark.parametrize(("verb", "error"), [
    (lambda r: r.correct_address(postal_code="100", address="x", on=date(2026, 1, 1)),
     InvalidInput),
    (lambda r: r.correct_address(postal_code="1000002", address="", on=date(2026, 1, 1)),
     InvalidInput),
    (lambda r: r.correct_address(postal_code="1000002", address="x", on=date(1980, 1, 1)),
     InvalidDates),
    (lambda r: r.change_name(family_name="x" * 41, given_name="y", family_name_kana="x",
                             given_name_kana="y", on=date(2026, 1, 1),
                             show_former_surname=False), InvalidInput),
    (lambda r: r.extend_stay(until=date(2027, 3, 31), on=date(2026, 1, 1)), InvalidDates),
    (lambda r: r.extend_stay(until=date(2030, 3, 31), on=date(2031, 1, 1)), InvalidDates),
])
def test_bad_life_events_are_refused(verb, error) -> None:
    resident = _foreigner()
    with pytest.raises(error):
        verb(resident)
    assert resident.events == []


def test_a_national_has_no_stay_and_the_dead_have_no_life_events() -> None:
    national = Resident(id=2, family_name="山田", given_name="花子", family_name_kana="ヤマダ",
                        given_name_kana="ハナコ", birth_date=date(1990, 1, 1), sex=Sex.FEMALE,
                        municipality_code="13101", postal_code="1000001", address="x")
    with pytest.raises(InvalidInput, match="limited stay"):
        national.extend_stay(until=date(2030, 1, 1), on=date(2026, 1, 1))
    national.die(on=date(2026, 1, 2))
    with pytest.raises(InvalidTransition):
        national.correct_address(postal_code="1000002", address="y", on=date(2026, 1, 3))
