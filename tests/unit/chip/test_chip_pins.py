"""PIN counters on the chip: lock after exactly 3 or 5, reset only by a correct entry,
persisted at once, and safe against a process killed mid-entry."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mynumbercard.chip import (
    Chip,
    GenerateKeyPair,
    KeyKind,
    SetInitialPins,
    management_public_key_pem,
    new_management_key,
    sign_admin_command,
)
from mynumbercard.domain import errors
from mynumbercard.domain.pins import POLICIES, PinKind, PinLocked, PinNotSet, WrongPin

FACE = {
    "name": "Yamada Hanako",
    "address": "1-1 Chiyoda, Chiyoda-ku, Tokyo",
    "birth_date": "1990-04-01",
    "sex": "female",
    "individual_number": "123456789018",
}
PINS = {
    PinKind.SIGNATURE: "HANAKO1990",
    PinKind.USER_AUTH: "4821",
    PinKind.RESIDENT_REGISTER: "5930",
    PinKind.CARD_INFO: "6047",
}
WRONG = {
    PinKind.SIGNATURE: "WRONG0000",
    PinKind.USER_AUTH: "0000",
    PinKind.RESIDENT_REGISTER: "0000",
    PinKind.CARD_INFO: "0000",
}


def run_admin(chip: Chip, key: object, command: object) -> object:
    challenge = chip.admin_challenge()
    return chip.admin(command, sign_admin_command(key, chip.card_id, challenge, command))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A card with its four PINs and both key pairs, made once and copied per test."""
    key = new_management_key()
    path = tmp_path_factory.mktemp("template") / "card.json"
    chip = Chip.personalise(
        path,
        card_id="PIN-TEST",
        management_public_key_pem=management_public_key_pem(key),
        card_face=FACE,
    )
    run_admin(chip, key, SetInitialPins(PINS))
    run_admin(chip, key, GenerateKeyPair(KeyKind.SIGN))
    run_admin(chip, key, GenerateKeyPair(KeyKind.AUTH))
    return path.read_bytes()


@pytest.fixture
def chip(tmp_path: Path, template: bytes) -> Chip:
    path = tmp_path / "card.json"
    path.write_bytes(template)
    return Chip.open(path)


def stored_tries(path: Path, kind: PinKind) -> int:
    return json.loads(path.read_bytes())["body"]["pins"][kind.value]["tries_left"]


@pytest.mark.parametrize("kind", list(PinKind))
def test_locks_after_exactly_the_limit(chip: Chip, kind: PinKind) -> None:
    limit = POLICIES[kind].max_tries
    for expected_left in range(limit - 1, -1, -1):
        with pytest.raises(WrongPin) as wrong:
            chip.verify_pin(kind, WRONG[kind])
        assert wrong.value.tries_left == expected_left
        assert chip.tries_left(kind) == expected_left
    assert "locked" in str(wrong.value)
    with pytest.raises(PinLocked):
        chip.verify_pin(kind, PINS[kind])  # even the right one
    with pytest.raises(PinLocked):
        chip.verify_pin(kind, WRONG[kind])
    assert chip.tries_left(kind) == 0
    assert chip.status().locked == {kind}


def test_one_before_the_limit_is_not_locked(chip: Chip) -> None:
    for _ in range(4):
        with pytest.raises(WrongPin):
            chip.verify_pin(PinKind.SIGNATURE, WRONG[PinKind.SIGNATURE])
    chip.verify_pin(PinKind.SIGNATURE, PINS[PinKind.SIGNATURE])
    assert chip.tries_left(PinKind.SIGNATURE) == 5


def test_only_a_correct_entry_resets_the_counter(chip: Chip) -> None:
    kind = PinKind.USER_AUTH
    with pytest.raises(WrongPin):
        chip.verify_pin(kind, "1111")
    with pytest.raises(WrongPin):
        chip.verify_pin(kind, "2222")
    # re-opening, other PINs' entries and time do nothing to it
    chip = Chip.open(chip.path)
    chip.verify_pin(PinKind.CARD_INFO, PINS[PinKind.CARD_INFO])
    assert chip.tries_left(kind) == 1
    assert chip.verify_pin(kind, PINS[kind]) is None
    assert chip.tries_left(kind) == 3


