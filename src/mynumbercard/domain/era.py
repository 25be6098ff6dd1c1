"""The Japanese era calendar (和暦) for a Gregorian date, as letters print it.

Five eras since Japan took the Gregorian calendar on 1 January 1873 (明治6年): each
begins on the day its name took effect and ends the day before the next one begins.
An era's first year is written 元年 (gannen), later years as plain numbers:
``令和元年5月1日``, ``令和8年11月25日``; the ASCII form is ``R1.5.1``, ``R8.11.25``.
Sources and the rule: docs/rules.md, "The Japanese era calendar".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mynumbercard.domain.errors import InvalidDates, InvalidInput


@dataclass(frozen=True, slots=True)
class Era:
    """One era: its name in kanji and romaji, the letter of the ASCII form, its first day.

    ``first_year`` is the Gregorian year of the era's year 1 (元年), which for Meiji lies
    before ``start``: Meiji began in 1868, but this calendar uses it only from 1873.
    """

    kanji: str
    romaji: str
    letter: str
    start: date
    first_year: int


MEIJI = Era("明治", "Meiji", "M", date(1873, 1, 1), 1868)
TAISHO = Era("大正", "Taishō", "T", date(1912, 7, 30), 1912)
SHOWA = Era("昭和", "Shōwa", "S", date(1926, 12, 25), 1926)
HEISEI = Era("平成", "Heisei", "H", date(1989, 1, 8), 1989)
REIWA = Era("令和", "Reiwa", "R", date(2019, 5, 1), 2019)

ERAS: tuple[Era, ...] = (MEIJI, TAISHO, SHOWA, HEISEI, REIWA)
"""Oldest first; each era runs until the day before the next one's ``start``."""

FIRST_DAY = MEIJI.start
"""The first day this calendar covers: the Gregorian calendar's first day in Japan."""

GANNEN = "元年"


@dataclass(frozen=True, slots=True)
class EraDate:
    """A day in the era calendar: the era, the year of the era (1 is 元年), month, day."""

    era: Era
    year: int
    month: int
    day: int


def era_of(day: date) -> Era:
    """The era a day belongs to; a day before 1873-01-01 raises ``InvalidDates``."""
    if day < FIRST_DAY:
        raise InvalidDates(
            f"{day} is before {FIRST_DAY}, when Japan adopted the Gregorian calendar"
        )
    for era in reversed(ERAS):
        if day >= era.start:
            return era
    raise AssertionError("unreachable: MEIJI.start is FIRST_DAY")  # pragma: no cover


def era_end(era: Era) -> date | None:
    """The era's last day, or ``None`` for the current era."""
    index = ERAS.index(era)
    if index == len(ERAS) - 1:
        return None
    return ERAS[index + 1].start - timedelta(days=1)


def to_era(day: date) -> EraDate:
    """The day in the era calendar: ``2019-05-01`` → 令和 1 (元年) 5 1."""
    era = era_of(day)
    return EraDate(era, day.year - era.first_year + 1, day.month, day.day)


def from_era(era: Era, year: int, month: int, day: int) -> date:
    """The Gregorian date of an era date; one the era does not contain raises.

    ``平成31年5月1日`` does not exist (that day is 令和元年5月1日), nor does ``令和0年``.
    """
    if year < 1:
        raise InvalidInput(f"an era year counts from 1 (元年), got {year}")
    try:
        result = date(era.first_year + year - 1, month, day)
    except ValueError:
        raise InvalidInput(f"{era.kanji}{year}年{month}月{day}日 is not a date") from None
    end = era_end(era)
    if result < era.start or (end is not None and result > end):
        raise InvalidInput(f"{era.kanji}{year}年{month}月{day}日 is outside the {era.romaji} era")
    return result


def era_year_text(year: int) -> str:
    """``元年`` for the first year of an era, ``8年`` otherwise."""
    return GANNEN if year == 1 else f"{year}年"


def format_era(day: date) -> str:
    """``令和8年11月25日``; the first year as ``令和元年5月1日``."""
    era_date = to_era(day)
    return f"{era_date.era.kanji}{era_year_text(era_date.year)}{day.month}月{day.day}日"


def format_era_ascii(day: date) -> str:
    """The short ASCII form used on forms and in file names: ``R8.11.25``, ``R1.5.1``."""
    era_date = to_era(day)
    return f"{era_date.era.letter}{era_date.year}.{day.month}.{day.day}"


def format_gregorian(day: date) -> str:
    """``2026年11月25日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_both(day: date) -> str:
    """Both calendars as a letter shows them: ``2026年11月25日（令和8年11月25日）``."""
    return f"{format_gregorian(day)}（{format_era(day)}）"
