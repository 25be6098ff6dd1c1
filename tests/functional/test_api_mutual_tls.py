"""Mutual TLS behind a TLS-terminating proxy: a relying party registered with a client
certificate's fingerprint is accepted only when the trusted proxy passes that
certificate on (`X-Client-Cert`, URL-encoded PEM); the header from any other address is
not believed."""

from __future__ import annotations

import json
import secrets
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from mynumbercard import bootstrap
from mynumbercard.domain.relying_party import PartyKind, certificate_sha256, sign_request
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import relying_parties

from api_checks import ApiClient

SETUP = Actor("setup", Role.ADMIN)
PROXY, ELSEWHERE = "10.0.0.5", "203.0.113.9"
PATH = "/api/v1/kiosk/challenges"


def _certificate(name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _call(client: TestClient, wired: bootstrap.Container, key_id: str, secret: bytes,
          pem: str | None) -> tuple[int, dict[str, object]]:
    stamp, nonce = int(wired.clock().timestamp()), secrets.token_urlsafe(18)
    headers = {"Mnc-Key-Id": key_id, "Mnc-Timestamp": str(stamp), "Mnc-Nonce": nonce,
               "Mnc-Signature": sign_request(secret, timestamp=stamp, nonce=nonce,
                                             method="POST", path=PATH, body=b"")}
    if pem is not None:
        headers["X-Client-Cert"] = urllib.parse.quote(pem)
    answer = client.post(PATH, content=b"", headers=headers)
    return answer.status_code, answer.json()


def test_a_party_bound_to_its_certificate_is_accepted_only_with_it(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch, api_client: ApiClient) -> None:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:00:00+09:00")  # kiosks serve
    monkeypatch.setenv("MYNUMBERCARD_TRUSTED_PROXIES", json.dumps([PROXY]))
    mine, other = _certificate("kiosk operator"), _certificate("someone else")
    with bootstrap.container() as wired:
        bound = relying_parties.register(
            wired.uow, wired.party_secrets, actor=SETUP, name="Bound Kiosks",
            kind=PartyKind.KIOSK_OPERATOR, now=wired.clock(),
            client_cert_sha256=certificate_sha256(mine))
        plain = relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP,
                                         name="Plain Kiosks", kind=PartyKind.KIOSK_OPERATOR,
                                         now=wired.clock())
        via_proxy = api_client(wired, client=(PROXY, 40000))
        direct = api_client(wired, client=(ELSEWHERE, 40000))
        key, secret = bound.key_id, bytes.fromhex(bound.secret)

        assert _call(via_proxy, wired, key, secret, mine)[0] == 200
        for client, pem in ((via_proxy, other), (via_proxy, None), (via_proxy, "junk"),
                            (direct, mine)):  # the header from elsewhere is not believed
            status, answer = _call(client, wired, key, secret, pem)
            assert status == 401, answer
            assert "client certificate" in str(answer["message"])
        # a party registered without a certificate: the signed key alone, as before
        assert _call(direct, wired, plain.key_id, bytes.fromhex(plain.secret), None)[0] == 200
        listed = {p.key_id: p.client_cert_sha256 for p in relying_parties.list_parties(
            wired.uow, actor=SETUP, now=wired.clock())}
        assert listed == {key: certificate_sha256(mine), plain.key_id: None}
