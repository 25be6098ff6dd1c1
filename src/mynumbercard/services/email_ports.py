"""The outgoing e-mail, as the use cases and the e-mail job see it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Email:
    """A message to queue: `key` makes it impossible to queue twice."""

    key: str
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class QueuedEmail:
    id: int
    key: str
    recipient: str
    subject: str
    body: str
    attempts: int  # this one included, once leased


class Delivery(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # the server was away or said "later" (4xx): try again
    REJECTED = "rejected"  # the server refused it for good (5xx): retrying cannot help


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery: Delivery
    error: str | None = None  # the server's answer, short; never the message


class EmailOutbox(Protocol):
    """Where a use case drops the e-mail it causes (in its own transaction), and the
    address an online applicant gave for the notices of one application."""

    def enqueue(self, email: Email, *, now: datetime) -> bool:
        """Queue it unless its key was queued before; True if new."""
        ...
    def set_address(self, application_id: str, email: str, *, now: datetime) -> None: ...
    def address(self, application_id: str) -> str | None: ...


class EmailQueue(EmailOutbox, Protocol):
    def due_ids(self, *, now: datetime) -> Sequence[int]:
        """Queued messages whose next try is due, by id: the e-mail job's plan."""
        ...
    def lease(self, lo: int, hi: int, *, now: datetime, until: datetime
              ) -> Sequence[QueuedEmail]:
        """The due queued messages with ids in [lo, hi], locked, counted as tried and not
        due again before `until` (a sender that dies leaves them to the next run)."""
        ...
    def mark_sent(self, message_id: int, *, now: datetime) -> None: ...
    def retry_at(self, message_id: int, *, at: datetime, error: str) -> None: ...
    def reject(self, message_id: int, *, error: str, now: datetime) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def oldest_queued(self) -> datetime | None: ...


class EmailTransport(Protocol):
    """The outgoing mail server (SMTP). Never raises for the server's sake: each message
    gets its outcome, and a server that cannot be reached makes every one `RETRY`."""

    def send(self, messages: Sequence[QueuedEmail]) -> Sequence[Outcome]: ...
