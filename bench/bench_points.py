"""Time My Number Points' reports (issue 19's goal: 2,000 a second on 2 cores).

    python bench/bench_points.py [REPORTS] [DATABASE_URL]    # default 2000, SQLite

Sets up a data directory (a payment service, a campaign, 200 enrolled synthetic
people), then times in this process, one report at a time: new reports (each signed,
its signature, timestamp and nonce checked, the enrolment and campaign read, the
balance locked, the grant recorded and audited), then the same reports repeated
(answered from the stored row). Prints rates and p50 / p99 latencies.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

from bench_timing import Signer, bench_home, percentiles, timed

from mynumbercard import bootstrap
from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, register, relying_parties

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

        def send(index: int) -> object:
            request = signer.post(path, f'{{"report_id": "r{index}"}}'.encode())
            return points.report(wired.uow, wired.party_secrets, request=request,
                                 body=points.ReportIn(f"r{index}",
                                                      enrolments[index % PEOPLE],
                                                      ReportKind.PURCHASE, 1000, at),
                                 now=wired.clock())

        print(f"new reports       {percentiles(timed(count, send))}")
        print(f"repeated reports  {percentiles(timed(count, send))}")


if __name__ == "__main__":
    main()
