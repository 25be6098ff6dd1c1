"""PIN objects on the chip: a salted scrypt hash and a retry counter, never the PIN.

The hash is scrypt (RFC 7914) with N = 2**14, r = 8, p = 1 (16 MiB, about 50 ms) and a
random 16-byte salt; the parameters are stored with each record, and a record read from
a file must keep them within bounds (a crafted file cannot make the chip spend minutes
or gigabytes). Comparison is in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace

from mynumbercard.domain.pins import POLICIES, PinKind, validate_new_pin

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

# Bounds on parameters read back from a card file.
MIN_N, MAX_N = 2**10, 2**20
MAX_R, MAX_P = 16, 4


@dataclass(frozen=True, slots=True)
class PinRecord:
    """One PIN as the chip keeps it; ``repr`` shows the counter only."""

    tries_left: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)
    n: int = field(default=SCRYPT_N, repr=False)
    r: int = field(default=SCRYPT_R, repr=False)
    p: int = field(default=SCRYPT_P, repr=False)

    @property
    def locked(self) -> bool:
        return self.tries_left <= 0

    def with_tries(self, tries_left: int) -> PinRecord:
        return replace(self, tries_left=tries_left)


def params_in_bounds(n: int, r: int, p: int) -> bool:
    return MIN_N <= n <= MAX_N and n & (n - 1) == 0 and 1 <= r <= MAX_R and 1 <= p <= MAX_P


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=HASH_BYTES,
        maxmem=2 * 128 * n * r * p + 1024 * 1024,
    )


def new_record(kind: PinKind, pin: str) -> PinRecord:
    """A fresh record for a new PIN of ``kind``, counter at its maximum.

    Raises ``InvalidInput`` (without the PIN in the message) if the form is wrong.
    """
    validate_new_pin(kind, pin)
    salt = secrets.token_bytes(SALT_BYTES)
    return PinRecord(
        tries_left=POLICIES[kind].max_tries,
        salt=salt,
        digest=_scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P),
    )


def matches(record: PinRecord, pin: str) -> bool:
    """Whether ``pin`` is the PIN of ``record`` (constant-time comparison)."""
    candidate = _scrypt(pin, record.salt, record.n, record.r, record.p)
    return hmac.compare_digest(candidate, record.digest)
