"""OCSP (RFC 6960): reading requests strictly, producing signed responses ahead of time.

Responses are produced by a delegated OCSP signer (its certificate issued by the CA
whose certificates it answers for, with id-kp-OCSPSigning and id-pkix-ocsp-nocheck),
named by key hash, with that certificate included, and carry no nonce: they are made
before any request, to be served as static bytes (RFC 5019, as Let's Encrypt's Boulder
does). Each response holds one SingleResponse; its CertID uses the hash algorithm asked
for: SHA-1 by default, as RFC 5019 §2.1.1 had clients use (RFC 9919, its successor,
recommends SHA-256: clients match the whole CertID, so produce one response per hash).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from mynumbercard.adapters.pki import der
from mynumbercard.adapters.pki.crl import REASON_CODES, SHA256_WITH_RSA
from mynumbercard.adapters.pki.errors import MalformedOcspRequest
from mynumbercard.adapters.pki.keys import CaSigner
from mynumbercard.domain import errors

_ID_PKIX_OCSP_BASIC = der.oid("1.3.6.1.5.5.7.48.1.1")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "1.3.14.3.2.26": hashes.SHA1,
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_HASH_OIDS = {algorithm().name: dotted for dotted, algorithm in _HASHES.items()}
_GOOD = der.tlv(0x80, b"")  # good [0] IMPLICIT NULL
_UNKNOWN = der.tlv(0x82, b"")  # unknown [2] IMPLICIT NULL
_SEQ, _OCTETS, _INT, _OID, _NULL = der.SEQUENCE, der.OCTET_STRING, der.INTEGER, der.OID, der.NULL


class OcspStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class OcspQuery:
    """One CertID of a request: which issuer (by hashes) and which serial."""

    issuer_name_hash: bytes
    issuer_key_hash: bytes
    hash_algorithm: hashes.HashAlgorithm
    serial: int


def public_key_bits(certificate: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's value, the input of an OCSP key hash."""
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _, start, end = der.read(spki)
    (_, _, _), (_, bits_start, bits_end) = der.children(spki, start, end)
    return spki[bits_start + 1 : bits_end]  # past the unused-bits octet


def issuer_hashes(
    certificate: x509.Certificate, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    """(issuerNameHash, issuerKeyHash) of a CertID naming this certificate as issuer."""
    name = hashlib.new(algorithm.name, certificate.subject.public_bytes()).digest()
    key = hashlib.new(algorithm.name, public_key_bits(certificate)).digest()
    return name, key


def parse_ocsp_request(data: bytes) -> list[OcspQuery]:
    """The CertIDs of a DER OCSPRequest; `MalformedOcspRequest` on anything else.

    Request signatures and extensions (a nonce) are read past, not used: responses
    are produced ahead of time.
    """
    try:
        return _parse(bytes(data))
    except (der.DerError, IndexError, ValueError) as exc:
        raise MalformedOcspRequest(f"malformed OCSP request: {exc}") from None


def _expect(item: tuple[int, int, int], tag: int) -> tuple[int, int]:
    if item[0] != tag:
        raise der.DerError(f"expected tag {tag:#04x}, found {item[0]:#04x}")
    return item[1], item[2]


def _parse(data: bytes) -> list[OcspQuery]:
    tag, start, end = der.read(data)
    if tag != _SEQ or end != len(data):
        raise der.DerError("not a single OCSPRequest SEQUENCE")
    top = der.children(data, start, end)
    if not top or len(top) > 2 or (len(top) == 2 and top[1][0] != 0xA0):
        raise der.DerError("bad OCSPRequest")
    fields = der.children(data, *_expect(top[0], _SEQ))
    i = 0
    if i < len(fields) and fields[i][0] == 0xA0:  # version [0] EXPLICIT, v1 only
        (version,) = der.children(data, fields[i][1], fields[i][2])
        if der.read_integer(data, *_expect(version, _INT)) != 0:
            raise der.DerError("unsupported OCSP version")
        i += 1
    if i < len(fields) and fields[i][0] == 0xA1:  # requestorName
        i += 1
    requests = der.children(data, *_expect(fields[i], _SEQ))
    i += 1
    if i < len(fields) and fields[i][0] == 0xA2:  # requestExtensions
        i += 1
    if i != len(fields) or not requests:
        raise der.DerError("bad TBSRequest")
    return [_query(data, request) for request in requests]


def _query(data: bytes, request: tuple[int, int, int]) -> OcspQuery:
    parts = der.children(data, *_expect(request, _SEQ))
    if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1][0] != 0xA0):
        raise der.DerError("bad Request")
    cert_id = der.children(data, *_expect(parts[0], _SEQ))
    if len(cert_id) != 4:
        raise der.DerError("bad CertID")
    algorithm = der.children(data, *_expect(cert_id[0], _SEQ))
    if len(algorithm) == 2:  # parameters: absent or NULL
        tag, start, end = algorithm[1]
        if tag != _NULL or start != end:
            raise der.DerError("bad hash algorithm parameters")
    elif len(algorithm) != 1:
        raise der.DerError("bad hash AlgorithmIdentifier")
    dotted = der.read_oid(data, *_expect(algorithm[0], _OID))
    if dotted not in _HASHES:
        raise der.DerError(f"unsupported CertID hash algorithm {dotted}")
    hash_algorithm = _HASHES[dotted]()
    name_start, name_end = _expect(cert_id[1], _OCTETS)
    key_start, key_end = _expect(cert_id[2], _OCTETS)
    size = hash_algorithm.digest_size
    if name_end - name_start != size or key_end - key_start != size:
        raise der.DerError("CertID hash of the wrong length")
    return OcspQuery(
        issuer_name_hash=data[name_start:name_end],
        issuer_key_hash=data[key_start:key_end],
        hash_algorithm=hash_algorithm,
        serial=der.read_integer(data, *_expect(cert_id[3], _INT)),
    )


