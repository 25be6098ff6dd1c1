"""Crowding at an office's counter: what the desk saw per hour, the wait to expect.

The history is one `HourSeen` per office, day and hour (Japan time): the residents who
arrived in that hour (booked or not), and for those who walked in without a booking how
long they waited from arrival to the start of service, and the service times. A booked
resident is served at the slot, so only walk-ins' waits say how crowded the counter is.

The forecast of an hour of a coming day (`forecast`) is the office's usual wait for that
weekday and hour, times the season's factor when the day falls in the weeks before a
deadline (`season_week`). Both are read from the history: the usual wait from days
outside any season, each day weighing less as it ages (half every `HALF_LIFE_DAYS`); the
factor of "k weeks before a deadline" as the waits seen in such weeks over the usual
waits of the same weekdays and hours. No history for an hour: no forecast (None), never
a guess.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.offices import Window

SEASON_WEEKS = 4  # the weeks before a deadline that fill the office
HALF_LIFE_DAYS = 182  # a day's weight halves in half a year: offices change
HISTORY_DAYS = 371  # a year and a week: last year's seasons are seen
MIN_SEASON_SAMPLES = 30  # fewer waits seen in a season week: the pooled factor
FACTOR_BOUNDS = (0.5, 4.0)
# Deadlines that come every year (month, day): the tax return's (確定申告, 15 March,
# e-Tax signs with the card), the fiscal year's end with its moves (31 March), and the
# last working day before the year-end break (28 December).
RECURRING_DEADLINES = ((3, 15), (3, 31), (12, 28))
QUIET_BELOW, BUSY_FROM = 15.0, 40.0  # minutes of expected wait


class Level(StrEnum):
    QUIET = "quiet"
    MODERATE = "moderate"
    BUSY = "busy"


def level(wait_minutes: float) -> Level:
    if wait_minutes < QUIET_BELOW:
        return Level.QUIET
    return Level.MODERATE if wait_minutes < BUSY_FROM else Level.BUSY


@dataclass(frozen=True, slots=True)
class HourSeen:
    """What the desk saw in one hour of one day (`hour` 0 to 23, Japan time)."""

    day: date
    hour: int
    arrivals: int = 0
    waits: int = 0  # walk-ins whose service started: the waits summed below
    wait_seconds: int = 0
    served: int = 0  # services ended, by the hour they started
    service_seconds: int = 0


@dataclass(frozen=True, slots=True)
class HourForecast:
    day: date
    hour: int
    wait_minutes: float | None  # None: nothing seen at that weekday and hour
    season_week: int | None  # 0: the last week before a deadline

    @property
    def level(self) -> Level | None:
        return None if self.wait_minutes is None else level(self.wait_minutes)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(JST)


def arrival_seen(at: datetime) -> HourSeen:
    """One resident arrived at `at` (aware)."""
    local = _local(at)
    return HourSeen(local.date(), local.hour, arrivals=1)


def wait_seen(arrived_at: datetime, started_at: datetime) -> HourSeen:
    """A walk-in's wait, counted in the hour they arrived."""
    local = _local(arrived_at)
    seconds = max(0, round((started_at - arrived_at).total_seconds()))
    return HourSeen(local.date(), local.hour, waits=1, wait_seconds=seconds)


def service_seen(started_at: datetime, ended_at: datetime) -> HourSeen:
    """A service's length, counted in the hour it started."""
    local = _local(started_at)
    seconds = max(0, round((ended_at - started_at).total_seconds()))
    return HourSeen(local.date(), local.hour, served=1, service_seconds=seconds)


def deadlines_between(first: date, last: date, extra: Iterable[date] = ()) -> list[date]:
    """The recurring deadlines of the years from `first` to `last` (and the next, whose
    season may begin before `last`), with the `extra` ones (a campaign's end)."""
    found = {date(year, month, day) for year in range(first.year, last.year + 2)
             for month, day in RECURRING_DEADLINES}
    return sorted(found | set(extra))


def season_week(day: date, deadlines: Collection[date]) -> int | None:
    """Whole weeks from `day` to the nearest deadline on or after it, if fewer than
    SEASON_WEEKS (0: the deadline's own week); None outside every season."""
    ahead = [(d - day).days for d in deadlines if 0 <= (d - day).days < SEASON_WEEKS * 7]
    return min(ahead) // 7 if ahead else None


def open_hours(windows: Iterable[Window]) -> list[int]:
    """The hours of the day an opening window touches (08:30-17:15: 8 to 17)."""
    return sorted({h for w in windows for h in range(24)
                   if (h == 23 or w.start < time(h + 1)) and w.end > time(h)})


def _weekday_class(weekday: int) -> int:
    return 0 if weekday < 5 else 1


@dataclass(frozen=True, slots=True)
class Model:
    """The usual wait per weekday and hour (seconds), its fallback per weekday class
    (Monday to Friday, the weekend) and hour, and the season factors per week."""

    usual: Mapping[tuple[int, int], float]
    usual_by_class: Mapping[tuple[int, int], float]
    season: Mapping[int, float]

    def wait_minutes(self, day: date, hour: int, week: int | None) -> float | None:
        base = self.usual.get((day.weekday(), hour))
        if base is None:
            base = self.usual_by_class.get((_weekday_class(day.weekday()), hour))
        if base is None:
            return None
        factor = 1.0 if week is None else self.season.get(week, 1.0)
        return base * factor / 60


