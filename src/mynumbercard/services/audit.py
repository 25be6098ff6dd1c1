"""Reading the append-only audit log; the record of a simulation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.ports import AuditLog, AuditRecord, Transaction


class AuditUnit(Transaction, Protocol):
    @property
    def audit(self) -> AuditLog: ...



def list_audit(
    uow_factory: Callable[[], AuditUnit],
    *,
    actor: Actor,
    subject: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
    person: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[tuple[int, AuditRecord]]:
    """Newest first; `person` is the staff member who acted, `since`..`until` a half-open
    span of time (the auditor's page filters by all of them)."""
    actor.require(Permission.AUDIT_READ)
    with uow_factory() as uow:
        return uow.audit.list(subject=subject, limit=min(limit, 1000), before_id=before_id,
                              person=person, action=action, since=since, until=until)


def record_simulation(uow_factory: Callable[[], AuditUnit], *, actor: Actor, subject: str,
                      details: dict[str, str], now: datetime) -> None:
    """A simulation rolls back everything it did, its own audit records too; this one,
    written after, says who simulated what (it may have shown personal data)."""
    with uow_factory() as uow:
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.SIMULATION_RUN, subject, details))
        uow.commit()
