"""The OCSP fast path of `mynumbercard serve`: uvicorn's HTTP protocol, with /ocsp first.

uvicorn's HTTP layer costs far more per request than answering OCSP from a cache does
(a request object, an ASGI scope, a task and two messages per request). So `serve` gives
uvicorn this protocol: it reads each request's head itself and, when it is a plain OCSP
request — `POST /ocsp` with a Content-Length of at most 4096, or `GET /ocsp/<base64>`,
HTTP/1.0 or 1.1, well-formed header lines, no Transfer-Encoding, Expect or Upgrade —
answers it here, without a task when the answer is fresh in the responder's cache
(`OcspResponder.at_once`), else after a look-up in the default thread pool. Anything
else, from the first request that is not such a request on, is handed with its bytes to
uvicorn's own protocol, which serves it through ASGI: the API, the pages, and any OCSP
request in an unusual form (`web/ocsp.py` answers those the same way). OCSP requests
answered here are not written to the access log.

Bounds: a connection that sends nothing, or only part of a request, is closed after
`timeout_keep_alive` seconds (counted from the connection or the last answer, not reset
by partial data); a head over MAX_HEAD without its end goes to uvicorn's protocol, which
refuses it (web/http_guard.py bounds the head, its time and the body's time).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
from functools import partial
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.server import ServerState

from mynumbercard.web.http_guard import GuardedHttpTools
from mynumbercard.web.ocsp import (
    INTERNAL_ERROR,
    MAX_REQUEST_BYTES,
    Answer,
    OcspResponder,
    Query,
    from_path,
)

MAX_HEAD = 8192
_UVICORN_PROTOCOL: Any = GuardedHttpTools  # uvicorn's httptools protocol, bounded
_log = logging.getLogger(__name__)
_HEADER = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*")
_HAND_OVER = frozenset((b"transfer-encoding", b"expect", b"upgrade"))
_STATUS = b"HTTP/1.1 200 OK\r\n"
_KEEP_ALIVE = b"connection: keep-alive\r\n\r\n"
_CLOSE = b"connection: close\r\n\r\n"
_VERSIONS = (b"HTTP/1.1", b"HTTP/1.0")
_defaults: list[Any] = [None, b""]  # uvicorn's default headers (date, server) and as bytes


class OcspHttpProtocol(asyncio.Protocol):
    """One connection: OCSP requests answered here until another request comes."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        if not config.loaded:
            config.load()
        self._config, self._state, self._app_state = config, server_state, app_state
        self._loop = _loop or asyncio.get_event_loop()
        self._responder = _find_responder(config.loaded_app)
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._busy = False  # an answer is being looked up: later requests wait
        self._closing = False
        self._idle: asyncio.TimerHandle | None = None

    @property
    def answers_ocsp(self) -> bool:
        return self._responder is not None

    def answer_now(self, data: bytes) -> bytes | None:
        """The whole HTTP answer to `data`, when it is exactly one plain OCSP request that
        asks to close the connection and needs no look-up; else None (`web/ocsp_accept.py`:
        the connection then comes to a protocol with these bytes)."""
        request = _parse(data)
        responder = self._responder
        if not isinstance(request, tuple) or responder is None:
            return None
        der, keep_alive, size = request
        if keep_alive or size != len(data):
            return None
        try:
            found = responder.at_once(der)
        except Exception:
            _log.exception("OCSP responder failure")
            found = INTERNAL_ERROR
        if isinstance(found, Query):
            return None
        self._state.total_requests += 1
        return b"".join((_STATUS, _default_headers(self._state), found.head, _CLOSE,
                         found.payload))

    def preread(self, data: bytes) -> None:
        """Bytes read before the connection came here (served once it is made)."""
        self._buffer = data

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)  # uvloop's is not a subclass
        connections: set[Any] = self._state.connections
        connections.add(self)
        if self._responder is None:
            self._hand_over()
            return
        self._arm_idle()
        if self._buffer:
            self._serve()

    def connection_lost(self, exc: Exception | None) -> None:
        self._state.connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()

    def data_received(self, data: bytes) -> None:
        # Partial data does not reset the idle timer: only a whole request does.
        self._buffer = self._buffer + data if self._buffer else data
        if not self._busy:
            self._serve()
        elif len(self._buffer) > MAX_HEAD + MAX_REQUEST_BYTES and self._transport is not None:
            self._transport.pause_reading()  # resumed when the answer being looked up is out

    def _arm_idle(self) -> None:
        if self._idle is None and self._transport is not None:
            self._idle = self._loop.call_later(self._config.timeout_keep_alive, self._expired)

    def _disarm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _expired(self) -> None:
        self._idle = None
        if self._transport is not None and not self._busy:
            self._transport.close()

    def pause_writing(self) -> None:  # a client that does not read: stop reading from it
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._transport.resume_reading()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: close now, or after the answer being looked up."""
        self._closing = True
        if not self._busy and self._transport is not None:
            self._transport.close()

    def _serve(self) -> None:
        transport, responder = self._transport, self._responder
        assert transport is not None  # noqa: S101
        assert responder is not None  # noqa: S101
        while self._buffer and not transport.is_closing():
            request = _parse(self._buffer)
            if isinstance(request, _Incomplete):
                if len(self._buffer) > MAX_HEAD + MAX_REQUEST_BYTES:
                    self._hand_over()
                    return
                break
            if request is None:
                self._hand_over()
                return
            der, keep_alive, size = request
            self._disarm_idle()
            self._buffer = self._buffer[size:]
            self._state.total_requests += 1
            try:
                found = responder.at_once(der)
            except Exception:
                _log.exception("OCSP responder failure")
                found = INTERNAL_ERROR
            if isinstance(found, Query):
                self._busy = True
                looked_up = self._loop.run_in_executor(None, responder.look_up, found)
                looked_up.add_done_callback(partial(self._looked_up, der, keep_alive))
                return
            self._write(found, keep_alive)
        if not transport.is_closing():
            self._arm_idle()

    def _looked_up(self, der: bytes | None, keep_alive: bool, done: asyncio.Future[Answer]) -> None:
        self._busy = False
        try:
            answer = done.result()
        except Exception:  # an OCSP client gets an OCSP answer, never an HTML 500
            _log.exception("OCSP responder failure")
            answer = INTERNAL_ERROR
        else:
            if self._responder is not None and der is not None:
                self._responder.remember(der, answer)
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        self._write(answer, keep_alive)
        if not transport.is_closing():
            transport.resume_reading()
            self._serve()

    def _write(self, answer: Answer, keep_alive: bool) -> None:
        transport = self._transport
        assert transport is not None  # noqa: S101
        keep_alive = keep_alive and not self._closing
        transport.write(b"".join((_STATUS, _default_headers(self._state), answer.head,
                                  _KEEP_ALIVE if keep_alive else _CLOSE, answer.payload)))
        if not keep_alive:
            transport.close()

    def _hand_over(self) -> None:
        """From here on, uvicorn's own protocol serves this connection."""
        transport = self._transport
        assert transport is not None  # noqa: S101
        self._disarm_idle()
        self._state.connections.discard(self)
        protocol: Any = _UVICORN_PROTOCOL(config=self._config, server_state=self._state,
                                    app_state=self._app_state, _loop=self._loop)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        buffered, self._buffer = self._buffer, b""
        if buffered:
            protocol.data_received(buffered)


