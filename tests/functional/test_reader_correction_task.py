"""A wrong-validity correction as a counter task, end to end with the card in a PC/SC
reader (issue 16 point 2, issue 14 point 4): the clerk's page asks (here its service, as
the page calls it, for the signed-in member), `mynumbercard terminal next` takes the task,
makes the new key on the chip in the virtual reader, the server corrects the case for the
chip's CSR, the terminal writes the certificate; a case whose card date alone was wrong
goes the same way and re-issues nothing; another card in the reader is said as such."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import select, update
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import audit_log, cards, certificates
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip, KeyKind
from mynumbercard.cli.main import app
from mynumbercard.config import Settings
from mynumbercard.domain.certificate import JST, CertificateStatus, CertKind
from mynumbercard.domain.correction import CaseStatus
from mynumbercard.domain.counter_tasks import OutcomeCode, TaskStatus
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import correction_tasks, counter_tasks, validity_check

from card_checks import held_card
from cli_checks import ADMIN
from conftest import FrozenClock
from pcsc_env import READER, Pcscd, inserted

runner = CliRunner()
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


def _wrong(wired: Container, number: str, *, certificate_too: bool) -> tuple[int, date]:
    """The seed's incident on the card: its expiry a year too long (and its user-
    authentication certificate's with it). The card's id and its right expiry."""
    with wired.uow() as uow:
        card = uow.cards.find_by_number(number)
        assert card is not None
        right, card_id = card.expires_on, card.id or 0
    wrong = right.replace(year=right.year + 1)
    with wired.engine.begin() as conn:
        conn.execute(update(cards).where(cards.c.id == card_id).values(expires_on=wrong))
        if certificate_too:
            too_long = datetime.combine(wrong, time(23, 59, 59), tzinfo=JST)
            conn.execute(update(certificates).where(certificates.c.card_id == card_id,
                                                    certificates.c.kind == "auth")
                         .values(not_after=too_long.astimezone(UTC)))
    return card_id, right


def _case_of(wired: Container, card_id: int) -> int:
    (case,) = [c for c in validity_check.list_cases(wired.uow, actor=CLERK, status=None)
               if c.card_id == card_id]
    return case.id


def _next(server: str) -> tuple[int, dict[str, object]]:
    done = runner.invoke(app, ["terminal", "next", "--server", server, "--reader", READER])
    return done.exit_code, json.loads(done.stdout.strip().splitlines()[-1])


def test_the_terminal_corrects_a_case_on_the_card_in_its_reader(
        office: Container, server: str, pcsc_daemon: Pcscd, tmp_path: Path) -> None:
    first = tmp_path / "first-card"
    first.write_bytes(held_card(office, "CORRECT-1", issued_on=date(2026, 10, 1)))
    second = tmp_path / "second-card"
    second.write_bytes(held_card(office, "CORRECT-2", issued_on=date(2026, 10, 1)))
    first_id, first_right = _wrong(office, "CORRECT-1", certificate_too=True)
    second_id, second_right = _wrong(office, "CORRECT-2", certificate_too=False)
    validity_check.check_validity(office.uow, actor=CLERK, now=office.clock())
    first_case, second_case = _case_of(office, first_id), _case_of(office, second_id)
    now = office.clock()
    plan = correction_tasks.case_to_correct(office.uow, actor=CLERK, case_id=first_case,
                                            now=now)
    assert plan.reissued == (CertKind.AUTH,)

    # the card-date-only case first, with the other card in the reader: said as such
    register_only = correction_tasks.ask_correction(office.uow, actor=CLERK,
                                                    case_id=second_case, now=now)
    with inserted(first, pcsc_daemon):
        code, answer = _next(server)
        assert (code, answer["status"]) == (1, "failed")
        failed = counter_tasks.task_view(office.uow, actor=CLERK, task_id=register_only.id)
        assert failed.outcome_code is OutcomeCode.WRONG_CARD
        assert "is card CORRECT-1" in str(failed.outcome)

        task = correction_tasks.ask_correction(office.uow, actor=CLERK, case_id=first_case,
                                               now=now)
        code, answer = _next(server)
        assert code == 0, answer
        done = counter_tasks.task_view(office.uow, actor=CLERK, task_id=task.id)
        assert (done.status, done.outcome_code) == (TaskStatus.DONE, OutcomeCode.CORRECTED)
        assert "certificates re-issued: auth" in str(done.outcome)

    again = correction_tasks.ask_correction(office.uow, actor=CLERK, case_id=second_case,
                                            now=now)
    with inserted(second, pcsc_daemon):
        code, answer = _next(server)
        assert code == 0, answer
    done = counter_tasks.task_view(office.uow, actor=CLERK, task_id=again.id)
    assert done.outcome_code is OutcomeCode.CORRECTED_REGISTER
    assert "no certificate re-issued" in str(done.outcome)

    with office.uow() as uow:
        assert uow.cards.get(first_id).expires_on == first_right
        assert uow.cards.get(second_id).expires_on == second_right
        (auth,) = [c for c in uow.certificates.of_card(first_id)
                   if c.kind is CertKind.AUTH and c.status is CertificateStatus.ACTIVE]
    assert auth.not_after.astimezone(JST).date() <= first_right
    on_card = x509.load_pem_x509_certificate(Chip.open(first).read_certificate(KeyKind.AUTH))
    assert on_card.serial_number == auth.serial  # the new certificate is on the card
    closed = {c.id: c.status for c in validity_check.list_cases(office.uow, actor=CLERK,
                                                                 status=None)}
    assert closed[first_case] is closed[second_case] is CaseStatus.CORRECTED
    with pytest.raises(Conflict, match="corrected already"):
        correction_tasks.ask_correction(office.uow, actor=CLERK, case_id=first_case, now=now)
    with office.engine.connect() as conn:
        named = {a for a, who in conn.execute(select(audit_log.c.action, audit_log.c.actor))
                 if who == ADMIN}
    assert {"counter-task:create", "counter-task:finish", "validity:correct",
            "chip:authorise"} <= named
