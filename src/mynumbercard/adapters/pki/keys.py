"""CA private keys behind a small port, so that a key never leaves its store.

A `KeyStore` makes and finds RSA-2048 keys by label; each key is a `CaSigner` that
gives its public key and signs bytes with RSASSA-PKCS1-v1_5 and SHA-256. Two stores:

- `FileKeyStore`: PKCS#8 PEM files encrypted with a passphrase (`BestAvailableEncryption`),
  one per label, mode 0600, created exclusively (never overwritten);
- `Pkcs11KeyStore` (in `hsm.py`): keys generated inside a PKCS#11 token, not extractable.

Everything the CA signs goes through `CaSigner.sign`, whichever the store: `SignerKey`
dresses a signer as a `cryptography` RSA private key so that `cryptography`'s
certificate builder signs through it, and CRLs and OCSP responses are encoded here and
signed through the same call.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NoReturn, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils

from mynumbercard.adapters.pki.errors import (
    CaKeyExists,
    CaKeyMismatch,
    CaKeyNotFound,
    WrongCaKeyPassphrase,
)
from mynumbercard.domain import errors

KEY_SIZE = 2048
PUBLIC_EXPONENT = 65537
_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class CaSigner(Protocol):
    """One CA private key: its public half, and RSASSA-PKCS1-v1_5 / SHA-256 signing."""

    def public_key(self) -> rsa.RSAPublicKey: ...

    def sign(self, data: bytes) -> bytes: ...


class KeyStore(Protocol):
    """Where CA keys are made and kept. Labels are lower-case letters, digits and '-'."""

    def generate(self, label: str) -> CaSigner:
        """Make a new RSA-2048 key under label; `CaKeyExists` if the label is taken."""
        ...

    def load(self, label: str) -> CaSigner:
        """The key under label; `CaKeyNotFound` if there is none."""
        ...


def check_label(label: str) -> str:
    if not _LABEL.fullmatch(label):
        raise errors.InvalidInput(f"invalid CA key label: {label!r}")
    return label


class CaKeyUnreadable(errors.Conflict):
    code = "ca_key_unreadable"


class FileSigner:
    """A CA key loaded from a `FileKeyStore`; the key object stays private to it."""

    __slots__ = ("_key", "_public", "label")

    def __init__(self, label: str, key: rsa.RSAPrivateKey) -> None:
        self.label = label
        self._key = key
        self._public = key.public_key()

    def __repr__(self) -> str:
        return f"FileSigner(label={self.label!r})"

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, asym_padding.PKCS1v15(), hashes.SHA256())


class FileKeyStore:
    """RSA-2048 keys as passphrase-encrypted PKCS#8 PEM files under a directory."""

    def __init__(self, directory: Path, passphrase: str | bytes) -> None:
        secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
        if not secret:
            raise errors.InvalidInput("the CA key passphrase must not be empty")
        self.directory = Path(directory)
        self._passphrase = secret

    def __repr__(self) -> str:
        return f"FileKeyStore(directory={str(self.directory)!r})"

    def _path(self, label: str) -> Path:
        return self.directory / f"{check_label(label)}.key.pem"

    def generate(self, label: str) -> CaSigner:
        path = self._path(label)
        key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_SIZE)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CaKeyExists(f"a CA key labelled {label!r} already exists") from None
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        return FileSigner(label, key)

    def load(self, label: str) -> CaSigner:
        path = self._path(label)
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise CaKeyNotFound(f"no CA key labelled {label!r} in the key store") from None
        try:
            key = serialization.load_pem_private_key(pem, password=self._passphrase)
        except TypeError:  # the file is not encrypted: not one of ours
            raise CaKeyUnreadable(f"CA key {label!r} is not passphrase-protected") from None
        except ValueError as exc:
            if "password" in str(exc).lower():
                raise WrongCaKeyPassphrase() from None
            raise CaKeyUnreadable(f"CA key file for {label!r} is unreadable") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CaKeyUnreadable(f"CA key {label!r} is not an RSA key")
        return FileSigner(label, key)


def same_public_key(signer: CaSigner, public: Any) -> None:
    """Refuse a signer whose public key differs from the certificate's."""
    if not isinstance(public, rsa.RSAPublicKey) or (
        signer.public_key().public_numbers() != public.public_numbers()
    ):
        raise CaKeyMismatch("the CA key in the key store does not match its certificate")


class SignerKey(rsa.RSAPrivateKey):
    """A `CaSigner` dressed as a `cryptography` RSA private key, for its builders.

    `cryptography` signs the to-be-signed bytes by calling `sign(data, padding,
    algorithm)` on the key it is given; this forwards that call to the signer and
    refuses anything but PKCS#1 v1.5 with SHA-256. The private half is unreachable.
    """

    def __init__(self, signer: CaSigner) -> None:
        self._signer = signer

    def __repr__(self) -> str:
        return f"SignerKey({self._signer!r})"

    def sign(
        self,
        data: bytes,
        padding: asym_padding.AsymmetricPadding,
        algorithm: asym_utils.Prehashed | hashes.HashAlgorithm | asym_utils.NoDigestInfo,
    ) -> bytes:
        if padding.name != "EMSA-PKCS1-v1_5" or not isinstance(algorithm, hashes.SHA256):
            raise ValueError("CA keys sign with RSASSA-PKCS1-v1_5 and SHA-256 only")
        return self._signer.sign(bytes(data))

    def public_key(self) -> rsa.RSAPublicKey:
        return self._signer.public_key()

    @property
    def key_size(self) -> int:
        return self._signer.public_key().key_size

    def _unreachable(self) -> NoReturn:
        raise TypeError("a CA private key never leaves its key store")

    def decrypt(self, ciphertext: bytes, padding: asym_padding.AsymmetricPadding) -> bytes:
        self._unreachable()

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        self._unreachable()

    def private_bytes(
        self,
        encoding: serialization.Encoding,
        format: serialization.PrivateFormat,
        encryption_algorithm: serialization.KeySerializationEncryption,
    ) -> bytes:
        self._unreachable()

    def __copy__(self) -> SignerKey:
        return self

    def __deepcopy__(self, memo: dict[Any, Any]) -> SignerKey:
        return self
