"""The card as it travels over HTTP: its card file, base64 (the card file is the chip)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import Response
from pydantic import Base64Bytes, Field

CardFile = Annotated[Base64Bytes, Field(description="The holder's card file (the chip), "
                                         "base64")]


def card_out(card: bytes, response: Response) -> str:
    """A card file for the answer, to be given to its holder; no cache may keep it."""
    response.headers["Cache-Control"] = "no-store"
    return base64.b64encode(card).decode("ascii")
