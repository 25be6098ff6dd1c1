"""The card side of the vpcd protocol over a socket pair: control commands, the ATR,
APDUs, and a reader that goes away in the middle of a command."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from mynumbercard.adapters.virtual_card import ReaderGone, insert, serve_connection
from mynumbercard.chip import Chip, lock
from mynumbercard.chip.layout import ATR, Application
from mynumbercard.chip.lock import CardInReader
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain.pins import PinKind

from chip_cards import PINS, CardIssuer, issue_card

SELECT_PIN = [bytes.fromhex("00A4040C0A") + Application.JPKI.value, bytes.fromhex("00A4020C020018")]


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return issue_card(tmp_path_factory.mktemp("card") / "card", CardIssuer.create()).read_bytes()


@pytest.fixture
def card(tmp_path: Path, issued: bytes) -> Path:
    path = tmp_path / "card"
    path.write_bytes(issued)
    return path


def message(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def answer(sock: socket.socket) -> bytes:
    size = int.from_bytes(sock.recv(2), "big")
    data = b""
    while len(data) < size:
        data += sock.recv(size - len(data))
    return data


def test_the_atr_apdus_and_power_off_with_once(card: Path) -> None:
    reader, card_side = socket.socketpair()
    session = CardSession(card)
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(
        serve_connection(card_side, session, once=True)))
    worker.start()
    reader.sendall(message(b"\x01") + message(b"\x04"))
    assert answer(reader) == ATR
    for command in SELECT_PIN:
        reader.sendall(message(command))
        assert answer(reader) == b"\x90\x00"
    reader.sendall(message(bytes.fromhex("00200080")))
    assert answer(reader) == b"\x63\xc3"
    reader.sendall(message(b"\x09"))  # an unknown control command is ignored
    reader.sendall(message(b"\x00"))  # power off
    worker.join(5)
    assert done == [True]
    reader.close()
    card_side.close()


def test_pulling_the_card_out_mid_command_keeps_the_counter_and_the_file_exact(
        card: Path) -> None:
    reader, card_side = socket.socketpair()
    session = CardSession(card)
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(
        serve_connection(card_side, session, once=False)))
    worker.start()
    for command in SELECT_PIN:
        reader.sendall(message(command))
        answer(reader)
    wrong = bytes.fromhex("0020008004") + b"0000"
    reader.sendall(message(wrong) + message(wrong)[:3])  # the second one half sent
    reader.close()  # the card leaves the reader before the answer is read
    worker.join(5)
    card_side.close()
    assert done == [False]
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 2  # the one whole command
    Chip.open(card).verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])


def test_a_reader_that_closes_at_once_is_a_card_removed(card: Path) -> None:
    reader, card_side = socket.socketpair()
    reader.close()
    assert serve_connection(card_side, CardSession(card), once=False) is False
    card_side.close()
    assert issubclass(ReaderGone, Exception)


def test_one_reader_per_card_file_and_no_reader_listening(card: Path) -> None:
    with lock.in_reader(card), pytest.raises(CardInReader):
        insert(card, port=1, give_up_after=0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        insert(card, port=port, give_up_after=0.2, retry_seconds=0.05)
    assert not lock.reader_lock_path(card).exists()
