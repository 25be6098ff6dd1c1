"""What each administrative command does to the chip's state (pure, save for key generation).

``execute`` returns the new state and the command's result, or raises and changes
nothing; ``chip.card`` checks the authorization before and saves the state after.
"""

from __future__ import annotations

from dataclasses import replace

from mynumbercard.chip import keys
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
from mynumbercard.chip.keys import KEY_LABELS, KeyKind
from mynumbercard.chip.pins import PinRecord
from mynumbercard.chip.storage import CardState, KeySlot
from mynumbercard.domain import errors
from mynumbercard.domain.pins import POLICIES, CardError, PinKind, PinNotSet, validate_new_pin


def slot(state: CardState, kind: KeyKind) -> KeySlot:
    """The key slot of ``kind``; ``NotFound`` if there is no key pair of that kind."""
    found = state.keys[kind]
    if found is None:
        raise errors.NotFound(f"no {KEY_LABELS[kind]} key pair on the chip")
    return found


def with_pin(state: CardState, kind: PinKind, record: PinRecord) -> CardState:
    return replace(state, pins={**state.pins, kind: record})


def with_key(state: CardState, kind: KeyKind, slot: KeySlot | None) -> CardState:
    return replace(state, keys={**state.keys, kind: slot})


def execute(state: CardState, command: AdminCommand) -> tuple[CardState, bytes | None]:
    """The state after ``command`` and its result; raises (changing nothing) if it cannot run."""
    if isinstance(command, GenerateKeyPair):
        if state.keys[command.kind] is not None:
            raise errors.Conflict(
                f"a {KEY_LABELS[command.kind]} key pair is already on the chip: delete it first"
            )
        private_key = keys.generate_private_key_der()
        return with_key(state, command.kind, KeySlot(private_key)), keys.make_csr_pem(private_key)
    if isinstance(command, WriteCertificate):
        key_slot = slot(state, command.kind)
        certificate = keys.certificate_der(command.pem)
        if keys.certificate_public_key_der(certificate) != keys.public_key_der(
            key_slot.private_key
        ):
            raise CardError(
                f"the certificate's public key is not the chip's {KEY_LABELS[command.kind]} "
                "key: refusing to write it"
            )
        return with_key(state, command.kind, replace(key_slot, certificate=certificate)), None
    if isinstance(command, WriteCaCertificate):
        certificate = keys.certificate_der(command.pem)
        return replace(
            state, ca_certificates={**state.ca_certificates, command.kind: certificate}
        ), None
    if isinstance(command, SetInitialPins):
        for kind in command.pins:
            if state.pins[kind] is not None:
                raise errors.Conflict(
                    f"the {POLICIES[kind].label} is already set: a forgotten or locked PIN "
                    "is reset at the municipal office"
                )
            validate_new_pin(kind, command.pins[kind])
        records = {kind: chip_pins.new_record(kind, pin) for kind, pin in command.pins.items()}
        return replace(state, pins={**state.pins, **records}), None
    if isinstance(command, ResetPin):
        if state.pins[command.kind] is None:
            raise PinNotSet(command.kind)
        record = chip_pins.new_record(command.kind, command.new_pin)
        return with_pin(state, command.kind, record), None
    if isinstance(command, DeleteKeyPair):
        slot(state, command.kind)
        return with_key(state, command.kind, None), None
    raise errors.InvalidInput(f"not an admin command: {type(command).__name__}")
