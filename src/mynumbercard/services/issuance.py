"""The agency's batch steps: production runs, shipping, and the office's receipt.

Each step claims a chunk of applications (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several workers can share a day's work), changes them in one transaction and returns;
the CLI repeats until nothing is left. A step that crashes leaves its chunk unchanged.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.application import ApplicationStatus
from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.pickup import PickUpPolicy
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import card_expiry
from mynumbercard.services.application_ports import CardVault
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.issuance_ports import ProductionLine
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    MunicipalityRepository,
    ResidentRepository,
    Transaction,
)


class IssuanceUnit(Transaction, Protocol):
    @property
    def applications(self) -> ProductionLine: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], IssuanceUnit]
CHUNK = 500


def new_card_number() -> str:
    return secrets.token_hex(8).upper()


@dataclass(frozen=True, slots=True)
class Produced:
    """A card a run made, and for whom: ids and the card number, never a name."""

    card_number: str
    application: int  # the application's reference
    resident_id: int

    def as_dict(self) -> dict[str, object]:
        return {"card_number": self.card_number, "application": self.application,
                "resident_id": self.resident_id}


@dataclass(frozen=True, slots=True)
class RunResult:
    run_id: int | None
    cards: int
    made: tuple[Produced, ...] = ()


def run_production(uow_factory: UowFactory, vault: CardVault, *, actor: Actor, now: datetime,
                   limit: int = CHUNK) -> RunResult:
    """Make cards for up to `limit` approved applications: a card number, the issue date
    (today: the validity counts from it) and a personalised chip for each."""
    actor.require(Permission.PRODUCTION)
    produced_on = now.astimezone(JST).date()
    made: list[str] = []
    produced: list[Produced] = []
    try:
        with uow_factory() as uow:
            batch = uow.applications.claim(ApplicationStatus.APPROVED, limit=limit)
            if not batch:
                return RunResult(None, 0)
            run_id = uow.applications.add_run(produced_on=produced_on, cards=len(batch),
                                              now=now)
            for application in batch:
                resident = uow.residents.get(application.resident_id)
                number = new_card_number()
                town = uow.municipalities.get(resident.municipality_code)
                vault.personalise(number, card_face={
                    "name": resident.full_name,
                    "address": resident.full_address(town),
                    "birth_date": resident.birth_date.isoformat(),
                    "sex": resident.sex.value,
                    "individual_number": resident.individual_number or "",
                })
                made.append(number)
                card = NewCard(card_number=number, resident_id=application.resident_id,
                               issued_on=produced_on, status=CardStatus.PRODUCED,
                               applied_on=application.received_on,
                               expires_on=card_expiry(
                                   birth_date=resident.birth_date,
                                   applied_on=application.received_on, issued_on=produced_on,
                                   residence_until=resident.period_of_stay_until))
                card_id = uow.cards.add(card, now=now).id
                application.enter_production(run_id=run_id, card_id=card_id)
                uow.applications.save(application, actor=actor.name, now=now)
                produced.append(Produced(number, application.id, application.resident_id))
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.PRODUCTION_RUN,
                                         f"production_run:{run_id}", {"cards": len(batch)}))
            uow.commit()
    except BaseException:
        for number in made:  # no chip outlives a run that did not commit
            vault.destroy(number)
        raise
    return RunResult(run_id, len(made), tuple(produced))


@dataclass(frozen=True, slots=True)
class ShipResult:
    shipments: dict[int, str]  # shipment id -> municipality code
    cards: int


def ship(uow_factory: UowFactory, *, actor: Actor, now: datetime,
         limit: int = CHUNK) -> ShipResult:
    """Send produced cards to the municipal office of each holder's current address, one
    shipment per office."""
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        batch = uow.applications.claim(ApplicationStatus.IN_PRODUCTION, limit=limit)
        by_office = defaultdict(list)
        for application in batch:
            office = uow.residents.get(application.resident_id).municipality_code
            by_office[office].append(application)
        shipments: dict[int, str] = {}
        for office, applications in sorted(by_office.items()):
            shipment_id = uow.applications.add_shipment(municipality_code=office,
                                                        cards=len(applications), now=now)
            for application in applications:
                application.ship(shipment_id=shipment_id, office_code=office)
                uow.applications.save(application, actor=actor.name, now=now)
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.PRODUCTION_SHIP,
                                         f"shipment:{shipment_id}",
                                         {"office": office, "cards": len(applications)}))
            shipments[shipment_id] = office
        uow.commit()
    return ShipResult(shipments, len(batch))


def receive_shipment(uow_factory: UowFactory, *, actor: Actor, shipment_id: int,
                     now: datetime, policy: PickUpPolicy | None = None) -> int:
    """The office records a shipment's arrival: its cards wait for pick-up until the
    deadline of the municipality's rule. Returns the number of cards now waiting."""
    policy = policy or PickUpPolicy()
    today = now.astimezone(JST).date()
    actor.require_role(Permission.CARD_RECEIVE)
    with uow_factory() as uow:
        hidden = f"no shipment {shipment_id}"
        try:
            shipment = uow.applications.shipment(shipment_id)
        except NotFound:
            raise NotFound(hidden) from None
        actor.require_visible(Permission.CARD_RECEIVE, hidden=hidden,
                              municipality_code=shipment.municipality_code)
        uow.applications.receive_shipment(shipment_id, actor=actor.name, now=now)
        waiting = 0
        for application in uow.applications.of_shipment(shipment_id):
            if application.status is not ApplicationStatus.SHIPPED:
                continue  # voided on the way (a move): destroyed, not waiting
            application.arrive(on=today, pick_up_deadline=policy.deadline(today))
            uow.applications.save(application, actor=actor.name, now=now)
            waiting += 1
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.SHIPMENT_RECEIVE,
                                     f"shipment:{shipment_id}", {"cards": waiting}))
        uow.commit()
    return waiting
