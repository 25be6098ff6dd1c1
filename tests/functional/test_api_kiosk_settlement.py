"""Settlement with the kiosk operators over HTTP: the agency's operators read every
operator's fees per municipality, the documents by kind, the refusals counted, and the
cards whose PIN was refused at more than one kiosk (counted by the card); a kiosk
operator reads only its own rows with its signed key; the period is this month by
default; a clerk is refused."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from mynumbercard import bootstrap
from mynumbercard.adapters.pcsc_reader import open_card_file
from mynumbercard.chip.keys import KeyKind
from mynumbercard.domain.card_statement import SignPurpose, Statement
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.pins import WrongPin
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import kiosk_admin, relying_parties
from mynumbercard.services.kiosk_ports import IssuedDocument, PinFailure

from api_checks import ApiClient, bearer
from cli_checks import demo_card

SETUP = Actor("setup", Role.ADMIN)
CLOCK = "2026-11-30T10:00:00+09:00"
SETTLEMENT = "/api/v1/kiosk/settlement"
AGENCY = "/api/v1/kiosk/operators/settlement"


@dataclass
class Operator:
    key_id: str
    secret: bytes


@dataclass
class Kiosks:
    client: TestClient
    wired: bootstrap.Container
    card: Path
    municipality: str

    def call(self, who: Operator, method: str, path: str, body: object = None,
             query: str = "") -> tuple[int, dict[str, object]]:
        data = b"" if body is None else json.dumps(body).encode()
        stamp = int(self.wired.clock().timestamp())
        nonce = secrets.token_urlsafe(18)
        full = path + (f"?{query}" if query else "")
        signature = sign_request(who.secret, timestamp=stamp, nonce=nonce, method=method,
                                 path=full, body=data)
        answer = self.client.request(method, full, content=data, headers={
            "Content-Type": "application/json", "Mnc-Key-Id": who.key_id,
            "Mnc-Timestamp": str(stamp), "Mnc-Nonce": nonce, "Mnc-Signature": signature})
        return answer.status_code, answer.json()

    def transaction(self, who: Operator, document: KioskDocument, *, pin: str = "1234",
                    ) -> tuple[int, dict[str, object]]:
        """The kiosk's run: a challenge, the card's answer; a PIN the card refuses is
        reported with the card's own count of tries left."""
        status, got = self.call(who, "POST", "/api/v1/kiosk/challenges",
                                {"document": document.value})
        assert status == 200, got
        challenge = str(got["challenge"])
        said = got["statement"]
        assert isinstance(said, dict)
        statement = Statement(SignPurpose(str(got["purpose"])), said["ja"], said["en"])
        with open_card_file(self.card) as card:
            der = x509.load_pem_x509_certificate(card.read_certificate(KeyKind.AUTH)
                                                 ).public_bytes(serialization.Encoding.DER)
            certificate = base64.b64encode(der).decode()
            try:
                signature = card.sign(KeyKind.AUTH, pin,
                                      statement.signed_message(bytes.fromhex(challenge)))
            except WrongPin as wrong:
                return self.call(who, "POST", "/api/v1/kiosk/pin-refusals", {
                    "challenge": challenge, "certificate": certificate,
                    "tries_left": wrong.tries_left})
        return self.call(who, "POST", "/api/v1/kiosk/transactions", {
            "challenge": challenge, "certificate": certificate,
            "signature": base64.b64encode(signature).decode(), "document": document.value})


@pytest.fixture
def kiosks(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           api_client: ApiClient) -> Iterator[Kiosks]:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")  # PostgreSQL: a test
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", CLOCK)
    made = demo_card(tmp_path / "card.mnc")
    with bootstrap.container() as wired:
        with wired.uow() as uow:
            card = uow.cards.find_by_number(made["card_number"])
            assert card is not None
            town = uow.residents.get(card.resident_id).municipality_code
        for document, fee in ((KioskDocument.RESIDENCE_CERTIFICATE, 300),
                              (KioskDocument.REGISTER_ITEMS, 200)):
            kiosk_admin.set_offer(wired.uow, actor=SETUP, municipality_code=town,
                                  document=document, fee=fee, now=wired.clock())
        yield Kiosks(api_client(wired, [("operator-1", Role.OPERATOR, None),
                                        ("clerk-13101", Role.CLERK, "13101")]),
                     wired, tmp_path / "card.mnc", town)


def _operator(kiosks: Kiosks, name: str) -> Operator:
    key = relying_parties.register(kiosks.wired.uow, kiosks.wired.party_secrets, actor=SETUP,
                                   name=name, kind=PartyKind.KIOSK_OPERATOR,
                                   now=kiosks.wired.clock())
    return Operator(key.key_id, bytes.fromhex(key.secret))


