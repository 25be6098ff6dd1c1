"""`GET /healthz` checks the database with a read: on SQLite it does not queue for the
write lock, so a load balancer's health check answers while a long write is under way
(before, it took SQLite's write lock for its `SELECT 1` and waited behind every writer)."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest
from sqlalchemy import text

from mynumbercard.bootstrap import Container


def test_healthz_answers_while_a_writer_holds_the_lock(
        container: Container, api_client: Any, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the write lock taken at BEGIN is SQLite's (PostgreSQL reads never wait)")
    client = api_client(container)
    with container.engine.connect() as writer:  # BEGIN IMMEDIATE: the write lock
        writer.execute(text("SELECT 1"))
        other = sqlite3.connect(container.engine.url.database or "", timeout=0,
                                isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):  # really held
            other.execute("BEGIN IMMEDIATE")
        other.close()
        started = time.monotonic()
        answer = client.get("/healthz")
        waited = time.monotonic() - started
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert waited < 5  # the busy timeout is 30 s: a queued health check would wait it out
