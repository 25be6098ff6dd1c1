"""Offices on PostgreSQL: four weeks of an office's free slots, and 100 concurrent
bookings for one slot.

    python bench/bench_offices.py [--offices 200] [--runs 200]

Starts a throwaway PostgreSQL cluster, configures `--offices` offices (weekday hours, a
late evening, two Sunday mornings, 30-minute slots), fills their next four weeks with
bookings (every slot counter row taken at random), then times:

- availability: `availability_in` of one office for 28 days from today, each in its own
  unit of work as the API does (target: under 50 ms);
- the race: 100 residents book the same slot at once from 100 threads, each its own
  transaction (target: all settled in under 1 s, exactly the slot's capacity booked).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime
from datetime import time as dt_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sqlalchemy import insert, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import appointment_slots
from mynumbercard.adapters.holiday_calendar import japan
from mynumbercard.domain.appointments import Purpose, slot_moment
from mynumbercard.domain.errors import Conflict, DomainError
from mynumbercard.domain.office_calendar import slot_starts
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import appointments, cards, register
from mynumbercard.services import offices as office_service

from pgcluster import PgCluster

ADMIN = Actor("bench", Role.ADMIN)
NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 9:00 in Japan
WEEKDAY = "08:30-17:15"
RULES = parse_rules({"mon": WEEKDAY, "tue": WEEKDAY, "wed": WEEKDAY, "thu": "08:30-19:00",
                     "fri": WEEKDAY}, "sun@2,4 09:00-12:00")
BORN = date(1985, 4, 1)


def _offices(n: int) -> list[Office]:
    # The 23 special wards of Tokyo and their branches: codes 13101 to 13123.
    out = []
    for i in range(n):
        ward, branch = 13101 + i % 23, i // 23
        code = f"{ward}" if branch == 0 else f"{ward}-{branch:02d}"
        out.append(Office(code=code, name=f"窓口{i}", postal_code="1000001",
                          address="東京都千代田区千代田1-1", phone="03-0000-0000",
                          counters=3, slot_minutes=30, rules=RULES))
    return out


def _fill(engine: object, offices: list[Office]) -> int:
    rng, rows = random.Random(1), []
    with SqlUnitOfWork(engine) as uow:  # type: ignore[arg-type]
        for office in offices:
            for hours in office_service.week_hours(uow, japan(), office, NOW.date(), 28):
                for at in slot_starts(hours, office.slot_minutes):
                    if rng.random() < 0.6:
                        rows.append({"office_code": office.code,
                                     "starts_at": slot_moment(hours.day, at).astimezone(UTC),
                                     "taken": rng.randint(1, office.capacity)})
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(appointment_slots), rows)
        conn.execute(text("ANALYZE"))
    return len(rows)


def _availability(engine: object, offices: list[Office], runs: int) -> list[float]:
    def factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)  # type: ignore[arg-type]

    times, rng = [], random.Random(2)
    for i in range(runs + 20):
        office = rng.choice(offices)
        started = time.perf_counter()
        found = appointments.availability(factory, japan(), office_code=office.code,
                                          start=NOW.date(), days=28, now=NOW)
        elapsed = (time.perf_counter() - started) * 1000
        if len(found.days) != 28:
            raise SystemExit(f"expected 28 days, got {len(found.days)}")
        if i >= 20:  # the first are the warm-up
            times.append(elapsed)
    return sorted(times)


def _race(engine: object, threads: int) -> tuple[float, dict[str, int]]:
    def factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)  # type: ignore[arg-type]

    race = Office(code="13101-99", name="競争窓口", postal_code="1000001",
                  address="東京都千代田区千代田1-1", phone="03-0000-0000", counters=3,
                  slot_minutes=30, rules=RULES)
    office_service.load_offices(factory, japan(), actor=ADMIN, offices=[race], now=NOW)
    for i in range(threads):
        person = register.register_resident(
            factory, actor=ADMIN, now=NOW, family_name="競争", given_name=f"太郎{i}",
            family_name_kana="キョウソウ", given_name_kana="タロウ", birth_date=BORN,
            sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
            address=f"千代田{i}番1号", registered_on=BORN)
        cards.register_card(factory, actor=ADMIN, resident_id=person.id or 0,
                            card_number=f"RACE-{i:03d}", applied_on=date(2025, 1, 6),
                            issued_on=date(2025, 1, 6), now=NOW)
    outcomes: dict[str, int] = {}
    lock, gate = threading.Lock(), threading.Barrier(threads + 1)

    def book(i: int) -> None:
        gate.wait()
        try:
            appointments.book(factory, japan(), office_code=race.code, purpose=Purpose.PICK_UP,
                              application_id=None, card_number=f"RACE-{i:03d}",
                              birth_date=BORN, on=date(2026, 12, 1), at=dt_time(10),
                              email=None, now=NOW)
            outcome = "booked"
        except Conflict:
            outcome = "full"
        except DomainError as error:
            outcome = type(error).__name__
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    workers = [threading.Thread(target=book, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    gate.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=200)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=100)
    args = parser.parse_args()
    cluster = PgCluster.start()
    try:
        engine = make_engine(cluster.url)
        migrate.upgrade(engine)
        load_municipalities(engine)
        offices = _offices(args.offices)

        def factory() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine)

        office_service.load_offices(factory, japan(), actor=ADMIN, offices=offices, now=NOW)
        rows = _fill(engine, offices)
        print(f"{len(offices)} offices, {rows} booked slot counters over four weeks")
        times = _availability(engine, offices, args.runs)
        q = statistics.quantiles(times, n=100, method="inclusive")
        print(f"availability, 28 days, one office: median {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
              f"max {times[-1]:.1f} ms ({len(times)} runs)")
        # The server's pool: one connection per concurrent request, as uvicorn's threads.
        race_engine = make_engine(cluster.url)
        race_engine.pool._pool.maxsize = args.threads  # type: ignore[attr-defined]
        elapsed, outcomes = _race(race_engine, args.threads)
        print(f"{args.threads} concurrent bookings of one slot (capacity 3): "
              f"{elapsed * 1000:.0f} ms, {outcomes}")
        if outcomes.get("booked") != 3:
            raise SystemExit(f"expected exactly 3 bookings: {outcomes}")
        race_engine.dispose()
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
