"""In-memory fakes for mailing (`services/mail.py`): the outgoing mail's queue with its
control, the configured offices (none), the cases a contact letter closes, a printer
that lists what it printed. The SQL (SKIP LOCKED, the batch names) is tested in
integration/test_validity_notices.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from application_fakes import FakeApplicationStore
from job_fakes import FakeJobChunks
from mynumbercard.domain.offices import Office
from mynumbercard.services.letters import MailedLetter
from mynumbercard.services.mail_ports import LetterRecord, MailControl, NewLetter, QueuedLetter

from fakes import FakeUnitOfWork


class FakeMailQueue:
    """Letters with their status (queued, printing, sent), in the order queued."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[QueuedLetter, str]] = {}
        self.control_row = MailControl(suspended=False, reason=None, changed_at=None,
                                       changed_by=None)

    def enqueue(self, letters: Sequence[NewLetter], *, now: datetime) -> int:
        new = [x for x in letters if x.letter_key not in self.existing([x.letter_key])]
        for x in new:
            letter_id = len(self.rows) + 1
            self.rows[letter_id] = (QueuedLetter(
                letter_id, x.letter_key, x.kind, x.resident_id, x.municipality_code,
                x.due_on, x.card_id, x.application_id, dict(x.details)), "queued")
        return len(new)

    def existing(self, keys: Sequence[str]) -> set[str]:
        return {x.letter_key for x, _ in self.rows.values()} & set(keys)

    def _in(self, status: str) -> list[QueuedLetter]:
        return sorted((x for x, s in self.rows.values() if s == status),
                      key=lambda x: (x.batch or "", x.due_on, x.id))

    def claim(self, *, limit: int) -> Sequence[QueuedLetter]:
        return self._in("queued")[:limit]

    def printing(self) -> Sequence[QueuedLetter]:
        return self._in("printing")

    def queued_ids(self) -> Sequence[int]:
        return [x.id for x in self._in("queued")]

    def batch_of(self, letter_id: int) -> Sequence[QueuedLetter]:
        name = self.rows[letter_id][0].batch
        return [x for x in self._in("printing") if x.batch == name]

    def _set(self, letter_id: int, status: str, batch: str | None) -> None:
        self.rows[letter_id] = (replace(self.rows[letter_id][0], batch=batch), status)

    def requeue(self, batch: str) -> None:
        for x in self.batch_of(next(x.id for x in self._in("printing") if x.batch == batch)):
            self._set(x.id, "queued", None)

    def mark_printing(self, ids: Sequence[int], *, batch: str) -> None:
        for letter_id in ids:
            if self.rows[letter_id][1] == "queued":
                self._set(letter_id, "printing", batch)

    def mark_sent(self, batch: str, *, now: datetime) -> int:
        sent = [x.id for x in self._in("printing") if x.batch == batch]
        for letter_id in sent:
            self._set(letter_id, "sent", batch)
        return len(sent)

    def control(self) -> MailControl:
        return self.control_row

    def set_control(self, *, suspended: bool, reason: str | None, actor: str,
                    now: datetime) -> None:
        self.control_row = MailControl(suspended, reason, now, actor)

    def counts(self) -> dict[str, int]:
        return dict(Counter(s for _, s in self.rows.values()))

    def oldest_queued(self) -> date | None:
        return min((x.due_on for x in self._in("queued")), default=None)

    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[LetterRecord]:
        queued_at = datetime(2026, 11, 30, tzinfo=UTC)  # the fake keeps no times
        return [LetterRecord(x, s, queued_at, None)
                for x, s in sorted(self.rows.values(), key=lambda r: -r[0].id)
                if x.resident_id == resident_id][:limit]


class NoOffices:
    """No office configured: letters name the municipality's office."""

    def get(self, code: str, *, lock: str | None = None) -> Office | None:
        return None


class FakeContactedCases:
    def __init__(self) -> None:
        self.contacted: list[int] = []

    def mark_contacted(self, case_ids: Sequence[int], *, now: datetime) -> None:
        self.contacted += case_ids


class ListingPrinter:
    """A print file is the list of its letters' references, one a line."""

    def mail_batch(self, letters: Sequence[MailedLetter]) -> bytes:
        return "\n".join(x.reference for x in letters).encode()


class MailFakeUnit(FakeUnitOfWork):
    """A `mail.MailUnit` in memory, on the register's fake unit (its residents register
    and queue their number notices here)."""

    mail: FakeMailQueue  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.mail = FakeMailQueue()
        self.jobs = FakeJobChunks()
        self.offices = NoOffices()
        self.applications = FakeApplicationStore()  # type: ignore[assignment]
        self.validity_checks = FakeContactedCases()
