"""The kiosk operators' API: signed API keys (a replay, a skewed clock, an unknown key, a
forged signature, another kind of party refused; an unregistered caller learns nothing),
every call audited, the statement the card signs, and the transaction's refusals over
HTTP."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import delete

from mynumbercard import bootstrap
from mynumbercard.adapters.db.tables import ocsp_responses
from mynumbercard.adapters.pcsc_reader import open_card_file
from mynumbercard.chip.keys import KeyKind
from mynumbercard.domain.card_statement import SignPurpose, Statement, kiosk_statement
from mynumbercard.domain.certificate import CertKind, RevocationReason
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import certificates, kiosk_admin, moving, register, relying_parties

from api_checks import ApiClient
from cli_checks import demo_card

SETUP = Actor("setup", Role.ADMIN)
CLOCK = "2026-11-30T10:00:00+09:00"


@dataclass
class Kiosk:
    client: TestClient
    wired: bootstrap.Container
    key_id: str
    secret: bytes
    card: Path
    resident_id: int
    municipality: str

    def call(self, method: str, path: str, body: object = None, *, nonce: str | None = None,
             skew: int = 0, secret: bytes | None = None, key_id: str | None = None,
             query: str = "") -> tuple[int, dict[str, object]]:
        data = b"" if body is None else json.dumps(body).encode()
        stamp = int(self.wired.clock().timestamp()) + skew
        nonce = nonce or secrets.token_urlsafe(18)
        full = path + (f"?{query}" if query else "")
        signature = sign_request(secret or self.secret, timestamp=stamp, nonce=nonce,
                                 method=method, path=full, body=data)
        answer = self.client.request(method, full, content=data, headers={
            "Content-Type": "application/json", "Mnc-Key-Id": key_id or self.key_id,
            "Mnc-Timestamp": str(stamp), "Mnc-Nonce": nonce, "Mnc-Signature": signature})
        return answer.status_code, answer.json()

    def answer(self, *, pin: str = "1234", document: str = "residence-certificate",
               signed: Callable[[bytes], bytes] | None = None,
               **options: bool) -> dict[str, object]:
        """The kiosk's run: a challenge for `document`, the card's signature over its
        statement bound to the challenge (or over what `signed` makes of the challenge)."""
        status, got = self.call("POST", "/api/v1/kiosk/challenges",
                                {"document": document, **options})
        assert status == 200, got
        challenge = str(got["challenge"])
        said = got["statement"]
        assert isinstance(said, dict)
        statement = Statement(SignPurpose(str(got["purpose"])), said["ja"], said["en"])
        data = (statement.signed_message(bytes.fromhex(challenge)) if signed is None
                else signed(bytes.fromhex(challenge)))
        with open_card_file(self.card) as card:
            pem = card.read_certificate(KeyKind.AUTH)
            signature = card.sign(KeyKind.AUTH, pin, data)
        der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
        return {"challenge": challenge, "certificate": base64.b64encode(der).decode(),
                "signature": base64.b64encode(signature).decode(), "document": document,
                **options}


@pytest.fixture
def kiosk(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          api_client: ApiClient) -> Iterator[Kiosk]:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")  # PostgreSQL: a test
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", CLOCK)
    made = demo_card(tmp_path / "card.mnc")
    with bootstrap.container() as wired:
        with wired.uow() as uow:
            card = uow.cards.find_by_number(made["card_number"])
            assert card is not None
            resident = uow.residents.get(card.resident_id)
        kiosk_admin.set_offer(wired.uow, actor=SETUP, municipality_code=resident.
                              municipality_code, document=KioskDocument.RESIDENCE_CERTIFICATE,
                              fee=300, now=wired.clock())
        key = relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP,
                                       name="Kiosk Co.", kind=PartyKind.KIOSK_OPERATOR,
                                       now=wired.clock())
        yield Kiosk(api_client(wired), wired, key.key_id, bytes.fromhex(key.secret),
                    tmp_path / "card.mnc", resident.id, resident.municipality_code)


REFUSED = "the request is not signed by a registered party"


def test_an_unregistered_or_forged_caller_learns_nothing(kiosk: Kiosk) -> None:
    unsigned = kiosk.client.post("/api/v1/kiosk/challenges")
    assert (unsigned.status_code, unsigned.json()["message"]) == (401, REFUSED)
    unknown = kiosk.call("POST", "/api/v1/kiosk/challenges", key_id="rp_0123456789abcdef")
    forged = kiosk.call("POST", "/api/v1/kiosk/challenges", secret=bytes(32))
    assert unknown == forged == (401, {"error": "authentication_failed", "message": REFUSED})
    # and a transaction for a real card, unsigned, is refused before anything is read
    body = kiosk.answer()
    assert kiosk.client.post("/api/v1/kiosk/transactions", json=body).status_code == 401


def test_a_replayed_or_skewed_request_is_refused_and_audited(kiosk: Kiosk) -> None:
    assert kiosk.call("POST", "/api/v1/kiosk/challenges", nonce="n" * 20)[0] == 200
    status, answer = kiosk.call("POST", "/api/v1/kiosk/challenges", nonce="n" * 20)
    assert (status, answer["message"]) == (401, "this request was sent before (replayed "
                                                "nonce)")
    status, answer = kiosk.call("POST", "/api/v1/kiosk/challenges", skew=301)
    assert status == 401
    assert "from the server's clock" in str(answer["message"])
    assert kiosk.call("POST", "/api/v1/kiosk/challenges", skew=-290)[0] == 200
    with kiosk.wired.uow() as uow:
        actions = [r.action.value for _, r in uow.audit.list(subject=None, limit=100,
                                                             before_id=None)
                   if r.actor == f"rp:{kiosk.key_id}"]
    assert actions.count("relying-party:refuse") == 2
    assert actions.count("kiosk:challenge") == 2


def test_a_payment_service_may_not_call_the_kiosk_endpoints(kiosk: Kiosk) -> None:
    other = relying_parties.register(kiosk.wired.uow, kiosk.wired.party_secrets, actor=SETUP,
                                     name="Pay", kind=PartyKind.PAYMENT_SERVICE,
                                     now=kiosk.wired.clock())
    status, answer = kiosk.call("POST", "/api/v1/kiosk/challenges", key_id=other.key_id,
                                secret=bytes.fromhex(other.secret))
    assert (status, answer["message"]) == (401, "a payment-service may not call this "
                                                "endpoint")


def test_a_document_over_http_then_its_challenge_replayed(kiosk: Kiosk) -> None:
    body = kiosk.answer()
    status, produced = kiosk.call("POST", "/api/v1/kiosk/transactions", body)
    assert status == 200, produced
    assert produced["fee"] == 300
    assert produced["municipality"] == kiosk.municipality
    assert base64.b64decode(str(produced["pdf"])).startswith(b"%PDF")
    status, again = kiosk.call("POST", "/api/v1/kiosk/transactions", body)
    assert (status, again["refused"]) == (403, "replayed")
    code = str(produced["verification_code"])
    verified = kiosk.client.get(f"/api/v1/verify/{code}").json()
    assert verified["document"] == "residence-certificate"
    assert set(verified) == {"verification_code", "document", "title", "municipality",
                             "issued_on", "pdf_sha256"}
    assert kiosk.client.get("/api/v1/verify/0000-0000-0000-0000").status_code == 404
    assert kiosk.client.get("/api/v1/verify/not-a-code").status_code == 422
    status, settled = kiosk.call("GET", "/api/v1/kiosk/settlement",
                                 query="from=2026-11-30&to=2026-11-30")
    assert (status, settled["documents"], settled["fees"]) == (200, 1, 300)


def test_a_forged_signature_or_a_certificate_of_another_ca_is_refused(kiosk: Kiosk) -> None:
    body = kiosk.answer()
    body["signature"] = base64.b64encode(bytes(256)).decode()
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", body)
    assert (status, answer["message"]) == (401, "the card's signature does not verify with "
                                                "its certificate")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "JPKI user authentication")])
    now = kiosk.wired.clock()
    foreign = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(1)
               .not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    body = kiosk.answer()
    body["certificate"] = base64.b64encode(
        foreign.public_bytes(serialization.Encoding.DER)).decode()
    body["signature"] = base64.b64encode(key.sign(
        _kiosk_statement().signed_message(bytes.fromhex(str(body["challenge"]))),
        padding.PKCS1v15(), hashes.SHA256())).decode()
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", body)
    assert (status, answer["message"]) == (401, "the certificate is not from the JPKI "
                                                "user-authentication CA")
    with kiosk.wired.uow() as uow:
        assert uow.kiosk.totals(start=now - timedelta(days=1),
                                end=now + timedelta(days=1)) == []


def _kiosk_statement(document: KioskDocument = KioskDocument.RESIDENCE_CERTIFICATE, *,
                     household: bool = False, kiosk: str = "Kiosk Co.") -> Statement:
    return kiosk_statement(document, with_household=household, with_domicile=False,
                           kiosk=kiosk)


def test_the_challenge_states_what_the_card_signs_and_old_callers_still_get_one(
        kiosk: Kiosk) -> None:
    status, stated = kiosk.call("POST", "/api/v1/kiosk/challenges", {
        "document": "residence-certificate", "with_household": True})
    expected = _kiosk_statement(household=True)
    assert status == 200, stated
    assert stated["purpose"] == "kiosk-document"
    assert stated["statement"] == {"ja": expected.ja, "en": expected.en}
    status, bare = kiosk.call("POST", "/api/v1/kiosk/challenges")  # the first form's call
    assert (status, bare["purpose"], bare["statement"]) == (200, None, None)
    status, bad = kiosk.call("POST", "/api/v1/kiosk/challenges", {"document": "passport"})
    assert status == 422, bad


REFUSED_SIGNATURE = "the card's signature does not verify with its certificate"


def test_a_signature_over_another_statement_or_the_first_form_is_refused(
        kiosk: Kiosk) -> None:
    # Each signed by the real card with its PIN, but not over this request's statement
    # bound to its challenge: the forged path (401), nothing produced nor charged.
    for signed in (_kiosk_statement(KioskDocument.REGISTER_ITEMS).signed_message,
                   _kiosk_statement(household=True).signed_message,
                   _kiosk_statement(kiosk="Other Kiosk").signed_message,
                   lambda c: b"mynumbercard/kiosk/v1\0" + c):  # the first form
        body = kiosk.answer(signed=signed)
        status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", body)
        assert (status, answer["message"]) == (401, REFUSED_SIGNATURE)
    # the statement of the document asked for at the challenge, but another in the request
    body = kiosk.answer(document="register-items")
    body["document"] = "residence-certificate"
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", body)
    assert (status, answer["message"]) == (401, REFUSED_SIGNATURE)
    now = kiosk.wired.clock()
    with kiosk.wired.uow() as uow:
        assert uow.kiosk.totals(start=now - timedelta(days=1),
                                end=now + timedelta(days=1)) == []
    status, produced = kiosk.call("POST", "/api/v1/kiosk/transactions", kiosk.answer())
    assert (status, produced["fee"]) == (200, 300)


def _serial(kiosk: Kiosk) -> int:
    with kiosk.wired.uow() as uow:
        card = uow.cards.of_resident(kiosk.resident_id)[0]
        return next(c.serial for c in uow.certificates.of_card(card.id or 0)
                    if c.kind is CertKind.AUTH)


@pytest.mark.parametrize(("reason", "refused"), [
    (RevocationReason.CERTIFICATE_HOLD, "certificate_on_hold"),
    (RevocationReason.KEY_COMPROMISE, "certificate_revoked")])
def test_a_certificate_on_hold_or_revoked_is_refused_by_its_ocsp_answer(
        kiosk: Kiosk, reason: RevocationReason, refused: str) -> None:
    certificates.change_status(kiosk.wired.uow, kiosk.wired.authority, actor=SETUP,
                               serial=_serial(kiosk), kind=CertKind.AUTH, reason=reason,
                               now=kiosk.wired.clock())
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", kiosk.answer())
    assert (status, answer["refused"]) == (403, refused)


def test_without_a_stored_ocsp_answer_the_registers_status_refuses(kiosk: Kiosk) -> None:
    certificates.change_status(kiosk.wired.uow, kiosk.wired.authority, actor=SETUP,
                               serial=_serial(kiosk), kind=CertKind.AUTH,
                               reason=RevocationReason.KEY_COMPROMISE, now=kiosk.wired.clock())
    with kiosk.wired.engine.begin() as connection:  # no answer signed yet
        connection.execute(delete(ocsp_responses))
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", kiosk.answer())
    assert (status, answer["refused"]) == (403, "certificate_revoked")


def test_a_holder_who_moved_out_or_died_is_refused(kiosk: Kiosk) -> None:
    now = kiosk.wired.clock()
    moving.record_moving_out(kiosk.wired.uow, actor=SETUP, resident_id=kiosk.resident_id,
                                   to_municipality="01101", planned_on=date(2026, 11, 30),
                                   now=now, ca=kiosk.wired.ca)
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", kiosk.answer())
    assert (status, answer["refused"]) == (403, "moved_out")
    moving.cancel_moving_out(kiosk.wired.uow, actor=SETUP, resident_id=kiosk.resident_id,
                             now=now)
    register.record_death(kiosk.wired.uow, actor=SETUP, resident_id=kiosk.resident_id,
                          died_on=date(2026, 11, 29), now=now, ca=kiosk.wired.ca)
    status, answer = kiosk.call("POST", "/api/v1/kiosk/transactions", kiosk.answer())
    assert (status, answer["refused"]) == (403, "deceased")


def test_checking_codes_is_limited_per_client(kiosk: Kiosk) -> None:
    """Each check writes an audit record: a flood from one address is slowed down, on the
    API and on the page alike (one budget), with Retry-After."""
    answers = [kiosk.client.get(f"/api/v1/verify/0000-0000-0000-{n:04d}").status_code
               for n in range(25)]
    answers += [kiosk.client.get(f"/verify?code=0000-0000-0001-{n:04d}").status_code
                for n in range(5)]
    assert answers == [404] * 30
    refused = kiosk.client.get("/api/v1/verify/0000-0000-0002-0000")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert kiosk.client.get("/verify?code=0000-0000-0002-0001").status_code == 429
