"""The wrong-validity check's rule: recompute, compare, name the cause."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from mynumbercard.domain.dates import deemed_birthday, nth_birthday_after
from mynumbercard.domain.validity import card_expiry, certificate_expiry
from mynumbercard.domain.validity_check import Cause, check_card, check_certificate

births = st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31))
issues = st.dates(min_value=date(2016, 1, 1), max_value=date(2026, 11, 25))
leap_births = st.integers(min_value=1920, max_value=2020).filter(
    lambda y: y % 4 == 0 and (y % 100 or y % 400 == 0)).map(lambda y: date(y, 2, 29))


@st.composite
def cards(draw: st.DrawFn, birth_dates: st.SearchStrategy[date] = births
          ) -> tuple[date, date, date, date]:
    birth, issued = draw(birth_dates), draw(issues)
    assume(birth < issued - timedelta(days=60))
    applied = issued - timedelta(days=draw(st.integers(min_value=0, max_value=60)))
    correct = card_expiry(birth_date=birth, applied_on=applied, issued_on=issued)
    return birth, applied, issued, correct


@given(cards())
def test_a_card_made_by_the_rules_has_no_difference(card: tuple[date, date, date, date]
                                                    ) -> None:
    birth, applied, issued, correct = card
    assert check_card(birth_date=birth, applied_on=applied, issued_on=issued,
                      stored=correct) is None


@given(st.one_of(cards(), cards(leap_births)))
def test_one_year_too_long_is_found_and_named(card: tuple[date, date, date, date]) -> None:
    birth, applied, issued, correct = card
    wrong = deemed_birthday(birth, correct.year + 1)
    found = check_card(birth_date=birth, applied_on=applied, issued_on=issued, stored=wrong)
    assert found is not None
    assert (found.correct, found.cause) == (correct, Cause.ONE_YEAR_TOO_LONG)


@given(cards())
def test_the_other_age_rule_is_named(card: tuple[date, date, date, date]) -> None:
    birth, applied, issued, correct = card
    five, ten = (nth_birthday_after(birth, issued, n) for n in (5, 10))
    wrong = ten if correct == five else five
    found = check_card(birth_date=birth, applied_on=applied, issued_on=issued, stored=wrong)
    assert found is not None
    assert found.cause is Cause.MINOR_RULE


@given(cards(leap_births))
def test_a_leap_day_birthday_counted_as_1_march_is_named(card: tuple[date, date, date, date]
                                                        ) -> None:
    birth, applied, issued, correct = card
    assume(correct.month == 2)  # a common year: the deemed birthday is 28 February
    found = check_card(birth_date=birth, applied_on=applied, issued_on=issued,
                       stored=date(correct.year, 3, 1))
    assert found is not None
    assert found.cause is Cause.LEAP_DAY


def test_a_limited_stay_card_is_held_to_the_birthday_rule_only() -> None:
    args = {"birth_date": date(1995, 7, 1), "applied_on": date(2024, 3, 1),
            "issued_on": date(2024, 4, 1), "residence_until": date(2027, 3, 31)}
    assert check_card(stored=date(2026, 3, 31), **args) is None  # the stay as it was then
    found = check_card(stored=date(2035, 7, 1), **args)  # past the 10th birthday
    assert found is not None
    assert found.correct == date(2027, 3, 31)


@given(cards())
def test_a_certificate_past_its_card_is_named(card: tuple[date, date, date, date]) -> None:
    birth, _, issued, correct = card
    on = issued + timedelta(days=20)
    assume(on < correct)
    right = certificate_expiry(birth_date=birth, certificate_issued_on=on,
                               card_expires_on=correct)
    assert check_certificate(birth_date=birth, certificate_issued_on=on, stored=right,
                             card_expires_on=correct) is None
    found = check_certificate(birth_date=birth, certificate_issued_on=on,
                              stored=correct + timedelta(days=365), card_expires_on=correct)
    assert found is not None
    assert found.cause is Cause.PAST_CARD
