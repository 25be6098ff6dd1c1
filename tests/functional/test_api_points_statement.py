"""What the card signs: each holder challenge comes with the purpose and the service's
statement of what signing will do (Japanese and English), and the card signs them bound
to the challenge; a signature for another purpose or statement (another service chosen,
another page's code, the first form without a statement) is refused and changes nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from mynumbercard import bootstrap
from mynumbercard.adapters.pcsc_reader import open_card_file
from mynumbercard.chip.keys import KeyKind
from mynumbercard.domain.card_statement import (
    SignPurpose,
    Statement,
    balance_statement,
    enrol_statement,
    sign_in_statement,
)
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points_card, relying_parties

from api_checks import ApiClient
from cli_checks import demo_card

SETUP = Actor("setup", Role.ADMIN)
REFUSED = "the card's signature does not verify with its certificate"


@dataclass
class Holder:
    client: TestClient
    wired: bootstrap.Container
    card: Path
    pay: str  # a payment service's key id
    other: str

    def answer(self, challenge: str, message: bytes) -> dict[str, str]:
        with open_card_file(self.card) as card:
            der = x509.load_pem_x509_certificate(card.read_certificate(KeyKind.AUTH)
                                                 ).public_bytes(serialization.Encoding.DER)
            signature = card.sign(KeyKind.AUTH, "1234", message)
        return {"challenge": challenge, "certificate": base64.b64encode(der).decode(),
                "signature": base64.b64encode(signature).decode()}

    def challenge(self, **body: str) -> dict[str, object]:
        answer = self.client.post("/api/v1/points/card/challenges", json=body)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
def holder(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           api_client: ApiClient) -> Iterator[Holder]:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:00:00+09:00")
    demo_card(tmp_path / "card.mnc")
    with bootstrap.container() as wired:
        pay, other = (relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP,
                                               name=name, kind=PartyKind.PAYMENT_SERVICE,
                                               now=wired.clock()).key_id
                      for name in ("PayCo", "OtherPay"))
        yield Holder(api_client(wired), wired, tmp_path / "card.mnc", pay, other)


def _message(stated: dict[str, object], statement: Statement) -> bytes:
    return statement.signed_message(bytes.fromhex(str(stated["challenge"])))


def test_the_challenge_states_what_the_signature_will_do(holder: Holder) -> None:
    read = holder.challenge()
    assert read["purpose"] == "points-balance"
    assert read["statement"] == {"ja": balance_statement().ja, "en": balance_statement().en}
    choose = holder.challenge(purpose="points-enrol", service=holder.pay)
    assert choose["statement"] == {"ja": enrol_statement("PayCo", holder.pay).ja,
                                   "en": enrol_statement("PayCo", holder.pay).en}
    unknown = holder.client.post("/api/v1/points/card/challenges", json={
        "purpose": "points-enrol", "service": "rp_0000000000000000"})
    assert (unknown.status_code, unknown.json()["refused"]) == (404, "unknown_service")
    no_page = holder.client.post("/api/v1/points/card/challenges",
                                 json={"purpose": "points-sign-in"})
    assert no_page.status_code == 422


def test_a_signature_for_another_purpose_or_statement_is_refused(holder: Holder) -> None:
    # the enrolment's statement names PayCo; a signature over one naming OtherPay, or
    # over the balance's purpose, or the first form without a statement, enrols nothing
    for wrong in (lambda c: _message(c, enrol_statement("OtherPay", holder.other)),
                  lambda c: _message(c, balance_statement()),
                  lambda c: b"mynumbercard/points/v1\0" + bytes.fromhex(str(c["challenge"]))):
        stated = holder.challenge(purpose="points-enrol", service=holder.pay)
        refused = holder.client.post("/api/v1/points/card/enrolments", json={
            **holder.answer(str(stated["challenge"]), wrong(stated)), "service": holder.pay})
        assert (refused.status_code, refused.json()["message"]) == (401, REFUSED)
    # a balance challenge answered with the enrolment's purpose: refused too
    stated = holder.challenge()
    refused = holder.client.post("/api/v1/points/card/balance", json=holder.answer(
        str(stated["challenge"]), _message(stated, enrol_statement("PayCo", holder.pay))))
    assert refused.status_code == 401
    stated = holder.challenge()
    seen = holder.client.post("/api/v1/points/card/balance", json=holder.answer(
        str(stated["challenge"]), _message(stated, balance_statement())))
    assert seen.status_code == 200, seen.text
    assert seen.json()["enrolment"] is None  # nothing was chosen by the refused ones
    stated = holder.challenge(purpose="points-enrol", service=holder.pay)
    chosen = holder.client.post("/api/v1/points/card/enrolments", json={
        **holder.answer(str(stated["challenge"]), _message(
            stated, enrol_statement("PayCo", holder.pay))), "service": holder.pay})
    assert (chosen.status_code, chosen.json()["service"]) == (200, holder.pay)


def test_a_sign_in_signed_for_another_pages_code_is_refused(holder: Holder) -> None:
    now = holder.wired.clock()
    page = points_card.start_sign_in(holder.wired.uow, now=now)
    elsewhere = points_card.start_sign_in(holder.wired.uow, now=now)
    stated = holder.client.get(f"/api/v1/points/sign-ins/{page.code}").json()
    assert stated["purpose"] == SignPurpose.POINTS_SIGN_IN.value
    assert page.code in stated["statement"]["ja"]
    assert page.code in stated["statement"]["en"]
    for wrong in (sign_in_statement(elsewhere.code, minutes=5), balance_statement()):
        answer = holder.answer(str(stated["challenge"]), _message(stated, wrong))
        refused = holder.client.post(f"/api/v1/points/sign-ins/{page.code}", json={
            "certificate": answer["certificate"], "signature": answer["signature"]})
        assert refused.status_code == 401
    assert points_card.page(holder.wired.uow, browser_secret=page.browser_secret,
                            now=now).state == "waiting"
    answer = holder.answer(str(stated["challenge"]),
                           _message(stated, sign_in_statement(page.code, minutes=5)))
    done = holder.client.post(f"/api/v1/points/sign-ins/{page.code}", json={
        "certificate": answer["certificate"], "signature": answer["signature"]})
    assert done.status_code == 200, done.text
    assert points_card.page(holder.wired.uow, browser_secret=page.browser_secret,
                            now=now).state == "signed-in"
