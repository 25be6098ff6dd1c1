"""The card's applications and files as readers address them (see ``docs/chip.md``).

AIDs and EF numbers are those of real Individual Number Cards as OpenSC's JPKI driver
(``card-jpki.c``, ``jpki.h``, ``pkcs15-jpki.c``) and the open-source card-info readers
use them; the resident-register application's AID and PIN EF are not in those
sources and are this project's choice (``docs/chip.md`` says so).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from mynumbercard.chip.keys import KeyKind
from mynumbercard.domain.pins import PinKind

# ATR of JPKI cards (OpenSC card-jpki.c, jpki_atrs): TS 3B, T0 E0 (TB1 TC1 TD1, no
# historical bytes), TB1 00, TC1 FF, TD1 81 (T=1), TD2 31, TA3 FE (IFSC 254), TB3 45,
# TCK 14.
ATR = bytes.fromhex("3BE000FF8131FE4514")


class Application(enum.Enum):
    JPKI = bytes.fromhex("D392F000260100000001")  # 公的個人認証AP
    CARD_INFO = bytes.fromhex("D3921000310001010408")  # 券面事項入力補助AP
    RESIDENT_REGISTER = bytes.fromhex("D3921000310001010100")  # 住基AP (our choice)


CARD_NUMBER_EF = 0x00F0


class FileKind(enum.Enum):
    PIN = "pin"
    KEY = "key"
    CERTIFICATE = "certificate"
    CA_CERTIFICATE = "ca_certificate"
    INDIVIDUAL_NUMBER = "individual_number"
    BASIC_FOUR = "basic_four"
    CARD_NUMBER = "card_number"


@dataclass(frozen=True, slots=True)
class ElementaryFile:
    kind: FileKind
    pin: PinKind | None = None  # the PIN this EF is, or the PIN reading/using it needs
    key: KeyKind | None = None  # the key pair a key or certificate EF belongs to


FILES: Mapping[Application, Mapping[int, ElementaryFile]] = {
    Application.JPKI: {
        0x0001: ElementaryFile(FileKind.CERTIFICATE, PinKind.SIGNATURE, KeyKind.SIGN),
        0x0002: ElementaryFile(FileKind.CA_CERTIFICATE, None, KeyKind.SIGN),
        0x000A: ElementaryFile(FileKind.CERTIFICATE, None, KeyKind.AUTH),
        0x000B: ElementaryFile(FileKind.CA_CERTIFICATE, None, KeyKind.AUTH),
        0x0017: ElementaryFile(FileKind.KEY, PinKind.USER_AUTH, KeyKind.AUTH),
        0x0018: ElementaryFile(FileKind.PIN, PinKind.USER_AUTH),
        0x001A: ElementaryFile(FileKind.KEY, PinKind.SIGNATURE, KeyKind.SIGN),
        0x001B: ElementaryFile(FileKind.PIN, PinKind.SIGNATURE),
        # ours: the card number in ASCII, free to read (the issuer's commands name it)
        CARD_NUMBER_EF: ElementaryFile(FileKind.CARD_NUMBER),
    },
    Application.CARD_INFO: {
        0x0001: ElementaryFile(FileKind.INDIVIDUAL_NUMBER, PinKind.CARD_INFO),
        0x0002: ElementaryFile(FileKind.BASIC_FOUR, PinKind.CARD_INFO),
        0x0011: ElementaryFile(FileKind.PIN, PinKind.CARD_INFO),
    },
    Application.RESIDENT_REGISTER: {
        0x001C: ElementaryFile(FileKind.PIN, PinKind.RESIDENT_REGISTER),
    },
}

# References in our administrative commands (P1): key pairs as OpenSC numbers them
# (1 authentication, 2 signature), PINs 1-4.
KEY_REFERENCES: Mapping[int, KeyKind] = {1: KeyKind.AUTH, 2: KeyKind.SIGN}
PIN_REFERENCES: Mapping[int, PinKind] = {
    1: PinKind.USER_AUTH,
    2: PinKind.SIGNATURE,
    3: PinKind.RESIDENT_REGISTER,
    4: PinKind.CARD_INFO,
}
KEY_REFERENCE_OF = {kind: ref for ref, kind in KEY_REFERENCES.items()}
PIN_REFERENCE_OF = {kind: ref for ref, kind in PIN_REFERENCES.items()}

SEX_CODES = {"male": "1", "female": "2", "other": "3"}  # as the card-info EF writes it


def ber_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    if size < 0x100:
        return bytes([0x81, size])
    return bytes([0x82]) + size.to_bytes(2, "big")


def tlv(tag: bytes, value: bytes) -> bytes:
    return tag + ber_length(len(value)) + value


def individual_number_ef(number: str) -> bytes:
    """EF 0001 of the card-info AP: ``FF 10 0C`` and the 12 digits in ASCII."""
    return tlv(b"\xff\x10", number.encode("ascii"))


def basic_four_ef(face: Mapping[str, str]) -> bytes:
    """EF 0002 of the card-info AP: ``FF 20`` holding ``DF 21`` (the offsets of the four
    items from the start of the EF, 2 bytes each) and ``DF 22`` name, ``DF 23`` address,
    ``DF 24`` birth date (YYYYMMDD), ``DF 25`` sex (1 male, 2 female, 3 other), UTF-8."""
    items = [
        tlv(b"\xdf\x22", face["name"].encode("utf-8")),
        tlv(b"\xdf\x23", face["address"].encode("utf-8")),
        tlv(b"\xdf\x24", face["birth_date"].replace("-", "").encode("ascii", "replace")),
        tlv(b"\xdf\x25", SEX_CODES.get(face["sex"], face["sex"]).encode("utf-8")),
    ]
    offsets_size = len(tlv(b"\xdf\x21", bytes(8)))
    inner_size = offsets_size + sum(len(item) for item in items)
    start = 2 + len(ber_length(inner_size)) + offsets_size
    offsets = b""
    for item in items:
        offsets += start.to_bytes(2, "big")
        start += len(item)
    return tlv(b"\xff\x20", tlv(b"\xdf\x21", offsets) + b"".join(items))


def parse_tlvs(data: bytes) -> dict[bytes, bytes]:
    """The primitive TLVs inside ``data``'s one constructed TLV, by tag (2-byte tags);
    ``ValueError`` if it is malformed."""

    def read(buffer: bytes, at: int) -> tuple[bytes, bytes, int]:
        if at + 3 > len(buffer):
            raise ValueError("truncated TLV")
        tag, first = buffer[at : at + 2], buffer[at + 2]
        at += 3
        if first == 0x81:
            size, at = buffer[at], at + 1
        elif first == 0x82:
            size, at = int.from_bytes(buffer[at : at + 2], "big"), at + 2
        elif first < 0x80:
            size = first
        else:
            raise ValueError("unsupported TLV length")
        if at + size > len(buffer):
            raise ValueError("truncated TLV")
        return tag, buffer[at : at + size], at + size

    _, inner, _ = read(data, 0)
    found: dict[bytes, bytes] = {}
    at = 0
    while at < len(inner):
        tag, value, at = read(inner, at)
        found[tag] = value
    return found
