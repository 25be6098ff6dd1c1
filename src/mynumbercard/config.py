"""Settings from environment variables (prefix ``MYNUMBERCARD_``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYNUMBERCARD_", extra="ignore")

    home: Path = Path("var")
    """The data directory: the SQLite database, CA keys, letters."""

    database_url: str | None = None
    """SQLAlchemy URL; default SQLite in the data directory."""

    token_minutes: int = 15
    """Lifetime of an API bearer token or a page session."""

    sql_echo: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'mynumbercard.sqlite3').resolve()}"

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.token_minutes)
