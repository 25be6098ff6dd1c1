"""The counter tasks end to end with the card in a PC/SC reader (docs/chip.md "Counter
tasks"): the clerk's page asks (here its service, as the page calls it, for the signed-in
member), `mynumbercard terminal next` takes the task, runs it with the virtual reader and
the holder's PINs on its own input, and reports the outcome; no PIN reaches the server."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip
from mynumbercard.cli import session
from mynumbercard.cli.main import app
from mynumbercard.config import Settings
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.counter_tasks import TaskStatus
from mynumbercard.domain.pickup import IdDocument
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import counter_tasks

from card_checks import card_waiting
from cli_checks import ADMIN
from conftest import FrozenClock
from pcsc_env import READER, Pcscd, inserted

runner = CliRunner()
PINS = "2468\nSUZUKI85\n"  # the holder's PIN, then the signature password
CLERK = Actor(ADMIN, Role.ADMIN)  # the member signed in on the terminal (the CLI's)


@pytest.fixture
def office(env: dict[str, str]) -> Iterator[Container]:
    settings = Settings(home=Path(env["MYNUMBERCARD_HOME"]),
                        database_url=env["MYNUMBERCARD_DATABASE_URL"],
                        ca_passphrase=env["MYNUMBERCARD_CA_PASSPHRASE"],  # type: ignore[arg-type]
                        crl_shards=4)
    clock = FrozenClock(datetime.now(UTC) - timedelta(days=30))
    wired = Container(settings=settings, engine=make_engine(settings.database_url),
                      clock=clock)
    yield wired
    wired.engine.dispose()


def _next(server: str, pins: str = "") -> tuple[int, dict[str, object]]:
    done = runner.invoke(app, ["terminal", "next", "--server", server, "--reader", READER,
                               "--pin-stdin"], input=pins)
    return done.exit_code, json.loads(done.stdout.strip().splitlines()[-1])


def _api_hand_over(wired: Container, server: str, number: str) -> int:
    """`POST /api/v1/cards/{number}/hand-over` as the signed-in member: the task's id."""
    token = session.stored_token(wired.settings)
    request = urllib.request.Request(
        f"{server}/api/v1/cards/{number}/hand-over", method="POST",
        data=json.dumps({"notice_presented": True, "documents": ["passport"]}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 202
        task = json.loads(answer.read())
    assert (task["kind"], task["status"]) == ("hand_over", "pending")
    return int(task["id"])


def _status(wired: Container, task_id: int) -> tuple[TaskStatus, str | None]:
    task = counter_tasks.task_view(wired.uow, actor=CLERK, task_id=task_id)
    return task.status, task.outcome


def test_the_terminal_runs_the_pages_tasks_on_the_card_in_its_reader(
        office: Container, server: str, pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    number, other = card_waiting(office), card_waiting(office)
    card = tmp_path / "card-in-the-reader"
    shutil.copyfile(office.vault.path(number), card)
    now = office.clock()
    checks = counter_tasks.HandOverChecks(notice_presented=True,
                                          documents=frozenset({IdDocument.PASSPORT}))
    assert _next(server) == (0, {"task": None})  # nothing asked yet
    wrong = counter_tasks.ask_hand_over(office.uow, actor=CLERK, card_number=other,
                                        checks=checks, now=now)
    with inserted(card, pcsc_daemon):
        code, answer = _next(server, PINS)
        assert code == 1
        assert answer["status"] == "failed"
        assert _status(office, wrong.id)[0] is TaskStatus.FAILED
        assert f"is card {number}" in str(_status(office, wrong.id)[1])

        # The API's hand-over makes the same task as the page (no PIN in its body).
        task_id = _api_hand_over(office, server, number)
        code, answer = _next(server, PINS)
        assert code == 0, answer
        assert _status(office, task_id)[0] is TaskStatus.DONE
        assert "handed over" in str(answer["outcome"])

        early = counter_tasks.ask_renewal(office.uow, actor=CLERK, card_number=number,
                                          kinds=[CertKind.AUTH], now=office.clock())
        code, answer = _next(server)
        assert code == 1
        assert "renew" in str(_status(office, early.id)[1])

        unlock = counter_tasks.ask_unlock(office.uow, actor=CLERK, card_number=number,
                                          kind=CertKind.AUTH, now=office.clock())
        code, answer = _next(server, "1357\n")
        assert code == 0, answer
        assert _status(office, unlock.id)[0] is TaskStatus.DONE
    chip = Chip.open(card)
    chip.verify_pin(PinKind.USER_AUTH, "1357")  # the holder's new PIN, set on the pad
    chip.verify_pin(PinKind.CARD_INFO, "2468")
    assert not office.vault.holds(number)
    server_log = (Path(office.settings.home).parent / "server.log").read_text()
    for pin in ("2468", "SUZUKI85", "1357"):
        assert pin not in server_log
    with office.engine.connect() as conn:
        records = conn.execute(select(audit_log.c.action, audit_log.c.actor)).all()
    named = {action for action, actor in records if actor == ADMIN}
    assert {"counter-task:create", "counter-task:take", "counter-task:finish",
            "card:hand-over"} <= named
