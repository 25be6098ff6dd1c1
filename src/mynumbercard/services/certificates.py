"""JPKI certificate use cases: issue onto a card, suspend, revoke, life events, status.

Every status change re-signs that certificate's OCSP response in the same transaction,
so relying parties see it within seconds; CRLs pick it up at their next publication.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import (
    JST,
    Certificate,
    CertificateStatus,
    CertKind,
    LifeEvent,
    NewCertificate,
    RevocationReason,
    effect_of,
    is_expired,
    validity_window,
)
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.domain.validity import certificate_expiry, signature_certificate_allowed
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.pki_ports import CardTerminal, CertificateAuthority, Holder
from mynumbercard.services.ports import (
    AuditLog,
    AuditRecord,
    CardRepository,
    CertificateRepository,
    MunicipalityRepository,
    OcspAnswers,
    ResidentRepository,
    Transaction,
)


class HoldsOcsp(Protocol):
    @property
    def ocsp(self) -> OcspAnswers: ...


class CertificatesUnit(HoldsOcsp, Transaction, Protocol):
    """What issuing and changing certificates use in one transaction."""

    @property
    def certificates(self) -> CertificateRepository: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def audit(self) -> AuditLog: ...


UowFactory = Callable[[], CertificatesUnit]

OCSP_VALIDITY = timedelta(days=4)  # re-signed daily by `ocsp refresh`; stale after 4 days
EXPIRED_ANSWER_REVISIT = timedelta(days=366)  # an expired certificate's answer is final
SERIAL_BITS = 127  # positive, at most 16 octets, 127 bits from the CSPRNG


def new_serial() -> int:
    return secrets.randbits(SERIAL_BITS) | 1  # never 0


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    kind: CertKind
    serial: int
    not_after: datetime
    der: bytes
    ca_der: bytes = b""  # the issuing CA's certificate, written beside it on the chip

    @property
    def serial_hex(self) -> str:
        return format(self.serial, "x")


def ocsp_next_update(certificate: Certificate, now: datetime) -> datetime:
    """When the response signed now goes stale: never after the certificate's notAfter,
    so no `good` answer outlives the certificate even if no job re-signs it; once expired,
    the final answer is revisited yearly (it needs no signature)."""
    if is_expired(certificate.not_after, now):
        return now + EXPIRED_ANSWER_REVISIT
    return min(now + OCSP_VALIDITY, certificate.not_after)


def sign_ocsp(ca: CertificateAuthority, certificate: Certificate, now: datetime) -> bytes:
    """The response for this certificate as it stands now.

    Past its notAfter a certificate has no status any more: the answer is `unauthorized`,
    as for a responder that removed an expired certificate's record (RFC 5019 §2.2.3,
    RFC 6960 §2.3) -- the CRLs drop it too (RFC 5280 §3.3). Before that, `good` or
    `revoked`, with nextUpdate capped at notAfter (docs/renewal.md)."""
    if is_expired(certificate.not_after, now):
        return ca.ocsp_unauthorized()
    until = ocsp_next_update(certificate, now)
    if certificate.status is CertificateStatus.ACTIVE:
        return ca.ocsp_good(kind=certificate.kind, serial=certificate.serial, this_update=now,
                            next_update=until)
    if certificate.revoked_at is None or certificate.reason is None:  # pragma: no cover
        raise Conflict("a certificate that is not active carries its date and reason")
    return ca.ocsp_revoked(kind=certificate.kind, serial=certificate.serial,
                           revoked_at=certificate.revoked_at, reason=certificate.reason,
                           this_update=now, next_update=until)


def store_ocsp_in(uow: HoldsOcsp, ca: CertificateAuthority, certificate: Certificate,
                  now: datetime) -> None:
    uow.ocsp.put(kind=certificate.kind, serial=certificate.serial,
                 der=sign_ocsp(ca, certificate, now), this_update=now,
                 next_update=ocsp_next_update(certificate, now))


def issue_certificates(
    uow_factory: UowFactory,
    ca: CertificateAuthority,
    terminal: CardTerminal,
    *,
    actor: Actor,
    now: datetime,
) -> list[IssuedCertificate]:
    """Issue both certificates onto the card in the terminal (the signature certificate
    only from age 15), superseding any still-valid ones of the same card: the counter's
    certificate renewal.

    The chip makes each key pair and a CSR; the CA signs; the certificates are recorded
    with their OCSP responses and only then written onto the chip with the admin key.
    """
    actor.require_role(Permission.CERTIFICATE_ISSUE)
    with uow_factory() as uow:
        card = uow.cards.find_by_number(terminal.card_number)
        resident = uow.residents.get(card.resident_id) if card is not None else None
        if card is None or card.id is None or resident is None or not actor.may(
                Permission.CERTIFICATE_ISSUE, municipality_code=resident.municipality_code):
            raise NotFound("the card in the reader is not on the register")
        issued = issue_in(uow, ca, terminal, card=card, resident=resident,
                          kinds=frozenset(CertKind), actor=actor, now=now)
        uow.commit()
    write_onto_chip(terminal, issued)
    return issued


def write_onto_chip(terminal: CardTerminal, issued: Sequence[IssuedCertificate]) -> None:
    """After the commit: the chip gets only certificates the register holds, each with
    its issuing CA's certificate (so that readers such as OpenSC find the chain)."""
    for made in issued:
        terminal.write_certificate(made.kind, made.der)
        if made.ca_der:
            terminal.write_ca_certificate(made.kind, made.ca_der)


