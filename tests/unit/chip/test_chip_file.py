"""The card file: format, integrity, atomic writes; every bad file is a CardError that
changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynumbercard.chip import (
    Chip,
    GenerateKeyPair,
    KeyKind,
    SetInitialPins,
    management_public_key_pem,
    new_management_key,
    sign_admin_command,
    storage,
)
from mynumbercard.domain import errors
from mynumbercard.domain.errors import InvalidIndividualNumber
from mynumbercard.domain.pins import CardError, PinKind

FACE = {
    "name": "Takahashi Yui",
    "address": "6-7 Naka-ku, Hiroshima",
    "birth_date": "1988-07-07",
    "sex": "female",
    "individual_number": "123456789018",
}
PINS = {
    PinKind.SIGNATURE: "YUI1988",
    PinKind.USER_AUTH: "7070",
    PinKind.RESIDENT_REGISTER: "8080",
    PinKind.CARD_INFO: "9090",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    key = new_management_key()
    path = tmp_path_factory.mktemp("template") / "card.json"
    chip = Chip.personalise(
        path,
        card_id="FILE-TEST",
        management_public_key_pem=management_public_key_pem(key),
        card_face=FACE,
    )
    for command in (SetInitialPins(PINS), GenerateKeyPair(KeyKind.AUTH)):
        challenge = chip.admin_challenge()
        chip.admin(command, sign_admin_command(key, chip.card_id, challenge, command))  # type: ignore[call-overload]
    return path.read_bytes()


@pytest.fixture
def card_path(tmp_path: Path, template: bytes) -> Path:
    path = tmp_path / "card.json"
    path.write_bytes(template)
    return path


def seal(document: dict[str, Any]) -> bytes:
    """Recompute the digest as docs/chip.md states it, after editing the body."""
    canonical = json.dumps(
        document["body"], sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode()
    document["body_sha256"] = hashlib.sha256(canonical).hexdigest()
    return json.dumps(document).encode()


def refused(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    with pytest.raises(CardError) as error:
        Chip.open(path)
    assert path.read_bytes() == content  # untouched
    return str(error.value)


def test_the_format(template: bytes) -> None:
    document = json.loads(template)
    assert set(document) == {"format", "version", "body", "body_sha256"}
    assert document["format"] == "mynumbercard-card-file"
    assert document["version"] == 1
    assert seal(dict(document)) == seal(json.loads(template))
    assert json.loads(seal(json.loads(template)))["body_sha256"] == document["body_sha256"]
    body = document["body"]
    assert set(body) == {"card_id", "management_key", "challenge", "pins", "keys", "card_face"}
    assert set(body["pins"]) == {kind.value for kind in PinKind}
    assert set(body["keys"]) == {"sign", "auth"}
    assert body["keys"]["sign"] is None
    assert body["challenge"] is None  # consumed by the last command


def test_the_file_is_private_to_its_owner(card_path: Path, tmp_path: Path) -> None:
    fresh = Chip.personalise(
        tmp_path / "fresh.json",
        card_id="MODE",
        management_public_key_pem=management_public_key_pem(new_management_key()),
        card_face=FACE,
    )
    assert stat.S_IMODE(fresh.path.stat().st_mode) == 0o600
    chip = Chip.open(card_path)
    chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    assert stat.S_IMODE(card_path.stat().st_mode) == 0o600


def test_no_temporary_files_are_left(card_path: Path) -> None:
    chip = Chip.open(card_path)
    chip.verify_pin(PinKind.CARD_INFO, PINS[PinKind.CARD_INFO])
    chip.admin_challenge()
    with pytest.raises(errors.DomainError):
        chip.verify_pin(PinKind.CARD_INFO, "0000")
    assert [p.name for p in card_path.parent.iterdir()] == ["card.json"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\x00\x01\x02", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"{}", "format marker"),
        (b"[]", "format marker"),
        (b'"mynumbercard-card-file"', "format marker"),
        (b"null", "format marker"),
        (b"42", "format marker"),
        (b'{"format": "another-card", "version": 1}', "format marker"),
        (b'{"format": "mynumbercard-card-file", "version": 2}', "version 2"),
        (b'{"format": "mynumbercard-card-file", "version": "1"}', "version '1'"),
        (b'{"format": "mynumbercard-card-file", "version": 1}', "body is missing"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_files_that_are_not_cards(card_path: Path, content: bytes, expected: str) -> None:
    assert expected in refused(card_path, content)


def test_random_bytes(card_path: Path) -> None:
    rng = random.Random(4)
    for size in (1, 100, 5000):
        refused(card_path, rng.randbytes(size))


@pytest.mark.parametrize("fraction", [0.01, 0.5, 0.9, 0.999])
def test_a_truncated_file(card_path: Path, template: bytes, fraction: float) -> None:
    refused(card_path, template[: int(len(template) * fraction)])


def test_a_file_cut_in_the_middle_of_the_last_brace(card_path: Path, template: bytes) -> None:
    refused(card_path, template.rstrip()[:-1])


def test_an_edited_counter_breaks_the_digest(card_path: Path, template: bytes) -> None:
    edited = template.replace(b'"tries_left": 3', b'"tries_left": 2', 1)
    assert edited != template
    assert "integrity digest" in refused(card_path, edited)


def test_a_far_too_large_file(card_path: Path) -> None:
    assert "too large" in refused(card_path, b" " * (2 * 1024 * 1024) + b"{}")


Edit = Callable[[dict[str, Any]], None]
EDITS: dict[str, tuple[Edit, str]] = {
    "counter above the limit": (
        lambda b: b["pins"]["user_auth"].update(tries_left=4),
        "body.pins.user_auth.tries_left",
    ),
    "negative counter": (
        lambda b: b["pins"]["signature"].update(tries_left=-1),
        "body.pins.signature.tries_left",
    ),
    "counter as text": (
        lambda b: b["pins"]["card_info"].update(tries_left="3"),
        "body.pins.card_info.tries_left",
    ),
    "counter as a boolean": (
        lambda b: b["pins"]["card_info"].update(tries_left=True),
        "body.pins.card_info.tries_left",
    ),
    "unknown hash": (lambda b: b["pins"]["user_auth"].update(kdf="md5"), "kdf"),
    "absurd scrypt cost": (lambda b: b["pins"]["user_auth"].update(n=2**30), "scrypt"),
    "salt not base64": (lambda b: b["pins"]["user_auth"].update(salt="%%%"), "salt"),
    "key not base64": (
        lambda b: b["keys"]["auth"].update(private_key_pkcs8="not base64!"),
        "private_key_pkcs8",
    ),
    "missing face": (lambda b: b.pop("card_face"), "body.card_face is missing"),
    "missing PIN entry": (lambda b: b["pins"].pop("user_auth"), "body.pins.user_auth"),
    "empty card id": (lambda b: b.update(card_id=""), "body.card_id"),
    "card id as number": (lambda b: b.update(card_id=7), "body.card_id"),
    "management key swapped": (
        lambda b: b["management_key"].update(sha256="00" * 32),
        "body.management_key",
    ),
    "pins as a list": (lambda b: b.update(pins=[]), "body.pins"),
    "face value as number": (lambda b: b["card_face"].update(sex=1), "body.card_face.sex"),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_a_well_sealed_but_malformed_body(card_path: Path, template: bytes, name: str) -> None:
    edit, expected = EDITS[name]
    document = json.loads(template)
    edit(document["body"])
    message = refused(card_path, seal(document))
    assert expected in message
    assert "corrupted" in message


def test_a_corrupted_key_is_found_when_used(card_path: Path, template: bytes) -> None:
    document = json.loads(template)
    der = base64.b64decode(document["body"]["keys"]["auth"]["private_key_pkcs8"])
    document["body"]["keys"]["auth"]["private_key_pkcs8"] = base64.b64encode(der[:-40]).decode()
    card_path.write_bytes(seal(document))
    chip = Chip.open(card_path)
    with pytest.raises(CardError) as error:
        chip.public_key_pem(KeyKind.AUTH)
    assert "unreadable" in str(error.value)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_single_byte_corruption_is_caught_or_harmless(template: bytes, data: Any) -> None:
    """Flip any byte: either a CardError, or (formatting whitespace) the very same state."""
    position = data.draw(st.integers(0, len(template) - 1))
    flip = data.draw(st.integers(1, 255))
    corrupted = bytearray(template)
    corrupted[position] ^= flip
    try:
        state = storage.decode(bytes(corrupted))
    except CardError:
        return
    assert state == storage.decode(template)


def test_changes_under_an_open_handle_are_caught(card_path: Path, template: bytes) -> None:
    chip = Chip.open(card_path)
    card_path.write_bytes(template[:100])
    with pytest.raises(CardError):
        chip.verify_pin(PinKind.USER_AUTH, PINS[PinKind.USER_AUTH])
    assert card_path.read_bytes() == template[:100]


def test_another_card_put_in_the_reader(card_path: Path, tmp_path: Path) -> None:
    chip = Chip.open(card_path)
    other = Chip.personalise(
        tmp_path / "other.json",
        card_id="OTHER-CARD",
        management_public_key_pem=management_public_key_pem(new_management_key()),
        card_face=FACE,
    )
    card_path.write_bytes(other.path.read_bytes())
    with pytest.raises(CardError) as error:
        chip.admin_challenge()
    assert "OTHER-CARD" in str(error.value)
    assert card_path.read_bytes() == other.path.read_bytes()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(errors.NotFound):
        Chip.open(tmp_path / "absent.json")
    with pytest.raises(CardError):
        Chip.open(tmp_path)


# --- personalisation -------------------------------------------------------------------


def personalise(path: Path, **overrides: Any) -> Chip:
    arguments: dict[str, Any] = {
        "card_id": "NEW-CARD",
        "management_public_key_pem": management_public_key_pem(new_management_key()),
        "card_face": FACE,
        **overrides,
    }
    return Chip.personalise(path, **arguments)


def test_personalise_never_overwrites(card_path: Path, tmp_path: Path) -> None:
    before = card_path.read_bytes()
    with pytest.raises(errors.Conflict):
        personalise(card_path)
    assert card_path.read_bytes() == before
    other = tmp_path / "notes.txt"
    other.write_text("my notes")
    with pytest.raises(errors.Conflict):
        personalise(other)
    assert other.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "notes.txt"]


def test_personalise_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(errors.NotFound):
        personalise(tmp_path / "no" / "such" / "card.json")


def test_a_new_card_has_no_keys_and_no_pins(tmp_path: Path) -> None:
    chip = personalise(tmp_path / "card.json")
    status = chip.status()
    assert status.keys == frozenset()
    assert status.certificates == frozenset()
    assert set(status.tries_left.values()) == {None}
    assert len(status.management_key_fingerprint) == 64


@pytest.mark.parametrize("card_id", ["", "x" * 65, "line\nbreak", 12])
def test_personalise_checks_the_card_id(tmp_path: Path, card_id: object) -> None:
    with pytest.raises(errors.InvalidInput):
        personalise(tmp_path / "card.json", card_id=card_id)
    assert not (tmp_path / "card.json").exists()


def test_personalise_checks_the_card_face(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    with pytest.raises(errors.InvalidInput) as missing:
        personalise(path, card_face={"name": "Only A Name"})
    assert "address, birth_date, sex, individual_number" in str(missing.value)
    with pytest.raises(InvalidIndividualNumber):
        personalise(path, card_face={**FACE, "individual_number": "123456789012"})
    with pytest.raises(errors.InvalidInput):
        personalise(path, card_face={**FACE, "sex": 2})
    assert not path.exists()
    chip = personalise(path, card_face={**FACE, "name_kana": "タカハシ ユイ"})
    assert "タカハシ" not in repr(chip)
