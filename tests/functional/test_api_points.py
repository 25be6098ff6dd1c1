"""My Number Points over HTTP: a payment service's signed report, repeated (counted once),
malformed, unknown or outside the period (refused with a clear status), and the
administrator's campaign and settlement totals."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient

from mynumbercard import bootstrap
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, register, relying_parties

from api_checks import ApiClient, admin_code, bearer

SETUP = Actor("setup", Role.ADMIN)
REPORTS = "/api/v1/points/reports"
BATCH = "/api/v1/points/reports/batch"


@dataclass
class Payment:
    client: TestClient
    wired: bootstrap.Container
    key_id: str
    secret: bytes
    enrolment_id: str
    admin: dict[str, str]  # an administrator's session headers

    def send(self, body: dict[str, object], path: str = REPORTS,
             ) -> tuple[int, dict[str, object]]:
        data = json.dumps(body).encode()
        stamp, nonce = int(self.wired.clock().timestamp()), secrets.token_urlsafe(18)
        signature = sign_request(self.secret, timestamp=stamp, nonce=nonce, method="POST",
                                 path=path, body=data)
        answer = self.client.post(path, content=data, headers={
            "Content-Type": "application/json", "Mnc-Key-Id": self.key_id,
            "Mnc-Timestamp": str(stamp), "Mnc-Nonce": nonce, "Mnc-Signature": signature})
        return answer.status_code, answer.json()

    def report(self, report_id: str, amount: int, **changes: object,
               ) -> tuple[int, dict[str, object]]:
        return self.send({"report_id": report_id, "enrolment_id": self.enrolment_id,
                          "kind": "purchase", "amount": amount,
                          "occurred_at": "2026-12-10T12:00:00+09:00"} | changes)


@pytest.fixture
def payment(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
            api_client: ApiClient) -> Iterator[Payment]:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-12-15T10:00:00+09:00")
    with bootstrap.container() as wired:
        key = relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP,
                                       name="Pay Co.", kind=PartyKind.PAYMENT_SERVICE,
                                       now=wired.clock())
        person = register.register_resident(
            wired.uow, actor=SETUP, now=wired.clock(), family_name="山田",
            given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ",
            birth_date=date(1990, 1, 20), sex=Sex.FEMALE, municipality_code="13101",
            postal_code="1000001", address="千代田1番1号", registered_on=date(1990, 1, 20))
        enrolled = points.enrol(wired.uow, actor=SETUP, resident_id=person.id or 0,
                                service=key.key_id, now=wired.clock())
        client = api_client(wired, [("pointadmin", Role.ADMIN, None)])
        admin = bearer(client, "pointadmin", totp=admin_code(wired))
        answer = client.post("/api/v1/points/campaigns", headers=admin, json={
            "name": "mynapoint-2026", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
            "rate_percent": 25, "cap": 5000, "qualifies": ["charge", "purchase"]})
        assert answer.status_code == 200, answer.json()
        yield Payment(client, wired, key.key_id, bytes.fromhex(key.secret),
                      enrolled.enrolment_id, admin)


def test_a_report_repeated_after_a_timeout_is_counted_once(payment: Payment) -> None:
    first = payment.report("tx-0001", 1999)
    assert first == (200, {"report_id": "tx-0001", "campaign": "mynapoint-2026",
                           "amount": 1999, "granted": 499, "repeated": False})
    status, again = payment.report("tx-0001", 1999)
    assert (status, again["granted"], again["repeated"]) == (200, 499, True)
    settled = payment.client.get("/api/v1/points/settlement", headers=payment.admin,
                                 params={"campaign": "mynapoint-2026"}).json()
    assert (settled["reports"], settled["granted"]) == (1, 499)
    assert settled["totals"] == [{"service": payment.key_id, "name": "Pay Co.",
                                  "campaign": "mynapoint-2026", "reports": 1,
                                  "amount": 1999, "granted": 499}]


def test_refused_reports_say_why_and_grant_nothing(payment: Payment) -> None:
    status, late = payment.report("tx-late", 1000, occurred_at="2026-11-30T23:59:00+09:00")
    assert (status, late["error"]) == (422, "outside_period")
    status, unknown = payment.report("tx-who", 1000, enrolment_id="pe_0000000000000000")
    assert (status, unknown["error"]) == (404, "unknown_enrolment")
    for bad in ({"amount": 0}, {"amount": "lots"}, {"kind": "refund"},
                {"report_id": "has space"}, {"occurred_at": "2026-12-10T12:00:00"}):
        status, answer = payment.send({"report_id": "tx-bad", "amount": 1000, "kind": "charge",
                                       "enrolment_id": payment.enrolment_id,
                                       "occurred_at": "2026-12-10T12:00:00+09:00"} | bad)
        assert (status, answer["error"]) == (422, "invalid_input"), bad
    assert payment.report("tx-2", 100)[0] == 200
    assert payment.report("tx-2", 200)[0] == 409  # same report_id, other contents
    unsigned = payment.client.post(REPORTS, json={
        "report_id": "tx-3", "enrolment_id": payment.enrolment_id, "kind": "charge",
        "amount": 100, "occurred_at": "2026-12-10T12:00:00+09:00"})
    assert unsigned.status_code == 401
    settled = payment.client.get("/api/v1/points/settlement", headers=payment.admin).json()
    assert (settled["reports"], settled["granted"]) == (1, 25)


def test_a_batch_answers_each_report_on_its_own(payment: Payment) -> None:
    def report(report_id: str, amount: int, **changes: object) -> dict[str, object]:
        return {"report_id": report_id, "enrolment_id": payment.enrolment_id,
                "kind": "purchase", "amount": amount,
                "occurred_at": "2026-12-10T12:00:00+09:00"} | changes

    assert payment.report("tx-0", 400)[0] == 200  # sent alone before
    status, answer = payment.send({"reports": [
        report("tx-0", 400), report("tx-1", 1999), report("tx-1", 1999),
        report("tx-2", 100, enrolment_id="pe_0000000000000000"),
        report("tx-3", 100, occurred_at="2026-11-30T23:59:00+09:00")]}, BATCH)
    assert status == 200, answer
    assert answer == {"granted": 1, "repeated": 2, "refused": 2, "results": [
        {"report_id": "tx-0", "outcome": "repeated", "campaign": "mynapoint-2026",
         "amount": 400, "granted": 100, "error": None, "message": None},
        {"report_id": "tx-1", "outcome": "granted", "campaign": "mynapoint-2026",
         "amount": 1999, "granted": 499, "error": None, "message": None},
        {"report_id": "tx-1", "outcome": "repeated", "campaign": "mynapoint-2026",
         "amount": 1999, "granted": 499, "error": None, "message": None},
        {"report_id": "tx-2", "outcome": "refused", "campaign": None, "amount": None,
         "granted": None, "error": "unknown_enrolment",
         "message": "no person enrolled with this service under this enrolment_id"},
        {"report_id": "tx-3", "outcome": "refused", "campaign": None, "amount": None,
         "granted": None, "error": "outside_period",
         "message": "no campaign runs on the day of this report"}]}
    too_many = {"reports": [report(f"tx-{n}", 100) for n in range(501)]}
    status, refused = payment.send(too_many, BATCH)
    assert (status, refused["error"]) == (422, "invalid_input")
    status, malformed = payment.send({"reports": [report("tx-9", "lots")]}, BATCH)
    assert (status, malformed["error"]) == (422, "invalid_input")
    unsigned = payment.client.post(BATCH, json={"reports": [report("tx-8", 100)]})
    assert unsigned.status_code == 401
    settled = payment.client.get("/api/v1/points/settlement", headers=payment.admin).json()
    assert (settled["reports"], settled["granted"]) == (2, 599)


def test_campaigns_are_data(payment: Payment) -> None:
    listed = payment.client.get("/api/v1/points/campaigns", headers=payment.admin).json()
    assert listed == [{"name": "mynapoint-2026", "starts_on": "2026-12-01",
                       "ends_on": "2026-12-31", "rate_percent": 25, "cap": 5000,
                       "qualifies": ["charge", "purchase"]}]
    bad = payment.client.post("/api/v1/points/campaigns", headers=payment.admin, json={
        "name": "later", "starts_on": "2027-02-01", "ends_on": "2027-01-01",
        "rate_percent": 10, "cap": 100, "qualifies": ["charge"]})
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_input")


def test_concurrent_single_reports_are_each_counted_once_within_the_cap(
        payment: Payment) -> None:
    """Sent at once (settled in groups: services/points_intake.py), each answered as
    alone: every report granted once, its repeats the first answer, the cap exact, and
    a signed request sent twice refused once as a replay."""
    def signed(report_id: str) -> tuple[bytes, dict[str, str]]:
        data = json.dumps({"report_id": report_id, "enrolment_id": payment.enrolment_id,
                           "kind": "purchase", "amount": 8000,
                           "occurred_at": "2026-12-10T12:00:00+09:00"}).encode()
        stamp, nonce = int(payment.wired.clock().timestamp()), secrets.token_urlsafe(18)
        return data, {"Content-Type": "application/json", "Mnc-Key-Id": payment.key_id,
                      "Mnc-Timestamp": str(stamp), "Mnc-Nonce": nonce,
                      "Mnc-Signature": sign_request(payment.secret, timestamp=stamp,
                                                    nonce=nonce, method="POST",
                                                    path=REPORTS, body=data)}

    requests = [signed(f"tx-{n}") for n in range(8) for _ in range(2)]
    requests.append(requests[0])  # the same signed request again: a replay
    start = threading.Barrier(len(requests))
    answers: list[tuple[int, dict[str, object]]] = [(0, {})] * len(requests)

    def post(index: int) -> None:
        start.wait()
        data, headers = requests[index]
        answer = payment.client.post(REPORTS, content=data, headers=headers)
        answers[index] = (answer.status_code, answer.json())

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 16 + [401]
    refused = next(body for status, body in answers if status == 401)
    assert "replayed" in str(refused["message"])
    granted = [body for status, body in answers if status == 200]
    first = {b["report_id"]: b["granted"] for b in granted if not b["repeated"]}
    assert sorted(first) == [f"tx-{n}" for n in range(8)]  # each counted once
    assert all(b["granted"] == first[b["report_id"]] for b in granted)
    assert sorted(first.values(), reverse=True) == [2000, 2000, 1000, 0, 0, 0, 0, 0]
    settled = payment.client.get("/api/v1/points/settlement", headers=payment.admin).json()
    assert (settled["reports"], settled["granted"]) == (8, 5000)
