"""The bounds of input: ids, dates a person's life can hold, the characters of a name.

Pure functions, checked at the edges (the API's models, the CLI) before anything is
looked up or stored. Each raises `InvalidInput` (or `InvalidDates`) with a message that
names the field and never repeats the value (it may be personal data).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

from mynumbercard.domain.errors import InvalidDates, InvalidInput

# Ids are BIGINT keys: 1 ≤ id < 2^63.
MIN_ID = 1
MAX_ID = 2**63 - 1

# Nobody alive or recently dead on the register was born before this (the oldest person
# ever documented was born in 1875; a margin keeps old records of the dead enterable).
EARLIEST_BIRTH = date(1880, 1, 1)

# Events are recorded on or after the day they happen; this margin absorbs a clock a day
# off and the day boundary between time zones, nothing more.
EVENT_MARGIN = timedelta(days=1)

# A card's number as stored: the chip's id, 1-32 ASCII letters, digits and hyphens (the
# cards this system produces have 16 upper-case hexadecimal digits).
CARD_NUMBER_PATTERN = r"[0-9A-Za-z-]{1,32}"

# The latest date the API takes: far past any real use, and far from the calendar's end
# (a card issued in 9999 would expire in 10009).
LATEST_RULE_DATE = date(9000, 12, 31)


def check_id(value: int, *, field: str) -> int:
    if not MIN_ID <= value <= MAX_ID:
        raise InvalidInput(f"{field}: an id is a whole number from 1 to 2^63 - 1")
    return value


def check_birth_date(birth_date: date, *, today: date, field: str = "birth_date") -> date:
    """Not in the future, not before 1880."""
    if birth_date > today:
        raise InvalidDates(f"{field}: a birth date cannot be in the future")
    if birth_date < EARLIEST_BIRTH:
        raise InvalidDates(f"{field}: a birth date before {EARLIEST_BIRTH} is not credible")
    return birth_date


def check_event_date(on: date, *, today: date, birth_date: date | None = None,
                     field: str) -> date:
    """A life event (registration, move, death, emigration): not before 1880 nor the
    birth, and not after today (plus a day's margin for clocks and time zones)."""
    if on < EARLIEST_BIRTH:
        raise InvalidDates(f"{field}: a date before {EARLIEST_BIRTH} is not credible")
    if birth_date is not None and on < birth_date:
        raise InvalidDates(f"{field}: the date is before the birth date")
    if on > today + EVENT_MARGIN:
        raise InvalidDates(f"{field}: the date is in the future")
    return on


# -- names ---------------------------------------------------------------------------

_SPACES = frozenset(" \u3000")  # an ASCII space and the ideographic space
_NAME_PUNCTUATION = frozenset("・･-‐－'’.,()（）")  # middle dots, hyphens, apostrophes
_KANA_MARKS = frozenset("ー・･゛゜ヽヾゝゞ")  # long vowel mark, middle dot, iteration marks
_ADDRESS_PUNCTUATION = _NAME_PUNCTUATION | frozenset("ー－/／#＃&＆")
_DIGITS = frozenset("0123456789０１２３４５６７８９")
_LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc"})
_CJK_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "LATIN", "IDEOGRAPHIC", "HALFWIDTH KATAKANA",
                "FULLWIDTH LATIN")


def _is_kana(char: str) -> bool:
    code = ord(char)
    return (
        0x3041 <= code <= 0x3096  # hiragana
        or 0x30A1 <= code <= 0x30FA  # katakana
        or 0x31F0 <= code <= 0x31FF  # small katakana extensions
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana and sound marks
        or char in _KANA_MARKS
    )


def _is_name_letter(char: str) -> bool:
    """A letter of a script names on the register are written in: kanji, kana, Latin
    (with accents), and the letters foreign residents' names are spelled with."""
    if unicodedata.category(char) not in _LETTER_CATEGORIES:
        return False
    name = unicodedata.name(char, "")
    return name.startswith(_CJK_SCRIPTS) or _is_kana(char) or name.split(" ")[0] in {
        "GREEK", "CYRILLIC", "HANGUL", "COMBINING"}


def _refuse(char: str, index: int, field: str, what: str) -> InvalidInput:
    code = f"U+{ord(char):04X}"
    kind = unicodedata.category(char)
    if kind in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
        return InvalidInput(f"{field}: control or format character {code} at position "
                            f"{index + 1} is not allowed")
    return InvalidInput(f"{field}: {what}; character {code} at position {index + 1} is not")


def _check_text(text: str, *, field: str, allowed: Callable[[str], bool], what: str,
                limit: int) -> str:
    if not text or text != text.strip(" \u3000"):
        raise InvalidInput(f"{field}: must not be empty nor start or end with a space")
    if len(text) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters")
    for index, char in enumerate(text):
        if not allowed(char):
            raise _refuse(char, index, field, what)
    return text


def check_name(text: str, *, field: str = "name", limit: int = 40) -> str:
    """A family or given name: letters (kanji, kana, Latin and the other scripts of
    foreign residents' names), spaces, middle dots, hyphens, apostrophes."""
    return _check_text(
        text, field=field, limit=limit,
        allowed=lambda c: _is_name_letter(c) or c in _SPACES or c in _NAME_PUNCTUATION,
        what="a name holds letters, spaces, middle dots, hyphens and apostrophes")


def check_kana(text: str, *, field: str = "kana", limit: int = 80) -> str:
    """A name's reading: katakana or hiragana, the long vowel mark, middle dots, spaces."""
    return _check_text(
        text, field=field, limit=limit,
        allowed=lambda c: _is_kana(c) or c in _SPACES,
        what="a reading holds katakana, hiragana, the long vowel mark and spaces")


def check_address(text: str, *, field: str = "address", limit: int = 200) -> str:
    """The address after the municipality: letters, digits, spaces, and the punctuation
    of block and building numbers."""
    return _check_text(
        text, field=field, limit=limit,
        allowed=lambda c: (_is_name_letter(c) or c in _SPACES or c in _ADDRESS_PUNCTUATION
                           or c in _DIGITS),
        what="an address holds letters, digits, spaces and -/#&")


_NEVER_IN_TEXT = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def check_text(text: str, *, field: str, limit: int, multiline: bool = False) -> str:
    """Free text (a reason, a message to the applicant, a tracking number): any printable
    character, and line breaks and tabs where `multiline`; never a control, format or
    bidi character (a NUL, which PostgreSQL cannot store, or an override that makes a
    log or a letter read otherwise than written)."""
    if len(text) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters")
    for index, char in enumerate(text):
        if multiline and char in "\n\t":
            continue
        if unicodedata.category(char) in _NEVER_IN_TEXT:
            raise _refuse(char, index, field, "")
    return text
