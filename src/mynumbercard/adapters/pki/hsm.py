"""CA keys in an HSM over PKCS#11 (python-pkcs11), tested with Debian's softhsm2.

Keys are generated inside the token as token objects (CKA_TOKEN), private, sensitive
and not extractable (CKA_SENSITIVE true, CKA_EXTRACTABLE false), allowed to sign only;
signing is CKM_SHA256_RSA_PKCS inside the token. The card-management key (ECDSA P-256)
lives there too: CKM_ECDSA over a SHA-256 digest made here, the token's r || s returned
as a DER ECDSA-Sig-Value. One logged-in session per store; a
PKCS#11 session is not safe for concurrent use, so calls on it are serialised.

Note for tests and operations: softhsm2 reads SOFTHSM2_CONF once per process, when the
module is first initialised.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import pkcs11
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass

from mynumbercard.adapters.pki.errors import (
    CaKeyExists,
    CaKeyNotFound,
    HsmUnavailable,
    WrongHsmPin,
)
from mynumbercard.adapters.pki.keys import KEY_SIZE, CaSigner, check_label
from mynumbercard.domain import errors

_PIN_ERRORS = (
    pkcs11.PinIncorrect,
    pkcs11.PinInvalid,
    pkcs11.PinLenRange,
    pkcs11.PinLocked,
    pkcs11.PinExpired,
)


_P256 = bytes.fromhex("06082a8648ce3d030107")  # namedCurve secp256r1 (RFC 5480 2.1.1.1)
_KEY_ONLY_SIGNS = {
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.DECRYPT: False,
    Attribute.UNWRAP: False,
    Attribute.DERIVE: False,
}
_SALT = secrets.token_bytes(16)
_LOGINS: dict[tuple[str, str], bytes] = {}


def _pin_digest(pin: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), _SALT, 10_000)


class Pkcs11Signer:
    """A CA key inside the token: the PKCS#11 handle never yields the key material."""

    __slots__ = ("_key", "_lock", "_public", "label")

    def __init__(
        self, label: str, key: Any, public: rsa.RSAPublicKey, lock: threading.Lock
    ) -> None:
        self.label = label
        self._key = key
        self._public = public
        self._lock = lock

    def __repr__(self) -> str:
        return f"Pkcs11Signer(label={self.label!r})"

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        with self._lock:
            return bytes(self._key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))

    def is_extractable(self) -> bool:
        """What the token says about the private key (always False for our keys)."""
        with self._lock:
            return bool(self._key[Attribute.EXTRACTABLE])

    def is_sensitive(self) -> bool:
        with self._lock:
            return bool(self._key[Attribute.SENSITIVE])


class Pkcs11EcSigner:
    """An ECDSA P-256 key inside the token (the card-management key): `sign` gives a DER
    ECDSA-Sig-Value over SHA-256 of the data."""

    __slots__ = ("_key", "_lock", "_public", "label")

    def __init__(self, label: str, key: Any, public: ec.EllipticCurvePublicKey,
                 lock: threading.Lock) -> None:
        self.label = label
        self._key = key
        self._public = public
        self._lock = lock

    def __repr__(self) -> str:
        return f"Pkcs11EcSigner(label={self.label!r})"

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def is_extractable(self) -> bool:
        with self._lock:
            return bool(self._key[Attribute.EXTRACTABLE])

    def sign(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).digest()
        with self._lock:
            raw = bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA))
        half = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                    int.from_bytes(raw[half:], "big"))


