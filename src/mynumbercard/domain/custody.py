"""The crowded-period hand-off: a card left at the office for certificate renewal and
returned by restricted-delivery post (本人限定受取郵便).

One table of allowed transitions (ALLOWED_TRANSITIONS, drawn in docs/renewal.md); each
change is a verb that records an event:

    left_at_office -> renewed -> mailed -> delivered
    left_at_office -> cancelled;  renewed -> collected_at_office
    mailed -> returned_undelivered -> mailed (again) | collected_at_office
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput, InvalidTransition
from mynumbercard.domain.pickup import IdDocument, check_holder_documents


class CustodyStatus(StrEnum):
    LEFT_AT_OFFICE = "left_at_office"
    RENEWED = "renewed"
    MAILED = "mailed"
    DELIVERED = "delivered"
    RETURNED_UNDELIVERED = "returned_undelivered"
    COLLECTED_AT_OFFICE = "collected_at_office"
    CANCELLED = "cancelled"


C = CustodyStatus
ALLOWED_TRANSITIONS: dict[CustodyStatus, frozenset[CustodyStatus]] = {
    C.LEFT_AT_OFFICE: frozenset({C.RENEWED, C.CANCELLED}),
    C.RENEWED: frozenset({C.MAILED, C.COLLECTED_AT_OFFICE}),
    C.MAILED: frozenset({C.DELIVERED, C.RETURNED_UNDELIVERED}),
    C.RETURNED_UNDELIVERED: frozenset({C.MAILED, C.COLLECTED_AT_OFFICE}),
    C.DELIVERED: frozenset(),
    C.COLLECTED_AT_OFFICE: frozenset(),
    C.CANCELLED: frozenset(),
}
# The card is at the office (or in the post), not in the holder's hands.
IN_CUSTODY = frozenset({C.LEFT_AT_OFFICE, C.RENEWED, C.MAILED, C.RETURNED_UNDELIVERED})
# Where the card physically is: the office's safe, or the post.
AT_OFFICE = frozenset({C.LEFT_AT_OFFICE, C.RENEWED, C.RETURNED_UNDELIVERED})

MAX_TRACKING_NUMBER = 32


def check_transition(current: CustodyStatus, new: CustodyStatus) -> None:
    if new not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(f"a card that is {current.value} cannot become {new.value}")


def check_drop_off_identity(*, documents: Collection[IdDocument], birth_date: date, on: date,
                            legal_representative_present: bool) -> None:
    """The holder leaving the card: the card plus one photo ID from group A or two
    different documents from group B (the pick-up lists, `domain/pickup.py`); a holder
    under 15 comes with the legal representative. No proxy: the card is returned by
    post to the holder only."""
    check_holder_documents(documents=documents, birth_date=birth_date, on=on,
                           legal_representative_present=legal_representative_present)


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    from_status: CustodyStatus | None
    to_status: CustodyStatus
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewCustody:
    """A card being left at the office, not stored yet: `CustodyRepository.add` returns
    the `Custody` (with its id, and the event of its leaving)."""

    card_id: int
    resident_id: int
    office_code: str
    kinds: frozenset[CertKind]
    left_on: date

    def stored(self, custody_id: int) -> Custody:
        custody = Custody(id=custody_id, card_id=self.card_id, resident_id=self.resident_id,
                          office_code=self.office_code, kinds=self.kinds,
                          left_on=self.left_on)
        custody.events.append(CustodyEvent(None, C.LEFT_AT_OFFICE,
                                           {"kinds": sorted(k.value for k in self.kinds)}))
        return custody


@dataclass(slots=True)
class Custody:
    """A card left at the office for renewal (stored: it has its id)."""

    id: int
    card_id: int
    resident_id: int
    office_code: str  # the municipality whose office holds the card
    kinds: frozenset[CertKind]  # the certificates to renew
    left_on: date
    status: CustodyStatus = C.LEFT_AT_OFFICE
    tracking_number: str | None = None  # the restricted-delivery item's number
    mailings: int = 0
    version: int = 0
    events: list[CustodyEvent] = field(default_factory=list)

    @staticmethod
    def leave(*, card_id: int, resident_id: int, office_code: str,
              kinds: frozenset[CertKind], left_on: date) -> NewCustody:
        if not kinds:
            raise InvalidInput("say which certificates to renew")
        return NewCustody(card_id=card_id, resident_id=resident_id, office_code=office_code,
                          kinds=kinds, left_on=left_on)

    def _go(self, to: CustodyStatus, **details: Any) -> None:
        check_transition(self.status, to)
        self.events.append(CustodyEvent(self.status, to, details))
        self.status = to

    def renew(self, *, serials: Collection[str]) -> None:
        self._go(C.RENEWED, serials=sorted(serials))

    def mail(self, *, tracking_number: str) -> None:
        number = tracking_number.strip()
        if not number or len(number) > MAX_TRACKING_NUMBER or not number.isascii():
            raise InvalidInput("the restricted-delivery item number is 1 to "
                               f"{MAX_TRACKING_NUMBER} ASCII characters")
        self._go(C.MAILED, tracking_number=number)
        self.tracking_number = number
        self.mailings += 1

    def deliver(self) -> None:
        self._go(C.DELIVERED)

    def return_undelivered(self, *, reason: str) -> None:
        self._go(C.RETURNED_UNDELIVERED, reason=reason[:200])

    def collect(self) -> None:
        self._go(C.COLLECTED_AT_OFFICE)

    def cancel(self, *, reason: str) -> None:
        self._go(C.CANCELLED, reason=reason[:200])

    @property
    def in_custody(self) -> bool:
        return self.status in IN_CUSTODY
