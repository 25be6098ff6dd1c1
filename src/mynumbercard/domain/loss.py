"""A lost card: the holder's report, and what ends it (found again, or not found).

Reported by the holder through the call centre (the issuing agency, 24 hours a day) or
at the counter of the holder's municipality: both certificates go on hold at once
(certificateHold) and the card is marked lost. Found again, the holder brings it to the
counter with identity documents: the hold is lifted (removeFromCRL) and the card is
active again. Not found, the loss is confirmed: both certificates are revoked and the
holder applies for a new card (a re-issue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.staff import Role


class ReportedVia(StrEnum):
    CALL_CENTRE = "call_centre"  # the agency's call centre: an operator, 24 hours
    COUNTER = "counter"  # the municipal counter: a clerk of the holder's municipality

    @classmethod
    def parse(cls, text: str) -> ReportedVia:
        cleaned = text.strip().lower().replace("-", "_")
        for via in cls:
            if cleaned == via.value:
                return via
        raise InvalidInput("a loss is reported via call-centre or counter")


class LossStatus(StrEnum):
    OPEN = "open"  # certificates on hold, the card lost
    FOUND = "found"  # released at the counter
    CONFIRMED = "confirmed"  # not found: certificates revoked, a new card to apply for


# Who takes a report through which channel (an administrator may record either).
CHANNEL_OF_ROLE: dict[Role, ReportedVia] = {
    Role.OPERATOR: ReportedVia.CALL_CENTRE,
    Role.CLERK: ReportedVia.COUNTER,
}


def check_channel(role: Role, via: ReportedVia) -> None:
    expected = CHANNEL_OF_ROLE.get(role)
    if expected is not None and expected is not via:
        raise InvalidInput(f"a {role.value} takes loss reports via "
                           f"{expected.value.replace('_', '-')}")


@dataclass(frozen=True, slots=True)
class NewLossReport:
    """A report being made, not stored yet: `LossReports.add` returns the `LossReport`."""

    card_id: int
    via: ReportedVia
    reported_at: datetime
    reported_by: str

    def stored(self, report_id: int) -> LossReport:
        return LossReport(id=report_id, card_id=self.card_id, via=self.via,
                          reported_at=self.reported_at, reported_by=self.reported_by)


@dataclass(slots=True)
class LossReport:
    """A loss report (stored: it has its id)."""

    id: int
    card_id: int
    via: ReportedVia
    reported_at: datetime
    reported_by: str
    status: LossStatus = LossStatus.OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None
    version: int = 0

    def close(self, status: LossStatus, *, at: datetime, by: str) -> None:
        if self.status is not LossStatus.OPEN:
            raise Conflict(f"this loss report is {self.status.value} already")
        if status is LossStatus.OPEN:
            raise InvalidInput("a report is closed as found or confirmed")
        if at < self.reported_at:
            raise InvalidInput("a loss report cannot close before it was made")
        self.status, self.closed_at, self.closed_by = status, at, by
