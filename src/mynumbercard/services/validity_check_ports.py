"""What the wrong-validity check reads and writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.correction import CaseStatus, CorrectionCase, NewCorrectionCase


@dataclass(frozen=True, slots=True)
class CheckedCard:
    card_id: int
    resident_id: int
    municipality_code: str
    birth_date: date
    applied_on: date | None
    issued_on: date
    expires_on: date
    residence_until: date | None  # the period of stay of a limited-stay foreigner
    # The end of the stay that bounds this card (domain/stay.py): at issue, or the one its
    # validity was last extended to; None when no stay was recorded for it.
    stay_bound: date | None = None


@dataclass(frozen=True, slots=True)
class CheckedCertificate:
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


class ValidityChecks(Protocol):
    def id_bounds(self) -> tuple[int, int] | None:
        """The smallest and largest card id, to plan the chunks."""
        ...
    def cards(self, lo: int, hi: int) -> Sequence[CheckedCard]:
        """Cards in the id range that are in use or on their way (not returned,
        invalidated or destroyed), with their holders' dates."""
        ...
    def certificates(self, lo: int, hi: int) -> Sequence[CheckedCertificate]:
        """Active certificates of the cards in the id range."""
        ...
    def add_findings(self, run_key: str, findings: Sequence[Finding], *,
                     now: datetime) -> None: ...
    def open_cases(self, cases: Sequence[NewCorrectionCase], *, now: datetime
                   ) -> list[CorrectionCase]:
        """Open the cases (a card with a case in progress keeps it); the ones opened."""
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
    def in_progress_of_cards(self, card_ids: Sequence[int]) -> Sequence[CorrectionCase]:
        """The cases still open or contacted of these cards (a resident's page)."""
        ...
    def mark_contacted(self, case_ids: Sequence[int], *, now: datetime) -> None: ...
    def dismissed(self, card_ids: Sequence[int]) -> set[tuple[int, str, date]]:
        """(card id, subject, wrong date) of the dismissed cases of these cards: the same
        finding is not opened again once a person dismissed it."""
        ...
