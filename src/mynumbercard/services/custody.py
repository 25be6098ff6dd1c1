"""The crowded-period hand-off: a card left at the office for certificate renewal and
returned by restricted-delivery post (本人限定受取郵便), step by step.

Each step is one transaction: a verb on the custody record (`domain/custody.py`, one
table of allowed transitions), written with a version check (two clerks doing the same
step at once: one wins, the other gets a Conflict) and an event, and audited.

The card itself moves with the steps. Through the counter terminal
(`services/custody_tasks.py`, `vault` None) it is in the office's reader from the
drop-off until it leaves, and these functions keep the ledger only. Through the API's
card-file form, leaving it (and the post bringing it back) puts the holder's card into
the office's vault; mailing, collecting and cancelling release it again (`CardOut.card`,
the card file), and the office keeps no copy.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from mynumbercard.domain.certificate import JST, CertKind
from mynumbercard.domain.custody import Custody, CustodyStatus, check_drop_off_identity
from mynumbercard.domain.errors import Conflict, DomainError, NotFound
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import batch
from mynumbercard.services.application_ports import CardVault
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import IssuedCertificate, write_onto_chip
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.jobs import JobsUnit
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


class CustodyJobUnit(CustodyUnit, JobsUnit, Protocol):
    """The batch renewal: with the chunk table, each card in a savepoint of its chunk."""

    def savepoint(self) -> AbstractContextManager[None]: ...


UowFactory = Callable[[], CustodyUnit]


def _audit(uow: CustodyUnit, actor: Actor, custody: Custody, action: AuditAction, now: datetime,
           **details: Any) -> None:
    uow.audit.record(AuditRecord(now, actor.name, action, f"custody:{custody.id}",
                                 {"card": custody.card_id, **details}))


@dataclass(frozen=True, slots=True)
class CardOut:
    """A step after which the card has left the office: its card file goes with it."""

    custody: Custody
    card: bytes = field(repr=False)


def _take_in(uow: CustodyUnit, vault: CardVault | None, card_number: str,
             card: bytes) -> None:
    """The card into the safe, then the commit; if the commit fails it goes back out
    (the holder keeps the card they brought). No vault: the card is in the reader."""
    if vault is None:
        uow.commit()
        return
    vault.receive(card_number, card)
    try:
        uow.commit()
    except BaseException:
        vault.release(card_number)
        raise


def _check_held(vault: CardVault | None, card_number: str) -> None:
    if vault is not None and not vault.holds(card_number):
        raise Conflict(f"card {card_number} is not in the office's safe")


def leave_card(
    uow_factory: UowFactory,
    vault: CardVault | None,
    *,
    actor: Actor,
    card_number: str,
    card_file: bytes = b"",
    documents: Collection[IdDocument],
    legal_representative_present: bool = False,
    kinds: frozenset[CertKind] = frozenset(CertKind),
    now: datetime,
) -> Custody:
    """The holder leaves a card that has not expired, for the certificates' renewal, after
    the identity check; the renewal window must be open already. `card_file` is the
    holder's card: it goes into the office's vault (no vault: it is in the reader)."""
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
        _take_in(uow, vault, card_number, card_file)
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
          now: datetime, verb: Callable[[Custody], None],
          commit: Callable[[CustodyUnit, str], None] | None = None,
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


def _released(vault: CardVault | None, number: str) -> bytes:
    """The card file out of the vault; from the reader the card itself leaves (b"")."""
    return vault.release(number) if vault is not None else b""


def _card_leaves(uow_factory: UowFactory, vault: CardVault | None, **step: Any) -> CardOut:
    def commit(uow: CustodyUnit, number: str) -> None:
        _check_held(vault, number)
        uow.commit()

    custody, number = _step(uow_factory, commit=commit, **step)
    return CardOut(custody, _released(vault, number))


@dataclass(frozen=True, slots=True)
class RenewedInCustody:
    custody: Custody
    certificates: list[IssuedCertificate]


def _renew_in(uow: CustodyUnit, terminal_of: Callable[[str], CardTerminal],
              ca: Callable[[], CertificateAuthority], *,
              actor: Actor, custody_id: int, now: datetime
              ) -> tuple[Custody, CardTerminal, list[IssuedCertificate]]:
    """In the caller's transaction; the chip is written once it committed."""
    custody = _visible(uow, actor, custody_id)
    if custody.status is not CustodyStatus.LEFT_AT_OFFICE:
        raise Conflict(f"the card is {custody.status.value}: nothing to renew")
    card = uow.cards.get(custody.card_id)
    resident = uow.residents.get(custody.resident_id)
    terminal = terminal_of(card.card_number)
    # renew_in claims the card row first: a second worker waits, then gets a Conflict
    # before it touches the chip.
    issued = renew_in(uow, ca(), terminal, card=card, resident=resident,
                      kinds=custody.kinds, actor=actor, now=now, reason="custody")
    serials = [c.serial_hex for c in issued]
    custody.renew(serials=serials)
    uow.custody.save(custody, actor=actor.name, now=now)
    _audit(uow, actor, custody, AuditAction.CUSTODY_RENEW, now, serials=serials)
    return custody, terminal, issued


