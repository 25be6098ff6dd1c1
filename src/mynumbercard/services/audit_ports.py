"""What the wrong-validity audit reads and writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.correction import CaseStatus, CorrectionCase


@dataclass(frozen=True, slots=True)
class AuditedCard:
    card_id: int
    resident_id: int
    municipality_code: str
    birth_date: date
    applied_on: date | None
    issued_on: date
    expires_on: date
    residence_until: date | None  # the period of stay of a limited-stay foreigner


@dataclass(frozen=True, slots=True)
class AuditedCertificate:
    certificate_id: int
    card_id: int
    issued_on: date  # in Japan
    expires_on: date  # the last day, in Japan


@dataclass(frozen=True, slots=True)
class Finding:
    subject: str  # card | certificate
    subject_id: int
    card_id: int
    municipality_code: str
    stored_on: date
    correct_on: date
    cause: str


class ValidityAudit(Protocol):
    def id_bounds(self) -> tuple[int, int] | None:
        """The smallest and largest card id, to plan the chunks."""
        ...
    def cards(self, lo: int, hi: int) -> Sequence[AuditedCard]:
        """Cards in the id range that are in use or on their way (not returned,
        invalidated or destroyed), with their holders' dates."""
        ...
    def certificates(self, lo: int, hi: int) -> Sequence[AuditedCertificate]:
        """Active certificates of the cards in the id range."""
        ...
    def add_findings(self, run_key: str, findings: Sequence[Finding], *,
                     now: datetime) -> None: ...
    def open_cases(self, cases: Sequence[CorrectionCase], *, now: datetime) -> list[int]:
        """Open the cases (a card with a case in progress keeps it); the new ids."""
        ...
    def report(self, run_key: str) -> Sequence[tuple[str, str, str, int]]:
        """(municipality code, subject, cause, count), for the run."""
        ...
    def latest_run(self) -> str | None: ...
    def get_case(self, case_id: int, *, lock: bool = False) -> CorrectionCase: ...
    def save_case(self, case: CorrectionCase, *, now: datetime) -> None: ...
    def cases(self, status: CaseStatus | None, *, limit: int, after_id: int = 0,
              municipality_code: str | None = None) -> Sequence[CorrectionCase]:
        """By id; only one municipality's when `municipality_code` is given."""
        ...
    def mark_contacted(self, case_ids: Sequence[int], *, now: datetime) -> None: ...
