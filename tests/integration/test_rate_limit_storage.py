"""The rate-limit counters in our database (a `limits` storage), on SQLite and PostgreSQL:
one budget for every engine (process) that uses the database, settled atomically."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from limits import parse

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.rate_limit_storage import DatabaseStorage
from mynumbercard.adapters.rate_limits import RateLimits, Rule


def test_concurrent_hits_from_several_engines_share_one_exact_budget(database_url: str):
    engines = [make_engine(database_url) for _ in range(4)]
    limits = [RateLimits(DatabaseStorage(engine), {Rule.APPLICATION_ID: parse("25/hour")})
              for engine in engines]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            waits = list(pool.map(lambda n: limits[n % 4].hit(Rule.APPLICATION_ID, "one id"),
                                  range(60)))
    finally:
        for engine in engines:
            engine.dispose()
    assert waits.count(None) == 25  # no more, whichever engine took the try
    assert all(3500 <= wait <= 3600 for wait in waits if wait is not None)


def test_a_window_ends_and_the_count_starts_again(database_url: str):
    engine = make_engine(database_url)
    storage = DatabaseStorage(engine)
    try:
        assert [storage.incr("k", expiry=1) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3
        assert storage.get_expiry("k") > time.time()
        time.sleep(1.1)
        assert storage.get("k") == 0
        assert storage.incr("k", expiry=1) == 1
        storage.clear("k")
        assert storage.get("k") == 0
        assert storage.check()
    finally:
        engine.dispose()


def test_subjects_are_kept_only_as_hashes(database_url: str):
    engine = make_engine(database_url)
    try:
        RateLimits(DatabaseStorage(engine)).hit(Rule.SIGN_IN_USER, "alice.admin")
        with engine.connect() as conn:
            names = [row[0] for row in conn.exec_driver_sql("SELECT name FROM rate_limits")]
    finally:
        engine.dispose()
    assert len(names) == 1
    assert "alice" not in names[0]
