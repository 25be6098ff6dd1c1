"""Reading the append-only audit log."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.ports import AuditRecord, UnitOfWork


def list_audit(
    uow_factory: Callable[[], UnitOfWork],
    *,
    actor: Actor,
    subject: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> Sequence[tuple[int, AuditRecord]]:
    actor.require(Permission.AUDIT_READ)
    with uow_factory() as uow:
        return uow.audit.list(subject=subject, limit=min(limit, 1000), before_id=before_id)
