"""The audit log, for auditors and administrators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from mynumbercard.services.audit import list_audit
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.web.deps import ActorDep, ContainerDep
from mynumbercard.web.inputs import KeyQuery, OptionalIdQuery

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any] | None


@router.get("", summary="Newest audit records first")
def audit(  # keyword-only: the filters of the auditor's page, all optional
    *,
    actor: ActorDep, container: ContainerDep, subject: KeyQuery = None,
    before_id: OptionalIdQuery = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    person: KeyQuery = None, action: AuditAction | None = None,
    since: Annotated[AwareDatetime | None, Query(description="From this moment on")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Before this moment")] = None,
) -> list[AuditOut]:
    return [
        # SQLite hands timestamps back naive; they are stored in UTC.
        AuditOut(id=record_id, at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                 actor=r.actor, action=r.action, subject=r.subject, details=r.details)
        for record_id, r in list_audit(
            container.uow, actor=actor, subject=subject, limit=limit, before_id=before_id,
            person=person, action=action.value if action else None, since=since, until=until)
    ]
