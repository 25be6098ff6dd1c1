"""The counter's hand-over and renewal with the card in a PC/SC reader (issue 14,
points 3 and 4): `card hand-over --reader` (the counter's own PC, signed in) and
`mynumbercard terminal hand-over | renew` (the terminal, talking to the card and to the
API; no PIN reaches the server). The office's card is taken from its safe into the
reader (a copy of the vault's card file served by `card insert`); the vault gives it up
at the end, so the office keeps nothing of it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip, storage
from mynumbercard.cli.main import app
from mynumbercard.config import Settings
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.pins import PinKind

from card_checks import card_waiting, files_holding_keys
from conftest import FrozenClock
from pcsc_env import READER, Pcscd, inserted

runner = CliRunner()
PINS = "2468\nSUZUKI85\n"  # the holder's PIN, then the signature password


@pytest.fixture
def office(env: dict[str, str]) -> Iterator[Container]:
    """The data directory and database of `env`, three weeks ago (then up to today)."""
    settings = Settings(home=Path(env["MYNUMBERCARD_HOME"]),
                        database_url=env["MYNUMBERCARD_DATABASE_URL"],
                        ca_passphrase=env["MYNUMBERCARD_CA_PASSPHRASE"],  # type: ignore[arg-type]
                        crl_shards=4)
    clock = FrozenClock(datetime.now(UTC) - timedelta(days=30))
    wired = Container(settings=settings, engine=make_engine(settings.database_url),
                      clock=clock)
    yield wired
    wired.engine.dispose()


def into_reader(wired: Container, number: str, tmp_path: Path) -> Path:
    """The office takes the card from its safe to put it in the reader."""
    card = tmp_path / "card-in-the-reader"
    shutil.copyfile(wired.vault.path(number), card)
    return card


def check_holders_card(wired: Container, card: Path, *, signature: bool = True) -> None:
    """PINs set, certificates and their CAs on the chip, nothing left at the office."""
    chip = Chip.open(card)
    chip.verify_pin(PinKind.USER_AUTH, "2468")
    chip.verify_pin(PinKind.CARD_INFO, "2468")
    hierarchy = wired.authority.hierarchy
    kinds = [CertKind.SIGN, CertKind.AUTH] if signature else [CertKind.AUTH]
    for kind in kinds:
        on_chip = x509.load_pem_x509_certificate(chip.read_certificate(
            kind, "SUZUKI85" if kind is CertKind.SIGN else None))
        on_chip.verify_directly_issued_by(hierarchy.issuing_certificate(kind))
    assert set(storage.read(card).ca_certificates) == set(kinds)
    assert not wired.vault.holds(chip.card_id)
    assert files_holding_keys(wired.settings.home, card.read_bytes()) == []


def test_the_counter_hands_over_the_card_in_its_reader(
        office: Container, pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    number = card_waiting(office)
    card = into_reader(office, number, tmp_path)
    args = ["card", "hand-over", number, "--reader", READER, "--document", "drivers_licence",
            "--pin-stdin"]
    with inserted(card, pcsc_daemon):
        neither = runner.invoke(app, args[:3] + args[5:], input=PINS)
        assert neither.exit_code == 2
        done = runner.invoke(app, args, input=PINS)
        assert done.exit_code == 0, done.output
        again = runner.invoke(app, args, input=PINS)
        assert again.exit_code != 0
    answer = json.loads(done.output)
    assert {c["kind"] for c in answer["certificates"]} == {"sign", "auth"}
    assert answer["card_file"] is None
    check_holders_card(office, card)


def test_the_terminal_hands_over_and_the_server_never_sees_a_pin(
        office: Container, server: str, pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    number = card_waiting(office)
    other = card_waiting(office)
    card = into_reader(office, number, tmp_path)
    terminal = ["terminal", "hand-over", "--server", server, "--reader", READER,
                "--document", "drivers_licence", "--pin-stdin"]
    with inserted(card, pcsc_daemon):
        wrong_card = runner.invoke(app, [*terminal, other], input=PINS)
        assert wrong_card.exit_code == 2
        assert f"is card {number}" in wrong_card.output
        no_id = runner.invoke(app, ["terminal", "hand-over", "--server", server, "--reader",
                                    READER, "--document", "health_insurance_card",
                                    "--pin-stdin", number], input=PINS)
        assert no_id.exit_code != 0
        assert office.vault.holds(number)  # nothing handed over
        done = runner.invoke(app, [*terminal, number], input=PINS)
        assert done.exit_code == 0, done.output
        # certificates just issued: a renewal is refused before the chip loses a key
        early = runner.invoke(app, ["terminal", "renew", "--server", server, "--reader",
                                    READER])
        assert early.exit_code != 0
        assert "renew" in early.output
    answer = json.loads(done.output)
    assert answer["pins"] == ["signature", "user_auth", "resident_register", "card_info"]
    check_holders_card(office, card)
    server_log = (Path(office.settings.home).parent / "server.log").read_text()
    assert "2468" not in server_log
    assert "SUZUKI85" not in server_log
    with office.engine.connect() as conn:
        from sqlalchemy import select  # noqa: PLC0415

        from mynumbercard.adapters.db.tables import audit_log  # noqa: PLC0415

        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    # the refused attempt's two key pairs, deleted and made again, the PINs, the two
    # certificates and their CAs' (the refused renewal got none)
    assert actions.count("chip:authorise") == 2 + 4 + 1 + 4
    assert "card:hand-over" in actions
