"""Use cases of the resident register: register, assign a number, move, death, emigration.

Each use case is one transaction with a named actor and an audit record.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain import individual_number
from mynumbercard.domain.application import VoidReason
from mynumbercard.domain.card import IN_HOLDERS_HANDS, CardStatus
from mynumbercard.domain.certificate import JST, LifeEvent
from mynumbercard.domain.dates import check_not_ahead
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.municipality import relocation_decision
from mynumbercard.domain.resident import NewResident, ResidenceStatus, Resident, Sex
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.stay import Stay
from mynumbercard.services.application_ports import Applications, CardVault
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import CertificatesUnit, apply_event_in
from mynumbercard.services.mail_ports import MailOutbox
from mynumbercard.services.mailed_letters import queue_number_notice_in
from mynumbercard.services.pickup import void_in
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    MovingNotices,
    ResidentRepository,
    StayRepository,
)
from mynumbercard.services.visibility import hidden_resident, visible_resident_in


class HasAudit(Protocol):
    @property
    def audit(self) -> AuditLog: ...


class HasResidents(Protocol):
    @property
    def residents(self) -> ResidentRepository: ...


class RegisterUnit(CertificatesUnit, Protocol):
    """What the register's use cases use in one transaction: the certificates' unit (a
    death or a move revokes certificates) with the stays, the moves in flight, the open
    applications and the outgoing mail (tests/fakes.py has it in memory)."""

    @property
    def stays(self) -> StayRepository: ...
    @property
    def moves(self) -> MovingNotices: ...
    @property
    def applications(self) -> Applications: ...
    @property
    def mail(self) -> MailOutbox: ...


UowFactory = Callable[[], RegisterUnit]
CaSource = Callable[[], CertificateAuthority]  # opened only when a certificate changes

_NUMBER_ATTEMPTS = 20


def audit_resident_in(uow: HasAudit, actor: Actor, action: AuditAction, resident_id: int,
                      now: datetime, **details: object) -> None:
    """An audit record about a resident, inside the caller's transaction."""
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
    simulation: bool = False,
) -> Resident:
    """Enter a newborn or an arrival from overseas and assign a new Individual Number.

    The number is drawn at random from unused ones (never derived from personal data);
    the notice that goes with it follows from the date (Individual Number Notice since
    2020-05-25, queued in the outgoing mail as a letter). A limited stay's period is the
    first row of the resident's stays. Neither the birth nor the registration is after
    today, unless in a `simulation` (which the caller rolls back).
    """
    actor.require(Permission.RESIDENT_WRITE, municipality_code=municipality_code)
    _not_ahead(now, simulation, ("birth date", birth_date), ("registered_on", registered_on))
    rng = rng or random.SystemRandom()
    with uow_factory() as uow:
        uow.municipalities.get(municipality_code)
        for _ in range(_NUMBER_ATTEMPTS):
            number = individual_number.generate(rng)
            if not uow.residents.number_taken(number):
                break
        else:  # pragma: no cover - 10^11 numbers; only a broken rng gets here
            raise Conflict("could not draw an unused Individual Number")
        resident = uow.residents.add(NewResident(
            family_name=family_name,
            given_name=given_name,
            family_name_kana=family_name_kana,
            given_name_kana=given_name_kana,
            birth_date=birth_date,
            sex=sex,
            municipality_code=municipality_code,
            postal_code=postal_code,
            address=address,
            registered_on=registered_on,
            individual_number=number,
            nationality=nationality,
            residence_status=residence_status,
            period_of_stay_until=period_of_stay_until,
        ), now=now)
        resident_id = resident.id
        if period_of_stay_until is not None:
            uow.stays.add(resident_id, Stay(period_of_stay_until, registered_on), now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_REGISTER, resident_id, now,
                          notice=individual_number.notice_kind_for(registered_on).value,
                          notice_queued=queue_number_notice_in(uow, resident, now=now))
        uow.commit()
    return resident


def _not_ahead(now: datetime, simulation: bool, *days: tuple[str, date]) -> None:
    """Events on the register happened: none is dated after today (Japan), unless in a
    simulation, which the caller rolls back."""
    if simulation:
        return
    today = now.astimezone(JST).date()
    for what, day in days:
        check_not_ahead(day, today=today, what=what)


