"""The settable clock (refused in production) and serve's check of its public URL."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from mynumbercard.bootstrap import SetClock, make_clock, utc_now
from mynumbercard.cli.serve import base_url_mismatch
from mynumbercard.config import Settings
from mynumbercard.domain.errors import InvalidInput

PG = "postgresql://app@db.example/mynumbercard"


def _settings(**values: object) -> Settings:
    return Settings(home="var", **values)  # type: ignore[arg-type]


def test_unset_the_clock_is_the_real_one():
    assert make_clock(_settings()) is utc_now


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-30T09:00:00+09:00", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
    ("2026-11-30", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),  # 09:00 in Japan
    ("2027-01-01T00:00:00Z", datetime(2027, 1, 1, tzinfo=UTC)),
])
def test_a_set_clock_stands_still(text: str, expected: datetime):
    clock = make_clock(_settings(clock=text))
    assert clock() == expected
    assert clock() == expected


def test_a_running_clock_starts_where_set():
    clock = make_clock(_settings(clock="2026-11-30", clock_runs=True))
    first = clock()
    time.sleep(0.01)
    assert datetime(2026, 11, 30, tzinfo=UTC) <= first < clock()
    assert isinstance(clock, SetClock)


@pytest.mark.parametrize("values", [
    {"env": "production"},
    {"env": "Production", "allow_set_clock": True},  # the environment wins
    {"database_url": PG},  # PostgreSQL without the explicit allowance
])
def test_production_refuses_a_set_clock(values: dict[str, object]):
    with pytest.raises(InvalidInput, match="production"):
        make_clock(_settings(clock="2026-11-30", **values))
    assert make_clock(_settings(**values)) is utc_now  # the real clock is fine there


def test_a_postgresql_test_database_may_set_it_when_it_says_so():
    clock = make_clock(_settings(clock="2026-11-30", database_url=PG, allow_set_clock=True))
    assert clock() == datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["tomorrow", "2026-11-30T09:00:00", "2026-13-01"])
def test_a_clock_that_is_no_time_is_refused(text: str):
    with pytest.raises(InvalidInput, match="MYNUMBERCARD_CLOCK"):
        make_clock(_settings(clock=text))


@pytest.mark.parametrize(("url", "host", "port", "warns"), [
    ("http://127.0.0.1:8000", "127.0.0.1", 8000, False),
    ("http://localhost:8000", "127.0.0.1", 8000, False),
    ("http://127.0.0.1:8000", "127.0.0.1", 8001, True),
    ("https://jpki.example.jp", "0.0.0.0", 443, False),  # noqa: S104 - all addresses
    ("https://jpki.example.jp", "127.0.0.1", 8000, True),  # behind a proxy: said so
    ("ftp://example.jp", "127.0.0.1", 21, True),
])
def test_serve_warns_when_the_public_url_is_not_this_server(url: str, host: str, port: int,
                                                            warns: bool):
    warning = base_url_mismatch(url, host, port)
    assert (warning is not None) is warns
    if warning:
        assert "MYNUMBERCARD_PUBLIC_BASE_URL" in warning
