"""What page forms share: people's typing made plain (full-width digits and letters,
hyphens of every width), dates in either calendar, and the errors shown beside fields.

A page reads its fields with these, collects the problems in a `FormErrors`, and when
there is any renders the form again with them (status 422) before anything is saved.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from mynumbercard.domain.era import ERAS, from_era
from mynumbercard.domain.errors import InvalidInput

_DASHES = re.compile(r"[\s\-‐‑‒–—―−ーｰ]")
_ISO = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_ERA = re.compile(r"([^\d\s]+?)\s*(\d{1,2}|元)[.年/](\d{1,2})[.月/](\d{1,2})日?")


def plain(value: str | None) -> str:
    """NFKC (full-width digits and letters to ASCII, half-width kana to full), trimmed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def digits(value: str | None) -> str:
    """A number as typed: full-width, with spaces or hyphens (`１２３４-５６７８`) -> `12345678`."""
    return _DASHES.sub("", plain(value))


def parse_date(value: str | None) -> date:
    """`2026-11-30`, `2026/11/30`, `2026年11月30日`, `令和8年11月30日`, `R8.11.30`
    (full-width too); InvalidInput with a plain message otherwise."""
    text = plain(value).replace(" ", "")
    if match := _ISO.fullmatch(text):
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            raise InvalidInput("no such day in the calendar") from None
    if match := _ERA.fullmatch(text):
        name, year_text, month, day = match.groups()
        era = next((e for e in ERAS if name in (e.kanji, e.letter, e.letter.lower(),
                                                e.romaji, e.romaji.lower())), None)
        if era is not None:
            year = 1 if year_text == "元" else int(year_text)
            return from_era(era, year, int(month), int(day))
    raise InvalidInput("write the date as 2026-11-30 or 令和8年11月30日")


class FormErrors(dict[str, str]):
    """field name -> message (an English msgid: templates translate it with `_()`)."""

    def check(self, field: str, read: object, *args: object) -> object:
        """`read(*args)`, or None with the error recorded beside `field`."""
        try:
            return read(*args)  # type: ignore[operator]
        except InvalidInput as error:
            self[field] = error.message
            return None

    def optional_date(self, field: str, text: str) -> date | None:
        """A date field that may be left empty: None when empty or unreadable (then the
        error is recorded beside `field`)."""
        if not text.strip():
            return None
        try:
            return parse_date(text)
        except InvalidInput:
            self[field] = "Not a date: e.g. 2026-11-30 or 令和8年11月30日"
            return None
