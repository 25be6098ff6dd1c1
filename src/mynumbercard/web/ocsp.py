"""The OCSP responder (RFC 6960 over HTTP, GET and POST): its answers, and an ASGI form.

Each certificate's response was produced ahead of time and is re-signed at once when its
status changes, so answering is a look-up: in this machine's answer store (LMDB,
memory-mapped, `adapters/ocsp_answers.py`, kept in step with the database's change feed
by a thread, `adapters/ocsp_follow.py`), on the event loop, with no database round
trip and no signature. The request is parsed strictly, but only up to its CertID.
When the store cannot answer (missing, half-written, stale, or it has no fresh answer
for this certificate), the database does, in a thread: one primary-key read. A
private-key operation happens only for a serial nobody issued (`unknown`, cached an
hour) and for a CertID hashed with SHA-256/384/512: the pre-produced response names
the certificate by SHA-1 (RFC 5019), and a client matches a response to its request by
the whole CertID, so such a request is answered with the same answer re-signed under
its own CertID hash, once per certificate and re-signing. An answer is also kept for
one second per process keyed by the request's bytes (a revocation shows within that).

`mynumbercard serve` answers most OCSP requests before they reach ASGI
(`web/ocsp_http.py`); the ASGI form below serves the rest (`web/app.py`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from threading import Lock
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as x509_ocsp

from mynumbercard.adapters.db.ocsp_reader import OcspReader
from mynumbercard.adapters.ocsp_follow import AnswerFollower
from mynumbercard.adapters.pki import (
    MalformedOcspRequest,
    PlainRequests,
    ocsp_error_response,
    parse_ocsp_request,
)
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
REHASHED_ENTRIES = 10_000
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """An OCSP answer ready to send: the body, and its headers as the lines of an HTTP/1.1
    head (content-length included) for `web/ocsp_http.py`; `headers` for ASGI."""

    payload: bytes
    head: bytes

    @property
    def headers(self) -> tuple[tuple[bytes, bytes], ...]:
        lines = self.head.split(b"\r\n")[:-1]
        return tuple((name, value) for name, _, value in (ln.partition(b": ") for ln in lines))

    @classmethod
    def of(cls, payload: bytes, next_update: datetime | None = None,
           this_update: datetime | None = None) -> Answer:
        if next_update is None:
            return cls(payload, _UNSIGNED_HEAD % len(payload))
        return cls.at(payload, int(next_update.timestamp()),
                      int((this_update or next_update).timestamp()))

    @classmethod
    def at(cls, payload: bytes, next_update: int, this_update: int) -> Answer:
        """A signed answer, with the RFC 5019 §6 caching headers (times in Unix seconds):
        shared caches and CDNs may keep it HTTP_MAX_AGE seconds (never past its
        nextUpdate), and revalidate it by ETag or Last-Modified."""
        age = max(0, min(HTTP_MAX_AGE, next_update - int(time.time())))
        tag = hashlib.blake2b(payload, digest_size=8).hexdigest().encode()
        return cls(payload, _SIGNED_HEAD % (age, _http_date(next_update),
                                            _http_date(this_update), tag, len(payload)))


_UNSIGNED_HEAD = b"content-type: application/ocsp-response\r\ncontent-length: %d\r\n"
_SIGNED_HEAD = (b"content-type: application/ocsp-response\r\n"
                b"cache-control: max-age=%d, public, no-transform\r\nexpires: %s\r\n"
                b'last-modified: %s\r\netag: "%s"\r\ncontent-length: %d\r\n')


@lru_cache(maxsize=4096)
def _http_date(seconds: int) -> bytes:
    return format_datetime(datetime.fromtimestamp(seconds, UTC), usegmt=True).encode()


MALFORMED = Answer.of(ocsp_error_response(x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST))
UNAUTHORIZED = Answer.of(ocsp_error_response(x509_ocsp.OCSPResponseStatus.UNAUTHORIZED))
INTERNAL_ERROR = Answer.of(ocsp_error_response(x509_ocsp.OCSPResponseStatus.INTERNAL_ERROR))


@dataclass(frozen=True, slots=True)
class Query:
    """What a well-formed request asks: one certificate of one of our CAs."""

    kind: CertKind
    serial: int
    hash_algorithm: hashes.HashAlgorithm


class OcspResponder:
    """Answers OCSP requests; `answer` is the whole of it, the other methods its steps
    for a caller that runs the event loop itself (`web/ocsp_http.py`)."""

    def __init__(self, container: Container, *, follow: bool = True) -> None:
        self._container = container
        self._reader = OcspReader(container.engine)
        self._answers: AnswerFollower | None = None
        self._prefixes: dict[CertKind, bytes] = {}
        self._plain: PlainRequests | None = None
        if follow:
            self.follow()
        self._fresh: dict[bytes, tuple[float, Answer]] = {}  # request bytes -> answer
        self._rehashed: OrderedDict[tuple[CertKind, int, str], tuple[bytes, bytes]] = (
            OrderedDict())
        self._rehash_lock = Lock()

    def follow(self) -> None:
        """Answer from this machine's store, kept in step by a thread of this process.
        Without a CA yet there is nothing to answer for: the database answers."""
        try:
            answers = self._container.ocsp_answers
        except Exception:  # no CA yet (a fresh installation): every answer is an error
            _log.warning("OCSP answer store not followed: the CA cannot be opened")
            return
        hierarchy = self._container.authority.hierarchy
        self._prefixes = {kind: hierarchy.issuer_key_hash(kind) for kind in CertKind}
        self._plain = PlainRequests({kind.value: hierarchy.issuing_certificate(kind)
                                     for kind in CertKind})
        answers.start()
        self._answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "POST":
            body, too_long = await _read_body(receive)
            der = None if too_long else body
        elif scope["method"] == "GET":
            der = from_path(scope["path"])
        else:
            await _send(send, 405, b"", [(b"allow", b"GET, POST"), (b"content-length", b"0")])
            return
        answer = await self.answer(der)
        await _send(send, 200, answer.payload, list(answer.headers))

    async def answer(self, der: bytes | None) -> Answer:
        """The answer to a DER OCSPRequest (`None`: one that could not be read)."""
        try:
            found = self.at_once(der)
            if not isinstance(found, Query):
                return found
            answer = await anyio.to_thread.run_sync(self.look_up, found)
        except Exception:  # an OCSP client gets an OCSP answer, never an HTML 500
            _log.exception("OCSP responder failure")
            return INTERNAL_ERROR
        assert der is not None  # noqa: S101 - a Query comes only from bytes
        self.remember(der, answer)
        return answer

    def at_once(self, der: bytes | None) -> Answer | Query:
        """An answer that needs no I/O (a fresh one, or an error), else what to look up.

        Called on the event loop: dictionary look-ups (the answers of the last second,
        the plain request's form, the store) and, for any other form, strict parsing."""
        if der is None:
            return MALFORMED
        fresh = self._fresh.get(der)
        if fresh is not None and fresh[0] > time.monotonic():
            return fresh[1]
        plain = self._plain.match(der) if self._plain is not None else None
        # The usual request: its store key read from its bytes, no parsing.
        stored = self._from_store(plain[1]) if plain is not None else None
        if stored is not None:
            return stored
        try:
            queries = parse_ocsp_request(der)
        except MalformedOcspRequest:
            queries = []
        if len(queries) != 1:  # RFC 5019: one CertID per request
            return MALFORMED
        (query,) = queries
        kind = self._container.authority.hierarchy.kind_for_issuer(
            issuer_name_hash=query.issuer_name_hash, issuer_key_hash=query.issuer_key_hash,
            hash_algorithm=query.hash_algorithm)
        if kind is None:  # not one of our CAs (RFC 6960 §2.3)
            return UNAUTHORIZED
        stored = None
        if isinstance(query.hash_algorithm, hashes.SHA1):  # the store's own CertID: as is
            stored = self._from_store(query.issuer_key_hash + _octets(query.serial))
        return stored or Query(kind, query.serial, query.hash_algorithm)

    def _from_store(self, key: bytes) -> Answer | None:
        """The stored answer, if the store may answer and the answer is not stale."""
        store = self._answers.usable if self._answers is not None else None
        found = store.answer(key) if store is not None else None
        if found is None:
            return None
        der, this_update, next_update, _ = found
        if next_update <= self._container.clock().timestamp():
            return None  # stale here: the database may hold a newer one
        return Answer.at(der, next_update, this_update)

    def look_up(self, query: Query) -> Answer:
        """The answer when the store could not give it at once (blocking: run it in a
        thread): from the store for another CertID hash, else from the database."""
        found = self._stored(query) or self._reader.get(query.kind, query.serial)
        if found is not None:
            der, next_update = found
        else:
            now = self._container.clock()
            der = self._container.unknown_answers.get(self._container.authority, query.kind,
                                                      query.serial, now)
            next_update = now + UNKNOWN_VALIDITY
        if not isinstance(query.hash_algorithm, hashes.SHA1):
            der = self._rehash(query, der)
        return Answer.of(der, next_update)

    def _stored(self, query: Query) -> tuple[bytes, datetime] | None:
        store = self._answers.usable if self._answers is not None else None
        if store is None:
            return None
        found = store.get(self._prefixes[query.kind], query.serial)
        if found is None or found.next_update <= self._container.clock():
            return None  # missing or stale here: the database may know better
        return found.der, found.next_update

    def remember(self, der: bytes, answer: Answer) -> None:
        """Keep an answer for `FRESH_FOR` seconds (called on the event loop)."""
        fresh = self._fresh
        fresh.pop(der, None)
        fresh[der] = (time.monotonic() + FRESH_FOR, answer)
        if len(fresh) > CACHE_ENTRIES:
            del fresh[next(iter(fresh))]  # the oldest

    def _rehash(self, query: Query, response: bytes) -> bytes:
        """`response` under the request's CertID hash, signed once per response."""
        key = (query.kind, query.serial, query.hash_algorithm.name)
        with self._rehash_lock:
            done = self._rehashed.get(key)
            if done is not None and done[0] == response:
                return done[1]
        try:
            rehashed = self._container.authority.ocsp_rehashed(
                kind=query.kind, serial=query.serial, response=response,
                hash_algorithm=query.hash_algorithm)
        except ValueError:
            return response  # an error answer (an expired certificate) carries no CertID
        with self._rehash_lock:
            self._rehashed[key] = (response, rehashed)
            self._rehashed.move_to_end(key)
            while len(self._rehashed) > REHASHED_ENTRIES:
                self._rehashed.popitem(last=False)
        return rehashed


def _octets(serial: int) -> bytes:
    return serial.to_bytes((serial.bit_length() + 7) // 8 or 1, "big")


def from_path(path: str) -> bytes | None:
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
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def is_ocsp(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return scope["type"] == "http" and (path == "/ocsp" or path.startswith("/ocsp/"))
