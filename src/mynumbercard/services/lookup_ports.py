"""The port of staff look-ups: residents by name or address, the review queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from mynumbercard.domain.application import Application, ApplicationStatus, Channel
from mynumbercard.domain.resident import Resident

# From shipping on, an application's municipality is its office (where the card went,
# moved along when the holder moves between wards); before, the holder's municipality.
AT_AN_OFFICE = frozenset({ApplicationStatus.SHIPPED, ApplicationStatus.READY_FOR_PICK_UP,
                          ApplicationStatus.HANDED_OVER})


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which applications a queue page holds; ``after`` is the last (received_on, id) seen."""

    status: ApplicationStatus
    channel: Channel | None = None
    municipality_code: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    after: tuple[date, int] | None = None


class Lookups(Protocol):
    def residents_by_name(self, key: str, *, birth_date: date, municipality_code: str | None,
                          limit: int) -> Sequence[Resident]: ...

    def residents_by_address(self, postal_code: str, key: str, *,
                             municipality_code: str | None, limit: int,
                             after_id: int = 0) -> Sequence[Resident]: ...

    def application_queue(self, wanted: QueueFilter, *, limit: int
                          ) -> Sequence[Application]: ...
