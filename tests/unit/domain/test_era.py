"""The Japanese era calendar: boundaries to the day, 元年, round trips, one era a day."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.era import (
    ERAS,
    FIRST_DAY,
    HEISEI,
    MEIJI,
    REIWA,
    SHOWA,
    TAISHO,
    Era,
    era_end,
    era_of,
    format_both,
    format_era,
    format_era_ascii,
    format_gregorian,
    from_era,
    to_era,
)
from mynumbercard.domain.errors import InvalidDates, InvalidInput

ONE_DAY = timedelta(days=1)
days_covered = st.dates(min_value=FIRST_DAY, max_value=date(9999, 12, 31))

# Each era's first day and the day before it, written out from the proclamations
# (not computed from the module's table).
BOUNDARIES = [
    (date(1912, 7, 29), "明治45年7月29日", date(1912, 7, 30), "大正元年7月30日"),
    (date(1926, 12, 24), "大正15年12月24日", date(1926, 12, 25), "昭和元年12月25日"),
    (date(1989, 1, 7), "昭和64年1月7日", date(1989, 1, 8), "平成元年1月8日"),
    (date(2019, 4, 30), "平成31年4月30日", date(2019, 5, 1), "令和元年5月1日"),
]


@pytest.mark.parametrize(("last", "last_text", "first", "first_text"), BOUNDARIES)
def test_era_boundaries_to_the_day(
    last: date, last_text: str, first: date, first_text: str
) -> None:
    assert format_era(last) == last_text
    assert format_era(first) == first_text


@pytest.mark.parametrize(
    ("day", "text", "ascii_text"),
    [
        (date(1873, 1, 1), "明治6年1月1日", "M6.1.1"),
        (date(1945, 8, 15), "昭和20年8月15日", "S20.8.15"),
        (date(2000, 2, 29), "平成12年2月29日", "H12.2.29"),
        (date(2019, 12, 31), "令和元年12月31日", "R1.12.31"),
        (date(2020, 1, 1), "令和2年1月1日", "R2.1.1"),
        (date(2026, 11, 25), "令和8年11月25日", "R8.11.25"),
    ],
)
def test_known_dates(day: date, text: str, ascii_text: str) -> None:
    assert format_era(day) == text
    assert format_era_ascii(day) == ascii_text


def test_both_calendars_as_a_letter_shows_them() -> None:
    assert format_gregorian(date(2026, 11, 25)) == "2026年11月25日"
    assert format_both(date(2026, 11, 25)) == "2026年11月25日（令和8年11月25日）"
    assert format_both(date(2019, 5, 1)) == "2019年5月1日（令和元年5月1日）"


def test_before_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(InvalidDates):
        format_era(FIRST_DAY - ONE_DAY)


def test_eras_are_contiguous_and_ordered() -> None:
    assert [era.kanji for era in ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert ERAS[0].start == FIRST_DAY
    for era, following in pairwise(ERAS):
        assert era_end(era) == following.start - ONE_DAY
    assert era_end(REIWA) is None


@given(days_covered)
def test_every_day_belongs_to_exactly_one_era(day: date) -> None:
    containing = [
        era for era in ERAS if era.start <= day and ((end := era_end(era)) is None or day <= end)
    ]
    assert containing == [era_of(day)]


@given(days_covered)
def test_round_trip_through_the_era_calendar(day: date) -> None:
    era_date = to_era(day)
    assert era_date.year >= 1
    assert (era_date.month, era_date.day) == (day.month, day.day)
    assert from_era(era_date.era, era_date.year, era_date.month, era_date.day) == day


@given(days_covered)
def test_gannen_is_the_first_year_and_only_it(day: date) -> None:
    era_date = to_era(day)
    text = format_era(day)
    assert ("元年" in text) == (era_date.year == 1)
    assert (era_date.year == 1) == (day.year == era_date.era.start.year and era_date.era != MEIJI)
    assert text.startswith(era_date.era.kanji)
    assert format_both(day) == f"{day.year}年{day.month}月{day.day}日（{text}）"


@given(days_covered)
def test_the_year_of_the_era_counts_from_its_start_year(day: date) -> None:
    era_date = to_era(day)
    assert era_date.year == day.year - era_date.era.first_year + 1


@pytest.mark.parametrize(
    ("era", "year", "month", "day"),
    [
        (HEISEI, 31, 5, 1),  # that day is 令和元年5月1日
        (REIWA, 1, 4, 30),  # still 平成31年
        (SHOWA, 64, 1, 8),  # 平成元年1月8日
        (TAISHO, 1, 7, 29),  # 明治45年
        (MEIJI, 5, 12, 31),  # before the Gregorian calendar
        (REIWA, 0, 5, 1),
        (REIWA, 7, 2, 29),  # 2025 is a common year
    ],
)
def test_era_dates_that_do_not_exist_are_refused(era: Era, year: int, month: int, day: int) -> None:
    with pytest.raises(InvalidInput):
        from_era(era, year, month, day)
