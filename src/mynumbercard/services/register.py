"""Use cases of the resident register: register, assign a number, move, death, emigration.

Each use case is one transaction with a named actor and an audit record.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime

from mynumbercard.domain import individual_number
from mynumbercard.domain.application import VoidReason
from mynumbercard.domain.certificate import LifeEvent
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.municipality import relocation_decision
from mynumbercard.domain.resident import ResidenceStatus, Resident, Sex
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.application_ports import CardVault
from mynumbercard.services.certificates import apply_event_in
from mynumbercard.services.pickup import void_in
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditRecord, UnitOfWork

UowFactory = Callable[[], UnitOfWork]
CaSource = Callable[[], CertificateAuthority]  # opened only when a certificate changes

_NUMBER_ATTEMPTS = 20


def _audit(uow: UnitOfWork, actor: Actor, action: str, resident_id: int, now: datetime,
           **details: object) -> None:
    uow.audit.record(AuditRecord(now, actor.name, action, f"resident:{resident_id}",
                                 dict(details) or None))


def register_resident(
    uow_factory: UowFactory,
    *,
    actor: Actor,
    now: datetime,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    birth_date: date,
    sex: Sex,
    municipality_code: str,
    postal_code: str,
    address: str,
    registered_on: date,
    nationality: str = "JP",
    residence_status: ResidenceStatus = ResidenceStatus.NATIONAL,
    period_of_stay_until: date | None = None,
    rng: random.Random | None = None,
) -> Resident:
    """Enter a newborn or an arrival from overseas and assign a new Individual Number.

    The number is drawn at random from unused ones (never derived from personal data);
    the notice that goes with it follows from the date (Individual Number Notice since
    2020-05-25).
    """
    actor.require(Permission.RESIDENT_WRITE, municipality_code=municipality_code)
    rng = rng or random.SystemRandom()
    with uow_factory() as uow:
        uow.municipalities.get(municipality_code)
        resident = Resident(
            id=None,
            family_name=family_name,
            given_name=given_name,
            family_name_kana=family_name_kana,
            given_name_kana=given_name_kana,
            birth_date=birth_date,
            sex=sex,
            municipality_code=municipality_code,
            postal_code=postal_code,
            address=address,
            nationality=nationality,
            residence_status=residence_status,
            period_of_stay_until=period_of_stay_until,
        )
        resident.register(on=registered_on)
        for _ in range(_NUMBER_ATTEMPTS):
            number = individual_number.generate(rng)
            if not uow.residents.number_taken(number):
                break
        else:  # pragma: no cover - 10^11 numbers; only a broken rng gets here
            raise Conflict("could not draw an unused Individual Number")
        resident.assign_number(number, on=registered_on)
        resident_id = uow.residents.add(resident, now=now)
        _audit(uow, actor, "resident:register", resident_id, now,
               notice=individual_number.notice_kind_for(registered_on).value)
        uow.commit()
    return resident


def get_resident(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, now: datetime
) -> Resident:
    with uow_factory() as uow:
        resident = uow.residents.get(resident_id)
        actor.require(Permission.RESIDENT_READ, municipality_code=resident.municipality_code)
        _audit(uow, actor, "resident:read", resident_id, now)  # reads of personal data too
        uow.commit()
        return resident


def list_residents(
    uow_factory: UowFactory, *, actor: Actor, municipality_code: str, now: datetime,
    limit: int = 100, after_id: int = 0,
) -> Sequence[Resident]:
    actor.require(Permission.RESIDENT_READ, municipality_code=municipality_code)
    with uow_factory() as uow:
        found = uow.residents.list_in(municipality_code, limit=min(limit, 1000),
                                      after_id=after_id)
        if found:  # who was shown, by id: an auditor finds a resident's readers in details
            uow.audit.record(AuditRecord(now, actor.name, "resident:list",
                                         f"municipality:{municipality_code}",
                                         {"ids": [r.id for r in found]}))
            uow.commit()
        return found


def move_resident(
    uow_factory: UowFactory,
    *,
    actor: Actor,
    resident_id: int,
    to_municipality: str,
    postal_code: str,
    address: str,
    moved_on: date,
    now: datetime,
    ca: CaSource | None = None,
    vault: CardVault | None = None,
) -> Resident:
    """A move within or between municipalities; a clerk of either end may record it.

    An application not yet picked up follows the relocation rule: a move to another
    municipality voids it (its card, if made, is destroyed); a move between wards of one
    designated city sends the card to the new ward's office."""
    with uow_factory() as uow:
        resident = uow.residents.get(resident_id)
        origin = resident.municipality_code
        if not actor.may(Permission.RESIDENT_WRITE, municipality_code=to_municipality):
            actor.require(Permission.RESIDENT_WRITE, municipality_code=origin)
        uow.municipalities.get(to_municipality)
        resident.move(to_municipality=to_municipality, postal_code=postal_code, address=address,
                      on=moved_on)
        uow.residents.save(resident, now=now)
        _audit(uow, actor, "resident:move", resident_id, now, origin=origin,
               destination=to_municipality, on=moved_on.isoformat())
        destroyed = _applications_follow(uow, actor=actor, resident_id=resident_id,
                                         origin=origin, destination=to_municipality, now=now)
        # A new address is a change of the basic four facts: the signature certificate goes.
        _certificates_follow(uow, ca, actor=actor, resident_id=resident_id,
                             event=LifeEvent.PERSONAL_DATA_CHANGED, now=now)
        uow.commit()
    _destroy_cards(vault, destroyed)
    return resident


