"""Payment services' reports in batches: each report of a batch settled exactly as the
same report sent alone (granted, repeated, refused, the cap), counted once however
often, and concurrently on PostgreSQL; every report audited as a single one is, and
the batch once more."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import AuthenticationFailed, DomainError, InvalidInput
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.services import points, points_batch
from mynumbercard.services.points import ReportIn
from points_parties import ADMIN, PaymentService, enrolled

from conftest import FrozenClock

DEC = Campaign("dec-2026", date(2026, 12, 1), date(2026, 12, 31), 25, 5000,
               frozenset({ReportKind.PURCHASE}))
AT = datetime(2026, 12, 10, 12, tzinfo=JST)
BATCH = "/api/v1/points/reports/batch"


class Service(PaymentService):
    def batch(self, reports: list[ReportIn]) -> points_batch.BatchAnswer:
        return points_batch.report_batch(
            self.wired.uow, self.wired.party_secrets, request=self.signed(BATCH, b"[]"),
            reports=reports, now=self.wired.clock())

    def one(self, report: ReportIn) -> tuple[str, object, object]:
        """What the single-report API answers, as a batch item's (outcome, granted or
        error)."""
        try:
            granted = points.report(self.wired.uow, self.wired.party_secrets,
                                    request=self.signed("/api/v1/points/reports", b"{}"),
                                    body=report, now=self.wired.clock())
        except DomainError as refused:
            return "refused", refused.code, None
        return ("repeated" if granted.repeated else "granted", granted.granted,
                granted.campaign)


@pytest.fixture
def wired(container: Container, clock: FrozenClock) -> Container:
    clock.now = datetime(2026, 12, 20, 10, tzinfo=JST)
    points.add_campaign(container.uow, actor=ADMIN, make=lambda: DEC, now=container.clock())
    return container


def _mixed(first: str, second: str) -> list[ReportIn]:
    """Every case a batch may meet, for two people of one service."""
    buy = ReportKind.PURCHASE
    return [
        ReportIn("a-1", first, buy, 8000, AT),  # 2,000
        ReportIn("a-2", first, buy, 8000, AT),  # 2,000
        ReportIn("a-1", first, buy, 8000, AT),  # the same report again in the batch
        ReportIn("a-2", first, buy, 1, AT),  # the same id, other contents: conflict
        ReportIn("a-3", first, buy, 40_000, AT),  # the cap's rest: 1,000
        ReportIn("a-4", first, buy, 400, AT),  # at the cap: 0, recorded
        ReportIn("b-1", second, ReportKind.CHARGE, 400, AT),  # not_qualifying
        ReportIn("b-2", second, buy, 400, datetime(2026, 11, 30, 23, tzinfo=JST)),  # period
        ReportIn("b-3", "pe_0000000000000000", buy, 400, AT),  # unknown_enrolment
        ReportIn("b 4", second, buy, 400, AT),  # malformed report_id
        ReportIn("b-5", second, buy, 0, AT),  # malformed amount
        ReportIn("b-6", second, buy, 1000, datetime(2026, 12, 21, 10, tzinfo=JST)),  # future
        ReportIn("b-7", second, buy, 1003, AT),  # 250
        ReportIn("b-1", second, buy, 1000, AT),  # a refused id, sent again well: 250
    ]


def _replaced(reports: list[ReportIn], ids: dict[str, str]) -> list[ReportIn]:
    return [ReportIn(r.report_id, ids.get(r.enrolment_id, r.enrolment_id), r.kind, r.amount,
                     r.occurred_at) for r in reports]


def test_a_batch_settles_each_report_as_the_single_api_does(wired: Container) -> None:
    alone, batched = Service(wired, "Alone"), Service(wired, "Batched")
    people = {"A": enrolled(wired, alone, "一"), "B": enrolled(wired, alone, "二")}
    others = {"A": enrolled(wired, batched, "三"), "B": enrolled(wired, batched, "四")}
    reports = _mixed("A", "B")
    expected = [alone.one(r) for r in _replaced(reports, people)]
    answer = batched.batch(_replaced(reports, others))
    assert [(i.outcome, i.granted if i.outcome != "refused" else i.error,
             i.campaign) for i in answer.results] == expected
    assert [i.report_id for i in answer.results] == [r.report_id for r in reports]
    assert [i.outcome for i in answer.results] == [
        "granted", "granted", "repeated", "refused", "granted", "granted", "refused",
        "refused", "refused", "refused", "refused", "refused", "granted", "granted"]
    assert (answer.granted, answer.repeated, answer.refused) == (6, 1, 7)
    totals = points.settlement(wired.uow, actor=ADMIN, campaign=None, now=wired.clock())
    assert sorted((t.name, t.reports, t.granted) for t in totals.totals) == [
        ("Alone", 6, 5500), ("Batched", 6, 5500)]

    again = batched.batch(_replaced(reports, others))  # the whole batch after a timeout
    assert [i.outcome for i in again.results if i.outcome != "refused"] == ["repeated"] * 7
    assert [i.granted for i in again.results if i.outcome != "refused"] == [
        i.granted for i in answer.results if i.outcome != "refused"]
    assert points.settlement(wired.uow, actor=ADMIN, campaign=None,
                             now=wired.clock()).granted == 11_000


def test_every_report_of_a_batch_is_audited_and_the_batch_too(wired: Container) -> None:
    pay = Service(wired, "Pay")
    person = enrolled(wired, pay, "一")
    pay.batch(_mixed(person, person)[:9])
    with wired.uow() as uow:
        records = [r for _, r in uow.audit.list(subject=None, limit=100, before_id=None)
                   if r.actor == f"rp:{pay.key_id}"]
    actions = sorted(r.action.value for r in records)
    assert actions == (["points:refuse"] * 4 + ["points:report"] * 4
                       + ["points:report-batch"])
    batch = next(r for r in records if r.action.value == "points:report-batch")
    assert batch.details == {"reports": 9, "granted": 4, "repeated": 1, "refused": 4}


def test_a_batch_is_bounded_and_signed(wired: Container) -> None:
    pay = Service(wired, "Pay")
    kiosk = Service(wired, "Kiosk", PartyKind.KIOSK_OPERATOR)
    person = enrolled(wired, pay, "一")
    with pytest.raises(InvalidInput):
        pay.batch([])
    with pytest.raises(InvalidInput):
        pay.batch([ReportIn(f"r{n}", person, ReportKind.PURCHASE, 1, AT)
                   for n in range(points_batch.MAX_BATCH + 1)])
    with pytest.raises(AuthenticationFailed):
        kiosk.batch([ReportIn("r", person, ReportKind.PURCHASE, 100, AT)])
    assert points.settlement(wired.uow, actor=ADMIN, campaign=None,
                             now=wired.clock()).reports == 0


@pytest.mark.postgres
def test_concurrent_batches_and_single_reports_count_each_report_once(
        wired: Container, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race is PostgreSQL's")
    pay = Service(wired, "Pay")
    people = [enrolled(wired, pay, name) for name in ("一", "二", "三")]
    start, answers, failures = threading.Barrier(6), [], []
    lock = threading.Lock()

    def reports(offset: int) -> list[ReportIn]:  # overlapping ids, people in turn
        return [ReportIn(f"r-{n}", people[n % 3], ReportKind.PURCHASE, 4000, AT)
                for n in range(offset, offset + 12)]

    def send_batch(offset: int) -> None:
        start.wait()
        try:
            outcome = pay.batch(reports(offset))
        except Exception as failed:  # told below, not lost in the thread
            failures.append(repr(failed))
            raise
        with lock:
            answers.extend((i.report_id, i.outcome, i.granted) for i in outcome.results)

    def send_one(n: int) -> None:
        start.wait()
        outcome, granted, _ = pay.one(reports(n)[0])
        with lock:
            answers.append((f"r-{n}", outcome, granted))

    threads = [threading.Thread(target=send_batch, args=(o,)) for o in (0, 4, 8, 0)]
    threads += [threading.Thread(target=send_one, args=(n,)) for n in (5, 13)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(answers) == 4 * 12 + 2
    granted = {}
    for report_id, outcome, points_granted in answers:
        assert outcome in {"granted", "repeated"}
        if outcome == "granted":
            assert report_id not in granted  # granted once
            granted[report_id] = points_granted
    assert sorted(granted) == sorted(f"r-{n}" for n in range(20))
    for report_id, outcome, points_granted in answers:  # a repeat says the first grant
        assert points_granted == granted[report_id], (report_id, outcome)
    totals = points.settlement(wired.uow, actor=ADMIN, campaign=None, now=wired.clock())
    # 20 reports of ¥1,000 over three people, each capped at ¥5,000: 7 + 7 + 6 reports.
    assert (totals.reports, totals.granted) == (20, 15_000)
    assert sum(granted.values()) == 15_000