def test_counters_are_independent(chip: Chip) -> None:
    with pytest.raises(WrongPin):
        chip.verify_pin(PinKind.RESIDENT_REGISTER, "1111")
    assert chip.status().tries_left == {
        PinKind.SIGNATURE: 5,
        PinKind.USER_AUTH: 3,
        PinKind.RESIDENT_REGISTER: 2,
        PinKind.CARD_INFO: 3,
    }


def test_a_malformed_entry_is_refused_without_spending_a_try(chip: Chip) -> None:
    before = chip.path.read_bytes()
    for entry in ["123", "12345", "abcd", "１２３４", ""]:
        with pytest.raises(errors.InvalidInput) as refused:
            chip.verify_pin(PinKind.USER_AUTH, entry)
        assert not isinstance(refused.value, WrongPin)
    with pytest.raises(errors.InvalidInput):
        chip.verify_pin(PinKind.SIGNATURE, "hanako1990")  # lower case is another password
    assert chip.path.read_bytes() == before


def test_counters_survive_reopening(chip: Chip) -> None:
    for _ in range(2):
        with pytest.raises(WrongPin):
            chip.verify_pin(PinKind.USER_AUTH, "9999")
    assert stored_tries(chip.path, PinKind.USER_AUTH) == 1
    reopened = Chip.open(chip.path)
    with pytest.raises(WrongPin) as wrong:
        reopened.verify_pin(PinKind.USER_AUTH, "9999")
    assert wrong.value.tries_left == 0
    with pytest.raises(PinLocked):
        Chip.open(chip.path).verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])


def test_a_stale_handle_cannot_undo_a_counter(chip: Chip) -> None:
    other = Chip.open(chip.path)
    with pytest.raises(WrongPin):
        other.verify_pin(PinKind.USER_AUTH, "9999")
    with pytest.raises(WrongPin) as wrong:
        chip.verify_pin(PinKind.USER_AUTH, "9999")  # sees the other handle's entry
    assert wrong.value.tries_left == 1


class Killed(BaseException):
    """Stands for the process being killed at that point."""


