"""What production and shipping (`issuance.py`) need: runs, shipments, the work queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.application import Application, ApplicationStatus
from mynumbercard.services.application_ports import Applications, IdSpan


@dataclass(frozen=True, slots=True)
class Shipment:
    id: int
    municipality_code: str
    cards: int
    shipped_at: datetime
    received_at: datetime | None


class ProductionLine(Applications, Protocol):
    """The applications, with the runs and shipments that carry them to the offices."""

    def claim(self, status: ApplicationStatus, *, limit: int,
              within: IdSpan | None = None) -> Sequence[Application]:
        """Oldest first (ids in `within`, a batch job's chunk), locked for this
        transaction; rows another worker holds are skipped (FOR UPDATE SKIP LOCKED on
        PostgreSQL)."""
        ...
    def ids(self, status: ApplicationStatus) -> Sequence[int]:
        """The ids of the applications in `status`, ascending: a batch job's plan."""
        ...
    def add_run(self, *, produced_on: date, cards: int, now: datetime) -> int: ...
    def add_shipment(self, *, municipality_code: str, cards: int, now: datetime) -> int: ...
    def shipment(self, shipment_id: int) -> Shipment: ...
    def receive_shipment(self, shipment_id: int, *, actor: str, now: datetime) -> None:
        """Record the arrival once; Conflict if it was recorded already."""
        ...
    def of_shipment(self, shipment_id: int) -> Sequence[Application]: ...
