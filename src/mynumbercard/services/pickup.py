"""The counter: hand a card over to its holder (or an allowed proxy), or void it.

Hand-over is one transaction that locks the application first, so two clerks handing
over the same card at once settle in the database: one succeeds, the other is told
the card is gone. The PINs go to the chip only, after the commit; nothing stores them.
At a pick-up by a proxy the clerk opens the holder's sealed PIN-setting request form in
front of the proxy and keys its PINs on the PIN pad: the audit records the form opened
and, once the PINs are on the chip, destroyed (never the PINs). Then the card leaves the
office with its holder: the vault releases it (`HandedOver.card`, the card file) and
keeps no copy, so nothing on the server can sign for the holder afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.application import (
    WITH_CARD,
    Application,
    ApplicationStatus,
    ApplicationVoided,
    VoidReason,
)
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import JST, CertKind, LifeEvent
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pickup import (
    IdDocument,
    ProxyPickUp,
    ProxyRefused,
    check_holder_in_person,
    check_proxy,
)
from mynumbercard.domain.pins import PinKind, validate_new_pin
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import signature_certificate_allowed
from mynumbercard.services.application_ports import Applications, CardVault
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.certificates import (
    CertificatesUnit,
    IssuedCertificate,
    apply_event_in,
    issue_in,
    write_onto_chip,
)
from mynumbercard.services.custody_ports import CustodyRepository
from mynumbercard.services.notice_ports import PinFormNumbers
from mynumbercard.services.pki_ports import CardTerminal, CertificateAuthority
from mynumbercard.services.ports import AuditLog, AuditRecord, CardRepository
from mynumbercard.services.visibility import visible


class HandOverApplications(Applications, PinFormNumbers, Protocol):
    pass


class VoidsApplications(Protocol):
    """What voiding an application (and destroying its card) needs: `void_in`."""

    @property
    def applications(self) -> Applications: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def audit(self) -> AuditLog: ...


class PickupUnit(CertificatesUnit, Protocol):
    """What the hand-over and the void use in one transaction: the certificates' unit
    (certificates are issued at the counter) with the applications and custody."""

    @property
    def applications(self) -> HandOverApplications: ...
    @property
    def custody(self) -> CustodyRepository: ...


UowFactory = Callable[[], PickupUnit]


@dataclass(frozen=True, slots=True)
class InPerson:
    documents: frozenset[IdDocument]
    legal_representative_present: bool = False


@dataclass(frozen=True, slots=True)
class HandedOver:
    card_number: str
    certificates: list[IssuedCertificate]
    returned_cards: list[str] = field(default_factory=list)
    card: bytes = field(default=b"", repr=False)  # the card file, now the holder's
    pins_to_set: frozenset[PinKind] = frozenset()  # left to the counter terminal


def issued_kinds(application: Application, *, signature: bool) -> frozenset[CertKind]:
    """The certificates a card gets at its hand-over."""
    kinds = {CertKind.SIGN} if signature else set()
    if application.want_auth_certificate:
        kinds.add(CertKind.AUTH)
    return frozenset(kinds)


def signature_at_hand_over(application: Application, resident: Resident, *,
                           today: date) -> bool:
    return (application.want_signature_certificate
            and signature_certificate_allowed(birth_date=resident.birth_date, on=today))


def required_pins(application: Application, *, signature: bool) -> set[PinKind]:
    kinds = {PinKind.RESIDENT_REGISTER, PinKind.CARD_INFO}
    if application.want_auth_certificate:
        kinds.add(PinKind.USER_AUTH)
    if signature:
        kinds.add(PinKind.SIGNATURE)
    return kinds


def _check_pins(pins: Mapping[PinKind, str], wanted: set[PinKind]) -> dict[PinKind, str]:
    missing = wanted - set(pins)
    if missing:
        names = ", ".join(sorted(kind.value for kind in missing))
        raise InvalidInput(f"the holder sets these PINs on the PIN pad: {names}")
    for kind in wanted:
        validate_new_pin(kind, pins[kind])
    return {kind: pins[kind] for kind in wanted}


def check_waiting(application: Application) -> None:
    if application.status is ApplicationStatus.VOIDED:
        raise ApplicationVoided("this card's application is void: the card cannot be "
                                "handed over")
    if application.status is ApplicationStatus.HANDED_OVER:
        raise Conflict("this card was handed over already")
    if application.status is not ApplicationStatus.READY_FOR_PICK_UP:
        raise Conflict("this card has not arrived at the office yet")


def _check_reader(terminal: CardTerminal | None, card_number: str) -> None:
    if terminal is not None and terminal.card_number != card_number:
        raise InvalidInput(f"the card in the reader is card {terminal.card_number}, not "
                           f"card {card_number}")


def _office_terminal(vault: CardVault, card_number: str,
                     terminal: CardTerminal | None) -> CardTerminal:
    """The office's card in its reader: the vault's, or the one in a PC/SC reader (the
    vault must still hold the card: it gives it up at the end)."""
    if terminal is None:
        return vault.terminal(card_number)
    if not vault.holds(card_number):
        raise NotFound(f"card {card_number} is not in the office's safe")
    return terminal


def hand_over(
    uow_factory: UowFactory,
    vault: CardVault,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    card_number: str,
    identity: InPerson | ProxyPickUp,
    notice_presented: bool,
    pins: Mapping[PinKind, str] | None,
    now: datetime,
    terminal: CardTerminal | None = None,
) -> HandedOver:
    """Identity check, certificates onto the chip, the old card taken back, hand-over.

    The card is the office's, in its reader: by default the vault's (`vault.terminal`),
    or `terminal`, a card in a PC/SC reader (which must be this card). With `pins` None
    the counter's terminal sets the PINs itself after the answer (`pins_to_set`): they
    never reach this process."""
    today = now.astimezone(JST).date()
    returned: list[str] = []
    actor.require_role(Permission.CARD_HAND_OVER)
    _check_reader(terminal, card_number)
    with uow_factory() as uow:
        card = uow.cards.find_by_number(card_number)
        application = (uow.applications.by_card(card.id, lock=True)
                       if card is not None and card.id is not None else None)
        if (card is None or application is None or application.id is None
                or not actor.may(Permission.CARD_HAND_OVER,
                                 municipality_code=application.office_code)):
            raise NotFound("no card with this number waits at an office")
        check_waiting(application)
        resident = uow.residents.get(application.resident_id)
        proxy = isinstance(identity, ProxyPickUp)
        if isinstance(identity, ProxyPickUp):
            expected = uow.applications.pin_form_number(application.id)
            if expected is None:
                raise ProxyRefused("the notice with its sealed PIN form has not been mailed "
                                   "yet: no proxy pick-up before it")
            check_proxy(identity, notice_presented=notice_presented, expected_pin_form=expected)
            # The one case where the holder's PINs pass through other hands: the clerk
            # opened the holder's sealed form in front of the proxy. Recorded, never the PINs.
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.PIN_FORM_OPEN,
                                         f"application:{application.id}", None))
        else:
            check_holder_in_person(
                notice_presented=notice_presented, documents=identity.documents,
                birth_date=resident.birth_date, on=today,
                legal_representative_present=identity.legal_representative_present)
        signature = signature_at_hand_over(application, resident, today=today)
        wanted_pins = required_pins(application, signature=signature)
        chosen = _check_pins(pins, wanted_pins) if pins is not None else None
        for old in uow.cards.of_resident(resident.id):
            if old.id != card.id and old.status in (CardStatus.ACTIVE, CardStatus.LOST):
                if uow.custody.open_for_card(old.id) is not None:
                    raise Conflict("the old card is in the office's custody for certificate "
                                   "renewal: close that hand-off before the new card is "
                                   "handed over")
                old.change_status(CardStatus.RETURNED)
                uow.cards.save(old, now=now)
                apply_event_in(uow, ca, actor=actor, card_id=old.id,
                               event=LifeEvent.CARD_RETURNED, now=now)
                returned.append(old.card_number)
        card.change_status(CardStatus.ACTIVE)
        uow.cards.save(card, now=now)
        kinds = issued_kinds(application, signature=signature)
        terminal = _office_terminal(vault, card_number, terminal)
        issued = (issue_in(uow, ca(), terminal, card=card, resident=resident,
                           kinds=kinds, actor=actor, now=now) if kinds else [])
        application.hand_over(by_proxy=proxy)
        uow.applications.save(application, actor=actor.name, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_HAND_OVER,
                                     f"card:{card.id}", {
            "application": application.id, "proxy": proxy,
            "reason": identity.reason.value if isinstance(identity, ProxyPickUp) else None,
            "returned_cards": len(returned)}))
        uow.commit()
    if chosen is not None:
        terminal.set_initial_pins(chosen)
    if proxy:  # the PINs are on the chip: the opened form is destroyed at the counter
        with uow_factory() as uow:
            uow.audit.record(AuditRecord(now, actor.name, AuditAction.PIN_FORM_DESTROY,
                                         f"application:{application.id}", None))
            uow.commit()
    write_onto_chip(terminal, issued)
    return HandedOver(card_number, issued, returned, vault.release(card_number),
                      frozenset() if chosen is not None else frozenset(wanted_pins))


def void_in(uow: VoidsApplications, application: Application, reason: VoidReason, *, actor: Actor,
            now: datetime) -> str | None:
    """Void inside the caller's transaction; a card already made is destroyed, never
    handed over. Returns the destroyed card's number (its chip goes after the commit)."""
    had_card = application.status in WITH_CARD
    application.void(reason)
    uow.applications.save(application, actor=actor.name, now=now)
    uow.audit.record(AuditRecord(now, actor.name, AuditAction.APPLICATION_VOID,
                                 f"application:{application.id}", {"reason": reason.value}))
    if not had_card or application.card_id is None:
        return None
    card = uow.cards.get(application.card_id)
    card.change_status(CardStatus.DESTROYED)
    uow.cards.save(card, now=now)
    uow.audit.record(AuditRecord(now, actor.name, AuditAction.CARD_DESTROY, f"card:{card.id}",
                                 {"reason": reason.value}))
    return card.card_number


def void_application(
    uow_factory: UowFactory,
    vault: CardVault | None,
    *,
    actor: Actor,
    application_ref: int,
    reason: VoidReason,
    now: datetime,
) -> Application:
    actor.require_role(Permission.APPLICATION_VOID)
    with uow_factory() as uow:
        def look_up() -> tuple[Application, str]:
            found = uow.applications.get(application_ref, lock=True)
            # the office that holds it decides; before it has one, the resident's
            return found, found.office_code or uow.residents.get(
                found.resident_id).municipality_code

        application, _ = visible(actor, Permission.APPLICATION_VOID,
                                 hidden=f"no application {application_ref}",
                                 look_up=look_up, municipalities=lambda found: (found[1],))
        destroyed = void_in(uow, application, reason, actor=actor, now=now)
        uow.commit()
    if destroyed and vault is not None:
        vault.destroy(destroyed)
    return application
