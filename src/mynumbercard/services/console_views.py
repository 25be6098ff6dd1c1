"""The operators' console's read use cases: production runs and their shipments, the
shipments no office has confirmed, the outgoing mail's backlog, the certificates' status
changes (revocations and holds) and the CA's public side. Each authorises the actor
before it reads, as the use cases it watches do (production, mail:read,
certificate:revoke); nothing here changes anything, so nothing is audited."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.console_ports import (
    BacklogDay,
    CaCertificate,
    CaCertificates,
    CertificateChange,
    ConsoleViews,
    CrlRow,
    ProductionRunRow,
    RunCard,
    ShipmentRow,
)
from mynumbercard.services.ports import Transaction

PAGE = 50
RUN_CARDS = 1000  # a run is one chunk: at most the jobs' chunk rows (500 by default)
BACKLOG_DAYS = 60
# An office confirms a shipment's arrival (`applications receive`) the day it comes; the
# post takes up to two days, so a shipment not confirmed after this long is overdue.
RECEIPT_EXPECTED = timedelta(days=3)


class ConsoleUnit(Transaction, Protocol):
    @property
    def console(self) -> ConsoleViews: ...


UowFactory = Callable[[], ConsoleUnit]


def _page(limit: int) -> int:
    return max(1, min(limit, PAGE))


def production_runs(uow_factory: UowFactory, *, actor: Actor, before_id: int | None = None,
                    limit: int = PAGE) -> Sequence[ProductionRunRow]:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        return uow.console.production_runs(limit=_page(limit), before_id=before_id)


@dataclass(frozen=True, slots=True)
class RunDetail:
    run: ProductionRunRow
    cards: tuple[RunCard, ...]  # made, and for whom (ids, never a name)
    shipments: tuple[ShipmentRow, ...]  # that carried them, with their offices


def production_run(uow_factory: UowFactory, *, actor: Actor, run_id: int) -> RunDetail:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        run = uow.console.production_run(run_id)
        if run is None:
            raise NotFound(f"no production run {run_id}")
        return RunDetail(run, tuple(uow.console.run_cards(run_id, limit=RUN_CARDS)),
                         tuple(uow.console.shipments(run_id=run_id, unreceived=False,
                                                     shipped_before=None, limit=RUN_CARDS)))


def shipments(uow_factory: UowFactory, *, actor: Actor, limit: int = PAGE
              ) -> Sequence[ShipmentRow]:
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        return uow.console.shipments(run_id=None, unreceived=False, shipped_before=None,
                                     limit=_page(limit))


@dataclass(frozen=True, slots=True)
class Overdue:
    shipment: ShipmentRow
    overdue: timedelta  # since the receipt was expected


def overdue_receipts(uow_factory: UowFactory, *, actor: Actor, now: datetime,
                     limit: int = 200) -> list[Overdue]:
    """The shipments no office has confirmed `RECEIPT_EXPECTED` after shipping, oldest
    first, with how long past that they are."""
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        found = uow.console.shipments(run_id=None, unreceived=True,
                                      shipped_before=now - RECEIPT_EXPECTED,
                                      limit=max(1, min(limit, 1000)))
    return [Overdue(s, now - s.shipped_at - RECEIPT_EXPECTED) for s in found]


def mail_backlog(uow_factory: UowFactory, *, actor: Actor) -> Sequence[BacklogDay]:
    """The queued letters by expiry day, oldest first (the order they go out in)."""
    actor.require(Permission.MAIL_READ)
    with uow_factory() as uow:
        return uow.console.mail_backlog(limit=BACKLOG_DAYS)


class Change(StrEnum):
    """The certificate status changes the console lists (`certificate_events.kind`)."""

    SUSPENDED = "suspended"  # a hold (certificateHold): a card reported lost
    RELEASED = "released"  # the hold lifted: the card found
    REVOKED = "revoked"


def certificate_changes(uow_factory: UowFactory, *, actor: Actor,
                        changes: Sequence[Change] = tuple(Change), since: datetime | None = None,
                        before_id: int | None = None, limit: int = PAGE
                        ) -> Sequence[CertificateChange]:
    """Recent revocations and holds, newest first, of the chosen kinds."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    with uow_factory() as uow:
        return uow.console.certificate_changes(
            events=[c.value for c in changes or tuple(Change)], since=since,
            before_id=before_id, limit=_page(limit))


@dataclass(frozen=True, slots=True)
class CaOverview:
    certificates: tuple[CaCertificate, ...] | None  # None: no CA in this data directory
    shards: int | None
    crls: tuple[CrlRow, ...]  # the shards that have published a CRL


def ca_overview(uow_factory: UowFactory, ca: Callable[[], CaCertificates], *,
                actor: Actor, shards: Callable[[], int]) -> CaOverview:
    """The CA's public side: its certificates (the OCSP signers' expiry among them) and
    the last CRL of each shard. No key is opened."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    try:
        found: tuple[CaCertificate, ...] | None = tuple(ca().public_certificates())
        count: int | None = shards()
    except NotFound:  # no CA initialised here
        found, count = None, None
    with uow_factory() as uow:
        crls = tuple(uow.console.crls())
    return CaOverview(found, count, crls)
