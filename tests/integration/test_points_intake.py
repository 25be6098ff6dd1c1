"""Single point reports settled in groups (services/points_intake.py), on SQLite and
PostgreSQL: each request of a group answered as the lone request would be (granted,
repeated, refused, its nonce, its audit record), each report counted once and the cap
kept exactly under many concurrent requests, and no answer before the commit: a failed
commit gives every request of its group an error and keeps nothing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

import pytest

from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import DomainError
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.services import points
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.points import Granted, ReportIn
from mynumbercard.services.points_batch import Settled
from mynumbercard.services.points_intake import (
    Pending,
    ReportIntake,
    ReportNotRecorded,
    settle_group,
)
from mynumbercard.services.relying_parties import SignedRequest
from points_parties import ADMIN, PaymentService, enrolled

from conftest import FrozenClock

DEC = Campaign("dec-2026", date(2026, 12, 1), date(2026, 12, 31), 25, 5000,
               frozenset({ReportKind.PURCHASE}))
AT = datetime(2026, 12, 10, 12, tzinfo=JST)
PATH = "/api/v1/points/reports"
BUY = ReportKind.PURCHASE

T = TypeVar("T")


class Service(PaymentService):
    def signed_report(self, report_id: str = "") -> SignedRequest:
        """The single report's request, its body naming the report."""
        return self.signed(PATH, f'{{"report_id": "{report_id}"}}'.encode())

    def pending(self, report: ReportIn) -> Pending:
        return Pending(self.signed_report(report.report_id), report, self.wired.clock())


@pytest.fixture
def wired(container: Container, clock: FrozenClock) -> Container:
    clock.now = datetime(2026, 12, 20, 10, tzinfo=JST)
    points.add_campaign(container.uow, actor=ADMIN, make=lambda: DEC, now=container.clock())
    return container


def _mixed(first: str, second: str) -> list[ReportIn]:
    return [
        ReportIn("a-1", first, BUY, 8000, AT),  # 2,000
        ReportIn("a-2", first, BUY, 8000, AT),  # 2,000
        ReportIn("a-1", first, BUY, 8000, AT),  # the same report again: repeated
        ReportIn("a-2", first, BUY, 1, AT),  # the same id, other contents: conflict
        ReportIn("a-3", first, BUY, 40_000, AT),  # the cap's rest: 1,000
        ReportIn("a-4", first, BUY, 400, AT),  # at the cap: 0, recorded
        ReportIn("b-1", second, ReportKind.CHARGE, 400, AT),  # not_qualifying
        ReportIn("b-2", second, BUY, 400, datetime(2026, 11, 30, 23, tzinfo=JST)),  # period
        ReportIn("b-3", "pe_0000000000000000", BUY, 400, AT),  # unknown_enrolment
        ReportIn("b 4", second, BUY, 400, AT),  # malformed report_id
        ReportIn("b-6", second, BUY, 1000, datetime(2026, 12, 21, 10, tzinfo=JST)),  # future
        ReportIn("b-7", second, BUY, 1003, AT),  # 250
        ReportIn("b-1", second, BUY, 1000, AT),  # a refused id, sent again well: 250
    ]


def _shape(answer: Settled | Exception) -> tuple[object, ...]:
    if isinstance(answer, Granted):
        return ("granted", answer.report_id, answer.campaign, answer.amount, answer.granted,
                answer.repeated)
    return ("refused", type(answer).__name__, getattr(answer, "code", None),
            getattr(answer, "message", None))


def _audited(wired: Container, action: AuditAction) -> int:
    with wired.uow() as uow:
        return len(uow.audit.list(subject=None, limit=10_000, before_id=None,
                                  action=action.value))


