"""Custody through the counter terminal, end to end with the card in a PC/SC reader
(services/custody_tasks.py, docs/chip.md "Counter tasks"): the clerk's page asks (here
its service, as the page calls it, for the signed-in member); `mynumbercard terminal
next` takes each task with the holder's card in the office's reader, has the server
record the step and, for the renewal in custody, makes the key pairs on the chip and
writes the new certificates there. The card never goes into the server's vault."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip, KeyKind
from mynumbercard.cli.main import app
from mynumbercard.config import Settings
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.counter_tasks import TaskStatus
from mynumbercard.domain.custody import CustodyStatus
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import counter_tasks, custody, custody_tasks
from mynumbercard.services.custody_tasks import Step

from card_checks import HOLDER_PINS, held_card
from cli_checks import ADMIN
from conftest import FrozenClock
from pcsc_env import READER, Pcscd, inserted

runner = CliRunner()
Serving = Callable[[dict[str, str]], AbstractContextManager[str]]
CLERK = Actor(ADMIN, Role.ADMIN)  # the member signed in on the terminal (the CLI's)
NUMBER = "CARD-IN-CUSTODY"
SERVER_CLOCK = "2026-11-02T10:00:00+09:00"  # the card's certificates end 2027-01-20
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def office(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")  # PostgreSQL: a test
    env.update(MYNUMBERCARD_CLOCK=SERVER_CLOCK, MYNUMBERCARD_ALLOW_SET_CLOCK="1")
    settings = Settings(home=Path(env["MYNUMBERCARD_HOME"]),
                        database_url=env["MYNUMBERCARD_DATABASE_URL"],
                        ca_passphrase=env["MYNUMBERCARD_CA_PASSPHRASE"],  # type: ignore[arg-type]
                        crl_shards=4)
    clock = FrozenClock(datetime(2026, 10, 1, 1, 0, tzinfo=UTC))
    wired = Container(settings=settings, engine=make_engine(settings.database_url),
                      clock=clock)
    yield wired
    wired.engine.dispose()


def _next(server: str, *where: str) -> tuple[int, dict[str, object]]:
    done = runner.invoke(app, ["terminal", "next", "--server", server,
                               *(where or ("--reader", READER))])
    return done.exit_code, json.loads(done.stdout.strip().splitlines()[-1])


def _auth_serial(card: Path) -> int:
    """The serial of the user-authentication certificate on the chip (read freely)."""
    return x509.load_pem_x509_certificate(
        Chip.open(card).read_certificate(KeyKind.AUTH)).serial_number


def test_a_card_is_taken_into_custody_renewed_and_given_back_through_the_reader(  # noqa: PLR0917
        office: Container, env: dict[str, str], serve_with: Serving, pcsc_daemon: Pcscd,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    card = tmp_path / "the-holders-card"
    card.write_bytes(held_card(office, NUMBER, issued_on=date(2017, 3, 1)))
    office.clock.now = NOW  # type: ignore[attr-defined]
    before = _auth_serial(card)
    with serve_with(env) as server, inserted(card, pcsc_daemon):
        left = custody_tasks.ask_leave(office.uow, actor=CLERK, card_number=NUMBER,
                                       documents=[IdDocument.PASSPORT],
                                       kinds=list(CertKind), now=NOW)
        code, answer = _next(server)
        assert code == 0, answer
        assert "taken into custody" in str(answer["outcome"])
        (held,) = [t for t in counter_tasks.of_resident(
            office.uow, actor=CLERK, resident=_resident(office)) if t.id == left.id]
        assert held.status is TaskStatus.DONE
        custody_id = _custody_id(office)
        assert not office.vault.holds(NUMBER)  # in the office's reader, not the vault

        renew = custody_tasks.ask_step(office.uow, actor=CLERK, custody_id=custody_id,
                                       step=Step.RENEW, now=NOW)
        code, answer = _next(server)
        assert code == 0, answer
        assert "renewed in custody" in str(answer["outcome"])
        view = custody.custody_view(office.uow, actor=CLERK, custody_id=custody_id)
        assert view.status is CustodyStatus.RENEWED
        assert counter_tasks.task_view(office.uow, actor=CLERK,
                                       task_id=renew.id).status is TaskStatus.DONE

        mail = custody_tasks.ask_step(office.uow, actor=CLERK, custody_id=custody_id,
                                      step=Step.MAIL, tracking_number="1234-5678", now=NOW)
    assert _auth_serial(card) != before  # new certificates on the holder's chip
    Chip.open(card).verify_pin(PinKind.USER_AUTH, HOLDER_PINS[PinKind.USER_AUTH])  # kept

    monkeypatch.setenv("MYNUMBERCARD_VPCD_PORT", str(pcsc_daemon.port))
    with serve_with(env) as server:  # `--card FILE`: the file put into the virtual reader
        code, answer = _next(server, "--card", str(card))
        assert code == 0, answer
        assert "mailed" in str(answer["outcome"])
    done = custody.custody_view(office.uow, actor=CLERK, custody_id=custody_id)
    assert (done.status, done.tracking_number) == (CustodyStatus.MAILED, "1234-5678")
    assert counter_tasks.task_view(office.uow, actor=CLERK,
                                   task_id=mail.id).status is TaskStatus.DONE
    with office.engine.connect() as conn:
        records = conn.execute(select(audit_log.c.action, audit_log.c.actor)).all()
    named = {action for action, actor in records if actor == ADMIN}
    assert {"custody:leave", "custody:renew", "custody:mail", "counter-task:take",
            "counter-task:finish", "chip:authorise"} <= named


def test_the_terminal_refuses_another_card_and_changes_nothing(
        office: Container, env: dict[str, str], serve_with: Serving, pcsc_daemon: Pcscd,
        tmp_path: Path) -> None:
    card = tmp_path / "the-holders-card"
    card.write_bytes(held_card(office, NUMBER, issued_on=date(2017, 3, 1)))
    other = tmp_path / "another-card"
    other.write_bytes(held_card(office, "ANOTHER-CARD", issued_on=date(2017, 3, 1)))
    office.clock.now = NOW  # type: ignore[attr-defined]
    left = custody_tasks.ask_leave(office.uow, actor=CLERK, card_number=NUMBER,
                                   documents=[IdDocument.PASSPORT], kinds=[CertKind.AUTH],
                                   now=NOW)
    with serve_with(env) as server, inserted(other, pcsc_daemon):
        code, answer = _next(server)
    assert code == 1
    assert answer["status"] == "failed"
    task = counter_tasks.task_view(office.uow, actor=CLERK, task_id=left.id)
    assert task.status is TaskStatus.FAILED
    assert "is card ANOTHER-CARD" in str(task.outcome)
    with office.uow() as uow:
        found = uow.cards.find_by_number(NUMBER)
        assert found is not None
        assert uow.custody.open_for_card(found.id or 0) is None  # nothing recorded


def _resident(office: Container) -> Resident:
    with office.uow() as uow:
        found = uow.cards.find_by_number(NUMBER)
        assert found is not None
        return uow.residents.get(found.resident_id)


def _custody_id(office: Container) -> int:
    with office.uow() as uow:
        found = uow.cards.find_by_number(NUMBER)
        assert found is not None
        held = uow.custody.open_for_card(found.id or 0)
        assert held is not None
        return held.id


def test_the_terminal_is_told_to_name_a_reader_or_a_card_file(env: dict[str, str]) -> None:
    for where in ([], ["--reader", READER, "--card", "card.json"]):
        done = runner.invoke(app, ["terminal", "next", "--server", "http://127.0.0.1:9",
                                   *where])
        assert done.exit_code == 2
        assert "--reader" in done.stderr
        assert "Traceback" not in done.output
