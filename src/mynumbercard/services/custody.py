"""The crowded-period hand-off: a card left at the office for certificate renewal and
returned by restricted-delivery post (本人限定受取郵便), step by step.

Each step is one transaction: a verb on the custody record (`domain/custody.py`, one
table of allowed transitions), written with a version check (two clerks doing the same
step at once: one wins, the other gets a Conflict) and an event, and audited.

The card itself moves with the steps: leaving it (and the post bringing it back) puts
the holder's card into the office's vault; mailing, collecting and cancelling release it
again (`CardOut.card`, the card file), and the office keeps no copy.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.custody import Custody, CustodyStatus, check_drop_off_identity
from mynumbercard.domain.errors import Conflict, DomainError, NotFound
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.application_ports import CardVault
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import IssuedCertificate, write_onto_chip
from mynumbercard.services.pki_ports import CertificateAuthority
from mynumbercard.services.ports import AuditRecord, UnitOfWork
from mynumbercard.services.renewal import check_window_in, renew_in, renewable_kinds

UowFactory = Callable[[], UnitOfWork]


def _audit(uow: UnitOfWork, actor: Actor, custody: Custody, action: AuditAction, now: datetime,
           **details: Any) -> None:
    uow.audit.record(AuditRecord(now, actor.name, action, f"custody:{custody.id}",
                                 {"card": custody.card_id, **details}))


@dataclass(frozen=True, slots=True)
class CardOut:
    """A step after which the card has left the office: its card file goes with it."""

    custody: Custody
    card: bytes = field(repr=False)


def _take_in(uow: UnitOfWork, vault: CardVault, card_number: str, card: bytes) -> None:
    """The card into the safe, then the commit; if the commit fails it goes back out
    (the holder keeps the card they brought)."""
    vault.receive(card_number, card)
    try:
        uow.commit()
    except BaseException:
        vault.release(card_number)
        raise


def _check_held(vault: CardVault, card_number: str) -> None:
    if not vault.holds(card_number):
        raise Conflict(f"card {card_number} is not in the office's safe")


def leave_card(
    uow_factory: UowFactory,
    vault: CardVault,
    *,
    actor: Actor,
    card_number: str,
    card_file: bytes,
    documents: Collection[IdDocument],
    legal_representative_present: bool = False,
    kinds: frozenset[CertKind] = frozenset(CertKind),
    now: datetime,
) -> Custody:
    """The holder leaves a card that has not expired, for the certificates' renewal, after
    the identity check; the renewal window must be open already. `card_file` is the
    holder's card: it goes into the office's vault."""
    today = now.astimezone(JST).date()
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        card = uow.cards.find_by_number(card_number)
        resident = uow.residents.get(card.resident_id) if card is not None else None
        if (card is None or card.id is None or resident is None
                or not actor.may(Permission.CERTIFICATE_ISSUE,
                                 municipality_code=resident.municipality_code)):
            raise NotFound("no card with this number is on the register")
        check_drop_off_identity(documents=documents, birth_date=resident.birth_date, on=today,
                                legal_representative_present=legal_representative_present)
        wanted = renewable_kinds(resident, kinds, now=now)
        check_window_in(uow, card, wanted, now=now)
        custody = Custody.leave(card_id=card.id, resident_id=resident.id,
                                office_code=resident.municipality_code, kinds=wanted,
                                left_on=today)
        uow.custody.add(custody, actor=actor.name, now=now)
        _audit(uow, actor, custody, AuditAction.CUSTODY_LEAVE,
               now, kinds=sorted(k.value for k in wanted),
               documents=len(set(documents)))
        _take_in(uow, vault, card_number, card_file)
    return custody


def _visible(uow: UnitOfWork, actor: Actor, custody_id: int) -> Custody:
    """Authorise the role first, then look up: another office's hand-off gets the same
    NotFound as an unknown one."""
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    hidden = f"no card left at an office under number {custody_id}"
    try:
        custody = uow.custody.get(custody_id)
    except NotFound:
        raise NotFound(hidden) from None
    actor.require_visible(Permission.CERTIFICATE_ISSUE, municipality_code=custody.office_code,
                          hidden=hidden)
    return custody


def _step(uow_factory: UowFactory, *, actor: Actor, custody_id: int, action: AuditAction,
          now: datetime, verb: Callable[[Custody], None],
          commit: Callable[[UnitOfWork, str], None] | None = None,
          **details: Any) -> tuple[Custody, str]:
    """One step; `commit` (given the card number) does the commit when the card moves."""
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        verb(custody)
        uow.custody.save(custody, actor=actor.name, now=now)
        _audit(uow, actor, custody, action, now, **details)
        number = uow.cards.get(custody.card_id).card_number
        if commit is None:
            uow.commit()
        else:
            commit(uow, number)
    return custody, number


def _card_leaves(uow_factory: UowFactory, vault: CardVault, **step: Any) -> CardOut:
    def commit(uow: UnitOfWork, number: str) -> None:
        _check_held(vault, number)
        uow.commit()

    custody, number = _step(uow_factory, commit=commit, **step)
    return CardOut(custody, vault.release(number))


@dataclass(frozen=True, slots=True)
class RenewedInCustody:
    custody: Custody
    certificates: list[IssuedCertificate]


def renew_in_custody(
    uow_factory: UowFactory,
    vault: CardVault,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    custody_id: int,
    now: datetime,
) -> RenewedInCustody:
    """Renew the certificates of a card left at the office: the card (its chip) is in the
    office's reader, no PIN is needed (docs/renewal.md)."""
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        if custody.status is not CustodyStatus.LEFT_AT_OFFICE:
            raise Conflict(f"the card is {custody.status.value}: nothing to renew")
        card = uow.cards.get(custody.card_id)
        resident = uow.residents.get(custody.resident_id)
        terminal = vault.terminal(card.card_number)
        # renew_in claims the card row first: a second worker waits, then gets a Conflict
        # before it touches the chip.
        issued = renew_in(uow, ca(), terminal, card=card, resident=resident,
                          kinds=custody.kinds, actor=actor, now=now, reason="custody")
        serials = [c.serial_hex for c in issued]
        custody.renew(serials=serials)
        uow.custody.save(custody, actor=actor.name, now=now)
        _audit(uow, actor, custody, AuditAction.CUSTODY_RENEW, now, serials=serials)
        uow.commit()
    write_onto_chip(terminal, issued)
    return RenewedInCustody(custody, issued)


