"""When the certificates on a card may be renewed at the counter (rules.md, Windows).

Renewal opens 3 months before the certificate's expiry (the same day of the month, or
that month's last day when it is shorter: `renewal_opens_on`), is free, and stays
possible after expiry. Where the card holds no valid certificate of a kind (revoked after
a move, expired, never issued), a new one may be issued at any time. The card itself must
be active and not expired: a certificate never outlives its card.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.validity import renewal_opens_on


class RenewalNotOpen(Conflict):
    """A still-valid certificate before its renewal window."""

    code = "renewal_not_open"

    def __init__(self, *, expires_on: date, opens_on: date) -> None:
        super().__init__(f"the certificate is valid until {expires_on}; its renewal opens "
                         f"on {opens_on}")
        self.expires_on, self.opens_on = expires_on, opens_on


class CardNotUsable(Conflict):
    """No certificate goes onto an expired, lost or returned card."""

    code = "card_not_usable"


def certificate_renewal_open(*, valid_until: date | None, today: date) -> bool:
    """May a certificate valid through `valid_until` (None: no valid certificate of that
    kind) be replaced today?"""
    return valid_until is None or today >= renewal_opens_on(valid_until)


def check_certificate_renewal(*, card_status: CardStatus, card_expires_on: date,
                              valid_until: Iterable[date], today: date) -> None:
    """Raise unless new certificates may go onto this card today.

    `valid_until` holds the expiry day of each still-valid certificate being replaced;
    the earliest window decides nothing: every one of them must be in its window.
    """
    if card_status is not CardStatus.ACTIVE:
        raise CardNotUsable(f"the card is {card_status.value}: no certificates can go on it")
    if today > card_expires_on:
        raise CardNotUsable(f"the card expired on {card_expires_on}: apply for a new card "
                            "(its certificates are issued at pick-up)")
    for expires_on in sorted(set(valid_until)):
        if not certificate_renewal_open(valid_until=expires_on, today=today):
            raise RenewalNotOpen(expires_on=expires_on, opens_on=renewal_opens_on(expires_on))
