"""The public rule answers, shaped once for the CLI and the API alike."""

from __future__ import annotations

from datetime import date

from mynumbercard.domain import individual_number
from mynumbercard.domain.municipality import Municipality, relocation_decision
from mynumbercard.domain.validity import expiry_summary

JsonDict = dict[str, object]


def number_validity(number: str) -> JsonDict:
    return number_validity_of(individual_number.check(number))


def number_validity_of(result: individual_number.NumberCheck) -> JsonDict:
    return {"number": result.number, "valid": result.valid, "reason": result.reason}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def expiry(
    *,
    birth_date: date,
    applied_on: date,
    issued_on: date,
    certificate_issued_on: date | None = None,
    residence_until: date | None = None,
) -> JsonDict:
    summary = expiry_summary(
        birth_date=birth_date,
        applied_on=applied_on,
        issued_on=issued_on,
        certificate_issued_on=certificate_issued_on,
        residence_until=residence_until,
    )
    return {
        "card_expires_on": _iso(summary.card_expires_on),
        "signature_certificate_expires_on": _iso(summary.signature_certificate_expires_on),
        "user_certificate_expires_on": _iso(summary.user_certificate_expires_on),
        "card_renewal_opens_on": _iso(summary.card_renewal_opens_on),
    }


def relocation(origin: Municipality, destination: Municipality) -> JsonDict:
    decision = relocation_decision(origin, destination)
    return {"voids_application": decision.voids_application, "reason": decision.reason}


def municipality(entry: Municipality, designated_city: Municipality | None) -> JsonDict:
    return {
        "code": entry.code,
        "name": entry.name,
        "kana": entry.kana,
        "prefecture": entry.prefecture,
        "prefecture_kana": entry.prefecture_kana,
        "designated_city": (
            {"code": designated_city.code, "name": designated_city.name}
            if designated_city else None
        ),
    }
