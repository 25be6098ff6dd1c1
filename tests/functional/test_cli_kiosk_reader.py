"""`kiosk issue --card FILE` puts the card file into vsmartcard's virtual reader for the
one transaction (pcscd with vpcd, as `card insert` does) and takes it out again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mynumbercard import bootstrap
from mynumbercard.adapters import pcsc_reader
from mynumbercard.chip import Chip
from mynumbercard.cli.main import app
from mynumbercard.domain.pins import PinKind

from cli_checks import demo_card, ok
from pcsc_env import Pcscd, wait_for_card

runner = CliRunner()


def test_the_card_file_goes_into_the_virtual_reader_for_the_transaction(
        env: dict[str, str], pcsc_daemon: Pcscd, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:00:00+09:00")
    monkeypatch.setenv("MYNUMBERCARD_VPCD_PORT", str(pcsc_daemon.port))
    card = tmp_path / "card.mnc"
    made = demo_card(card)
    with bootstrap.container() as wired, wired.uow() as uow:
        found = uow.cards.find_by_number(made["card_number"])
        assert found is not None
        town = uow.residents.get(found.resident_id).municipality_code
    ok("kiosk", "offer", town, "--document", "register-items", "--fee", "150")
    ok("relying-party", "add", "Kiosks", "--kind", "kiosk-operator", "--out",
       str(tmp_path / "key.json"))

    def issue(pin: str) -> tuple[int, dict[str, object]]:
        result = runner.invoke(app, ["kiosk", "issue", "--card", str(card), "--document",
                                     "register-items", "--pin-stdin", "--out",
                                     str(tmp_path / "doc.pdf"), "--credential",
                                     str(tmp_path / "key.json")], input=pin + "\n")
        wait_for_card(pcsc_daemon, present=False)  # taken out again
        return result.exit_code, json.loads(result.stdout)

    assert issue("1234")[1]["fee"] == 150
    assert issue("9999") == (1, {"refused": "pin_wrong",
                                 "message": "The PIN is wrong: 2 tries left."})
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 2  # the card counted it


def test_the_card_is_in_the_reader_during_the_block_only(
        env: dict[str, str], pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    card = tmp_path / "card.mnc"
    made = demo_card(card)
    with pcsc_reader.file_in_virtual_reader(card, port=pcsc_daemon.port) as client:
        wait_for_card(pcsc_daemon)  # pcscd sees a card in "Virtual PCD"
        assert client.card_id == made["card_number"]
    wait_for_card(pcsc_daemon, present=False)