def test_a_group_answers_each_request_as_the_lone_request_would(wired: Container) -> None:
    alone, grouped = Service(wired, "Alone"), Service(wired, "Grouped")
    kiosk = Service(wired, "Kiosk", PartyKind.KIOSK_OPERATOR)
    lone_answers = []
    for report in _mixed(enrolled(wired, alone, "一"), enrolled(wired, alone, "二")):
        try:
            lone_answers.append(_shape(points.report(
                wired.uow, wired.party_secrets, request=alone.signed_report(report.report_id),
                body=report, now=wired.clock())))
        except DomainError as refused:
            lone_answers.append(_shape(refused))
    reports = _mixed(enrolled(wired, grouped, "三"), enrolled(wired, grouped, "四"))
    group = [grouped.pending(r) for r in reports]
    replay = group[0]  # the same signed request again, in the same group: a replay
    forged = replace(grouped.pending(ReportIn("c-1", reports[0].enrolment_id, BUY, 400, AT)),
                     request=replace(grouped.signed_report("c-1"), signature="0" * 64))
    wrong_kind = kiosk.pending(ReportIn("c-2", reports[0].enrolment_id, BUY, 400, AT))
    before = _audited(wired, AuditAction.RELYING_PARTY_REFUSE)

    answers = settle_group(wired.uow, wired.party_secrets,
                           [*group, replay, forged, wrong_kind])

    assert [_shape(a) for a in answers[:len(reports)]] == lone_answers
    assert [a.code for a in answers[len(reports):]] == [  # type: ignore[union-attr]
        "authentication_failed"] * 3
    assert "replayed" in answers[-3].message  # type: ignore[union-attr]
    assert "may not call this endpoint" in answers[-1].message  # type: ignore[union-attr]
    # Audited as the lone requests were: each report granted or refused once, a known
    # party's refused call once more (the replay and the kiosk; not the forged one).
    assert _audited(wired, AuditAction.RELYING_PARTY_REFUSE) - before == 2
    assert _audited(wired, AuditAction.POINTS_REPORT) == 2 * 6
    assert _audited(wired, AuditAction.POINTS_REFUSE) == 2 * 6
    # A request of that committed group sent again, beside a new one: refused alone.
    late = settle_group(wired.uow, wired.party_secrets, [
        group[1], grouped.pending(ReportIn("c-3", reports[-1].enrolment_id, BUY, 400, AT))])
    assert "replayed" in late[0].message  # type: ignore[union-attr]
    assert _shape(late[1]) == ("granted", "c-3", "dec-2026", 400, 100, False)
    totals = points.settlement(wired.uow, actor=ADMIN, campaign=None, now=wired.clock())
    assert {t.name: (t.reports, t.granted) for t in totals.totals} == {
        "Alone": (6, 5500), "Grouped": (7, 5600)}


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`make()`'s coroutine run in a thread of its own with its own event loop, as a
    server's connection has (this test's thread may already run another library's loop:
    Playwright's, after the browser tests, where asyncio.run refuses to start)."""
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(make()))
        except BaseException as error:  # handed to the caller as is
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _send(intake: ReportIntake, pending: Pending) -> Settled | Exception:
    try:
        return _run(lambda: intake.report(request=pending.request, body=pending.body,
                                          now=pending.now))
    except Exception as refused:
        return refused


