"""What the use cases need from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, Self

from mynumbercard.domain.card import Card, NewCard
from mynumbercard.domain.certificate import Certificate, CertKind
from mynumbercard.domain.loss import LossReport
from mynumbercard.domain.moving import MovingNotice
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import NewResident, Resident
from mynumbercard.domain.sign_in import SignInState
from mynumbercard.domain.staff import Role
from mynumbercard.domain.stay import Stay
from mynumbercard.services.application_ports import FormsAndApplications
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.custody_ports import CustodyRepository
from mynumbercard.services.expiry_ports import ExpiryLedger
from mynumbercard.services.issuance_ports import ProductionLine
from mynumbercard.services.job_ports import JobChunks
from mynumbercard.services.lookup_ports import Lookups
from mynumbercard.services.mail_ports import Cohorts, MailQueue
from mynumbercard.services.notice_ports import IssuanceLetters
from mynumbercard.services.pki_ports import Revoked
from mynumbercard.services.validity_check_ports import ValidityChecks


@dataclass(frozen=True, slots=True)
class StaffAccount:
    id: int | None
    username: str
    password_hash: str = field(repr=False)
    role: Role
    municipality_code: str | None
    active: bool = True
    # A service account (cron) has scopes (the command groups it may run) and the
    # SHA-256 of its credential; a person has neither.
    scopes: frozenset[str] | None = None
    credential_hash: str | None = field(default=None, repr=False)

    @property
    def is_service(self) -> bool:
        return self.scopes is not None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    action: AuditAction  # e.g. resident:move; old names are read as aliases
    subject: str  # e.g. resident:42 -- an id, never a number or a name
    details: dict[str, Any] | None = None


class MunicipalityRepository(Protocol):
    def get(self, code: str) -> Municipality: ...


class ResidentRepository(Protocol):
    def add(self, resident: NewResident, *, now: datetime) -> Resident: ...
    def get(self, resident_id: int) -> Resident: ...
    def find_by_number(self, number: str) -> Resident | None: ...
    def number_taken(self, number: str) -> bool: ...
    def save(self, resident: Resident, *, now: datetime) -> None:
        """Write changes and new events; Conflict if someone else changed it meanwhile."""
        ...
    def list_in(
        self, municipality_code: str, *, limit: int, after_id: int
    ) -> Sequence[Resident]: ...


class StaffRepository(Protocol):
    def add(self, account: StaffAccount, *, now: datetime) -> int: ...
    def find_by_username(self, username: str) -> StaffAccount | None: ...
    def get(self, staff_id: int) -> StaffAccount: ...
    def find_by_credential(self, credential_hash: str) -> StaffAccount | None: ...
    def list_all(self) -> Sequence[StaffAccount]: ...
    def has_active_admin(self) -> bool: ...
    def set_active(self, staff_id: int, active: bool) -> None: ...
    def set_password_hash(self, staff_id: int, password_hash: str) -> None: ...


class SessionRepository(Protocol):
    def add(
        self, *, token_hash: str, staff_id: int, issued_at: datetime, expires_at: datetime
    ) -> None: ...
    def active_staff_id(self, token_hash: str, *, now: datetime) -> int | None: ...
    def revoke(self, token_hash: str, *, now: datetime) -> int | None:
        """End a live session; the staff id whose session it was, or None: none was live."""
        ...

    def revoke_all(self, staff_id: int, *, now: datetime) -> int:
        """End every live session of a member; how many there were."""
        ...


class SignInGuards(Protocol):
    def for_update(self, staff_id: int) -> SignInState:
        """The account's guard (a fresh one if it has none), locked until commit."""
        ...

    def save(self, state: SignInState) -> None: ...


class OneTimeCodes(Protocol):
    """TOTP (RFC 6238): secrets leave the adapter only sealed, or once as an otpauth URI."""

    def enrol(self, username: str, *, secret: str | None = None) -> tuple[bytes, str]:
        """A new secret (or `secret`): sealed for storage, and its otpauth:// URI."""
        ...

    def matching_step(self, sealed: bytes, code: str, *, now: datetime) -> int | None:
        """The time step whose code `code` is (now, or one step either side), or None."""
        ...


class AuditLog(Protocol):
    def record(self, record: AuditRecord) -> None: ...
    def list(
        self, *, subject: str | None, limit: int, before_id: int | None
    ) -> Sequence[tuple[int, AuditRecord]]: ...


class CardRepository(Protocol):
    def add(self, card: NewCard, *, now: datetime) -> Card: ...
    def get(self, card_id: int) -> Card: ...
    def find_by_number(self, card_number: str) -> Card | None: ...
    def of_resident(self, resident_id: int) -> Sequence[Card]: ...
    def save(self, card: Card, *, now: datetime) -> None: ...


