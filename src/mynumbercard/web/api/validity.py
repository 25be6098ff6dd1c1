"""Outgoing mail and the wrong-validity check over HTTP (the batch jobs themselves run
from the command line: `mynumbercard jobs validity-notices`, `jobs audit-validity`)."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from mynumbercard.adapters.card_reader import PresentedCard as CardInReader
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.staff import Permission
from mynumbercard.services import mail, validity_check
from mynumbercard.services.pki_ports import CardTerminal
from mynumbercard.web.api.card_files import CardFile, card_out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CursorQuery, IdPath, KeyQuery, free_text

router = APIRouter(prefix="/api/v1", tags=["validity notices, mail and the audit"])


class Suspension(BaseModel):
    reason: free_text("reason", 200)  # type: ignore[valid-type]


@router.get("/mail", summary="Mailing suspended or not; letters queued, printing, sent")
def mail_status(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require(Permission.MAIL_READ)
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
    return validity_check.report(container.uow, actor=actor, run_key=run)


@router.get("/corrections", summary="Correction cases")
def cases(actor: ActorDep, container: ContainerDep, status: CaseStatus | None = None,
          after: CursorQuery = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return validity_check.list_cases(container.uow, actor=actor, status=status,
                                     limit=limit, after_id=after)


class PresentedCard(BaseModel):
    card_file: CardFile | None = None


@router.post("/corrections/{case_id}/correct", summary="At the counter: set the card's "
             "expiry right and re-issue certificates that ran past it, on the holder's card "
             "(`card_file`, given back with the new certificates) or one the office holds")
def correct(case_id: IdPath, actor: ActorDep, container: ContainerDep, now: NowDep,
            *, response: Response, body: PresentedCard | None = None) -> dict[str, Any]:
    presented: list[CardInReader] = []
    with contextlib.ExitStack() as reader:
        # Called by the service once the case is known to be the actor's to correct, so
        # nothing of another municipality's case is read before that.
        def terminal(number: str) -> CardTerminal | None:
            if body is not None and body.card_file is not None:
                presented.append(reader.enter_context(
                    container.counter_reader.present(number, body.card_file)))
                return presented[-1].terminal
            return container.vault.terminal(number) if container.vault.holds(number) \
                else None

        issued = validity_check.correct_case(container.uow, container.ca, terminal,
                                             actor=actor, case_id=case_id, now=now)
        card = presented[-1].card() if presented else None
    answer: dict[str, Any] = {"case": case_id, "certificates": [
        {"kind": c.kind.value, "serial": c.serial_hex} for c in issued]}
    if card is not None:
        answer["card_file"] = card_out(card, response)
    return answer


@router.post("/corrections/{case_id}/dismiss", summary="Close a case that is not an error")
def dismiss(case_id: IdPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> dict[str, Any]:
    case = validity_check.dismiss_case(container.uow, actor=actor, case_id=case_id, now=now)
    return {"case": case_id, "status": case.status.value}
