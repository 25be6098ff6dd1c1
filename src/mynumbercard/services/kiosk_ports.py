"""The kiosk's ports: its store (challenges, offers, maintenance, documents, PIN
failures), the check of the card's answer, and the printer of signed documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.certificate import CertificateStatus, RevocationReason
from mynumbercard.domain.kiosk import KioskDocument, Maintenance
from mynumbercard.domain.resident import Resident
from mynumbercard.services.certificates import CertificatesUnit
from mynumbercard.services.ports import MovingNotices, OcspStore
from mynumbercard.services.relying_parties import RelyingParties


@dataclass(frozen=True, slots=True)
class Offer:
    municipality_code: str
    document: KioskDocument
    fee: int  # yen
    domicile: bool  # the domicile (本籍) may be printed on request


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    verification_code: str
    document: KioskDocument
    municipality_code: str
    resident_id: int
    issued_at: datetime
    operator: str  # the kiosk operator's key id
    fee: int
    pdf_sha256: str


@dataclass(frozen=True, slots=True)
class PinFailure:
    serial: str  # the user-authentication certificate's serial, hexadecimal
    operator: str
    tries_left: int
    at: datetime


@dataclass(frozen=True, slots=True)
class OperatorTotal:
    operator: str
    municipality_code: str
    documents: int
    fees: int  # yen


class KioskStore(Protocol):
    def linked(self, serial: int) -> Linked | None:
        """The user-authentication certificate `serial`'s link (None: not ours)."""
        ...
    def add_challenge(self, challenge: str, *, operator: str, now: datetime,
                      expires_at: datetime) -> None: ...
    def use_challenge(self, challenge: str, *, operator: str, now: datetime) -> bool: ...
    def expired_challenges(self, *, before: datetime) -> int: ...
    def prune_challenges(self, *, before: datetime, limit: int) -> int: ...
    def offer(self, municipality_code: str, document: KioskDocument) -> Offer | None: ...
    def set_offer(self, offer: Offer | None, *, municipality_code: str,
                  document: KioskDocument) -> None: ...
    def offers(self) -> Sequence[Offer]: ...
    def add_maintenance(self, window: Maintenance, *, by: str) -> int: ...
    def maintenance_after(self, now: datetime) -> Sequence[Maintenance]: ...
    def add_document(self, document: IssuedDocument) -> None: ...
    def document_by_code(self, code: str) -> IssuedDocument | None: ...
    def add_pin_failure(self, failure: PinFailure) -> None: ...
    def pin_failures(self, *, since: datetime, limit: int) -> Sequence[PinFailure]: ...
    def totals(self, *, start: datetime, end: datetime,
               operator: str | None = None) -> Sequence[OperatorTotal]: ...
    def household_of(self, resident: Resident) -> Sequence[Resident]:
        """The active residents at the same address of the same municipality."""
        ...


class KioskUnit(CertificatesUnit, Protocol):
    @property
    def kiosk(self) -> KioskStore: ...
    @property
    def moves(self) -> MovingNotices: ...
    @property
    def relying_parties(self) -> RelyingParties: ...
    @property
    def ocsp(self) -> OcspStore: ...  # the kiosk reads the stored answers too


@dataclass(frozen=True, slots=True)
class CardAnswer:
    """The user-authentication certificate, checked: signed by our JPKI CA, and its key
    signed the challenge."""

    serial: int
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class OcspStatus:
    status: CertificateStatus
    reason: RevocationReason | None = None


@dataclass(frozen=True, slots=True)
class Linked:
    """What the system keeps about a user-authentication certificate, read at once: its
    card, the card's holder, its status in the register and our stored OCSP answer."""

    card_id: int
    resident: Resident
    status: OcspStatus  # the register's
    ocsp_der: bytes | None


class AnswerChecker(Protocol):
    def check(self, *, certificate_der: bytes, signature: bytes, data: bytes) -> CardAnswer:
        """AuthenticationFailed for a certificate not from the JPKI user-authentication
        CA, or a signature its key did not make."""
        ...

    def issued_serial(self, certificate_der: bytes) -> int:
        """The serial of a certificate from the JPKI user-authentication CA (the chain
        checked, no signature to check); AuthenticationFailed otherwise."""
        ...

    def ocsp_status(self, der: bytes) -> OcspStatus | None:
        """The status an OCSP response of ours gives (None: `unknown`)."""
        ...


@dataclass(frozen=True, slots=True)
class HouseholdMember:
    name: str
    birth_date: date
    sex: str


@dataclass(frozen=True, slots=True)
class DocumentContent:
    """What the document prints (and nothing else of the register)."""

    document: KioskDocument
    verification_code: str
    verify_url: str
    municipality_code: str
    municipality_name: str
    issued_at: datetime
    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str
    registered_on: date | None
    domicile: str | None
    household: tuple[HouseholdMember, ...]


class DocumentPrinter(Protocol):
    def produce(self, content: DocumentContent) -> bytes:
        """The PDF, rendered and PAdES-signed by the municipality's document key."""
        ...
