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
from mynumbercard.web.inputs import CardNumberPath

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


class ReissueFormOut(Out):
    application_id: str
    printed: str = Field(description="The Application ID as the form prints it")
    application_url: str = Field(description="Where the holder applies online")
    letter: str


class LossConfirmed(LossOutcome):
    reissue_form: ReissueFormOut | None = Field(
        description="The form for a new card, queued as a letter (null: none could be "
                    "issued; `next` says why)")
    next: str = Field(description="What the holder does next")


@router.post("/cards/{card_number}/loss", status_code=201,
             summary="The holder reports the card lost: both certificates on hold "
                     "(certificateHold) at once, the card lost")
def report_loss(card_number: CardNumberPath, body: LossReportIn, actor: ActorDep,
                container: ContainerDep, now: NowDep) -> LossOutcome:
    return LossOutcome.model_validate(loss.report_loss(
        container.uow, container.ca, actor=actor, card_number=card_number, via=body.via,
        now=now))


@router.post("/cards/{card_number}/found",
             summary="The lost card found again, at the counter with the holder: the holds "
                     "lifted (OCSP good, removeFromCRL in the next delta CRL), card active")
def found(card_number: CardNumberPath, body: FoundIn, actor: ActorDep, container: ContainerDep,
          now: NowDep) -> LossOutcome:
    return LossOutcome.model_validate(loss.found(
        container.uow, container.ca, actor=actor, card_number=card_number,
        documents=body.documents,
        legal_representative_present=body.legal_representative_present, now=now))


@router.post("/cards/{card_number}/loss/confirm",
             summary="Not found: both certificates revoked (keyCompromise); the re-issue "
                     "form (a new Application ID) issued and mailed to the holder")
def confirm(card_number: CardNumberPath, actor: ActorDep, container: ContainerDep,
            now: NowDep) -> LossConfirmed:
    return LossConfirmed.model_validate(loss.confirm_loss(
        container.uow, container.ca, actor=actor, card_number=card_number, now=now,
        base_url=container.settings.public_base_url.rstrip("/")))