class Pkcs11KeyStore:
    """RSA-2048 CA keys generated and kept inside a PKCS#11 token."""

    def __init__(self, module: str | Path, token_label: str, user_pin: str) -> None:
        self.module = str(module)
        self.token_label = token_label
        self._lock = threading.Lock()
        try:
            library = pkcs11.lib(self.module)
        except (pkcs11.PKCS11Error, OSError) as exc:
            raise HsmUnavailable(f"cannot load the PKCS#11 module {self.module}") from exc
        try:
            token = library.get_token(token_label=token_label)
        except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
            raise HsmUnavailable(f"no single PKCS#11 token labelled {token_label!r}") from None
        place = (self.module, token_label)
        try:
            self._session = token.open(rw=True, user_pin=user_pin)
        except _PIN_ERRORS:
            raise WrongHsmPin() from None
        except pkcs11.UserAlreadyLoggedIn:
            # Login is shared by all of this process's sessions on the token, and PKCS#11
            # cannot check a PIN without logging in again: compare with the PIN that
            # logged in (kept only as a salted hash).
            known = _LOGINS.get(place)
            if known is not None and not hmac.compare_digest(known, _pin_digest(user_pin)):
                raise WrongHsmPin() from None
            self._session = token.open(rw=True)
        else:
            _LOGINS[place] = _pin_digest(user_pin)

    def __repr__(self) -> str:
        return f"Pkcs11KeyStore(module={self.module!r}, token_label={self.token_label!r})"

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def __enter__(self) -> Pkcs11KeyStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _find(self, object_class: ObjectClass, label: str,
              key_type: KeyType = KeyType.RSA) -> Any | None:
        template = {
            Attribute.CLASS: object_class,
            Attribute.KEY_TYPE: key_type,
            Attribute.LABEL: label,
        }
        found = list(self._session.get_objects(template))
        if len(found) > 1:
            raise errors.Conflict(f"several keys labelled {label!r} in the token")
        return found[0] if found else None

    def generate(self, label: str) -> CaSigner:
        check_label(label)
        with self._lock:
            if self._find(ObjectClass.PRIVATE_KEY, label) is not None:
                raise CaKeyExists(f"a CA key labelled {label!r} already exists")
            public, private = self._session.generate_keypair(
                KeyType.RSA,
                KEY_SIZE,
                id=label.encode("ascii"),
                label=label,
                store=True,
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                public_template={Attribute.PUBLIC_EXPONENT: b"\x01\x00\x01"},
                private_template=_KEY_ONLY_SIGNS,
            )
            return Pkcs11Signer(label, private, _public_key(public), self._lock)

    def load(self, label: str) -> CaSigner:
        check_label(label)
        with self._lock:
            private = self._find(ObjectClass.PRIVATE_KEY, label)
            if private is None:
                raise CaKeyNotFound(f"no CA key labelled {label!r} in the token")
            public = self._find(ObjectClass.PUBLIC_KEY, label)
            return Pkcs11Signer(label, private, _public_key(public or private), self._lock)

    def generate_ec(self, label: str) -> Pkcs11EcSigner:
        """A new ECDSA P-256 key in the token (refused if the label is taken)."""
        check_label(label)
        with self._lock:
            if self._find(ObjectClass.PRIVATE_KEY, label, KeyType.EC) is not None:
                raise CaKeyExists(f"a key labelled {label!r} already exists")
            parameters = self._session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: _P256}, local=True)
            public, private = parameters.generate_keypair(
                id=label.encode("ascii"), label=label, store=True,
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                private_template=_KEY_ONLY_SIGNS)
            return Pkcs11EcSigner(label, private, _ec_public_key(public), self._lock)

    def load_ec(self, label: str) -> Pkcs11EcSigner | None:
        """The ECDSA key labelled so, or None if the token has none."""
        check_label(label)
        with self._lock:
            private = self._find(ObjectClass.PRIVATE_KEY, label, KeyType.EC)
            if private is None:
                return None
            public = self._find(ObjectClass.PUBLIC_KEY, label, KeyType.EC)
            if public is None:
                raise CaKeyNotFound(f"the public half of {label!r} is missing from the token")
            return Pkcs11EcSigner(label, private, _ec_public_key(public), self._lock)


def _ec_public_key(key: Any) -> ec.EllipticCurvePublicKey:
    if bytes(key[Attribute.EC_PARAMS]) != _P256:
        raise errors.Conflict("the token's card-management key is not on P-256")
    point = bytes(key[Attribute.EC_POINT])
    if point[:2] == b"\x04\x41":  # DER OCTET STRING around the point (PKCS#11 2.40)
        point = point[2:]
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def _public_key(key: Any) -> rsa.RSAPublicKey:
    modulus = int.from_bytes(key[Attribute.MODULUS], "big")
    exponent = int.from_bytes(key[Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()
