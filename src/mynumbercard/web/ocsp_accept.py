"""The OCSP responder's accept loop: a one-shot OCSP request answered on the socket.

Relying parties mostly open a connection, send one OCSP request and read the answer
(`openssl ocsp`, browsers, most libraries). Through an event loop's transport that
connection costs about eleven system calls and a transport, a protocol and a timer
(accept, options, names, epoll registration, read, write, close); the answer itself,
from the store, costs a few microseconds. So `mynumbercard serve` runs on this loop
(uvloop's, with `create_server` replaced): the listening socket is read here, the
kernel hands a connection over only once its first bytes have arrived
(TCP_DEFER_ACCEPT), and a connection whose first read is one whole plain OCSP request
that asks to close (`Connection: close` or HTTP/1.0) and whose answer needs no I/O
(`OcspResponder.at_once`) is answered with four system calls: accept, read, write,
close. Every other connection (keep-alive, the API, the pages, a request still
arriving, an answer that needs a look-up) is handed, with the bytes read, to the
server's protocol (`web/ocsp_http.py`), as if the event loop had accepted it.
"""

from __future__ import annotations

import _socket
import asyncio
import errno
import gc
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

import uvloop

from mynumbercard.web.ocsp_http import OcspHttpProtocol

ACCEPTS_PER_WAKE = 64  # then the loop serves the other connections
DEFER_SECONDS = 1  # the kernel holds a silent connection about this long, then hands it
# over (and the idle time-out starts: a silent connection lasts about a second longer)
READ_SIZE = 16384
_log = logging.getLogger(__name__)
_EMFILE = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class OcspLoop(uvloop.Loop):
    """uvloop, with plain-TCP servers of an OCSP protocol accepting through `Acceptor`."""

    async def create_server(  # type: ignore[override] # uvicorn's call, passed on whole
            self, protocol_factory: Callable[[], asyncio.Protocol], *args: Any, **kwargs: Any,
    ) -> Any:
        probe = protocol_factory() if kwargs.get("ssl") is None else None
        if not isinstance(probe, OcspHttpProtocol) or not probe.answers_ocsp:
            return await super().create_server(protocol_factory, *args, **kwargs)
        # The application is loaded: its objects (a few hundred thousand) leave the
        # collector's passes, which would otherwise walk them all, now and then, between
        # two answers.
        gc.freeze()
        server: Any = await super().create_server(protocol_factory, *args,
                                              **{**kwargs, "start_serving": False})
        backlog = kwargs.get("backlog", 100)
        acceptors = [Acceptor(self, socket.socket(fileno=os.dup(s.fileno())), backlog, probe,
                              protocol_factory) for s in server.sockets]
        return _Served(server, acceptors)


def new_event_loop() -> OcspLoop:
    """uvicorn's loop factory (`loop="mynumbercard.web.ocsp_accept:new_event_loop"`)."""
    return OcspLoop()


class Acceptor:
    """Accepts on one listening socket; answers one-shot OCSP requests on the spot."""

    def __init__(self, loop: OcspLoop, listener: socket.socket, backlog: int,
                 probe: OcspHttpProtocol, factory: Callable[[], asyncio.Protocol]) -> None:
        self._loop, self._listener, self._factory = loop, listener, factory
        self._answer_now = probe.answer_now
        # Accepted sockets as the C type, without socket.socket's wrapping (enumerations
        # of family and type made per connection): they live a few microseconds.
        self._family, self._type = int(listener.family), int(listener.type)
        listener.setblocking(False)
        if hasattr(socket, "TCP_DEFER_ACCEPT") and listener.family != socket.AF_UNIX:
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_SECONDS)
        listener.listen(backlog)
        loop.add_reader(listener.fileno(), self._accept)

    def close(self) -> None:
        if self._listener.fileno() >= 0:
            self._loop.remove_reader(self._listener.fileno())
            self._listener.close()

    def _accept(self) -> None:
        listener: Any = self._listener  # its `_accept`: the descriptor, no wrapping
        accept, family, kind = listener._accept, self._family, self._type
        for _ in range(ACCEPTS_PER_WAKE):
            try:
                fd, _ = accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno not in _EMFILE:
                    raise
                # Out of descriptors: stop accepting for a moment, as uvloop would.
                _log.warning("OCSP accept: %s; pausing accepts for 0.1 s", exc)
                self._loop.remove_reader(self._listener.fileno())
                self._loop.call_later(0.1, self._resume)
                return
            self._serve(_socket.socket(family, kind, 0, fd))

    def _resume(self) -> None:
        if self._listener.fileno() >= 0:
            self._loop.add_reader(self._listener.fileno(), self._accept)

    def _serve(self, conn: _socket.socket) -> None:
        try:
            data = conn.recv(READ_SIZE, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            data = None  # nothing yet (the kernel's deferral timed out): the protocol waits
        except OSError:
            conn.close()
            return
        if data == b"":  # closed before a request
            conn.close()
            return
        reply = self._answer_now(data) if data is not None else None
        if reply is None:
            self._hand_over(conn, data or b"")
            return
        try:
            sent = conn.send(reply, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            conn.close()
            return
        if sent == len(reply):
            conn.close()
        else:  # the socket's buffer is full (it never is for one answer): the loop writes on
            self._loop.create_task(self._loop.connect_accepted_socket(
                lambda: _Rest(reply[sent:]), _wrapped(conn)))

    def _hand_over(self, conn: _socket.socket, data: bytes) -> None:
        """The connection, with what was read of it, to the server's own protocol."""
        def factory() -> asyncio.Protocol:
            protocol = self._factory()
            if data and isinstance(protocol, OcspHttpProtocol):
                protocol.preread(data)
            return protocol

        self._loop.create_task(self._loop.connect_accepted_socket(factory, _wrapped(conn)))


def _wrapped(conn: _socket.socket) -> socket.socket:
    """The accepted socket as the event loop takes it."""
    wrapped = socket.socket(fileno=conn.detach())
    wrapped.setblocking(False)
    return wrapped


class _Rest(asyncio.Protocol):
    """The rest of an answer the socket would not take at once, then close."""

    def __init__(self, rest: bytes) -> None:
        self._rest = rest

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        writer: Any = transport
        writer.write(self._rest)
        writer.close()


class _Served:
    """What uvicorn keeps of a server: its sockets, and close."""

    def __init__(self, server: Any, acceptors: list[Acceptor]) -> None:
        self._server, self._acceptors = server, acceptors

    @property
    def sockets(self) -> Any:
        return self._server.sockets

    def is_serving(self) -> bool:
        return bool(self._acceptors)

    def close(self) -> None:
        for acceptor in self._acceptors:
            acceptor.close()
        self._acceptors = []
        self._server.close()

    async def wait_closed(self) -> None:
        await self._server.wait_closed()
