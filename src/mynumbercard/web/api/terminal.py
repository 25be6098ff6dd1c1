"""The counter's terminal (`mynumbercard terminal`) over HTTP: the server authorises each
administrative command for the challenge the card in the terminal's reader gave, and
runs the hand-over, the renewal and a wrong-validity correction with the CSRs the chip
made; the terminal sends the commands to the card with what the holder types on its
keypad, which never comes here.
"""

from __future__ import annotations

import base64
import binascii
import textwrap
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.pins import PinKind
from mynumbercard.services import cards, chip_commands, pickup, renewal, validity_check
from mynumbercard.services.certificates import IssuedCertificate
from mynumbercard.services.chip_commands import Purpose
from mynumbercard.services.pki_ports import ChipCommand, ChipRequest
from mynumbercard.web.api.applications import Identity, identity_of
from mynumbercard.web.api.schemas.common import CertificateIssued
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import CardNumberPath, IdPath

router = APIRouter(prefix="/api/v1", tags=["counter terminal (staff)"])

Challenge = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9+/]*={0,2}$",
                                 description="The card's 32-byte challenge (GET "
                                 "CHALLENGE), base64")]
Csr = Annotated[str, Field(min_length=4, max_length=4096, pattern=r"^[A-Za-z0-9+/]*={0,2}$",
                           description="The chip's PKCS#10 request (DER), base64")]


def _bytes(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):  # ValueError: not ASCII
        raise InvalidInput(f"the {what} is not base64") from None


class PinResetIn(BaseModel):
    kind: CertKind = Field(description="auth (the 4-digit PIN) or sign (the password)")
    challenge: Challenge


class AuthorizationOut(BaseModel):
    authorization: str = Field(description="For the card's RESET PIN command, base64 "
                               "(the challenge and the card-management key's signature)")


@router.post("/cards/{card_number}/pin-reset-authorization",
             summary="Authorise a PIN reset of the card in the counter terminal's reader "
                     "(after the identity check); the new PIN goes from the terminal's "
                     "keypad to the card only")
def pin_reset_authorization(card_number: CardNumberPath, body: PinResetIn, actor: ActorDep,
                            container: ContainerDep, now: NowDep) -> AuthorizationOut:
    authorization = cards.authorise_pin_reset(
        container.uow, container.management_key(), actor=actor, card_number=card_number,
        kind=body.kind, challenge=_bytes(body.challenge, "challenge"), now=now)
    return AuthorizationOut(authorization=base64.b64encode(authorization).decode())


class ChipPlanOut(BaseModel):
    kinds: list[CertKind] = Field(description="The key pairs to make on the chip")
    pins: list[PinKind] = Field(description="The PINs the holder sets on the terminal")


@router.get("/cards/{card_number}/chip-plan",
            summary="What the counter terminal does on the card for a hand-over or a "
                    "renewal: the key pairs to make, the PINs the holder sets")
def chip_plan(card_number: CardNumberPath, actor: ActorDep, container: ContainerDep,
              now: NowDep, purpose: Annotated[Purpose, Query()]) -> ChipPlanOut:
    plan = chip_commands.chip_plan(container.uow, actor=actor, card_number=card_number,
                                   purpose=purpose, now=now)
    return ChipPlanOut(kinds=plan.kinds, pins=plan.pins)


class ChipCommandIn(BaseModel):
    purpose: Purpose
    command: ChipCommand
    kind: CertKind | None = Field(None, description="The key pair (not for "
                                  "set_initial_pins)")
    pins: list[PinKind] = Field([], max_length=4, description="For set_initial_pins: "
                                "which PINs (never their values)")
    challenge: Challenge


class ChipAuthorizationOut(BaseModel):
    authorization: str = Field(description="For the card's command, base64 (the challenge "
                               "and the card-management key's signature)")
    certificate: str | None = Field(None, description="For a certificate write: the "
                                    "certificate to write (DER, base64)")


@router.post("/cards/{card_number}/chip-authorization",
             summary="Authorise one administrative command on the card in the counter "
                     "terminal's reader (key generation, certificate writing, the initial "
                     "PINs), when the hand-over or the renewal allows it now")
def chip_authorization(card_number: CardNumberPath, body: ChipCommandIn, actor: ActorDep,
                       container: ContainerDep, now: NowDep) -> ChipAuthorizationOut:
    done = chip_commands.authorise_chip_command(
        container.uow, container.management_key(), container.ca, actor=actor,
        card_number=card_number, purpose=body.purpose,
        request=ChipRequest(body.command, body.kind, frozenset(body.pins)),
        challenge=_bytes(body.challenge, "challenge"), now=now)
    return ChipAuthorizationOut(
        authorization=base64.b64encode(done.authorization).decode(),
        certificate=base64.b64encode(done.certificate).decode() if done.certificate else None)


