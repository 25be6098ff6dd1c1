"""What the operators' console reads beside the use cases' own ports: production runs
and shipments, the outgoing mail's backlog by day, the certificates' status changes and
the last CRL of each shard. Read-only rows; ids and card numbers, never a name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ProductionRunRow:
    id: int
    produced_on: date
    cards: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunCard:
    """A card a production run made, and for whom (the application and the resident)."""

    card_number: str
    card_status: str
    application_ref: int
    application_status: str
    resident_id: int
    shipment_id: int | None
    office_code: str | None


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    id: int
    municipality_code: str
    office_name: str  # prefecture and municipality
    cards: int
    shipped_at: datetime
    received_at: datetime | None
    received_by: str | None


@dataclass(frozen=True, slots=True)
class BacklogDay:
    """Queued letters of one expiry day (`due_on`) and kind."""

    due_on: date
    kind: str
    letters: int


@dataclass(frozen=True, slots=True)
class CertificateChange:
    """A certificate's status change (`certificate_events`): suspended (a hold),
    released (the hold lifted), revoked."""

    id: int
    at: datetime
    event: str  # suspended | released | revoked
    reason: str | None
    actor: str
    kind: str  # sign | auth
    serial: str
    card_number: str


@dataclass(frozen=True, slots=True)
class CrlRow:
    kind: str
    shard: int
    number: int  # the last CRL's number (full or delta)
    base_number: int  # the last full CRL's
    base_this_update: datetime


class ConsoleViews(Protocol):
    def production_runs(self, *, limit: int, before_id: int | None) -> Sequence[ProductionRunRow]:
        """Newest first."""
        ...
    def production_run(self, run_id: int) -> ProductionRunRow | None: ...
    def run_cards(self, run_id: int, *, limit: int) -> Sequence[RunCard]: ...
    def shipments(self, *, run_id: int | None, unreceived: bool, shipped_before: datetime | None,
                  limit: int) -> Sequence[ShipmentRow]:
        """Newest first; a run's, or those not received (shipped before a moment: oldest
        first)."""
        ...
    def mail_backlog(self, *, limit: int) -> Sequence[BacklogDay]:
        """Queued letters by expiry day and kind, oldest day first."""
        ...
    def certificate_changes(self, *, events: Sequence[str], since: datetime | None,
                            before_id: int | None, limit: int) -> Sequence[CertificateChange]:
        """Newest first; only `events`."""
        ...
    def crls(self) -> Sequence[CrlRow]: ...


@dataclass(frozen=True, slots=True)
class CaCertificate:
    """A certificate of the CA (public: no key), as the console shows it."""

    role: str  # root | sign | auth | sign-ocsp | auth-ocsp
    subject: str
    serial: str  # hex
    not_before: datetime
    not_after: datetime


class CaCertificates(Protocol):
    def public_certificates(self) -> Sequence[CaCertificate]:
        """The root, the issuing CAs and the OCSP signers in force (certificates only)."""
        ...
