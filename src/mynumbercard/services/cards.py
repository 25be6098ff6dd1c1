"""Cards on the register, and the counter's PIN reset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.card import Card, NewCard
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.domain.pins import PinKind, validate_new_pin
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import card_expiry
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.pki_ports import AdminAuthoriser, CardTerminal
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    ResidentRepository,
    Transaction,
)
from mynumbercard.services.visibility import visible_resident_in


class CardsUnit(Transaction, Protocol):
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], CardsUnit]

PIN_OF_KEY = {CertKind.SIGN: PinKind.SIGNATURE, CertKind.AUTH: PinKind.USER_AUTH}


def register_card(
    uow_factory: UowFactory,
    *,
    actor: Actor,
    resident_id: int,
    card_number: str,
    applied_on: date,
    issued_on: date,
    now: datetime,
) -> Card:
    """Enter a produced card; its expiry follows from the rules (domain/validity.py)."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.CERTIFICATE_ISSUE, resident_id)
        expires_on = card_expiry(birth_date=resident.birth_date, applied_on=applied_on,
                                 issued_on=issued_on,
                                 residence_until=resident.period_of_stay_until)
        card = uow.cards.add(NewCard(card_number=card_number, resident_id=resident_id,
                                     issued_on=issued_on, expires_on=expires_on,
                                     applied_on=applied_on), now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_REGISTER, f"card:{card.id}",
                                     {"resident": resident_id,
                                      "expires_on": expires_on.isoformat()}))
        uow.commit()
    return card


def unlock_pin(
    uow_factory: UowFactory,
    terminal: CardTerminal,
    *,
    actor: Actor,
    kind: CertKind,
    new_pin: str,
    now: datetime,
) -> None:
    """Reset a locked PIN at the counter, after the clerk checked the holder's identity.

    The holder types the new PIN; it goes to the chip and nowhere else."""
    pin_kind = PIN_OF_KEY[kind]
    validate_new_pin(pin_kind, new_pin)
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        card = uow.cards.find_by_number(terminal.card_number)
        resident = uow.residents.get(card.resident_id) if card is not None else None
        if card is None or resident is None or not actor.may(
                Permission.CERTIFICATE_ISSUE, municipality_code=resident.municipality_code):
            raise NotFound("the card in the reader is not on the register")
        terminal.reset_pin(pin_kind, new_pin)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.PIN_UNLOCK, f"card:{card.id}",
                                     {"pin": pin_kind.value}))
        uow.commit()


CHALLENGE_BYTES = 32


def authorise_pin_reset(
    uow_factory: UowFactory,
    authoriser: AdminAuthoriser,
    *,
    actor: Actor,
    card_number: str,
    kind: CertKind,
    challenge: bytes,
    now: datetime,
) -> bytes:
    """The counter's terminal asks for a PIN reset of the card in its reader: the same
    checks as ``unlock_pin`` (a clerk of the holding municipality, the card on the
    register), then the card-management key signs the reset for the card's challenge.
    The terminal sends it to the card with the PIN the holder types on its keypad."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    if not isinstance(challenge, bytes) or len(challenge) != CHALLENGE_BYTES:
        raise InvalidInput(f"a card's challenge has {CHALLENGE_BYTES} bytes")
    pin_kind = PIN_OF_KEY[kind]
    with uow_factory() as uow:
        card = uow.cards.find_by_number(card_number)
        resident = uow.residents.get(card.resident_id) if card is not None else None
        if card is None or resident is None or not actor.may(
                Permission.CERTIFICATE_ISSUE, municipality_code=resident.municipality_code):
            raise NotFound("the card in the reader is not on the register")
        authorization = authoriser.authorise_pin_reset(card_number, challenge, pin_kind)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.PIN_UNLOCK, f"card:{card.id}",
                                     {"pin": pin_kind.value, "via": "terminal"}))
        uow.commit()
    return authorization
