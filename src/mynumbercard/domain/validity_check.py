"""The wrong-validity check: recompute a card's or certificate's expiry from the rules and
the stored dates, and name the cause of a difference.

The seed's incident: re-issued cards whose validity was set one year too long. The check
looks for that and for the other ways an expiry goes wrong: the minor's 5-year rule
applied the wrong way (the 20 → 18 switch of 2022-04-01), a 29 February birthday counted
as 1 March, a certificate running past its card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mynumbercard.domain.dates import deemed_birthday, nth_birthday_after
from mynumbercard.domain.validity import card_expiry, certificate_expiry


class Cause(StrEnum):
    ONE_YEAR_TOO_LONG = "one_year_too_long"  # the seed's incident
    ONE_YEAR_TOO_SHORT = "one_year_too_short"
    MINOR_RULE = "minor_rule"  # 5 and 10 years swapped (the age of majority)
    LEAP_DAY = "leap_day"  # a 29 February birthday counted another way
    PAST_CARD = "past_card"  # a certificate valid beyond its card
    INCONSISTENT_DATES = "inconsistent_dates"  # the stored dates contradict each other
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Difference:
    stored: date
    correct: date
    cause: Cause


def _same_birthday_a_year_apart(a: date, b: date, birth_date: date) -> bool:
    return a == deemed_birthday(birth_date, b.year + 1)


def classify(*, stored: date, correct: date, birth_date: date,
             other_rule: date | None = None) -> Cause:
    """Why `stored` differs from `correct` (which it does)."""
    if _same_birthday_a_year_apart(stored, correct, birth_date):
        return Cause.ONE_YEAR_TOO_LONG
    if _same_birthday_a_year_apart(correct, stored, birth_date):
        return Cause.ONE_YEAR_TOO_SHORT
    if other_rule is not None and stored == other_rule:
        return Cause.MINOR_RULE
    if (birth_date.month, birth_date.day) == (2, 29) and abs((stored - correct).days) <= 1:
        return Cause.LEAP_DAY
    return Cause.OTHER


def check_card(*, birth_date: date, applied_on: date, issued_on: date, stored: date,
               residence_until: date | None = None, stay_bound: date | None = None
               ) -> Difference | None:
    """The card's difference from the rules, or None.

    For a foreign resident with a limited stay the card is judged against the stay that
    bounds it (`stay_bound`: the one in force at issue, or the one its validity was last
    extended to; domain/stay.py). A card older than the record of stays has none: it is
    held only to the birthday rule's upper bound (a later date is a difference, an earlier
    one is not)."""
    if residence_until is not None and stay_bound is not None:
        correct = card_expiry(birth_date=birth_date, applied_on=applied_on,
                              issued_on=issued_on, residence_until=stay_bound)
        if stored == correct:
            return None
    elif residence_until is not None:
        bound = card_expiry(birth_date=birth_date, applied_on=applied_on, issued_on=issued_on)
        if issued_on <= stored <= bound:
            return None
        correct = min(bound, residence_until) if stored > bound else bound
    else:
        correct = card_expiry(birth_date=birth_date, applied_on=applied_on,
                              issued_on=issued_on)
        if stored == correct:
            return None
    other = _other_rule(birth_date=birth_date, issued_on=issued_on, correct=correct)
    return Difference(stored, correct, classify(stored=stored, correct=correct,
                                                birth_date=birth_date, other_rule=other))


def _other_rule(*, birth_date: date, issued_on: date, correct: date) -> date:
    """The expiry the other age rule gives (5 birthdays for 10, or 10 for 5)."""
    five = nth_birthday_after(birth_date, issued_on, 5)
    return nth_birthday_after(birth_date, issued_on, 10) if correct == five else five


def check_certificate(*, birth_date: date, certificate_issued_on: date, stored: date,
                      card_expires_on: date) -> Difference | None:
    """A certificate's difference from the rules (its card's correct expiry given)."""
    correct = certificate_expiry(birth_date=birth_date,
                                 certificate_issued_on=certificate_issued_on,
                                 card_expires_on=card_expires_on)
    if stored == correct:
        return None
    if stored > card_expires_on:
        return Difference(stored, correct, Cause.PAST_CARD)
    return Difference(stored, correct, classify(stored=stored, correct=correct,
                                                birth_date=birth_date))
