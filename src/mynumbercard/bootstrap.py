"""The one place that wires settings to adapters and services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.municipalities import MunicipalityDirectory, directory
from mynumbercard.adapters.passwords import Argon2Hasher
from mynumbercard.config import Settings
from mynumbercard.services.ports import PasswordHasher, UnitOfWork


def settings() -> Settings:
    """Read afresh from the environment each time: cheap, and never stale in tests."""
    return Settings()


def engine(config: Settings | None = None) -> Engine:
    config = config or settings()
    return make_engine(config.resolved_database_url, echo=config.sql_echo)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """Everything an entry point needs, wired once per process."""

    settings: Settings
    engine: Engine
    hasher: PasswordHasher = field(default_factory=Argon2Hasher)
    clock: Callable[[], datetime] = utc_now

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    @property
    def municipalities(self) -> MunicipalityDirectory:
        return directory()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()  # close pooled connections now, not at garbage collection


def container(config: Settings | None = None) -> Container:
    config = config or settings()
    return Container(settings=config, engine=engine(config))
