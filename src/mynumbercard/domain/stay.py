"""A foreign resident's periods of stay, and which of them bounds a card.

A card of a resident with a limited stay is valid to the end of the stay at issue; when
the stay is extended, the card is extended too only if the holder applies at the office
(docs/rules.md). So each card is bounded by its own stay: the latest one its validity was
extended to, or, if it never was, the one in force on its issue date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Stay:
    until: date  # the last day of the period of stay
    granted_on: date  # registered with it, or the day the extension was granted
    card_id: int | None = None  # the card whose validity was extended to it
    card_extended_on: date | None = None


def stay_bounding_card(stays: Iterable[Stay], *, card_id: int, issued_on: date
                       ) -> date | None:
    """The end of the stay that bounds the card, or None when no stay is recorded for it
    (a card older than the record of stays)."""
    extended = [s for s in stays if s.card_id == card_id and s.card_extended_on is not None]
    if extended:
        return max(extended, key=lambda s: (s.card_extended_on, s.until)).until
    at_issue = [s for s in stays if s.granted_on <= issued_on]
    if at_issue:
        return max(at_issue, key=lambda s: (s.granted_on, s.until)).until
    return None
