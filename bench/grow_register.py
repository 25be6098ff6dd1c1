"""Grow a kept register (bench/bench_validity_register.py --keep) to a number of residents.

    python bench/grow_register.py --keep /var/tmp/lookup-register10m --to 10000000 --seed 2

Starts the kept cluster, upgrades it to the newest schema, then adds residents with their
cards, certificates, forms and applications (`generate_register(with_cards=True)`, the
same draws and proportions as the register was built with) until it holds `--to`
residents, then VACUUM ANALYZE, and stops it again. A seed other than the register's
first keeps the new residents from repeating the first run's people; their card
histories are keyed by their new ids. Stops early when the disk would fall under
`--min-free-gb`. Not part of `make test`.

`--defer-indexes`: a register out of cache writes a chunk's rows into every index at
random places (seen: ~110 residents/s under load), so the secondary indexes that take
rows at random places (not the unique ones nor those on ids) are dropped first, their
definitions saved in DIR/deferred-indexes.sql, and built again after the load.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_validity_register import _vacuum, kept_cluster, stop_kept
from sqlalchemy import Engine, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.generators.bulk import generate_register

TABLES = ("residents", "resident_events", "cards", "certificates", "application_forms",
          "applications")
APPENDED = ("_resident_id", "_card_id", "_shipment_id")  # ids: rows arrive at the end


def _defer_indexes(engine: Engine, saved: Path) -> None:
    with engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c "
            "ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename = ANY(:t) AND NOT x.indisunique"), {"t": list(TABLES)}).all()
        deferred = [(n, d) for n, d in rows if not n.endswith(APPENDED)]
        if not saved.exists():
            saved.write_text("".join(f"{d};\n" for _, d in deferred))
        for name, _ in deferred:
            conn.execute(text(f"DROP INDEX {name}"))
            print(f"dropped {name}", flush=True)


def _build_deferred(engine: Engine, saved: Path) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for statement in saved.read_text().splitlines():
            started = time.perf_counter()
            conn.execute(text(statement.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")
                              .rstrip(";")))
            print(f"{time.perf_counter() - started:,.0f} s: {statement}", flush=True)
    saved.rename(saved.with_suffix(".built"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, metavar="DIR")
    parser.add_argument("--to", type=int, default=10_000_000, help="residents wanted")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--step", type=int, default=200_000, help="residents per step")
    parser.add_argument("--min-free-gb", type=float, default=4.0)
    parser.add_argument("--url", default=None, help="a running register instead of --keep")
    parser.add_argument("--defer-indexes", action="store_true")
    parser.add_argument("--load-only", action="store_true",
                        help="neither build the deferred indexes nor VACUUM (a second "
                             "loader beside another, with a --seed of its own)")
    args = parser.parse_args()
    cluster, url = (None, args.url) if args.url else kept_cluster(args.keep)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        migrate.upgrade(engine)
        print(f"upgraded to the head: {time.perf_counter() - started:,.1f} s", flush=True)
        saved = args.keep / "deferred-indexes.sql"
        if args.defer_indexes:
            _defer_indexes(engine, saved)
        now = datetime.now(UTC)
        while True:
            with engine.connect() as conn:
                have = conn.execute(text("SELECT count(*) FROM residents")).scalar_one()
            free = shutil.disk_usage(args.keep).free / 2**30
            print(f"{have:,} residents, {free:,.1f} GB free", flush=True)
            if have >= args.to or free < args.min_free_gb + 1:
                break
            step = min(args.step, args.to - have)
            started = time.perf_counter()
            made = generate_register(engine, count=step, seed=args.seed + have, today=args.today,
                                     now=now, with_cards=True)
            seconds = time.perf_counter() - started
            print(f"  +{made.residents:,} residents, {made.cards:,} cards, "
                  f"{made.certificates:,} certificates in {seconds:,.0f} s "
                  f"({made.residents / seconds:,.0f}/s)", flush=True)
        if args.load_only:
            return
        if saved.exists():
            _build_deferred(engine, saved)
        started = time.perf_counter()
        _vacuum(engine)
        print(f"VACUUM ANALYZE: {time.perf_counter() - started:,.0f} s", flush=True)
    finally:
        engine.dispose()
        if cluster is not None:
            stop_kept(cluster)


if __name__ == "__main__":
    main()
