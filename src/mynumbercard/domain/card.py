"""The card itself (its chip holds the certificates): statuses and verbs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mynumbercard.domain.certificate import LifeEvent
from mynumbercard.domain.errors import InvalidTransition


class CardStatus(StrEnum):
    PRODUCED = "produced"  # made, on its way to or waiting at the office
    DESTROYED = "destroyed"  # never handed over: voided or uncollected
    ACTIVE = "active"
    LOST = "lost"  # reported lost: certificates suspended (found again: active)
    RETURNED = "returned"  # handed back (renewal, death, loss of residence)
    INVALIDATED = "invalidated"  # found after a loss report, or replaced
    LAPSED = "lapsed"  # 失効: the holder died or left the register, or a move's limit passed


ALLOWED_TRANSITIONS: dict[CardStatus, frozenset[CardStatus]] = {
    CardStatus.PRODUCED: frozenset({CardStatus.ACTIVE, CardStatus.DESTROYED}),
    CardStatus.DESTROYED: frozenset(),
    CardStatus.ACTIVE: frozenset({CardStatus.LOST, CardStatus.RETURNED, CardStatus.INVALIDATED,
                                  CardStatus.LAPSED}),
    CardStatus.LOST: frozenset({CardStatus.ACTIVE, CardStatus.INVALIDATED, CardStatus.RETURNED,
                                CardStatus.LAPSED}),
    CardStatus.RETURNED: frozenset(),
    CardStatus.INVALIDATED: frozenset(),
    CardStatus.LAPSED: frozenset(),
}

# What happens to the card's certificates when the card changes so.
CERTIFICATE_EVENT: dict[CardStatus, LifeEvent] = {
    CardStatus.LOST: LifeEvent.CARD_LOST,
    CardStatus.RETURNED: LifeEvent.CARD_RETURNED,
    CardStatus.INVALIDATED: LifeEvent.CARD_FOUND,
    CardStatus.LAPSED: LifeEvent.CARD_RETURNED,  # both revoked (cessationOfOperation)
}

# A card that can still lapse: handed over and not yet returned, replaced or lapsed.
IN_HOLDERS_HANDS = frozenset({CardStatus.ACTIVE, CardStatus.LOST})


@dataclass(frozen=True, slots=True)
class NewCard:
    """A card not stored yet: it has no id; `CardRepository.add` returns the `Card`."""

    card_number: str
    resident_id: int
    issued_on: date
    expires_on: date
    status: CardStatus = CardStatus.ACTIVE
    applied_on: date | None = None  # the day the application was received

    def stored(self, card_id: int) -> Card:
        return Card(id=card_id, card_number=self.card_number, resident_id=self.resident_id,
                    issued_on=self.issued_on, expires_on=self.expires_on, status=self.status,
                    applied_on=self.applied_on)


@dataclass(slots=True)
class Card:
    """A stored card (it has its id)."""

    id: int
    card_number: str
    resident_id: int
    issued_on: date
    expires_on: date
    status: CardStatus = CardStatus.ACTIVE
    applied_on: date | None = None  # the day the application was received
    version: int = 0

    def change_status(self, new: CardStatus) -> LifeEvent | None:
        """The new status, and what it means for the card's certificates (if any)."""
        if new not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(f"a {self.status.value} card cannot become {new.value}")
        self.status = new
        return CERTIFICATE_EVENT.get(new)

    def is_valid_on(self, day: date) -> bool:
        return self.status is CardStatus.ACTIVE and day <= self.expires_on
