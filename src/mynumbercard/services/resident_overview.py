"""The counter workspace's page of a resident: the register entry with the move they
notified, their cards, and their applications still under way — one audited read, with
the resident's visibility rule (a clerk: their municipality only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.application import Application
from mynumbercard.domain.card import Card
from mynumbercard.domain.moving import MovingNotice
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import (
    ApplicationRepository,
    AuditLog,
    CardRepository,
    MovingNotices,
    ResidentRepository,
    Transaction,
)
from mynumbercard.services.register import audit_resident_in
from mynumbercard.services.visibility import visible_resident_in


class OverviewUnit(Transaction, Protocol):
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def moves(self) -> MovingNotices: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def applications(self) -> ApplicationRepository: ...
    @property
    def audit(self) -> AuditLog: ...


@dataclass(frozen=True, slots=True)
class ResidentOverview:
    resident: Resident
    moving_out: MovingNotice | None
    cards: tuple[Card, ...]  # newest first
    applications: tuple[Application, ...]  # not yet handed over nor void


def resident_overview(uow_factory: Callable[[], OverviewUnit], *, actor: Actor,
                      resident_id: int, now: datetime) -> ResidentOverview:
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_READ, resident_id)
        overview = ResidentOverview(
            resident=resident, moving_out=uow.moves.open_of_resident(resident_id),
            cards=tuple(sorted(uow.cards.of_resident(resident_id),
                               key=lambda c: (c.issued_on, c.id), reverse=True)),
            applications=tuple(uow.applications.open_of_resident(resident_id)))
        audit_resident_in(uow, actor, AuditAction.RESIDENT_READ, resident_id, now)
        uow.commit()
    return overview
