"""The crowding forecast and the hand-off rule (docs/offices.md "Crowding"): the usual
wait per weekday and hour, the season factor in the weeks before a deadline, no guess
without history; walk-ins' marks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.crowding import (
    SEASON_WEEKS,
    HandoffReason,
    HourSeen,
    Level,
    arrival_seen,
    deadlines_between,
    forecast,
    handoff_reason,
    level,
    open_hours,
    season_week,
    service_seen,
    wait_seen,
)
from mynumbercard.domain.errors import InvalidTransition
from mynumbercard.domain.offices import Window
from mynumbercard.domain.walk_ins import WalkIn, WalkInStatus, WalkInStep

TODAY = date(2026, 11, 30)  # a Monday; no deadline within four weeks before it
HOURS = list(range(8, 18))
NO_DEADLINES: list[date] = []
waits = st.integers(min_value=0, max_value=4 * 3600)


def weekdays_before(today: date, weeks: int) -> list[date]:
    return [d for i in range(1, weeks * 7 + 1)
            if (d := today - timedelta(days=i)).weekday() < 5]


def history(days: list[date], seconds: int | dict[int, int], samples: int = 3
            ) -> list[HourSeen]:
    def of(hour: int) -> int:
        return seconds if isinstance(seconds, int) else seconds[hour]

    return [HourSeen(d, h, arrivals=samples, waits=samples, wait_seconds=samples * of(h))
            for d in days for h in HOURS]


COMING = [(TODAY + timedelta(days=i), HOURS) for i in range(14)
          if (TODAY + timedelta(days=i)).weekday() < 5]


@settings(deadline=None)
@given(seconds=waits)
def test_a_wait_always_the_same_is_forecast_as_it_is(seconds: int) -> None:
    found = forecast(history(weekdays_before(TODAY, 8), seconds), COMING,
                     deadlines=NO_DEADLINES, today=TODAY)
    assert {(f.day, f.hour) for f in found} == {(d, h) for d, hours in COMING for h in hours}
    assert all(f.wait_minutes == pytest.approx(seconds / 60) for f in found)


@settings(deadline=None)  # slow under a loaded machine, not slow code
@given(seconds=st.integers(min_value=60, max_value=3600),
       factor=st.integers(min_value=2, max_value=5))
def test_the_forecast_scales_with_the_history(seconds: int, factor: int) -> None:
    days = weekdays_before(TODAY, 8)
    peaked = {h: seconds * (3 if h in (10, 11) else 1) for h in HOURS}
    one = forecast(history(days, peaked), COMING, deadlines=NO_DEADLINES, today=TODAY)
    scaled = forecast(history(days, {h: s * factor for h, s in peaked.items()}), COMING,
                      deadlines=NO_DEADLINES, today=TODAY)
    for a, b in zip(one, scaled, strict=True):
        assert b.wait_minutes == pytest.approx((a.wait_minutes or 0) * factor)


def test_the_weekday_morning_peak_shows_in_the_forecast() -> None:
    peaked = {h: 3600 if h in (10, 11) else 600 for h in HOURS}
    found = forecast(history(weekdays_before(TODAY, 8), peaked), COMING,
                     deadlines=NO_DEADLINES, today=TODAY)
    monday = [f for f in found if f.day == TODAY]
    busiest = max(monday, key=lambda f: f.wait_minutes or 0)
    assert busiest.hour in (10, 11)
    assert busiest.level is Level.BUSY
    assert next(f for f in monday if f.hour == 15).level is Level.QUIET


@settings(deadline=None)
@given(recent=waits, old=waits)
def test_the_forecast_lies_between_what_was_seen_and_leans_to_the_recent(
        recent: int, old: int) -> None:
    days = weekdays_before(TODAY, 8)
    seen = history(days[:20], recent) + history(days[20:], old)
    found = forecast(seen, COMING, deadlines=NO_DEADLINES, today=TODAY)
    for f in found:
        minutes = f.wait_minutes or 0
        assert min(recent, old) / 60 - 1e-9 <= minutes <= max(recent, old) / 60 + 1e-9
        assert abs(minutes - recent / 60) <= abs(minutes - old / 60) + 1e-9


def test_no_history_no_forecast_and_today_and_later_are_not_history() -> None:
    assert all(f.wait_minutes is None for f in forecast([], COMING, deadlines=NO_DEADLINES,
                                                          today=TODAY))
    not_yet = history([TODAY, TODAY + timedelta(days=1)], 600)
    assert all(f.wait_minutes is None for f in forecast(not_yet, COMING,
                                                          deadlines=NO_DEADLINES, today=TODAY))


def test_a_weekday_never_seen_borrows_the_other_weekdays_of_its_kind() -> None:
    mondays = [d for d in weekdays_before(TODAY, 8) if d.weekday() == 0]
    found = forecast(history(mondays, 600), [(TODAY + timedelta(days=1), [9]),
                                             (TODAY + timedelta(days=5), [9])],
                     deadlines=NO_DEADLINES, today=TODAY)
    assert found[0].wait_minutes == pytest.approx(10)  # Tuesday from Mondays
    assert found[1].wait_minutes is None  # Saturday: no weekend seen


@settings(max_examples=30, deadline=None)  # a year of history per example
@given(factor=st.floats(min_value=1.0, max_value=3.5))
def test_the_weeks_before_a_deadline_bring_their_factor(factor: float) -> None:
    today = date(2027, 2, 1)
    deadline = date(2027, 3, 1)  # four weeks ahead: the forecast falls in its season
    last_year = date(2026, 3, 1)
    seen: list[HourSeen] = []
    for day in (today - timedelta(days=i) for i in range(1, 365)):
        if day.weekday() >= 5:
            continue
        in_season = season_week(day, [last_year]) is not None
        seen += history([day], round(600 * (factor if in_season else 1)), samples=4)
    coming = [(today + timedelta(days=i), [10]) for i in range(35)
              if (today + timedelta(days=i)).weekday() < 5]
    found = forecast(seen, coming, deadlines=[last_year, deadline], today=today)
    for f in found:
        expected = 10 * (factor if f.season_week is not None else 1)
        assert f.wait_minutes == pytest.approx(expected, rel=0.01)
    assert {f.season_week for f in found} == {None, *range(SEASON_WEEKS)}


@given(day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_season_weeks_count_down_to_the_nearest_deadline(day: date) -> None:
    deadlines = deadlines_between(day - timedelta(days=400), day + timedelta(days=400))
    week = season_week(day, deadlines)
    ahead = min((d - day).days for d in deadlines if d >= day)
    assert week == (ahead // 7 if ahead < SEASON_WEEKS * 7 else None)
    assert season_week(date(day.year, 3, 15), deadlines) == 0


@given(start=st.integers(0, 22 * 4), length=st.integers(1, 8 * 4))
def test_open_hours_are_the_hours_a_window_touches(start: int, length: int) -> None:
    first = time(start // 4, start % 4 * 15)
    end_quarters = min(start + length, 24 * 4 - 1)
    if end_quarters <= start:
        return
    window = Window(first, time(end_quarters // 4, end_quarters % 4 * 15))
    hours = open_hours([window])
    for h in range(24):
        touched = window.start < (time(h + 1) if h < 23 else time.max) and window.end > time(h)
        assert (h in hours) == touched
    assert open_hours([Window(time(8, 30), time(17, 15))]) == list(range(8, 18))
    assert open_hours([Window(time(9), time(12))]) == [9, 10, 11]


def test_levels() -> None:
    assert [level(m) for m in (0, 14.9, 15, 39.9, 40, 300)] == [
        Level.QUIET, Level.QUIET, Level.MODERATE, Level.MODERATE, Level.BUSY, Level.BUSY]


def _reason(**changes: object) -> HandoffReason:
    facts: dict[str, object] = {"wait_minutes": 60.0, "level_minutes": 45, "card_usable": True,
                                "valid_certificates": 2, "renewal_open": True,
                                "in_custody": False}
    return handoff_reason(**{**facts, **changes})  # type: ignore[arg-type]


def test_the_hand_off_is_proposed_only_when_crowded_and_the_holder_may_leave_the_card(
        ) -> None:
    assert _reason() is HandoffReason.PROPOSE
    assert _reason(level_minutes=None) is HandoffReason.NO_LEVEL
    assert _reason(wait_minutes=None) is HandoffReason.NO_FORECAST
    assert _reason(wait_minutes=45.0) is HandoffReason.NOT_CROWDED
    assert _reason(in_custody=True) is HandoffReason.IN_CUSTODY
    assert _reason(card_usable=False) is HandoffReason.CARD_NOT_USABLE
    assert _reason(valid_certificates=0) is HandoffReason.CERTIFICATES_EXPIRED
    assert _reason(renewal_open=False) is HandoffReason.RENEWAL_NOT_OPEN


@given(wait=st.floats(min_value=0, max_value=600), threshold=st.integers(1, 480))
def test_never_proposed_at_or_under_the_level(wait: float, threshold: int) -> None:
    proposed = _reason(wait_minutes=wait, level_minutes=threshold) is HandoffReason.PROPOSE
    assert proposed == (wait > threshold)


def test_marks_count_in_their_hour_of_japan() -> None:
    arrived = datetime(2026, 11, 30, 1, 50, tzinfo=UTC)  # 10:50 in Japan
    started = arrived + timedelta(minutes=25)
    assert arrival_seen(arrived) == HourSeen(date(2026, 11, 30), 10, arrivals=1)
    assert wait_seen(arrived, started) == HourSeen(date(2026, 11, 30), 10, waits=1,
                                                   wait_seconds=1500)
    assert service_seen(started, started + timedelta(minutes=12)) == HourSeen(
        date(2026, 11, 30), 11, served=1, service_seconds=720)


def test_a_walk_in_waits_is_served_or_leaves() -> None:
    at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    walk_in = WalkIn(id=1, office_code="13101", purpose=Purpose.OTHER, arrived_at=at)
    walk_in.mark(WalkInStep.STARTED, at=at + timedelta(minutes=5))
    with pytest.raises(InvalidTransition):
        walk_in.mark(WalkInStep.LEFT, at=at)
    walk_in.mark(WalkInStep.ENDED, at=at + timedelta(minutes=9))
    assert walk_in.status is WalkInStatus.DONE
    assert walk_in.ended_at is not None
    gone = WalkIn(id=2, office_code="13101", purpose=Purpose.OTHER, arrived_at=at)
    gone.mark(WalkInStep.LEFT, at=at)
    with pytest.raises(InvalidTransition):
        gone.mark(WalkInStep.STARTED, at=at)


def test_a_walk_in_s_wait_runs_until_service_starts() -> None:
    at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    walk_in = WalkIn(id=1, office_code="13101", purpose=Purpose.OTHER, arrived_at=at)
    assert walk_in.waited(at + timedelta(minutes=7)) == timedelta(minutes=7)
    assert walk_in.waited(at - timedelta(minutes=1)) == timedelta(0)  # a clock behind
    walk_in.mark(WalkInStep.STARTED, at=at + timedelta(minutes=12))
    assert walk_in.waited(at + timedelta(hours=3)) == timedelta(minutes=12)
    gone = WalkIn(id=2, office_code="13101", purpose=Purpose.OTHER, arrived_at=at)
    gone.mark(WalkInStep.LEFT, at=at + timedelta(minutes=3))
    assert gone.waited(at + timedelta(hours=1)) is None
