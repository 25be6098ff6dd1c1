"""The reader's side: the card's functions as APDU exchanges over any ``transmit``.

``CardClient(transmit)`` drives a card that answers as ``CardSession`` does (and, for
the JPKI and card-info applications, as a real Individual Number Card does): the same
calls whether ``transmit`` goes to a ``CardSession`` in the process or through PC/SC to
a reader (``adapters/pcsc_reader.py``). Status words come back as the chip package's
errors, with the same meaning as ``Chip``'s (``WrongPin`` with the tries left,
``PinLocked``, ``PinNotSet``, ...), never with a PIN in them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mynumbercard.chip import admin_apdu, apdu
from mynumbercard.chip.admin import AdminCommand
from mynumbercard.chip.keys import PIN_FOR_KEY, KeyKind
from mynumbercard.chip.layout import (
    CARD_NUMBER_EF,
    FILES,
    Application,
    FileKind,
    parse_tlvs,
)
from mynumbercard.domain import errors
from mynumbercard.domain.pins import (
    AdminAuthorizationFailed,
    CardError,
    PinKind,
    PinLocked,
    PinNotSet,
    WrongPin,
)

Transmit = Callable[[bytes], bytes]

# DigestInfo prefix for SHA-256 (RFC 8017, 9.2, note 1)
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
SEX_NAMES = {"1": "male", "2": "female", "3": "other"}
MAX_EF = 8192


def _ef_of(application: Application, kind: FileKind, key: KeyKind | None = None,
           pin: PinKind | None = None) -> int:
    for number, ef in FILES[application].items():
        if ef.kind is kind and (key is None or ef.key is key) and (pin is None or ef.pin is pin):
            return number
    raise LookupError(kind)  # pragma: no cover - the layout has every file asked for


PIN_FILES: dict[PinKind, tuple[Application, int]] = {
    kind: (app, number)
    for app, files in FILES.items()
    for number, ef in files.items()
    if ef.kind is FileKind.PIN and (kind := ef.pin) is not None
}


class CardClient:
    """A card in a reader, driven by APDUs; see the module docstring."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit

    # --- the exchange --------------------------------------------------------------

    def exchange(self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"", *,
                 le: int | None = None) -> tuple[bytes, int]:
        """One command (chained when data is over 255 bytes), its data and status word;
        ``61 xx`` answers are fetched with GET RESPONSE."""
        chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            raw = bytes([cla | (0 if last else apdu.CHAINING), ins, p1, p2])
            if chunk:
                raw += bytes([len(chunk)]) + chunk
            if last and le is not None:
                raw += bytes([le & 0xFF])
            body, status = self._send(raw)
            if not last and status != apdu.OK:
                return body, status
        collected = body
        while status >> 8 == 0x61:
            more, status = self._send(bytes([0x00, 0xC0, 0x00, 0x00, status & 0xFF]))
            collected += more
        return collected, status

    def _send(self, raw: bytes) -> tuple[bytes, int]:
        answer = self._transmit(raw)
        if len(answer) < 2:
            raise CardError("the card gave no status word")
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def _ok(self, status: int, what: str) -> None:
        if status != apdu.OK:
            raise _error(status, what)

    # --- selecting and reading -----------------------------------------------------

    def select(self, application: Application) -> None:
        _, status = self.exchange(0x00, 0xA4, 0x04, 0x0C, application.value)
        self._ok(status, "the application is not on this card")

    def select_ef(self, number: int) -> None:
        _, status = self.exchange(0x00, 0xA4, 0x02, 0x0C, number.to_bytes(2, "big"))
        self._ok(status, f"no EF {number:04X} on the card")

    def read_ef(self) -> bytes:
        content = b""
        while len(content) < MAX_EF:
            offset = len(content)
            body, status = self.exchange(0x00, 0xB0, offset >> 8, offset & 0xFF, le=256)
            if status == apdu.OFFSET_OUTSIDE_EF and content:
                break
            if status not in (apdu.OK, apdu.END_OF_FILE):
                raise _error(status, "the EF cannot be read")
            content += body
            if status == apdu.END_OF_FILE or not body:
                break
        return content

    @property
    def card_id(self) -> str:
        self.select(Application.JPKI)
        self.select_ef(CARD_NUMBER_EF)
        return self.read_ef().decode("utf-8")

    # --- PINs ----------------------------------------------------------------------

    def _select_pin(self, kind: PinKind) -> None:
        application, number = PIN_FILES[kind]
        self.select(application)
        self.select_ef(number)

    def tries_left(self, kind: PinKind) -> int | None:
        """Tries left (0: locked; None: not set), without spending one."""
        self._select_pin(kind)
        _, status = self.exchange(0x00, 0x20, 0x00, 0x80)
        if status == apdu.REFERENCE_DATA_NOT_USABLE:
            return None
        if status & 0xFFF0 != 0x63C0:
            raise _error(status, "the card does not tell the tries left")
        return status & 0x0F

    def _verify_selected(self, kind: PinKind, pin: str) -> None:
        data = pin.encode("ascii", "replace") if isinstance(pin, str) else b""
        if not data:
            raise errors.InvalidInput("no PIN entered: this entry was not tried")
        _, status = self.exchange(0x00, 0x20, 0x00, 0x80, data)
        if status & 0xFFF0 == 0x63C0:
            raise WrongPin(kind, status & 0x0F)
        if status == apdu.AUTHENTICATION_METHOD_BLOCKED:
            raise PinLocked(kind)
        if status == apdu.REFERENCE_DATA_NOT_USABLE:
            raise PinNotSet(kind)
        if status == apdu.WRONG_DATA:
            raise errors.InvalidInput("the entry does not have the PIN's form: not tried")
        self._ok(status, "the card refused the PIN")

    def verify_pin(self, kind: PinKind, pin: str) -> None:
        self._select_pin(kind)
        self._verify_selected(kind, pin)

    def change_pin(self, kind: PinKind, current: str, new: str) -> None:
        self.verify_pin(kind, current)
        _, status = self.exchange(0x00, 0x24, 0x01, 0x80, new.encode("ascii", "replace"))
        if status == apdu.WRONG_DATA:
            raise errors.InvalidInput("the new PIN does not have the PIN's form")
        self._ok(status, "the card refused the new PIN")

    # --- certificates, signing, the card's face -------------------------------------

    def read_certificate(self, kind: KeyKind, password: str | None = None) -> bytes:
        """The certificate of ``kind`` in PEM (the signature one after its password)."""
        self.select(Application.JPKI)
        if kind is KeyKind.SIGN:
            if password is None:
                raise errors.PermissionDenied(
                    "the signature certificate can be read only after the signature password")
            self.select_ef(_ef_of(Application.JPKI, FileKind.PIN, pin=PinKind.SIGNATURE))
            self._verify_selected(PinKind.SIGNATURE, password)
        self.select_ef(_ef_of(Application.JPKI, FileKind.CERTIFICATE, key=kind))
        return _pem(self.read_ef())

    def read_ca_certificate(self, kind: KeyKind) -> bytes:
        self.select(Application.JPKI)
        self.select_ef(_ef_of(Application.JPKI, FileKind.CA_CERTIFICATE, key=kind))
        return _pem(self.read_ef())

    def sign(self, kind: KeyKind, pin: str, data: bytes) -> bytes:
        """RSA PKCS#1 v1.5 / SHA-256 over ``data``: hashed here, signed on the card."""
        if not isinstance(data, bytes):
            raise errors.InvalidInput("the data to sign must be bytes")
        digest_info = SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
        self.select(Application.JPKI)
        self.select_ef(_ef_of(Application.JPKI, FileKind.PIN, pin=PIN_FOR_KEY[kind]))
        self._verify_selected(PIN_FOR_KEY[kind], pin)
        self.select_ef(_ef_of(Application.JPKI, FileKind.KEY, key=kind))
        signature, status = self.exchange(0x80, 0x2A, 0x00, 0x80, digest_info, le=256)
        self._ok(status, "the card did not sign")
        return signature

    def read_card_face(self, pin: str) -> dict[str, str]:
        """The card's face from the card-info-input application, after its PIN."""
        self.verify_pin(PinKind.CARD_INFO, pin)
        self.select_ef(_ef_of(Application.CARD_INFO, FileKind.INDIVIDUAL_NUMBER))
        raw_number = self.read_ef()
        self.select_ef(_ef_of(Application.CARD_INFO, FileKind.BASIC_FOUR))
        try:
            items = parse_tlvs(self.read_ef())
            if raw_number[:3] != b"\xff\x10\x0c":
                raise ValueError("not an Individual Number EF")
            digits = raw_number[3:15].decode("ascii")
            birth = items[b"\xdf\x24"].decode("ascii")
            sex = items[b"\xdf\x25"].decode("utf-8")
            return {
                "name": items[b"\xdf\x22"].decode("utf-8"),
                "address": items[b"\xdf\x23"].decode("utf-8"),
                "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}",
                "sex": SEX_NAMES.get(sex, sex),
                "individual_number": digits,
            }
        except (KeyError, ValueError, UnicodeDecodeError):
            raise CardError("the card's card-info files are not in the expected form") from None

    # --- the issuer's commands -----------------------------------------------------

    def admin_challenge(self) -> bytes:
        challenge, status = self.exchange(0x00, 0x84, 0x00, 0x00, le=32)
        self._ok(status, "the card gave no challenge")
        return challenge

    def admin(self, command: AdminCommand, authorization: bytes) -> bytes:
        """Run an issuer's command; a CSR (PEM) for key generation, else ``b""``."""
        ins, p1, data = admin_apdu.encode(command, authorization)
        body, status = self.exchange(0x80, ins, p1, 0x00, data,
                                     le=0 if ins == admin_apdu.GENERATE_KEY_PAIR else None)
        if status == apdu.SECURITY_STATUS_NOT_SATISFIED:
            raise AdminAuthorizationFailed("admin command refused by the card: the "
                                           "card-management key's authorization is not valid")
        if status == apdu.CONDITIONS_NOT_SATISFIED:
            raise errors.Conflict("the card refused the command in its present state")
        self._ok(status, "the card refused the command")
        if ins == admin_apdu.GENERATE_KEY_PAIR:
            return x509.load_der_x509_csr(body).public_bytes(serialization.Encoding.PEM)
        return b""

    def has_key(self, kind: KeyKind) -> bool:
        self.select(Application.JPKI)
        _, status = self.exchange(0x00, 0xA4, 0x02, 0x0C, _ef_of(
            Application.JPKI, FileKind.KEY, key=kind).to_bytes(2, "big"))
        return status == apdu.OK


def _pem(der: bytes) -> bytes:
    try:
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    except ValueError:
        raise CardError("the certificate on the card is unreadable") from None


def _error(status: int, what: str) -> errors.DomainError:
    if status in (apdu.FILE_NOT_FOUND, apdu.REFERENCED_DATA_NOT_FOUND):
        return errors.NotFound(f"{what} (status {status:04X})")
    if status == apdu.SECURITY_STATUS_NOT_SATISFIED:
        return errors.PermissionDenied(f"{what}: a PIN must be verified first")
    if status in (apdu.MEMORY_FAILURE, apdu.NO_PRECISE_DIAGNOSIS):
        return CardError(f"{what}: the card reports an error (status {status:04X})")
    return CardError(f"{what} (status {status:04X})")
