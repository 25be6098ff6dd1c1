"""A lost card over HTTP: the report (call centre or counter), found, not found."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import CertificateStatus, CertKind, RevocationReason
from mynumbercard.domain.loss import LossStatus, ReportedVia
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.services import loss
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep

router = APIRouter(prefix="/api/v1", tags=["lost cards (staff)"])


class LossReportIn(BaseModel):
    via: ReportedVia = Field(description="call_centre (an operator, 24 hours) or counter "
                                         "(a clerk of the holder's municipality)")


class FoundIn(BaseModel):
    documents: list[IdDocument] = Field(max_length=20, description="The holder's identity "
                                        "documents: one from group A or two from group B")
    legal_representative_present: bool = False


class LossReportOut(Out):
    id: int
    via: ReportedVia
    status: LossStatus
    reported_at: IsoDateTime
    reported_by: str
    closed_at: IsoDateTime | None
    closed_by: str | None


class CertificateState(Out):
    kind: CertKind
    serial: str
    status: CertificateStatus
    reason: RevocationReason | None


class LossOutcome(Out):
    card_number: str
    card_status: CardStatus
    report: LossReportOut
    certificates: list[CertificateState]


class LossConfirmed(LossOutcome):
    next: str = Field(description="What the holder does next")


@router.post("/cards/{card_number}/loss", status_code=201,
             summary="The holder reports the card lost: both certificates on hold "
                     "(certificateHold) at once, the card lost")
def report_loss(card_number: str, body: LossReportIn, actor: ActorDep,
                container: ContainerDep, now: NowDep) -> LossOutcome:
    return LossOutcome.model_validate(loss.report_loss(
        container.uow, container.ca, actor=actor, card_number=card_number, via=body.via,
        now=now))


@router.post("/cards/{card_number}/found",
             summary="The lost card found again, at the counter with the holder: the holds "
                     "lifted (OCSP good, removeFromCRL in the next delta CRL), card active")
def found(card_number: str, body: FoundIn, actor: ActorDep, container: ContainerDep,
          now: NowDep) -> LossOutcome:
    return LossOutcome.model_validate(loss.found(
        container.uow, container.ca, actor=actor, card_number=card_number,
        documents=body.documents,
        legal_representative_present=body.legal_representative_present, now=now))


@router.post("/cards/{card_number}/loss/confirm",
             summary="Not found: both certificates revoked (keyCompromise); the holder "
                     "applies for a new card (a re-issue form)")
def confirm(card_number: str, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> LossConfirmed:
    outcome = loss.confirm_loss(container.uow, container.ca, actor=actor,
                                card_number=card_number, now=now)
    return LossConfirmed(**LossOutcome.model_validate(outcome).model_dump(),
                         next="the holder applies for a new card (re-issue): "
                              "POST /api/v1/applications/forms")
