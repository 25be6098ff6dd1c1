"""A card file as a smart card in vsmartcard's virtual reader (``vpcd``, a ``pcscd``
driver): the card side of the vpcd protocol (vsmartcard ``vpicc``,
``VirtualSmartcard.py``).

The reader listens on a TCP port (35963 by default); the card connects to it. Each
message either way is a 2-byte big-endian length and that many bytes. From the reader,
a 1-byte message is a control command (00 power off, 01 power on, 02 reset, 04 "send
the ATR"); anything longer is a command APDU, answered by one response APDU. Power
off, power on and reset forget the card's volatile state (what is selected and
verified); the card file carries everything else and is written only by the chip, one
command at a time under its lock, so a reader that goes away mid-command leaves the
file and the PIN counters exact.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path

from mynumbercard.chip import lock
from mynumbercard.chip.layout import ATR
from mynumbercard.chip.processor import CardSession

DEFAULT_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4

log = logging.getLogger(__name__)


class ReaderGone(Exception):
    """The reader closed the connection."""


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        _quick_ack(sock)
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ReaderGone()
        data += chunk
    return data


def _quick_ack(sock: socket.socket) -> None:
    """Acknowledge at once: vpcd writes a message's length and its bytes separately, so
    with Nagle on its side a delayed ACK on ours would cost 40 ms per APDU (Linux only;
    the kernel clears the flag after a while, hence before every read)."""
    quick_ack = getattr(socket, "TCP_QUICKACK", None)
    if quick_ack is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quick_ack, 1)


def _send(sock: socket.socket, message: bytes) -> None:
    sock.sendall(len(message).to_bytes(2, "big") + message)


def serve_connection(sock: socket.socket, session: CardSession, *, once: bool) -> bool:
    """Answer the reader on ``sock`` until it goes away (False) or, with ``once``, until
    it first powers the card off (True)."""
    try:
        while True:
            size = int.from_bytes(_receive(sock, 2), "big")
            message = _receive(sock, size) if size else b""
            if size == 1:
                control = message[0]
                if control == GET_ATR:
                    _send(sock, ATR)
                elif control in (POWER_OFF, POWER_ON, RESET):
                    session.reset()
                    if control == POWER_OFF and once:
                        return True
                continue  # an unknown control command is ignored, as vpicc does
            if size:
                _send(sock, session.transmit(message))
    except (ReaderGone, ConnectionError):
        session.reset()  # the card was pulled out: nothing volatile survives
        return False


def insert(path: Path, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
           once: bool = False, on_connected: Callable[[], None] | None = None,
           retry_seconds: float = 0.5, give_up_after: float | None = None) -> None:
    """Serve the card file at ``path`` to the vpcd reader at ``host:port``.

    Waits for the reader (``pcscd`` with vpcd) to listen, reconnects when it goes away;
    returns with ``once`` after the first power-off, or after ``give_up_after`` seconds
    without a reader. The card is held in this reader (``lock.in_reader``) throughout.
    """
    with lock.in_reader(path):
        session = CardSession(path)
        waited_since = time.monotonic()
        while True:
            try:
                sock = socket.create_connection((host, port), timeout=5)
            except OSError:
                if give_up_after is not None and time.monotonic() - waited_since > give_up_after:
                    raise ConnectionRefusedError(
                        f"no virtual reader (vpcd) listens on {host}:{port}") from None
                time.sleep(retry_seconds)
                continue
            with contextlib.closing(sock):
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if on_connected is not None:
                    on_connected()
                if serve_connection(sock, session, once=once):
                    return
            if once:
                return
            waited_since = time.monotonic()
