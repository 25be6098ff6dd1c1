"""The OCSP responder (RFC 6960 over HTTP, GET and POST), as a plain ASGI app.

It sits in front of FastAPI: no routing, validation or dependency injection per request.
Each certificate's response was produced ahead of time and is re-signed at once when its
status changes, so answering is a look-up: a per-process cache of one second (a
revocation is visible within that), then one primary-key read. Only a serial nobody
issued costs a signature (`unknown`, cached an hour). RFC 5019's lightweight profile:
one CertID per request, SHA-1 CertIDs.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as x509_ocsp

from mynumbercard.adapters.db.ocsp_reader import OcspReader
from mynumbercard.adapters.pki import MalformedOcspRequest, ocsp_error_response, parse_ocsp_request
from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertKind
from mynumbercard.services.ocsp import UNKNOWN_VALIDITY

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

MAX_REQUEST_BYTES = 4096  # a one-CertID request is about 100 bytes
FRESH_FOR = 1.0  # seconds a process may reuse a response it read: revocations show within
HTTP_MAX_AGE = 10  # seconds shared caches may keep an answer (a revocation must show fast)
CACHE_ENTRIES = 100_000
_MALFORMED = ocsp_error_response(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
_UNAUTHORIZED = ocsp_error_response(x509_ocsp.OCSPResponseStatus.UNAUTHORIZED)
_INTERNAL_ERROR = ocsp_error_response(x509_ocsp.OCSPResponseStatus.INTERNAL_ERROR)
_log = logging.getLogger(__name__)
_CONTENT_TYPE = (b"content-type", b"application/ocsp-response")


def _headers(next_update: datetime | None) -> list[tuple[bytes, bytes]]:
    headers = [_CONTENT_TYPE,
               (b"cache-control", f"max-age={HTTP_MAX_AGE}, public, no-transform".encode())]
    if next_update is not None:
        expires = format_datetime(next_update.astimezone(UTC), usegmt=True)
        headers.append((b"expires", expires.encode()))
    return headers


class OcspResponder:
    def __init__(self, container: Container) -> None:
        self._container = container
        self._reader = OcspReader(container.engine)
        self._cache: OrderedDict[tuple[CertKind, int], tuple[float, bytes, list[Any]]] = (
            OrderedDict())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "POST":
            body, too_long = await _read_body(receive)
            der = None if too_long else body
        elif scope["method"] == "GET":
            der = _from_path(scope["path"])
        else:
            await _send(send, 405, b"", [(b"allow", b"GET, POST")])
            return
        try:
            status, payload, headers = await self.answer(der)
        except Exception:  # an OCSP client gets an OCSP answer, never an HTML 500
            _log.exception("OCSP responder failure")
            status, payload, headers = 200, _INTERNAL_ERROR, [_CONTENT_TYPE]
        await _send(send, status, payload, headers)

    async def answer(self, der: bytes | None) -> tuple[int, bytes, list[Any]]:
        if der is None:
            return 200, _MALFORMED, [_CONTENT_TYPE]
        try:
            queries = parse_ocsp_request(der)
        except MalformedOcspRequest:
            return 200, _MALFORMED, [_CONTENT_TYPE]
        if len(queries) != 1:
            return 200, _MALFORMED, [_CONTENT_TYPE]
        (query,) = queries
        kind = self._container.authority.hierarchy.kind_for_issuer(
            issuer_name_hash=query.issuer_name_hash, issuer_key_hash=query.issuer_key_hash,
            hash_algorithm=query.hash_algorithm)
        if kind is None or not isinstance(query.hash_algorithm, hashes.SHA1):
            return 200, _UNAUTHORIZED, [_CONTENT_TYPE]
        key = (kind, query.serial)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return 200, cached[1], cached[2]
        payload, headers = await anyio.to_thread.run_sync(self._look_up, kind, query.serial)
        self._cache[key] = (time.monotonic() + FRESH_FOR, payload, headers)
        self._cache.move_to_end(key)
        if len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return 200, payload, headers

    def _look_up(self, kind: CertKind, serial: int) -> tuple[bytes, list[Any]]:
        found = self._reader.get(kind, serial)
        if found is not None:
            der, next_update = found
            return der, _headers(next_update)
        now = self._container.clock()
        der = self._container.unknown_answers.get(self._container.authority, kind, serial, now)
        return der, _headers(now + UNKNOWN_VALIDITY)


def _from_path(path: str) -> bytes | None:
    """GET /ocsp/{url-encoded base64 of the DER request} (RFC 6960 A.1)."""
    encoded = unquote(path.removeprefix("/ocsp").lstrip("/"))
    if not encoded or len(encoded) > MAX_REQUEST_BYTES * 2:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_REQUEST_BYTES:
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), size > MAX_REQUEST_BYTES


async def _send(send: Send, status: int, body: bytes, headers: list[Any]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def is_ocsp(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return scope["type"] == "http" and (path == "/ocsp" or path.startswith("/ocsp/"))
