"""Administrative commands to the chip, authorised by the issuer's card-management key.

Protocol (challenge-response, one use per challenge):

1. ``challenge = chip.admin_challenge()``: 32 fresh random bytes; the chip remembers
   the last one it issued (in the card file) and forgets it once a command used it.
2. The issuer signs ``admin_message(card_id, challenge, command)`` with its
   card-management key, ECDSA P-256 with SHA-256 (DER signature):
   ``authorization = sign_admin_command(management_private_key, card_id, challenge,
   command)``, which is ``challenge || signature``.
3. ``chip.admin(command, authorization)`` checks that the challenge is the one it
   issued last, verifies the signature over the message it builds itself (its own card
   id, its own challenge, the command) with the card-management public key stored at
   personalisation, then runs the command and forgets the challenge.

The message is ``PREFIX`` followed by length-framed fields (4-byte big-endian length,
then the bytes): card id (UTF-8), challenge, command name, then the command's
parameters. New PIN values are secrets of the holder and are NOT in the message: the
server never receives them. The authorisation is for "this command with these
non-secret parameters, on this card, once"; the PINs travel from the holder's keypad
to the chip in the same call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mynumbercard.chip.keys import KeyKind, as_key_kind, as_pin_kind, certificate_der
from mynumbercard.domain import errors
from mynumbercard.domain.pins import AdminAuthorizationFailed, PinKind

PREFIX = b"mynumbercard/chip-admin/v1\x00"
CHALLENGE_BYTES = 32


@dataclass(frozen=True, slots=True)
class GenerateKeyPair:
    """Generate the key pair of ``kind`` on the chip; returns a CSR (PEM)."""

    kind: KeyKind

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_key_kind(self.kind))


@dataclass(frozen=True, slots=True)
class WriteCertificate:
    """Write the certificate of ``kind``; its key must be the chip's key of that kind."""

    kind: KeyKind
    pem: bytes = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_key_kind(self.kind))


@dataclass(frozen=True, slots=True)
class WriteCaCertificate:
    """Write the issuing CA's certificate of ``kind`` for readers (JPKI EF 0002 / 000B)."""

    kind: KeyKind
    pem: bytes = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_key_kind(self.kind))


@dataclass(frozen=True, slots=True)
class SetInitialPins:
    """Set PINs that are not set yet (the holder types them at the counter)."""

    pins: Mapping[PinKind, str] = field(repr=False)

    def __post_init__(self) -> None:
        pins = {as_pin_kind(kind): pin for kind, pin in dict(self.pins).items()}
        if not pins:
            raise errors.InvalidInput("set_initial_pins needs at least one PIN")
        object.__setattr__(self, "pins", MappingProxyType(pins))


@dataclass(frozen=True, slots=True)
class ResetPin:
    """Unlock a PIN (locked or forgotten) and set a new one; its counter goes back to max."""

    kind: PinKind
    new_pin: str = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_pin_kind(self.kind))


@dataclass(frozen=True, slots=True)
class DeleteKeyPair:
    """Delete the key pair of ``kind`` and its certificate (renewal with new keys)."""

    kind: KeyKind

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_key_kind(self.kind))


AdminCommand = (
    GenerateKeyPair
    | WriteCertificate
    | WriteCaCertificate
    | SetInitialPins
    | ResetPin
    | DeleteKeyPair
)


