"""Relying parties (kiosk operators, payment services) and their signed requests.

A request carries the key id, a timestamp (Unix seconds), a one-use nonce and an
HMAC-SHA256, under the party's secret, over the canonical request: the scheme, the
timestamp, the nonce, the method, the path (with its query) and the SHA-256 of the body.
The server refuses a timestamp further than `MAX_SKEW` from its clock and a nonce it has
seen within that window (a replay); so it keeps nonces for twice the window only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from mynumbercard.domain.errors import InvalidInput

SCHEME = "MNC-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=5)
KEY_ID = re.compile(r"rp_[0-9a-f]{16}")
NONCE = re.compile(r"[0-9A-Za-z_-]{16,64}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")
FINGERPRINT = re.compile(r"[0-9a-f]{64}")  # SHA-256 of a certificate's DER
NAME = re.compile(r"[^\x00-\x1f\x7f]{1,100}")


class PartyKind(StrEnum):
    KIOSK_OPERATOR = "kiosk-operator"
    PAYMENT_SERVICE = "payment-service"


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: int
    key_id: str
    name: str
    kind: PartyKind
    active: bool = True
    client_cert_sha256: str | None = None  # mutual TLS: the certificate it must present

    @property
    def actor_name(self) -> str:
        return f"rp:{self.key_id}"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name.strip()):
        raise InvalidInput("a relying party's name is 1 to 100 printable characters")
    return name.strip()


def canonical_request(*, timestamp: int, nonce: str, method: str, path: str,
                      body: bytes) -> bytes:
    return "\n".join((SCHEME, str(timestamp), nonce, method.upper(), path,
                      hashlib.sha256(body).hexdigest())).encode()


def sign_request(secret: bytes, *, timestamp: int, nonce: str, method: str, path: str,
                 body: bytes) -> str:
    message = canonical_request(timestamp=timestamp, nonce=nonce, method=method, path=path,
                                body=body)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, signature: str, *, timestamp: int, nonce: str,
                      method: str, path: str, body: bytes) -> bool:
    expected = sign_request(secret, timestamp=timestamp, nonce=nonce, method=method,
                            path=path, body=body)
    return hmac.compare_digest(expected, signature)


_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]{16,16384}?)\s*"
                  r"-----END CERTIFICATE-----")


def certificate_sha256(pem: str) -> str:
    """The fingerprint of one PEM certificate (SHA-256 of its DER, hexadecimal), as a
    relying party is registered with and as a TLS-terminating proxy passes it on."""
    found = _PEM.fullmatch(pem.strip()) if isinstance(pem, str) and len(pem) < 20000 \
        else None
    try:
        der = base64.b64decode("".join(found.group(1).split()), validate=True) if found \
            else b""
    except (binascii.Error, ValueError):
        der = b""
    if len(der) < 16 or der[0] != 0x30:  # DER: a SEQUENCE
        raise InvalidInput("a client certificate is one PEM certificate")
    return hashlib.sha256(der).hexdigest()


def check_fingerprint(fingerprint: str) -> str:
    text = fingerprint.strip().lower().replace(":", "") if isinstance(fingerprint, str) \
        else ""
    if not FINGERPRINT.fullmatch(text):
        raise InvalidInput("a certificate fingerprint is 64 hexadecimal digits (SHA-256)")
    return text
