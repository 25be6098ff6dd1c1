"""A municipal office and its weekly hours (docs/rules.md "Office calendar").

An office's code: the municipality's 5-digit code for its main office (the city hall or
ward office), the code and a two-digit number for a branch (`13101-02`). Hours are
windows of opening per weekday; a rule may hold only on the n-th such weekday of the
month (the second and fourth Sunday morning), and a day may carry its own exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from enum import IntEnum
from itertools import pairwise

from mynumbercard.domain.errors import InvalidInput

OFFICE_CODE = re.compile(r"^\d{5}(-\d{2})?$")
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
MAX_COUNTERS = 50
MAX_PER_COUNTER = 10
SLOT_MINUTES = (10, 15, 20, 30, 60)
MAX_HANDOFF_WAIT = 480  # minutes: a whole day's wait
MAX_WINDOWS = 4  # a day's opening windows (a lunch break makes two)


class Weekday(IntEnum):
    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def kanji(self) -> str:
        return "月火水木金土日"[self.value]

    @classmethod
    def parse(cls, text: str) -> Weekday:
        try:
            return cls[text.strip().upper()[:3]]
        except KeyError:
            raise InvalidInput(f"{text!r} is not a weekday (mon, tue, ... sun)") from None


def check_office_code(code: str) -> str:
    if not isinstance(code, str) or not OFFICE_CODE.match(code):
        raise InvalidInput("an office code is the municipality's 5-digit code (its main "
                           "office) or that code and a 2-digit number, as 13101-02")
    return code


def municipality_of(office_code: str) -> str:
    """The municipality an office belongs to: the first five digits of its code."""
    return office_code[:5]


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """Open from `start` until `end` (the last booking starts a slot before `end`)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidInput("opening hours are local times in Japan, without an offset")
        if self.start >= self.end:
            raise InvalidInput(f"an opening window ends after it starts ({self.text})")

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def as_pair(self) -> list[str]:
        return [f"{self.start:%H:%M}", f"{self.end:%H:%M}"]

    @classmethod
    def parse(cls, text: str) -> Window:
        found = _WINDOW.match(text.strip())
        if found is None:
            raise InvalidInput(f"{text[:20]!r} is not an opening window like 08:30-17:15")
        h1, m1, h2, m2 = (int(x) for x in found.groups())
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
            raise InvalidInput(f"{text[:20]!r} is not a time of day")
        return cls(time(h1, m1), time(h2, m2))


def check_windows(windows: tuple[Window, ...]) -> tuple[Window, ...]:
    """Sorted, at most MAX_WINDOWS, and not overlapping."""
    ordered = tuple(sorted(windows))
    if len(ordered) > MAX_WINDOWS:
        raise InvalidInput(f"at most {MAX_WINDOWS} opening windows a day")
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise InvalidInput(f"opening windows overlap: {before.text} and {after.text}")
    return ordered


