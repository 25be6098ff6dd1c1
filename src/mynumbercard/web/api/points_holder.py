"""My Number Points over HTTP, the holder's side (public routes: the card's signature
over a one-use challenge is the credential; docs/services.md "The holder"): the payment
services to choose from, a challenge, the enrolment and the points with the card's
answer, and the points page's sign-in by the card."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.domain.card_statement import SignPurpose
from mynumbercard.services import points_card
from mynumbercard.services.card_auth import CardAnswer
from mynumbercard.web.api.kiosk import B64, ChallengeOut, decode_b64
from mynumbercard.web.api.points import EnrolmentOut
from mynumbercard.web.api.schemas.common import IsoDateTime, Out
from mynumbercard.web.deps import ContainerDep, NowDep, client_address, limit

router = APIRouter(prefix="/api/v1/points", tags=["My Number Points (the holder, with the card)"])
CODE = Path(min_length=8, max_length=20, description="The code the points page shows")


class PaymentServiceOut(Out):
    key_id: str
    name: str


class StatementOut(Out):
    ja: str
    en: str


class StatedChallengeOut(ChallengeOut):
    purpose: SignPurpose = Field(description="What the signature is for")
    statement: StatementOut = Field(
        description="What the signature will do, for the card program to show before the "
        "PIN. The card signs 'mynumbercard/<purpose>/v2\\0' ‖ the challenge's bytes ‖ "
        "'\\0' ‖ ja ‖ '\\n' ‖ en (UTF-8); another purpose or statement is refused")


class ChallengeIn(BaseModel):
    purpose: SignPurpose = SignPurpose.POINTS_BALANCE
    service: str | None = Field(None, max_length=20, description="The payment service's "
                                "key id, to choose it (purpose points-enrol)")


class CardAnswerIn(BaseModel):
    challenge: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    certificate: str = Field(max_length=12000, pattern=B64,
                             description="The card's user-authentication certificate, DER, "
                                         "base64")
    signature: str = Field(max_length=1400, pattern=B64,
                           description="base64, over the challenge and its statement "
                                       "(see the challenge's answer)")

    def answer(self) -> CardAnswer:
        return CardAnswer(self.challenge, decode_b64(self.certificate, "certificate"),
                          decode_b64(self.signature, "signature"))


class EnrolIn(CardAnswerIn):
    service: str = Field(max_length=20, description="The payment service's key id")


class SignInIn(BaseModel):
    certificate: str = Field(max_length=12000, pattern=B64)
    signature: str = Field(max_length=1400, pattern=B64)


class CampaignPointsOut(Out):
    campaign: str
    starts_on: date
    ends_on: date
    rate_percent: int
    cap: int
    granted: int = Field(description="Yen of points granted to the holder")


class HolderPointsOut(Out):
    enrolment: EnrolmentOut | None
    service_name: str | None
    campaigns: list[CampaignPointsOut]


class SignedInOut(Out):
    code: str
    shown_until: IsoDateTime = Field(description="The page shows the points until then")


def _limited(request: Request, container: ContainerDep) -> None:
    limit(container, (Rule.PUBLIC_CLIENT, client_address(request)))


@router.get("/services", summary="The payment services a holder may choose")
def get_services(container: ContainerDep) -> list[PaymentServiceOut]:
    return [PaymentServiceOut.model_validate(s)
            for s in points_card.payment_services(container.uow)]


@router.post("/card/challenges", summary="A one-use challenge for the holder's card, with "
             "the statement of what signing it will do")
def post_challenge(request: Request, container: ContainerDep, now: NowDep,
                   body: ChallengeIn | None = None) -> StatedChallengeOut:
    _limited(request, container)
    asked = body or ChallengeIn(service=None)
    return StatedChallengeOut.model_validate(points_card.challenge(
        container.uow, now=now, purpose=asked.purpose, service=asked.service))


@router.post("/card/enrolments", summary="The holder chooses one payment service with the "
             "card (one per person; refusals carry `refused`)")
def post_enrolment(body: EnrolIn, request: Request, container: ContainerDep,
                   now: NowDep) -> EnrolmentOut:
    _limited(request, container)
    return EnrolmentOut.model_validate(points_card.enrol(
        container.uow, container.kiosk_checker, answer=body.answer(), service=body.service,
        now=now))


@router.post("/card/balance", summary="The holder's enrolment and points, with the card")
def post_balance(body: CardAnswerIn, request: Request, container: ContainerDep,
                 now: NowDep) -> HolderPointsOut:
    _limited(request, container)
    return HolderPointsOut.model_validate(points_card.balance(
        container.uow, container.kiosk_checker, answer=body.answer(), now=now))


@router.get("/sign-ins/{code}", summary="The challenge of the points page showing this code, "
            "with the statement of what signing it will do")
def get_sign_in(code: Annotated[str, CODE], request: Request, container: ContainerDep,
                now: NowDep) -> StatedChallengeOut:
    _limited(request, container)
    return StatedChallengeOut.model_validate(points_card.sign_in_challenge(
        container.uow, code=code, now=now))


@router.post("/sign-ins/{code}", summary="The card signs the page's challenge: the page "
             "shows the holder's points for a few minutes")
def post_sign_in(code: Annotated[str, CODE], body: SignInIn, request: Request,
                 container: ContainerDep, now: NowDep) -> SignedInOut:
    _limited(request, container)
    done = points_card.sign_in(container.uow, container.kiosk_checker, code=code,
                               certificate_der=decode_b64(body.certificate, "certificate"),
                               signature=decode_b64(body.signature, "signature"), now=now)
    return SignedInOut(code=done.code, shown_until=done.expires_at)
