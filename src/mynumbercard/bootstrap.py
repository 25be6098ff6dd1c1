"""The one place that wires settings to adapters and services."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.config import Settings


@cache
def settings() -> Settings:
    return Settings()


def engine(config: Settings | None = None) -> Engine:
    config = config or settings()
    return make_engine(config.resolved_database_url, echo=config.sql_echo)
