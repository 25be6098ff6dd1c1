"""`jobs production`, `jobs ship`, `letters issuance-notices` and `jobs uncollected`."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from mynumbercard import bootstrap
from mynumbercard.cli.main import app
from mynumbercard.domain.application import Channel
from mynumbercard.domain.card import CardStatus
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.sample_portrait import sample_portrait
from mynumbercard.services import applications as apps
from mynumbercard.services import cards, issuance, moving, register
from mynumbercard.services.application_ports import FormReason

from cli_checks import ok, runner, service_credential, sign_in_admin
from conftest import CA_PASSPHRASE

ADMIN = Actor("test", Role.ADMIN)


@pytest.fixture
def wired(database_url: str, tmp_path: Path, ca_template: Path,
          monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    shutil.copytree(ca_template, home / "ca")
    for key, value in {"MYNUMBERCARD_HOME": str(home), "MYNUMBERCARD_DATABASE_URL": database_url,
                       "MYNUMBERCARD_CA_PASSPHRASE": CA_PASSPHRASE,
                       "MYNUMBERCARD_CRL_SHARDS": "4",
                       "MYNUMBERCARD_ALLOW_SET_CLOCK": "1"}.items():
        monkeypatch.setenv(key, value)
    sign_in_admin()
    with bootstrap.container() as container:
        yield container


def _approved(wired: bootstrap.Container, n: int) -> None:
    now = wired.clock()
    for i in range(n):
        resident = register.register_resident(
            wired.uow, actor=ADMIN, now=now, family_name="高橋", given_name=f"健{i}",
            family_name_kana="タカハシ", given_name_kana="ケン", birth_date=datetime(
                1980 + i, 5, 5, tzinfo=UTC).date(), sex=Sex.MALE,
            municipality_code="13101" if i % 2 else "01101", postal_code="1000001",
            address=f"千代田{i}番1号", registered_on=datetime(2000, 1, 1, tzinfo=UTC).date())
        form = apps.issue_form(wired.uow, actor=ADMIN, resident_id=resident.id or 0,
                               reason=FormReason.FIRST, now=now)
        made = apps.submit(wired.uow, wired.photos, wired.photo_inspector,
                           actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                           application_id=form.application_id, birth_date=resident.birth_date,
                           photo=sample_portrait(), now=now)
        apps.approve(wired.uow, actor=ADMIN, application_ref=made.application.id or 0, now=now)


def test_production_ship_receive_and_the_notices_of_issuance(wired: bootstrap.Container,
                                                             tmp_path: Path) -> None:
    _approved(wired, 3)
    produced = json.loads(ok("jobs", "production"))
    assert produced["cards"] == 3
    # Each card by number, with its application and holder; no names in the output.
    assert sorted(f"{m['card_number']}.card" for m in produced["made"]) == sorted(
        p.name for p in wired.settings.vault_directory.glob("*.card"))
    assert all(set(m) == {"card_number", "application", "resident_id"}
               for m in produced["made"])
    assert json.loads(ok("jobs", "production"))["cards"] == 0  # nothing left: idempotent
    shipped = json.loads(ok("jobs", "ship"))
    assert shipped["cards"] == 3
    assert sorted(s["office"] for s in shipped["shipments"]) == ["01101", "13101"]
    for shipment in shipped["shipments"]:
        issuance.receive_shipment(wired.uow, actor=ADMIN, shipment_id=shipment["id"],
                                  now=wired.clock())
    out = tmp_path / "letters"
    paths = ok("letters", "issuance-notices", "--out", str(out)).split()
    assert len(paths) == 6  # each notice with its sealed PIN-setting request form
    assert all(Path(p).parent == out for p in paths)
    notices = [p for p in paths if Path(p).name.startswith("issuance-notice-")]
    forms = [p for p in paths if Path(p).name.startswith("pin-form-")]
    assert len(notices) == len(forms) == 3
    assert {Path(p).name.removeprefix("issuance-notice-") for p in notices} == {
        Path(p).name.removeprefix("pin-form-") for p in forms}
    text = PdfReader(notices[0]).pages[1].extract_text()
    assert "交付通知書" in text
    assert "令和" in text
    assert "暗証番号設定依頼書" in PdfReader(forms[0]).pages[0].extract_text()
    assert ok("letters", "issuance-notices", "--out", str(out)).split() == []  # not twice


def test_production_and_shipping_simulated_change_nothing(wired: bootstrap.Container) -> None:
    _approved(wired, 2)
    tomorrow = (wired.clock().astimezone(JST).date() + timedelta(days=1)).isoformat()
    simulated = runner.invoke(app, ["jobs", "production", "--on", tomorrow, "--simulate"])
    assert simulated.exit_code == 0, simulated.output
    answer = json.loads(simulated.stdout)
    assert (answer["cards"], answer["simulated"]) == (2, True)
    scratch = Path(simulated.stderr.split("are in ")[-1].strip())
    assert len(list((scratch / "cards").glob("*.card"))) == 2  # the chips it would make
    assert not list(wired.settings.vault_directory.glob("*.card"))
    shipped = runner.invoke(app, ["jobs", "ship", "--simulate"])
    assert json.loads(shipped.stdout) == {"shipments": [], "cards": 0, "simulated": True}
    made = json.loads(ok("jobs", "production"))  # nothing was taken by the simulation
    assert made["cards"] == 2
    assert {c.issued_on for c in _cards(wired)} == {wired.clock().astimezone(JST).date()}
    shipped = runner.invoke(app, ["jobs", "ship", "--simulate"])
    assert json.loads(shipped.stdout)["cards"] == 2
    assert json.loads(ok("jobs", "ship"))["cards"] == 2  # still there to ship for real


def _cards(wired: bootstrap.Container) -> list:
    with wired.uow() as uow:
        return [c for r in range(1, 10) for c in uow.cards.of_resident(r)]


def test_uncollected_cards_get_a_reminder_then_are_destroyed(
        wired: bootstrap.Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _approved(wired, 1)
    ok("jobs", "production")
    (shipment,) = json.loads(ok("jobs", "ship"))["shipments"]
    issuance.receive_shipment(wired.uow, actor=ADMIN, shipment_id=shipment["id"],
                              now=wired.clock())
    ok("letters", "issuance-notices", "--out", str(tmp_path / "letters"))
    assert ok("jobs", "uncollected", "--out", str(tmp_path / "reminders"),
              "--yes").split() == []

    cron = service_credential(wired, tmp_path / "cron.credential", "jobs")

    def later(days: int) -> list[str]:
        """Run on a day to come: the clock set to it (a day ahead of the clock is refused),
        as cron runs it, under a service account (a member's session would be over)."""
        day = (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
        monkeypatch.setenv("MYNUMBERCARD_CLOCK", day)
        monkeypatch.setenv("MYNUMBERCARD_CREDENTIAL_FILE", str(cron))
        return ["jobs", "uncollected", "--out", str(tmp_path / "reminders"), "--on", day,
                "--yes"]

    # A day ahead of the clock is refused; simulated, it says what it would do and
    # destroys nothing (the card stays in the safe, the application alive).
    far = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    ahead = ["jobs", "uncollected", "--out", str(tmp_path / "reminders"), "--on", far]
    refused = runner.invoke(app, [*ahead, "--yes"])
    assert refused.exit_code == 2
    assert "after today" in refused.stderr
    simulated = runner.invoke(app, [*ahead, "--simulate"])
    assert simulated.exit_code == 0, simulated.output
    assert json.loads(simulated.stderr.strip().splitlines()[-1]) == {
        "reminders": 0, "destroyed": 1, "simulated": True}
    assert len(list(wired.settings.vault_directory.glob("*.card"))) == 1
    # Past the 3-month deadline: a reminder, once.
    (reminder,) = ok(*later(100)).split()
    assert Path(reminder).name.startswith("reminder-")
    reminder_text = "".join(p.extract_text() for p in PdfReader(reminder).pages)
    assert "再通知" in reminder_text  # it says it is a reminder
    assert "保管期限" in reminder_text
    assert ok(*later(101)).split() == []
    # Past the 6-month keeping period: destroyed, the application void.
    result = runner.invoke(app, later(200))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {"reminders": 0,
                                                                   "destroyed": 1}
    assert list(wired.settings.vault_directory.glob("*.card")) == []


def test_card_lapse_lapses_a_card_whose_move_was_not_completed_once(
        wired: bootstrap.Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    now = wired.clock()
    today = now.astimezone(JST).date()
    resident = register.register_resident(
        wired.uow, actor=ADMIN, now=now, family_name="高橋", given_name="健",
        family_name_kana="タカハシ", given_name_kana="ケン", birth_date=date(1980, 5, 5),
        sex=Sex.MALE, municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=date(2000, 1, 1))
    cards.register_card(wired.uow, actor=ADMIN, resident_id=resident.id or 0,
                        card_number="CARD-LAPSE", applied_on=today, issued_on=today, now=now)
    moving.record_moving_out(wired.uow, actor=ADMIN, resident_id=resident.id or 0,
                             to_municipality="13103", planned_on=today, now=now)
    day = (today + timedelta(days=30)).isoformat()
    monkeypatch.setenv("MYNUMBERCARD_CREDENTIAL_FILE",  # cron's, on the days to come
                       str(service_credential(wired, tmp_path / "cron.credential", "jobs")))
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", day)
    assert json.loads(ok("jobs", "card-lapse", "--on", day, "--yes")) == {"lapsed": 0}
    day = (today + timedelta(days=31)).isoformat()
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", day)
    assert json.loads(ok("jobs", "card-lapse", "--yes")) == {"lapsed": 1}  # today's
    assert json.loads(ok("jobs", "card-lapse", "--on", day, "--yes")) == {"lapsed": 0}
    with wired.uow() as uow:
        card = uow.cards.find_by_number("CARD-LAPSE")
        assert card is not None
        assert card.status is CardStatus.LAPSED