def renew_in_custody(
    uow_factory: UowFactory,
    vault: CardVault | None,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    custody_id: int,
    now: datetime,
    terminal: CardTerminal | None = None,
) -> RenewedInCustody:
    """Renew the certificates of a card left at the office: the card (its chip) is in the
    office's reader (`terminal`: the counter terminal's, relayed; else the vault's), no
    PIN is needed (docs/renewal.md)."""
    def terminal_of(number: str) -> CardTerminal:
        if terminal is not None:
            return terminal
        if vault is None:
            raise Conflict("the card is in the counter terminal's reader: renew it there")
        return vault.terminal(number)

    with uow_factory() as uow:
        custody, terminal_used, issued = _renew_in(uow, terminal_of, ca, actor=actor,
                                              custody_id=custody_id, now=now)
        uow.commit()
    write_onto_chip(terminal_used, issued)
    return RenewedInCustody(custody, issued)


@dataclass(slots=True)
class BatchResult:
    renewed: int = 0
    refused: dict[int, str] = field(default_factory=dict)  # custody id -> error code


CUSTODY_RENEWAL = "custody-renew"


def renewal_job_name(office_code: str | None) -> str:
    """One job per office asked for: a run stopped for one office resumes for it only."""
    return f"{CUSTODY_RENEWAL}:{office_code}" if office_code else CUSTODY_RENEWAL


@dataclass(frozen=True, slots=True)
class RenewedChunk:
    renewed: int
    refused: tuple[tuple[int, str], ...]  # (custody id, error code)


def renewal_steps(vault: CardVault, ca: Callable[[], CertificateAuthority], *, actor: Actor,
                  now: datetime, office_code: str | None,
                  run_key: str) -> list[batch.Step[CustodyJobUnit]]:
    """Every card left at the offices (or at one) as a batch job: each card in a savepoint
    of its chunk, so one that cannot be renewed is reported (its error code) and the
    others go on; the chips are written once the chunk committed."""
    chips: list[tuple[CardTerminal, list[IssuedCertificate]]] = []  # this process's

    def waiting(uow: CustodyJobUnit, after: int, limit: int) -> Sequence[Custody]:
        return uow.custody.waiting(CustodyStatus.LEFT_AT_OFFICE, office_code=office_code,
                                   after_id=after, limit=limit)

    def ids(uow: CustodyJobUnit) -> list[int]:
        found: list[int] = []
        while page := waiting(uow, found[-1] if found else 0, 10_000):
            found += [c.id for c in page]
        return found

    def work(uow: CustodyJobUnit, chunk: Chunk) -> batch.Did:
        chips.clear()
        refused: list[tuple[int, str]] = []
        for custody in waiting(uow, chunk.lo - 1, chunk.hi - chunk.lo + 1):
            if custody.id > chunk.hi:
                break
            try:
                with uow.savepoint():
                    _, terminal, issued = _renew_in(uow, vault.terminal, ca, actor=actor,
                                                    custody_id=custody.id, now=now)
                chips.append((terminal, issued))
            except DomainError as refusal:
                refused.append((custody.id, refusal.code))
        return batch.Did(len(chips), (RenewedChunk(len(chips), tuple(refused)),))

    def write_chips(_: batch.Did) -> None:
        for terminal, issued in chips:
            write_onto_chip(terminal, issued)
        chips.clear()

    return [batch.Step(batch.Job(renewal_job_name(office_code), batch.by_ids(ids), work,
                                 then=write_chips), run_key)]


def batch_result(outcome: batch.Outcome, office_code: str | None) -> BatchResult:
    """The renewed cards and the refusals over every chunk of a start."""
    result = BatchResult()
    for done in outcome.of(renewal_job_name(office_code)):
        if isinstance(done, RenewedChunk):
            result.renewed += done.renewed
            result.refused.update(done.refused)
    return result


def renew_all_in_custody(
    uow_factory: Callable[[], CustodyJobUnit],
    vault: CardVault,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    now: datetime,
    office_code: str | None = None,
    chunk_rows: int = 200,
    run_key: str | None = None,
) -> BatchResult:
    """Every card left at the offices (or at one), here (one worker); `--workers` starts
    the same steps through `batch.start`."""
    name = renewal_job_name(office_code)
    key = run_key or batch.resumed_or_new(uow_factory, name, now)
    started = batch.start(uow_factory, renewal_steps(vault, ca, actor=actor, now=now,
                                                     office_code=office_code, run_key=key),
                          chunk_rows=chunk_rows, now=now)
    return batch_result(started.outcome, office_code)


def mail_card(uow_factory: UowFactory, vault: CardVault | None, *, actor: Actor, custody_id: int,
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


def record_return(uow_factory: UowFactory, vault: CardVault | None, *, actor: Actor,
                  custody_id: int, reason: str, card_file: bytes = b"",
                  now: datetime) -> Custody:
    """The post brought the card back (nobody took it within the keeping period): the card
    (`card_file`) goes into the office's vault again."""
    return _step(uow_factory, actor=actor, custody_id=custody_id, action=AuditAction.CUSTODY_RETURN,
                 now=now,
                 verb=lambda c: c.return_undelivered(reason=reason),
                 commit=lambda uow, number: _take_in(uow, vault, number, card_file))[0]


def collect(uow_factory: UowFactory, vault: CardVault | None, *, actor: Actor, custody_id: int,
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
    return CardOut(custody, _released(vault, number))


def cancel(uow_factory: UowFactory, vault: CardVault | None, *, actor: Actor, custody_id: int,
           reason: str, now: datetime) -> CardOut:
    """Before renewal only: the card goes back to the holder as it is."""
    return _card_leaves(uow_factory, vault, actor=actor, custody_id=custody_id,
                        action=AuditAction.CUSTODY_CANCEL,
now=now, verb=lambda c: c.cancel(reason=reason))


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
