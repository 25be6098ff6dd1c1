"""The demo's crowding history: walk-ins served first come first served at the office's
counters, whose forecast shows the weekday 10:00-12:00 peak and the season before a
deadline."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean

from mynumbercard.adapters.holiday_calendar import japan
from mynumbercard.cli.offices import read_csv
from mynumbercard.domain.crowding import deadlines_between, forecast, open_hours
from mynumbercard.domain.office_calendar import hours_on
from mynumbercard.generators.crowding import history, hours_seen
from mynumbercard.generators.offices import offices_csv

TODAY = date(2026, 11, 30)


def test_the_weekday_morning_peak_shows_in_every_demo_offices_forecast() -> None:
    for office in read_csv(offices_csv()):
        visits = list(history(office, first=TODAY - timedelta(days=365),
                              last=TODAY - timedelta(days=1), holidays=japan(), seed=7))
        assert all(v.arrived_at <= v.started_at < v.ended_at for v in visits)
        assert sum(s.arrivals for s in hours_seen(visits)) == len(visits)
        days = [hours_on(office, TODAY + timedelta(days=i), holidays=japan(), exceptions={})
                for i in range(14)]
        weekdays = [(d.day, open_hours(d.windows)) for d in days
                    if d.is_open and d.day.weekday() < 5]
        found = forecast(hours_seen(visits), weekdays,
                         deadlines=deadlines_between(TODAY - timedelta(days=371),
                                                     TODAY + timedelta(days=14)), today=TODAY)
        by_hour = {h: mean(f.wait_minutes or 0 for f in found if f.hour == h)
                   for h in range(8, 18)}
        assert max(by_hour, key=by_hour.__getitem__) in (10, 11), (office.code, by_hour)
        peak, afternoon = mean((by_hour[10], by_hour[11])), mean(by_hour[h] for h in (14, 15, 16))
        assert peak > 2 * afternoon, (office.code, by_hour)


def test_the_weeks_before_a_deadline_are_busier() -> None:
    office = read_csv(offices_csv())[0]
    march = list(history(office, first=date(2026, 3, 2), last=date(2026, 3, 13),
                         holidays=japan(), seed=7))
    may = list(history(office, first=date(2026, 5, 11), last=date(2026, 5, 22),
                       holidays=japan(), seed=7))
    assert len(march) > 1.15 * len(may)
