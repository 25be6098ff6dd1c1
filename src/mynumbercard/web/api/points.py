"""My Number Points over HTTP: the payment services' signed reports, and the
administrator's campaigns and enrolments, and the settlement totals (operators and
administrators). The holder's routes, with the card, are in points_holder.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from mynumbercard.domain.points import Campaign, ReportKind
from mynumbercard.services import points, points_batch
from mynumbercard.web.api.kiosk import SignedDep
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep

signed = APIRouter(prefix="/api/v1/points", tags=["payment services (signed API keys)"])
admin = APIRouter(prefix="/api/v1/points", tags=["My Number Points (administrator)"])


class ReportBody(BaseModel):
    report_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                           description="Unique per payment service: a repeat counts once")
    enrolment_id: str = Field(min_length=1, max_length=20)
    kind: ReportKind
    amount: int = Field(ge=1, le=10_000_000, description="Yen charged or paid")
    occurred_at: AwareDatetime


class GrantedOut(Out):
    report_id: str
    campaign: str
    amount: int
    granted: int = Field(description="Yen of points this report earned")
    repeated: bool = Field(description="Sent before: counted once, the first answer")


class BatchBody(BaseModel):
    reports: list[ReportBody] = Field(min_length=1, max_length=points_batch.MAX_BATCH,
                                      description="Each settled on its own, as a single "
                                                  "report would be")


class BatchItemOut(Out):
    report_id: str
    outcome: Literal["granted", "repeated", "refused"]
    campaign: str | None = None
    amount: int | None = None
    granted: int | None = Field(None, description="Yen of points (a repeat: the first "
                                                  "answer's)")
    error: str | None = Field(None, description="Refused: the `error` the single report "
                                                "would carry (outside_period, ...)")
    message: str | None = None


class BatchOut(Out):
    results: list[BatchItemOut] = Field(description="One per report, in the batch's order")
    granted: int = Field(description="Reports granted now")
    repeated: int
    refused: int


class CampaignBody(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    starts_on: date
    ends_on: date
    rate_percent: int = Field(ge=1, le=100)
    cap: int = Field(ge=1, le=1_000_000, description="Yen per person over the period")
    qualifies: list[ReportKind] = Field(min_length=1, max_length=2)


class CampaignOut(Out):
    name: str
    starts_on: date
    ends_on: date
    rate_percent: int
    cap: int
    qualifies: list[ReportKind]


class EnrolmentBody(BaseModel):
    resident_id: int = Field(ge=1, le=2**53)
    service: str = Field(max_length=20, description="The payment service's key id")


class EnrolmentOut(Out):
    enrolment_id: str
    service: str
    enrolled_at: IsoDateTime


class ServiceTotalOut(Out):
    service: str
    name: str
    campaign: str
    reports: int
    amount: int
    granted: int


class SettlementOut(Out):
    campaign: str | None
    totals: list[ServiceTotalOut]
    reports: int
    granted: int


@signed.post("/reports", summary="A charge or purchase (payment services): the points it "
             "earns, once per report_id")
async def post_report(body: ReportBody, request: SignedDep, container: ContainerDep,
                      now: NowDep) -> GrantedOut:
    # Settled with the reports that arrive with it, in one transaction (group commit),
    # answered once that has committed: services/points_intake.py. `async`: the request
    # waits on the event loop, not in a pool thread.
    return GrantedOut.model_validate(await container.point_reports.report(
        request=request, body=points.ReportIn(body.report_id, body.enrolment_id, body.kind,
                                              body.amount, body.occurred_at), now=now))


@signed.post("/reports/batch", summary="Up to 500 charges or purchases in one signed request "
             "(payment services): each granted, repeated or refused on its own")
def post_report_batch(body: BatchBody, request: SignedDep, container: ContainerDep,
                      now: NowDep) -> BatchOut:
    return BatchOut.model_validate(points_batch.report_batch(
        container.uow, container.party_secrets, request=request, now=now, reports=[
            points.ReportIn(r.report_id, r.enrolment_id, r.kind, r.amount, r.occurred_at)
            for r in body.reports]))


@admin.post("/campaigns", summary="A campaign: period, rate, cap per person, what counts")
def post_campaign(body: CampaignBody, actor: ActorDep, container: ContainerDep,
                  now: NowDep) -> CampaignOut:
    def campaign() -> Campaign:
        return Campaign(body.name, body.starts_on, body.ends_on, body.rate_percent,
                        body.cap, frozenset(body.qualifies))

    return CampaignOut.model_validate(points.add_campaign(container.uow, actor=actor,
                                                          make=campaign, now=now))


@admin.get("/campaigns", summary="The campaigns")
def get_campaigns(actor: ActorDep, container: ContainerDep) -> list[CampaignOut]:
    return [CampaignOut.model_validate(c)
            for c in points.list_campaigns(container.uow, actor=actor)]


@admin.post("/enrolments", summary="Enrol a person with one payment service (one per "
            "person; the holder's own is with the card: /points/card/enrolments)")
def post_enrolment(body: EnrolmentBody, actor: ActorDep, container: ContainerDep,
                   now: NowDep) -> EnrolmentOut:
    return EnrolmentOut.model_validate(points.enrol(
        container.uow, actor=actor, resident_id=body.resident_id, service=body.service,
        now=now))


@admin.get("/settlement", summary="Reports and points granted per payment service "
           "(operators and administrators)")
def get_settlement(actor: ActorDep, container: ContainerDep, now: NowDep,
                   campaign: Annotated[str | None, Query(max_length=60)] = None,
                   ) -> SettlementOut:
    return SettlementOut.model_validate(points.settlement(container.uow, actor=actor,
                                                          campaign=campaign, now=now))
