"""A country-sized register with cards on a throwaway PostgreSQL cluster, and a day's cohort.

    python bench/bench_validity_register.py --count 1000000
    python bench/bench_validity_register.py --count 10000000 --keep /var/tmp/register10m

Migrates a fresh database, then:
1. baseline: the residents alone (`generate_residents`, no cards) for `--baseline-count`
   residents in a database of their own, dropped afterwards;
2. the register: `--count` residents with their cards and certificates
   (`generate_register(with_cards=True)`), timed;
3. table and index sizes, row counts;
4. a day's cohort: cards with `expires_on` = a day, the cards of the validity-notice window
   mailed today (`expires_on` between 2 and 3 months ahead), certificates whose `not_after`
   falls on a day (JST), each timed (best of 5, warm) with `EXPLAIN (ANALYZE, BUFFERS)`;
5. the projection to 100 million cards (sizes and times scaled by the card count).

`--keep DIR` builds the cluster in DIR and leaves it there, stopped, for later benchmarks:
`kept_cluster(DIR)` below starts it again (database `register`) and returns its URL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sqlalchemy import Engine, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.dates import months_after
from mynumbercard.generators.bulk import generate_register, generate_residents

from pgcluster import PgCluster, find_pg_bin, free_port

DATABASE = "register"
TABLES = ("residents", "resident_events", "cards", "certificates", "application_forms",
          "applications")
COUNTRY_CARDS = 100_000_000


def _options(cluster: PgCluster) -> str:
    # As tests/pgcluster.py, plus memory for index builds and a larger WAL between
    # checkpoints (bulk loading); still fsync=off: a benchmark, not a system of record.
    return (f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {cluster.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50 "
            "-c max_wal_size=8GB -c shared_buffers=512MB -c maintenance_work_mem=256MB")


def start_cluster(root: Path | None) -> PgCluster:
    """A new cluster, in a temporary directory or in ``root`` (which must not exist)."""
    if root is None:
        return PgCluster.start()
    bindir = find_pg_bin()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (pg_ctl) on this machine")
    if root.exists():
        raise SystemExit(f"{root} exists: give a new directory to --keep")
    root.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = PgCluster(bindir, root.resolve(), free_port())
    cluster._run("initdb", "-D", str(cluster.root / "data"), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
    _pg_start(cluster)
    return cluster


def _pg_start(cluster: PgCluster) -> None:
    cluster._run("pg_ctl", "-D", str(cluster.root / "data"), "-o", _options(cluster), "-l",
                 str(cluster.root / "log"), "-w", "start")


def kept_cluster(root: Path) -> tuple[PgCluster, str]:
    """Start a cluster kept by ``--keep`` on a free port: (cluster, URL of the register).
    Stop it with ``stop_kept(cluster)``, which leaves the directory in place."""
    bindir = find_pg_bin()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (pg_ctl) on this machine")
    cluster = PgCluster(bindir, root.resolve(), free_port())
    _pg_start(cluster)
    return cluster, cluster.database_url(DATABASE)


def stop_kept(cluster: PgCluster) -> None:
    cluster._run("pg_ctl", "-D", str(cluster.root / "data"), "-m", "fast", "-w", "stop")


def _create_database(cluster: PgCluster, name: str) -> Engine:
    admin = make_engine(cluster.url)
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = make_engine(cluster.database_url(name))
    migrate.upgrade(engine)
    load_municipalities(engine)
    return engine


def _drop_database(cluster: PgCluster, name: str) -> None:
    admin = make_engine(cluster.url)
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"DROP DATABASE {name}"))
    admin.dispose()


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _sizes(engine: Engine) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows, table bytes, index bytes)."""
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            heap, index = conn.execute(text(
                "SELECT pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
                "WHERE c.relname = :t AND c.relkind = 'r'"), {"t": table}).one()
            out[table] = (int(rows), int(heap), int(index))
    return out


def _timed(engine: Engine, sql: str, params: dict[str, Any]) -> tuple[int, float, float, str]:
    """(rows, first run s, best of 5 s, EXPLAIN (ANALYZE, BUFFERS) text)."""
    times, rows = [], 0
    with engine.connect() as conn:
        for _ in range(6):
            started = time.perf_counter()
            rows = len(conn.execute(text(sql), params).all())
            times.append(time.perf_counter() - started)
        plan = "\n".join(r[0] for r in conn.execute(
            text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params))
    return rows, times[0], min(times[1:]), plan


