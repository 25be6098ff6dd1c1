"""Municipality codes as people type them: 5 digits, or 6 with the check digit (verified);
always 5 digits once read, and in every answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from mynumbercard.domain.errors import InvalidLocalGovernmentCode
from mynumbercard.domain.municipality import parse_local_government_code


def _five_digits(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a municipality code is 5 digits (or 6 with its check digit)")
    try:
        return parse_local_government_code(value)
    except InvalidLocalGovernmentCode as error:
        raise ValueError(error.message) from None


MunicipalityCode = Annotated[str, BeforeValidator(_five_digits), Field(
    examples=["13101"], description="5 digits, or 6 with the check digit (131016)")]
