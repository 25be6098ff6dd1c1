"""The counter's terminal (`mynumbercard terminal`) over HTTP: the server authorises an
administrative command for the challenge the card in the terminal's reader gave; the
terminal sends it to the card with what the holder types on its keypad, which never
comes here."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.services import cards
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath

router = APIRouter(prefix="/api/v1", tags=["counter terminal (staff)"])


class PinResetIn(BaseModel):
    kind: CertKind = Field(description="auth (the 4-digit PIN) or sign (the password)")
    challenge: str = Field(max_length=64, pattern=r"^[A-Za-z0-9+/]*={0,2}$",
                           description="The card's 32-byte challenge (GET CHALLENGE), base64")


class AuthorizationOut(BaseModel):
    authorization: str = Field(description="For the card's RESET PIN command, base64 "
                               "(the challenge and the card-management key's signature)")


@router.post("/cards/{card_number}/pin-reset-authorization",
             summary="Authorise a PIN reset of the card in the counter terminal's reader "
                     "(after the identity check); the new PIN goes from the terminal's "
                     "keypad to the card only")
def pin_reset_authorization(card_number: CardNumberPath, body: PinResetIn, actor: ActorDep,
                            container: ContainerDep, now: NowDep) -> AuthorizationOut:
    try:
        challenge = base64.b64decode(body.challenge, validate=True)
    except (binascii.Error, ValueError):  # ValueError: not ASCII
        raise InvalidInput("the challenge is not base64") from None
    authorization = cards.authorise_pin_reset(
        container.uow, container.management_key(), actor=actor, card_number=card_number,
        kind=body.kind, challenge=challenge, now=now)
    return AuthorizationOut(authorization=base64.b64encode(authorization).decode())
