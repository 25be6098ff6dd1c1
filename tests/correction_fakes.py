"""In-memory fakes for the counter tasks and a wrong-validity correction: the tasks, the
cards, the certificates of a card (as the test gives them) and the correction cases."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, date, datetime

from application_fakes import FakeCardStore
from job_fakes import FakeOcspAnswers, FakeValidityChecks
from mynumbercard.domain.certificate import Certificate
from mynumbercard.domain.correction import NewCorrectionCase
from mynumbercard.domain.counter_tasks import OPEN, CounterTask, NewCounterTask, TaskStatus
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.resident import NewResident, Resident, Sex

from fakes import FakeUnitOfWork


class FakeCounterTasks:
    def __init__(self, cards: FakeCardStore) -> None:
        self.rows: dict[int, CounterTask] = {}
        self._cards = cards

    def add(self, task: NewCounterTask) -> CounterTask:
        if any(t.card_id == task.card_id and t.status in OPEN for t in self.rows.values()):
            raise Conflict("this card has a counter task open already: finish or cancel "
                           "it first")
        stored = CounterTask(
            id=len(self.rows) + 1, kind=task.kind, card_id=task.card_id,
            card_number=self._cards.get(task.card_id).card_number,
            resident_id=task.resident_id, municipality_code=task.municipality_code,
            clerk=task.clerk, details=dict(task.details), status=TaskStatus.PENDING,
            created_at=task.created_at)
        self.rows[stored.id] = copy.deepcopy(stored)
        return stored

    def get(self, task_id: int) -> CounterTask | None:
        return copy.deepcopy(self.rows.get(task_id))

    def next_for(self, clerk: str) -> CounterTask | None:
        return next((copy.deepcopy(t) for _, t in sorted(self.rows.items())
                     if t.clerk == clerk and t.status is TaskStatus.PENDING), None)

    def of_resident(self, resident_id: int, *, limit: int) -> Sequence[CounterTask]:
        return [copy.deepcopy(t) for _, t in sorted(self.rows.items(), reverse=True)
                if t.resident_id == resident_id][:limit]

    def save(self, task: CounterTask) -> None:
        if self.rows[task.id].version != task.version:
            raise Conflict("the counter task was changed meanwhile: reload and retry")
        task.version += 1
        self.rows[task.id] = copy.deepcopy(task)


class FakeCertificateList:
    """A card's certificates as the test gives them (the correction only reads them
    when it re-issues none)."""

    def __init__(self) -> None:
        self.rows: list[Certificate] = []

    def of_card(self, card_id: int) -> list[Certificate]:
        return [copy.deepcopy(c) for c in self.rows if c.card_id == card_id]


class CorrectionFakeUnit(FakeUnitOfWork):
    """A counter tasks' unit with the correction cases, cards and certificates."""

    def __init__(self) -> None:
        super().__init__()
        self.cards = FakeCardStore()  # type: ignore[assignment]
        self.counter_tasks = FakeCounterTasks(self.cards)
        self.validity_checks = FakeValidityChecks()
        self.certificates = FakeCertificateList()
        self.ocsp = FakeOcspAnswers()

    def holder(self, municipality_code: str, *, born: date) -> Resident:
        return self.residents.add(NewResident(
            family_name="伊藤", given_name="誠", family_name_kana="イトウ",
            given_name_kana="マコト", birth_date=born, sex=Sex.MALE,
            municipality_code=municipality_code, postal_code="1000001",
            address="千代田2番2号", registered_on=born,
            individual_number=f"{len(self.residents.rows) + 1:012d}"),
            now=datetime(2026, 11, 30, tzinfo=UTC))

    def open_case(self, card_id: int, resident: Resident, *, wrong_on: date,
                  correct_on: date, subject: str = "card") -> int:
        (case,) = self.validity_checks.open_cases([NewCorrectionCase(
            card_id, resident.id, resident.municipality_code, wrong_on, correct_on,
            "one_year_too_long", subject)], now=datetime(2026, 11, 30, tzinfo=UTC))
        return case.id