def issue_in(
    uow: CertificatesUnit,
    ca: CertificateAuthority,
    terminal: CardTerminal,
    *,
    card: Card,
    resident: Resident,
    kinds: frozenset[CertKind],
    actor: Actor,
    now: datetime,
) -> list[IssuedCertificate]:
    """Inside the caller's transaction: the certificates of `kinds` that the rules allow
    (no signature certificate under 15), on a valid card."""
    today = now.astimezone(JST).date()
    if card.id is None or not card.is_valid_on(today):
        state = "expired" if today > card.expires_on else card.status.value
        raise Conflict(f"the card is {state}: no certificates can go on it")
    expires_on = certificate_expiry(birth_date=resident.birth_date,
                                    certificate_issued_on=today,
                                    card_expires_on=card.expires_on)
    not_before, not_after = validity_window(now, expires_on)
    wanted = [kind for kind in (CertKind.SIGN, CertKind.AUTH) if kind in kinds]
    if not signature_certificate_allowed(birth_date=resident.birth_date, on=today):
        wanted = [kind for kind in wanted if kind is not CertKind.SIGN]
    town = uow.municipalities.get(resident.municipality_code)
    holder = Holder(
        name=resident.full_name,
        name_kana=resident.full_name_kana,
        birth_date=resident.birth_date, sex=resident.sex.value,
        address=resident.full_address(town),
    )
    for old in uow.certificates.of_card(card.id):
        if old.kind in wanted and old.status is CertificateStatus.ACTIVE:
            old.revoke(reason=RevocationReason.SUPERSEDED, at=now)
            uow.certificates.save(old, actor=actor.name, now=now)
            store_ocsp_in(uow, ca, old, now)
    issued: list[IssuedCertificate] = []
    for kind in wanted:
        csr = terminal.generate_key_pair(kind)
        serial = new_serial()
        der = ca.issue(kind=kind, csr_pem=csr, serial=serial,
                       holder=holder if kind is CertKind.SIGN else None,
                       not_before=not_before, not_after=not_after)
        certificate = uow.certificates.add(
            NewCertificate(kind=kind, serial=serial, card_id=card.id, not_before=not_before,
                           not_after=not_after), der, shard=ca.shard_of(serial), now=now)
        store_ocsp_in(uow, ca, certificate, now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.CERTIFICATE_ISSUE,
                                     f"certificate:{kind}:{certificate.serial_hex}",
                                     {"card": card.id, "expires_on": expires_on.isoformat()}))
        issued.append(IssuedCertificate(kind, serial, not_after, der,
                                        ca.issuing_certificate_der(kind)))
    return issued


