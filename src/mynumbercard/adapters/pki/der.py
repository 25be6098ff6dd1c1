"""A minimal DER encoder and a strict DER reader.

`cryptography` builds certificates well, but it is slow per CRL entry and parses only
single-request OCSP requests. CRLs and OCSP responses are simple structures (RFC 5280
§5.1, RFC 6960 §4.2.1), so we encode them here and sign the to-be-signed bytes once;
OCSP requests (RFC 6960 §4.1.1) are read here, strictly: definite lengths in their
shortest form, no trailing bytes, low tag numbers only. Anything else is a `DerError`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

SEQUENCE = 0x30
SET = 0x31
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
ENUMERATED = 0x0A
UTF8_STRING = 0x0C
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18

_UTC_TIME_LIMIT = 2050  # RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050


class DerError(ValueError):
    """Bytes that are not the strict DER we expect."""


# --- encoding -------------------------------------------------------------------------


def length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    size = (n.bit_length() + 7) // 8
    return bytes((0x80 | size,)) + n.to_bytes(size, "big")


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    return bytes((tag,)) + length(n) + content


def sequence(*parts: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(parts))


def integer(n: int) -> bytes:
    """A two's-complement INTEGER in the fewest octets (X.690 §8.3)."""
    return tlv(INTEGER, _twos_complement(n))


def _twos_complement(n: int) -> bytes:
    size = ((n if n >= 0 else ~n).bit_length() + 8) // 8  # room for the sign bit
    return n.to_bytes(size, "big", signed=True)


def enumerated(n: int) -> bytes:
    return tlv(ENUMERATED, _twos_complement(n))


def boolean(value: bool) -> bytes:
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def octet_string(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def bit_string(data: bytes) -> bytes:
    """A BIT STRING of whole octets (no unused bits), as signatures are."""
    return tlv(BIT_STRING, b"\x00" + data)


def utf8_string(text: str) -> bytes:
    return tlv(UTF8_STRING, text.encode("utf-8"))


def explicit(number: int, content: bytes) -> bytes:
    """A context-specific constructed tag [number] EXPLICIT around content."""
    return tlv(0xA0 | number, content)


@lru_cache(maxsize=256)
def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"not an object identifier: {dotted}")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def _utc(when: datetime) -> datetime:
    if when.tzinfo is UTC:  # the common case, cheaply
        return when
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return when.astimezone(UTC)


def generalized_time(when: datetime) -> bytes:
    """GeneralizedTime in UTC to the second, as RFC 5280 §4.1.2.5.2 and RFC 6960 want."""
    t = _utc(when)
    fields = (t.year, t.month, t.day, t.hour, t.minute, t.second)
    return b"\x18\x0f" + b"%04d%02d%02d%02d%02d%02dZ" % fields


def time(when: datetime) -> bytes:
    """RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050."""
    t = _utc(when)
    if t.year >= _UTC_TIME_LIMIT:
        return generalized_time(t)
    fields = (t.year % 100, t.month, t.day, t.hour, t.minute, t.second)
    return b"\x17\x0d" + b"%02d%02d%02d%02d%02d%02dZ" % fields


# --- reading --------------------------------------------------------------------------


def read(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """One TLV at offset: (tag, start of content, end of content). Strict DER."""
    end_of_data = len(data)
    if offset + 2 > end_of_data:
        raise DerError("truncated")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("high tag numbers are not used here")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        size = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise DerError("indefinite or oversized length")
        if pos + count > end_of_data:
            raise DerError("truncated length")
        size = int.from_bytes(data[pos : pos + count], "big")
        if size < 0x80 or size.bit_length() <= 8 * (count - 1):
            raise DerError("length not in its shortest form")
        pos += count
    end = pos + size
    if end > end_of_data:
        raise DerError("truncated content")
    return tag, pos, end


def children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """The TLVs that exactly fill data[start:end]."""
    items = []
    pos = start
    while pos < end:
        tag, content_start, content_end = read(data, pos)
        if content_end > end:
            raise DerError("child overruns its parent")
        items.append((tag, content_start, content_end))
        pos = content_end
    return items


def read_integer(data: bytes, start: int, end: int) -> int:
    if start == end:
        raise DerError("empty INTEGER")
    if end - start > 1 and (
        (data[start] == 0x00 and data[start + 1] < 0x80)
        or (data[start] == 0xFF and data[start + 1] >= 0x80)
    ):
        raise DerError("INTEGER not in its shortest form")
    return int.from_bytes(data[start:end], "big", signed=True)


def read_oid(data: bytes, start: int, end: int) -> str:
    if start == end or data[end - 1] & 0x80:
        raise DerError("bad OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    fresh = True
    for byte in data[start:end]:
        if fresh and byte == 0x80:
            raise DerError("OBJECT IDENTIFIER arc not in its shortest form")
        value = (value << 7) | (byte & 0x7F)
        fresh = not byte & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])
