"""Calendar rules: strict date input, age on a date, birthdays, months back.

All functions take ``date`` objects (never datetimes) and the day they are about as an
argument; nothing here reads the clock.
"""

from __future__ import annotations

import calendar
import re
from datetime import MAXYEAR, MINYEAR, date

from mynumbercard.domain.errors import InvalidDates, InvalidInput

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_iso_date(text: str, *, field: str) -> date:
    """A date written exactly ``YYYY-MM-DD``; anything else raises ``InvalidInput``.

    ``field`` names the input in the message (an option, a column, a form field).
    """
    if not _ISO_DATE.fullmatch(text):
        raise InvalidInput(f"{field}: expected a date as YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text} is not a date in the calendar") from None


def _is_feb29(day: date) -> bool:
    return day.month == 2 and day.day == 29


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years on the day ``on`` (Act on Counting Age; Civil Code art. 143).

    A year of age ends at the end of the day before the birthday, so the new age holds
    from the birthday itself; born on 29 February, from 1 March in a common year.
    """
    if on < birth_date:
        raise InvalidDates(f"no age before birth: {on} is before the birth date {birth_date}")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def _in_calendar(year: int) -> int:
    """A rule whose answer falls outside years 1 to 9999 has no answer to give."""
    if not MINYEAR <= year <= MAXYEAR:
        raise InvalidDates(f"the answer would fall in year {year}, outside the calendar "
                           f"({MINYEAR} to {MAXYEAR})")
    return year


def deemed_birthday(birth_date: date, year: int) -> date:
    """The birthday in ``year`` for counting "to the Nth birthday": 29 Feb → 28 Feb in a
    common year."""
    _in_calendar(year)
    if _is_feb29(birth_date) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birth_date.replace(year=year)


def nth_birthday_after(birth_date: date, start: date, n: int) -> date:
    """The ``n``-th (deemed) birthday strictly after ``start``.

    A birthday falling on ``start`` itself does not count, nor does the birth date.
    """
    if n < 1:
        raise ValueError(f"n counts birthdays from 1, got {n}")
    year = max(start.year, birth_date.year + 1)
    if deemed_birthday(birth_date, year) <= start:
        year += 1
    return deemed_birthday(birth_date, year + n - 1)


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` months earlier, or that month's last day when
    the month is shorter (31 May → 28 or 29 February three months before)."""
    if months < 0:
        raise ValueError(f"months must not be negative, got {months}")
    return _shift_months(day, -months)


def months_after(day: date, months: int) -> date:
    """The same day of the month ``months`` months later, or that month's last day when
    the month is shorter (30 November → 28 or 29 February three months after)."""
    if months < 0:
        raise ValueError(f"months must not be negative, got {months}")
    return _shift_months(day, months)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    _in_calendar(year)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
