"""Dates: strict input, age (Civil Code art. 143), deemed birthdays, months back."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynumbercard.domain.dates import (
    age_on,
    deemed_birthday,
    months_after,
    months_before,
    nth_birthday_after,
    parse_iso_date,
)
from mynumbercard.domain.errors import InvalidDates, InvalidInput

ONE_DAY = timedelta(days=1)


def is_leap(year: int) -> bool:
    return (year % 4 == 0 and year % 100 != 0) or year % 400 == 0


def last_day_of_month(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - ONE_DAY


def reference_age(birth: date, on: date) -> int:
    """Age by the Civil Code's period rule, coded without comparing (month, day) tuples.

    The k-th year of age ends at the end of the day before the day corresponding to the
    birth date k years on, or, where that year has no such day (29 Feb), at the end of
    the month's last day; the age is the number of years that ended before ``on``.
    """
    age = 0
    while True:
        year = birth.year + age + 1
        try:
            end = date(year, birth.month, birth.day) - ONE_DAY
        except ValueError:
            end = last_day_of_month(year, birth.month)
        if end >= on:
            return age
        age += 1


def is_deemed_birthday(birth: date, day: date) -> bool:
    if day <= birth:
        return False
    if (day.month, day.day) == (birth.month, birth.day):
        return True
    return (
        (birth.month, birth.day) == (2, 29)
        and (day.month, day.day) == (2, 28)
        and not is_leap(day.year)
    )


def walk_to_nth_birthday(birth: date, start: date, n: int) -> date:
    day, count = start, 0
    while count < n:
        day += ONE_DAY
        count += is_deemed_birthday(birth, day)
    return day


dates_1600_2400 = st.dates(min_value=date(1600, 1, 1), max_value=date(2399, 12, 31))
leap_day_births = (
    st.integers(min_value=1600, max_value=2399).filter(is_leap).map(lambda y: date(y, 2, 29))
)
births = st.one_of(dates_1600_2400, leap_day_births)


# --- parse_iso_date ---------------------------------------------------------------


def test_parse_iso_date_accepts_the_strict_form() -> None:
    assert parse_iso_date("2024-02-29", field="birth_date") == date(2024, 2, 29)
    assert parse_iso_date("0001-01-01", field="x") == date(1, 1, 1)


@given(st.dates())
def test_parse_iso_date_round_trips(day: date) -> None:
    assert parse_iso_date(day.isoformat(), field="d") == day


def test_impossible_date_names_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_iso_date("2023-02-29", field="--birth-date")
    assert raised.value.message == "--birth-date: 2023-02-29 is not a date in the calendar"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2023-02-30",
        "2023-13-01",
        "2023-00-10",
        "0000-01-01",
        "20230101",  # date.fromisoformat accepts this on 3.11; we do not
        "2023-W01-1",
        "2023-1-01",
        "2023-01-1",
        "23-01-01",
        " 2023-01-01",
        "2023-01-01 ",
        "2023-01-01T00:00",
        "2023/01/01",
        "２０２３-01-01",
        "2023-01-0١",
        "12023-01-01",
    ],
)
def test_parse_iso_date_refuses(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_iso_date(text, field="issued_on")
    assert raised.value.message.startswith("issued_on: ")
    assert not isinstance(raised.value, InvalidDates)


# --- age_on -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2000, 10, 10), date(2000, 10, 10), 0),
        (date(2000, 10, 10), date(2010, 10, 9), 9),
        (date(2000, 10, 10), date(2010, 10, 10), 10),  # the new age holds from the birthday
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),  # common year: from 1 March
        (date(2000, 2, 29), date(2004, 2, 28), 3),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(2004, 4, 1), date(2022, 4, 1), 18),
        (date(2004, 4, 2), date(2022, 4, 1), 17),
        (date(1999, 12, 31), date(2000, 1, 1), 0),
    ],
)
def test_age_examples(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age
    assert reference_age(birth, on) == age


@given(births, st.integers(min_value=0, max_value=150 * 366))
def test_age_matches_the_civil_code_period_rule(birth: date, days: int) -> None:
    on = birth + timedelta(days=days)
    assert age_on(birth, on) == reference_age(birth, on)


@given(births, st.integers(min_value=0, max_value=120))
def test_age_changes_on_the_birthday_or_on_1_march(birth: date, years: int) -> None:
    year = birth.year + years
    if (birth.month, birth.day) == (2, 29) and not is_leap(year):
        first_day = date(year, 3, 1)
    else:
        first_day = birth.replace(year=year)
    assert age_on(birth, first_day) == years
    if years:
        assert age_on(birth, first_day - ONE_DAY) == years - 1


def test_no_age_before_birth() -> None:
    with pytest.raises(InvalidDates):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


# --- deemed birthdays ---------------------------------------------------------------


def test_deemed_birthday() -> None:
    assert deemed_birthday(date(2000, 2, 29), 2001) == date(2001, 2, 28)
    assert deemed_birthday(date(2000, 2, 29), 2004) == date(2004, 2, 29)
    assert deemed_birthday(date(2000, 2, 29), 2100) == date(2100, 2, 28)  # not a leap year
    assert deemed_birthday(date(2000, 2, 29), 2400) == date(2400, 2, 29)
    assert deemed_birthday(date(2001, 2, 28), 2004) == date(2004, 2, 28)
    assert deemed_birthday(date(2001, 3, 1), 2004) == date(2004, 3, 1)


@given(births, st.integers(min_value=1, max_value=9999))
def test_deemed_birthday_is_in_that_year_and_a_birthday(birth: date, year: int) -> None:
    day = deemed_birthday(birth, year)
    assert day.year == year
    if year > birth.year:
        assert is_deemed_birthday(birth, day)


@pytest.mark.parametrize(
    ("birth", "start", "n", "expected"),
    [
        (date(1980, 10, 10), date(2020, 5, 15), 1, date(2020, 10, 10)),
        (date(1980, 10, 10), date(2020, 10, 10), 1, date(2021, 10, 10)),  # not on start
        (date(1980, 10, 10), date(2020, 10, 9), 1, date(2020, 10, 10)),
        (date(1980, 10, 10), date(2020, 10, 11), 10, date(2030, 10, 10)),
        (date(2000, 2, 29), date(2023, 2, 28), 1, date(2024, 2, 29)),  # deemed day = start
        (date(2000, 2, 29), date(2023, 2, 27), 1, date(2023, 2, 28)),
        (date(2000, 2, 29), date(2024, 2, 1), 10, date(2033, 2, 28)),
        (date(2020, 6, 1), date(2020, 6, 1), 1, date(2021, 6, 1)),  # issued on the birth date
        (date(2020, 6, 1), date(2019, 1, 1), 1, date(2021, 6, 1)),  # before birth
    ],
)
def test_nth_birthday_after_examples(birth: date, start: date, n: int, expected: date) -> None:
    assert nth_birthday_after(birth, start, n) == expected


@settings(max_examples=150, deadline=None)
@given(births, st.integers(min_value=0, max_value=100 * 366), st.integers(1, 6))
def test_nth_birthday_after_matches_a_day_by_day_walk(birth: date, offset: int, n: int) -> None:
    start = birth + timedelta(days=offset)
    assert nth_birthday_after(birth, start, n) == walk_to_nth_birthday(birth, start, n)


def test_nth_birthday_counts_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        nth_birthday_after(date(2000, 1, 1), date(2001, 1, 1), 0)


# --- months_before ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
        (date(2023, 5, 31), 3, date(2023, 2, 28)),
        (date(2024, 5, 30), 3, date(2024, 2, 29)),
        (date(2024, 5, 28), 3, date(2024, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2024, 12, 31), 2, date(2024, 10, 31)),
        (date(2024, 12, 31), 3, date(2024, 9, 30)),
        (date(2024, 1, 15), 3, date(2023, 10, 15)),
        (date(2029, 10, 10), 3, date(2029, 7, 10)),
        (date(2024, 1, 15), 0, date(2024, 1, 15)),
        (date(2024, 1, 15), 25, date(2021, 12, 15)),
    ],
)
def test_months_before_examples(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@given(st.dates(min_value=date(100, 1, 1)), st.integers(min_value=0, max_value=24))
def test_months_before_lands_on_the_same_day_or_the_month_end(day: date, months: int) -> None:
    result = months_before(day, months)
    assert (day.year - result.year) * 12 + day.month - result.month == months
    if result.day != day.day:
        assert result.day < day.day
        assert result == last_day_of_month(result.year, result.month)
        assert result.day == calendar.monthrange(result.year, result.month)[1]


def test_months_before_refuses_negative_months() -> None:
    with pytest.raises(ValueError, match="negative"):
        months_before(date(2024, 1, 1), -1)


# --- months_after (the pick-up deadline and keeping period) --------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2022, 11, 30), 3, date(2023, 2, 28)),
        (date(2026, 12, 17), 3, date(2027, 3, 17)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
    ],
)
def test_months_after_examples(day: date, months: int, expected: date) -> None:
    assert months_after(day, months) == expected


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(min_value=0, max_value=24))
def test_months_after_lands_on_the_same_day_or_the_month_end(day: date, months: int) -> None:
    result = months_after(day, months)
    assert (result.year - day.year) * 12 + result.month - day.month == months
    if result.day != day.day:
        assert result.day < day.day
        assert result.day == calendar.monthrange(result.year, result.month)[1]


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(min_value=0, max_value=24))
def test_months_before_undoes_months_after_unless_the_month_was_shorter(day: date,
                                                                         months: int) -> None:
    there = months_after(day, months)
    if there.day == day.day:
        assert months_before(there, months) == day
