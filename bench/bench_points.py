"""Time My Number Points' reports (issue 19's goal: 2,000 a second on 2 cores).

In this process, one call at a time; the single-report route as it is served (settled
in groups, through uvicorn, under wrk's concurrent load) is bench_points_http.py's.

    python bench/bench_points.py [REPORTS] [DATABASE_URL]    # default 2000, SQLite

Sets up a data directory (a payment service, a campaign, 200 enrolled synthetic
people), then times in this process, one call at a time:

- the baseline: one audited write transaction and nothing else (every figure's last
  column is its mean's ratio to this one, taken in the same run: the machine is shared);
- single reports (`points.report`, one per signed request): new ones (each signed, its
  signature, timestamp and nonce checked, the enrolment and campaign read, the balance
  locked, the grant recorded and audited), then the same reports repeated (answered
  from the stored row);
- reports in batches (`points_batch.report_batch`, `POST /api/v1/points/reports/batch`:
  one signed request of 100 or 500 reports, each settled on its own): the rate printed
  is **per report**, the p50 / p99 are per batch request; then the same batches
  repeated.

The signed body is the batch's JSON as a payment service would send it (its SHA-256 and
HMAC are part of the work); the route's JSON parsing and validation are not timed.

Figures (docs/services.md "My Number Points"), 2026-11-30, SQLite, the shared 2-core
machine at load 13-23: single new reports 228/s (p50 1.7 ms; 206/s before this round),
repeated 581/s; in batches of 500, new: 5,654 reports/s **per report** (97 ms a batch),
over HTTP 2,748 reports/s per report, where a single-report request makes 74/s.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta

from bench_timing import Report, Signer, audited_transaction, bench_home, timed

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, points_batch, register, relying_parties

ADMIN = Actor("bench", Role.ADMIN)
PEOPLE = 200


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    bench_home("bench-points-", "2026-12-15T10:00:00+09:00")
    with bootstrap.container() as wired:
        migrate.upgrade(wired.engine)
        load_municipalities(wired.engine)
        key = relying_parties.register(wired.uow, wired.party_secrets, actor=ADMIN,
                                       name="bench pay", kind=PartyKind.PAYMENT_SERVICE,
                                       now=wired.clock())
        points.add_campaign(wired.uow, actor=ADMIN, now=wired.clock(), make=lambda: Campaign(
            "bench", date(2026, 12, 1), date(2026, 12, 31), 25, 5000, frozenset(ReportKind)))
        enrolments = []
        for n in range(PEOPLE):
            person = register.register_resident(
                wired.uow, actor=ADMIN, now=wired.clock(), family_name="山田",
                given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ",
                birth_date=date(1990, 1, 1) + timedelta(days=n), sex=Sex.FEMALE,
                municipality_code="13101", postal_code="1000001", address=f"千代田{n}番",
                registered_on=date(2000, 1, 1))
            enrolments.append(points.enrol(wired.uow, actor=ADMIN, resident_id=person.id,
                                           service=key.key_id, now=wired.clock()).enrolment_id)
        signer = Signer(key.key_id, key.secret, wired.clock)
        at = datetime(2026, 12, 10, 12, tzinfo=JST)
        path = "/api/v1/points/reports"

        def body(index: int) -> points.ReportIn:
            return points.ReportIn(f"r{index}", enrolments[index % PEOPLE],
                                   ReportKind.PURCHASE, 1000, at)

        def send(index: int) -> object:
            request = signer.post(path, f'{{"report_id": "r{index}"}}'.encode())
            return points.report(wired.uow, wired.party_secrets, request=request,
                                 body=body(index), now=wired.clock())

        def batches(size: int, first: int) -> Callable[[int], object]:
            def send_batch(index: int) -> object:
                reports = [body(first + index * size + n) for n in range(size)]
                data = json.dumps({"reports": [_json(r) for r in reports]}).encode()
                return points_batch.report_batch(
                    wired.uow, wired.party_secrets, request=signer.post(f"{path}/batch", data),
                    reports=reports, now=wired.clock())
            return send_batch

        report = Report(timed(max(200, count // 4), lambda _: audited_transaction(
            wired.uow, wired.clock)))
        report.line("single: new reports", timed(count, send))
        report.line("single: repeated reports", timed(count, send))
        for size, first in ((100, 10**6), (500, 2 * 10**6)):
            rounds = max(4, count // size)
            report.line(f"batches of {size}: new", timed(rounds, batches(size, first)),
                        per=size)
            report.line(f"batches of {size}: repeated",
                        timed(rounds, batches(size, first)), per=size)
        over_http(wired, signer, body, count)


def _json(report: points.ReportIn) -> dict[str, object]:
    return {"report_id": report.report_id, "enrolment_id": report.enrolment_id,
            "kind": report.kind.value, "amount": report.amount,
            "occurred_at": report.occurred_at.isoformat()}


def over_http(wired: bootstrap.Container, signer: Signer,
              body: Callable[[int], points.ReportIn], count: int) -> None:
    """The same through the application (FastAPI's TestClient, one request at a time:
    routing, the bounded body, JSON and Pydantic), against GET /healthz of the same app."""
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from mynumbercard.web.app import create_app  # noqa: PLC0415

    client = TestClient(create_app(wired))

    def post(path: str, payload: object) -> None:
        data = json.dumps(payload).encode()
        signed = signer.post(path, data)
        answer = client.post(path, content=data, headers={
            "Content-Type": "application/json", "Mnc-Key-Id": signed.key_id,
            "Mnc-Timestamp": signed.timestamp, "Mnc-Nonce": signed.nonce,
            "Mnc-Signature": signed.signature})
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")

    path, first = "/api/v1/points/reports", 3 * 10**6
    report = Report(timed(max(100, count // 4), lambda _: client.get("/healthz")),
                    "HTTP baseline: GET /healthz")
    report.line("HTTP single: new reports", timed(max(100, count // 4), lambda i: post(
        path, _json(body(first + i)))))
    rounds, size = max(4, count // 500), 500
    report.line("HTTP batches of 500: new", timed(rounds, lambda i: post(
        f"{path}/batch", {"reports": [_json(body(first + 10**5 + i * size + n))
                                      for n in range(size)]})), per=size)


if __name__ == "__main__":
    main()
