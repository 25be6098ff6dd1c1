"""The Individual Number (個人番号): 11 digits and a check digit.

The check digit is the one of the Cabinet Order for the My Number Act, art. 8. Numbers
are drawn at random (never derived from personal data); the caller passes the random
source, ``random.SystemRandom()`` in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mynumbercard.domain.errors import InvalidIndividualNumber

LENGTH = 12

# The notification card (通知カード) was abolished on 2020-05-25 (Act No. 16 of 2019); from
# that day a newly assigned number is told by the Individual Number notice (個人番号通知書).
NOTIFICATION_CARDS_DISCONTINUED_ON: date = date(2020, 5, 25)


class NoticeKind(StrEnum):
    NOTIFICATION_CARD = "notification_card"
    INDIVIDUAL_NUMBER_NOTICE = "individual_number_notice"


def notice_kind_for(assigned_on: date) -> NoticeKind:
    """The document that tells a resident a number assigned on ``assigned_on``."""
    if assigned_on < NOTIFICATION_CARDS_DISCONTINUED_ON:
        return NoticeKind.NOTIFICATION_CARD
    return NoticeKind.INDIVIDUAL_NUMBER_NOTICE


def _first_non_digit(text: str) -> int | None:
    """Index of the first character that is not an ASCII digit (full-width digits are not)."""
    for index, char in enumerate(text):
        if not "0" <= char <= "9":
            return index
    return None


# Weights of the 11 digits read from the left: Q(n) for n = 11 .. 1, with n counted from
# the right, Q(n) = n + 1 for n <= 6 and n - 5 for n >= 7.
_WEIGHTS = tuple(n + 1 if n <= 6 else n - 5 for n in range(11, 0, -1))


def check_digit(first11: str) -> int:
    """The check digit of the first 11 digits (Cabinet Order art. 8).

    r = sum of P(n) * Q(n) mod 11; the check digit is 0 when r <= 1, else 11 - r.
    """
    position = _first_non_digit(first11)
    if position is not None:
        raise InvalidIndividualNumber(
            "non_digit",
            f"only the digits 0-9 can form an Individual Number: "
            f"{first11[position]!r} at position {position + 1}",
        )
    if len(first11) != LENGTH - 1:
        raise InvalidIndividualNumber(
            "length", f"the check digit is computed over 11 digits, got {len(first11)}"
        )
    remainder = sum(int(d) * w for d, w in zip(first11, _WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


@dataclass(frozen=True, slots=True)
class NumberCheck:
    number: str
    valid: bool
    reason: str | None  # None, "non_digit", "length" or "check_digit"
    message: str


def check(number: str) -> NumberCheck:
    """Is ``number`` a valid Individual Number, and if not, why.

    One reason only, the first that applies: ``non_digit`` (any character but 0-9,
    including spaces and full-width digits), then ``length``, then ``check_digit``.
    """
    position = _first_non_digit(number)
    if position is not None:
        return NumberCheck(
            number,
            False,
            "non_digit",
            f"only the digits 0-9 can form an Individual Number: "
            f"{number[position]!r} at position {position + 1}",
        )
    if len(number) != LENGTH:
        return NumberCheck(
            number,
            False,
            "length",
            f"an Individual Number has {LENGTH} digits, got {len(number)}",
        )
    expected = check_digit(number[:-1])
    if int(number[-1]) != expected:
        return NumberCheck(
            number,
            False,
            "check_digit",
            f"wrong check digit: expected {expected}, got {number[-1]}",
        )
    return NumberCheck(number, True, None, "valid")


def parse(number: str) -> str:
    """Return ``number`` if it is valid; raise ``InvalidIndividualNumber`` otherwise."""
    result = check(number)
    if result.reason is not None:
        raise InvalidIndividualNumber(result.reason, result.message)
    return number


def generate(rng: random.Random) -> str:
    """A random valid number: 11 uniformly random digits and their check digit.

    Whether it is unused is for the caller (the register) to ensure.
    """
    first11 = f"{rng.randrange(10**11):011d}"
    return first11 + str(check_digit(first11))
