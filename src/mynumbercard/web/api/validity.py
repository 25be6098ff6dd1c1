"""Outgoing mail and the wrong-validity audit over HTTP (the batch jobs themselves run
from the command line: `mynumbercard jobs validity-notices`, `jobs audit-validity`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.staff import Permission
from mynumbercard.services import mail, validity_audit
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CursorQuery, IdPath, KeyQuery, free_text

router = APIRouter(prefix="/api/v1", tags=["validity notices, mail and the audit"])


class Suspension(BaseModel):
    reason: free_text("reason", 200)  # type: ignore[valid-type]


@router.get("/mail", summary="Mailing suspended or not; letters queued, printing, sent")
def mail_status(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require(Permission.APPLICATION_READ)
    return mail.status(container.uow)


@router.post("/mail/suspend", summary="Suspend mailing (jobs keep queueing letters)")
def suspend(body: Suspension, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> dict[str, Any]:
    mail.suspend(container.uow, actor=actor, reason=body.reason, now=now)
    return mail.status(container.uow)


@router.post("/mail/resume", summary="Resume mailing (`mynumbercard mail send` prints "
             "the backlog, oldest expiry first)")
def resume(actor: ActorDep, container: ContainerDep, now: NowDep) -> dict[str, Any]:
    mail.resume(container.uow, actor=actor, now=now)
    return mail.status(container.uow)


@router.get("/validity-audit/report", summary="The wrong-validity audit's findings by "
            "municipality and cause (the latest run by default)")
def audit_report(actor: ActorDep, container: ContainerDep,
                 run: KeyQuery = None) -> dict[str, Any]:
    actor.require(Permission.APPLICATION_READ)
    return validity_audit.report(container.uow, run_key=run)


@router.get("/corrections", summary="Correction cases")
def cases(actor: ActorDep, container: ContainerDep, status: CaseStatus | None = None,
          after: CursorQuery = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return validity_audit.list_cases(container.uow, actor=actor, status=status,
                                     limit=limit, after_id=after)


@router.post("/corrections/{case_id}/correct", summary="At the counter: set the card's "
             "expiry right and re-issue certificates that ran past it")
def correct(case_id: IdPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> dict[str, Any]:
    with container.uow() as uow:
        number = uow.cards.get(uow.validity_audit.get_case(case_id).card_id).card_number
    terminal = container.vault.terminal(number) if container.vault.path(number).exists() \
        else None
    issued = validity_audit.correct_case(container.uow, container.ca, terminal, actor=actor,
                                         case_id=case_id, now=now)
    return {"case": case_id, "certificates": [{"kind": c.kind.value, "serial": c.serial_hex}
                                              for c in issued]}


@router.post("/corrections/{case_id}/dismiss", summary="Close a case that is not an error")
def dismiss(case_id: IdPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> dict[str, Any]:
    case = validity_audit.dismiss_case(container.uow, actor=actor, case_id=case_id, now=now)
    return {"case": case_id, "status": case.status.value}