def _applications_follow(uow: UnitOfWork, *, actor: Actor, resident_id: int, origin: str,
                         destination: str, now: datetime,
                         void_reason: VoidReason | None = None) -> list[str]:
    """Open applications after a move (or a death or emigration, with `void_reason`);
    returns the numbers of cards to destroy once committed."""
    pending = uow.applications.open_of_resident(resident_id)
    if not pending:
        return []
    if void_reason is None:
        if origin == destination:
            return []
        decision = relocation_decision(uow.municipalities.get(origin),
                                       uow.municipalities.get(destination))
        if not decision.voids_application:
            for application in pending:
                application.move_office(destination)
                uow.applications.save(application, actor=actor.name, now=now)
            return []
        void_reason = VoidReason.RELOCATION
    destroyed = [void_in(uow, application, void_reason, actor=actor, now=now)
                 for application in pending]
    return [number for number in destroyed if number]


def _destroy_cards(vault: CardVault | None, numbers: list[str]) -> None:
    if vault is not None:
        for number in numbers:
            vault.destroy(number)


def _end_of_residence(
    uow_factory: UowFactory, ca: CaSource | None, *, actor: Actor, resident_id: int,
    on: date, now: datetime, verb: Callable[[Resident, date], None], action: str,
    vault: CardVault | None = None,
) -> Resident:
    """Death or emigration: the register changes and, in the same transaction, both
    certificates of every card of the resident are revoked (rules.md)."""
    with uow_factory() as uow:
        resident = uow.residents.get(resident_id)
        actor.require(Permission.RESIDENT_WRITE, municipality_code=resident.municipality_code)
        verb(resident, on)
        uow.residents.save(resident, now=now)
        _audit(uow, actor, action, resident_id, now, on=on.isoformat())
        death = action == "resident:death"
        event = LifeEvent.DEATH if death else LifeEvent.LOSS_OF_RESIDENCE
        destroyed = _applications_follow(
            uow, actor=actor, resident_id=resident_id, origin=resident.municipality_code,
            destination=resident.municipality_code, now=now,
            void_reason=VoidReason.DEATH if death else VoidReason.LOSS_OF_RESIDENCE)
        _certificates_follow(uow, ca, actor=actor, resident_id=resident_id, event=event,
                             now=now)
        uow.commit()
    _destroy_cards(vault, destroyed)
    return resident


def _certificates_follow(uow: UnitOfWork, ca: CaSource | None, *, actor: Actor,
                         resident_id: int, event: LifeEvent, now: datetime) -> None:
    def authority() -> CertificateAuthority:
        if ca is None:
            raise Conflict("the resident holds certificates, and no CA is configured here")
        return ca()

    for card in uow.cards.of_resident(resident_id):
        apply_event_in(uow, authority, actor=actor, card_id=card.id or 0, event=event, now=now)


def record_death(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, died_on: date, now: datetime,
    ca: CaSource | None = None, vault: CardVault | None = None,
) -> Resident:
    return _end_of_residence(uow_factory, ca, actor=actor, resident_id=resident_id,
                             on=died_on, now=now, verb=lambda r, d: r.die(on=d),
                             action="resident:death", vault=vault)


def record_emigration(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, emigrated_on: date,
    now: datetime, ca: CaSource | None = None, vault: CardVault | None = None,
) -> Resident:
    return _end_of_residence(uow_factory, ca, actor=actor, resident_id=resident_id,
                             on=emigrated_on, now=now, verb=lambda r, d: r.emigrate(on=d),
                             action="resident:emigrate", vault=vault)