def ocsp_request(
    issuer: x509.Certificate, serial: int, algorithm: hashes.HashAlgorithm | None = None
) -> bytes:
    """A one-CertID OCSPRequest without a nonce (a certificate's body is not needed:
    tests, the benchmark, and certificates loaded without one)."""
    algorithm = algorithm or hashes.SHA1()  # noqa: S303 - RFC 5019 CertIDs
    name_hash, key_hash = issuer_hashes(issuer, algorithm)
    cert_id = der.sequence(
        der.sequence(der.oid(_HASH_OIDS[algorithm.name]), der.tlv(_NULL, b"")),
        der.octet_string(name_hash), der.octet_string(key_hash), der.integer(serial))
    return der.sequence(der.sequence(der.sequence(der.sequence(cert_id))))


class PlainRequests:
    """Recognises, by its bytes alone, the request RFC 5019 clients send: one CertID
    hashed with SHA-1 for one of `issuers`, no extension, no signature. Every such
    request is the same prefix (which names the issuer and the serial's length) and the
    serial's octets, so a look-up of the prefix and a check of the serial's first octets
    read it as strictly as `parse_ocsp_request` would; any other form goes to that."""

    _LONGEST = 20  # octets of a serial (RFC 5280 §4.1.2.2)

    def __init__(self, issuers: dict[str, x509.Certificate]) -> None:
        self._prefixes: dict[bytes, tuple[str, bytes]] = {}
        self._size = 0
        for name, issuer in issuers.items():
            key_hash = issuer_hashes(issuer, hashes.SHA1())[1]  # noqa: S303 - RFC 5019
            for octets in range(1, self._LONGEST + 1):
                request = ocsp_request(issuer, 1 << (8 * octets - 8))
                self._size = len(request) - octets  # the same for every length (< 128)
                self._prefixes[request[: self._size]] = (name, key_hash)

    def match(self, data: bytes) -> tuple[str, bytes] | None:
        """(the issuer's name, the store key: issuerKeyHash + the serial's unsigned
        octets), or None: not this form, or a serial that is not a positive INTEGER in
        its shortest form."""
        size = self._size
        found = self._prefixes.get(data[:size])
        if found is None or len(data) != size + data[size - 1]:
            return None
        serial = data[size:]
        if serial[0] >= 0x80:  # negative
            return None
        if len(serial) > 1 and serial[0] == 0:
            if serial[1] < 0x80:  # not the shortest form
                return None
            serial = serial[1:]
        return found[0], found[1] + serial


