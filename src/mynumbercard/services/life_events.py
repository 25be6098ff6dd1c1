"""Life events on the register that are not moves: an address corrected, a change of name,
a foreign resident's period of stay extended (docs/register.md).

Each is one transaction by a clerk of the municipality that holds the resident (another
municipality's resident answers like an unknown id), recorded with its date as a resident
event and in the audit log. An address or name change revokes the signature certificate
only (its subject carries the basic four facts); the user-authentication certificate
stays (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import JST, LifeEvent
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.stay import Stay
from mynumbercard.domain.validity import extended_card_expiry
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.register import (
    RegisterUnit,
    audit_resident_in,
    certificates_follow_in,
)
from mynumbercard.services.visibility import visible_resident_in

UowFactory = Callable[[], RegisterUnit]
CaSource = Callable[[], CertificateAuthority]


def correct_address(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, postal_code: str,
    address: str, corrected_on: date, now: datetime, ca: CaSource | None = None,
) -> Resident:
    """A wrong address written right (not a move: the resident lives where they lived).
    The signature certificate carries the address: it is revoked."""
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        resident.correct_address(postal_code=postal_code, address=address, on=corrected_on)
        uow.residents.save(resident, now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_CORRECT_ADDRESS, resident_id, now,
                          on=corrected_on.isoformat())
        certificates_follow_in(uow, ca, actor=actor, resident_id=resident_id,
                               event=LifeEvent.PERSONAL_DATA_CHANGED, now=now)
        uow.commit()
    return resident


def change_name(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, family_name: str,
    given_name: str, family_name_kana: str, given_name_kana: str, changed_on: date,
    show_former_surname: bool, now: datetime, ca: CaSource | None = None,
) -> Resident:
    """A change of name; the former surname is kept and shown with the name when the
    holder asks (旧氏併記). The signature certificate carries the name: it is revoked."""
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        resident.change_name(family_name=family_name, given_name=given_name,
                             family_name_kana=family_name_kana,
                             given_name_kana=given_name_kana, on=changed_on,
                             show_former_surname=show_former_surname)
        uow.residents.save(resident, now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_CHANGE_NAME, resident_id, now,
                          on=changed_on.isoformat(), former_surname_shown=show_former_surname)
        certificates_follow_in(uow, ca, actor=actor, resident_id=resident_id,
                               event=LifeEvent.PERSONAL_DATA_CHANGED, now=now)
        uow.commit()
    return resident


@dataclass(frozen=True, slots=True)
class StayExtended:
    resident: Resident
    card_number: str | None  # the card extended, if the holder applied for it
    card_expired_on: date | None  # its expiry before
    card_expires_on: date | None  # and after


def extend_stay(
    uow_factory: UowFactory, *, actor: Actor, resident_id: int, period_of_stay_until: date,
    granted_on: date, extend_card: bool, now: datetime,
) -> StayExtended:
    """A new period of stay, granted by the Immigration Services Agency, recorded on the
    register; with `extend_card` (the holder applies at the office with the card, today)
    the card in their hands is valid to the new end of stay, within the birthday rule.

    The certificates keep their dates (signed dates cannot change; they never run past
    the card, which only grows longer): the holder renews them at the counter."""
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        resident = visible_resident_in(uow, actor, Permission.RESIDENT_WRITE, resident_id)
        resident.extend_stay(until=period_of_stay_until, on=granted_on)
        uow.residents.save(resident, now=now)
        stay_id = uow.stays.add(resident_id, Stay(period_of_stay_until, granted_on), now=now)
        audit_resident_in(uow, actor, AuditAction.RESIDENT_EXTEND_STAY, resident_id, now,
                          on=granted_on.isoformat(), until=period_of_stay_until.isoformat())
        card_number = before = after = None
        if extend_card:
            card = next((c for c in uow.cards.of_resident(resident_id)
                         if c.status is CardStatus.ACTIVE), None)
            if card is None:
                raise Conflict("the resident holds no card in use to extend: record the "
                               "stay without extend_card")
            before = card.expires_on
            after = extended_card_expiry(
                birth_date=resident.birth_date, applied_on=card.applied_on or card.issued_on,
                issued_on=card.issued_on, expires_on=card.expires_on,
                stay_until=period_of_stay_until, extended_on=today)
            card.expires_on = after
            uow.cards.save(card, now=now)
            uow.stays.extend_card(stay_id, card_id=card.id, on=today)
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_EXTEND_VALIDITY,
                                         f"card:{card.id}", {"from": before.isoformat(),
                                                             "to": after.isoformat()}))
            card_number = card.card_number
        uow.commit()
    return StayExtended(resident, card_number, before, after)