def test_the_agency_and_each_operator_read_the_settlement(kiosks: Kiosks) -> None:
    store_a, store_b = _operator(kiosks, "Store A"), _operator(kiosks, "Store B")
    residence, items = KioskDocument.RESIDENCE_CERTIFICATE, KioskDocument.REGISTER_ITEMS
    assert kiosks.transaction(store_a, residence)[0] == 200
    assert kiosks.transaction(store_a, residence)[0] == 200
    assert kiosks.transaction(store_b, items)[0] == 200
    # the same card's PIN refused at both operators' kiosks: counted by the card
    assert kiosks.transaction(store_a, residence, pin="9999")[1]["tries_left"] == 2
    assert kiosks.transaction(store_b, items, pin="9999")[1]["tries_left"] == 1
    assert kiosks.transaction(store_a, residence)[0] == 200  # the right PIN resets it

    headers = bearer(kiosks.client, "operator-1")
    answer = kiosks.client.get(AGENCY, headers=headers)  # this month by default
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert (seen["start"], seen["end"]) == ("2026-11-01", "2026-11-30")
    assert (seen["documents"], seen["fees"], seen["refused"]) == (4, 1100, 2)
    by_name = {o["name"]: o for o in seen["operators"]}
    a, b = by_name["Store A"], by_name["Store B"]
    assert (a["operator"], a["documents"], a["fees"]) == (store_a.key_id, 3, 900)
    assert [(k["document"], k["documents"], k["fees"]) for k in a["by_kind"]] == [
        ("residence-certificate", 3, 900), ("register-items", 0, 0)]
    [town] = b["municipalities"]
    assert (town["municipality_code"], town["documents"], town["fees"]) == (
        kiosks.municipality, 1, 200)
    assert a["refusals"] == [{"refused": "pin_wrong", "count": 1}]
    [card] = seen["repeated_pin_failures"]
    assert (card["failures"], card["operators"], card["fewest_tries_left"]) == (2, 2, 1)

    # an operator's own view: its rows only
    status, own = kiosks.call(store_b, "GET", SETTLEMENT)
    assert status == 200, own
    assert (own["operator"], own["documents"], own["fees"]) == (store_b.key_id, 1, 200)
    assert own["settlement"]["refusals"] == [{"refused": "pin_wrong", "count": 1}]
    assert "repeated_pin_failures" not in own
    status, december = kiosks.call(store_a, "GET", SETTLEMENT, query="from=2026-12-01")
    assert (status, december["end"], december["documents"]) == (200, "2026-12-31", 0)

    # a period that is not one is refused plainly; a clerk is refused before any read
    bad = kiosks.client.get(AGENCY, params={"from": "2026-11-30", "to": "2026-11-01"},
                            headers=headers)
    assert (bad.status_code, bad.json()["message"]) == (
        422, "the period ends on or after its start")
    refused = kiosks.client.get(AGENCY, headers=bearer(kiosks.client, "clerk-13101"))
    assert refused.status_code == 403
    # a document of 1 December 08:30 in Japan (23:30 UTC the day before) is December's
    with kiosks.wired.uow() as uow:
        uow.kiosk.add_document(IssuedDocument(
            "0000-0000-0000-0001", residence, kiosks.municipality, 1,
            datetime(2026, 11, 30, 23, 30, tzinfo=UTC), store_a.key_id, 300, "0" * 64))
        uow.kiosk.add_pin_failure(PinFailure("ab", store_a.key_id, 2, datetime(
            2026, 11, 30, 23, 30, tzinfo=UTC)))
        uow.kiosk.add_pin_failure(PinFailure("ab", store_b.key_id, 1, datetime(
            2026, 11, 30, 23, 40, tzinfo=UTC)))
        uow.commit()
    status, december = kiosks.call(store_a, "GET", SETTLEMENT, query="from=2026-12-01")
    assert (status, december["documents"], december["fees"]) == (200, 1, 300)
    december = kiosks.client.get(AGENCY, params={"from": "2026-12-01"}, headers=headers).json()
    assert [c["serial"] for c in december["repeated_pin_failures"]] == ["ab"]
    assert kiosks.client.get(AGENCY, headers=headers).json()["documents"] == 4  # November
    with kiosks.wired.uow() as uow:
        actions = [(r.actor, r.action.value) for _, r in uow.audit.list(
            subject=None, limit=200, before_id=None)]
    assert ("operator-1", "kiosk:settlement") in actions
    assert (f"rp:{store_b.key_id}", "kiosk:settlement") in actions
