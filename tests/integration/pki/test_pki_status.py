"""CRL shards and OCSP, read back with `cryptography`; malformed requests refused."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from mynumbercard.adapters.pki import (
    CaHierarchy,
    CertKind,
    FileKeyStore,
    MalformedOcspRequest,
    OcspStatus,
    RevokedEntry,
    der,
    ocsp_error_response,
    parse_ocsp_request,
)
from mynumbercard.domain import errors

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BASE = "http://ca.example.test"
SHARDS = 8
R = x509.ReasonFlags


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CaHierarchy:
    root = tmp_path_factory.mktemp("status")
    keys = FileKeyStore(root / "keys", "status passphrase")
    return CaHierarchy.initialise(root / "ca", keys=keys, now=NOW, base_url=BASE, crl_shards=SHARDS)


def shard_serials(shard: int, count: int, start: int = 1000) -> list[int]:
    return [start * SHARDS + shard + SHARDS * i for i in range(count)]


def full_crl(
    ca: CaHierarchy, shard: int, entries: list[RevokedEntry], number: int = 10
) -> x509.CertificateRevocationList:
    data = ca.build_crl(
        kind=CertKind.SIGN,
        shard=shard,
        entries=entries,
        number=number,
        this_update=NOW,
        next_update=NOW + timedelta(days=1),
    )
    return x509.load_der_x509_crl(data)


def test_a_full_crl_shard(ca: CaHierarchy) -> None:
    serials = shard_serials(3, 5)
    reasons = [
        R.certificate_hold,
        R.key_compromise,
        R.affiliation_changed,
        R.cessation_of_operation,
        R.unspecified,
    ]
    entries = [
        RevokedEntry(
            s,
            NOW - timedelta(hours=i),
            r,
            invalidity_date=NOW - timedelta(days=2) if i == 1 else None,
        )
        for i, (s, r) in enumerate(zip(serials, reasons, strict=True))
    ]
    crl = full_crl(ca, 3, entries)
    issuer = ca.issuing_certificate(CertKind.SIGN)
    assert crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    assert crl.issuer == issuer.subject
    assert crl.last_update_utc == NOW
    assert crl.next_update_utc == NOW + timedelta(days=1)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 10
    scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint)
    assert scope.critical
    assert scope.value.full_name == [x509.UniformResourceIdentifier(f"{BASE}/crl/sign/3.crl")]
    assert scope.value.only_contains_user_certs
    fresh = crl.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert fresh[0].full_name == [x509.UniformResourceIdentifier(f"{BASE}/crl/sign/3-delta.crl")]
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert (
        aki.key_identifier
        == issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    assert [r.serial_number for r in crl] == serials
    for i, revoked in enumerate(crl):
        assert revoked.revocation_date_utc == NOW - timedelta(hours=i)
        if reasons[i] is R.unspecified:
            with pytest.raises(x509.ExtensionNotFound):
                revoked.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON)
        else:
            assert (
                revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason
                is reasons[i]
            )
    second = crl.get_revoked_certificate_by_serial_number(serials[1])
    assert second is not None
    invalidity = second.extensions.get_extension_for_class(x509.InvalidityDate).value
    assert invalidity.invalidity_date_utc == NOW - timedelta(days=2)


def test_an_empty_shard_has_no_revoked_list(ca: CaHierarchy) -> None:
    crl = full_crl(ca, 0, [])
    assert len(crl) == 0
    assert crl.is_signature_valid(ca.issuing_certificate(CertKind.SIGN).public_key())  # type: ignore[arg-type]


def test_a_delta_crl(ca: CaHierarchy) -> None:
    serials = shard_serials(5, 2)
    data = ca.build_crl(
        kind=CertKind.AUTH,
        shard=5,
        entries=[
            RevokedEntry(serials[0], NOW, R.remove_from_crl),
            RevokedEntry(serials[1], NOW, R.superseded),
        ],
        number=12,
        this_update=NOW,
        next_update=NOW + timedelta(hours=6),
        delta_base=10,
    )
    crl = x509.load_der_x509_crl(data)
    assert crl.is_signature_valid(ca.issuing_certificate(CertKind.AUTH).public_key())  # type: ignore[arg-type]
    indicator = crl.extensions.get_extension_for_oid(ExtensionOID.DELTA_CRL_INDICATOR)
    assert indicator.critical
    assert isinstance(indicator.value, x509.DeltaCRLIndicator)
    assert indicator.value.crl_number == 10
    scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    assert scope.full_name == [x509.UniformResourceIdentifier(f"{BASE}/crl/auth/5.crl")]
    reasons = [r.extensions.get_extension_for_class(x509.CRLReason).value.reason for r in crl]
    assert reasons == [R.remove_from_crl, R.superseded]


def test_bad_crl_input_is_refused(ca: CaHierarchy) -> None:
    one, two = shard_serials(1, 2)
    day: dict[str, Any] = {"this_update": NOW, "next_update": NOW + timedelta(days=1)}
    bad_entry_lists = [
        [RevokedEntry(one, NOW, R.key_compromise), RevokedEntry(one, NOW, R.key_compromise)],
        [RevokedEntry(one + 1, NOW, R.key_compromise)],  # another shard's serial
        [RevokedEntry(one, NOW, R.remove_from_crl)],  # only in delta CRLs
        [RevokedEntry(one, NOW.replace(tzinfo=None), R.key_compromise)],
        [RevokedEntry(two, NOW, "keyCompromise")],  # type: ignore[arg-type]
    ]
    for entries in bad_entry_lists:
        with pytest.raises(errors.InvalidInput):
            ca.build_crl(kind=CertKind.SIGN, shard=1, entries=entries, number=3, **day)
    for extra in [
        {"number": -1, **day},
        {"number": 2**159, **day},
        {"number": 3, "delta_base": 3, **day},
        {"number": 3, "this_update": NOW, "next_update": NOW},
        {
            "number": 3,
            "this_update": NOW.replace(tzinfo=None),
            "next_update": NOW + timedelta(days=1),
        },
    ]:
        with pytest.raises(errors.InvalidInput):
            ca.build_crl(kind=CertKind.SIGN, shard=1, entries=[], **extra)


def test_dates_from_2050_are_generalized_time(ca: CaHierarchy) -> None:
    late = datetime(2051, 1, 2, 3, 4, 5, tzinfo=UTC)
    (serial,) = shard_serials(2, 1)
    crl = x509.load_der_x509_crl(
        ca.build_crl(
            kind=CertKind.SIGN,
            shard=2,
            entries=[RevokedEntry(serial, late, R.key_compromise)],
            number=1,
            this_update=NOW,
            next_update=late,
        )
    )
    assert crl.next_update_utc == late
    assert next(iter(crl)).revocation_date_utc == late
    assert der.time(late) == b"\x18\x0f20510102030405Z"
    assert der.time(NOW) == b"\x17\x0d261125093000Z"


def respond(ca: CaHierarchy, **overrides: object) -> ocsp.OCSPResponse:
    arguments: dict[str, object] = {
        "kind": CertKind.SIGN,
        "serial": 0xABCDEF,
        "status": OcspStatus.GOOD,
        "revoked_at": None,
        "reason": None,
        "this_update": NOW,
        "next_update": NOW + timedelta(hours=12),
    } | overrides
    return ocsp.load_der_ocsp_response(ca.ocsp_response(**arguments))  # type: ignore[arg-type]


def test_ocsp_responses_for_each_status(ca: CaHierarchy) -> None:
    responder = ca.ocsp_certificate(CertKind.SIGN)
    good = respond(ca)
    revoked = respond(
        ca,
        status=OcspStatus.REVOKED,
        revoked_at=NOW - timedelta(hours=1),
        reason=R.certificate_hold,
    )
    unknown = respond(ca, status=OcspStatus.UNKNOWN, serial=424242)
    for response in (good, revoked, unknown):
        assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.certificates == [responder]
        assert response.responder_name is None
        assert (
            response.responder_key_hash
            == responder.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        )
        assert response.produced_at_utc == NOW
        assert response.this_update_utc == NOW
        assert response.next_update_utc == NOW + timedelta(hours=12)
        assert isinstance(response.hash_algorithm, hashes.SHA1)
        responder_key = responder.public_key()
        assert isinstance(responder_key, rsa.RSAPublicKey)
        responder_key.verify(
            response.signature, response.tbs_response_bytes, padding.PKCS1v15(), hashes.SHA256()
        )
        assert len(response.extensions) == 0  # no nonce: produced ahead of time
    assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert revoked.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc == NOW - timedelta(hours=1)
    assert revoked.revocation_reason is R.certificate_hold
    assert unknown.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    assert unknown.serial_number == 424242
    plain = respond(ca, status=OcspStatus.REVOKED, revoked_at=NOW, reason=None)
    assert plain.revocation_reason is None


def test_an_ocsp_response_answers_the_request_it_matches(ca: CaHierarchy) -> None:
    issuer = ca.issuing_certificate(CertKind.AUTH)
    for algorithm in (hashes.SHA1(), hashes.SHA256()):  # noqa: S303
        response = respond(ca, kind=CertKind.AUTH, hash_algorithm=algorithm)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate_by_hash(
                response.issuer_name_hash,
                response.issuer_key_hash,
                response.serial_number,
                algorithm,
            )
            .build()
        )
        (query,) = parse_ocsp_request(request.public_bytes(serialization.Encoding.DER))
        assert (
            ca.kind_for_issuer(
                issuer_name_hash=query.issuer_name_hash,
                issuer_key_hash=query.issuer_key_hash,
                hash_algorithm=query.hash_algorithm,
            )
            is CertKind.AUTH
        )
        assert response.issuer_key_hash == query.issuer_key_hash
        assert isinstance(response.hash_algorithm, type(algorithm))
        name_hash = hashes.Hash(algorithm)
        name_hash.update(issuer.subject.public_bytes())
        assert response.issuer_name_hash == name_hash.finalize()


def test_ocsp_response_arguments_are_checked(ca: CaHierarchy) -> None:
    cases: list[dict[str, Any]] = [
        {"status": OcspStatus.REVOKED},  # no revocation time
        {"status": OcspStatus.GOOD, "revoked_at": NOW},
        {"status": OcspStatus.UNKNOWN, "reason": R.key_compromise},
        {"status": OcspStatus.REVOKED, "revoked_at": NOW, "reason": R.remove_from_crl},
        {"next_update": NOW},
        {"this_update": NOW.replace(tzinfo=None)},
        {"hash_algorithm": hashes.MD5()},  # noqa: S303
    ]
    for overrides in cases:
        with pytest.raises(errors.InvalidInput):
            respond(ca, **overrides)


def cert_id(serial: int, algorithm: str = "1.3.14.3.2.26", size: int = 20) -> bytes:
    return der.sequence(
        der.sequence(der.oid(algorithm), der.tlv(der.NULL, b"")),
        der.octet_string(b"\x01" * size),
        der.octet_string(b"\x02" * size),
        der.integer(serial),
    )


def test_requests_with_several_cert_ids_a_version_a_requestor_and_a_nonce() -> None:
    nonce = der.sequence(
        der.oid("1.3.6.1.5.5.7.48.1.2"), der.octet_string(der.octet_string(b"n" * 16))
    )
    requestor = der.explicit(1, der.tlv(0x82, b"relying.example"))  # [1] dNSName
    tbs = der.sequence(
        der.explicit(0, der.integer(0)),
        requestor,
        der.sequence(
            der.sequence(cert_id(7)), der.sequence(cert_id(-8, "2.16.840.1.101.3.4.2.1", 32))
        ),
        der.explicit(2, der.sequence(nonce)),
    )
    queries = parse_ocsp_request(der.sequence(tbs))
    assert [q.serial for q in queries] == [7, -8]
    assert [q.hash_algorithm.name for q in queries] == ["sha1", "sha256"]
    assert queries[0].issuer_name_hash == b"\x01" * 20
    assert queries[1].issuer_key_hash == b"\x02" * 32
    for bad in [
        der.sequence(
            der.sequence(der.explicit(0, der.integer(1)), der.sequence(der.sequence(cert_id(7))))
        ),
        der.sequence(der.sequence(der.sequence())),  # no request at all
        der.sequence(der.sequence(der.sequence(der.sequence(cert_id(7, size=19))))),
        der.sequence(der.sequence(der.sequence(der.sequence(cert_id(7), der.integer(1))))),
        der.sequence(der.sequence(der.sequence(der.sequence(cert_id(7)))), der.integer(0)),
    ]:
        with pytest.raises(MalformedOcspRequest):
            parse_ocsp_request(bad)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x00",
        b"\x30\x80\x00\x00",  # indefinite length
        b"\x30\x81\x01\x00",  # length not in its shortest form
        b"\x04\x03abc",
        b"\x30\x03\x30\x01\x00",
        random.Random(64).randbytes(64),  # garbage, the same in every run
        b"GET / HTTP/1.1\r\n\r\n",
    ],
)
def test_malformed_requests_are_refused_clearly(data: bytes) -> None:
    with pytest.raises(MalformedOcspRequest) as caught:
        parse_ocsp_request(data)
    assert isinstance(caught.value, errors.InvalidInput)


def test_every_truncation_and_trailing_garbage_is_refused(ca: CaHierarchy) -> None:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            ca.ocsp_certificate(CertKind.SIGN),
            ca.issuing_certificate(CertKind.SIGN),
            hashes.SHA256(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    assert len(parse_ocsp_request(request)) == 1
    for cut in range(len(request)):
        with pytest.raises(MalformedOcspRequest):
            parse_ocsp_request(request[:cut])
    with pytest.raises(MalformedOcspRequest):
        parse_ocsp_request(request + b"\x00")
    sha224 = der.oid("2.16.840.1.101.3.4.2.4")  # same length, not supported
    unsupported = request.replace(der.oid("2.16.840.1.101.3.4.2.1"), sha224)
    with pytest.raises(MalformedOcspRequest, match="hash algorithm"):
        parse_ocsp_request(unsupported)


def test_error_responses_are_unsigned_statuses() -> None:
    for status in (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
        ocsp.OCSPResponseStatus.UNAUTHORIZED,
        ocsp.OCSPResponseStatus.INTERNAL_ERROR,
        ocsp.OCSPResponseStatus.TRY_LATER,
    ):
        data = ocsp_error_response(status)
        assert data == ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
            serialization.Encoding.DER
        )
        assert ocsp.load_der_ocsp_response(data).response_status is status
    with pytest.raises(errors.InvalidInput):
        ocsp_error_response(ocsp.OCSPResponseStatus.SUCCESSFUL)


def test_der_integers_round_trip() -> None:
    for n in [0, 1, 127, 128, 255, 256, -1, -128, -129, 2**159 - 1, -(2**64)]:
        data = der.integer(n)
        tag, start, end = der.read(data)
        assert tag == der.INTEGER
        assert der.read_integer(data, start, end) == n
    with pytest.raises(der.DerError):
        der.read_integer(b"\x00\x01", 0, 2)
    for dotted in ["1.3.14.3.2.26", "2.16.840.1.101.3.4.2.1", "2.999.3", "1.2.392.200149.8.5.5.1"]:
        data = der.oid(dotted)
        assert der.read_oid(data, 2, len(data)) == dotted


def test_reading_needs_no_key(ca: CaHierarchy, tmp_path: Path) -> None:
    # Exporting and mapping CertIDs use no private key: a web process needs none for them.
    reader = CaHierarchy.open(ca.directory, keys=FileKeyStore(tmp_path, "anything"))
    assert len(reader.export(tmp_path / "out")) == 4
    assert reader.issuing_certificate(CertKind.SIGN) == ca.issuing_certificate(CertKind.SIGN)


def test_no_response_from_an_expired_ocsp_signer(ca: CaHierarchy) -> None:
    expired = ca.ocsp_certificate(CertKind.SIGN).not_valid_after_utc
    with pytest.raises(errors.Conflict, match="renew"):
        respond(ca, this_update=expired, next_update=expired + timedelta(hours=1))