def ocsp_error_response(status: ocsp.OCSPResponseStatus) -> bytes:
    """An unsigned OCSPResponse with only an error status (RFC 6960 §2.3, §4.2.1)."""
    if status is ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise errors.InvalidInput("a successful response needs a signed body")
    return der.sequence(der.enumerated(status.value))


class OcspSigning:
    """Signs responses for one issuing CA with its delegated OCSP signer."""

    def __init__(
        self, *, issuer: x509.Certificate, responder: x509.Certificate, signer: CaSigner
    ) -> None:
        self._issuer = issuer
        self._signer = signer
        responder_key_hash = hashlib.sha1(public_key_bits(responder)).digest()  # noqa: S324 - RFC 6960 KeyHash is SHA-1
        self._responder_id = der.explicit(2, der.octet_string(responder_key_hash))
        self._certs = der.explicit(
            0, der.sequence(responder.public_bytes(serialization.Encoding.DER))
        )
        self._cert_id_prefixes: dict[str, bytes] = {}

    def _cert_id_prefix(self, algorithm: hashes.HashAlgorithm) -> bytes:
        prefix = self._cert_id_prefixes.get(algorithm.name)
        if prefix is None:
            if algorithm.name not in _HASH_OIDS:
                raise errors.InvalidInput(f"unsupported CertID hash {algorithm.name}")
            name_hash, key_hash = issuer_hashes(self._issuer, algorithm)
            prefix = (
                der.sequence(der.oid(_HASH_OIDS[algorithm.name]), der.tlv(_NULL, b""))
                + der.octet_string(name_hash)
                + der.octet_string(key_hash)
            )
            self._cert_id_prefixes[algorithm.name] = prefix
        return prefix

    def response(
        self,
        *,
        serial: int,
        status: OcspStatus,
        revoked_at: datetime | None,
        reason: x509.ReasonFlags | None,
        this_update: datetime,
        next_update: datetime,
        produced_at: datetime,
        hash_algorithm: hashes.HashAlgorithm,
    ) -> bytes:
        try:
            cert_status = _status(status, revoked_at, reason)
            times = der.generalized_time(this_update)
            times += der.explicit(0, der.generalized_time(next_update))
            produced = der.generalized_time(produced_at)
        except ValueError as exc:  # naive datetimes
            raise errors.InvalidInput(str(exc)) from None
        if next_update <= this_update:
            raise errors.InvalidInput("nextUpdate must be after thisUpdate")
        cert_id = der.sequence(self._cert_id_prefix(hash_algorithm), der.integer(serial))
        single = der.sequence(cert_id, cert_status, times)
        tbs = der.sequence(self._responder_id, produced, der.sequence(single))
        basic = der.sequence(
            tbs, SHA256_WITH_RSA, der.bit_string(self._signer.sign(tbs)), self._certs
        )
        return der.sequence(
            der.enumerated(0),
            der.explicit(0, der.sequence(_ID_PKIX_OCSP_BASIC, der.octet_string(basic))),
        )


def _status(
    status: OcspStatus, revoked_at: datetime | None, reason: x509.ReasonFlags | None
) -> bytes:
    if status is not OcspStatus.REVOKED:
        if revoked_at is not None or reason is not None:
            raise errors.InvalidInput(f"a {status} response has no revocation time or reason")
        return _GOOD if status is OcspStatus.GOOD else _UNKNOWN
    if revoked_at is None:
        raise errors.InvalidInput("a revoked response needs its revocation time")
    info = der.generalized_time(revoked_at)
    if reason is not None and reason is not x509.ReasonFlags.unspecified:
        if reason is x509.ReasonFlags.remove_from_crl:
            raise errors.InvalidInput("removeFromCRL is not a revocation: answer good")
        info += der.explicit(0, der.enumerated(REASON_CODES[reason]))
    return der.tlv(0xA1, info)
