"""The office's vault: a card that leaves the office leaves no copy; a card brought in
must be the card named, made by us."""

from __future__ import annotations

from pathlib import Path

import pytest

from mynumbercard.adapters.card_terminal import ApduTerminal, CardManagementKey, file_terminal
from mynumbercard.adapters.card_vault import FileCardVault
from mynumbercard.chip import Chip, KeyKind, new_management_key
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import Conflict, NotFound
from mynumbercard.domain.pins import AdminAuthorizationFailed, PinKind

from card_checks import files_holding_keys

FACE = {"name": "山田 花子", "address": "千代田1番1号", "birth_date": "1990-01-20",
        "sex": "female", "individual_number": "123456789018"}
PINS = {PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
        PinKind.RESIDENT_REGISTER: "5678", PinKind.CARD_INFO: "9012"}


@pytest.fixture(scope="module")
def key() -> CardManagementKey:
    return CardManagementKey(new_management_key())


@pytest.fixture
def vault(tmp_path: Path, key: CardManagementKey) -> FileCardVault:
    made = FileCardVault(tmp_path / "vault", lambda: key)
    made.personalise("C1", card_face=FACE)
    terminal = made.terminal("C1")
    terminal.set_initial_pins(PINS)
    terminal.generate_key_pair(CertKind.AUTH)
    return made


def test_a_released_card_leaves_nothing_that_signs(vault: FileCardVault,
                                                    tmp_path: Path) -> None:
    card = vault.release("C1")
    assert not vault.holds("C1")
    assert files_holding_keys(tmp_path, card) == []
    with pytest.raises(Conflict, match="with its holder"):
        vault.terminal("C1")
    with pytest.raises(Conflict, match="with its holder"):
        vault.release("C1")
    with pytest.raises(NotFound):
        vault.terminal("NEVER-MADE")
    holder = tmp_path / "holder.json"
    holder.write_bytes(card)
    assert Chip.open(holder).sign(KeyKind.AUTH, PINS[PinKind.USER_AUTH], b"data")


def test_destroying_a_card_the_office_holds_removes_it(vault: FileCardVault) -> None:
    vault.destroy("C1")
    assert not vault.holds("C1")
    vault.destroy("C1")  # nothing there: nothing to do


def test_the_office_reader_speaks_apdus_and_a_card_of_another_issuer_refuses_it(
        vault: FileCardVault, key: CardManagementKey, tmp_path: Path) -> None:
    # the vault's card is driven through ISO 7816-4 APDUs, as a card in a PC/SC reader
    terminal = vault.terminal("C1")
    assert isinstance(terminal, ApduTerminal)
    terminal.reset_pin(PinKind.USER_AUTH, "4321")
    Chip.open(vault.path("C1")).verify_pin(PinKind.USER_AUTH, "4321")
    # a card another issuer personalised: every command refused, nothing done
    foreign = tmp_path / "foreign"
    Chip.personalise(foreign, card_id="C2", card_face=FACE, management_public_key_pem=
                     CardManagementKey(new_management_key()).public_key_pem)
    with pytest.raises(AdminAuthorizationFailed):
        file_terminal(foreign, key).set_initial_pins(PINS)
    with pytest.raises(AdminAuthorizationFailed):
        file_terminal(foreign, key).generate_key_pair(CertKind.AUTH)
    chip = Chip.open(foreign)
    assert not chip.status().keys
    assert chip.tries_left(PinKind.USER_AUTH) is None
