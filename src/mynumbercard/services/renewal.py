"""Certificate renewal at the counter: new key pairs on the same chip.

From 3 months before a certificate's expiry, free, and also after it; before the window a
still-valid certificate is refused with the day it opens. Where the card holds no valid
certificate of a kind (revoked after a move, expired, never issued) one is issued at any
time. The card itself must be active and not expired (`domain/renewal.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import JST, CertificateStatus, CertKind, is_expired
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.renewal import check_certificate_renewal
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import signature_certificate_allowed
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import (
    CertificatesUnit,
    IssuedCertificate,
    issue_in,
    write_onto_chip,
)
from mynumbercard.services.custody_ports import CustodyRepository
from mynumbercard.services.pki_ports import CardTerminal, CertificateAuthority
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.visibility import visible


class RenewalUnit(CertificatesUnit, Protocol):
    """The certificates' unit with the custody records (a card left for renewal)."""

    @property
    def custody(self) -> CustodyRepository: ...


UowFactory = Callable[[], RenewalUnit]


@dataclass(frozen=True, slots=True)
class Renewed:
    card_number: str
    certificates: list[IssuedCertificate]


def hidden_card(card_number: str) -> str:
    """The one answer for a card that is not there or not this office's (the vault's)."""
    return f"card {card_number} is not in the office's safe"


def renewable_kinds(resident: Resident, kinds: frozenset[CertKind], *,
                    now: datetime) -> frozenset[CertKind]:
    """The kinds asked for that the rules allow (no signature certificate under 15)."""
    today = now.astimezone(JST).date()
    if signature_certificate_allowed(birth_date=resident.birth_date, on=today):
        return kinds
    if kinds == {CertKind.SIGN}:
        raise Conflict("no signature certificate is issued to a holder under 15")
    return kinds - {CertKind.SIGN}


def check_window_in(uow: RenewalUnit, card: Card, kinds: frozenset[CertKind], *,
                    now: datetime) -> None:
    """Raise unless the certificates of `kinds` on this card may be renewed now."""
    valid_until = [c.not_after.astimezone(JST).date()
                   for c in uow.certificates.of_card(card.id)
                   if c.kind in kinds and c.status is CertificateStatus.ACTIVE
                   and not is_expired(c.not_after, now)]
    check_certificate_renewal(card_status=card.status, card_expires_on=card.expires_on,
                              valid_until=valid_until, today=now.astimezone(JST).date())


def renew_in(uow: RenewalUnit, ca: CertificateAuthority, terminal: CardTerminal, *,
             card: Card, resident: Resident, kinds: frozenset[CertKind], actor: Actor,
             now: datetime, reason: str) -> list[IssuedCertificate]:
    """Inside the caller's transaction: the window checked, the card row claimed (its
    version bumped, so a second renewal of the same card at the same moment waits and is
    refused before it touches the chip), the old certificates superseded, new ones made."""
    wanted = renewable_kinds(resident, kinds, now=now)
    check_window_in(uow, card, wanted, now=now)
    uow.cards.save(card, now=now)  # the claim: a concurrent renewal gets a Conflict
    issued = issue_in(uow, ca, terminal, card=card, resident=resident, kinds=wanted,
                      actor=actor, now=now)
    uow.audit.record(AuditRecord(now, actor.name, AuditAction.CERTIFICATE_RENEW,
                                 f"card:{card.id}", {
        "kinds": sorted(k.value for k in wanted), "reason": reason, "fee": 0,
        "certificates": len(issued)}))
    return issued


def visible_card_in(uow: RenewalUnit, actor: Actor, card_number: str) -> tuple[Card, Resident]:
    """The card if the actor may renew its certificates; else the unknown card's NotFound."""
    def look_up() -> tuple[Card, Resident]:
        card = uow.cards.find_by_number(card_number)
        if card is None or card.id is None:
            raise NotFound(hidden_card(card_number))
        return card, uow.residents.get(card.resident_id)

    return visible(actor, Permission.CERTIFICATE_ISSUE, hidden=hidden_card(card_number),
                   look_up=look_up, municipalities=lambda found: (found[1].municipality_code,))


def require_card_visible(uow_factory: UowFactory, *, actor: Actor, card_number: str) -> None:
    """Authorise before the holder's card is read at the counter: a card of another
    municipality is answered as an unknown one, whatever card is presented."""
    with uow_factory() as uow:
        visible_card_in(uow, actor, card_number)


def renew_certificates(
    uow_factory: UowFactory,
    ca: Callable[[], CertificateAuthority],
    terminal: CardTerminal,
    *,
    actor: Actor,
    kinds: frozenset[CertKind] = frozenset(CertKind),
    now: datetime,
) -> Renewed:
    """The counter's renewal of the certificates on the card in the reader, by a clerk of
    the holder's municipality, in one transaction; the chip gets the certificates after
    the commit. The holder's PINs are not needed: key generation, deletion and writing a
    certificate are admin commands under the card-management key (docs/renewal.md)."""
    with uow_factory() as uow:
        card, resident = visible_card_in(uow, actor, terminal.card_number)
        custody = uow.custody.open_for_card(card.id)
        if custody is not None:
            raise Conflict(f"the card is left at the office ({custody.status.value}): "
                           "renew it through its custody record")
        issued = renew_in(uow, ca(), terminal, card=card, resident=resident, kinds=kinds,
                          actor=actor, now=now, reason="counter")
        uow.commit()
    write_onto_chip(terminal, issued)
    return Renewed(card.card_number, issued)
