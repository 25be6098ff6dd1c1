"""What the use cases need from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from mynumbercard.domain.card import Card, NewCard
from mynumbercard.domain.certificate import Certificate, CertKind, NewCertificate
from mynumbercard.domain.loss import LossReport, NewLossReport
from mynumbercard.domain.moving import MovingNotice, NewMovingNotice
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import NewResident, Resident
from mynumbercard.domain.stay import Stay
from mynumbercard.services.application_ports import FormsAndApplications
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.counter_task_ports import CounterTasks
from mynumbercard.services.crowding_ports import HoursSeen, WalkInRepository
from mynumbercard.services.custody_ports import CustodyRepository
from mynumbercard.services.email_ports import EmailQueue
from mynumbercard.services.expiry_ports import ExpiryLedger
from mynumbercard.services.issuance_ports import ProductionLine
from mynumbercard.services.job_ports import JobChunks
from mynumbercard.services.lookup_ports import Lookups
from mynumbercard.services.mail_ports import Cohorts, MailQueue
from mynumbercard.services.notice_ports import IssuanceLetters
from mynumbercard.services.office_ports import AppointmentRepository, OfficeRepository
from mynumbercard.services.pki_ports import Revoked
from mynumbercard.services.staff_ports import SessionRepository, SignInGuards, StaffRepository
from mynumbercard.services.validity_check_ports import ValidityChecks

if TYPE_CHECKING:  # the kiosk's ports build on this module's
    from mynumbercard.services.console_ports import ConsoleViews
    from mynumbercard.services.kiosk_ports import KioskStore
    from mynumbercard.services.kiosk_settlement import KioskSettlementViews
    from mynumbercard.services.points_ports import PointSignIns, PointsStore
    from mynumbercard.services.relying_parties import RelyingParties


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
        """Write changes and new events; Conflict if someone else changed it meanwhile.
        The resident's applications follow a change of municipality (the review queue's
        holder municipality)."""
        ...
    def list_in(
        self, municipality_code: str, *, limit: int, after_id: int
    ) -> Sequence[Resident]: ...


class AuditLog(Protocol):
    def record(self, record: AuditRecord) -> None: ...
    def record_many(self, records: Sequence[AuditRecord]) -> None:
        """Each record as `record` writes it, in one statement."""
        ...
    def list(
        self, *, subject: str | None, limit: int, before_id: int | None,
        person: str | None = None, action: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
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
    def add(self, notice: NewMovingNotice, *, now: datetime) -> MovingNotice:
        """Conflict if the resident has an open one (settled in the database)."""
        ...
    def open_of_resident(self, resident_id: int) -> MovingNotice | None: ...
    def by_reference(self, reference: str, *, lock: bool = False) -> MovingNotice | None: ...
    def by_card(self, card_number: str, *, lock: bool = False) -> MovingNotice | None: ...
    def save(self, notice: MovingNotice, *, now: datetime) -> None:
        """Write changes; Conflict if someone else changed it meanwhile."""
        ...
    def with_card_pending(self, *, after_id: int, limit: int) -> Sequence[MovingNotice]: ...


class LossReports(Protocol):
    def add(self, report: NewLossReport) -> LossReport:
        """Conflict if the card has an open report already (settled in the database)."""
        ...
    def open_for_card(self, card_id: int) -> LossReport | None: ...
    def last_for_card(self, card_id: int) -> LossReport | None: ...
    def save(self, report: LossReport, *, now: datetime) -> None: ...


class CertificateRepository(Protocol):
    def add(self, certificate: NewCertificate, der: bytes, *, shard: int,
            now: datetime) -> Certificate: ...
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


@dataclass(frozen=True, slots=True)
class OcspWritten:
    """A response just written, with its place in the change feed."""

    kind: CertKind
    serial: int
    der: bytes
    this_update: datetime
    next_update: datetime
    change: int


class OcspAnswers(Protocol):
    """Where a certificate's pre-produced OCSP answer is written."""

    def put(self, *, kind: CertKind, serial: int, der: bytes, this_update: datetime,
            next_update: datetime) -> None: ...


class OcspStore(OcspAnswers, Protocol):
    def prune_changes(self, *, before: datetime) -> int: ...
    def certificate_bounds(self) -> tuple[int, int] | None:
        """The lowest and highest certificate ids."""
        ...
    def without_response(self, lo: int, hi: int, *, alive_at: datetime
                         ) -> Sequence[Certificate]: ...
    def get(self, *, kind: CertKind, serial: int) -> bytes | None: ...
    def due(self, *, before: datetime, limit: int, signed_before: datetime | None = None,
            within: tuple[int, int] | None = None) -> Sequence[tuple[CertKind, int]]:
        """Responses whose nextUpdate is before `before` (and, if given, signed before
        `signed_before`), oldest first; `within`: of certificates with ids in that span
        (a batch job's chunk), by certificate id."""
        ...
    def due_certificate_ids(self, *, before: datetime,
                            signed_before: datetime | None = None) -> Sequence[int]:
        """The ids of the certificates whose response is due, ascending: a job's plan."""
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
    def email(self) -> EmailQueue: ...
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
    def relying_parties(self) -> RelyingParties: ...
    @property
    def kiosk(self) -> KioskStore: ...
    @property
    def points(self) -> PointsStore: ...
    @property
    def console(self) -> ConsoleViews: ...
    @property
    def kiosk_settlement(self) -> KioskSettlementViews: ...
    @property
    def point_sign_ins(self) -> PointSignIns: ...
    @property
    def stays(self) -> StayRepository: ...
    @property
    def losses(self) -> LossReports: ...
    @property
    def offices(self) -> OfficeRepository: ...
    @property
    def appointments(self) -> AppointmentRepository: ...
    @property
    def walk_ins(self) -> WalkInRepository: ...
    @property
    def hours_seen(self) -> HoursSeen: ...
    @property
    def counter_tasks(self) -> CounterTasks: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A part of the transaction undone alone if it raises (one card of a chunk)."""
        ...
