"""Relying parties' HMAC secrets sealed at rest (AES-GCM), under the same sealing key as
the TOTP secrets (`MYNUMBERCARD_TOTP_KEY` or `<home>/secrets/totp.key`), with their own
associated data so that one kind of sealed secret never opens as the other."""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_AAD = b"mynumbercard relying-party secret v1"
_NONCE = 12


class SealedSecrets:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SealedSecrets()"

    def seal(self, secret: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, secret, _AAD)

    def open(self, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], _AAD)
