"""TOTP second factor (RFC 6238, with pyotp): secrets sealed with AES-GCM at rest.

The sealing key is `MYNUMBERCARD_TOTP_KEY` (32 bytes, base64) or, for one machine, a
random key made once in `<home>/secrets/totp.key` (mode 0600). Several hosts on one
database must share the same key: set the variable.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from datetime import datetime
from pathlib import Path

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ISSUER = "mynumbercard"
_AAD = b"mynumbercard totp secret v1"
_NONCE = 12


class TotpCodes:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def __repr__(self) -> str:  # the key is a secret
        return "TotpCodes()"

    def enrol(self, username: str, *, secret: str | None = None) -> tuple[bytes, str]:
        secret = secret or pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
        return self._seal(secret), uri

    def matching_step(self, sealed: bytes, code: str, *, now: datetime) -> int | None:
        code = code.strip()
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(self._open(sealed))
        current = totp.timecode(now)
        for step in (current - 1, current, current + 1):  # a clock a step off
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    def _seal(self, secret: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, secret.encode(), _AAD)

    def _open(self, sealed: bytes) -> str:
        return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], _AAD).decode()


def load_key(configured: str | None, home: Path) -> bytes:
    """The sealing key: configured (base64), else the data directory's key file."""
    if configured:
        key = base64.b64decode(configured, validate=True)
        if len(key) != 32:
            raise ValueError("MYNUMBERCARD_TOTP_KEY must be 32 bytes, base64-encoded")
        return key
    path = home / "secrets" / "totp.key"
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole under a temporary name, then linked in: two processes starting at once
    # agree on one key, and nobody reads a half-written file.
    temporary = path.with_name(f".totp.key.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(secrets.token_bytes(32))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_bytes()
