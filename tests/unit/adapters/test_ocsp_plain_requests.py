"""The responder's reading of the usual OCSP request by its bytes (`PlainRequests`) agrees
with the strict parser on every request it accepts, and leaves every other to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from mynumbercard.adapters import ocsp_compact
from mynumbercard.adapters.pki import (
    MalformedOcspRequest,
    PlainRequests,
    ocsp_request,
    parse_ocsp_request,
)
from mynumbercard.adapters.pki.ocsp import issuer_hashes


def _ca(name: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))


CAS = {"sign": _ca("Sign CA"), "auth": _ca("Auth CA")}
PLAIN = PlainRequests(CAS)
SHA1 = hashes.SHA1()  # noqa: S303 - RFC 5019 CertIDs
KEY_HASHES = {name: issuer_hashes(ca, SHA1)[1] for name, ca in CAS.items()}


def _octets(serial: int) -> bytes:
    return serial.to_bytes((serial.bit_length() + 7) // 8 or 1, "big")


@given(st.integers(min_value=0, max_value=(1 << 159) - 1), st.sampled_from(sorted(CAS)))
def test_the_usual_request_is_read_by_its_bytes(serial: int, name: str) -> None:
    request = ocsp_request(CAS[name], serial)
    (query,) = parse_ocsp_request(request)
    assert query.serial == serial
    assert PLAIN.match(request) == (name, KEY_HASHES[name] + _octets(serial))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=(1 << 127) - 1), st.data())
def test_a_changed_request_is_read_as_the_parser_reads_it_or_left_to_it(
        serial: int, data: st.DataObject) -> None:
    request = bytearray(ocsp_request(CAS["auth"], serial))
    at = data.draw(st.integers(min_value=0, max_value=len(request) - 1))
    request[at] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=1, max_value=len(request)))
    changed = bytes(request[:cut])
    found = PLAIN.match(changed)
    if found is None:
        return  # the strict parser decides
    (query,) = parse_ocsp_request(changed)  # never raises for what the fast path took
    assert found[1] == query.issuer_key_hash + _octets(query.serial)


@pytest.mark.parametrize(("last_two", "why"), [(b"\x00\x05", "not shortest"),
                                               (b"\xff\x85", "negative")])
def test_a_serial_the_parser_would_refuse_or_read_negative_is_left_to_it(
        last_two: bytes, why: str) -> None:
    request = ocsp_request(CAS["sign"], 0x0105)[:-2] + last_two  # a two-octet serial
    assert PLAIN.match(request) is None, why


def test_a_request_with_a_nonce_goes_to_the_parser() -> None:
    request = (ocsp.OCSPRequestBuilder().add_certificate(_ca("leaf"), CAS["auth"], SHA1)
               .add_extension(x509.OCSPNonce(b"0123456789abcdef"), critical=False).build()
               .public_bytes(Encoding.DER))
    assert PLAIN.match(request) is None
    assert len(parse_ocsp_request(request)) == 1


def test_garbage_is_not_a_request() -> None:
    for data in (b"", b"\x30", b"\x30\x00", bytes(200)):
        assert PLAIN.match(data) is None
        with pytest.raises(MalformedOcspRequest):
            parse_ocsp_request(data)


def test_only_a_signed_response_with_certificates_is_split() -> None:
    assert ocsp_compact.split(bytes.fromhex("30030a0106")) is None  # an error answer
    assert ocsp_compact.split(b"\x30\x00") is None
    assert ocsp_compact.split(b"garbage") is None