def parse_windows(text: str) -> tuple[Window, ...]:
    """`08:30-12:00 13:00-17:15` (spaces or commas between): empty text is closed."""
    parts = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    return check_windows(tuple(Window.parse(p) for p in parts))


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Open on `weekday` in `windows`; only on its n-th occurrences in the month when
    `weeks` is given (1 = the first such weekday of the month, 5 = a fifth)."""

    weekday: Weekday
    windows: tuple[Window, ...]
    weeks: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.weeks is not None and (not self.weeks or not self.weeks <= {1, 2, 3, 4, 5}):
            raise InvalidInput("the weeks of a rule are some of 1 to 5 (the n-th weekday)")
        if not self.windows:
            raise InvalidInput("a weekly rule opens the office: give its windows")
        check_windows(self.windows)

    def holds_on(self, day: date) -> bool:
        if day.weekday() != self.weekday:
            return False
        return self.weeks is None or nth_weekday(day) in self.weeks


def nth_weekday(day: date) -> int:
    """Which occurrence of its weekday in the month `day` is (1 to 5)."""
    return (day.day - 1) // 7 + 1


@dataclass(frozen=True, slots=True)
class DayException:
    """One day unlike the rules: closed (no windows), or open in these windows (even on a
    holiday or in the year-end break)."""

    on: date
    windows: tuple[Window, ...]
    note: str = ""

    def __post_init__(self) -> None:
        check_windows(self.windows)
        if len(self.note) > 200:
            raise InvalidInput("an exception's note has at most 200 characters")


def _check_text(value: str, name: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{name} is required")
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise InvalidInput(f"{name}: at most {limit} characters, on one line")
    return value


_POSTAL = re.compile(r"^\d{7}$")
_PHONE = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$")


@dataclass(frozen=True, slots=True)
class Office:
    code: str
    name: str
    postal_code: str
    address: str
    phone: str
    counters: int = 1
    per_counter: int = 1  # bookings one counter takes in one slot
    slot_minutes: int = 30
    rules: tuple[WeeklyRule, ...] = field(default=())
    version: int = 0
    # Above this expected wait (minutes) the counter proposes the custody hand-off.
    handoff_wait_minutes: int | None = None

    def __post_init__(self) -> None:
        check_office_code(self.code)
        object.__setattr__(self, "name", _check_text(self.name, "name", 60))
        object.__setattr__(self, "address", _check_text(self.address, "address", 200))
        if not _POSTAL.match(self.postal_code):
            raise InvalidInput("a postal code is 7 digits, without the hyphen")
        if not _PHONE.match(self.phone):
            raise InvalidInput("a telephone number is written 03-3264-2111")
        if not (1 <= self.counters <= MAX_COUNTERS):
            raise InvalidInput(f"an office has 1 to {MAX_COUNTERS} counters for the card")
        if not (1 <= self.per_counter <= MAX_PER_COUNTER):
            raise InvalidInput(f"a counter takes 1 to {MAX_PER_COUNTER} bookings a slot")
        if self.slot_minutes not in SLOT_MINUTES:
            raise InvalidInput(f"a slot lasts one of {', '.join(map(str, SLOT_MINUTES))} "
                               "minutes")
        if self.handoff_wait_minutes is not None and not (
                1 <= self.handoff_wait_minutes <= MAX_HANDOFF_WAIT):
            raise InvalidInput(f"the hand-off level is 1 to {MAX_HANDOFF_WAIT} minutes of "
                               "expected wait")
        if len(self.rules) > 30:
            raise InvalidInput("at most 30 weekly rules")

    @property
    def municipality_code(self) -> str:
        return municipality_of(self.code)

    @property
    def capacity(self) -> int:
        """Bookings one slot takes: counters times what each counter takes."""
        return self.counters * self.per_counter

    @property
    def postal_text(self) -> str:
        return f"〒{self.postal_code[:3]}-{self.postal_code[3:]}"


def parse_rules(weekly: dict[str, str], nth: str = "") -> tuple[WeeklyRule, ...]:
    """Rules from text: `{"mon": "08:30-17:15", "thu": "08:30-19:00"}` (a weekday left
    out or empty is closed) and `nth` as `sun@2,4 09:00-12:00; sat@1 09:00-12:00`."""
    rules = [WeeklyRule(Weekday.parse(day), windows)
             for day, text in weekly.items() if (windows := parse_windows(text))]
    for part in (p.strip() for p in nth.split(";")):
        if not part:
            continue
        head, _, hours = part.partition(" ")
        day, at, weeks = head.partition("@")
        if not at or not weeks:
            raise InvalidInput(f"{part[:40]!r}: write the n-th weekdays as sun@2,4 09:00-12:00")
        try:
            numbers = frozenset(int(w) for w in weeks.split(","))
        except ValueError:
            raise InvalidInput(f"{part[:40]!r}: the weeks are numbers 1 to 5") from None
        rules.append(WeeklyRule(Weekday.parse(day), parse_windows(hours), numbers))
    return tuple(rules)


def _hours_text(windows: tuple[Window, ...]) -> str:
    return "・".join(f"{w.start.hour}:{w.start:%M}〜{w.end.hour}:{w.end:%M}" for w in windows)


def letter_lines(office: Office) -> tuple[str, ...]:
    """The hours as a letter prints them: weekdays of the same hours together, the n-th
    weekend openings, and the closed days."""
    lines: list[str] = []
    every = [r for r in office.rules if r.weeks is None]
    groups: dict[tuple[Window, ...], list[Weekday]] = {}
    for rule in sorted(every, key=lambda r: r.weekday):
        groups.setdefault(rule.windows, []).append(rule.weekday)
    for windows, days in groups.items():
        if len(days) > 2 and [d - days[0] for d in days] == list(range(len(days))):
            label = f"{days[0].kanji}〜{days[-1].kanji}曜"
        else:
            label = "・".join(d.kanji for d in days) + "曜"
        lines.append(f"{label} {_hours_text(windows)}")
    for rule in (r for r in office.rules if r.weeks is not None):
        weeks = "・".join(f"第{w}" for w in sorted(rule.weeks or ()))
        lines.append(f"{weeks}{rule.weekday.kanji}曜 {_hours_text(rule.windows)}")
    lines.append("（祝日・振替休日・12月29日〜1月3日は休み）")
    return tuple(lines)
