"""Outgoing mail and the expiry cohorts, as the jobs see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol


class LetterKind(StrEnum):
    VALIDITY_CARD = "validity_card"  # the card expires: renew it (a new form enclosed)
    VALIDITY_CERTIFICATES = "validity_certificates"  # the certificates expire
    VALIDITY_CORRECTION = "validity_correction"  # the wrong-validity check's contact letter
    NUMBER_NOTICE = "number_notice"  # 個人番号通知書: a number assigned at birth or arrival
    DEFICIENCY = "deficiency"  # the application is deficient: what to correct, re-apply
    REISSUE_FORM = "reissue_form"  # a lost card not found: the form for a new card


@dataclass(frozen=True, slots=True)
class NewLetter:
    """A letter a use case queues (`MailOutbox.enqueue`); read back as a `QueuedLetter`."""

    letter_key: str  # one letter per key, ever
    kind: LetterKind
    resident_id: int
    municipality_code: str
    due_on: date  # the expiry it is about: the backlog goes out oldest first
    card_id: int | None = None
    application_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QueuedLetter:
    """A letter in the outgoing mail (it has its id, and its print batch once planned)."""

    id: int
    letter_key: str
    kind: LetterKind
    resident_id: int
    municipality_code: str
    due_on: date
    card_id: int | None = None
    application_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    batch: str | None = None


@dataclass(frozen=True, slots=True)
class LetterRecord:
    """A resident's letter as the counter lists it: the letter, where it is in the
    outgoing mail (queued, printing, sent) and when."""

    letter: QueuedLetter
    status: str
    queued_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class MailControl:
    suspended: bool
    reason: str | None
    changed_at: datetime | None
    changed_by: str | None


class MailOutbox(Protocol):
    """Where a use case drops the letters it causes (in its own transaction)."""

    def enqueue(self, letters: Sequence[NewLetter], *, now: datetime) -> int:
        """Queue the letters whose key is new; returns how many were new."""
        ...


class MailQueue(MailOutbox, Protocol):
    def existing(self, keys: Sequence[str]) -> set[str]: ...
    def claim(self, *, limit: int) -> Sequence[QueuedLetter]:
        """Queued letters, oldest due first, locked (SKIP LOCKED on PostgreSQL)."""
        ...
    def printing(self) -> Sequence[QueuedLetter]:
        """Letters of batches that were being printed when a run stopped."""
        ...
    def queued_ids(self) -> Sequence[int]:
        """The ids of the queued letters, oldest due first: the mail job's plan."""
        ...
    def batch_of(self, letter_id: int) -> Sequence[QueuedLetter]:
        """The letters still printing in the batch of that letter, locked."""
        ...
    def requeue(self, batch: str) -> None:
        """The batch's letters back in the queue (mailing suspended meanwhile)."""
        ...
    def mark_printing(self, ids: Sequence[int], *, batch: str) -> None: ...
    def mark_sent(self, batch: str, *, now: datetime) -> int: ...
    def control(self) -> MailControl: ...
    def set_control(self, *, suspended: bool, reason: str | None, actor: str,
                    now: datetime) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def oldest_queued(self) -> date | None: ...
    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[LetterRecord]:
        """A resident's letters, newest first."""
        ...


@dataclass(frozen=True, slots=True)
class CohortCard:
    card_id: int
    resident_id: int
    municipality_code: str
    expires_on: date
    open_application: bool  # the holder has applied already: no renewal form needed


@dataclass(frozen=True, slots=True)
class CohortCertificates:
    card_id: int
    resident_id: int
    municipality_code: str
    expires_on: date  # of the certificates (the last day, in Japan)
    kinds: tuple[str, ...]
    card_expires_on: date


class Cohorts(Protocol):
    def card_ids(self, first: date, last: date) -> Sequence[int]:
        """Active cards expiring in [first, last], by id (to plan the chunks)."""
        ...
    def cards(self, first: date, last: date, lo: int, hi: int) -> Sequence[CohortCard]: ...
    def certificate_card_ids(self, first: date, last: date) -> Sequence[int]:
        """Cards with an active certificate expiring in [first, last] (days in Japan)."""
        ...
    def certificates(self, first: date, last: date, lo: int, hi: int
                     ) -> Sequence[CohortCertificates]: ...
