"""Time My Number Points' reports (issue 19's goal: 2,000 a second on 2 cores).

    python bench/bench_points.py [REPORTS] [DATABASE_URL]    # default 2000, SQLite

Sets up a data directory (a payment service, a campaign, 200 enrolled synthetic
people), then times in this process, one report at a time: new reports (each signed,
its signature, timestamp and nonce checked, the enrolment and campaign read, the
balance locked, the grant recorded and audited), then the same reports repeated
(answered from the stored row). Prints rates and p50 / p99 latencies.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, register, relying_parties
from mynumbercard.services.relying_parties import SignedRequest

ADMIN = Actor("bench", Role.ADMIN)
PEOPLE = 200


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{len(samples) / sum(samples):8.1f}/s  p50 {statistics.median(samples) * 1000:6.1f}"
            f" ms  p99 {p99 * 1000:6.1f} ms")


def timed(count: int, work: Callable[[int], object]) -> list[float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        work(index)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    home = Path(tempfile.mkdtemp(prefix="bench-points-"))
    os.environ.update({"MYNUMBERCARD_HOME": str(home),
                       "MYNUMBERCARD_CA_PASSPHRASE": "bench passphrase",
                       "MYNUMBERCARD_CLOCK": "2026-12-15T10:00:00+09:00",
                       "MYNUMBERCARD_CLOCK_RUNS": "1"})
    if len(sys.argv) > 2:
        os.environ["MYNUMBERCARD_DATABASE_URL"] = sys.argv[2]
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
            enrolments.append(points.enrol(wired.uow, actor=ADMIN, resident_id=person.id or 0,
                                           service=key.key_id, now=wired.clock()).enrolment_id)
        secret, nonces = bytes.fromhex(key.secret), iter(range(10**9))
        at = datetime(2026, 12, 10, 12, tzinfo=JST)
        path = "/api/v1/points/reports"

        def send(index: int) -> object:
            stamp, nonce = int(wired.clock().timestamp()), f"bench-nonce-{next(nonces):08d}"
            body = f'{{"report_id": "r{index}"}}'.encode()
            request = SignedRequest(key.key_id, str(stamp), nonce, sign_request(
                secret, timestamp=stamp, nonce=nonce, method="POST", path=path, body=body),
                "POST", path, body)
            return points.report(wired.uow, wired.party_secrets, request=request,
                                 body=points.ReportIn(f"r{index}",
                                                      enrolments[index % PEOPLE],
                                                      ReportKind.PURCHASE, 1000, at),
                                 now=wired.clock())

        print(f"new reports       {percentiles(timed(count, send))}")
        print(f"repeated reports  {percentiles(timed(count, send))}")


if __name__ == "__main__":
    main()
