"""Settlement with the kiosk operators over HTTP (docs/services.md "Settlement"): an
operator's own, under its signed API key, and every operator's for the issuing agency
(`kiosk:settlement`). The period is `from`..`to` (Japan time), a calendar month by
default."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.services import kiosk_settlement
from mynumbercard.web.api.kiosk import SignedDep
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep

signed = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk operators (signed API keys)"])
agency = APIRouter(prefix="/api/v1/kiosk", tags=["relying parties and kiosks (administrator)"])
FROM = Query(alias="from", description="The first day (default: this month's first)")
TO = Query(alias="to", description="The last day, included (default: the end of the "
           "month of `from`)")


class KindCountOut(Out):
    document: KioskDocument
    documents: int
    fees: int = Field(description="Yen")


class MunicipalityFeesOut(Out):
    municipality_code: str
    municipality_name: str
    by_kind: list[KindCountOut]
    documents: int
    fees: int


class RefusalCountOut(Out):
    refused: str = Field(description="The kiosk refusal, e.g. `pin_wrong`")
    count: int


class OperatorSettlementOut(Out):
    operator: str = Field(description="The kiosk operator's key id")
    name: str
    municipalities: list[MunicipalityFeesOut]
    by_kind: list[KindCountOut]
    documents: int
    fees: int
    refusals: list[RefusalCountOut]
    refused: int


class OwnSettlementOut(Out):
    operator: str
    start: date
    end: date
    settlement: OperatorSettlementOut
    documents: int
    fees: int = Field(description="Yen charged to the operator over the period")


class CardPinFailuresOut(Out):
    serial: str = Field(description="The user-authentication certificate's serial (hex)")
    failures: int
    operators: int = Field(description="How many kiosk operators saw them")
    fewest_tries_left: int = Field(description="0: the card locked its PIN")
    last_at: IsoDateTime


class AgencySettlementOut(Out):
    start: date
    end: date
    operators: list[OperatorSettlementOut]
    documents: int
    fees: int
    refused: int
    repeated_pin_failures: list[CardPinFailuresOut]


@signed.get("/settlement", summary="The operator's own documents (by municipality and "
            "kind), fees and refusals over the days from..to (Japan time)")
def operator_settlement(request: SignedDep, container: ContainerDep, now: NowDep,
                        start: Annotated[date | None, FROM] = None,
                        end: Annotated[date | None, TO] = None) -> OwnSettlementOut:
    return OwnSettlementOut.model_validate(kiosk_settlement.own(
        container.uow, container.party_secrets, request=request, start=start, end=end,
        now=now))


@agency.get("/operators/settlement", summary="Every kiosk operator's fees per municipality, "
            "documents by kind and refusals; the cards whose PIN was refused repeatedly")
def agency_settlement(actor: ActorDep, container: ContainerDep, now: NowDep,
                      start: Annotated[date | None, FROM] = None,
                      end: Annotated[date | None, TO] = None) -> AgencySettlementOut:
    return AgencySettlementOut.model_validate(kiosk_settlement.agency(
        container.uow, actor=actor, start=start, end=end, now=now))