def _frame(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _parameters(command: AdminCommand) -> tuple[str, list[bytes]]:
    if isinstance(command, GenerateKeyPair):
        return "generate_key_pair", [command.kind.value.encode()]
    if isinstance(command, WriteCertificate):
        return "write_certificate", [command.kind.value.encode(), certificate_der(command.pem)]
    if isinstance(command, WriteCaCertificate):
        return "write_ca_certificate", [command.kind.value.encode(), certificate_der(command.pem)]
    if isinstance(command, SetInitialPins):  # the kinds only, never the PINs
        kinds = [kind for kind in PinKind if kind in command.pins]
        return "set_initial_pins", [kind.value.encode() for kind in kinds]
    if isinstance(command, ResetPin):  # the kind only, never the PIN
        return "reset_pin", [command.kind.value.encode()]
    if isinstance(command, DeleteKeyPair):
        return "delete_key_pair", [command.kind.value.encode()]
    raise errors.InvalidInput(f"not an admin command: {type(command).__name__}")


def admin_message(card_id: str, challenge: bytes, command: AdminCommand) -> bytes:
    """The canonical bytes the card-management key signs for ``command``."""
    name, parameters = _parameters(command)
    fields = [card_id.encode("utf-8"), bytes(challenge), name.encode("ascii"), *parameters]
    return PREFIX + len(fields).to_bytes(4, "big") + b"".join(_frame(f) for f in fields)


def sign_admin_command(
    management_private_key: ec.EllipticCurvePrivateKey,
    card_id: str,
    challenge: bytes,
    command: AdminCommand,
) -> bytes:
    """The issuer's side: the authorisation (``challenge || ECDSA signature``) for a chip.

    To sign elsewhere (an HSM, a remote signer), sign ``admin_message(...)`` with
    ECDSA P-256 / SHA-256 and pass ``pack_authorization(challenge, der_signature)``.
    """
    if not isinstance(management_private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        management_private_key.curve, ec.SECP256R1
    ):
        raise errors.InvalidInput("the card-management key must be an ECDSA P-256 private key")
    message = admin_message(card_id, challenge, command)
    signature = management_private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    return pack_authorization(challenge, signature)


def pack_authorization(challenge: bytes, signature: bytes) -> bytes:
    if len(challenge) != CHALLENGE_BYTES:
        raise errors.InvalidInput(f"a chip challenge has {CHALLENGE_BYTES} bytes")
    return bytes(challenge) + bytes(signature)


def new_management_key() -> ec.EllipticCurvePrivateKey:
    """A fresh card-management key (ECDSA P-256), for the issuer and for tests."""
    return ec.generate_private_key(ec.SECP256R1())


def management_public_key_pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def parse_management_public_key(pem: bytes) -> tuple[bytes, str]:
    """The SubjectPublicKeyInfo DER of an ECDSA P-256 public key in PEM, and its fingerprint."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise errors.InvalidInput("the card-management key is not a PEM public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise errors.InvalidInput("the card-management key must be an ECDSA P-256 public key")
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return spki, fingerprint(spki)


def fingerprint(spki_der: bytes) -> str:
    """Hex SHA-256 of a SubjectPublicKeyInfo (DER)."""
    return hashlib.sha256(spki_der).hexdigest()


def check_authorization(
    *,
    management_key: bytes,
    card_id: str,
    pending_challenge: bytes | None,
    command: AdminCommand,
    authorization: object,
) -> None:
    """Raise ``AdminAuthorizationFailed`` unless ``authorization`` authorises ``command``."""
    if not isinstance(authorization, bytes) or len(authorization) <= CHALLENGE_BYTES:
        raise AdminAuthorizationFailed(
            "admin command refused: no authorization from the card-management key"
        )
    if pending_challenge is None:
        raise AdminAuthorizationFailed(
            "admin command refused: the chip has no outstanding challenge "
            "(each challenge serves one command); ask for a new one"
        )
    challenge, signature = authorization[:CHALLENGE_BYTES], authorization[CHALLENGE_BYTES:]
    if challenge != pending_challenge:
        raise AdminAuthorizationFailed(
            "admin command refused: the authorization is for a stale or replayed challenge, "
            "not the one the chip issued last"
        )
    message = admin_message(card_id, pending_challenge, command)
    try:
        public_key = serialization.load_der_public_key(management_key)
    except (ValueError, UnsupportedAlgorithm):
        public_key = None
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise AdminAuthorizationFailed("admin command refused: unusable card-management key")
    try:
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AdminAuthorizationFailed(
            "admin command refused: the signature does not verify with this card's "
            f"card-management key (fingerprint {fingerprint(management_key)[:16]}...): "
            "signed by another issuer, or for another card or command"
        ) from None