@dataclass(slots=True)
class BatchResult:
    renewed: int = 0
    refused: dict[int, str] = field(default_factory=dict)  # custody id -> error code


def renew_all_in_custody(
    uow_factory: UowFactory,
    vault: CardVault,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    now: datetime,
    office_code: str | None = None,
    chunk: int = 200,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Every card left at the offices (or at one), each in its own transaction: one card
    that cannot be renewed is reported and the others go on; a card another worker took
    meanwhile is a Conflict, reported, not renewed twice."""
    result, after = BatchResult(), 0
    while True:
        with uow_factory() as uow:
            batch = uow.custody.waiting(CustodyStatus.LEFT_AT_OFFICE, office_code=office_code,
                                        after_id=after, limit=chunk)
        for custody in batch:
            try:
                renew_in_custody(uow_factory, vault, ca, actor=actor,
                                 custody_id=custody.id or 0, now=now)
                result.renewed += 1
            except DomainError as refused:
                result.refused[custody.id or 0] = refused.code
            if progress is not None:
                progress(1)
        if len(batch) < chunk:
            return result
        after = batch[-1].id or 0


def mail_card(uow_factory: UowFactory, vault: CardVault, *, actor: Actor, custody_id: int,
              tracking_number: str, now: datetime) -> CardOut:
    """Handed to the post as restricted-delivery mail to the holder's registered address:
    the postman hands it to the holder only, after seeing their identity document. The
    card (its file) goes into the envelope; the office keeps no copy."""
    return _card_leaves(uow_factory, vault, actor=actor, custody_id=custody_id,
                        action=AuditAction.CUSTODY_MAIL, now=now,
                        verb=lambda c: c.mail(tracking_number=tracking_number))


def record_delivery(uow_factory: UowFactory, *, actor: Actor, custody_id: int,
                    now: datetime) -> Custody:
    return _step(uow_factory, actor=actor, custody_id=custody_id,
                 action=AuditAction.CUSTODY_DELIVER, now=now, verb=lambda c: c.deliver())[0]


def record_return(uow_factory: UowFactory, vault: CardVault, *, actor: Actor,
                  custody_id: int, reason: str, card_file: bytes, now: datetime) -> Custody:
    """The post brought the card back (nobody took it within the keeping period): the card
    (`card_file`) goes into the office's vault again."""
    return _step(uow_factory, actor=actor, custody_id=custody_id, action=AuditAction.CUSTODY_RETURN,
                 now=now,
                 verb=lambda c: c.return_undelivered(reason=reason),
                 commit=lambda uow, number: _take_in(uow, vault, number, card_file))[0]


def collect(uow_factory: UowFactory, vault: CardVault, *, actor: Actor, custody_id: int,
            documents: Collection[IdDocument], legal_representative_present: bool = False,
            now: datetime) -> CardOut:
    """The holder fetches the card at the office, with the pick-up documents; the card
    (its file) goes with them."""
    today = now.astimezone(JST).date()
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        resident = uow.residents.get(custody.resident_id)
        check_drop_off_identity(documents=documents, birth_date=resident.birth_date, on=today,
                                legal_representative_present=legal_representative_present)
        custody.collect()
        uow.custody.save(custody, actor=actor.name, now=now)
        _audit(uow, actor, custody, AuditAction.CUSTODY_COLLECT, now, documents=len(set(documents)))
        number = uow.cards.get(custody.card_id).card_number
        _check_held(vault, number)
        uow.commit()
    return CardOut(custody, vault.release(number))


def cancel(uow_factory: UowFactory, vault: CardVault, *, actor: Actor, custody_id: int,
           reason: str, now: datetime) -> CardOut:
    """Before renewal only: the card goes back to the holder as it is."""
    return _card_leaves(uow_factory, vault, actor=actor, custody_id=custody_id,
                        action=AuditAction.CUSTODY_CANCEL,
now=now, verb=lambda c: c.cancel(reason=reason))


def custody_view(uow_factory: UowFactory, *, actor: Actor, custody_id: int) -> dict[str, Any]:
    with uow_factory() as uow:
        custody = _visible(uow, actor, custody_id)
        card = uow.cards.get(custody.card_id)
        history = uow.custody.history(custody_id)
    return {
        "id": custody.id, "card_number": card.card_number, "office": custody.office_code,
        "status": custody.status.value, "kinds": sorted(k.value for k in custody.kinds),
        "left_on": custody.left_on.isoformat(), "tracking_number": custody.tracking_number,
        "mailings": custody.mailings,
        "history": [{"at": h.at.isoformat(), "actor": h.actor,
                     "from": h.from_status.value if h.from_status else None,
                     "to": h.to_status.value, **h.details} for h in history],
    }
