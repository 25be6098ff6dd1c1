"""A `limits` storage in our own database: the counters every server process shares.

One row per counter; `incr` is one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`, on SQLite and PostgreSQL alike) that starts a new window when the old one
has ended, so two processes can never both take the last try. Fixed windows only
(`limits.strategies.FixedWindowRateLimiter`). Expired rows are swept now and then.
"""

from __future__ import annotations

import random
import time

from limits.storage import Storage
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from mynumbercard.adapters.db.tables import rate_limits

_INCREMENT = text(
    "INSERT INTO rate_limits (name, hits, expires_ms) VALUES (:name, :amount, :expires) "
    "ON CONFLICT (name) DO UPDATE SET "
    "hits = CASE WHEN rate_limits.expires_ms <= :now THEN excluded.hits "
    "ELSE rate_limits.hits + excluded.hits END, "
    "expires_ms = CASE WHEN rate_limits.expires_ms <= :now THEN excluded.expires_ms "
    "ELSE rate_limits.expires_ms END "
    "RETURNING hits"
)
SWEEP_ONE_IN = 500  # about one `incr` in this many deletes the expired rows


def _now_ms() -> int:
    return int(time.time() * 1000)


class DatabaseStorage(Storage):
    """`limits` storage over a SQLAlchemy engine (the table `rate_limits`)."""

    STORAGE_SCHEME = None  # built from an engine, not from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._sweep = random.Random()  # noqa: S311 - when to sweep, nothing secret

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = _now_ms()
        with self._engine.begin() as conn:
            hits = conn.execute(_INCREMENT, {"name": key[:128], "amount": amount,
                                             "expires": now + int(expiry * 1000),
                                             "now": now}).scalar_one()
            if self._sweep.randrange(SWEEP_ONE_IN) == 0:
                conn.execute(delete(rate_limits).where(rate_limits.c.expires_ms <= now))
        return int(hits)

    def _row(self, key: str) -> tuple[int, int] | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(rate_limits.c.hits, rate_limits.c.expires_ms)
                               .where(rate_limits.c.name == key[:128])).first()
        if row is None or row.expires_ms <= _now_ms():
            return None
        return int(row.hits), int(row.expires_ms)

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else row[1] / 1000

    def check(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine.begin() as conn:
            return conn.execute(delete(rate_limits)).rowcount

    def clear(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.name == key[:128]))
