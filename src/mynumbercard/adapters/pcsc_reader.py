"""A card in a PC/SC reader (``pcscd`` through ``pyscard``): the card as the rest of the
system uses it, whatever the reader — a physical one, or vsmartcard's virtual reader
with a card file served by ``mynumbercard card insert``.

``open_card(name)`` connects to the reader whose name contains ``name`` and gives a
``CardClient`` (``chip/client.py``): the same calls (``sign``, ``read_certificate``,
``read_card_face``, ``tries_left``, the issuer's ``admin``) as over a card file in the
process. ``ReaderTerminal`` is the counter's ``CardTerminal`` over it. The connection
is exclusive while open, so a command sequence (select, verify, sign) is never
interleaved with another program's.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mynumbercard.adapters import virtual_card
from mynumbercard.adapters.card_terminal import ApduTerminal, CardManagementKey, file_terminal
from mynumbercard.chip import Chip, lock
from mynumbercard.chip.client import CardClient
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain import errors
from mynumbercard.domain.pins import CardError
from mynumbercard.services.pki_ports import CardTerminal

MAX_APDU_RESPONSE = 258  # 256 data bytes and the status word (short APDUs)


class ReaderUnavailable(errors.NotFound):
    code = "reader_unavailable"


def _pyscard() -> Any:
    try:
        from smartcard import Exceptions, System  # noqa: PLC0415 - optional at import
        from smartcard.scard import SCARD_SHARE_EXCLUSIVE  # noqa: PLC0415
    except ImportError:  # pragma: no cover - pyscard is a dependency
        raise ReaderUnavailable("PC/SC support (pyscard) is not installed") from None
    return System, Exceptions, SCARD_SHARE_EXCLUSIVE


def reader_names() -> list[str]:
    """The PC/SC readers ``pcscd`` knows (empty when it does not run)."""
    system, exceptions, _ = _pyscard()
    try:
        return [str(reader) for reader in system.readers()]
    except exceptions.SmartcardException:
        return []


@contextlib.contextmanager
def open_card(name: str) -> Iterator[CardClient]:
    """The card in the reader whose name contains ``name``, exclusively for the block."""
    system, exceptions, exclusive = _pyscard()
    try:
        found = [reader for reader in system.readers() if name in str(reader)]
    except exceptions.SmartcardException:
        raise ReaderUnavailable("no PC/SC service: is pcscd running?") from None
    if not found:
        raise ReaderUnavailable(f"no card reader named {name!r}")
    connection = found[0].createConnection()
    try:
        connection.connect(mode=exclusive)
    except exceptions.NoCardException:
        _release(connection, exceptions)
        raise ReaderUnavailable(f"no card in the reader {found[0]}") from None
    except exceptions.CardConnectionException as exc:
        _release(connection, exceptions)
        raise ReaderUnavailable(f"cannot reach the card in {found[0]}: {exc}") from None

    def transmit(raw: bytes) -> bytes:
        try:
            data, sw1, sw2 = connection.transmit(list(raw))
        except exceptions.CardConnectionException:
            raise CardError("the card was taken out of the reader, or stopped answering") \
                from None
        return bytes(data[:256]) + bytes([sw1, sw2])

    try:
        yield CardClient(transmit)
    finally:
        with contextlib.suppress(exceptions.SmartcardException):
            connection.disconnect()
        _release(connection, exceptions)


def _release(connection: Any, exceptions: Any) -> None:
    """pyscard's context, released now while pcscd still answers (not at garbage
    collection, where a failure is an unraisable exception)."""
    with contextlib.suppress(exceptions.SmartcardException, AttributeError):
        connection.release()


@contextlib.contextmanager
def open_card_file(path: Path) -> Iterator[CardClient]:
    """A card file driven by the same APDUs, in this process (no reader): refused while
    the card is in a reader (``card insert``)."""
    with lock.in_reader(path):
        yield CardClient(CardSession(path).transmit)


@contextlib.contextmanager
def holder_card(*, file: Path | None, reader: str | None) -> Iterator[CardClient]:
    """The card in ``reader`` or the card file ``file`` (exactly one of them)."""
    if (file is None) == (reader is None):
        raise errors.InvalidInput("name either a card file or a reader (--reader), not both")
    if reader is not None:
        with open_card(reader) as card:
            yield card
    elif file is not None:
        with open_card_file(file) as card:
            yield card


VIRTUAL_READER = "Virtual PCD"


@contextlib.contextmanager
def file_in_virtual_reader(path: Path, *, port: int, timeout: float = 15
                           ) -> Iterator[CardClient]:
    """The card file put into vsmartcard's virtual reader for the block, as `card insert
    --once` does, and driven through pcscd like any card; taken out at the end (the
    reader powers the card off when the connection closes)."""
    Chip.open(path)  # a clear error now for a missing or broken card file
    failed: list[BaseException] = []

    def serve() -> None:
        try:
            virtual_card.insert(path, port=port, once=True, give_up_after=timeout)
        except (OSError, errors.DomainError) as error:
            failed.append(error)

    server = threading.Thread(target=serve, name="virtual-card", daemon=True)
    server.start()
    deadline = time.monotonic() + timeout
    while True:
        opened = open_card(VIRTUAL_READER)
        try:
            card = opened.__enter__()
            break
        except ReaderUnavailable:
            if failed or time.monotonic() > deadline:
                raise ReaderUnavailable(f"the card file did not come into the virtual "
                                        f"reader (vpcd on port {port})") from None
            time.sleep(0.05)
    try:
        yield card
    finally:
        opened.__exit__(None, None, None)
        server.join(timeout)


def _vpcd_listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            pass
    except OSError:
        return False
    # vpcd takes one card connection at a time: ours just closed, it listens again
    return True


@contextlib.contextmanager
def kiosk_card(*, file: Path | None, reader: str | None, vpcd_port: int
               ) -> Iterator[CardClient]:
    """The kiosk's card: in `reader`; or the card `file` put into the virtual reader for
    the transaction where pcscd has one, else driven with the same APDUs here."""
    if (file is not None and reader is None and _vpcd_listens(vpcd_port)
            and VIRTUAL_READER in " ".join(reader_names())):
        with file_in_virtual_reader(file, port=vpcd_port) as card:
            yield card
        return
    with holder_card(file=file, reader=reader) as card:
        yield card


class ReaderTerminal(ApduTerminal):
    """The counter's ``CardTerminal`` over a card in a reader."""


@contextlib.contextmanager
def counter_terminal(*, file: Path | None, reader: str | None,
                     management_key: CardManagementKey) -> Iterator[CardTerminal]:
    """The counter's terminal on the card in ``reader`` (PC/SC) or the card file
    ``file`` (driven directly, as before readers existed)."""
    if (file is None) == (reader is None):
        raise errors.InvalidInput("name either a card file or a reader (--reader), not both")
    if reader is not None:
        with open_card(reader) as card:
            yield ReaderTerminal(card, management_key)
    elif file is not None:
        with lock.in_reader(file):  # not while the card is in a reader
            yield file_terminal(file, management_key)