class StayRepository(Protocol):
    """A foreign resident's periods of stay: one at registration, one at each extension."""

    def add(self, resident_id: int, stay: Stay, *, now: datetime) -> int: ...
    def of_resident(self, resident_id: int) -> Sequence[Stay]: ...
    def extend_card(self, stay_id: int, *, card_id: int, on: date) -> None:
        """Record that the card's validity was extended to this stay (once)."""
        ...


class MovingNotices(Protocol):
    def add(self, notice: MovingNotice, *, now: datetime) -> int: ...
    def open_of_resident(self, resident_id: int) -> MovingNotice | None: ...
    def by_reference(self, reference: str, *, lock: bool = False) -> MovingNotice | None: ...
    def by_card(self, card_number: str, *, lock: bool = False) -> MovingNotice | None: ...
    def save(self, notice: MovingNotice, *, now: datetime) -> None:
        """Write changes; Conflict if someone else changed it meanwhile."""
        ...
    def with_card_pending(self, *, after_id: int, limit: int) -> Sequence[MovingNotice]: ...


class LossReports(Protocol):
    def add(self, report: LossReport) -> int:
        """Conflict if the card has an open report already (settled in the database)."""
        ...
    def open_for_card(self, card_id: int) -> LossReport | None: ...
    def last_for_card(self, card_id: int) -> LossReport | None: ...
    def save(self, report: LossReport, *, now: datetime) -> None: ...


class CertificateRepository(Protocol):
    def add(self, certificate: Certificate, der: bytes, *, shard: int, now: datetime) -> int: ...
    def find(self, serial: int, kind: CertKind | None = None) -> Sequence[Certificate]: ...
    def of_card(self, card_id: int) -> Sequence[Certificate]: ...
    def save(self, certificate: Certificate, *, actor: str, now: datetime) -> None:
        """Write a status change (and its event); Conflict if it changed meanwhile."""
        ...
    def der(self, certificate_id: int) -> bytes: ...
    def revoked_in(self, kind: CertKind, shard: int, *, alive_at: datetime,
                   since: datetime | None) -> Iterable[Revoked]:
        """Suspended and revoked certificates of one CRL shard that have not expired
        (changed after `since`, for a delta CRL, and then also the holds lifted since,
        as removeFromCRL), as a stream."""
        ...


@dataclass(frozen=True, slots=True)
class CrlState:
    number: int  # the last CRL number used for this CA and shard
    base_number: int  # the last full CRL
    base_this_update: datetime


class CrlNumbers(Protocol):
    def get(self, kind: CertKind, shard: int) -> CrlState | None: ...
    def put(self, kind: CertKind, shard: int, state: CrlState) -> None: ...


class OcspStore(Protocol):
    def put(self, *, kind: CertKind, serial: int, der: bytes, this_update: datetime,
            next_update: datetime) -> None: ...
    def get(self, *, kind: CertKind, serial: int) -> bytes | None: ...
    def due(self, *, before: datetime, limit: int,
            signed_before: datetime | None = None) -> Sequence[tuple[CertKind, int]]:
        """Responses whose nextUpdate is before `before` (and, if given, signed before
        `signed_before`), oldest first."""
        ...


class ApplicationRepository(FormsAndApplications, ProductionLine, IssuanceLetters, Protocol):
    """Every port over the applications' tables, as the database adapter provides them;
    a use case asks for the small ones it needs."""


class Transaction(Protocol):
    """One transaction: everything in it commits together or not at all. A use case's
    own unit (e.g. `applications.ApplicationsUnit`) adds the repositories it needs."""

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


class UnitOfWork(Transaction, Protocol):
    """Every repository in one transaction, as the database adapter provides them."""

    @property
    def municipalities(self) -> MunicipalityRepository: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def lookups(self) -> Lookups: ...
    @property
    def staff(self) -> StaffRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def sign_in(self) -> SignInGuards: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def certificates(self) -> CertificateRepository: ...
    @property
    def ocsp(self) -> OcspStore: ...
    @property
    def crl_numbers(self) -> CrlNumbers: ...
    @property
    def applications(self) -> ApplicationRepository: ...
    @property
    def mail(self) -> MailQueue: ...
    @property
    def jobs(self) -> JobChunks: ...
    @property
    def cohorts(self) -> Cohorts: ...
    @property
    def validity_checks(self) -> ValidityChecks: ...
    @property
    def custody(self) -> CustodyRepository: ...
    @property
    def expiries(self) -> ExpiryLedger: ...
    @property
    def moves(self) -> MovingNotices: ...
    @property
    def stays(self) -> StayRepository: ...
    @property
    def losses(self) -> LossReports: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
