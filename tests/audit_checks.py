"""Helpers of the audit-chain tests: write audit records as the application does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditRecord

T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def write_records(engine: Engine, count: int, *, start: int = 0) -> None:
    """`count` audit records in one transaction, as a use case writes them."""
    with SqlUnitOfWork(engine) as uow:
        for i in range(start, start + count):
            uow.audit.record(AuditRecord(T0 + timedelta(seconds=i), "clerk",
                                         AuditAction.RESIDENT_MOVE, f"resident:{i}",
                                         {"origin": "13101", "n": i}))
        uow.commit()