def _csr_pem(text: str) -> bytes:
    der = _bytes(text, "CSR")
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}\n-----END CERTIFICATE REQUEST-----\n" \
        .encode()


def _relayed(card_number: str, csrs: dict[CertKind, str]) -> chip_commands.RelayedTerminal:
    return chip_commands.RelayedTerminal(card_number, {kind: _csr_pem(text)
                                                       for kind, text in csrs.items()})


def _issued(certificates: list[IssuedCertificate]) -> list[CertificateIssued]:
    return [CertificateIssued(kind=c.kind, serial=c.serial_hex, not_after=c.not_after)
            for c in certificates]


class TerminalHandOver(Identity):
    csrs: dict[CertKind, Csr] = Field(description="The chip's CSR of each key pair of the "
                                      "plan, made on the card in the terminal's reader")


class TerminalHandedOver(BaseModel):
    card_number: str
    returned_cards: list[str]
    certificates: list[CertificateIssued]
    pins: list[PinKind] = Field(description="The PINs the holder now sets on the terminal")


@router.post("/cards/{card_number}/terminal-hand-over",
             summary="Hand over the card in the counter terminal's reader: the identity "
                     "check, the certificates issued for the chip's CSRs; the terminal then "
                     "sets the PINs and writes the certificates (no PIN comes here)")
def terminal_hand_over(card_number: CardNumberPath, body: TerminalHandOver, actor: ActorDep,
                       container: ContainerDep, now: NowDep) -> TerminalHandedOver:
    done = pickup.hand_over(
        container.uow, container.vault, container.ca, actor=actor, card_number=card_number,
        identity=identity_of(body), notice_presented=body.notice_presented, pins=None,
        now=now, terminal=_relayed(card_number, body.csrs))
    return TerminalHandedOver(card_number=done.card_number, returned_cards=done.returned_cards,
                              certificates=_issued(done.certificates),
                              pins=[k for k in PinKind if k in done.pins_to_set])


class TerminalRenew(BaseModel):
    csrs: dict[CertKind, Csr] = Field(min_length=1, description="The chip's CSR of each "
                                      "key pair renewed, made on the card in the "
                                      "terminal's reader")


class TerminalRenewed(BaseModel):
    card_number: str
    certificates: list[CertificateIssued]


@router.post("/cards/{card_number}/certificates/terminal-renew",
             summary="Renew the certificates of the card in the counter terminal's reader "
                     "for the chip's CSRs; the terminal then writes them")
def terminal_renew(card_number: CardNumberPath, body: TerminalRenew, actor: ActorDep,
                   container: ContainerDep, now: NowDep) -> TerminalRenewed:
    renewal.require_card_visible(container.uow, actor=actor, card_number=card_number)
    done = renewal.renew_certificates(container.uow, container.ca,
                                      _relayed(card_number, body.csrs), actor=actor,
                                      kinds=frozenset(body.csrs), now=now)
    return TerminalRenewed(card_number=done.card_number, certificates=_issued(done.certificates))


class TerminalCorrect(BaseModel):
    csrs: dict[CertKind, Csr] = Field({}, description="The chip's CSR of each key pair "
                                      "the correction's plan re-issues (chip-plan with "
                                      "purpose=correction; none when it re-issues none)")


class TerminalCorrected(BaseModel):
    case: int
    card_number: str
    subject: str = Field(description="card or certificate: what was wrong")
    card_expired_on: date = Field(description="The card's last day before the correction")
    card_expires_on: date = Field(description="and after it")
    card_valid: bool = Field(description="false: the card is not valid any more, so only "
                             "the register's date was set right")
    certificates: list[CertificateIssued] = Field(description="Re-issued; the terminal "
                                                  "then writes them")


@router.post("/corrections/{case_id}/terminal-correct",
             summary="Correct a wrong-validity case with the card in the counter terminal's "
                     "reader: the card's date set right, the certificates that ran past it "
                     "re-issued for the chip's CSRs; the terminal then writes them")
def terminal_correct(case_id: IdPath, body: TerminalCorrect, actor: ActorDep,
                     container: ContainerDep, now: NowDep) -> TerminalCorrected:
    done = validity_check.correct_case(
        container.uow, container.ca, lambda number: _relayed(number, body.csrs),
        actor=actor, case_id=case_id, now=now)
    return TerminalCorrected(case=done.case, card_number=done.card_number,
                             subject=done.subject, card_expired_on=done.card_expired_on,
                             card_expires_on=done.card_expires_on, card_valid=done.card_valid,
                             certificates=_issued(done.certificates))