def test_killed_during_the_comparison_the_try_is_already_spent(
    chip: Chip, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter is saved before the PIN is compared: no free tries by pulling the card."""

    def killed(*args: object, **kwargs: object) -> bytes:
        raise Killed

    monkeypatch.setattr(hashlib, "scrypt", killed)
    with pytest.raises(Killed):
        chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    monkeypatch.undo()
    assert Chip.open(chip.path).tries_left(PinKind.USER_AUTH) == 2
    chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    assert chip.tries_left(PinKind.USER_AUTH) == 3


def test_killed_while_writing_the_file_leaves_the_old_file_whole(
    chip: Chip, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = chip.path.read_bytes()
    compared: list[object] = []
    real_scrypt = hashlib.scrypt

    def spy(*args: object, **kwargs: object) -> bytes:
        compared.append(args)
        return real_scrypt(*args, **kwargs)  # type: ignore[arg-type]

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(hashlib, "scrypt", spy)
    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(Killed):
        chip.verify_pin(PinKind.USER_AUTH, "9999")
    monkeypatch.undo()
    assert compared == []  # no answer without a saved counter
    assert chip.path.read_bytes() == before
    assert sorted(p.name for p in chip.path.parent.iterdir()) == ["card.json"]  # no leftovers
    assert Chip.open(chip.path).tries_left(PinKind.USER_AUTH) == 3


CHILD = textwrap.dedent(
    """
    import hashlib, os, signal, sys
    from mynumbercard.chip import Chip
    chip = Chip.open(sys.argv[1])
    def kill(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    hashlib.scrypt = kill
    chip.verify_pin("user_auth", sys.argv[2])
    """
)


@pytest.mark.parametrize("entry", [PINS[PinKind.USER_AUTH], "9999"])
def test_a_process_killed_mid_entry_cannot_reset_the_counter(chip: Chip, entry: str) -> None:
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(chip.path), entry],
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == -signal.SIGKILL, result.stderr
    reopened = Chip.open(chip.path)  # the file is whole
    assert reopened.tries_left(PinKind.USER_AUTH) == 1
    reopened.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    assert reopened.tries_left(PinKind.USER_AUTH) == 3


def test_the_holder_changes_a_pin_they_know(chip: Chip) -> None:
    chip.change_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH], "7777")
    with pytest.raises(WrongPin):
        chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    chip.verify_pin(PinKind.USER_AUTH, "7777")


def test_change_pin_needs_the_current_pin_and_a_well_formed_new_one(chip: Chip) -> None:
    before = chip.path.read_bytes()
    with pytest.raises(errors.InvalidInput) as malformed:
        chip.change_pin(PinKind.SIGNATURE, PINS[PinKind.SIGNATURE], "ALLLETTERS")
    assert "ALLLETTERS" not in str(malformed.value)
    assert chip.path.read_bytes() == before  # refused before any entry
    with pytest.raises(WrongPin):
        chip.change_pin(PinKind.SIGNATURE, "NOTMINE123", "NEWPASS123")
    chip.verify_pin(PinKind.SIGNATURE, PINS[PinKind.SIGNATURE])


def test_a_locked_pin_cannot_be_changed_by_the_holder(chip: Chip) -> None:
    for _ in range(3):
        with pytest.raises(WrongPin):
            chip.verify_pin(PinKind.CARD_INFO, "0000")
    with pytest.raises(PinLocked):
        chip.change_pin(PinKind.CARD_INFO, PINS[PinKind.CARD_INFO], "1357")


def test_the_card_face_needs_the_card_info_pin(chip: Chip) -> None:
    assert chip.read_card_face(PINS[PinKind.CARD_INFO]) == FACE
    with pytest.raises(WrongPin):
        chip.read_card_face(PINS[PinKind.USER_AUTH])
    assert chip.tries_left(PinKind.CARD_INFO) == 2


def test_unset_pins_refuse_entries(tmp_path: Path) -> None:
    chip = Chip.personalise(
        tmp_path / "new.json",
        card_id="UNSET",
        management_public_key_pem=management_public_key_pem(new_management_key()),
        card_face=FACE,
    )
    assert chip.tries_left(PinKind.USER_AUTH) is None
    with pytest.raises(PinNotSet) as not_set:
        chip.verify_pin(PinKind.USER_AUTH, "1234")
    assert "municipal office" in str(not_set.value)


@pytest.mark.parametrize("kind", list(PinKind))
def test_no_error_carries_the_pin(chip: Chip, kind: PinKind) -> None:
    messages = []
    for _ in range(POLICIES[kind].max_tries + 1):
        with pytest.raises(errors.DomainError) as error:
            chip.verify_pin(kind, WRONG[kind])
        messages.append(str(error.value))
    for message in messages:
        assert WRONG[kind] not in message
        assert PINS[kind] not in message


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *_strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_the_file_keeps_only_a_salted_slow_hash(chip: Chip) -> None:
    raw = chip.path.read_text()
    # The long password cannot turn up by chance; a 4-digit PIN can, inside random key
    # bytes or digests, so for those no stored string may be the PIN in any encoding.
    assert PINS[PinKind.SIGNATURE] not in raw
    stored = set(_strings(json.loads(raw)))
    for pin in PINS.values():
        encodings = {pin, pin.encode().hex(), base64.b64encode(pin.encode()).decode()}
        assert not encodings & stored
    records = json.loads(raw)["body"]["pins"]
    assert {r["kdf"] for r in records.values()} == {"scrypt"}
    assert all(r["n"] >= 2**14 for r in records.values())
    assert len({r["salt"] for r in records.values()}) == 4  # one random salt each
