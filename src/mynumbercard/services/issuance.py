"""The agency's batch steps: production runs, shipping, and the office's receipt.

Each step claims a chunk of applications (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several workers can share a day's work) and changes them in one transaction. The jobs
(`production_steps`, `shipping_steps`) are batch jobs (`services/batch.py`): planned once
over the applications waiting, resumable, shared by workers; the API's buttons do one
chunk (`run_production`, `ship`). A step that crashes leaves its chunk unchanged.
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
from mynumbercard.domain.pickup import PickUpPolicy
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import card_expiry
from mynumbercard.services import batch
from mynumbercard.services.application_ports import CardVault, IdSpan
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.email_notices import queue_ready_in
from mynumbercard.services.email_ports import EmailOutbox
from mynumbercard.services.issuance_ports import ProductionLine
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    MunicipalityRepository,
    ResidentRepository,
    Transaction,
)
from mynumbercard.services.visibility import visible


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
    @property
    def email(self) -> EmailOutbox: ...  # "ready for pick-up" to an online applicant


class IssuanceJobUnit(IssuanceUnit, JobsUnit, Protocol):
    """Production and shipping as batch jobs: with the chunk table."""


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


@dataclass(frozen=True, slots=True)
class RunResult:
    run_id: int | None
    cards: int
    made: tuple[Produced, ...] = ()


def _produce_in(uow: IssuanceUnit, vault: CardVault, *, actor: Actor, now: datetime,
                limit: int, within: IdSpan | None = None) -> RunResult:
    """One production run over up to `limit` approved applications, in the caller's
    transaction; a chip made before a failure is destroyed (the caller destroys those of
    a run whose commit fails)."""
    produced_on = now.astimezone(JST).date()
    made: list[str] = []
    produced: list[Produced] = []
    try:
        batch = uow.applications.claim(ApplicationStatus.APPROVED, limit=limit, within=within)
        if not batch:
            return RunResult(None, 0)
        run_id = uow.applications.add_run(produced_on=produced_on, cards=len(batch), now=now)
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
            produced.append(Produced(number, application.id, resident.id))
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.PRODUCTION_RUN,
                                     f"production_run:{run_id}", {"cards": len(batch)}))
    except BaseException:
        _destroy(vault, made)
        raise
    return RunResult(run_id, len(made), tuple(produced))


def _destroy(vault: CardVault, numbers: list[str]) -> None:
    for number in numbers:  # no chip outlives a run that did not commit
        vault.destroy(number)


def run_production(uow_factory: UowFactory, vault: CardVault, *, actor: Actor, now: datetime,
                   limit: int = CHUNK, within: IdSpan | None = None) -> RunResult:
    """Make cards for up to `limit` approved applications (those `within` a span of
    application ids, if given): a card number, the issue date (today: the validity counts
    from it) and a personalised chip for each."""
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        result = _produce_in(uow, vault, actor=actor, now=now, limit=limit, within=within)
        try:
            uow.commit()
        except BaseException:
            _destroy(vault, [p.card_number for p in result.made])
            raise
    return result


PRODUCTION, SHIPPING = "production", "shipping"


def production_steps(vault: CardVault, *, actor: Actor, now: datetime,
                     run_key: str) -> list[batch.Step[IssuanceJobUnit]]:
    """Production as a batch job: the applications approved when it is planned, one
    production run per chunk (its items: the `Produced` cards)."""
    actor.require(Permission.PRODUCTION)

    def work(uow: IssuanceJobUnit, chunk: Chunk) -> batch.Did:
        run = _produce_in(uow, vault, actor=actor, now=now, limit=chunk.hi - chunk.lo + 1,
                          within=(chunk.lo, chunk.hi))
        return batch.Did(run.cards, (run,) if run.run_id is not None else ())

    def undo(did: batch.Did) -> None:
        _destroy(vault, [p.card_number for run in did.items
                         if isinstance(run, RunResult) for p in run.made])

    return [batch.Step(batch.Job(PRODUCTION, batch.by_ids(
        lambda uow: uow.applications.ids(ApplicationStatus.APPROVED)), work, undo=undo), run_key)]


def runs_of(outcome: batch.Outcome) -> list[RunResult]:
    """The production runs a start made, over every worker."""
    return [r for r in outcome.of(PRODUCTION) if isinstance(r, RunResult)]


@dataclass(frozen=True, slots=True)
class ShipResult:
    shipments: dict[int, str]  # shipment id -> municipality code
    cards: int


def _ship_in(uow: IssuanceUnit, *, actor: Actor, now: datetime, limit: int,
             within: IdSpan | None = None) -> ShipResult:
    batch = uow.applications.claim(ApplicationStatus.IN_PRODUCTION, limit=limit,
                                   within=within)
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
    return ShipResult(shipments, len(batch))


def ship(uow_factory: UowFactory, *, actor: Actor, now: datetime,
         limit: int = CHUNK, within: IdSpan | None = None) -> ShipResult:
    """Send produced cards (of the applications `within` a span of ids, if given) to the
    municipal office of each holder's current address, one shipment per office."""
    actor.require(Permission.PRODUCTION)
    with uow_factory() as uow:
        result = _ship_in(uow, actor=actor, now=now, limit=limit, within=within)
        uow.commit()
    return result


