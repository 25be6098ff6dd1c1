"""A pre-produced OCSP response without its responder certificate, and back.

Every response carries the delegated signer's certificate (RFC 6960 §4.2.2.2: the
client needs it to check the signature), about 1.1 kB of a 1.7 kB response, the same in
every response a signer made. The certificate sits outside the signed part
(BasicOCSPResponse.certs), so the answer store keeps it once and each response without
it; `join` puts it back, bit for bit, with one look-up of the lengths' bytes.
"""

from __future__ import annotations

from functools import lru_cache

from mynumbercard.adapters.pki import der

_OID_BASIC = der.oid("1.3.6.1.5.5.7.48.1.1")


def split(response: bytes) -> tuple[bytes, bytes] | None:
    """(tbsResponseData + signatureAlgorithm + signature, the [0] certs element) of a
    successful response with certificates; None for anything else (kept whole)."""
    try:
        tag, start, end = der.read(response)
        top = der.children(response, start, end)
        if tag != der.SEQUENCE or end != len(response) or len(top) != 2 or top[1][0] != 0xA0:
            return None
        (rb,) = der.children(response, top[1][1], top[1][2])
        kind, octets = der.children(response, rb[1], rb[2])
        if response[kind[1]:kind[2]] != _OID_BASIC[2:]:
            return None
        tag, start, end = der.read(response, octets[1])
        parts = der.children(response, start, end)
    except (der.DerError, ValueError):
        return None
    if len(parts) != 4 or parts[3][0] != 0xA0 or end != octets[2]:
        return None
    body_end = parts[2][2]
    body, certs = response[start:body_end], response[body_end:end]
    if join(body, certs) != response:  # a form `join` would not rebuild: keep it whole
        return None
    return body, certs


def join(body: bytes, certs: bytes) -> bytes:
    return _prefix(len(body), len(certs)) + body + certs


@lru_cache(maxsize=1024)
def _prefix(body: int, certs: int) -> bytes:
    """The headers before the body: they depend only on the lengths."""
    basic = b"\x30" + der.length(body + certs)
    octets = b"\x04" + der.length(len(basic) + body + certs)
    inner = len(_OID_BASIC) + len(octets) + len(basic) + body + certs
    response_bytes = b"\x30" + der.length(inner)
    explicit = b"\xa0" + der.length(len(response_bytes) + inner)
    total = 3 + len(explicit) + len(response_bytes) + inner
    return (b"\x30" + der.length(total) + b"\x0a\x01\x00" + explicit + response_bytes
            + _OID_BASIC + octets + basic)
