"""What the renewal use cases need from the database: cards left at the office for
certificate renewal (the custody hand-off)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mynumbercard.domain.custody import Custody, CustodyStatus, NewCustody


@dataclass(frozen=True, slots=True)
class CustodyHistoryEntry:
    at: datetime
    actor: str
    from_status: CustodyStatus | None
    to_status: CustodyStatus
    details: dict[str, Any]


class CustodyRepository(Protocol):
    def add(self, custody: NewCustody, *, actor: str, now: datetime) -> Custody:
        """Conflict if the card is already in custody (a partial unique index)."""
        ...
    def get(self, custody_id: int) -> Custody: ...
    def open_for_card(self, card_id: int) -> Custody | None: ...
    def waiting(self, status: CustodyStatus, *, office_code: str | None, after_id: int,
                limit: int) -> Sequence[Custody]:
        """Custodies in `status`, by id (keyset paging), optionally of one office."""
        ...
    def save(self, custody: Custody, *, actor: str, now: datetime) -> None:
        """Write the status and its events; Conflict if it changed meanwhile."""
        ...
    def history(self, custody_id: int) -> Sequence[CustodyHistoryEntry]: ...
