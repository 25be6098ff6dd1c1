"""`points enrol --card FILE` puts the card file into vsmartcard's virtual reader for the
one transaction (pcscd with vpcd, as the kiosk does), and `points balance --reader` reads
a card left in that reader (`card insert`): the card's own PIN counter through pcscd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mynumbercard.chip import Chip
from mynumbercard.cli.main import app
from mynumbercard.domain.pins import PinKind

from cli_checks import demo_card, ok
from pcsc_env import READER, Pcscd, inserted, wait_for_card

runner = CliRunner()


def test_the_holder_enrols_through_the_virtual_reader(
        env: dict[str, str], pcsc_daemon: Pcscd, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:00:00+09:00")
    monkeypatch.setenv("MYNUMBERCARD_VPCD_PORT", str(pcsc_daemon.port))
    card = tmp_path / "card.mnc"
    demo_card(card)
    service = json.loads(ok("relying-party", "add", "PayCo", "--kind", "payment-service",
                            "--out", str(tmp_path / "pay.json")))["key_id"]

    def points(*args: str, pin: str) -> tuple[int, dict[str, object]]:
        result = runner.invoke(app, ["points", *args, "--pin-stdin"], input=pin + "\n")
        return result.exit_code, json.loads(result.stdout)

    assert points("enrol", "--card", str(card), "--service", service, pin="9999") == (1, {
        "refused": "pin_wrong", "message": "The PIN is wrong: 2 tries left."})
    wait_for_card(pcsc_daemon, present=False)  # taken out again
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 2  # the card counted it
    status, enrolled = points("enrol", "--card", str(card), "--service", service, pin="1234")
    assert status == 0, enrolled
    wait_for_card(pcsc_daemon, present=False)

    with inserted(card, pcsc_daemon):  # `card insert`: the card left in the reader
        status, seen = points("balance", "--reader", READER, pin="1234")
    assert status == 0, seen
    assert seen["enrolment"] == enrolled
