"""The crowded-period hand-off: a card left at the office for certificate renewal and
returned by restricted-delivery post (本人限定受取郵便), step by step.

Each step is one transaction: a verb on the custody record (`domain/custody.py`, one
table of allowed transitions), written with a version check (two clerks doing the same
step at once: one wins, the other gets a Conflict) and an event, and audited.

The card itself moves with the steps through the counter terminal
(`services/custody_tasks.py`): it is in the office's reader from the drop-off until it
leaves, and these functions keep the ledger only (the server keeps no card file; the
renewal writes onto the chip in that reader, `terminal`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.custody import Custody, CustodyStatus, check_drop_off_identity
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import IssuedCertificate, write_onto_chip
from mynumbercard.services.pki_ports import CardTerminal, CertificateAuthority
from mynumbercard.services.ports import AuditRecord
from mynumbercard.services.renewal import (
    RenewalUnit,
    check_window_in,
    renew_in,
    renewable_kinds,
)
from mynumbercard.services.visibility import visible


class CustodyUnit(RenewalUnit, Protocol):
    """A hand-off's steps: the renewal's unit (certificates, cards, residents, the
    custody records, the audit log)."""


UowFactory = Callable[[], CustodyUnit]


def _audit(uow: CustodyUnit, actor: Actor, custody: Custody, action: AuditAction, now: datetime,
           **details: Any) -> None:
    uow.audit.record(AuditRecord(now, actor.name, action, f"custody:{custody.id}",
                                 {"card": custody.card_id, **details}))


def leave_card(
    uow_factory: UowFactory,
    *,
    actor: Actor,
    card_number: str,
    documents: Collection[IdDocument],
    legal_representative_present: bool = False,
    kinds: frozenset[CertKind] = frozenset(CertKind),
    now: datetime,
) -> Custody:
    """The holder leaves a card that has not expired, for the certificates' renewal, after
    the identity check; the renewal window must be open already. The card is in the
    office's reader (the counter terminal's)."""
    today = now.astimezone(JST).date()
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        card = uow.cards.find_by_number(card_number)
        resident = uow.residents.get(card.resident_id) if card is not None else None
        if (card is None or resident is None
                or not actor.may(Permission.CERTIFICATE_ISSUE,
                                 municipality_code=resident.municipality_code)):
            raise NotFound("no card with this number is on the register")
        check_drop_off_identity(documents=documents, birth_date=resident.birth_date, on=today,
                                legal_representative_present=legal_representative_present)
        wanted = renewable_kinds(resident, kinds, now=now)
        check_window_in(uow, card, wanted, now=now)
        custody = uow.custody.add(Custody.leave(
            card_id=card.id, resident_id=resident.id, office_code=resident.municipality_code,
            kinds=wanted, left_on=today), actor=actor.name, now=now)
        _audit(uow, actor, custody, AuditAction.CUSTODY_LEAVE,
               now, kinds=sorted(k.value for k in wanted),
               documents=len(set(documents)))
        uow.commit()
    return custody


def visible_in(uow: CustodyUnit, actor: Actor, custody_id: int) -> Custody:
    """Authorise the role first, then look up: another office's hand-off gets the same
    NotFound as an unknown one."""
    return visible(actor, Permission.CERTIFICATE_ISSUE,
                   hidden=f"no card left at an office under number {custody_id}",
                   look_up=lambda: uow.custody.get(custody_id),
                   municipalities=lambda custody: (custody.office_code,))


_visible = visible_in


def _step(uow_factory: UowFactory, *, actor: Actor, custody_id: int, action: AuditAction,
          now: datetime, verb: Callable[[Custody], None], **details: Any) -> Custody:
    """One step on the record, audited."""
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        verb(custody)
        uow.custody.save(custody, actor=actor.name, now=now)
        _audit(uow, actor, custody, action, now, **details)
        uow.commit()
    return custody


@dataclass(frozen=True, slots=True)
class RenewedInCustody:
    custody: Custody
    certificates: list[IssuedCertificate]


def _renew_in(uow: CustodyUnit, terminal: CardTerminal,
              ca: Callable[[], CertificateAuthority], *,
              actor: Actor, custody_id: int, now: datetime
              ) -> tuple[Custody, list[IssuedCertificate]]:
    """In the caller's transaction; the chip is written once it committed."""
    custody = _visible(uow, actor, custody_id)
    if custody.status is not CustodyStatus.LEFT_AT_OFFICE:
        raise Conflict(f"the card is {custody.status.value}: nothing to renew")
    card = uow.cards.get(custody.card_id)
    resident = uow.residents.get(custody.resident_id)
    # renew_in claims the card row first: a second worker waits, then gets a Conflict
    # before it touches the chip.
    issued = renew_in(uow, ca(), terminal, card=card, resident=resident,
                      kinds=custody.kinds, actor=actor, now=now, reason="custody")
    serials = [c.serial_hex for c in issued]
    custody.renew(serials=serials)
    uow.custody.save(custody, actor=actor.name, now=now)
    _audit(uow, actor, custody, AuditAction.CUSTODY_RENEW, now, serials=serials)
    return custody, issued


