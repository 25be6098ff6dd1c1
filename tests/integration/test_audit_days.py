"""The audit log read by days in Japan's time on both databases: bounds with Japan's
offset select the same records as the same moments in UTC (SQLite compares timestamps as
text and dropped the offset, so the audit page's day missed its first nine hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services.audit import list_audit
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditRecord


def test_a_day_in_japan_includes_its_first_nine_hours(container: Container):
    first = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 2026-12-01 00:30 in Japan
    with container.uow() as uow:
        for n in range(3):
            uow.audit.record(AuditRecord(first + timedelta(hours=4 * n), "ann",
                                         AuditAction.RESIDENT_READ, f"resident:{n}", None))
        uow.commit()
    day = datetime(2026, 12, 1, tzinfo=JST)
    found = list_audit(container.uow, actor=Actor("auditor", Role.AUDITOR), subject=None,
                       person="ann", since=day, until=day + timedelta(days=1))
    assert [r.subject for _, r in found] == ["resident:2", "resident:1", "resident:0"]
    before = list_audit(container.uow, actor=Actor("auditor", Role.AUDITOR), subject=None,
                        person="ann", until=day)
    assert list(before) == []
