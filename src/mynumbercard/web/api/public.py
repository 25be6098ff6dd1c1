"""Public endpoints: no account needed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from mynumbercard.domain.dates import parse_iso_date
from mynumbercard.services import rules
from mynumbercard.web.api.schemas.common import Out
from mynumbercard.web.deps import ContainerDep

router = APIRouter(prefix="/api/v1", tags=["public"])

DateText = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2020-05-15"])]


class NumberValidity(Out):
    number: str
    valid: bool
    reason: str | None  # non_digit, length or check_digit


class Expiry(Out):
    card_expires_on: date | None
    signature_certificate_expires_on: date | None
    user_certificate_expires_on: date | None
    card_renewal_opens_on: date | None


class Relocation(Out):
    voids_application: bool
    reason: str


class DesignatedCity(Out):
    code: str
    name: str


class MunicipalityOut(Out):
    code: str
    name: str
    kana: str
    prefecture: str
    prefecture_kana: str
    designated_city: DesignatedCity | None


@router.get("/numbers/{number}/validity", summary="Is this a well-formed Individual Number?")
def number_validity(number: str) -> NumberValidity:
    """Checks length, digits and the check digit (Cabinet Order art. 8). Says nothing of
    whether the number is assigned to anyone."""
    return NumberValidity.model_validate(rules.number_validity(number))


@router.get("/rules/expiry", summary="When do the card and its certificates expire?")
def expiry(
    birth_date: DateText,
    applied_on: DateText,
    issued_on: DateText,
    certificate_issued_on: DateText | None = None,
    residence_until: DateText | None = None,
) -> Expiry:
    return Expiry.model_validate(rules.expiry(
        birth_date=parse_iso_date(birth_date, field="birth_date"),
        applied_on=parse_iso_date(applied_on, field="applied_on"),
        issued_on=parse_iso_date(issued_on, field="issued_on"),
        certificate_issued_on=(
            parse_iso_date(certificate_issued_on, field="certificate_issued_on")
            if certificate_issued_on else None
        ),
        residence_until=(
            parse_iso_date(residence_until, field="residence_until") if residence_until else None
        ),
    ))


@router.get("/rules/relocation", summary="Does a move before pick-up void the application?")
def relocation(
    container: ContainerDep,
    origin: Annotated[str, Query(alias="from", examples=["011002"])],
    destination: Annotated[str, Query(alias="to", examples=["011011"])],
) -> Relocation:
    directory = container.municipalities
    return Relocation.model_validate(rules.relocation(directory.get(origin),
                                                      directory.get(destination)))


@router.get("/municipalities/{code}", summary="A municipality or ward by its code")
def municipality(container: ContainerDep, code: str) -> MunicipalityOut:
    directory = container.municipalities
    entry = directory.get(code)
    city = directory.get(entry.designated_city_code) if entry.designated_city_code else None
    return MunicipalityOut.model_validate(rules.municipality(entry, city))