def renew_in_custody(
    uow_factory: UowFactory,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    custody_id: int,
    now: datetime,
    terminal: CardTerminal,
) -> RenewedInCustody:
    """Renew the certificates of a card left at the office: the card (its chip) is in the
    office's reader (`terminal`: the counter terminal's, relayed), no PIN is needed
    (docs/renewal.md). One card at a time, at the terminal: there is no batch."""
    with uow_factory() as uow:
        custody, issued = _renew_in(uow, terminal, ca, actor=actor, custody_id=custody_id,
                                    now=now)
        uow.commit()
    write_onto_chip(terminal, issued)
    return RenewedInCustody(custody, issued)


def mail_card(uow_factory: UowFactory, *, actor: Actor, custody_id: int,
              tracking_number: str, now: datetime) -> Custody:
    """Handed to the post as restricted-delivery mail to the holder's registered address:
    the postman hands it to the holder only, after seeing their identity document. The
    card leaves the office's reader into the envelope."""
    return _step(uow_factory, actor=actor, custody_id=custody_id,
                 action=AuditAction.CUSTODY_MAIL, now=now,
                 verb=lambda c: c.mail(tracking_number=tracking_number))


def record_delivery(uow_factory: UowFactory, *, actor: Actor, custody_id: int,
                    now: datetime) -> Custody:
    return _step(uow_factory, actor=actor, custody_id=custody_id,
                 action=AuditAction.CUSTODY_DELIVER, now=now, verb=lambda c: c.deliver())


def record_return(uow_factory: UowFactory, *, actor: Actor, custody_id: int, reason: str,
                  now: datetime) -> Custody:
    """The post brought the card back (nobody took it within the keeping period): the card
    goes into the office's reader again."""
    return _step(uow_factory, actor=actor, custody_id=custody_id,
                 action=AuditAction.CUSTODY_RETURN, now=now,
                 verb=lambda c: c.return_undelivered(reason=reason))


def collect(uow_factory: UowFactory, *, actor: Actor, custody_id: int,
            documents: Collection[IdDocument], legal_representative_present: bool = False,
            now: datetime) -> Custody:
    """The holder fetches the card at the office, with the pick-up documents; the card
    leaves the office's reader with them."""
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        resident = uow.residents.get(custody.resident_id)
        check_drop_off_identity(documents=documents, birth_date=resident.birth_date, on=today,
                                legal_representative_present=legal_representative_present)
        custody.collect()
        uow.custody.save(custody, actor=actor.name, now=now)
        _audit(uow, actor, custody, AuditAction.CUSTODY_COLLECT, now,
               documents=len(set(documents)))
        uow.commit()
    return custody


def cancel(uow_factory: UowFactory, *, actor: Actor, custody_id: int, reason: str,
           now: datetime) -> Custody:
    """Before renewal only: the card goes back to the holder as it is."""
    return _step(uow_factory, actor=actor, custody_id=custody_id,
                 action=AuditAction.CUSTODY_CANCEL, now=now,
                 verb=lambda c: c.cancel(reason=reason))


@dataclass(frozen=True, slots=True)
class CustodyStep:
    at: datetime
    actor: str
    from_status: CustodyStatus | None = field(metadata={"json": "from"})
    to_status: CustodyStatus = field(metadata={"json": "to"})
    details: dict[str, Any] = field(metadata={"flatten": True})  # shown beside the rest


@dataclass(frozen=True, slots=True)
class CustodyView:
    id: int
    card_number: str
    office: str
    status: CustodyStatus
    kinds: tuple[CertKind, ...]  # sorted
    left_on: date
    tracking_number: str | None
    mailings: int
    history: tuple[CustodyStep, ...]


def custody_view(uow_factory: UowFactory, *, actor: Actor, custody_id: int) -> CustodyView:
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        card = uow.cards.get(custody.card_id)
        history = uow.custody.history(custody_id)
    return CustodyView(
        id=custody.id, card_number=card.card_number, office=custody.office_code,
        status=custody.status, kinds=tuple(sorted(custody.kinds)), left_on=custody.left_on,
        tracking_number=custody.tracking_number, mailings=custody.mailings,
        history=tuple(CustodyStep(h.at, h.actor, h.from_status, h.to_status, h.details)
                      for h in history))
