"""The resident register, for signed-in staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from mynumbercard.domain.bounds import check_birth_date, check_event_date
from mynumbercard.domain.resident import ResidenceStatus, Resident, Sex
from mynumbercard.services import moving, register
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import (
    Address,
    BoundedDate,
    CursorQuery,
    FamilyName,
    FamilyNameKana,
    GivenName,
    GivenNameKana,
    IdPath,
)

router = APIRouter(prefix="/api/v1/residents", tags=["residents"])

Code5 = Annotated[str, Field(pattern=r"^\d{5}$", examples=["13101"])]
PostalCode = Annotated[str, Field(pattern=r"^\d{7}$", examples=["1000001"])]


class ResidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    individual_number: str | None
    number_assigned_on: date | None
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date
    sex: Sex
    municipality_code: str
    postal_code: str
    address: str
    nationality: str
    residence_status: ResidenceStatus
    period_of_stay_until: date | None
    status: str
    moving_out_to: str | None = Field(
        default=None, description="Set while a moving-out notification is open: the "
                                  "destination (the resident is still on this register)")
    moving_out_planned_on: date | None = None


class NewResident(BaseModel):
    family_name: FamilyName
    given_name: GivenName
    family_name_kana: FamilyNameKana
    given_name_kana: GivenNameKana
    birth_date: BoundedDate
    sex: Sex
    municipality_code: Code5
    postal_code: PostalCode
    address: Address
    registered_on: BoundedDate
    nationality: str = Field(default="JP", pattern=r"^[A-Z]{2}$")
    residence_status: ResidenceStatus = ResidenceStatus.NATIONAL
    period_of_stay_until: BoundedDate | None = None


class Move(BaseModel):
    to_municipality: Code5
    postal_code: PostalCode
    address: Address
    moved_on: BoundedDate


class Dated(BaseModel):
    on: BoundedDate


class MovingOutIn(BaseModel):
    to_municipality: Code5
    planned_on: date


class MovingOutOut(BaseModel):
    resident_id: int
    origin: str
    destination: str
    planned_on: date
    moving_out_certificate: str = Field(
        description="The moving-out certificate's number (転出証明書): with the birth date, "
                    "the only way the destination finds this move")
    by_card: bool = Field(description="The special case (art. 24-2): the card will do")


class MovingInIn(BaseModel):
    moving_out_certificate: str | None = Field(default=None, pattern=r"^\d{12}$")
    card_number: str | None = Field(default=None, min_length=1, max_length=32)
    birth_date: date
    moved_in_on: date
    postal_code: PostalCode
    address: str = Field(min_length=1, max_length=200)
    continue_card: bool = False


class CardContinuation(BaseModel):
    card_number: str = Field(min_length=1, max_length=32)


class CardContinuationOut(BaseModel):
    resident_id: int
    card_number: str
    continued_on: date | None


def _out(resident: Resident) -> ResidentOut:
    return ResidentOut.model_validate(resident)


@router.post("", status_code=201, summary="Register a newborn or an arrival from overseas")
def create(body: NewResident, actor: ActorDep, container: ContainerDep, now: NowDep) -> ResidentOut:
    check_birth_date(body.birth_date, today=now.date())
    check_event_date(body.registered_on, birth_date=body.birth_date, today=now.date(),
                     field="registered_on")
    return _out(register.register_resident(container.uow, actor=actor, now=now,
                                           **body.model_dump()))


@router.get("", summary="Residents of one municipality, by id")
def list_residents(
    *, actor: ActorDep, container: ContainerDep, now: NowDep,
    municipality_code: Annotated[str, Query(pattern=r"^\d{5}$")],
    after_id: CursorQuery = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ResidentOut]:
    found = register.list_residents(container.uow, actor=actor,
                                    municipality_code=municipality_code, now=now, limit=limit,
                                    after_id=after_id)
    return [_out(r) for r in found]


@router.get("/{resident_id}", summary="One resident")
def get(resident_id: IdPath, actor: ActorDep, container: ContainerDep,
        now: NowDep) -> ResidentOut:
    resident, notice = moving.resident_with_move(container.uow, actor=actor,
                                                 resident_id=resident_id, now=now)
    out = _out(resident)
    if notice is not None:
        out.moving_out_to, out.moving_out_planned_on = notice.destination, notice.planned_on
    return out


@router.post("/{resident_id}/move", summary="Record a move within the municipality (転居), "
             "or between wards of one designated city")
def move(resident_id: IdPath, body: Move, actor: ActorDep, container: ContainerDep,
         now: NowDep) -> ResidentOut:
    check_event_date(body.moved_on, today=now.date(), field="moved_on")
    return _out(register.move_resident(container.uow, actor=actor, resident_id=resident_id,
                                       now=now, ca=lambda: container.authority,
                                       vault=container.vault,
                                       **body.model_dump()))


@router.post("/{resident_id}/death", summary="Record a death")
def death(resident_id: IdPath, body: Dated, actor: ActorDep, container: ContainerDep,
          now: NowDep) -> ResidentOut:
    check_event_date(body.on, today=now.date(), field="on")
    return _out(register.record_death(container.uow, actor=actor, resident_id=resident_id,
                                      died_on=body.on, now=now,
                                      ca=lambda: container.authority, vault=container.vault))


@router.post("/{resident_id}/emigration", summary="Record a move abroad")
def emigration(resident_id: IdPath, body: Dated, actor: ActorDep, container: ContainerDep,
               now: NowDep) -> ResidentOut:
    check_event_date(body.on, today=now.date(), field="on")
    return _out(register.record_emigration(container.uow, actor=actor, resident_id=resident_id,
                                           emigrated_on=body.on, now=now,
                                           ca=lambda: container.authority, vault=container.vault))


@router.post("/{resident_id}/moving-out", status_code=201,
             summary="Record a moving-out notification (転出届), by the holding municipality")
def moving_out(resident_id: int, body: MovingOutIn, actor: ActorDep, container: ContainerDep,
               now: NowDep) -> MovingOutOut:
    done = moving.record_moving_out(container.uow, actor=actor, resident_id=resident_id,
                                    to_municipality=body.to_municipality,
                                    planned_on=body.planned_on, now=now,
                                    ca=lambda: container.authority)
    n = done.notice
    return MovingOutOut(resident_id=resident_id, origin=n.origin, destination=n.destination,
                        planned_on=n.planned_on, moving_out_certificate=n.reference,
                        by_card=n.by_card)


@router.post("/{resident_id}/moving-out/cancel",
             summary="Withdraw a moving-out notification (the move did not happen)")
def cancel_moving_out(resident_id: int, actor: ActorDep, container: ContainerDep,
                      now: NowDep) -> ResidentOut:
    moving.cancel_moving_out(container.uow, actor=actor, resident_id=resident_id, now=now)
    return _out(register.get_resident(container.uow, actor=actor, resident_id=resident_id,
                                      now=now))


@router.post("/{resident_id}/card-continuation",
             summary="Record the card's continued use (継続利用) after a moving-in")
def card_continuation(resident_id: int, body: CardContinuation, actor: ActorDep,
                      container: ContainerDep, now: NowDep) -> CardContinuationOut:
    notice = moving.continue_card(container.uow, actor=actor, resident_id=resident_id,
                                  card_number=body.card_number, now=now,
                                  ca=lambda: container.authority)
    return CardContinuationOut(resident_id=resident_id, card_number=body.card_number,
                               continued_on=notice.card_continued_on)


moving_in_router = APIRouter(prefix="/api/v1", tags=["residents"])


@moving_in_router.post("/moving-in", status_code=201,
                       summary="Record a moving-in notification (転入届), by the destination, "
                               "with the moving-out certificate or the card")
def moving_in(body: MovingInIn, actor: ActorDep, container: ContainerDep,
              now: NowDep) -> ResidentOut:
    done = moving.record_moving_in(
        container.uow, actor=actor, reference=body.moving_out_certificate,
        card_number=body.card_number, birth_date=body.birth_date,
        moved_in_on=body.moved_in_on, postal_code=body.postal_code, address=body.address,
        continue_card=body.continue_card, now=now, ca=lambda: container.authority,
        vault=container.vault)
    return _out(done.resident)
