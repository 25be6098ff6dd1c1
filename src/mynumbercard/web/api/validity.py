"""Outgoing mail and the wrong-validity check over HTTP (the batch jobs themselves run
from the command line: `mynumbercard jobs validity-notices`, `jobs audit-validity`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.staff import Permission
from mynumbercard.services import correction_tasks, mail, validity_check
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.api.terminal_tasks import NoCardNorPins, TaskAsked, asked
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CursorQuery, IdPath, KeyQuery, free_text

router = APIRouter(prefix="/api/v1", tags=["validity notices, mail and the audit"])


class Suspension(BaseModel):
    reason: free_text("reason", 200)  # type: ignore[valid-type]


class MailStatus(Out):
    suspended: bool
    reason: str | None = Field(description="Why mailing was suspended")
    since: IsoDateTime | None = Field(description="The last suspension or resumption")
    queued: int
    printing: int
    sent: int
    oldest_queued_due_on: date | None


class MunicipalityFindings(Out):
    code: str
    name: str
    findings: int
    by_cause: dict[str, int] = Field(description="subject:cause → findings")


class AuditReport(Out):
    run: str | None = Field(description="The run's key; null before the first run")
    findings: int
    by_cause: dict[str, int] = Field(description="subject:cause → findings")
    by_municipality: list[MunicipalityFindings]


class CaseOut(Out):
    id: int
    card_id: int
    resident_id: int
    municipality_code: str
    subject: str = Field(description="card or certificate: what was wrong")
    wrong_on: date
    correct_on: date
    cause: str
    status: CaseStatus


class Dismissed(BaseModel):
    case: int
    status: CaseStatus


@router.get("/mail", summary="Mailing suspended or not; letters queued, printing, sent")
def mail_status(actor: ActorDep, container: ContainerDep) -> MailStatus:
    actor.require(Permission.MAIL_READ)
    return MailStatus.model_validate(mail.status(container.uow))


@router.post("/mail/suspend", summary="Suspend mailing (jobs keep queueing letters)")
def suspend(body: Suspension, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> MailStatus:
    mail.suspend(container.uow, actor=actor, reason=body.reason, now=now)
    return MailStatus.model_validate(mail.status(container.uow))


@router.post("/mail/resume", summary="Resume mailing (`mynumbercard mail send` prints "
             "the backlog, oldest expiry first)")
def resume(actor: ActorDep, container: ContainerDep, now: NowDep) -> MailStatus:
    mail.resume(container.uow, actor=actor, now=now)
    return MailStatus.model_validate(mail.status(container.uow))


@router.get("/validity-audit/report", summary="The wrong-validity audit's findings by "
            "municipality and cause (the latest run by default)")
def audit_report(actor: ActorDep, container: ContainerDep,
                 run: KeyQuery = None) -> AuditReport:
    return AuditReport.model_validate(validity_check.report(container.uow, actor=actor,
                                                            run_key=run))


@router.get("/corrections", summary="Correction cases")
def cases(actor: ActorDep, container: ContainerDep, status: CaseStatus | None = None,
          after: CursorQuery = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[CaseOut]:
    return [CaseOut.model_validate(c) for c in validity_check.list_cases(
        container.uow, actor=actor, status=status, limit=limit, after_id=after)]


class Correct(NoCardNorPins):
    """Nothing to say: the case names the card (a `card_file` field is refused)."""


@router.post("/corrections/{case_id}/correct", status_code=202, summary="At the counter: "
             "set the card's expiry right and re-issue certificates that ran past it — a "
             "task for the clerk's counter terminal, which has the holder's card in its "
             "reader (as the case's page asks; a `card_file` field is refused)")
def correct(case_id: IdPath, actor: ActorDep, container: ContainerDep, now: NowDep,
            *, response: Response, body: Correct | None = None) -> TaskAsked:
    return asked(correction_tasks.ask_correction(container.uow, actor=actor, case_id=case_id,
                                                 now=now), response)


@router.post("/corrections/{case_id}/dismiss", summary="Close a case that is not an error")
def dismiss(case_id: IdPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> Dismissed:
    case = validity_check.dismiss_case(container.uow, actor=actor, case_id=case_id, now=now)
    return Dismissed(case=case_id, status=case.status)
