"""In-memory fakes for the crowded-period hand-off (`services/custody.py`): the custody
records with their history, and the certificates of a card as the window check reads
them. Renewing the chip's certificates needs the CA and the chip: tested in
integration/test_renewal.py, as is the SQL."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime

from application_fakes import ApplicationsFakeUnit
from job_fakes import FakeOcspAnswers
from mynumbercard.domain.certificate import Certificate, CertKind, NewCertificate
from mynumbercard.domain.counter_tasks import OPEN as OPEN_TASK
from mynumbercard.domain.counter_tasks import CounterTask, NewCounterTask, TaskStatus
from mynumbercard.domain.custody import Custody, CustodyStatus, NewCustody
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.services.custody_ports import CustodyHistoryEntry
from mynumbercard.services.pki_ports import Revoked

OPEN = (CustodyStatus.LEFT_AT_OFFICE, CustodyStatus.RENEWED, CustodyStatus.MAILED,
        CustodyStatus.RETURNED_UNDELIVERED)


class FakeCustody:
    def __init__(self) -> None:
        self.rows: dict[int, Custody] = {}
        self.events: dict[int, list[CustodyHistoryEntry]] = {}

    def _write(self, custody: Custody, actor: str, now: datetime) -> None:
        self.events.setdefault(custody.id, []).extend(
            CustodyHistoryEntry(now, actor, e.from_status, e.to_status, dict(e.details))
            for e in custody.events)
        custody.events.clear()
        self.rows[custody.id] = copy.deepcopy(custody)

    def add(self, custody: NewCustody, *, actor: str, now: datetime) -> Custody:
        if self.open_for_card(custody.card_id) is not None:
            raise Conflict("the card is already left at the office")
        stored = custody.stored(len(self.rows) + 1)
        self._write(stored, actor, now)
        return stored

    def get(self, custody_id: int) -> Custody:
        if custody_id not in self.rows:
            raise NotFound(f"no card left at an office under number {custody_id}")
        return copy.deepcopy(self.rows[custody_id])

    def open_for_card(self, card_id: int) -> Custody | None:
        return next((copy.deepcopy(c) for c in self.rows.values()
                     if c.card_id == card_id and c.status in OPEN), None)

    def waiting(self, status: CustodyStatus, *, office_code: str | None, after_id: int,
                limit: int) -> Sequence[Custody]:
        return [copy.deepcopy(c) for i, c in sorted(self.rows.items())
                if c.status is status and i > after_id
                and office_code in (None, c.office_code)][:limit]

    def save(self, custody: Custody, *, actor: str, now: datetime) -> None:
        if self.rows[custody.id].version != custody.version:
            raise Conflict("the custody record changed meanwhile")
        custody.version += 1
        self._write(custody, actor, now)

    def history(self, custody_id: int) -> Sequence[CustodyHistoryEntry]:
        return list(self.events.get(custody_id, []))


class CardCertificates:
    """The certificates of each card, as the test gives them; nothing is issued here."""

    def __init__(self) -> None:
        self.rows: list[Certificate] = []

    def add(self, certificate: NewCertificate, der: bytes, *, shard: int,
            now: datetime) -> Certificate:
        raise NotImplementedError("issuing needs the CA: integration/test_renewal.py")

    def find(self, serial: int, kind: CertKind | None = None) -> Sequence[Certificate]:
        return [c for c in self.rows if c.serial == serial and kind in (None, c.kind)]

    def of_card(self, card_id: int) -> Sequence[Certificate]:
        return [c for c in self.rows if c.card_id == card_id]

    def save(self, certificate: Certificate, *, actor: str, now: datetime) -> None:
        self.rows = [certificate if c.id == certificate.id else c for c in self.rows]

    def der(self, certificate_id: int) -> bytes:
        return b""

    def revoked_in(self, kind: CertKind, shard: int, *, alive_at: datetime,
                   since: datetime | None) -> Iterable[Revoked]:
        return []


class CustodyFakeUnit(ApplicationsFakeUnit):
    """A `custody.CustodyUnit` in memory (the renewal's unit, without the CA)."""

    def __init__(self) -> None:
        super().__init__()
        self.custody = FakeCustody()
        self.certificates = CardCertificates()
        self.ocsp = FakeOcspAnswers()


class FakeCounterTasks:
    """The counter tasks in memory: one open task per card, as the partial index."""

    def __init__(self) -> None:
        self.rows: dict[int, CounterTask] = {}
        self.numbers: dict[int, str] = {}  # card id -> number, as the SQL join gives

    def add(self, task: NewCounterTask) -> CounterTask:
        if any(t.card_id == task.card_id and t.status in OPEN_TASK for t in self.rows.values()):
            raise Conflict("this card has a counter task open already")
        stored = CounterTask(
            id=len(self.rows) + 1, kind=task.kind, card_id=task.card_id,
            card_number=self.numbers.get(task.card_id, ""), resident_id=task.resident_id,
            municipality_code=task.municipality_code, clerk=task.clerk,
            details=dict(task.details), status=TaskStatus.PENDING,
            created_at=task.created_at)
        self.rows[stored.id] = copy.deepcopy(stored)
        return stored

    def get(self, task_id: int) -> CounterTask | None:
        found = self.rows.get(task_id)
        return copy.deepcopy(found) if found is not None else None

    def next_for(self, clerk: str) -> CounterTask | None:
        return next((copy.deepcopy(t) for _, t in sorted(self.rows.items())
                     if t.clerk == clerk and t.status is TaskStatus.PENDING), None)

    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[CounterTask]:
        return [copy.deepcopy(t) for _, t in sorted(self.rows.items(), reverse=True)
                if t.resident_id == resident_id][:limit]

    def save(self, task: CounterTask) -> None:
        if self.rows[task.id].version != task.version:
            raise Conflict("the task changed meanwhile")
        task.version += 1
        self.rows[task.id] = copy.deepcopy(task)


class CustodyTasksFakeUnit(CustodyFakeUnit):
    """A `custody_tasks.CustodyTasksUnit` in memory: custody with the counter tasks."""

    def __init__(self) -> None:
        super().__init__()
        self.counter_tasks = FakeCounterTasks()
