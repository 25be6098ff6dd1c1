"""One synthetic person at a time, for demos that go through the real use cases."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from mynumbercard.domain.dates import age_on
from mynumbercard.domain.resident import ResidenceStatus, Sex
from mynumbercard.generators.register import RESIDENT_COLUMNS, SyntheticRegister

_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date",
           "sex", "municipality_code", "postal_code", "address", "nationality",
           "residence_status", "period_of_stay_until")


def synthetic_person(*, today: date, now: datetime, min_age: int = 0,
                     stay_at_least: timedelta = timedelta(0),
                     seed: int | None = None) -> dict[str, Any]:
    """Keyword arguments for `register_resident` (less actor, now, rng), drawn from the
    synthetic register until the person is at least `min_age` on `today` and, with a
    period of stay, may stay `stay_at_least` longer."""
    register = SyntheticRegister(seed=secrets.randbits(32) if seed is None else seed,
                                 today=today, now=now)
    while True:
        draft = register.draft(1)
        values: dict[str, Any] = dict(zip(RESIDENT_COLUMNS[1:], draft.rows[0], strict=True))
        stay = values["period_of_stay_until"]
        if age_on(values["birth_date"], today) >= min_age \
                and (stay is None or stay >= today + stay_at_least):
            break
    person = {name: values[name] for name in _FIELDS}
    person["sex"] = Sex(person["sex"])
    person["residence_status"] = ResidenceStatus(person["residence_status"])
    person["registered_on"] = draft.registered_on[0]
    return person
