"""When an office is open: pure functions of its rules, its exceptions and the holidays.

The order (docs/rules.md "Office calendar"): a day's exception wins over everything (an
office may open on a holiday, or close on a working day); then the year-end break (29
December to 3 January) and Japan's public and substitute holidays close it; otherwise
the weekly rules that hold that day open it, and none holding means closed (`weekly`).
The holidays come in as a collection of dates (the adapter reads a maintained library).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from mynumbercard.domain.offices import DayException, Office, Window


class ClosedReason(StrEnum):
    HOLIDAY = "holiday"
    YEAR_END = "year_end"
    WEEKLY = "weekly"
    EXCEPTION = "exception"


@dataclass(frozen=True, slots=True)
class DayHours:
    day: date
    windows: tuple[Window, ...]
    closed_reason: ClosedReason | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.windows)

    def as_json(self, office_code: str) -> dict[str, object]:
        return {"office": office_code, "date": self.day.isoformat(),
                "open": [w.as_pair() for w in self.windows],
                "closed_reason": self.closed_reason.value if self.closed_reason else None}


def is_year_end(day: date) -> bool:
    """The year-end and new-year break of Japanese offices: 29 December to 3 January
    (行政機関の休日に関する法律 art. 1)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def hours_on(office: Office, day: date, *, holidays: Collection[date],
             exceptions: Mapping[date, DayException]) -> DayHours:
    exception = exceptions.get(day)
    if exception is not None:
        if exception.windows:
            return DayHours(day, exception.windows)
        return DayHours(day, (), ClosedReason.EXCEPTION)
    if is_year_end(day):
        return DayHours(day, (), ClosedReason.YEAR_END)
    if day in holidays:
        return DayHours(day, (), ClosedReason.HOLIDAY)
    windows = tuple(w for rule in office.rules if rule.holds_on(day) for w in rule.windows)
    if not windows:
        return DayHours(day, (), ClosedReason.WEEKLY)
    return DayHours(day, _merged(windows))


def _merged(windows: tuple[Window, ...]) -> tuple[Window, ...]:
    """Two rules holding on one day (every Thursday, and the first Thursday's evening):
    overlapping windows join."""
    out: list[Window] = []
    for w in sorted(windows):
        if out and w.start <= out[-1].end:
            out[-1] = Window(out[-1].start, max(out[-1].end, w.end))
        else:
            out.append(w)
    return tuple(out)


def days(start: date, count: int) -> Iterator[date]:
    for i in range(count):
        yield start + timedelta(days=i)


def slot_starts(hours: DayHours, slot_minutes: int) -> list[time]:
    """The start of every whole slot inside the day's windows."""
    starts: list[time] = []
    step = timedelta(minutes=slot_minutes)
    for w in hours.windows:
        at = datetime.combine(hours.day, w.start)
        end = datetime.combine(hours.day, w.end)
        while at + step <= end:
            starts.append(at.time())
            at += step
    return starts


def is_slot_start(hours: DayHours, at: time, slot_minutes: int) -> bool:
    return at in slot_starts(hours, slot_minutes)
