"""The console's reads on SQLite and PostgreSQL: the audit log filtered by person, action,
subject and a span of time; the chunk table's runs (unfinished first) and a run's chunks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services.audit import list_audit
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.job_ports import Chunk
from mynumbercard.services.job_views import chunks, runs
from mynumbercard.services.ports import AuditRecord

AUDITOR = Actor("auditor", Role.AUDITOR)
OPERATOR = Actor("operator", Role.OPERATOR)
T0 = datetime(2026, 11, 29, 15, tzinfo=UTC)  # 2026-11-30 00:00 in Japan


def test_the_audit_log_filtered(container: Container):
    with container.uow() as uow:
        for n, (who, action, subject) in enumerate([
                ("ann", AuditAction.RESIDENT_READ, "resident:1"),
                ("bob", AuditAction.RESIDENT_READ, "resident:2"),
                ("ann", AuditAction.RESIDENT_MOVE, "resident:1"),
                ("ann", AuditAction.RESIDENT_READ, "resident:3")]):
            uow.audit.record(AuditRecord(T0 + timedelta(hours=n), who, action, subject, None))
        uow.commit()

    def subjects(**kw: object) -> list[str]:
        return [r.subject for _, r in list_audit(container.uow, actor=AUDITOR, **kw)]  # type: ignore[arg-type]

    assert subjects(person="ann") == ["resident:3", "resident:1", "resident:1"]
    assert subjects(person="ann", action="resident:read") == ["resident:3", "resident:1"]
    assert subjects(subject="resident:1", action="resident:move") == ["resident:1"]
    assert subjects(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == [
        "resident:1", "resident:2"]


def test_the_runs_and_their_chunks(container: Container):
    with container.uow() as uow:
        uow.jobs.plan("mail", "20261129", [(1, 10)])
        uow.jobs.done(Chunk("mail", "20261129", 1, 10), rows=5, now=T0)
        uow.jobs.plan("mail", "20261130", [(1, 10), (11, 20)])
        uow.jobs.done(Chunk("mail", "20261130", 11, 20), rows=2, now=T0)
        uow.jobs.plan("production", "20261128", [(1, 10)])
        uow.commit()
    shown = [(r.job, r.run_key, r.done, r.chunks, r.rows) for r in runs(container.uow,
                                                                          actor=OPERATOR)]
    assert shown == [("mail", "20261130", 1, 2, 2), ("production", "20261128", 0, 1, 0),
                     ("mail", "20261129", 1, 1, 5)]
    found = chunks(container.uow, actor=OPERATOR, job="mail", run_key="20261130")
    assert [(c.lo, c.rows, c.done_at) for c in found] == [(1, None, None), (11, 2, T0)]
