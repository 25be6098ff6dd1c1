"""JPKI certificates: statuses, what each life event does to them, their validity window.

Two certificates live on a card: the signature certificate (署名用電子証明書, personal
data, signature password) and the user-authentication certificate (利用者証明用電子証明書,
no personal data, 4-digit PIN). Their status changes follow `rules.md`:

- a change of name, address, birth date or sex revokes the signature certificate only;
- a lost card suspends both at once (certificateHold); found again and brought to the
  counter, the hold is lifted (`release`: removeFromCRL in the next delta CRL, the OCSP
  answer good again); not found, both are revoked (keyCompromise);
- death, loss of residence or the return of the card revoke both;
- renewal revokes the certificate it replaces (superseded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum

from mynumbercard.domain.errors import InvalidInput, InvalidTransition

JST = timezone(timedelta(hours=9), "JST")


class CertKind(StrEnum):
    SIGN = "sign"
    AUTH = "auth"


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # certificateHold: the card was reported lost
    REVOKED = "revoked"


ALLOWED_TRANSITIONS: dict[CertificateStatus, frozenset[CertificateStatus]] = {
    CertificateStatus.ACTIVE: frozenset({CertificateStatus.SUSPENDED, CertificateStatus.REVOKED}),
    CertificateStatus.SUSPENDED: frozenset({CertificateStatus.REVOKED}),
    CertificateStatus.REVOKED: frozenset(),
}


class RevocationReason(StrEnum):
    """RFC 5280 CRLReason names (certificateHold is a suspension, not a revocation)."""

    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "keyCompromise"
    AFFILIATION_CHANGED = "affiliationChanged"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessationOfOperation"
    PRIVILEGE_WITHDRAWN = "privilegeWithdrawn"
    CERTIFICATE_HOLD = "certificateHold"
    REMOVE_FROM_CRL = "removeFromCRL"  # a hold lifted: in delta CRLs only, never stored

    @classmethod
    def parse(cls, text: str) -> RevocationReason:
        for reason in cls:
            if text in (reason.value, reason.value.lower()) and reason not in _NOT_REVOCATIONS:
                return reason
        names = ", ".join(r.value for r in cls if r not in _NOT_REVOCATIONS)
        raise InvalidInput(f"unknown revocation reason {text!r}; one of: {names} "
                           "(a suspension is `cert suspend`)")


_NOT_REVOCATIONS = frozenset({RevocationReason.CERTIFICATE_HOLD,
                              RevocationReason.REMOVE_FROM_CRL})


class LifeEvent(StrEnum):
    PERSONAL_DATA_CHANGED = "personal_data_changed"  # name, address, birth date or sex
    CARD_LOST = "card_lost"
    CARD_FOUND = "card_found"
    DEATH = "death"
    LOSS_OF_RESIDENCE = "loss_of_residence"
    CARD_RETURNED = "card_returned"
    RENEWED = "renewed"


@dataclass(frozen=True, slots=True)
class StatusChange:
    to: CertificateStatus
    reason: RevocationReason


_REVOKE = CertificateStatus.REVOKED
EFFECTS: dict[LifeEvent, dict[CertKind, StatusChange]] = {
    LifeEvent.PERSONAL_DATA_CHANGED: {
        CertKind.SIGN: StatusChange(_REVOKE, RevocationReason.AFFILIATION_CHANGED),
    },
    LifeEvent.CARD_LOST: {
        kind: StatusChange(CertificateStatus.SUSPENDED, RevocationReason.CERTIFICATE_HOLD)
        for kind in CertKind
    },
    LifeEvent.CARD_FOUND: {kind: StatusChange(_REVOKE, RevocationReason.SUPERSEDED)
                           for kind in CertKind},
    LifeEvent.DEATH: {kind: StatusChange(_REVOKE, RevocationReason.CESSATION_OF_OPERATION)
                      for kind in CertKind},
    LifeEvent.LOSS_OF_RESIDENCE: {
        kind: StatusChange(_REVOKE, RevocationReason.CESSATION_OF_OPERATION) for kind in CertKind
    },
    LifeEvent.CARD_RETURNED: {
        kind: StatusChange(_REVOKE, RevocationReason.CESSATION_OF_OPERATION) for kind in CertKind
    },
    LifeEvent.RENEWED: {kind: StatusChange(_REVOKE, RevocationReason.SUPERSEDED)
                        for kind in CertKind},
}


def effect_of(event: LifeEvent, kind: CertKind) -> StatusChange | None:
    """What `event` does to a certificate of `kind` (None: nothing)."""
    return EFFECTS[event].get(kind)


def check_transition(current: CertificateStatus, new: CertificateStatus) -> None:
    if new not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(f"a {current.value} certificate cannot become {new.value}")


def validity_window(issued_at: datetime, expires_on: date) -> tuple[datetime, datetime]:
    """notBefore is the moment of issue; notAfter the last second of the expiry day in
    Japan (the rules count days in Japanese time), both in UTC."""
    if issued_at.tzinfo is None:
        raise InvalidInput("the issue time must carry a time zone")
    last_second = datetime.combine(expires_on, time(23, 59, 59), JST)
    if last_second <= issued_at:
        raise InvalidInput("the certificate would expire before it is issued")
    return issued_at.astimezone(UTC).replace(microsecond=0), last_second.astimezone(UTC)


def is_expired(not_after: datetime, now: datetime) -> bool:
    """Status follows from the date: no job has to run for a certificate to expire."""
    return now > not_after


@dataclass(frozen=True, slots=True)
class NewCertificate:
    """A certificate just issued, not recorded yet: `CertificateRepository.add` returns
    the stored `Certificate`."""

    kind: CertKind
    serial: int
    card_id: int
    not_before: datetime
    not_after: datetime

    @property
    def serial_hex(self) -> str:
        return format(self.serial, "x")

    def stored(self, certificate_id: int) -> Certificate:
        return Certificate(id=certificate_id, kind=self.kind, serial=self.serial,
                           card_id=self.card_id, not_before=self.not_before,
                           not_after=self.not_after)


@dataclass(slots=True)
class Certificate:
    """A certificate as the register of certificates knows it (the DER lives beside it)."""

    id: int
    kind: CertKind
    serial: int
    card_id: int
    not_before: datetime
    not_after: datetime
    status: CertificateStatus = CertificateStatus.ACTIVE
    revoked_at: datetime | None = None
    reason: RevocationReason | None = None
    version: int = 0
    released_at: datetime | None = None  # the last hold lifted (removeFromCRL)

    @property
    def serial_hex(self) -> str:
        return format(self.serial, "x")

    def status_on(self, now: datetime) -> str:
        """What a relying party is told: the stored status, or expired by the date."""
        if self.status is CertificateStatus.ACTIVE and is_expired(self.not_after, now):
            return "expired"
        return self.status.value

    def _change(self, change: StatusChange, at: datetime) -> None:
        check_transition(self.status, change.to)
        self.status, self.reason, self.revoked_at = change.to, change.reason, at

    def suspend(self, *, at: datetime) -> None:
        """certificateHold: the card was reported lost."""
        self._change(StatusChange(CertificateStatus.SUSPENDED,
                                  RevocationReason.CERTIFICATE_HOLD), at)

    def release(self, *, at: datetime) -> None:
        """Lift a hold (the lost card was found): the only way back to active, and only
        from certificateHold; a revocation is final."""
        if self.status is not CertificateStatus.SUSPENDED:
            raise InvalidTransition(f"a {self.status.value} certificate is not on hold")
        self.status, self.reason, self.revoked_at = CertificateStatus.ACTIVE, None, None
        self.released_at = at

    def revoke(self, *, reason: RevocationReason, at: datetime) -> None:
        if reason is RevocationReason.CERTIFICATE_HOLD:
            raise InvalidInput("certificateHold is a suspension: use suspend")
        if reason is RevocationReason.REMOVE_FROM_CRL:
            raise InvalidInput("removeFromCRL is a hold lifted: use release")
        self._change(StatusChange(CertificateStatus.REVOKED, reason), at)

    def apply(self, change: StatusChange, *, at: datetime) -> None:
        if change.to is CertificateStatus.SUSPENDED:
            self.suspend(at=at)
        else:
            self.revoke(reason=change.reason, at=at)


def parse_serial(text: str) -> int:
    """A serial number as printed (hex, optionally with colons or a 0x prefix)."""
    cleaned = text.strip().lower().removeprefix("0x").replace(":", "")
    if not cleaned or len(cleaned) > 40 or any(c not in "0123456789abcdef" for c in cleaned):
        raise InvalidInput("a certificate serial number is up to 40 hexadecimal digits")
    serial = int(cleaned, 16)
    if serial <= 0:
        raise InvalidInput("a certificate serial number is positive")
    return serial