def _cohorts(engine: Engine, today: date) -> list[tuple[str, int, float, float, str]]:
    day = months_after(today, 3)
    first, last = months_after(today, 2), months_after(today, 3)
    start = datetime.combine(day, clock(0), JST).astimezone(UTC)
    queries: list[tuple[str, str, dict[str, Any]]] = [
        (f"cards expiring on {day}",
         "SELECT id, resident_id, status, expires_on FROM cards WHERE expires_on = :day",
         {"day": day}),
        (f"notice window of {today}: cards expiring {first}..{last}",
         "SELECT id, resident_id, status, expires_on FROM cards "
         "WHERE expires_on BETWEEN :first AND :last", {"first": first, "last": last}),
        (f"cards expiring on {day}, with the holder's address",
         "SELECT c.id, c.expires_on, r.municipality_code, r.postal_code, r.address "
         "FROM cards c JOIN residents r ON r.id = c.resident_id "
         "WHERE c.expires_on = :day AND c.status = 'active'", {"day": day}),
        (f"certificates expiring on {day} (JST)",
         "SELECT id, kind, serial, card_id, not_after FROM certificates "
         "WHERE not_after >= :start AND not_after < :end",
         {"start": start, "end": start + timedelta(days=1)}),
    ]
    out = []
    for label, sql, params in queries:
        rows, first_s, best, plan = _timed(engine, sql, params)
        out.append((label, rows, first_s, best, plan))
    return out


def _generate(label: str, run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:,.1f} s", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000_000, help="residents")
    parser.add_argument("--baseline-count", type=int, default=None,
                        help="residents without cards for the baseline (default: "
                             "min(count, 500,000); 0 skips it)")
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="build the cluster in DIR and leave it there (stopped)")
    args = parser.parse_args()
    baseline_count = (min(args.count, 500_000) if args.baseline_count is None
                      else args.baseline_count)
    now = datetime.now(UTC)
    cluster = start_cluster(args.keep)
    try:
        if baseline_count:
            engine = _create_database(cluster, "baseline")
            _, base_s = _generate(f"baseline: {baseline_count:,} residents, no cards", lambda: (
                generate_residents(engine, count=baseline_count, seed=args.seed,
                                   today=args.today, now=now, chunk_size=args.chunk_size)))
            engine.dispose()
            _drop_database(cluster, "baseline")
            print(f"  = {baseline_count / base_s:,.0f} residents/s", flush=True)
        engine = _create_database(cluster, DATABASE)
        made, seconds = _generate(f"register: {args.count:,} residents with cards", lambda: (
            generate_register(engine, count=args.count, seed=args.seed, today=args.today,
                              now=now, chunk_size=args.chunk_size, with_cards=True,
                              progress=sys.stderr.isatty())))
        rate = made.residents / seconds
        print(f"  = {rate:,.0f} residents/s, {made.cards / seconds:,.0f} cards/s, "
              f"{made.certificates / seconds:,.0f} certificates/s; {made.cards:,} cards, "
              f"{made.certificates:,} certificates, {made.incidents} incident cards")
        if baseline_count:
            print(f"  ratio to the baseline: {rate / (baseline_count / base_s):.2f}")
        _generate("VACUUM ANALYZE", lambda: _vacuum(engine))
        sizes = _sizes(engine)
        total = sum(h + i for _, h, i in sizes.values())
        print("\ntable                rows          table        indexes")
        for table, (rows, heap, index) in sizes.items():
            print(f"{table:<18} {rows:>12,} {_mb(heap):>12} {_mb(index):>12}")
        print(f"{'total':<18} {'':>12} {_mb(total):>25}")
        scale = COUNTRY_CARDS / made.cards
        print(f"\nprojection to {COUNTRY_CARDS:,} cards (x{scale:,.1f}): "
              f"{total * scale / 2**30:,.0f} GB, generation "
              f"{seconds * scale / 3600:,.1f} h at this rate")
        print("\ncohorts (rows; first run; best of 5 warm; projected best at 100 M cards)")
        for label, rows, first_s, best, plan in _cohorts(engine, args.today):
            print(f"\n{label}: {rows:,} rows; {first_s * 1000:,.1f} ms; {best * 1000:,.1f} ms;"
                  f" ~{best * scale * 1000:,.0f} ms for ~{rows * scale:,.0f} rows")
            print("\n".join("    " + line for line in plan.splitlines()))
        engine.dispose()
    finally:
        if args.keep is None:
            cluster.stop()
        else:
            stop_kept(cluster)
            print(f"\nkept in {args.keep}: start it with kept_cluster(Path({str(args.keep)!r})) "
                  f"from this file (database {DATABASE!r})")


def _vacuum(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


if __name__ == "__main__":
    main()
