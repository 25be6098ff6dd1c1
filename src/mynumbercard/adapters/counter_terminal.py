"""The counter terminal's side of a hand-over, a renewal and a wrong-validity correction
(issue 14): the card in the
terminal's reader, the server as the signed-in member. Each administrative command gets
a fresh challenge from the card and the server's authorization for it (the server checks
that the use case allows it now); the PINs go from the holder on this terminal to the
card only. A card in a physical reader would be driven the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mynumbercard.adapters.server_client import ServerClient
from mynumbercard.chip import (
    DeleteKeyPair,
    GenerateKeyPair,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
)
from mynumbercard.chip.client import CardClient
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import Conflict, InvalidInput
from mynumbercard.domain.pins import PinKind, validate_new_pin

AskPins = Callable[[list[PinKind]], Mapping[PinKind, str]]


class _Relay:
    """One card, one server, one purpose: each command authorised for the card's
    challenge of the moment, then sent to the card."""

    def __init__(self, client: ServerClient, card: CardClient, purpose: str) -> None:
        self._client, self._card, self._purpose = client, card, purpose
        self.card_number = card.card_id

    def _authorise(self, command: str, *, kind: CertKind | None = None,
                   pins: list[PinKind] | None = None) -> tuple[bytes, bytes]:
        return self._client.chip_authorization(
            self.card_number, purpose=self._purpose, command=command,
            challenge=self._card.admin_challenge(), kind=kind,
            pins=[k.value for k in pins or []])

    def plan(self) -> tuple[list[CertKind], list[PinKind]]:
        plan = self._client.chip_plan(self.card_number, self._purpose)
        return ([CertKind(k) for k in plan.get("kinds", [])],
                [PinKind(k) for k in plan.get("pins", [])])

    def make_keys(self, kinds: list[CertKind]) -> dict[CertKind, bytes]:
        """New key pairs on the chip (an old one deleted first): the CSRs, DER."""
        csrs = {}
        for kind in kinds:
            if self._card.has_key(kind):
                authorization, _ = self._authorise("delete_key_pair", kind=kind)
                self._card.admin(DeleteKeyPair(kind), authorization)
            authorization, _ = self._authorise("generate_key_pair", kind=kind)
            pem = self._card.admin(GenerateKeyPair(kind), authorization)
            csrs[kind] = x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER)
        return csrs

    def set_pins(self, pins: Mapping[PinKind, str]) -> None:
        if pins:
            authorization, _ = self._authorise("set_initial_pins", pins=list(pins))
            self._card.admin(SetInitialPins(pins), authorization)

    def write_certificates(self, kinds: list[CertKind]) -> None:
        """The card's certificates from the register, each with its CA's."""
        for kind in kinds:
            authorization, der = self._authorise("write_certificate", kind=kind)
            self._card.admin(WriteCertificate(kind, _pem(der)), authorization)
            authorization, der = self._authorise("write_ca_certificate", kind=kind)
            self._card.admin(WriteCaCertificate(kind, _pem(der)), authorization)


def _pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def _kinds(answer: dict[str, Any]) -> list[CertKind]:
    return [CertKind(c["kind"]) for c in answer.get("certificates", [])]


def hand_over(client: ServerClient, card: CardClient, card_number: str, *,
              identity: dict[str, Any], ask_pins: AskPins) -> dict[str, Any]:
    """The hand-over of the card in the reader: the plan, the holder's PINs asked for (on
    this terminal), the key pairs made on the chip, the hand-over on the server with the
    CSRs, then the PINs set and the certificates written."""
    relay = _Relay(client, card, "hand-over")
    if relay.card_number != card_number:
        raise InvalidInput(f"the card in the reader is card {relay.card_number}, not "
                           f"card {card_number}")
    kinds, wanted = relay.plan()
    pins = dict(ask_pins(wanted))
    for kind in wanted:  # all of them checked before the card or the server change
        validate_new_pin(kind, pins.get(kind, ""))
    answer = client.terminal_hand_over(card_number, identity, relay.make_keys(kinds))
    relay.set_pins({PinKind(k): pins[PinKind(k)] for k in answer.get("pins", [])})
    relay.write_certificates(_kinds(answer))
    return answer


def renew(client: ServerClient, card: CardClient, kinds: list[CertKind]) -> dict[str, Any]:
    """New key pairs and certificates on the card in the reader (no PIN needed)."""
    relay = _Relay(client, card, "renewal")
    allowed, _ = relay.plan()
    chosen = [kind for kind in kinds if kind in allowed]
    if not chosen:
        raise Conflict("no signature certificate is issued to a holder under 15")
    answer = client.terminal_renew(relay.card_number, relay.make_keys(chosen))
    relay.write_certificates(_kinds(answer))
    return answer


def correct(client: ServerClient, card: CardClient, case_id: int) -> dict[str, Any]:
    """A wrong-validity correction of the card in the reader: the key pairs its plan
    re-issues made on the chip (none when the card's date alone was wrong, or the card is
    not valid any more), the correction on the server, the certificates written."""
    relay = _Relay(client, card, "correction")
    kinds, _ = relay.plan()
    answer = client.terminal_correct(case_id, relay.make_keys(kinds))
    relay.write_certificates(_kinds(answer))
    return answer


def renew_in_custody(client: ServerClient, card: CardClient, task_id: int) -> dict[str, Any]:
    """The custody task's renewal on the card in the office's reader: the key pairs the
    holder left it for, made on the chip; the step on the server; the certificates
    written (services/custody_tasks.py)."""
    relay = _Relay(client, card, "custody")
    kinds, _ = relay.plan()
    answer = client.custody_step(task_id, relay.card_number, relay.make_keys(kinds))
    relay.write_certificates(_kinds(answer))
    return answer
