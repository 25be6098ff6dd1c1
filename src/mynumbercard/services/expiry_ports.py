"""What the expiry job (`expiry.py`) needs: the ledger of expiry passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import Certificate


class ExpiryLedger(Protocol):
    """Which cards and certificates the expiry job has seen pass their date."""

    def cards_due(self, *, first: date, last: date, after_id: int,
                  limit: int) -> Sequence[Card]:
        """Cards whose last valid day is in [first, last], by id."""
        ...
    def certificates_due(self, *, start: datetime, end: datetime, after_id: int,
                         limit: int) -> Sequence[Certificate]:
        """Certificates with start <= notAfter < end, by id."""
        ...
    def record(self, subject: str, passages: Mapping[int, date], *,
               now: datetime) -> set[int]:
        """Record the passage of those not recorded yet; returns the newly recorded ids."""
        ...
