"""A counter task: what the clerk's page asks the clerk's counter terminal to do with the
card in its reader (hand it over, unlock a PIN, renew the certificates, correct a case of
the wrong-validity audit), and how it ends.

The page never takes a PIN: it records what the clerk checked (the identity documents,
the PIN to unlock, the certificates to renew); the terminal, signed in as the same clerk,
takes the task, runs it with the holder at its PIN pad and reports the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mynumbercard.domain.errors import Conflict

OUTCOME_MAX = 500  # characters of the terminal's message kept


class TaskKind(StrEnum):
    HAND_OVER = "hand_over"
    UNLOCK = "unlock"
    RENEW = "renew"
    CORRECT = "correct"  # a correction case of the wrong-validity audit (details: its id)
    CUSTODY = "custody"  # a custody step with the card in the reader (custody_tasks)


class TaskStatus(StrEnum):
    PENDING = "pending"  # waiting for the clerk's terminal
    TAKEN = "taken"  # the terminal is working on it with the card in its reader
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # by the clerk, before the terminal reported


OPEN = frozenset({TaskStatus.PENDING, TaskStatus.TAKEN})


class OutcomeCode(StrEnum):
    """What the terminal reports besides its message: the page words it in its own
    language (the terminal's message stays as it was said, as a detail)."""

    HANDED_OVER = "handed_over"
    PIN_RESET = "pin_reset"
    RENEWED = "renewed"
    CORRECTED = "corrected"  # the card's date set right and certificates re-issued
    CORRECTED_REGISTER = "corrected_register"  # no certificate needed a new one
    CUSTODY_STEP = "custody_step"  # a custody step done with the card in the reader
    WRONG_CARD = "wrong_card"  # another card is in the reader
    REFUSED = "refused"  # the server or the card refused (its message says why)


@dataclass(frozen=True, slots=True)
class NewCounterTask:
    kind: TaskKind
    card_id: int
    resident_id: int
    municipality_code: str
    clerk: str  # the staff username: the task is for this member's terminal
    details: dict[str, Any]  # what the clerk checked; never a PIN
    created_at: datetime


@dataclass(slots=True)
class CounterTask:
    id: int
    kind: TaskKind
    card_id: int
    card_number: str
    resident_id: int
    municipality_code: str
    clerk: str
    details: dict[str, Any]
    status: TaskStatus
    created_at: datetime
    taken_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    version: int = 0
    outcome_code: OutcomeCode | None = None

    def take(self, *, at: datetime) -> None:
        if self.status is not TaskStatus.PENDING:
            raise Conflict(f"this task is {self.status.value}, not pending")
        self.status, self.taken_at = TaskStatus.TAKEN, at

    def finish(self, *, ok: bool, outcome: str, at: datetime,
               code: OutcomeCode | None = None) -> None:
        if self.status is not TaskStatus.TAKEN:
            raise Conflict(f"this task is {self.status.value}: only a task the terminal "
                           "took gets its outcome")
        self.status = TaskStatus.DONE if ok else TaskStatus.FAILED
        self.finished_at, self.outcome = at, outcome[:OUTCOME_MAX]
        self.outcome_code = code

    def cancel(self, *, at: datetime) -> None:
        """The clerk gives up (the holder left, the terminal is off); a terminal that
        reports later is told the task was cancelled."""
        if self.status not in OPEN:
            raise Conflict(f"this task is {self.status.value} already")
        self.status, self.finished_at = TaskStatus.CANCELLED, at