def _all_at_once(intake: ReportIntake, group: Sequence[Pending]) -> list[Settled | Exception]:
    """Each request from its own thread (its own event loop, as a server's connection),
    all started together."""
    answers: list[Settled | Exception | None] = [None] * len(group)
    start = threading.Barrier(len(group))

    def send(index: int) -> None:
        start.wait()
        answers[index] = _send(intake, group[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(group))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def _recording(wired: Container, sizes: list[int],
               uow: Callable[[], SqlUnitOfWork] | None = None,
               ) -> Callable[[Sequence[Pending]], list[Settled]]:
    def settle(group: Sequence[Pending]) -> list[Settled]:
        sizes.append(len(group))
        if len(sizes) == 1:
            time.sleep(0.3)  # the first group holds the writer: the others gather
        return settle_group(uow or wired.uow, wired.party_secrets, group)
    return settle


def test_concurrent_requests_count_each_report_once_and_keep_the_cap(
        wired: Container) -> None:
    pay = Service(wired, "Pay")
    people = [enrolled(wired, pay, name) for name in ("一", "二", "三")]
    # 24 reports of ¥8,000 (¥2,000 each) over three people, each sent twice with its
    # own nonce, and one signed request sent twice (a replay).
    reports = [ReportIn(f"r-{n}", people[n % 3], BUY, 8000, AT) for n in range(24)]
    group = [pay.pending(r) for r in reports for _ in range(2)]
    group.append(group[0])
    sizes: list[int] = []
    answers = _all_at_once(ReportIntake(_recording(wired, sizes)), group)

    assert max(sizes) > 1  # settled in groups
    refused = [a for a in answers if not isinstance(a, Granted)]
    assert [getattr(a, "code", a) for a in refused] == ["authentication_failed"]
    assert "replayed" in refused[0].message  # type: ignore[attr-defined]
    grants = [a for a in answers if isinstance(a, Granted)]
    new = Counter(a.report_id for a in grants if not a.repeated)
    assert new == Counter(f"r-{n}" for n in range(24))  # each counted once
    first = {a.report_id: a.granted for a in grants if not a.repeated}
    assert all(a.granted == first[a.report_id] for a in grants)  # a repeat: the first's
    per_person = Counter[str]()
    for report in reports:
        per_person[report.enrolment_id] += first[report.report_id]
    assert set(per_person.values()) == {5000}  # the cap, exactly: 2,000 + 2,000 + 1,000
    totals = points.settlement(wired.uow, actor=ADMIN, campaign=None, now=wired.clock())
    assert (totals.reports, totals.granted) == (24, 15_000)
    assert _audited(wired, AuditAction.POINTS_REPORT) == 24


class _CommitFails(SqlUnitOfWork):
    def commit(self) -> None:
        raise RuntimeError("the disk is full")


def test_a_failed_commit_answers_each_request_of_its_group_with_an_error(
        wired: Container) -> None:
    pay = Service(wired, "Pay")
    person = enrolled(wired, pay, "一")
    group = [pay.pending(ReportIn(f"r-{n}", person, BUY, 400, AT)) for n in range(8)]
    audited = _audited(wired, AuditAction.POINTS_REPORT)
    sizes: list[int] = []
    failing = ReportIntake(_recording(wired, sizes, lambda: _CommitFails(wired.engine)))

    answers = _all_at_once(failing, group)

    assert all(isinstance(a, ReportNotRecorded) for a in answers), answers
    assert sum(sizes) == 8
    assert points.settlement(wired.uow, actor=ADMIN, campaign=None,
                             now=wired.clock()).reports == 0
    assert _audited(wired, AuditAction.POINTS_REPORT) == audited
    # Nothing kept, not even the nonces: the same signed requests are taken now.
    again = _all_at_once(wired.point_reports, group)
    assert sorted(a.report_id for a in again if isinstance(a, Granted)) == sorted(
        f"r-{n}" for n in range(8))


def _held_at_commit(wired: Container) -> tuple[ReportIntake, threading.Event]:
    """An intake whose groups wait at their commit until the event is set."""
    released = threading.Event()

    class CommitWaits(SqlUnitOfWork):
        def commit(self) -> None:
            assert released.wait(30)
            super().commit()

    return ReportIntake(partial(settle_group, lambda: CommitWaits(wired.engine),
                                wired.party_secrets)), released


def test_no_answer_before_the_commit(wired: Container) -> None:
    pay = Service(wired, "Pay")
    person = enrolled(wired, pay, "一")
    waiting, released = _held_at_commit(wired)
    answers: list[Settled | Exception] = []
    sender = threading.Thread(target=lambda: answers.append(_send(
        waiting, pay.pending(ReportIn("r-1", person, BUY, 400, AT)))))
    sender.start()
    sender.join(timeout=0.5)
    assert sender.is_alive()
    assert answers == []  # the group is at its commit: no answer yet
    released.set()
    sender.join(timeout=30)
    assert [_shape(a) for a in answers] == [("granted", "r-1", "dec-2026", 400, 100, False)]


def test_a_request_given_up_before_its_answer_leaves_the_writer_working(
        wired: Container) -> None:
    """Its client gone (the request cancelled, its event loop closed) while its group
    commits: the report is kept, and the next request is still answered."""
    pay = Service(wired, "Pay")
    person = enrolled(wired, pay, "一")
    intake, released = _held_at_commit(wired)
    given_up = pay.pending(ReportIn("r-1", person, BUY, 400, AT))

    async def impatient() -> None:
        await asyncio.wait_for(intake.report(request=given_up.request, body=given_up.body,
                                             now=given_up.now), 0.2)

    with pytest.raises(TimeoutError):
        _run(impatient)  # its loop is closed when this returns
    released.set()
    assert _shape(_send(intake, pay.pending(ReportIn("r-2", person, BUY, 800, AT)))) == (
        "granted", "r-2", "dec-2026", 800, 200, False)
    assert points.settlement(wired.uow, actor=ADMIN, campaign=None,
                             now=wired.clock()).reports == 2
