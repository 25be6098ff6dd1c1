"""The issuer's administrative commands as APDUs (our own instruction codes, CLA 80).

Each command carries, in its data, fields of one tag byte, a 2-byte big-endian length
and the value: ``01`` the authorization (the challenge from GET CHALLENGE and the
card-management key's ECDSA signature, as in ``chip/admin.py``), ``02`` a certificate
(DER), ``10 + r`` the new value of PIN reference ``r``. Data longer than 255 bytes
comes by command chaining. ``docs/chip.md`` lists them.

| INS | command | P1 |
|---|---|---|
| E0 | generate key pair (answers the CSR, DER) | key reference |
| E2 | write certificate | key reference |
| E3 | write the CA certificate | key reference |
| E4 | set initial PINs | 00 |
| E6 | reset PIN | PIN reference |
| E8 | delete key pair | key reference |
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mynumbercard.chip import apdu
from mynumbercard.chip.admin import (
    AdminCommand,
    DeleteKeyPair,
    GenerateKeyPair,
    ResetPin,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
)
from mynumbercard.chip.apdu import ApduError, Command
from mynumbercard.chip.card import Chip
from mynumbercard.chip.keys import KeyKind
from mynumbercard.chip.layout import (
    KEY_REFERENCE_OF,
    KEY_REFERENCES,
    PIN_REFERENCE_OF,
    PIN_REFERENCES,
)
from mynumbercard.domain.pins import PinKind

AUTHORIZATION = 0x01
CERTIFICATE = 0x02
NEW_PIN = 0x10  # + the PIN reference

GENERATE_KEY_PAIR = 0xE0
WRITE_CERTIFICATE = 0xE2
WRITE_CA_CERTIFICATE = 0xE3
SET_INITIAL_PINS = 0xE4
RESET_PIN = 0xE6
DELETE_KEY_PAIR = 0xE8


def field(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + len(value).to_bytes(2, "big") + value


def fields(data: bytes) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    at = 0
    while at < len(data):
        if at + 3 > len(data):
            raise ApduError(apdu.WRONG_DATA, "a truncated field")
        tag, size = data[at], int.from_bytes(data[at + 1 : at + 3], "big")
        value = data[at + 3 : at + 3 + size]
        if len(value) != size or tag in found:
            raise ApduError(apdu.WRONG_DATA, "a truncated or repeated field")
        found[tag] = value
        at += 3 + size
    return found


def _pem(der: bytes) -> bytes:
    try:
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    except ValueError:
        raise ApduError(apdu.WRONG_DATA, "not a DER certificate") from None


def _key(p1: int) -> KeyKind:
    if p1 not in KEY_REFERENCES:
        raise ApduError(apdu.WRONG_P1_P2, "P1: key reference 01 or 02")
    return KEY_REFERENCES[p1]


def _text(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        raise ApduError(apdu.WRONG_DATA, "a PIN is ASCII") from None


def decode(command: Command) -> tuple[AdminCommand, bytes]:
    """The admin command in ``command`` and its authorization; ``ApduError`` otherwise."""
    if command.p2 != 0x00:
        raise ApduError(apdu.WRONG_P1_P2)
    found = fields(command.data)
    authorization = found.pop(AUTHORIZATION, None)
    ins = command.ins
    admin: AdminCommand
    if ins in (GENERATE_KEY_PAIR, DELETE_KEY_PAIR):
        kind = _key(command.p1)
        admin = GenerateKeyPair(kind) if ins == GENERATE_KEY_PAIR else DeleteKeyPair(kind)
    elif ins in (WRITE_CERTIFICATE, WRITE_CA_CERTIFICATE):
        kind = _key(command.p1)
        if CERTIFICATE not in found:
            raise ApduError(apdu.WRONG_DATA, "no certificate")
        pem = _pem(found.pop(CERTIFICATE))
        write = WriteCertificate if ins == WRITE_CERTIFICATE else WriteCaCertificate
        admin = write(kind, pem)
    elif ins == SET_INITIAL_PINS:
        admin = _set_initial_pins(command, found)
    elif ins == RESET_PIN:
        if command.p1 not in PIN_REFERENCES:
            raise ApduError(apdu.WRONG_P1_P2, "P1: PIN reference 01 to 04")
        tag = NEW_PIN + command.p1
        if tag not in found:
            raise ApduError(apdu.WRONG_DATA, "no new PIN")
        admin = ResetPin(PIN_REFERENCES[command.p1], _text(found.pop(tag)))
    else:
        raise ApduError(apdu.INS_NOT_SUPPORTED)
    if found:
        raise ApduError(apdu.WRONG_DATA, "a field this command does not take")
    if authorization is None:
        raise ApduError(apdu.SECURITY_STATUS_NOT_SATISFIED, "no authorization")
    return admin, authorization


def _set_initial_pins(command: Command, found: dict[int, bytes]) -> SetInitialPins:
    if command.p1 != 0x00:
        raise ApduError(apdu.WRONG_P1_P2)
    pins = {PIN_REFERENCES[tag - NEW_PIN]: _text(found.pop(tag))
            for tag in list(found) if tag - NEW_PIN in PIN_REFERENCES}
    if not pins:
        raise ApduError(apdu.WRONG_DATA, "no PIN")
    return SetInitialPins(pins)


def run_admin(chip: Chip, command: Command) -> bytes:
    """Run the admin command; its answer (a CSR in DER for key generation, else empty)."""
    admin, authorization = decode(command)
    result = chip.admin(admin, authorization)
    if isinstance(admin, GenerateKeyPair) and result is not None:
        csr = x509.load_pem_x509_csr(result)
        return csr.public_bytes(serialization.Encoding.DER)
    return b""


def encode(command: AdminCommand, authorization: bytes) -> tuple[int, int, bytes]:
    """INS, P1 and data of the APDU for ``command`` (the terminal's side)."""
    auth = field(AUTHORIZATION, authorization)
    if isinstance(command, GenerateKeyPair):
        return GENERATE_KEY_PAIR, KEY_REFERENCE_OF[command.kind], auth
    if isinstance(command, DeleteKeyPair):
        return DELETE_KEY_PAIR, KEY_REFERENCE_OF[command.kind], auth
    if isinstance(command, WriteCertificate | WriteCaCertificate):
        der = x509.load_pem_x509_certificate(command.pem).public_bytes(
            serialization.Encoding.DER)
        ins = WRITE_CERTIFICATE if isinstance(command, WriteCertificate) else WRITE_CA_CERTIFICATE
        return ins, KEY_REFERENCE_OF[command.kind], field(CERTIFICATE, der) + auth
    if isinstance(command, SetInitialPins):
        pins = _pin_fields(command.pins)
        return SET_INITIAL_PINS, 0x00, pins + auth
    reference = PIN_REFERENCE_OF[command.kind]
    return RESET_PIN, reference, field(NEW_PIN + reference, command.new_pin.encode()) + auth


def _pin_fields(pins: Mapping[PinKind, str]) -> bytes:
    return b"".join(field(NEW_PIN + PIN_REFERENCE_OF[kind], pin.encode())
                    for kind, pin in pins.items())