def get_resident(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, now: datetime
) -> Resident:
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_READ, resident_id)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_READ, resident_id, now)  # reads too
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
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.RESIDENT_LIST,
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
    simulation: bool = False,
) -> Resident:
    """A move within one municipality (転居, Basic Resident Registers Act art. 23), by a
    clerk of that municipality; or between wards of one designated city, which keeps one
    register (a clerk of either ward). A move to another municipality is a moving-out
    and a moving-in notification (`services/moving.py`) and is refused here.

    An application not yet picked up follows the relocation rule: a move between wards
    of one designated city sends the card to the new ward's office."""
    actor.require_role(Permission.RESIDENT_WRITE)
    _not_ahead(now, simulation, ("the move's day", moved_on))
    with uow_factory() as uow:
        try:
            resident = uow.residents.get(resident_id)
        except NotFound:
            raise NotFound(hidden_resident(resident_id)) from None
        origin = resident.municipality_code
        destination = uow.municipalities.get(to_municipality) \
            if to_municipality != origin else None
        same_city = (destination is not None and destination.designated_city_code is not None
                     and destination.designated_city_code
                     == uow.municipalities.get(origin).designated_city_code)
        if not (actor.may(Permission.RESIDENT_WRITE, municipality_code=origin)
                or (same_city and actor.may(Permission.RESIDENT_WRITE,
                                            municipality_code=to_municipality))):
            raise NotFound(hidden_resident(resident_id))
        if destination is not None and not same_city:
            raise Conflict("a move to another municipality is a moving-out notification at "
                           "the old municipality and a moving-in notification at the new one "
                           "(POST /api/v1/residents/{id}/moving-out, POST /api/v1/moving-in)")
        if uow.moves.open_of_resident(resident_id) is not None:
            raise Conflict("the resident has notified moving out: cancel that first")
        resident.move(to_municipality=to_municipality, postal_code=postal_code,
                      address=address, on=moved_on)
        uow.residents.save(resident, now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_MOVE, resident_id, now, origin=origin,
                          destination=to_municipality, on=moved_on.isoformat())
        destroyed = applications_follow_in(uow, actor=actor, resident_id=resident_id,
                                         origin=origin, destination=to_municipality, now=now)
        # A new address is a change of the basic four facts: the signature certificate goes.
        certificates_follow_in(uow, ca, actor=actor, resident_id=resident_id,
                             event=LifeEvent.PERSONAL_DATA_CHANGED, now=now)
        uow.commit()
    destroy_cards(vault, destroyed)
    return resident


def applications_follow_in(uow: RegisterUnit, *, actor: Actor, resident_id: int, origin: str,
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


def destroy_cards(vault: CardVault | None, numbers: list[str]) -> None:
    if vault is not None:
        for number in numbers:
            vault.destroy(number)


def _end_of_residence(
    uow_factory: UowFactory, ca: CaSource | None, *, actor: Actor, resident_id: int,
    on: date, now: datetime, verb: Callable[[Resident, date], None], action: AuditAction,
    vault: CardVault | None = None, simulation: bool = False,
) -> Resident:
    """Death or emigration, by a clerk of the municipality that holds the resident: the
    register changes and, in the same transaction, every card in the holder's hands
    lapses (its status `lapsed`) with both its certificates revoked (rules.md), open
    applications are voided and an open moving-out notification is cancelled. Its day
    is today at the latest (a 国外転出 is recorded on or after the day of leaving)."""
    _not_ahead(now, simulation, ("the day", on))
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        verb(resident, on)
        uow.residents.save(resident, now=now)
        audit_resident_in(uow, actor, action, resident_id, now, on=on.isoformat())
        death = action == AuditAction.RESIDENT_DIE
        event = LifeEvent.DEATH if death else LifeEvent.LOSS_OF_RESIDENCE
        destroyed = applications_follow_in(
            uow, actor=actor, resident_id=resident_id, origin=resident.municipality_code,
            destination=resident.municipality_code, now=now,
            void_reason=VoidReason.DEATH if death else VoidReason.LOSS_OF_RESIDENCE)
        moving = uow.moves.open_of_resident(resident_id)
        if moving is not None:
            moving.cancel()
            uow.moves.save(moving, now=now)
        lapse_cards_in(uow, actor=actor, resident_id=resident_id, now=now,
                       reason="death" if death else "loss_of_residence")
        certificates_follow_in(uow, ca, actor=actor, resident_id=resident_id, event=event,
                               now=now)
        uow.commit()
    destroy_cards(vault, destroyed)
    return resident


def lapse_cards_in(uow: RegisterUnit, *, actor: Actor, resident_id: int, now: datetime,
                   reason: str, card_number: str | None = None) -> list[int]:
    """Cards in the holder's hands (or the one given) lapse (失効); the caller revokes
    their certificates. Returns the ids of the cards that lapsed."""
    lapsed: list[int] = []
    for card in uow.cards.of_resident(resident_id):
        if card.status not in IN_HOLDERS_HANDS or (card_number not in (None,
                                                                       card.card_number)):
            continue
        card.change_status(CardStatus.LAPSED)
        uow.cards.save(card, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_LAPSE, f"card:{card.id}",
                                     {"reason": reason}))
        lapsed.append(card.id)
    return lapsed


def certificates_follow_in(uow: RegisterUnit, ca: CaSource | None, *, actor: Actor,
                         resident_id: int, event: LifeEvent, now: datetime) -> None:
    def authority() -> CertificateAuthority:
        if ca is None:
            raise Conflict("the resident holds certificates, and no CA is configured here")
        return ca()

    for card in uow.cards.of_resident(resident_id):
        apply_event_in(uow, authority, actor=actor, card_id=card.id, event=event, now=now)


def record_death(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, died_on: date, now: datetime,
    ca: CaSource | None = None, vault: CardVault | None = None, simulation: bool = False,
) -> Resident:
    return _end_of_residence(uow_factory, ca, actor=actor, resident_id=resident_id,
                             on=died_on, now=now, verb=lambda r, d: r.die(on=d),
                             action=AuditAction.RESIDENT_DIE, vault=vault, simulation=simulation)


def record_emigration(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, emigrated_on: date,
    now: datetime, ca: CaSource | None = None, vault: CardVault | None = None,
    simulation: bool = False,
) -> Resident:
    return _end_of_residence(uow_factory, ca, actor=actor, resident_id=resident_id,
                             on=emigrated_on, now=now, verb=lambda r, d: r.emigrate(on=d),
                             action=AuditAction.RESIDENT_EMIGRATE,
vault=vault, simulation=simulation)
