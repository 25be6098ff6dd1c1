"""Relying parties (kiosk operators, payment services) and their signed requests.

A request carries the key id, a timestamp (Unix seconds), a one-use nonce and an
HMAC-SHA256, under the party's secret, over the canonical request: the scheme, the
timestamp, the nonce, the method, the path (with its query) and the SHA-256 of the body.
The server refuses a timestamp further than `MAX_SKEW` from its clock and a nonce it has
seen within that window (a replay); so it keeps nonces for twice the window only.
"""

from __future__ import annotations

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
