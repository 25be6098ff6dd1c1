"""The application ID (申請書ID): 22 random digits and a Damm check digit.

Printed on the application form with its QR code and used as the key of an online
application, so it must be unguessable: the 22 digits come from the random source the
caller passes (``random.SystemRandom()`` in production, about 73 bits). The Damm check
digit catches every single-digit error and every transposition of adjacent digits, so a
mistyped ID is refused before any look-up.
"""

from __future__ import annotations

import random
import re

from mynumbercard.domain.errors import InvalidApplicationId

APPLICATION_ID_LENGTH = 23
_GROUPS = (4, 4, 4, 4, 4, 3)  # as printed: 1234-5678-9012-3456-7890-123

# Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# Digits, optionally grouped by single spaces or hyphens between groups.
_GROUPED_DIGITS = re.compile(r"[0-9]+(?:[ -][0-9]+)*")


def damm_interim(digits: str) -> int:
    """The Damm interim digit of ``digits`` (ASCII digits): 0 when they carry a valid check."""
    interim = 0
    for char in digits:
        interim = _DAMM[interim][ord(char) - 48]
    return interim


def generate(rng: random.Random) -> str:
    """A new application ID: 22 random digits, then the Damm check digit."""
    body = f"{rng.randrange(10 ** (APPLICATION_ID_LENGTH - 1)):0{APPLICATION_ID_LENGTH - 1}d}"
    return body + str(damm_interim(body))


def parse(text: str) -> str:
    """The 23 digits of an application ID as typed (spaces or hyphens between groups are
    allowed, surrounding whitespace ignored); raise ``InvalidApplicationId`` otherwise.

    The message never repeats the ID: it is the key of an application.
    """
    stripped = text.strip()
    if not _GROUPED_DIGITS.fullmatch(stripped):
        raise InvalidApplicationId(
            "an application ID has only the digits 0-9, optionally grouped by spaces or hyphens"
        )
    digits = stripped.replace(" ", "").replace("-", "")
    if len(digits) != APPLICATION_ID_LENGTH:
        raise InvalidApplicationId(
            f"an application ID has {APPLICATION_ID_LENGTH} digits, got {len(digits)}"
        )
    if damm_interim(digits) != 0:
        raise InvalidApplicationId(
            "the application ID fails its check digit: a digit is mistyped or two are swapped"
        )
    return digits


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidApplicationId:
        return False
    return True


def printed_form(application_id: str) -> str:
    """The ID as printed on the form, in groups of 4-4-4-4-4-3 joined by hyphens."""
    digits = parse(application_id)
    groups: list[str] = []
    start = 0
    for size in _GROUPS:
        groups.append(digits[start : start + size])
        start += size
    return "-".join(groups)
