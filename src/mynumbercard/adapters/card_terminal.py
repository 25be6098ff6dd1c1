"""The counter's card reader: the chip in it, driven with the card-management key.

Every administrative command asks the chip for a fresh challenge and signs it with the
issuing agency's card-management key, so the chip accepts it once, from us only. The
key is in a passphrase-encrypted file, or in the HSM with the CA keys (`ca_setup.py`):
either way only its `sign` is used here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mynumbercard.adapters.pki import WrongCaKeyPassphrase
from mynumbercard.chip import (
    AdminCommand,
    Chip,
    DeleteKeyPair,
    GenerateKeyPair,
    ResetPin,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
    admin_message,
    new_management_key,
    pack_authorization,
)
from mynumbercard.chip.client import CardClient
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import Conflict, InvalidInput, NotFound
from mynumbercard.domain.pins import PinKind
from mynumbercard.services.pki_ports import ChipCommand, ChipRequest

MANAGEMENT_KEY_FILE = "card-management.key.pem"


class ChallengingCard(Protocol):
    """A card that names itself and gives a fresh challenge (a ``Chip`` or a card in a
    reader, ``chip.client.CardClient``)."""

    @property
    def card_id(self) -> str: ...

    def admin_challenge(self) -> bytes: ...


class EcSigner(Protocol):
    """An ECDSA P-256 key that signs (SHA-256, a DER signature) and never shows itself."""

    def public_key(self) -> ec.EllipticCurvePublicKey: ...

    def sign(self, data: bytes) -> bytes: ...


class _KeyInMemory:
    __slots__ = ("_key",)

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "_KeyInMemory(<private>)"

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


class CardManagementKey:
    """The issuing agency's ECDSA P-256 key that authorises admin commands to chips:
    kept passphrase-encrypted beside the CA keys (`create`, `load`) or in the HSM
    (`CardManagementKey(signer)` with a `Pkcs11EcSigner`)."""

    def __init__(self, signer: EcSigner | ec.EllipticCurvePrivateKey) -> None:
        if isinstance(signer, ec.EllipticCurvePrivateKey):
            signer = _KeyInMemory(signer)
        if not isinstance(signer.public_key().curve, ec.SECP256R1):
            raise Conflict("the card-management key must be an ECDSA P-256 key")
        self._signer = signer

    def __repr__(self) -> str:
        return "CardManagementKey(<private>)"

    @classmethod
    def create(cls, directory: Path, passphrase: bytes) -> CardManagementKey:
        key = new_management_key()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(passphrase))
        directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(directory / MANAGEMENT_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o600)
        except FileExistsError:
            raise Conflict("a card-management key exists already") from None
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return cls(key)

    @classmethod
    def load(cls, directory: Path, passphrase: bytes) -> CardManagementKey:
        try:
            pem = (directory / MANAGEMENT_KEY_FILE).read_bytes()
        except FileNotFoundError:
            raise NotFound("no card-management key: run `mynumbercard ca init` first") from None
        try:
            key = serialization.load_pem_private_key(pem, password=passphrase)
        except ValueError:
            raise WrongCaKeyPassphrase() from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise Conflict("the card-management key file holds no ECDSA key")
        return cls(key)

    @property
    def public_key_pem(self) -> bytes:
        return self._signer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def authorise(self, chip: ChallengingCard, command: AdminCommand) -> bytes:
        return self.authorise_for(chip.card_id, chip.admin_challenge(), command)

    def authorise_for(self, card_id: str, challenge: bytes, command: AdminCommand) -> bytes:
        """For a challenge the card gave elsewhere (the counter's terminal)."""
        message = admin_message(card_id, challenge, command)
        return pack_authorization(challenge, self._signer.sign(message))

    def authorise_pin_reset(self, card_number: str, challenge: bytes, kind: PinKind) -> bytes:
        # the new PIN is not part of the signed message (chip/admin.py): none is needed
        return self.authorise_for(card_number, challenge, ResetPin(kind, ""))

    def authorise_command(self, card_number: str, challenge: bytes,
                          request: ChipRequest) -> bytes:
        return self.authorise_for(card_number, challenge, chip_command(request))


def chip_command(request: ChipRequest) -> AdminCommand:
    """The chip's command for a request; PIN values are not signed, so none is needed."""
    kind = request.kind
    if request.command is ChipCommand.SET_INITIAL_PINS:
        return SetInitialPins(dict.fromkeys(request.pins, ""))
    if kind is None:
        raise InvalidInput(f"{request.command.value} needs a key kind")
    if request.command is ChipCommand.GENERATE_KEY_PAIR:
        return GenerateKeyPair(kind)
    if request.command is ChipCommand.DELETE_KEY_PAIR:
        return DeleteKeyPair(kind)
    if request.command is ChipCommand.WRITE_CERTIFICATE:
        return WriteCertificate(kind, _pem(request.certificate_der))
    return WriteCaCertificate(kind, _pem(request.certificate_der))


class AdminTerminal:
    """The administrative commands of a `CardTerminal`, however they reach the card:
    a subclass says how one command, authorised with the card-management key, is run."""

    def _run(self, command: AdminCommand) -> bytes | None:
        raise NotImplementedError

    def set_initial_pins(self, pins: Mapping[PinKind, str]) -> None:
        self._run(SetInitialPins(pins))

    def write_certificate(self, kind: CertKind, certificate_der: bytes) -> None:
        self._run(WriteCertificate(kind, _pem(certificate_der)))

    def write_ca_certificate(self, kind: CertKind, certificate_der: bytes) -> None:
        """The issuing CA's certificate, for readers (JPKI EF 0002 / 000B)."""
        self._run(WriteCaCertificate(kind, _pem(certificate_der)))

    def reset_pin(self, kind: PinKind, new_pin: str) -> None:
        self._run(ResetPin(kind, new_pin))


def _pem(certificate_der: bytes) -> bytes:
    return x509.load_der_x509_certificate(certificate_der).public_bytes(
        serialization.Encoding.PEM)


class ApduTerminal(AdminTerminal):
    """The counter's `CardTerminal` over a card that answers APDUs (a `CardClient`): in
    a PC/SC reader, or a card file driven by the same APDUs in this process
    (`file_terminal`); the card-management key authorises each command over the card's
    own challenge."""

    def __init__(self, card: CardClient, management_key: CardManagementKey) -> None:
        self._card = card
        self._key = management_key
        self._card_number = card.card_id

    @property
    def card_number(self) -> str:
        return self._card_number

    def _run(self, command: AdminCommand) -> bytes:
        return self._card.admin(command, self._key.authorise(self._card, command))

    def generate_key_pair(self, kind: CertKind) -> bytes:
        if self._card.has_key(kind):
            self._run(DeleteKeyPair(kind))
        return self._run(GenerateKeyPair(kind))


def file_terminal(path: Path, management_key: CardManagementKey) -> ApduTerminal:
    """The card file as the office's reader sees it: the same APDUs as a card in a PC/SC
    reader, answered in this process (`chip.processor.CardSession`)."""
    Chip.open(path)  # NotFound, or CardError for a broken file, before the first APDU
    return ApduTerminal(CardClient(CardSession(path).transmit), management_key)


class ChipTerminal(AdminTerminal):
    """A `CardTerminal` over a card file, calling the chip directly (no APDUs): for tests
    of the chip's own rules."""

    def __init__(self, chip: Chip, management_key: CardManagementKey) -> None:
        self._chip = chip
        self._key = management_key

    @property
    def card_number(self) -> str:
        return self._chip.card_id

    def _run(self, command: AdminCommand) -> bytes | None:
        return self._chip.admin(command, self._key.authorise(self._chip, command))

    def generate_key_pair(self, kind: CertKind) -> bytes:
        """A new key pair; on renewal the old one is deleted first (its certificate is
        superseded), so the chip never holds two keys of one kind."""
        if kind in self._chip.status().keys:
            self._run(DeleteKeyPair(kind))
        csr = self._run(GenerateKeyPair(kind))
        if csr is None:  # pragma: no cover - the chip always answers with a CSR
            raise Conflict("the chip returned no CSR")
        return csr
