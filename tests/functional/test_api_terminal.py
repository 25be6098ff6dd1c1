"""The counter terminal's API (issue 14, point 4) driven as the terminal drives it, with
the card file in this process answering the same APDUs as in a reader: the plan, each
administrative command authorised for the card's own challenge only when the use case
allows it, the hand-over and the renewal for the chip's CSRs. No PIN is ever sent."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.chip import (
    Chip,
    DeleteKeyPair,
    GenerateKeyPair,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
)
from mynumbercard.chip.client import CardClient
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain.certificate import CertKind, RevocationReason
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import certificates

from api_checks import ApiClient, bearer
from card_checks import card_waiting
from conftest import FrozenClock

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("clerk-sapporo", Role.CLERK, "01101")]


@pytest.fixture
def client(pki_container: Container, api_client: ApiClient) -> TestClient:
    return api_client(pki_container, ACCOUNTS)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Terminal:
    """The terminal's steps, one request each (adapters/counter_terminal.py does the
    same over HTTP)."""

    def __init__(self, client: TestClient, clerk: dict[str, str], card: CardClient) -> None:
        self.client, self.clerk, self.card = client, clerk, card
        self.url = f"/api/v1/cards/{card.card_id}"

    def authorise(self, purpose: str, command: str, **fields: Any) -> Any:
        return self.client.post(f"{self.url}/chip-authorization", headers=self.clerk, json={
            "purpose": purpose, "command": command,
            "challenge": b64(self.card.admin_challenge()), **fields})

    def make_key(self, purpose: str, kind: CertKind) -> str:
        if self.card.has_key(kind):
            self.run(purpose, "delete_key_pair", DeleteKeyPair(kind), kind=kind.value)
        pem = self.run(purpose, "generate_key_pair", GenerateKeyPair(kind), kind=kind.value)
        return b64(x509.load_pem_x509_csr(pem).public_bytes(Encoding.DER))

    def run(self, purpose: str, command: str, chip_command: Any, **fields: Any) -> bytes:
        answer = self.authorise(purpose, command, **fields)
        assert answer.status_code == 200, answer.text
        return self.card.admin(chip_command,
                               base64.b64decode(answer.json()["authorization"]))

    def write(self, purpose: str, kind: CertKind) -> bytes:
        for command, make in (("write_certificate", WriteCertificate),
                              ("write_ca_certificate", WriteCaCertificate)):
            answer = self.authorise(purpose, command, kind=kind.value)
            assert answer.status_code == 200, answer.text
            der = base64.b64decode(answer.json()["certificate"])
            pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
            self.card.admin(make(kind, pem), base64.b64decode(answer.json()["authorization"]))
        return der


def test_hand_over_and_renewal_through_the_terminals_api(
        client: TestClient, pki_container: Container, clock: FrozenClock,
        tmp_path: Path) -> None:
    number = card_waiting(pki_container)
    path = tmp_path / "card"
    shutil.copyfile(pki_container.vault.path(number), path)  # into the terminal's reader
    clerk = bearer(client, "clerk-chiyoda")
    terminal = Terminal(client, clerk, CardClient(CardSession(path).transmit))
    url = terminal.url

    plan = client.get(f"{url}/chip-plan", params={"purpose": "hand-over"}, headers=clerk)
    assert plan.json() == {"kinds": ["sign", "auth"], "pins": [
        "signature", "user_auth", "resident_register", "card_info"]}
    other = bearer(client, "clerk-sapporo")
    assert client.get(f"{url}/chip-plan", params={"purpose": "hand-over"},
                      headers=other).status_code == 404
    # bad input: a challenge that is not base64 or not 32 bytes, no kind, no PINs named
    for fields in ({"challenge": "***"}, {"challenge": b64(bytes(31))}):
        refused = client.post(f"{url}/chip-authorization", headers=clerk, json={
            "purpose": "hand-over", "command": "generate_key_pair", "kind": "auth", **fields})
        assert refused.status_code == 422, refused.text
    assert terminal.authorise("hand-over", "generate_key_pair").status_code == 422
    # PINs and certificates go on only after the hand-over
    assert terminal.authorise("hand-over", "set_initial_pins",
                              pins=["card_info"]).status_code == 409
    assert terminal.authorise("renewal", "generate_key_pair", kind="auth").status_code == 409

    csrs = {kind.value: terminal.make_key("hand-over", kind) for kind in CertKind}
    junk = client.post(f"{url}/terminal-hand-over", headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"],
        "csrs": {**csrs, "auth": b64(b"not a CSR")}})
    assert junk.status_code == 422, junk.text
    assert pki_container.vault.holds(number)  # nothing happened
    handed = client.post(f"{url}/terminal-hand-over", headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"], "csrs": csrs})
    assert handed.status_code == 200, handed.text
    assert handed.json()["pins"] == plan.json()["pins"]
    assert not pki_container.vault.holds(number)
    assert terminal.authorise("hand-over", "generate_key_pair", kind="auth").status_code == 409
    assert terminal.authorise("hand-over", "set_initial_pins", pins=[]).status_code == 422
    pins = {PinKind.SIGNATURE: "SUZUKI85", PinKind.USER_AUTH: "2468",
            PinKind.RESIDENT_REGISTER: "2468", PinKind.CARD_INFO: "2468"}
    terminal.run("hand-over", "set_initial_pins", SetInitialPins(pins),
                  pins=[k.value for k in pins])
    for kind in CertKind:
        terminal.write("hand-over", kind)
    chip = Chip.open(path)
    first = x509.load_pem_x509_certificate(chip.read_certificate(CertKind.AUTH))
    assert first.serial_number == int(next(c["serial"] for c in handed.json()["certificates"]
                                           if c["kind"] == "auth"), 16)
    chip.verify_pin(PinKind.USER_AUTH, "2468")

    # renewal: refused before the window opens, before the chip loses its key
    assert terminal.authorise("renewal", "delete_key_pair", kind="auth").status_code == 409
    assert chip.read_certificate(CertKind.AUTH)
    # the certificate revoked (a key compromise reported): a new one at any time
    certificates.change_status(pki_container.uow, pki_container.authority,
                               actor=Actor("agency", Role.OPERATOR),
                               serial=first.serial_number, kind=CertKind.AUTH,
                               reason=RevocationReason.KEY_COMPROMISE, now=clock())
    csr = terminal.make_key("renewal", CertKind.AUTH)
    renewed = client.post(f"{url}/certificates/terminal-renew", headers=clerk,
                          json={"csrs": {"auth": csr}})
    assert renewed.status_code == 200, renewed.text
    der = terminal.write("renewal", CertKind.AUTH)
    new = x509.load_pem_x509_certificate(Chip.open(path).read_certificate(CertKind.AUTH))
    assert new.serial_number == int(renewed.json()["certificates"][0]["serial"], 16)
    assert new.serial_number != first.serial_number
    assert der == pki_container.authority.hierarchy.issuing_certificate(
        CertKind.AUTH).public_bytes(Encoding.DER)
