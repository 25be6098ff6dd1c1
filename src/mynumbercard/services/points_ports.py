"""My Number Points' store: campaigns, enrolments, reports and per-person balances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.services.ports import AuditLog, ResidentRepository, Transaction
from mynumbercard.services.relying_parties import RelyingParties


@dataclass(frozen=True, slots=True)
class Enrolment:
    enrolment_id: str  # what the holder gives their payment service
    resident_id: int
    service: str  # the payment service's key id
    enrolled_at: datetime


@dataclass(frozen=True, slots=True)
class StoredReport:
    service: str
    report_id: str
    enrolment_id: str
    campaign: str
    kind: ReportKind
    amount: int
    occurred_at: datetime
    granted: int


@dataclass(frozen=True, slots=True)
class ServiceTotal:
    service: str  # key id
    name: str
    campaign: str
    reports: int
    amount: int  # yen reported
    granted: int  # yen of points granted: what the service is paid back


class PointsStore(Protocol):
    def add_campaign(self, campaign: Campaign, *, now: datetime, by: str) -> int: ...
    def campaigns(self) -> Sequence[tuple[int, Campaign]]: ...
    def enrol(self, enrolment: Enrolment, *, by: str) -> bool:
        """False when the person is enrolled already (the unique person settles it)."""
        ...
    def enrolment_of(self, resident_id: int) -> Enrolment | None: ...
    def enrolment(self, enrolment_id: str) -> Enrolment | None: ...
    def add_report(self, report: StoredReport, *, campaign_id: int, now: datetime) -> bool:
        """False when the service sent this report_id before (nothing written)."""
        ...
    def report(self, service: str, report_id: str) -> StoredReport | None: ...
    def reports_of(self, service: str,
                   report_ids: Sequence[str]) -> dict[str, StoredReport]:
        """The service's stored reports among `report_ids`, by report_id."""
        ...
    def enrolments(self, enrolment_ids: Sequence[str]) -> dict[str, Enrolment]: ...
    def add_reports(self, reports: Sequence[tuple[StoredReport, int]], *,
                    now: datetime) -> bool:
        """The (report, campaign id) rows in one statement; False when one of them was
        stored meanwhile (the caller rolls back what was written)."""
        ...
    def locked_balances(self, pairs: Sequence[tuple[int, int]]
                        ) -> dict[tuple[int, int], int]:
        """`locked_balance` for each (campaign id, resident id), locked in this order."""
        ...
    def set_balances(self, granted: Mapping[tuple[int, int], int]) -> None: ...
    def locked_balance(self, campaign_id: int, resident_id: int) -> int:
        """What the person was granted under the campaign, the row locked to the end of
        the transaction (created at 0 when missing)."""
        ...
    def set_balance(self, campaign_id: int, resident_id: int, granted: int) -> None: ...
    def balances_of(self, resident_id: int) -> Sequence[tuple[int, int]]:
        """(campaign id, yen granted) for the person."""
        ...
    def totals(self, campaign: str | None = None) -> Sequence[ServiceTotal]: ...


@dataclass(frozen=True, slots=True)
class SignIn:
    """The holder's points page waiting for, then signed in by, the card."""

    code: str  # shown on the page, typed into the card's program
    browser_hash: str  # SHA-256 of the page's cookie
    challenge: str  # what the card signs (hexadecimal)
    created_at: datetime
    expires_at: datetime
    resident_id: int | None = None
    signed_at: datetime | None = None

    def __repr__(self) -> str:
        return f"SignIn({self.code[:2]}…, signed={self.signed_at is not None})"


class PointSignIns(Protocol):
    def add(self, sign_in: SignIn) -> bool:
        """False when the code is taken."""
        ...
    def by_code(self, code: str) -> SignIn | None: ...
    def by_browser(self, browser_hash: str) -> SignIn | None: ...
    def complete(self, code: str, *, resident_id: int, now: datetime) -> bool:
        """Signed in once, before it expires; False otherwise."""
        ...
    def prune(self, *, before: datetime) -> int: ...


class PointsUnit(Transaction, Protocol):
    @property
    def points(self) -> PointsStore: ...
    @property
    def residents(self) -> ResidentRepository: ...
    @property
    def relying_parties(self) -> RelyingParties: ...
    @property
    def audit(self) -> AuditLog: ...
