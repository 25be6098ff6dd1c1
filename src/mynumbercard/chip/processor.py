"""The chip answering APDUs: the card as a reader sees it (``docs/chip.md``).

A ``CardSession`` is one card in one reader between two resets: what is selected,
which PINs were verified (volatile, as on a card: a reset, a power-off or selecting an
application forgets them), a chain of commands being gathered and a response waiting
for GET RESPONSE. Everything durable (PIN counters, keys, certificates, the challenge)
lives in the card file and goes through ``Chip``/``storage`` under the card's lock, so
the counter is exact and the file intact whatever happens to the reader.

``transmit`` takes any byte string and returns a response APDU; it never raises.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from mynumbercard.chip import apdu, keys, lock, storage
from mynumbercard.chip import pins as chip_pins
from mynumbercard.chip.admin import CHALLENGE_BYTES
from mynumbercard.chip.admin_apdu import run_admin
from mynumbercard.chip.apdu import ApduError, Command
from mynumbercard.chip.card import Chip
from mynumbercard.chip.commands import with_pin
from mynumbercard.chip.layout import (
    FILES,
    Application,
    ElementaryFile,
    FileKind,
    basic_four_ef,
    individual_number_ef,
)
from mynumbercard.chip.storage import CardState
from mynumbercard.domain import errors
from mynumbercard.domain.pins import (
    POLICIES,
    AdminAuthorizationFailed,
    CardError,
    PinKind,
    PinLocked,
    PinNotSet,
    WrongPin,
)

log = logging.getLogger(__name__)

MAX_CHAIN = 8192  # bytes gathered over a command chain (a certificate is ~1.5 KiB)
MASTER_FILE = b"\x3f\x00"


class CardSession:
    """One card file as a card in a reader; see the module docstring."""

    def __init__(self, path: str | Path) -> None:
        self._chip = Chip.open(path)
        self.reset()

    @property
    def card_id(self) -> str:
        return self._chip.card_id

    def reset(self) -> None:
        """Power-on or reset: nothing selected, nothing verified, nothing pending."""
        self._application: Application | None = None
        self._file: tuple[int, ElementaryFile] | None = None
        self._verified: set[PinKind] = set()
        self._chain: tuple[tuple[int, int, int, int], bytes] | None = None
        self._pending = b""

    def transmit(self, raw: bytes) -> bytes:
        """The response APDU to the command APDU ``raw``; never raises."""
        try:
            data, status = self._dispatch(apdu.parse(bytes(raw)))
        except ApduError as refused:
            data, status = b"", refused.status
        except CardError:
            log.warning("the card file cannot be read as a card")
            data, status = b"", apdu.MEMORY_FAILURE
        except errors.NotFound:
            log.warning("the card file is gone")
            data, status = b"", apdu.MEMORY_FAILURE
        except Exception:  # a card answers every command; the cause goes to the log
            log.exception("chip error")
            data, status = b"", apdu.NO_PRECISE_DIAGNOSIS
        return apdu.response(data, status)

    # --- dispatch ------------------------------------------------------------------

    def _dispatch(self, command: Command) -> tuple[bytes, int]:
        if command.ins != 0xC0:
            self._pending = b""  # a response not fetched at once is gone
        command = self._gather(command)
        if command.chained:  # more of the chain to come
            return b"", apdu.OK
        handlers = {
            (0x00, 0xA4): self._select,
            (0x00, 0xB0): self._read_binary,
            (0x00, 0x20): self._verify,
            (0x00, 0x24): self._change_reference_data,
            (0x00, 0x84): self._get_challenge,
            (0x00, 0xC0): self._get_response,
            (0x80, 0x2A): self._compute_signature,
        }
        cla = command.cla & 0x80
        handler = handlers.get((cla, command.ins))
        if handler is not None:
            return handler(command)
        if cla == 0x80 and command.ins in (0xE0, 0xE2, 0xE3, 0xE4, 0xE6, 0xE8):
            return self._admin(command)
        if any(ins == command.ins for _, ins in handlers) or command.ins in range(0xE0, 0xEA):
            raise ApduError(apdu.CLA_NOT_SUPPORTED, "this instruction has another class")
        raise ApduError(apdu.INS_NOT_SUPPORTED)

    def _gather(self, command: Command) -> Command:
        """Command chaining (ISO 7816-4, 5.3.3): the data of a chain, once complete."""
        header = (command.cla & ~apdu.CHAINING, command.ins, command.p1, command.p2)
        if self._chain is not None:
            started, gathered = self._chain
            if started != header:
                self._chain = None
                raise ApduError(apdu.LAST_COMMAND_OF_CHAIN_EXPECTED)
            if len(gathered) + len(command.data) > MAX_CHAIN:
                self._chain = None
                raise ApduError(apdu.NOT_ENOUGH_MEMORY, "the chain is too long")
            command = replace(command, data=gathered + command.data)
        if command.chained:
            if header[1] not in (0xE2, 0xE3, 0xE4, 0xE6):
                raise ApduError(apdu.FUNCTION_NOT_SUPPORTED, "no chaining for this command")
            self._chain = (header, command.data)
        else:
            self._chain = None
        return command

    def _state(self) -> CardState:
        state = storage.read(self._chip.path)
        if state.card_id != self.card_id:
            raise CardError("the card file now holds another card")
        return state

    # --- SELECT, READ BINARY -------------------------------------------------------

    def _select(self, command: Command) -> tuple[bytes, int]:
        if command.p2 not in (0x00, 0x0C):
            raise ApduError(apdu.WRONG_P1_P2)
        if command.p1 == 0x04:  # by DF name
            found = next((a for a in Application if a.value == command.data), None)
            if found is None:
                raise ApduError(apdu.FILE_NOT_FOUND, "no such application")
            self._application, self._file = found, None
            self._verified.clear()  # the security state belongs to the DF
            return b"", apdu.OK
        if command.p1 in (0x00, 0x02):
            if len(command.data) != 2:
                raise ApduError(apdu.WRONG_LENGTH, "a file identifier has 2 bytes")
            if command.p1 == 0x00 and command.data == MASTER_FILE:
                self._application, self._file = None, None
                self._verified.clear()
                return b"", apdu.OK
            if self._application is None:
                raise ApduError(apdu.FILE_NOT_FOUND, "select an application first")
            number = int.from_bytes(command.data, "big")
            ef = FILES[self._application].get(number)
            if ef is None or not self._exists(ef):
                raise ApduError(apdu.FILE_NOT_FOUND)
            self._file = (number, ef)
            return b"", apdu.OK
        raise ApduError(apdu.WRONG_P1_P2)

    def _exists(self, ef: ElementaryFile) -> bool:
        if ef.kind is FileKind.CERTIFICATE and ef.key is not None:
            slot = self._state().keys[ef.key]
            return slot is not None and slot.certificate is not None
        if ef.kind is FileKind.CA_CERTIFICATE and ef.key is not None:
            return ef.key in self._state().ca_certificates
        if ef.kind is FileKind.KEY and ef.key is not None:
            return self._state().keys[ef.key] is not None
        return True

    def _current(self) -> ElementaryFile:
        if self._file is None:
            raise ApduError(apdu.NO_CURRENT_EF)
        return self._file[1]

    def _read_binary(self, command: Command) -> tuple[bytes, int]:
        if command.p1 & 0x80:
            raise ApduError(apdu.FUNCTION_NOT_SUPPORTED, "no short EF identifiers")
        if command.le is None or command.data:
            raise ApduError(apdu.WRONG_LENGTH)
        ef = self._current()
        if ef.kind in (FileKind.PIN, FileKind.KEY):
            raise ApduError(apdu.COMMAND_INCOMPATIBLE_WITH_FILE)
        if ef.pin is not None and ef.pin not in self._verified:
            raise ApduError(apdu.SECURITY_STATUS_NOT_SATISFIED)
        content = self._content(ef, self._state())
        offset = (command.p1 << 8) | command.p2
        if offset >= len(content):
            raise ApduError(apdu.OFFSET_OUTSIDE_EF)
        chunk = content[offset : offset + command.le]
        return chunk, apdu.OK if len(chunk) == command.le else apdu.END_OF_FILE

    @staticmethod
    def _content(ef: ElementaryFile, state: CardState) -> bytes:
        if ef.kind is FileKind.CERTIFICATE and ef.key is not None:
            slot = state.keys[ef.key]
            if slot is None or slot.certificate is None:
                raise ApduError(apdu.FILE_NOT_FOUND)
            return slot.certificate
        if ef.kind is FileKind.CA_CERTIFICATE and ef.key is not None:
            if ef.key not in state.ca_certificates:
                raise ApduError(apdu.FILE_NOT_FOUND)
            return state.ca_certificates[ef.key]
        if ef.kind is FileKind.CARD_NUMBER:
            return state.card_id.encode("utf-8")
        if ef.kind is FileKind.INDIVIDUAL_NUMBER:
            return individual_number_ef(state.card_face["individual_number"])
        return basic_four_ef(state.card_face)

    # --- PINs ----------------------------------------------------------------------

    def _pin_file(self, command: Command) -> PinKind:
        if command.p1 not in (0x00, 0x01) or command.p2 != 0x80:
            raise ApduError(apdu.WRONG_P1_P2, "P2 80: the PIN of the current EF")
        ef = self._current()
        if ef.kind is not FileKind.PIN or ef.pin is None:
            raise ApduError(apdu.COMMAND_INCOMPATIBLE_WITH_FILE)
        return ef.pin

    def _verify(self, command: Command) -> tuple[bytes, int]:
        if command.p1 != 0x00:
            raise ApduError(apdu.WRONG_P1_P2)
        kind = self._pin_file(command)
        if command.le is not None:
            raise ApduError(apdu.WRONG_LENGTH)
        if not command.data:  # how many tries are left (a locked PIN: 63 C0)
            left = self._chip.tries_left(kind)
            if left is None:
                raise ApduError(apdu.REFERENCE_DATA_NOT_USABLE)
            return b"", apdu.tries_left(left)
        self._verified.discard(kind)
        pin = _text(command.data)
        try:
            self._chip.verify_pin(kind, pin)
        except WrongPin as wrong:
            return b"", apdu.tries_left(wrong.tries_left)
        except PinLocked:
            raise ApduError(apdu.AUTHENTICATION_METHOD_BLOCKED) from None
        except PinNotSet:
            raise ApduError(apdu.REFERENCE_DATA_NOT_USABLE) from None
        except errors.InvalidInput:  # not the PIN's form: not a try
            raise ApduError(apdu.WRONG_DATA, "not the PIN's form") from None
        self._verified.add(kind)
        return b"", apdu.OK

    def _change_reference_data(self, command: Command) -> tuple[bytes, int]:
        """P1 01: the new PIN, after the PIN was verified in this session."""
        if command.p1 != 0x01:
            raise ApduError(apdu.WRONG_P1_P2, "P1 01: verify first, then send the new PIN")
        kind = self._pin_file(command)
        if not command.data or command.le is not None:
            raise ApduError(apdu.WRONG_LENGTH)
        if kind not in self._verified:
            raise ApduError(apdu.SECURITY_STATUS_NOT_SATISFIED)
        new = _text(command.data)
        if not POLICIES[kind].accepts(new):
            raise ApduError(apdu.WRONG_DATA, "not the PIN's form")
        record = chip_pins.new_record(kind, new)
        with lock.exclusive(self._chip.path):
            state = self._state()
            current = state.pins[kind]
            if current is None or current.locked:  # changed under us (a reset at the counter)
                self._verified.discard(kind)
                raise ApduError(apdu.AUTHENTICATION_METHOD_BLOCKED)
            storage.write(self._chip.path, with_pin(state, kind, record))
        return b"", apdu.OK

    # --- signing -------------------------------------------------------------------

    def _compute_signature(self, command: Command) -> tuple[bytes, int]:
        if (command.p1, command.p2) != (0x00, 0x80):
            raise ApduError(apdu.WRONG_P1_P2)
        if not command.data:
            raise ApduError(apdu.WRONG_LENGTH)
        ef = self._current()
        if ef.kind is not FileKind.KEY or ef.key is None or ef.pin is None:
            raise ApduError(apdu.COMMAND_INCOMPATIBLE_WITH_FILE)
        if len(command.data) > keys.MAX_RAW_INPUT:
            raise ApduError(apdu.WRONG_LENGTH, "too much to sign with PKCS#1 v1.5")
        if ef.pin not in self._verified:
            raise ApduError(apdu.SECURITY_STATUS_NOT_SATISFIED)
        slot = self._state().keys[ef.key]
        if slot is None:
            raise ApduError(apdu.REFERENCED_DATA_NOT_FOUND, "no key pair")
        return keys.sign_raw(slot.private_key, command.data), apdu.OK

    # --- the issuer's commands -----------------------------------------------------

    def _get_challenge(self, command: Command) -> tuple[bytes, int]:
        if command.p1 or command.p2:
            raise ApduError(apdu.WRONG_P1_P2)
        if command.data or command.le is None:
            raise ApduError(apdu.WRONG_LENGTH)
        if command.le not in (CHALLENGE_BYTES, 256):
            return b"", apdu.wrong_le(CHALLENGE_BYTES)
        return self._chip.admin_challenge(), apdu.OK

    def _admin(self, command: Command) -> tuple[bytes, int]:
        try:
            result = run_admin(self._chip, command)
        except AdminAuthorizationFailed:
            raise ApduError(apdu.SECURITY_STATUS_NOT_SATISFIED) from None
        except (PinNotSet, errors.NotFound):
            raise ApduError(apdu.REFERENCED_DATA_NOT_FOUND) from None
        except errors.Conflict:
            raise ApduError(apdu.CONDITIONS_NOT_SATISFIED) from None
        except errors.InvalidInput:  # CardError included: a certificate not for this key
            raise ApduError(apdu.WRONG_DATA) from None
        return self._respond(result, command.le)

    def _respond(self, data: bytes, le: int | None) -> tuple[bytes, int]:
        """Up to Le bytes now; the rest by GET RESPONSE (``61 xx``)."""
        first = data[: le or 0] if le is not None else b""
        self._pending = data[len(first) :]
        if self._pending:
            return first, apdu.more_data(len(self._pending))
        return first, apdu.OK

    def _get_response(self, command: Command) -> tuple[bytes, int]:
        if command.p1 or command.p2:
            raise ApduError(apdu.WRONG_P1_P2)
        if not self._pending:
            raise ApduError(apdu.CONDITIONS_NOT_SATISFIED, "no response is waiting")
        if command.le is None or command.data:
            raise ApduError(apdu.WRONG_LENGTH)
        pending = self._pending
        return self._respond(pending, command.le)


def _text(data: bytes) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise ApduError(apdu.WRONG_DATA, "a PIN is ASCII") from None
