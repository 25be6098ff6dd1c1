"""Time `generate_residents` on a throwaway PostgreSQL cluster (or a SQLite file).

    python bench/bench_generate.py                 # 1,000,000 residents on PostgreSQL
    python bench/bench_generate.py 100000 --sqlite # 100,000 on a temporary SQLite file

Migrates a fresh database, loads the municipalities, then times the generation alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sqlalchemy import Engine, text

from mynumbercard.adapters.db import migrate
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.municipality_rows import load_municipalities
from mynumbercard.generators.bulk import generate_residents

from pgcluster import PgCluster


def _run(engine: Engine, count: int, chunk_size: int) -> None:
    migrate.upgrade(engine)
    load_municipalities(engine)
    started = time.perf_counter()
    written = generate_residents(engine, count=count, seed=1, today=date(2026, 11, 25),
                                 now=datetime.now(UTC), chunk_size=chunk_size, progress=True)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM residents")).scalar_one()
        events = conn.execute(text("SELECT count(*) FROM resident_events")).scalar_one()
    print(f"{engine.dialect.name}: {written:,} residents ({rows:,} in the table, {events:,} "
          f"events) in {seconds:.1f} s = {written / seconds:,.0f} residents/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--chunk-size", type=int, default=20_000)
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
            _run(engine, args.count, args.chunk_size)
            engine.dispose()
        return
    cluster = PgCluster.start()
    try:
        engine = make_engine(cluster.url)
        _run(engine, args.count, args.chunk_size)
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
