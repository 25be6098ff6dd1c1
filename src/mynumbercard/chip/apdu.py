"""ISO/IEC 7816-4 command APDUs (short form only) and the status words the chip answers.

``parse`` turns any byte string into a ``Command`` or raises ``ApduError`` carrying the
status word for what is wrong with it; it never raises anything else. Extended-length
APDUs are not supported (a real JPKI card is driven with short APDUs and command
chaining), so a zero Lc followed by more bytes is a wrong length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Status words (ISO/IEC 7816-4:2020, 5.6, tables 5 and 6).
OK = 0x9000
END_OF_FILE = 0x6282  # fewer bytes than Le: the end of the EF came first
WRONG_LENGTH = 0x6700
LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881
LAST_COMMAND_OF_CHAIN_EXPECTED = 0x6883
COMMAND_INCOMPATIBLE_WITH_FILE = 0x6981
SECURITY_STATUS_NOT_SATISFIED = 0x6982
AUTHENTICATION_METHOD_BLOCKED = 0x6983  # the PIN is locked
REFERENCE_DATA_NOT_USABLE = 0x6984  # the PIN is not set
CONDITIONS_NOT_SATISFIED = 0x6985
NO_CURRENT_EF = 0x6986
WRONG_DATA = 0x6A80
FUNCTION_NOT_SUPPORTED = 0x6A81
FILE_NOT_FOUND = 0x6A82
NOT_ENOUGH_MEMORY = 0x6A84
WRONG_P1_P2 = 0x6A86
REFERENCED_DATA_NOT_FOUND = 0x6A88
OFFSET_OUTSIDE_EF = 0x6B00
INS_NOT_SUPPORTED = 0x6D00
CLA_NOT_SUPPORTED = 0x6E00
MEMORY_FAILURE = 0x6581  # the card file is corrupted or unreadable
NO_PRECISE_DIAGNOSIS = 0x6F00


def tries_left(count: int) -> int:
    """``63 Cx``: a wrong PIN, or the answer to a VERIFY without data; x tries remain."""
    return 0x63C0 | max(0, min(count, 15))


def more_data(count: int) -> int:
    """``61 xx``: xx more bytes wait for GET RESPONSE (00 when 256 or more)."""
    return 0x6100 | (count if count < 256 else 0)


def wrong_le(exact: int) -> int:
    """``6C xx``: wrong Le; xx is the exact length."""
    return 0x6C00 | (exact & 0xFF)


class ApduError(Exception):
    """A command refused with ``status``; the message is for logs, never for the card."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or f"{status:04X}")
        self.status = status


CHAINING = 0x10  # CLA bit: more commands of this chain follow


@dataclass(frozen=True, slots=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = field(default=b"", repr=False)  # may carry a PIN: never shown
    le: int | None = None  # None: no Le field; 256 for Le = 00

    @property
    def chained(self) -> bool:
        return bool(self.cla & CHAINING)

    @property
    def proprietary(self) -> bool:
        return bool(self.cla & 0x80)


def parse(raw: bytes) -> Command:
    """The command in ``raw`` (short APDU: cases 1, 2S, 3S, 4S); ``ApduError`` otherwise."""
    if len(raw) < 4:
        raise ApduError(WRONG_LENGTH, "an APDU has at least 4 bytes")
    cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
    if cla & ~(0x80 | CHAINING):
        if cla != 0xFF and cla & 0x43 and not cla & 0x2C:
            raise ApduError(LOGICAL_CHANNEL_NOT_SUPPORTED, "only the basic logical channel")
        raise ApduError(CLA_NOT_SUPPORTED, "CLA 00, 10, 80 or 90 only (no secure messaging)")
    if ins & 0xF0 in (0x60, 0x90):
        raise ApduError(INS_NOT_SUPPORTED, "INS 6X and 9X are invalid")
    body = raw[4:]
    if not body:
        return Command(cla, ins, p1, p2)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, le=body[0] or 256)
    lc = body[0]
    if lc == 0:
        raise ApduError(WRONG_LENGTH, "extended-length APDUs are not supported")
    if len(body) == 1 + lc:
        return Command(cla, ins, p1, p2, data=bytes(body[1:]))
    if len(body) == 2 + lc:
        return Command(cla, ins, p1, p2, data=bytes(body[1:-1]), le=body[-1] or 256)
    raise ApduError(WRONG_LENGTH, "Lc does not match the length of the command")


def response(data: bytes, status: int) -> bytes:
    return bytes(data) + status.to_bytes(2, "big")
