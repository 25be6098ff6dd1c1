"""Mutual TLS behind a TLS-terminating proxy (docs/services.md "Mutual TLS"): the proxy
checks the client's certificate and passes it on in a header, URL-encoded PEM; the
header is believed only from the configured proxies' addresses."""

from __future__ import annotations

import ipaddress
import urllib.parse
from functools import lru_cache

from fastapi import Request

from mynumbercard.domain.errors import InvalidInput
from mynumbercard.domain.relying_party import certificate_sha256

INVALID = "invalid"  # the proxy passed something that is not one certificate
MAX_HEADER = 16384


@lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                                   ...]:
    try:
        return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)
    except ValueError:
        raise InvalidInput("trusted_proxies: addresses or networks (10.0.0.0/24)") from None


def from_trusted_proxy(host: str | None, proxies: tuple[str, ...]) -> bool:
    if not host or not proxies:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in _networks(proxies))


def client_cert_sha256(request: Request, *, proxies: tuple[str, ...],
                       header: str) -> str | None:
    """The fingerprint of the certificate a trusted proxy passed on; None without one
    (or from any other address: a client cannot set the header itself)."""
    value = request.headers.get(header)
    if not value or not from_trusted_proxy(request.client.host if request.client else None,
                                           proxies):
        return None
    if len(value) > MAX_HEADER:
        return INVALID
    try:
        return certificate_sha256(urllib.parse.unquote(value))
    except InvalidInput:
        return INVALID
