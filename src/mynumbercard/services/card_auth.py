"""The card's challenge-response with its user-authentication key, shared by the kiosk
and the holder's My Number Points (docs/services.md): a one-use challenge, the card's
signature over it (after the holder's PIN, on the card), and the checks — chain to the
JPKI user-authentication CA, signature, the system's link certificate → card → resident,
expiry, and the status our own OCSP answer gives.

The functions run inside the caller's transaction (`_in`); the caller audits and
commits. Refusals are `KioskRefused` (the reasons the card's holder is shown)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mynumbercard.domain.card_statement import Statement
from mynumbercard.domain.certificate import CertificateStatus, RevocationReason
from mynumbercard.domain.errors import AuthenticationFailed, InvalidInput
from mynumbercard.domain.kiosk import CHALLENGE_BYTES, KioskRefused, Refusal
from mynumbercard.domain.resident import Resident, ResidentStatus
from mynumbercard.services.certificates import CertificatesUnit
from mynumbercard.services.kiosk_ports import AnswerChecker, Linked

CHALLENGE_LIFETIME = timedelta(minutes=3)
MAX_CERTIFICATE = 8192
MAX_SIGNATURE = 1024


class Challenges(Protocol):
    def add_challenge(self, challenge: str, *, operator: str, now: datetime,
                      expires_at: datetime) -> None: ...
    def use_challenge(self, challenge: str, *, operator: str, now: datetime) -> bool:
        """Spend it (once, by its owner, before it expires); False otherwise."""
        ...
    def linked(self, serial: int) -> Linked | None:
        """The certificate's card, holder, status and stored OCSP answer: one read."""
        ...


class CardAuthUnit(CertificatesUnit, Protocol):
    @property
    def kiosk(self) -> Challenges: ...  # the challenges' table is the kiosk's


@dataclass(frozen=True, slots=True)
class Challenge:
    challenge: str  # 32 bytes, hexadecimal
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CardAnswer:
    """What the card gave for a challenge: its certificate and its signature."""

    challenge: str
    certificate_der: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if len(self.certificate_der) > MAX_CERTIFICATE or len(self.signature) > MAX_SIGNATURE:
            raise InvalidInput("the certificate or the signature is too long")
        challenge_bytes(self.challenge)


@dataclass(frozen=True, slots=True)
class Holder:
    """The card's holder, found through the system's link (the certificate carries no
    name)."""

    serial: int
    card_id: int
    resident: Resident


def challenge_bytes(challenge: str) -> bytes:
    try:
        raw = bytes.fromhex(challenge)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != CHALLENGE_BYTES or challenge != raw.hex():
        raise InvalidInput("a challenge is 64 lower-case hexadecimal digits")
    return raw


def new_challenge_in(uow: CardAuthUnit, *, owner: str, now: datetime) -> Challenge:
    """A one-use challenge that only `owner` (a kiosk operator's key id, or `holder`)
    may spend, valid a few minutes."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES).hex()
    expires = now + CHALLENGE_LIFETIME
    uow.kiosk.add_challenge(challenge, operator=owner, now=now, expires_at=expires)
    return Challenge(challenge, expires)


def spend_in(uow: CardAuthUnit, challenge: str, *, owner: str, now: datetime) -> None:
    """Spend the challenge (UPDATE … WHERE unused): a second answer is `replayed`."""
    if not uow.kiosk.use_challenge(challenge, operator=owner, now=now):
        raise KioskRefused(Refusal.REPLAYED)


def holder_in(uow: CardAuthUnit, checker: AnswerChecker, answer: CardAnswer, *,
              now: datetime, statement: Statement) -> Holder:
    """The holder whose card signed the (spent) challenge bound to the `statement` the
    service issued with it (domain/card_statement.py: a signature over another purpose or
    statement, or over the bare challenge of the first form, does not verify); refused for
    a certificate from another CA or a signature its key did not make (401), an expired,
    revoked or held certificate, or a holder who died."""
    checked = checker.check(certificate_der=answer.certificate_der,
                            signature=answer.signature,
                            data=statement.signed_message(challenge_bytes(answer.challenge)))
    # The certificate → card → holder link and the stored OCSP answer in one read.
    linked = uow.kiosk.linked(checked.serial)
    if linked is None:  # signed by our CA, yet not in the register: nothing to say about it
        raise AuthenticationFailed("the certificate is not one this system issued")
    if now > checked.not_after:
        raise KioskRefused(Refusal.CERTIFICATE_EXPIRED)
    check_status(checker, linked)
    return Holder(checked.serial, linked.card_id, linked.resident)


def check_status(checker: AnswerChecker, linked: Linked) -> None:
    """The status our own OCSP answer gives (the register's when none is stored yet)."""
    answer = checker.ocsp_status(linked.ocsp_der) if linked.ocsp_der is not None else None
    if answer is None:
        answer = linked.status
    resident = linked.resident
    if answer.status is CertificateStatus.ACTIVE:
        return
    if resident.status is ResidentStatus.DECEASED:
        raise KioskRefused(Refusal.DECEASED)
    if (answer.status is CertificateStatus.SUSPENDED
            or answer.reason is RevocationReason.CERTIFICATE_HOLD):
        raise KioskRefused(Refusal.CERTIFICATE_ON_HOLD)
    raise KioskRefused(Refusal.CERTIFICATE_REVOKED)
