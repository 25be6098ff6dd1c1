"""Bounded input types for the API's models and parameters (`domain/bounds.py` says why).

Every id in a path, a query or a body is 1 ≤ id < 2^63 (a cursor may also be 0); every
date lies between 1880 and 9000; names, readings and addresses hold only the characters
`domain/bounds.py` allows. Whatever is outside is a 422 before any look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, Field

from mynumbercard.domain import bounds
from mynumbercard.domain.errors import InvalidInput

_ID_RULE = "1 to 2^63 - 1"

IdPath = Annotated[int, Path(ge=bounds.MIN_ID, le=bounds.MAX_ID, description=_ID_RULE)]
IdField = Annotated[int, Field(ge=bounds.MIN_ID, le=bounds.MAX_ID, description=_ID_RULE)]
CursorQuery = Annotated[int, Query(ge=0, le=bounds.MAX_ID,
                                   description="Start after this id (0: from the start)")]
OptionalIdQuery = Annotated[int | None, Query(ge=bounds.MIN_ID, le=bounds.MAX_ID)]

CardNumberPath = Annotated[str, Path(
    pattern=f"^{bounds.CARD_NUMBER_PATTERN}$", examples=["0123456789ABCDEF"],
    description="The card's number (its chip's id): 1 to 32 letters, digits or hyphens")]
"""Every card route's number: one type, a bad one a 422 before any look-up."""
OfficeCodePath = Annotated[str, Path(pattern=r"^\d{5}$", examples=["13101"],
                                     description="The office's municipality code")]

BoundedDate = Annotated[date, Field(ge=bounds.EARLIEST_BIRTH, le=bounds.LATEST_RULE_DATE)]


def _as_value_error(check: Callable[..., str], field: str) -> AfterValidator:
    """pydantic reports ValueErrors as validation errors (a 422 with the field's place)."""

    def validate(value: str) -> str:
        try:
            return check(value, field=field)
        except InvalidInput as error:
            raise ValueError(error.message) from None

    return AfterValidator(validate)


FamilyName = Annotated[str, Field(min_length=1, max_length=40),
                       _as_value_error(bounds.check_name, "family_name")]
GivenName = Annotated[str, Field(min_length=1, max_length=40),
                      _as_value_error(bounds.check_name, "given_name")]
FamilyNameKana = Annotated[str, Field(min_length=1, max_length=80),
                           _as_value_error(bounds.check_kana, "family_name_kana")]
GivenNameKana = Annotated[str, Field(min_length=1, max_length=80),
                          _as_value_error(bounds.check_kana, "given_name_kana")]
Address = Annotated[str, Field(min_length=1, max_length=200),
                    _as_value_error(bounds.check_address, "address")]


def free_text(field: str, limit: int, *, multiline: bool = False) -> Any:
    """A text field of at most `limit` characters, none of them control or format."""

    def check(value: str, *, field: str) -> str:
        return bounds.check_text(value, field=field, limit=limit, multiline=multiline)

    return Annotated[str, Field(min_length=1, max_length=limit),
                     _as_value_error(check, field)]


def _key(value: str | None) -> str | None:
    if value is not None:
        try:
            bounds.check_text(value, field="query", limit=100)
        except InvalidInput as error:
            raise ValueError(error.message) from None
    return value


KeyQuery = Annotated[str | None, Query(min_length=1, max_length=100), AfterValidator(_key)]
"""A key to filter by (an audit subject, a run's key): printable text."""
