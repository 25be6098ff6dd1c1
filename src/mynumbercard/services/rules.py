"""The public rule answers, shaped once for the CLI and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mynumbercard.domain import individual_number
from mynumbercard.domain.municipality import Municipality, relocation_decision
from mynumbercard.domain.validity import expiry_summary


@dataclass(frozen=True, slots=True)
class NumberValidity:
    number: str
    valid: bool
    reason: str | None  # None, "non_digit", "length" or "check_digit"


@dataclass(frozen=True, slots=True)
class Expiry:
    card_expires_on: date | None
    signature_certificate_expires_on: date | None
    user_certificate_expires_on: date | None
    card_renewal_opens_on: date | None


@dataclass(frozen=True, slots=True)
class Relocation:
    voids_application: bool
    reason: str


@dataclass(frozen=True, slots=True)
class DesignatedCity:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class MunicipalityEntry:
    code: str
    name: str
    kana: str
    prefecture: str
    prefecture_kana: str
    designated_city: DesignatedCity | None  # the city a ward belongs to


def number_validity(number: str) -> NumberValidity:
    return number_validity_of(individual_number.check(number))


def number_validity_of(result: individual_number.NumberCheck) -> NumberValidity:
    return NumberValidity(result.number, result.valid, result.reason)


def expiry(
    *,
    birth_date: date,
    applied_on: date,
    issued_on: date,
    certificate_issued_on: date | None = None,
    residence_until: date | None = None,
) -> Expiry:
    summary = expiry_summary(
        birth_date=birth_date,
        applied_on=applied_on,
        issued_on=issued_on,
        certificate_issued_on=certificate_issued_on,
        residence_until=residence_until,
    )
    return Expiry(
        card_expires_on=summary.card_expires_on,
        signature_certificate_expires_on=summary.signature_certificate_expires_on,
        user_certificate_expires_on=summary.user_certificate_expires_on,
        card_renewal_opens_on=summary.card_renewal_opens_on,
    )


def relocation(origin: Municipality, destination: Municipality) -> Relocation:
    decision = relocation_decision(origin, destination)
    return Relocation(decision.voids_application, decision.reason)


def municipality(entry: Municipality, designated_city: Municipality | None
                 ) -> MunicipalityEntry:
    return MunicipalityEntry(
        code=entry.code, name=entry.name, kana=entry.kana, prefecture=entry.prefecture,
        prefecture_kana=entry.prefecture_kana,
        designated_city=(DesignatedCity(designated_city.code, designated_city.name)
                         if designated_city else None))
