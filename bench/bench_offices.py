"""Offices on PostgreSQL: four weeks of an office's free slots, 100 concurrent
bookings for one slot, and the crowding forecast over a year of history.

    python bench/bench_offices.py [--offices 200] [--runs 200] [--history-offices 30]

Starts a throwaway PostgreSQL cluster, configures `--offices` offices (weekday hours, a
late evening, two Sunday mornings, 30-minute slots), fills their next four weeks with
bookings (every slot counter row taken at random), then times:

- availability: `availability_in` of one office for 28 days from today, each in its own
  unit of work as the API does (target: under 50 ms);
- the race: 100 residents book the same slot at once from 100 threads, each its own
  transaction (target: all settled in under 1 s, exactly the slot's capacity booked);
- the forecast: `--history-offices` offices get a year of the desk's hours seen (the
  demo's generator: walk-ins queued at their counters), then `crowding` of one office
  for 14 days (a year of its hours read and fitted, as the API and the pages do), and
  the booking page's reads together (availability and forecast of 14 days, the
  quietest slots).

Last run, quiet (docs/offices.md "Speed"; 2026-11-30, load under 1): availability p95
3.5 ms; the race 305 ms, exactly 3 of 100 booked; forecast p95 17.4 ms; the booking
page's reads p95 23.5 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as dt_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sqlalchemy import insert, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import appointment_slots, office_hours_seen
from mynumbercard.adapters.holiday_calendar import japan
from mynumbercard.domain.appointments import Purpose, slot_moment
from mynumbercard.domain.errors import Conflict, DomainError
from mynumbercard.domain.office_calendar import slot_starts
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.crowding import history, hours_seen
from mynumbercard.services import appointments, cards, crowding, register
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


def _history(engine: object, offices: list[Office]) -> int:
    rows = []
    for office in offices:
        visits = list(history(office, first=NOW.date().replace(year=NOW.year - 1),
                              last=NOW.date(), holidays=japan(), seed=3))
        rows += [{"office_code": office.code, "day": s.day, "hour": s.hour,
                  "arrivals": s.arrivals, "waits": s.waits, "wait_seconds": s.wait_seconds,
                  "served": s.served, "service_seconds": s.service_seconds}
                 for s in hours_seen(visits)]
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(office_hours_seen), rows)
        conn.execute(text("ANALYZE"))
    return len(rows)


def _timed(runs: int, call: Callable[[int], object]) -> list[float]:
    times = []
    for i in range(runs + 20):
        started = time.perf_counter()
        call(i)
        if i >= 20:  # the first are the warm-up
            times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def _forecast(engine: object, offices: list[Office], runs: int) -> tuple[list[float],
                                                                         list[float]]:
    def factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)  # type: ignore[arg-type]

    rng = random.Random(4)

    def forecast(_: int) -> None:
        found = crowding.crowding(factory, japan(), office_code=rng.choice(offices).code,
                                  start=NOW.date(), days=14, now=NOW)
        if not any(f.wait_minutes for d in found.days for f in d.forecast):
            raise SystemExit("no forecast from a year of history")

    def page(_: int) -> None:
        code = rng.choice(offices).code
        found = appointments.availability(factory, japan(), office_code=code,
                                          start=NOW.date(), days=14, now=NOW)
        expected = crowding.crowding(factory, japan(), office_code=code, start=NOW.date(),
                                     days=14, now=NOW)
        crowding.quietest_slots(found, expected, limit=8)

    return _timed(runs, forecast), _timed(runs, page)


def _line(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return (f"{name}: median {q[49]:.1f} ms, p95 {q[94]:.1f} ms, max {times[-1]:.1f} ms "
            f"({len(times)} runs)")


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
    parser.add_argument("--history-offices", type=int, default=30)
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
        seen = _history(engine, offices[:args.history_offices])
        print(f"{args.history_offices} offices with a year of hours seen ({seen} rows)")
        forecast_times, page_times = _forecast(engine, offices[:args.history_offices],
                                               args.runs)
        print(_line("forecast, 14 days from a year of history, one office", forecast_times))
        print(_line("booking page's reads (availability + forecast, 14 days, quietest)",
                    page_times))
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