def _default_headers(state: ServerState) -> bytes:
    """uvicorn's `date` (refreshed each second by its main loop) and `server` headers."""
    if _defaults[0] is not state.default_headers:
        _defaults[0] = state.default_headers
        _defaults[1] = b"".join(name + b": " + value + b"\r\n"
                                for name, value in state.default_headers)
    head: bytes = _defaults[1]
    return head


def _find_responder(app: Any) -> OcspResponder | None:
    """Our responder inside uvicorn's middleware (each keeps the next as `.app`)."""
    for _ in range(10):
        responder = getattr(app, "responder", None)
        if isinstance(responder, OcspResponder):
            return responder
        app = getattr(app, "app", None)
    return None


class _Incomplete:
    """More bytes are needed."""


_INCOMPLETE = _Incomplete()
_Request = tuple[bytes | None, bool, int]  # the request DER (None: unreadable), keep-alive, size


def _parse(buffer: bytes) -> _Request | _Incomplete | None:
    """The plain OCSP request at the start of `buffer`, `_INCOMPLETE`, or None: not one,
    uvicorn's to serve."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return _INCOMPLETE
    lines = buffer[:end].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[2] not in _VERSIONS:  # method, target, version
        return None
    headers = _headers(lines, keep_alive=parts[2] == b"HTTP/1.1")
    if headers is None:
        return None
    return _request(buffer, parts[:2], end + 4, headers)


def _request(buffer: bytes, line: list[bytes], start: int,
             headers: tuple[bool, int | None]) -> _Request | _Incomplete | None:
    (method, target), (keep_alive, length) = line, headers
    if method == b"POST" and (target == b"/ocsp" or target.startswith(b"/ocsp/")):
        if length is None or length > MAX_REQUEST_BYTES:
            return None
        if len(buffer) < start + length:
            return _INCOMPLETE
        return buffer[start:start + length], keep_alive, start + length
    if (method == b"GET" and target.startswith(b"/ocsp/") and not length
            and b"?" not in target and b"#" not in target):
        return _from_target(target), keep_alive, start
    return None


_ESCAPES = ((b"%2F", b"/"), (b"%2B", b"+"), (b"%3D", b"="), (b"%2f", b"/"), (b"%2b", b"+"),
            (b"%3d", b"="))


def _from_target(target: bytes) -> bytes | None:
    """`from_path` on the bytes of a GET target: the escapes of base64's three marks
    undone here, anything else escaped read by `from_path` (the same answer, slower)."""
    encoded = target[5:].lstrip(b"/")  # after /ocsp, as from_path
    if b"%" in encoded:
        for escaped, mark in _ESCAPES:
            encoded = encoded.replace(escaped, mark)
        if b"%" in encoded:
            return from_path(target.decode("latin-1"))
    if not encoded or len(encoded) > MAX_REQUEST_BYTES * 2:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _headers(lines: list[bytes], *, keep_alive: bool) -> tuple[bool, int | None] | None:
    """(keep-alive, Content-Length) from the header lines, or None: uvicorn's to read."""
    length = None
    for line in lines[1:]:
        header = _HEADER.fullmatch(line)
        if header is None:
            return None  # obs-fold, control characters, a bad name
        name = header[1].lower()
        if name == b"content-length":
            if length is not None or not header[2].isdigit():
                return None
            length = int(header[2])
        elif name == b"connection":
            tokens = {token.strip().lower() for token in header[2].split(b",")}
            if b"close" in tokens:
                keep_alive = False
            elif b"keep-alive" in tokens:
                keep_alive = True
        elif name in _HAND_OVER:
            return None
    return keep_alive, length
