"""A correction case: a card the wrong-validity check found, until it is put right.

The card keeps working while the case is open (its holder did nothing wrong); the case is
closed by correcting (re-issuing with the right date) or by dismissing it after review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mynumbercard.domain.errors import InvalidTransition


class CaseStatus(StrEnum):
    OPEN = "open"
    CONTACTED = "contacted"  # the contact letter went out
    CORRECTED = "corrected"
    DISMISSED = "dismissed"  # reviewed: not an error after all


ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.CONTACTED, CaseStatus.CORRECTED,
                                CaseStatus.DISMISSED}),
    CaseStatus.CONTACTED: frozenset({CaseStatus.CORRECTED, CaseStatus.DISMISSED}),
    CaseStatus.CORRECTED: frozenset(),
    CaseStatus.DISMISSED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class NewCorrectionCase:
    """A case the check opens, not stored yet: `open_cases` returns the `CorrectionCase`."""

    card_id: int
    resident_id: int
    municipality_code: str
    wrong_on: date
    correct_on: date
    cause: str
    subject: str = "card"  # card | certificate: what was wrong

    def stored(self, case_id: int) -> CorrectionCase:
        return CorrectionCase(case_id, self.card_id, self.resident_id, self.municipality_code,
                              self.wrong_on, self.correct_on, self.cause, self.subject)


@dataclass(slots=True)
class CorrectionCase:
    """A case of a wrong validity (stored: it has its id)."""

    id: int
    card_id: int
    resident_id: int
    municipality_code: str
    wrong_on: date
    correct_on: date
    cause: str
    subject: str = "card"  # card | certificate: what was wrong
    status: CaseStatus = CaseStatus.OPEN
    version: int = 0

    def _go(self, to: CaseStatus) -> None:
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(f"a {self.status.value} case cannot become {to.value}")
        self.status = to

    def contacted(self) -> None:
        self._go(CaseStatus.CONTACTED)

    def correct(self) -> None:
        self._go(CaseStatus.CORRECTED)

    def dismiss(self) -> None:
        self._go(CaseStatus.DISMISSED)
