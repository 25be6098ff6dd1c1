"""My Number Points in the database: a report counted once however often it is sent
(also concurrently, on PostgreSQL), the cap kept, one enrolment per person, the totals
per payment service."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.errors import AuthenticationFailed, Conflict, NotFound
from mynumbercard.domain.points import Campaign, GrantRefused, ReportKind
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.resident import Sex
from mynumbercard.services import points, register
from points_parties import ADMIN, PaymentService

from conftest import FrozenClock

DEC = Campaign("dec-2026", date(2026, 12, 1), date(2026, 12, 31), 25, 5000,
               frozenset(ReportKind))
AT = datetime(2026, 12, 10, 12, tzinfo=JST)


class Service(PaymentService):
    def report(self, report_id: str, enrolment_id: str, amount: int, *,
               kind: ReportKind = ReportKind.CHARGE,
               at: datetime = AT) -> points.Granted:
        request = self.signed("/api/v1/points/reports",
                              f'{{"report_id": "{report_id}"}}'.encode())  # what was signed
        return points.report(self.wired.uow, self.wired.party_secrets, request=request,
                             body=points.ReportIn(report_id, enrolment_id, kind, amount, at),
                             now=self.wired.clock())


def _person(wired: Container, given: str = "花子") -> int:
    resident = register.register_resident(
        wired.uow, actor=ADMIN, now=wired.clock(), family_name="山田", given_name=given,
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 1, 20),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 1, 20))
    return resident.id or 0


@pytest.fixture
def wired(container: Container, clock: FrozenClock) -> Container:
    clock.now = datetime(2026, 12, 20, 10, tzinfo=JST)
    points.add_campaign(container.uow, actor=ADMIN, make=lambda: DEC, now=container.clock())
    return container


def test_a_repeated_report_is_counted_once_and_the_cap_holds(wired: Container) -> None:
    pay = Service(wired, "PayPay-ish")
    person = points.enrol(wired.uow, actor=ADMIN, resident_id=_person(wired),
                          service=pay.key_id, now=wired.clock())
    first = pay.report("r-1", person.enrolment_id, 10_003)
    assert (first.granted, first.repeated, first.campaign) == (2500, False, "dec-2026")
    again = pay.report("r-1", person.enrolment_id, 10_003)
    assert (again.granted, again.repeated) == (2500, True)
    assert pay.report("r-2", person.enrolment_id, 30_000).granted == 2500  # the cap's rest
    assert pay.report("r-3", person.enrolment_id, 4).granted == 0
    with pytest.raises(Conflict):  # the same report_id, other contents
        pay.report("r-1", person.enrolment_id, 99)
    totals = points.settlement(wired.uow, actor=ADMIN, campaign=None, now=wired.clock())
    assert (totals.reports, totals.granted) == (3, 5000)
    assert [(t.name, t.amount, t.granted) for t in totals.totals] == [
        ("PayPay-ish", 40_007, 5000)]


def test_refused_reports_grant_nothing(wired: Container) -> None:
    pay, other = Service(wired, "Pay"), Service(wired, "Other")
    kiosk = Service(wired, "Kiosk", PartyKind.KIOSK_OPERATOR)
    person = points.enrol(wired.uow, actor=ADMIN, resident_id=_person(wired),
                          service=pay.key_id, now=wired.clock())
    with pytest.raises(GrantRefused) as refused:
        pay.report("early", person.enrolment_id, 100, at=datetime(2026, 11, 30, 23,
                                                                tzinfo=JST))
    assert refused.value.code == "outside_period"
    with pytest.raises(points.UnknownEnrolment):  # another service's person
        other.report("r", person.enrolment_id, 100)
    with pytest.raises(points.UnknownEnrolment):
        pay.report("r", "pe_0000000000000000", 100)
    with pytest.raises(AuthenticationFailed):
        kiosk.report("r", person.enrolment_id, 100)
    assert points.settlement(wired.uow, actor=ADMIN, campaign="dec-2026",
                             now=wired.clock()).reports == 0
    with wired.uow() as uow:
        refusals = [r.details for _, r in uow.audit.list(subject=None, limit=100,
                                                         before_id=None)
                    if r.action.value == "points:refuse"]
    assert sorted(str(d and d["reason"]) for d in refusals) == [
        "outside_period", "unknown_enrolment", "unknown_enrolment"]


def test_one_enrolment_per_person(wired: Container) -> None:
    pay, other = Service(wired, "Pay"), Service(wired, "Other")
    kiosk = Service(wired, "Kiosk", PartyKind.KIOSK_OPERATOR)
    person = _person(wired)
    points.enrol(wired.uow, actor=ADMIN, resident_id=person, service=pay.key_id,
                 now=wired.clock())
    with pytest.raises(Conflict):
        points.enrol(wired.uow, actor=ADMIN, resident_id=person, service=other.key_id,
                     now=wired.clock())
    with pytest.raises(NotFound):  # a kiosk operator is no payment service
        points.enrol(wired.uow, actor=ADMIN, resident_id=_person(wired, "次郎"),
                     service=kiosk.key_id, now=wired.clock())
    with pytest.raises(Conflict):  # one campaign at a time
        points.add_campaign(wired.uow, actor=ADMIN, now=wired.clock(), make=lambda: Campaign(
            "overlap", date(2026, 12, 31), date(2027, 1, 31), 10, 100,
            frozenset({ReportKind.PURCHASE})))


@pytest.mark.postgres
def test_concurrent_repeats_and_reports_are_settled_by_the_database(
        wired: Container, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race is PostgreSQL's")
    pay = Service(wired, "Pay")
    person = points.enrol(wired.uow, actor=ADMIN, resident_id=_person(wired),
                          service=pay.key_id, now=wired.clock())
    start, outcomes = threading.Barrier(8), []

    def send(report_id: str) -> None:
        start.wait()
        outcomes.append(pay.report(report_id, person.enrolment_id, 8000))

    ids = ["same"] * 4 + ["a", "b", "c", "d"]  # 4 repeats of one, 4 others: 8 × ¥2,000
    threads = [threading.Thread(target=send, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 8
    same = [o for o in outcomes if o.report_id == "same"]
    assert sum(not o.repeated for o in same) == 1
    assert len({o.granted for o in same}) == 1
    totals = points.settlement(wired.uow, actor=ADMIN, campaign=None, now=wired.clock())
    assert (totals.reports, totals.granted) == (5, 5000)
    assert sum(o.granted for o in outcomes if not o.repeated) == 5000
