"""The resident register, for signed-in staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from mynumbercard.domain.bounds import check_birth_date, check_event_date
from mynumbercard.domain.resident import ResidenceStatus, Resident, Sex
from mynumbercard.services import register
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
    actor: ActorDep, container: ContainerDep,
    municipality_code: Annotated[str, Query(pattern=r"^\d{5}$")],
    after_id: CursorQuery = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ResidentOut]:
    found = register.list_residents(container.uow, actor=actor,
                                    municipality_code=municipality_code, limit=limit,
                                    after_id=after_id)
    return [_out(r) for r in found]


@router.get("/{resident_id}", summary="One resident")
def get(resident_id: IdPath, actor: ActorDep, container: ContainerDep, now: NowDep) -> ResidentOut:
    return _out(register.get_resident(container.uow, actor=actor, resident_id=resident_id,
                                      now=now))


@router.post("/{resident_id}/move", summary="Record a move (within or between municipalities)")
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
