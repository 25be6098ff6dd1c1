"""`mynumbercard points enrol|balance` with the card: the kiosk's challenge-response for
the purpose `points`; the holder chooses one payment service, a second choice (also with
a second card) is refused, a new card keeps the choice, and each refusal prints
`refused` and `message` with exit 1."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mynumbercard import bootstrap
from mynumbercard.chip import Chip
from mynumbercard.cli.main import app
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.points import ReportKind
from mynumbercard.domain.relying_party import sign_request
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, points
from mynumbercard.services.relying_parties import SignedRequest

from cli_checks import demo_card, ok

runner = CliRunner()
SETUP = Actor("setup", Role.ADMIN)
REPORTS = "/api/v1/points/reports"


def _points(*args: str, pin: str = "1234") -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["points", *args, "--pin-stdin"], input=pin + "\n")
    return result.exit_code, json.loads(result.stdout)


def _service(tmp_path: Path, name: str) -> str:
    made = json.loads(ok("relying-party", "add", name, "--kind", "payment-service", "--out",
                         str(tmp_path / f"{name}.json")))
    return str(made["key_id"])


def new_card_for_the_same_person(card_number: str, out: Path) -> None:
    """The holder's next card (after renewal of the card, or a loss): same person, new
    chip, new certificates."""
    with bootstrap.container() as wired:
        now = wired.clock()
        with wired.uow() as uow:
            found = uow.cards.find_by_number(card_number)
            assert found is not None
            resident = uow.residents.get(found.resident_id)
        number = secrets.token_hex(8).upper()
        terminal = wired.new_card(out, card_id=number, face={
            "name": resident.full_name, "address": resident.address,
            "birth_date": resident.birth_date.isoformat(), "sex": resident.sex.value,
            "individual_number": resident.individual_number or ""})
        today = now.astimezone(JST).date()
        cards.register_card(wired.uow, actor=SETUP, resident_id=resident.id or 0,
                            card_number=number, applied_on=today, issued_on=today, now=now)
        terminal.set_initial_pins({PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "5678",
                                   PinKind.RESIDENT_REGISTER: "5678",
                                   PinKind.CARD_INFO: "5678"})
        certificates.issue_certificates(wired.uow, wired.authority, terminal, actor=SETUP,
                                        now=now)


@pytest.fixture
def holder(env: dict[str, str], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:00:00+09:00")
    made = demo_card(tmp_path / "card.mnc")
    ok("points", "campaign", "mynapoint-2026", "--from", "2026-11-01", "--to", "2026-12-31")
    return {"card": str(tmp_path / "card.mnc"), "card_number": made["card_number"],
            "pay": _service(tmp_path, "PayCo"), "other": _service(tmp_path, "OtherPay")}


def test_the_holder_enrols_once_with_the_card_and_a_new_card_keeps_the_choice(
        holder: dict[str, str], tmp_path: Path) -> None:
    card = ["--card", holder["card"]]
    assert _points("enrol", *card, "--service", "rp_0000000000000000") == (1, {
        "refused": "unknown_service",
        "message": "no active payment service with this key id"})
    status, enrolled = _points("enrol", *card, "--service", holder["pay"])
    assert status == 0, enrolled
    assert str(enrolled["enrolment_id"]).startswith("pe_")
    assert enrolled["service"] == holder["pay"]

    status, again = _points("enrol", *card, "--service", holder["other"])
    assert (status, again["refused"]) == (1, "already_enrolled")

    # points granted for a report of the chosen service show in the holder's balance
    _report(holder["pay"], str(enrolled["enrolment_id"]), tmp_path)
    status, seen = _points("balance", *card)
    assert status == 0, seen
    assert seen["enrolment"] == enrolled
    assert seen["service_name"] == "PayCo"
    assert seen["campaigns"] == [{"campaign": "mynapoint-2026", "starts_on": "2026-11-01",
                                  "ends_on": "2026-12-31", "rate_percent": 25, "cap": 5000,
                                  "granted": 1000}]

    # the next card of the same person: the choice is kept, a second one refused
    new_card_for_the_same_person(holder["card_number"], tmp_path / "new.mnc")
    new = ["--card", str(tmp_path / "new.mnc")]
    status, refused = _points("enrol", *new, "--service", holder["other"], pin="5678")
    assert (status, refused["refused"]) == (1, "already_enrolled")
    status, seen = _points("balance", *new, pin="5678")
    assert status == 0, seen
    assert seen["enrolment"] == enrolled


def _report(service: str, enrolment_id: str, tmp_path: Path) -> None:
    """The payment service's signed report (the API's use case, its key from its file)."""
    key = json.loads((tmp_path / "PayCo.json").read_text())
    assert key["key_id"] == service
    with bootstrap.container() as wired:
        stamp = wired.clock()
        timestamp, nonce, path = int(stamp.timestamp()), secrets.token_urlsafe(18), REPORTS
        request = SignedRequest(service, str(timestamp), nonce, sign_request(
            bytes.fromhex(key["secret"]), timestamp=timestamp, nonce=nonce, method="POST",
            path=path, body=b""), "POST", path, b"")
        granted = points.report(wired.uow, wired.party_secrets, request=request,
                                body=points.ReportIn("r-1", enrolment_id, ReportKind.CHARGE,
                                                     4000, stamp), now=stamp)
    assert granted.granted == 1000


def test_refusals_print_refused_and_message(holder: dict[str, str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    card = ["--card", holder["card"]]
    assert _points("enrol", *card, "--service", holder["pay"], pin="9999") == (1, {
        "refused": "pin_wrong", "message": "The PIN is wrong: 2 tries left."})
    assert Chip.open(Path(holder["card"])).tries_left(PinKind.USER_AUTH) == 2
    status, seen = _points("balance", *card)  # the right PIN: the card's counter resets
    assert status == 0, seen
    assert seen["enrolment"] is None
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2036-12-15T10:00:00+09:00")
    assert _points("enrol", *card, "--service", holder["pay"])[1]["refused"] == \
        "certificate_expired"
