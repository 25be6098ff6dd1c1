"""The resident register, for signed-in staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from mynumbercard.domain.bounds import check_birth_date, check_event_date
from mynumbercard.domain.resident import ResidenceStatus, Resident, Sex
from mynumbercard.services import life_events, moving, register
from mynumbercard.web.api.codes import MunicipalityCode
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep, SimulatedDep
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

Code5 = MunicipalityCode  # 5 digits, or 6 with the check digit; read as 5
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
    former_family_name: str | None = Field(
        default=None, description="The former surname (旧氏) shown with the name, as the "
                                  "holder asked")
    former_family_name_kana: str | None = None


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
    moved_on: BoundedDate = Field(validation_alias=AliasChoices("on", "moved_on"),
                                  description="The day of the move (`moved_on` is accepted "
                                              "too)")


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
    moved_in_on: date = Field(validation_alias=AliasChoices("on", "moved_in_on"),
                              description="The day of moving in (`moved_in_on` is accepted "
                                          "too)")
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
def create(body: NewResident, actor: ActorDep, container: SimulatedDep,
           now: NowDep) -> ResidentOut:
    check_birth_date(body.birth_date, today=now.date())
    check_event_date(body.registered_on, birth_date=body.birth_date, today=now.date(),
                     field="registered_on")
    return _out(register.register_resident(container.uow, actor=actor, now=now,
                                           simulation=container.simulating,
                                           **body.model_dump()))


@router.get("", summary="Residents of one municipality, by id")
def list_residents(
    *, actor: ActorDep, container: ContainerDep, now: NowDep,
    municipality_code: Annotated[MunicipalityCode, Query()],
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
def move(resident_id: IdPath, body: Move, actor: ActorDep, container: SimulatedDep,
         now: NowDep) -> ResidentOut:
    check_event_date(body.moved_on, today=now.date(), field="moved_on")
    return _out(register.move_resident(container.uow, actor=actor, resident_id=resident_id,
                                       now=now, ca=lambda: container.authority,
                                       vault=container.vault, simulation=container.simulating,
                                       **body.model_dump()))


@router.post("/{resident_id}/death", summary="Record a death")
def death(resident_id: IdPath, body: Dated, actor: ActorDep, container: SimulatedDep,
          now: NowDep) -> ResidentOut:
    check_event_date(body.on, today=now.date(), field="on")
    return _out(register.record_death(container.uow, actor=actor, resident_id=resident_id,
                                      died_on=body.on, now=now,
                                      ca=lambda: container.authority, vault=container.vault,
                                      simulation=container.simulating))


@router.post("/{resident_id}/emigration", summary="Record a move abroad")
def emigration(resident_id: IdPath, body: Dated, actor: ActorDep, container: SimulatedDep,
               now: NowDep) -> ResidentOut:
    check_event_date(body.on, today=now.date(), field="on")
    return _out(register.record_emigration(container.uow, actor=actor, resident_id=resident_id,
                                           emigrated_on=body.on, now=now,
                                           ca=lambda: container.authority, vault=container.vault,
                                           simulation=container.simulating))


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


# -- Life events that are not moves (services/life_events.py) -------------------------


class AddressCorrection(BaseModel):
    postal_code: PostalCode
    address: Address
    corrected_on: BoundedDate


class NameChange(BaseModel):
    family_name: FamilyName
    given_name: GivenName
    family_name_kana: FamilyNameKana
    given_name_kana: GivenNameKana
    changed_on: BoundedDate
    show_former_surname: bool = Field(
        default=False, description="The holder asks that the surname before the change be "
                                   "kept and shown with the name (旧氏併記)")


class StayExtension(BaseModel):
    period_of_stay_until: BoundedDate
    granted_on: BoundedDate = Field(description="The day the new period of stay was granted")
    extend_card: bool = Field(
        default=True, description="The holder applies at the office, with the card, for "
                                  "its validity to follow the new stay (within the "
                                  "birthday rule)")


class StayExtensionOut(BaseModel):
    resident: ResidentOut
    card_number: str | None = Field(description="The card extended, if any")
    card_expired_on: date | None = Field(description="The card's expiry before")
    card_expires_on: date | None = Field(description="The card's expiry now")


@router.post("/{resident_id}/address-correction",
             summary="Correct a wrongly recorded address (not a move); revokes the "
                     "signature certificate")
def address_correction(resident_id: IdPath, body: AddressCorrection, actor: ActorDep,
                       container: ContainerDep, now: NowDep) -> ResidentOut:
    check_event_date(body.corrected_on, today=now.date(), field="corrected_on")
    return _out(life_events.correct_address(
        container.uow, actor=actor, resident_id=resident_id, postal_code=body.postal_code,
        address=body.address, corrected_on=body.corrected_on, now=now,
        ca=lambda: container.authority))


@router.post("/{resident_id}/name-change",
             summary="Record a change of name, the former surname shown if asked (旧氏併記); "
                     "revokes the signature certificate")
def name_change(resident_id: IdPath, body: NameChange, actor: ActorDep,
                container: ContainerDep, now: NowDep) -> ResidentOut:
    check_event_date(body.changed_on, today=now.date(), field="changed_on")
    return _out(life_events.change_name(
        container.uow, actor=actor, resident_id=resident_id, family_name=body.family_name,
        given_name=body.given_name, family_name_kana=body.family_name_kana,
        given_name_kana=body.given_name_kana, changed_on=body.changed_on,
        show_former_surname=body.show_former_surname, now=now,
        ca=lambda: container.authority))


@router.post("/{resident_id}/stay-extension",
             summary="Record an extended period of stay; the card follows at the holder's "
                     "application (to the new end of stay, within the birthday rule)")
def stay_extension(resident_id: IdPath, body: StayExtension, actor: ActorDep,
                   container: ContainerDep, now: NowDep) -> StayExtensionOut:
    check_event_date(body.granted_on, today=now.date(), field="granted_on")
    done = life_events.extend_stay(
        container.uow, actor=actor, resident_id=resident_id,
        period_of_stay_until=body.period_of_stay_until, granted_on=body.granted_on,
        extend_card=body.extend_card, now=now)
    return StayExtensionOut(resident=_out(done.resident), card_number=done.card_number,
                            card_expired_on=done.card_expired_on,
                            card_expires_on=done.card_expires_on)
