"""Japan's public holidays, substitute holidays and "national holidays" (国民の休日), from
the maintained `holidays` package (its Japan calendar follows the Act on National
Holidays, 国民の祝日に関する法律, and is updated when the Cabinet moves a day)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=1)
def japan() -> holidays.HolidayBase:
    """One calendar per process, its years filled ahead so that concurrent readers find
    them there (a later year is added on first use)."""
    this_year = date.today().year  # noqa: DTZ011 - only which years to fill first
    return holidays.country_holidays("JP", years=range(this_year - 2, this_year + 3),
                                     language="ja")


def holiday_name(day: date) -> str | None:
    name = japan().get(day)
    return str(name) if name else None