def _one(uow: CertificatesUnit, serial: int, kind: CertKind | None) -> Certificate:
    found = uow.certificates.find(serial, kind)
    if not found:
        raise NotFound(f"no certificate with serial {serial:x}")
    if len(found) > 1:
        raise InvalidInput(f"serial {serial:x} exists under both CAs: say which (--kind)")
    return found[0]


def change_status(
    uow_factory: UowFactory,
    ca: CertificateAuthority,
    *,
    actor: Actor,
    serial: int,
    kind: CertKind | None = None,
    reason: RevocationReason,
    now: datetime,
) -> Certificate:
    """Suspend (reason certificateHold) or revoke one certificate, with its OCSP response
    re-signed in the same transaction."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    with uow_factory() as uow:
        certificate = _one(uow, serial, kind)
        if reason is RevocationReason.CERTIFICATE_HOLD:
            certificate.suspend(at=now)
            action = AuditAction.CERTIFICATE_SUSPEND
        else:
            certificate.revoke(reason=reason, at=now)
            action = AuditAction.CERTIFICATE_REVOKE
        uow.certificates.save(certificate, actor=actor.name, now=now)
        store_ocsp_in(uow, ca, certificate, now)
        uow.audit.record(AuditRecord(now, actor.name, action,
                                     f"certificate:{certificate.kind}:{certificate.serial_hex}",
                                     {"reason": reason.value}))
        uow.commit()
    return certificate


def apply_life_event(
    uow_factory: UowFactory,
    ca: CertificateAuthority,
    *,
    actor: Actor,
    card_id: int,
    event: LifeEvent,
    now: datetime,
) -> Sequence[Certificate]:
    """What a life event does to the card's certificates (rules.md), all at once."""
    actor.require(Permission.CERTIFICATE_REVOKE)
    with uow_factory() as uow:
        changed = apply_event_in(uow, lambda: ca, actor=actor, card_id=card_id, event=event,
                                 now=now)
        uow.commit()
    return changed


def apply_event_in(
    uow: CertificatesUnit,
    ca: Callable[[], CertificateAuthority],
    *,
    actor: Actor,
    card_id: int,
    event: LifeEvent,
    now: datetime,
) -> list[Certificate]:
    """Inside the caller's transaction (a death, a move): the CA is asked for only when a
    certificate actually changes, so a register without cards needs no CA."""
    changed: list[Certificate] = []
    for certificate in uow.certificates.of_card(card_id):
        change = effect_of(event, certificate.kind)
        if change is None or certificate.status in (CertificateStatus.REVOKED, change.to):
            continue  # nothing to do, or already suspended
        certificate.apply(change, at=now)
        uow.certificates.save(certificate, actor=actor.name, now=now)
        store_ocsp_in(uow, ca(), certificate, now)
        uow.audit.record(AuditRecord(
            now, actor.name, AuditAction.for_life_event(event),
            f"certificate:{certificate.kind}:{certificate.serial_hex}",
            {"reason": change.reason.value, "card": card_id}))
        changed.append(certificate)
    return changed


@dataclass(frozen=True, slots=True)
class CertificateStatusView:
    serial: str  # hexadecimal
    kind: CertKind
    status: str  # active, suspended, revoked, or expired by the date
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    reason: RevocationReason | None


def certificate_status(
    uow_factory: UowFactory, *, serial: int, kind: CertKind | None = None, now: datetime
) -> CertificateStatusView:
    """What anyone may know of a serial: status (expiry follows from the date), dates."""
    with uow_factory() as uow:
        certificate = _one(uow, serial, kind)
    return CertificateStatusView(
        serial=certificate.serial_hex, kind=certificate.kind,
        status=certificate.status_on(now), not_before=certificate.not_before,
        not_after=certificate.not_after, revoked_at=certificate.revoked_at,
        reason=certificate.reason)
