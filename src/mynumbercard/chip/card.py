"""The card's IC chip, as a card file the holder carries.

A ``Chip`` is a handle on a card file: every operation reads the file, checks it, acts,
and writes the new state atomically before answering, so the file is always the chip's
whole truth (a stale handle cannot undo a counter). The file holds the private keys
(PKCS#8 DER, unencrypted): on a real card the chip's tamper resistance keeps them in;
here the file stands for that chip and must be kept like the card itself. No method
returns a private key, a PIN or a PIN hash, and no ``repr`` or error shows one.

A PIN entry first spends a try and saves it, then compares, then (if right) restores
the counter and saves again, as smart cards do against "tearing": killing the process
mid-check can cost the holder a try but can never give an attacker a free one. Every
operation that writes holds the card's exclusive lock (``chip/lock.py``) from its read to
its last write, so callers in other threads or processes queue as commands to one card
do: the counter is exact however many guess at once.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import overload

from mynumbercard.chip import admin as admin_protocol
from mynumbercard.chip import keys, lock, storage
from mynumbercard.chip import pins as chip_pins
from mynumbercard.chip.admin import (
    AdminCommand,
    DeleteKeyPair,
    GenerateKeyPair,
    ResetPin,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
)
from mynumbercard.chip.commands import execute, slot, with_pin
from mynumbercard.chip.keys import KEY_LABELS, PIN_FOR_KEY, KeyKind, as_key_kind, as_pin_kind
from mynumbercard.chip.storage import CardState
from mynumbercard.domain import errors, individual_number
from mynumbercard.domain.pins import (
    POLICIES,
    CardError,
    PinKind,
    PinLocked,
    PinNotSet,
    WrongPin,
    validate_new_pin,
)

CARD_FACE_FIELDS = ("name", "address", "birth_date", "sex", "individual_number")


@dataclass(frozen=True, slots=True)
class ChipStatus:
    """What anyone holding the card can see without a PIN."""

    card_id: str
    tries_left: Mapping[PinKind, int | None]  # None: the PIN is not set yet
    keys: frozenset[KeyKind]
    certificates: frozenset[KeyKind]
    management_key_fingerprint: str

    @property
    def locked(self) -> frozenset[PinKind]:
        return frozenset(kind for kind, left in self.tries_left.items() if left == 0)

    def summary(self) -> str:
        def tries(kind: PinKind) -> str:
            left = self.tries_left[kind]
            return "unset" if left is None else "locked" if left == 0 else str(left)

        pins = ",".join(f"{kind.value}:{tries(kind)}" for kind in PinKind)
        keys_ = ",".join(kind.value for kind in KeyKind if kind in self.keys) or "-"
        certs = ",".join(kind.value for kind in KeyKind if kind in self.certificates) or "-"
        return f"pins={pins} keys={keys_} certificates={certs}"


class Chip:
    """A handle on the card file at ``path``; see the module docstring."""

    __slots__ = ("_card_id", "_path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._card_id = storage.read(self._path).card_id

    # --- opening and personalising -------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Chip:
        """Open an existing card file (``CardError`` if it is not an intact one)."""
        return cls(path)

    @classmethod
    def personalise(
        cls,
        path: str | os.PathLike[str],
        *,
        card_id: str,
        management_public_key_pem: bytes,
        card_face: Mapping[str, str],
    ) -> Chip:
        """Create a new card file: no keys, no PINs yet. Never overwrites a file."""
        if not storage.card_id_ok(card_id):
            raise errors.InvalidInput(
                f"a card id is 1 to {storage.MAX_CARD_ID} printable characters"
            )
        spki, fingerprint = admin_protocol.parse_management_public_key(management_public_key_pem)
        state = CardState(
            card_id=card_id,
            management_key=spki,
            management_key_fingerprint=fingerprint,
            challenge=None,
            pins=dict.fromkeys(PinKind),
            keys=dict.fromkeys(KeyKind),
            card_face=_check_card_face(card_face),
        )
        target = Path(path)
        try:
            storage.write(target, state, create=True)
        except FileNotFoundError:
            raise errors.NotFound(f"no directory {target.parent} to put the card file in") from None
        return cls(target)

    # --- what anyone can read ------------------------------------------------------

    @property
    def card_id(self) -> str:
        return self._card_id

    @property
    def path(self) -> Path:
        return self._path

    def status(self) -> ChipStatus:
        state = self._load()
        return ChipStatus(
            card_id=state.card_id,
            tries_left={
                kind: None if record is None else record.tries_left
                for kind, record in state.pins.items()
            },
            keys=frozenset(kind for kind, slot in state.keys.items() if slot is not None),
            certificates=frozenset(
                kind for kind, slot in state.keys.items() if slot and slot.certificate
            ),
            management_key_fingerprint=state.management_key_fingerprint,
        )

    def tries_left(self, kind: PinKind) -> int | None:
        """Tries left before the PIN locks (0: locked; None: not set)."""
        return self.status().tries_left[as_pin_kind(kind)]

    def public_key_pem(self, kind: KeyKind) -> bytes:
        """The public key of ``kind`` (SubjectPublicKeyInfo, PEM)."""
        kind = as_key_kind(kind)
        return keys.public_key_pem(slot(self._load(), kind).private_key)

    def read_certificate(self, kind: KeyKind, password: str | None = None) -> bytes:
        """The certificate of ``kind`` in PEM; the signature one needs the signature password.

        A wrong password counts as a wrong entry. The user-authentication certificate
        carries no personal data and is readable freely (``password`` is not used).
        """
        kind = as_key_kind(kind)
        if kind is KeyKind.SIGN:
            if password is None:
                raise errors.PermissionDenied(
                    "the signature certificate can be read only after the signature password"
                )
            with self._locked() as read:
                state = self._enter_pin(read, PinKind.SIGNATURE, password)
        else:
            state = self._load()
        certificate = slot(state, kind).certificate
        if certificate is None:
            raise errors.NotFound(f"no {KEY_LABELS[kind]} certificate on the chip")
        return keys.certificate_pem(certificate)

    # --- what needs a PIN ----------------------------------------------------------

    def verify_pin(self, kind: PinKind, pin: str) -> None:
        """Return if ``pin`` is right; raise ``WrongPin``, ``PinLocked`` or ``PinNotSet``.

        An entry that does not have the PIN's form raises ``InvalidInput`` and does not
        count as a try.
        """
        with self._locked() as state:
            self._enter_pin(state, as_pin_kind(kind), pin)

    def change_pin(self, kind: PinKind, current: str, new: str) -> None:
        """The holder changes a PIN they know (a locked PIN needs the counter)."""
        kind = as_pin_kind(kind)
        validate_new_pin(kind, new)
        with self._locked() as read:
            state = self._enter_pin(read, kind, current)
            self._save(with_pin(state, kind, chip_pins.new_record(kind, new)))

    def sign(self, kind: KeyKind, pin: str, data: bytes) -> bytes:
        """RSA PKCS#1 v1.5 / SHA-256 signature over ``data`` with the key of ``kind``.

        Needs the signature password for ``SIGN`` and the user-authentication PIN for
        ``AUTH``.
        """
        kind = as_key_kind(kind)
        if not isinstance(data, bytes):
            raise errors.InvalidInput("the data to sign must be bytes")
        with self._locked() as state:
            key_slot = slot(state, kind)
            self._enter_pin(state, PIN_FOR_KEY[kind], pin)
        return keys.sign(key_slot.private_key, data)

    def read_card_face(self, pin: str) -> dict[str, str]:
        """The card's face (name, address, birth date, sex, Individual Number)."""
        with self._locked() as read:
            state = self._enter_pin(read, PinKind.CARD_INFO, pin)
        return dict(state.card_face)

    # --- administrative commands -----------------------------------------------------

    def admin_challenge(self) -> bytes:
        """A fresh challenge for the next admin command; it replaces any earlier one."""
        challenge = secrets.token_bytes(admin_protocol.CHALLENGE_BYTES)
        with self._locked() as state:
            self._save(replace(state, challenge=challenge))
        return challenge

    @overload
    def admin(self, command: GenerateKeyPair, authorization: bytes) -> bytes: ...

    @overload
    def admin(
        self,
        command: WriteCertificate | WriteCaCertificate | SetInitialPins | ResetPin | DeleteKeyPair,
        authorization: bytes,
    ) -> None: ...

    def admin(self, command: AdminCommand, authorization: bytes) -> bytes | None:
        """Run ``command`` if ``authorization`` is the issuer's signature over it.

        ``AdminAuthorizationFailed`` (and nothing changes, not even the challenge) when
        the authorization is missing, for another challenge, or by another key. A
        command that is authorised but cannot run also changes nothing.
        """
        with self._locked() as state:
            admin_protocol.check_authorization(
                management_key=state.management_key,
                card_id=state.card_id,
                pending_challenge=state.challenge,
                command=command,
                authorization=authorization,
            )
            new_state, result = execute(state, command)
            self._save(replace(new_state, challenge=None))
        return result

    def __repr__(self) -> str:
        try:
            summary = self.status().summary()
        except errors.DomainError:
            summary = "unreadable"
        return f"<Chip card_id={self._card_id!r} {summary}>"

    # --- inside the chip -----------------------------------------------------------

    def _load(self) -> CardState:
        state = storage.read(self._path)
        if state.card_id != self._card_id:
            raise CardError(
                f"the card file now holds card {state.card_id!r}, not {self._card_id!r}"
            )
        return state

    @contextlib.contextmanager
    def _locked(self) -> Iterator[CardState]:
        """The state, read under the card's lock, which is held until the block ends."""
        with lock.exclusive(self._path):
            yield self._load()

    def _save(self, state: CardState) -> None:
        storage.write(self._path, state)

    def _enter_pin(self, state: CardState, kind: PinKind, pin: str) -> CardState:
        """Check one entry of ``kind``'s PIN; return the state saved afterwards.

        Called under the card's lock with the state read under it."""
        policy = POLICIES[kind]
        record = state.pins[kind]
        if record is None:
            raise PinNotSet(kind)
        if record.locked:
            raise PinLocked(kind)
        if not policy.accepts(pin):
            raise errors.InvalidInput(
                f"the {policy.label} is {policy.description}: this entry was not tried"
            )
        spent = with_pin(state, kind, record.with_tries(record.tries_left - 1))
        self._save(spent)  # the try is spent before the comparison
        if not chip_pins.matches(record, pin):
            raise WrongPin(kind, record.tries_left - 1)
        restored = with_pin(state, kind, record.with_tries(policy.max_tries))
        self._save(restored)
        return restored


def _check_card_face(card_face: Mapping[str, str]) -> dict[str, str]:
    face = dict(card_face)
    missing = [name for name in CARD_FACE_FIELDS if not face.get(name)]
    if missing:
        raise errors.InvalidInput(f"the card face needs {', '.join(missing)}")
    for name, value in face.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise errors.InvalidInput("the card face maps field names to text")
    individual_number.parse(face["individual_number"])
    return face