def shipments_of(outcome: batch.Outcome) -> list[ShipResult]:
    """The shipments a start made, over every worker."""
    return [r for r in outcome.of(SHIPPING) if isinstance(r, ShipResult)]


def shipping_steps(*, actor: Actor, now: datetime,
                   run_key: str) -> list[batch.Step[IssuanceJobUnit]]:
    """Shipping as a batch job: the cards in production when it is planned, one shipment
    per office and chunk (its items: the `ShipResult`s)."""
    actor.require(Permission.PRODUCTION)

    def work(uow: IssuanceJobUnit, chunk: Chunk) -> batch.Did:
        shipped = _ship_in(uow, actor=actor, now=now, limit=chunk.hi - chunk.lo + 1,
                           within=(chunk.lo, chunk.hi))
        return batch.Did(shipped.cards, (shipped,))

    return [batch.Step(batch.Job(SHIPPING, batch.by_ids(
        lambda uow: uow.applications.ids(ApplicationStatus.IN_PRODUCTION)), work), run_key)]


def receive_shipment(uow_factory: UowFactory, *, actor: Actor, shipment_id: int,
                     now: datetime, policy: PickUpPolicy | None = None) -> int:
    """The office records a shipment's arrival: its cards wait for pick-up until the
    deadline of the municipality's rule. Returns the number of cards now waiting."""
    policy = policy or PickUpPolicy()
    today = now.astimezone(JST).date()
    actor.require_role(Permission.CARD_RECEIVE)
    with uow_factory() as uow:
        visible(actor, Permission.CARD_RECEIVE, hidden=f"no shipment {shipment_id}",
                look_up=lambda: uow.applications.shipment(shipment_id),
                municipalities=lambda shipment: (shipment.municipality_code,))
        uow.applications.receive_shipment(shipment_id, actor=actor.name, now=now)
        waiting = 0
        for application in uow.applications.of_shipment(shipment_id):
            if application.status is not ApplicationStatus.SHIPPED:
                continue  # voided on the way (a move): destroyed, not waiting
            application.arrive(on=today, pick_up_deadline=policy.deadline(today))
            uow.applications.save(application, actor=actor.name, now=now)
            town = uow.municipalities.get(application.office_code or "")
            queue_ready_in(uow, application, office_name=town.prefecture + town.name,
                           deadline=policy.deadline(today), now=now)
            waiting += 1
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.SHIPMENT_RECEIVE,
                                     f"shipment:{shipment_id}", {"cards": waiting}))
        uow.commit()
    return waiting
