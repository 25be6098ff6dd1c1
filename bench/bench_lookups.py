"""Staff look-ups on a country-sized register: p50/p95/p99 per kind of look-up.

    python bench/bench_lookups.py --keep /var/tmp/register10m   # a register kept by
                                                 # bench/bench_validity_register.py --keep
    python bench/bench_lookups.py --url postgresql+psycopg://...  # any migrated register

Upgrades the register to the newest schema first (migration 0013 backfills the search
keys and builds their indexes: timed), then VACUUM ANALYZE. Each look-up runs through
its use case (services/lookups.py: authorisation, the query, the audit record, commit)
over `--samples` distinct inputs drawn at random from the register:
- a resident by Individual Number (operator);
- by name or kana prefix (2-4 characters, hiragana, katakana, half-width or kanji)
  with the birth date, as an operator (the whole country) and as a clerk (their town);
- by postal code and an address prefix;
- a card by its number, with its certificates;
- an application by its Application ID (hyphenated as printed);
- review-queue pages: one status with a random municipality (clerk) or a random
  `received_from` (operator), the first page and the one after it (cursor); and the
  same over a review backlog (`--backlog` applications set to `received` for the run).
Reported in milliseconds, warm (each kind runs over fresh inputs after one warm-up pass
over other inputs). Not part of `make test`.

Last run, quiet (docs/operations.md "Look-ups at scale"; 2026-11-30, nothing else on the
2 cores): 10,000,000 residents, `--samples 1000`; p50 / p95 / p99 ms: number 1.3 / 1.6 /
1.7; name + birth date, whole country 2.9 / 8.8 / 17.9, a clerk's 1.5 / 1.8 / 2.4; postal
code + address 5.1 / 19.8 / 35.7; card 2.7 / 6.4 / 11.7; Application ID 1.5 / 1.8 / 2.0;
queue (handed over) clerk 4.1 / 4.6 / 5.0, from a day 3.9 / 4.2 / 4.6; queue of 50,000
received, clerk 3.5 / 9.3 / 14.9, all 3.3 / 5.1 / 8.6: every look-up under 50 ms at p99.
Under load 22-32 from other jobs the p99s were 52-167 ms (the machine's queueing).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import Engine, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.domain.application import ApplicationStatus
from mynumbercard.domain.application_id import printed_form
from mynumbercard.domain.search_key import HIRAGANA, KATAKANA
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import lookups
from mynumbercard.services.lookup_ports import QueueFilter

OPERATOR = Actor("bench-operator", Role.OPERATOR)
NOW = datetime(2026, 11, 25, 1, tzinfo=UTC)
_TO_HIRAGANA = str.maketrans(KATAKANA, HIRAGANA)


def _sample(engine: Engine, table: str, columns: str, n: int, seed: int) -> list[Any]:
    """``n`` rows of ``table`` at random ids (bulk-loaded: the ids are dense)."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        top = conn.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0  # noqa: S608
        ids = rng.sample(range(1, top + 1), min(n * 2, top))
        rows = list(conn.execute(text(f"SELECT {columns} FROM {table} "  # noqa: S608
                                      "WHERE id = ANY(:ids)"), {"ids": ids}))
    rng.shuffle(rows)
    return rows[:n]


def _timed(label: str, inputs: list[Any], run: Callable[[Any], object]) -> list[float]:
    half = len(inputs) // 4  # the warm-up pass: other inputs of the same kind
    for item in inputs[:half]:
        run(item)
    times = []
    for item in inputs[half:]:
        started = time.perf_counter()
        run(item)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    q = statistics.quantiles(times, n=100, method="inclusive")
    print(f"{label:<46} {len(times):>5} {q[49]:>8.2f} {q[94]:>8.2f} {q[98]:>8.2f} "
          f"{times[-1]:>8.2f}", flush=True)
    return times


def _prefix(rng: random.Random, family: str, family_kana: str) -> str:
    """What a clerk types: 2-4 characters of the family name, in kanji, katakana,
    hiragana or half-width katakana."""
    kana = family_kana[:rng.randint(2, 4)]
    return rng.choice([family[:rng.randint(1, 2)], kana, kana.translate(_TO_HIRAGANA),
                       _to_half_width(kana)])