def _decay(age_days: int) -> float:
    return float(0.5 ** (max(age_days, 0) / HALF_LIFE_DAYS))


def fit(history: Iterable[HourSeen], *, deadlines: Collection[date], today: date) -> Model:
    """The model from the days before `today` (today's hours are not over)."""
    usual: dict[tuple[int, int], list[float]] = {}  # (weekday, hour): [weight, seconds]
    by_class: dict[tuple[int, int], list[float]] = {}
    seasonal: list[tuple[HourSeen, int, float]] = []
    days: dict[date, tuple[float, int | None, int]] = {}  # per day: decay, season, weekday
    for seen in history:
        if seen.day >= today or seen.waits <= 0:
            continue
        facts = days.get(seen.day)
        if facts is None:
            facts = days[seen.day] = (_decay((today - seen.day).days),
                                      season_week(seen.day, deadlines), seen.day.weekday())
        weight, week, weekday = facts
        if week is not None:
            seasonal.append((seen, week, weight))
            continue
        for sums, key in ((usual, (weekday, seen.hour)),
                          (by_class, (_weekday_class(weekday), seen.hour))):
            found = sums.get(key)
            if found is None:
                found = sums[key] = [0.0, 0.0]
            found[0] += weight * seen.waits
            found[1] += weight * seen.wait_seconds
    means = {k: total / w for k, (w, total) in usual.items() if w > 0}
    class_means = {k: total / w for k, (w, total) in by_class.items() if w > 0}
    return Model(means, class_means, _season_factors(seasonal, means, class_means))


def _season_factors(seasonal: Sequence[tuple[HourSeen, int, float]],
                    usual: Mapping[tuple[int, int], float],
                    by_class: Mapping[tuple[int, int], float]) -> dict[int, float]:
    """Per season week: the waits seen over what the usual waits of those hours would
    have been (a ratio of sums, so a busy hour weighs by its waits)."""
    seen_sum: dict[int, float] = {}
    usual_sum: dict[int, float] = {}
    count: dict[int, int] = {}
    for seen, week, weight in seasonal:
        base = usual.get((seen.day.weekday(), seen.hour))
        if base is None:
            base = by_class.get((_weekday_class(seen.day.weekday()), seen.hour))
        if base is None or base <= 0:
            continue
        seen_sum[week] = seen_sum.get(week, 0.0) + weight * seen.wait_seconds
        usual_sum[week] = usual_sum.get(week, 0.0) + weight * seen.waits * base
        count[week] = count.get(week, 0) + seen.waits
    low, high = FACTOR_BOUNDS
    total = sum(count.values())
    pooled = (sum(seen_sum.values()) / sum(usual_sum.values())
              if total >= MIN_SEASON_SAMPLES else 1.0)
    factors = {}
    for week in range(SEASON_WEEKS):
        raw = (seen_sum[week] / usual_sum[week] if count.get(week, 0) >= MIN_SEASON_SAMPLES
               else pooled)
        factors[week] = min(high, max(low, raw))
    return factors


def forecast(history: Iterable[HourSeen], days: Sequence[tuple[date, Sequence[int]]], *,
             deadlines: Collection[date], today: date) -> list[HourForecast]:
    """The expected wait of every open hour of `days` (each day with its open hours)."""
    model = fit(history, deadlines=deadlines, today=today)
    out: list[HourForecast] = []
    for day, hours in days:
        week = season_week(day, deadlines)
        out.extend(HourForecast(day, hour, model.wait_minutes(day, hour, week), week)
                   for hour in hours)
    return out


class HandoffReason(StrEnum):
    """Why the counter proposes leaving the card, or why not."""

    PROPOSE = "crowded"  # crowded, and the holder may leave the card
    NO_LEVEL = "no_level"  # the office set no level
    NOT_CROWDED = "not_crowded"  # the wait expected now is at or under the level
    NO_FORECAST = "no_forecast"  # nothing seen at this weekday and hour yet
    CERTIFICATES_EXPIRED = "certificates_expired"  # nothing left valid: renew at the counter
    CARD_NOT_USABLE = "card_not_usable"  # expired, lost, ...
    RENEWAL_NOT_OPEN = "renewal_not_open"  # the certificates' window opens later
    IN_CUSTODY = "in_custody"  # the card is left already


def handoff_reason(*, wait_minutes: float | None, level_minutes: int | None,
                   card_usable: bool, valid_certificates: int, renewal_open: bool,
                   in_custody: bool) -> HandoffReason:
    """Propose the hand-off when the wait expected now is above the office's level and
    the holder could leave the card: usable, with certificates not yet expired whose
    renewal has opened, and not left already. The first reason that holds is given."""
    checks = (
        (level_minutes is None, HandoffReason.NO_LEVEL),
        (wait_minutes is None, HandoffReason.NO_FORECAST),
        (wait_minutes is not None and level_minutes is not None
         and wait_minutes <= level_minutes, HandoffReason.NOT_CROWDED),
        (in_custody, HandoffReason.IN_CUSTODY),
        (not card_usable, HandoffReason.CARD_NOT_USABLE),
        (valid_certificates == 0, HandoffReason.CERTIFICATES_EXPIRED),
        (not renewal_open, HandoffReason.RENEWAL_NOT_OPEN),
    )
    return next((reason for holds, reason in checks if holds), HandoffReason.PROPOSE)
