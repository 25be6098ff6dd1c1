"""A realistic history of an office's counter for the demo and the benchmark: walk-ins
arriving at random through each open hour of the past year, served first come first
served at the office's counters, so that their waits come out of the queue itself.

The arrival rates per counter and hour are illustrative, shaped as Japanese offices
describe their crowds: a weekday peak from 10:00 to noon above what the counters serve
(the queue grows, then drains over lunch and the afternoon), Mondays and the days after a
holiday busier, weekend openings crowded, and more people in the weeks before a deadline
(`domain/crowding.py`'s seasons). A service takes about 15 minutes.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, insert

from mynumbercard.adapters.db.tables import office_hours_seen, walk_ins
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import (
    HourSeen,
    arrival_seen,
    deadlines_between,
    season_week,
    service_seen,
    wait_seen,
)
from mynumbercard.domain.office_calendar import hours_on
from mynumbercard.domain.offices import Office

# Arrivals per hour and counter; a counter serves about four an hour.
RATE = {8: 2.0, 9: 3.0, 10: 4.6, 11: 4.4, 12: 1.4, 13: 2.6, 14: 2.6, 15: 2.4, 16: 2.0,
        17: 1.2, 18: 1.2}
WEEKDAY = (1.15, 1.0, 0.95, 1.0, 1.1, 1.3, 1.3)  # Monday ... Sunday
SEASON = (1.35, 1.25, 1.15, 1.1)  # the deadline's week, one week before, ...
BRANCH = 0.75  # a branch's counter sees fewer people than the main office's
SERVICE_MINUTES = 15.0
PURPOSES = ((Purpose.PICK_UP, 0.45), (Purpose.CERTIFICATE_RENEWAL, 0.3),
            (Purpose.PIN_UNLOCK, 0.15), (Purpose.LOSS, 0.05), (Purpose.OTHER, 0.05))


@dataclass(frozen=True, slots=True)
class Visit:
    purpose: Purpose
    arrived_at: datetime
    started_at: datetime
    ended_at: datetime


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: the means here are small."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _purpose(rng: random.Random) -> Purpose:
    pick, total = rng.random(), 0.0
    for purpose, share in PURPOSES:
        total += share
        if pick < total:
            return purpose
    return Purpose.OTHER


def day_visits(office: Office, day: date, *, holidays: Collection[date],
               deadlines: Collection[date], rng: random.Random) -> list[Visit]:
    """One day's walk-ins at `office`, served in order of arrival at its counters."""
    hours = hours_on(office, day, holidays=holidays, exceptions={})
    if not hours.is_open:
        return []
    week = season_week(day, deadlines)
    scale = (office.counters * WEEKDAY[day.weekday()] * (1.0 if week is None else SEASON[week])
             * (BRANCH if "-" in office.code else 1.0))
    arrivals: list[datetime] = []
    for window in hours.windows:
        start = datetime.combine(day, window.start, JST)
        end = datetime.combine(day, window.end, JST)
        moment = start
        while moment < end:
            hour_end = min(end, moment.replace(minute=0) + timedelta(hours=1))
            share = (hour_end - moment) / timedelta(hours=1)
            for _ in range(_poisson(rng, RATE.get(moment.hour, 1.0) * scale * share)):
                arrivals.append(moment + (hour_end - moment) * rng.random())
            moment = hour_end
    arrivals.sort()
    free = [datetime.combine(day, hours.windows[0].start, JST)] * office.counters
    heapq.heapify(free)
    visits = []
    sigma = 0.45
    mu = math.log(SERVICE_MINUTES) - sigma * sigma / 2
    for arrived in arrivals:
        started = max(arrived, heapq.heappop(free))
        ended = started + timedelta(minutes=rng.lognormvariate(mu, sigma))
        heapq.heappush(free, ended)
        visits.append(Visit(_purpose(rng), arrived, started, ended))
    return visits


def history(office: Office, *, first: date, last: date, holidays: Collection[date],
            seed: int) -> Iterator[Visit]:
    """Every walk-in from `first` to `last`, both included, reproducibly."""
    rng = random.Random(f"{seed}:{office.code}")  # noqa: S311 - synthetic data
    deadlines = deadlines_between(first, last)
    day = first
    while day <= last:
        yield from day_visits(office, day, holidays=holidays, deadlines=deadlines, rng=rng)
        day += timedelta(days=1)


def hours_seen(visits: Collection[Visit]) -> list[HourSeen]:
    """The hours the desk would have counted for these visits."""
    sums: dict[tuple[date, int], list[int]] = {}
    for visit in visits:
        for seen in (arrival_seen(visit.arrived_at),
                     wait_seen(visit.arrived_at, visit.started_at),
                     service_seen(visit.started_at, visit.ended_at)):
            row = sums.setdefault((seen.day, seen.hour), [0, 0, 0, 0, 0])
            for i, value in enumerate((seen.arrivals, seen.waits, seen.wait_seconds,
                                       seen.served, seen.service_seconds)):
                row[i] += value
    return [HourSeen(day, hour, *row) for (day, hour), row in sorted(sums.items())]


def write_history(engine: Engine, office: Office, *, first: date, last: date,
                  holidays: Collection[date], seed: int) -> int:
    """The office's walk-ins and hours seen from `first` to `last` into the database
    (as the desk would have recorded them); the number of walk-ins."""
    visits = list(history(office, first=first, last=last, holidays=holidays, seed=seed))
    with engine.begin() as conn:
        if visits:
            conn.execute(insert(walk_ins), [
                {"office_code": office.code, "purpose": v.purpose.value, "status": "done",
                 "arrived_at": v.arrived_at, "started_at": v.started_at,
                 "ended_at": v.ended_at, "version": 0} for v in visits])
            conn.execute(insert(office_hours_seen), [
                {"office_code": office.code, "day": s.day, "hour": s.hour,
                 "arrivals": s.arrivals, "waits": s.waits, "wait_seconds": s.wait_seconds,
                 "served": s.served, "service_seconds": s.service_seconds}
                for s in hours_seen(visits)])
    return len(visits)
