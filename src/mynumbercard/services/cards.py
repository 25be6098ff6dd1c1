"""Cards on the register, and the counter's PIN reset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.card import Card, NewCard
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import NotFound
from mynumbercard.domain.pins import PinKind, validate_new_pin
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import card_expiry
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.pki_ports import CardTerminal
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    ResidentRepository,
    Transaction,
)


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
        hidden = f"no resident with id {resident_id}"
        try:
            resident = uow.residents.get(resident_id)
        except NotFound:
            raise NotFound(hidden) from None
        actor.require_visible(Permission.CERTIFICATE_ISSUE, hidden=hidden,
                              municipality_code=resident.municipality_code)
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
