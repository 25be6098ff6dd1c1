"""The counter and the holder through a PC/SC reader: a demo card (issued by the test
CA, over the register) served by `card insert` into the private pcscd; the counter's
unlock with `--reader` acts as the signed-in member, through the same use case as
with a card file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mynumbercard.chip import Chip
from mynumbercard.cli.main import app
from mynumbercard.domain.pins import PinKind

from cli_checks import demo_card, ok
from pcsc_env import READER, Pcscd, inserted

runner = CliRunner()


def sign(tmp_path: Path, pin: str) -> int:
    data = tmp_path / "data"
    data.write_bytes(b"a form to the tax office")
    return runner.invoke(app, ["card", "sign", "--reader", READER, "--kind", "auth", "--in",
                               str(data), "--out", str(tmp_path / "sig"), "--pin-stdin"],
                         input=pin + "\n").exit_code


def test_a_locked_pin_is_reset_at_the_counter_through_the_reader(
        env: dict[str, str], pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    made = demo_card(card)
    with inserted(card, pcsc_daemon):
        assert [sign(tmp_path, "0000") for _ in range(3)] == [5, 5, 5]
        assert sign(tmp_path, "1234") == 4  # locked: even the right PIN
        # the card is in the reader, so not also usable as a file
        direct = runner.invoke(app, ["card", "unlock", str(card), "--kind", "auth",
                                     "--pin-stdin"], input="4321\n")
        assert direct.exit_code == 2
        assert "in another reader" in direct.output
        ok("card", "unlock", "--reader", READER, "--kind", "auth", "--pin-stdin",
           stdin="4321\n")
        assert sign(tmp_path, "4321") == 0
        face = json.loads(ok("card", "info", "--reader", READER, "--pin-stdin",
                             stdin="1234\n"))
        ca = ok("card", "cert", "--reader", READER, "--kind", "auth")
    assert face["name"] == made["name"]
    assert "BEGIN CERTIFICATE" in ca
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 3


def test_a_card_in_no_reader_and_no_pcscd_card_are_clear_errors(
        pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    empty = runner.invoke(app, ["card", "info", "--reader", READER, "--pin-stdin"],
                          input="1234\n")
    assert empty.exit_code == 3
    assert "no card in the reader" in empty.output
    unknown = runner.invoke(app, ["card", "info", "--reader", "No Such Reader",
                                  "--pin-stdin"], input="1234\n")
    assert unknown.exit_code == 3
    both = runner.invoke(app, ["card", "info", str(tmp_path / "x"), "--reader", READER,
                               "--pin-stdin"], input="1234\n")
    assert both.exit_code == 2
    (tmp_path / "broken").write_text("{not a card")
    broken = runner.invoke(app, ["card", "insert", str(tmp_path / "broken"), "--port", "1"])
    assert broken.exit_code == 2
    assert "not a card file" in broken.output


def test_the_counter_terminal_relays_the_servers_authorization_and_keeps_the_pin(
        env: dict[str, str], server: str, pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    demo_card(card)
    with inserted(card, pcsc_daemon):
        assert [sign(tmp_path, "0000") for _ in range(3)] == [5, 5, 5]
        nobody = runner.invoke(app, ["terminal", "unlock", "--server", server, "--reader",
                                     "No Such Reader", "--kind", "auth", "--pin-stdin"],
                               input="4321\n")
        assert nobody.exit_code == 3
        unlocked = runner.invoke(app, ["terminal", "unlock", "--server", server, "--reader",
                                       READER, "--kind", "auth", "--pin-stdin"],
                                 input="4321\n")
        assert unlocked.exit_code == 0, unlocked.output
        assert "is reset" in unlocked.output
        assert sign(tmp_path, "4321") == 0
        ok("staff", "logout")
        signed_out = runner.invoke(app, ["terminal", "unlock", "--server", server, "--reader",
                                         READER, "--kind", "auth", "--pin-stdin"],
                                   input="5555\n")
        assert signed_out.exit_code == 5
    assert Chip.open(card).tries_left(PinKind.USER_AUTH) == 3