_HALF = dict(zip(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "ァィゥェォャュョッー",
    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ", strict=True))


def _to_half_width(kana: str) -> str:
    out = []
    for char in unicodedata.normalize("NFD", kana):
        out.append({"\u3099": "ﾞ", "\u309a": "ﾟ"}.get(char, _HALF.get(char, char)))
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None,
                        help="a cluster kept by bench_validity_register.py --keep")
    parser.add_argument("--url", default=None, help="or the URL of a register")
    parser.add_argument("--samples", type=int, default=2000, help="inputs per look-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vacuum", action="store_true",
                        help="VACUUM ANALYZE first even if the schema was current")
    parser.add_argument("--backlog", type=int, default=50_000,
                        help="applications set back to `received` for the queue's run")
    parser.add_argument("--no-upgrade", action="store_true",
                        help="leave the schema as it is (a kept register whose indexes "
                             "were built by hand with a migration's SQL)")
    parser.add_argument("--only", choices=["name"], default=None,
                        help="only the name + birth date look-ups")
    args = parser.parse_args()
    cluster: Any = None
    if args.keep is not None:
        from bench_validity_register import kept_cluster  # noqa: PLC0415

        cluster, url = kept_cluster(args.keep)
    elif args.url is not None:
        url = args.url
    else:
        raise SystemExit("give --keep DIR or --url URL")
    try:
        _bench(make_engine(url), args.samples, args.seed, args.backlog, vacuum=args.vacuum,
               upgrade=not args.no_upgrade, only=args.only)
    finally:
        if cluster is not None:
            from bench_validity_register import stop_kept  # noqa: PLC0415

            stop_kept(cluster)


def _bench(engine: Engine, samples: int, seed: int, backlog: int, *,
           vacuum: bool = False, upgrade: bool = True, only: str | None = None) -> None:
    started = time.perf_counter()
    before = migrate.current(engine)
    if upgrade:
        migrate.upgrade(engine)
    print(f"migrate {before} -> {migrate.current(engine)}: "
          f"{time.perf_counter() - started:,.1f} s", flush=True)
    if vacuum or before != migrate.current(engine):  # after the backfill's UPDATE
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE residents"))
            conn.execute(text("VACUUM ANALYZE applications"))
        print(f"VACUUM ANALYZE: {time.perf_counter() - started:,.1f} s", flush=True)
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT max(id) FROM {t}")).scalar()  # noqa: S608
                  for t in ("residents", "cards", "applications", "certificates")}
    print("rows (max id): " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    rng = random.Random(seed)
    people = _sample(engine, "residents", "id, individual_number, family_name, "
                     "family_name_kana, birth_date, municipality_code, postal_code, address",
                     samples, seed)
    cards = _sample(engine, "cards", "id, card_number", samples, seed + 1)
    forms = _sample(engine, "applications", "id, application_id", samples, seed + 2)
    print(f"\n{'look-up (ms, warm)':<46} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} "
          f"{'max':>8}", flush=True)

    def search(actor: Actor, **query: Any) -> object:
        return lookups.search_residents(uow, actor=actor, query=lookups.ResidentQuery(
            **query), now=NOW)

    def clerk_of(code: str) -> Actor:
        return Actor(f"bench-clerk-{code}", Role.CLERK, code)

    _timed("resident by Individual Number", people,
           lambda p: search(OPERATOR, number=p.individual_number))
    named = [(p, _prefix(rng, p.family_name, p.family_name_kana)) for p in people]
    _timed("resident by name prefix + birth date (all)", named,
           lambda pn: search(OPERATOR, name=pn[1], birth_date=pn[0].birth_date))
    _timed("resident by name prefix + birth date (clerk)", named,
           lambda pn: search(clerk_of(pn[0].municipality_code), name=pn[1],
                             birth_date=pn[0].birth_date))
    if only == "name":
        _explain(engine, people[0])
        return
    _timed("resident by postal code + address prefix", people,
           lambda p: search(OPERATOR, postal_code=p.postal_code,
                            address=p.address[:rng.randint(2, 6)]))
    _timed("card by number, with certificates", cards,
           lambda c: lookups.card_view(uow, actor=OPERATOR, card_number=c.card_number,
                                       now=NOW))
    _timed("application by Application ID", forms,
           lambda f: lookups.application_ref(uow, actor=OPERATOR,
                                             application_id=printed_form(f.application_id)))

    def queue(actor: Actor, wanted: QueueFilter) -> object:
        page = lookups.application_queue(uow, actor=actor, wanted=wanted, limit=50, now=NOW)
        if page.next is not None:  # and the page after it
            lookups.application_queue(uow, actor=actor, limit=50, now=NOW, wanted=QueueFilter(
                wanted.status, wanted.channel, wanted.municipality_code,
                wanted.received_from, wanted.received_to, lookups.parse_cursor(page.next)))
        return page

    status = ApplicationStatus.HANDED_OVER  # every synthetic application is handed over
    _timed("queue, 2 pages of 50, clerk's municipality", people,
           lambda p: queue(clerk_of(p.municipality_code), QueueFilter(status)))
    first_day = date(2016, 1, 1)
    _timed("queue, 2 pages of 50, from a random day", people,
           lambda p: queue(OPERATOR, QueueFilter(status, received_from=first_day + timedelta(
               days=rng.randrange(3900)))))
    if backlog:  # the plans are shown over the backlog
        _backlog_queue(engine, people, backlog=backlog, seed=seed, queue=queue,
                       clerk_of=clerk_of)
    else:
        _explain(engine, people[0])


def _backlog_queue(engine: Engine, people: list[Any], *, backlog: int, seed: int,
                   queue: Callable[[Actor, QueueFilter], object],
                   clerk_of: Callable[[str], Actor]) -> None:
    """A review backlog: ``backlog`` random applications set back to `received` for the
    run (every synthetic one is handed over), then restored. Before shipping, a
    municipality's queue reads the holder's municipality stored on each application
    (migration 0016) on its own index."""
    with engine.begin() as conn:
        top = conn.execute(text("SELECT max(id) FROM applications")).scalar() or 0
        ids = random.Random(seed).sample(range(1, top + 1), min(backlog, top))
        conn.execute(text("UPDATE applications SET status = 'received' "
                          "WHERE id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("ANALYZE applications"))
    try:
        status = ApplicationStatus.RECEIVED
        _timed(f"queue of {len(ids):,} received, 2 pages, clerk", people,
               lambda p: queue(clerk_of(p.municipality_code), QueueFilter(status)))
        _timed(f"queue of {len(ids):,} received, 2 pages, all", people,
               lambda p: queue(OPERATOR, QueueFilter(status)))
        _explain(engine, people[0])
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE applications SET status = 'handed_over' "
                              "WHERE id = ANY(:ids)"), {"ids": ids})


def _explain(engine: Engine, person: Any) -> None:
    """The plans of the two that use the new indexes, for the note."""
    queries = [
        ("name, whole country (migration 0026)", "SELECT id FROM residents "
         "WHERE birth_date = :b AND (kana_key LIKE :k OR name_key LIKE :k) "
         "ORDER BY kana_key, id LIMIT 20",
         {"b": person.birth_date, "k": person.family_name_kana[:2] + "%"}),
        ("name", "SELECT id FROM residents WHERE birth_date = :b AND municipality_code = :m "
         "AND (kana_key LIKE :k OR name_key LIKE :k) ORDER BY kana_key, id LIMIT 20",
         {"b": person.birth_date, "m": person.municipality_code,
          "k": person.family_name_kana[:2] + "%"}),
        ("queue, clerk (handed over: by office)", "SELECT id FROM applications "
         "WHERE status = 'handed_over' AND office_code = :m "
         "ORDER BY received_on, id LIMIT 51", {"m": person.municipality_code}),
        ("queue, clerk (before shipping: the holder's municipality, migration 0016)",
         "SELECT id FROM applications WHERE status = 'received' AND "
         "holder_municipality_code = :m ORDER BY received_on, id LIMIT 51",
         {"m": person.municipality_code}),
    ]
    with engine.connect() as conn:
        for label, sql, params in queries:
            plan = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params).all()
            print(f"\n{label}:\n" + "\n".join("    " + r[0] for r in plan))


if __name__ == "__main__":
    main()
