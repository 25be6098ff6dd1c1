"""What the notice of issuance and the reminders (`notices.py`) need: which letters are
due, and that one was printed (once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.application import Application
from mynumbercard.services.application_ports import IdSpan


class PinFormNumbers(Protocol):
    def pin_form_number(self, application_ref: int) -> str | None:
        """The number of the sealed PIN form printed with the notice (checked at pick-up)."""
        ...


class IssuanceLetters(PinFormNumbers, Protocol):
    def notices_due(self, *, limit: int, within: IdSpan | None = None) -> Sequence[Application]:
        """Cards at their office whose notice of issuance is not printed yet (locked)."""
        ...
    def mark_notice_printed(self, application_ref: int, *, pin_form_number: str,
                            now: datetime) -> None: ...
    def reminders_due(self, *, today: date, limit: int,
                      within: IdSpan | None = None) -> Sequence[Application]:
        """Cards still waiting after their deadline, with no reminder printed (locked)."""
        ...
    def mark_reminder_printed(self, application_ref: int, *, now: datetime) -> None: ...
    def uncollected(self, *, arrived_before: date, limit: int,
                    within: IdSpan | None = None) -> Sequence[Application]:
        """Cards waiting since before that day (locked): past the keeping period."""
        ...
