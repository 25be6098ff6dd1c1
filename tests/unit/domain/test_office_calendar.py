"""The office calendar: weekly rules, n-th weekdays, holidays, the year-end break and
exceptions (docs/rules.md "Office calendar")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumbercard.domain.appointments import check_bookable, new_reference, normal_reference
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.office_calendar import (
    ClosedReason,
    hours_on,
    is_year_end,
    slot_starts,
)
from mynumbercard.domain.offices import (
    DayException,
    Office,
    Window,
    check_office_code,
    letter_lines,
    municipality_of,
    nth_weekday,
    parse_rules,
    parse_windows,
)

WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "fri"), "08:30-17:15")
CHIYODA = Office(code="13101", name="千代田区役所", postal_code="1028688",
                 address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=3,
                 slot_minutes=30,
                 rules=parse_rules({**WEEKDAYS, "thu": "08:30-19:00"}, "sun@2,4 09:00-12:00"))
NO_HOLIDAYS: frozenset[date] = frozenset()
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def _open(day: date, holidays: frozenset[date] = NO_HOLIDAYS,
          exceptions: dict[date, DayException] | None = None) -> list[list[str]]:
    hours = hours_on(CHIYODA, day, holidays=holidays, exceptions=exceptions or {})
    return [w.as_pair() for w in hours.windows]


def test_weekday_hours_an_extended_evening_and_the_second_and_fourth_sunday() -> None:
    assert _open(date(2026, 12, 1)) == [["08:30", "17:15"]]  # a Tuesday
    assert _open(date(2026, 12, 3)) == [["08:30", "19:00"]]  # Thursday until 19:00
    assert _open(date(2026, 12, 13)) == [["09:00", "12:00"]]  # the second Sunday
    assert _open(date(2026, 12, 27)) == [["09:00", "12:00"]]  # the fourth Sunday
    assert _open(date(2026, 12, 20)) == []  # the third Sunday
    closed = hours_on(CHIYODA, date(2026, 12, 5), holidays=NO_HOLIDAYS, exceptions={})
    assert closed.closed_reason is ClosedReason.WEEKLY  # a Saturday


def test_holidays_and_the_year_end_break_close_and_an_exception_opens() -> None:
    substitute = date(2026, 5, 6)  # 振替休日, a Wednesday
    hours = hours_on(CHIYODA, substitute, holidays=frozenset({substitute}), exceptions={})
    assert (hours.windows, hours.closed_reason) == ((), ClosedReason.HOLIDAY)
    for day in (date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 3)):
        found = hours_on(CHIYODA, day, holidays=frozenset({date(2027, 1, 1)}), exceptions={})
        assert found.closed_reason is ClosedReason.YEAR_END
    assert _open(date(2027, 1, 4)) == [["08:30", "17:15"]]  # a Monday: back at work
    special = DayException(date(2026, 12, 29), (Window(time(9), time(12)),), "年末臨時窓口")
    assert _open(date(2026, 12, 29), exceptions={special.on: special}) == [["09:00", "12:00"]]
    shut = DayException(date(2026, 12, 1), ())
    hours = hours_on(CHIYODA, shut.on, holidays=NO_HOLIDAYS, exceptions={shut.on: shut})
    assert hours.closed_reason is ClosedReason.EXCEPTION
    assert hours.as_json("13101") == {"office": "13101", "date": "2026-12-01", "open": [],
                                      "closed_reason": "exception"}


@given(day=days, holiday=st.booleans(), exception=st.booleans())
def test_an_exception_always_wins(day: date, holiday: bool, exception: bool) -> None:
    holidays = frozenset({day}) if holiday else NO_HOLIDAYS
    special = DayException(day, (Window(time(10), time(11)),))
    hours = hours_on(CHIYODA, day, holidays=holidays,
                     exceptions={day: special} if exception else {})
    if exception:
        assert hours.windows == special.windows
        assert hours.closed_reason is None
    elif is_year_end(day):
        assert hours.closed_reason is ClosedReason.YEAR_END
    elif holiday:
        assert hours.closed_reason is ClosedReason.HOLIDAY
    # open exactly when it has windows, and a reason exactly when closed
    assert hours.is_open == (hours.closed_reason is None)


@given(day=days)
def test_the_year_end_break_is_29_december_to_3_january(day: date) -> None:
    start = date(day.year, 12, 29)
    in_break = start <= day or day <= date(day.year, 1, 3)
    assert is_year_end(day) == in_break


@given(day=days)
def test_nth_weekday(day: date) -> None:
    n = nth_weekday(day)
    assert 1 <= n <= 5
    assert (day - timedelta(weeks=n - 1)).month == day.month
    assert (day - timedelta(weeks=n)).month != day.month


@given(day=days, minutes=st.sampled_from([10, 15, 20, 30, 60]))
def test_every_slot_lies_inside_a_window(day: date, minutes: int) -> None:
    hours = hours_on(CHIYODA, day, holidays=NO_HOLIDAYS, exceptions={})
    starts = slot_starts(hours, minutes)
    assert starts == sorted(set(starts))
    for at in starts:
        begin = datetime.combine(day, at)
        assert any(datetime.combine(day, w.start) <= begin
                   and begin + timedelta(minutes=minutes) <= datetime.combine(day, w.end)
                   for w in hours.windows)
    whole = sum((datetime.combine(day, w.end) - datetime.combine(day, w.start))
                // timedelta(minutes=minutes) for w in hours.windows)
    assert len(starts) == whole


def test_office_codes() -> None:
    assert check_office_code("13101") == "13101"
    assert municipality_of(check_office_code("13101-02")) == "13101"
    for bad in ("1310", "131016", "13101-2", "13101-002", "abcde", ""):
        with pytest.raises(InvalidInput):
            check_office_code(bad)


@pytest.mark.parametrize("text", ["8:30", "17:15-08:30", "08:30-25:00", "08:30-12:00 11:00-13:00",
                                  "a-b"])
def test_bad_windows_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_windows(text)


def test_bad_nth_rules_are_refused() -> None:
    for nth in ("sun 09:00-12:00", "sun@6 09:00-12:00", "sun@x 09:00-12:00", "xyz@1 09:00-10:00"):
        with pytest.raises(InvalidInput):
            parse_rules({}, nth)


def test_the_letter_prints_the_hours_grouped() -> None:
    assert letter_lines(CHIYODA) == (
        "月・火・水・金曜 8:30〜17:15", "木曜 8:30〜19:00", "第2・第4日曜 9:00〜12:00",
        "（祝日・振替休日・12月29日〜1月3日は休み）")
    weekdays = Office(code="13101", name="x", postal_code="1000001", address="y",
                      phone="03-0000-0000",
                      rules=parse_rules(dict.fromkeys(("mon", "tue", "wed", "thu", "fri"),
                                                      "08:30-17:15")))
    assert letter_lines(weekdays)[0] == "月〜金曜 8:30〜17:15"


def test_bookable_slots_only() -> None:
    now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 10:00 in Japan
    tuesday = hours_on(CHIYODA, date(2026, 12, 1), holidays=NO_HOLIDAYS, exceptions={})
    assert check_bookable(tuesday, time(10), slot_minutes=30, now=now).isoformat() == \
        "2026-12-01T10:00:00+09:00"
    for at in (time(10, 15), time(17, 0), time(8, 0)):  # not a slot start; runs past 17:15
        with pytest.raises(InvalidInput):
            check_bookable(tuesday, at, slot_minutes=30, now=now)
    today = hours_on(CHIYODA, date(2026, 11, 30), holidays=NO_HOLIDAYS, exceptions={})
    with pytest.raises(InvalidInput, match="past"):
        check_bookable(today, time(9, 30), slot_minutes=30, now=now)
    saturday = hours_on(CHIYODA, date(2026, 12, 5), holidays=NO_HOLIDAYS, exceptions={})
    with pytest.raises(Conflict, match="closed"):
        check_bookable(saturday, time(10), slot_minutes=30, now=now)


def test_references_are_read_aloud_safely() -> None:
    reference = new_reference()
    assert normal_reference(reference.lower()[:5] + "-" + reference[5:]) == reference
    assert normal_reference("O0I1O0I1O0") is None
    assert normal_reference("x" * 200) is None
