"""`mynumbercard offices ...` and `appointments ...`: loading offices from CSV, a day's
hours as JSON, closing a day with bookings on it, the desk; and the notice of issuance
printing the configured office's address, telephone and hours."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from mynumbercard import bootstrap
from mynumbercard.cli.main import app
from mynumbercard.domain.application import Channel
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.sample_portrait import sample_portrait
from mynumbercard.services import applications as apps
from mynumbercard.services import appointments, cards, issuance, register
from mynumbercard.services.application_ports import FormReason

from cli_checks import ok, runner, sign_in_admin
from conftest import CA_PASSPHRASE
from smtp_server import smtp_server

ADMIN = Actor("test", Role.ADMIN)
CSV = """code,name,postal_code,address,phone,counters,slot_minutes,mon,tue,wed,thu,fri,nth
13101,千代田区役所,102-8688,東京都千代田区九段南1-2-1,03-3264-2111,2,30,08:30-17:15,\
08:30-17:15,08:30-17:15,08:30-19:00,08:30-17:15,"sun@2,4 09:00-12:00"
13101-01,千代田区 神保町出張所,1010051,東京都千代田区神田神保町2-40,03-3264-2111,1,30,\
08:30-12:00 13:00-17:15,,,,,
"""


@pytest.fixture
def wired(database_url: str, tmp_path: Path, ca_template: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[bootstrap.Container]:
    home = tmp_path / "home"
    shutil.copytree(ca_template, home / "ca")
    for key, value in {"MYNUMBERCARD_HOME": str(home), "MYNUMBERCARD_DATABASE_URL": database_url,
                       "MYNUMBERCARD_CA_PASSPHRASE": CA_PASSPHRASE,
                       "MYNUMBERCARD_CRL_SHARDS": "4", "MYNUMBERCARD_ALLOW_SET_CLOCK": "1",
                       "MYNUMBERCARD_CLOCK": "2026-11-30T10:00:00+09:00"}.items():
        monkeypatch.setenv(key, value)
    for key in ("MYNUMBERCARD_TOKEN", "MYNUMBERCARD_CREDENTIAL_FILE"):
        monkeypatch.delenv(key, raising=False)
    sign_in_admin()
    with bootstrap.container() as container:
        yield container


def _load(tmp_path: Path, text: str = CSV) -> str:
    path = tmp_path / "offices.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_load_list_and_the_hours_of_a_day(wired: bootstrap.Container, tmp_path: Path) -> None:
    assert json.loads(ok("offices", "load", _load(tmp_path))) == {
        "offices": 2, "added": 2, "replaced": 0, "displaced": []}
    assert json.loads(ok("offices", "load", _load(tmp_path)))["replaced"] == 2
    listed = [json.loads(line) for line in ok("offices", "list").splitlines()]
    assert [(o["code"], o["postal_code"]) for o in listed] == [("13101", "1028688"),
                                                              ("13101-01", "1010051")]
    assert ok("offices", "hours", "13101", "--on", "2026-12-03").strip() == (
        '{"office": "13101", "date": "2026-12-03", "open": [["08:30", "19:00"]], '
        '"closed_reason": null}')
    assert json.loads(ok("offices", "hours", "13101-01", "--on", "2026-11-30"))["open"] == [
        ["08:30", "12:00"], ["13:00", "17:15"]]
    for day, reason in (("2026-11-23", "holiday"), ("2026-12-31", "year_end"),
                        ("2026-12-05", "weekly"), ("2026-12-20", "weekly")):
        answer = json.loads(ok("offices", "hours", "13101", "--on", day))
        assert (answer["open"], answer["closed_reason"]) == ([], reason)
    assert json.loads(ok("offices", "hours", "13101", "--on", "2026-12-13"))["open"] == [
        ["09:00", "12:00"]]  # the second Sunday
    ok("offices", "open", "13101", "--on", "2026-11-23", "--hours", "09:00-12:00")
    assert json.loads(ok("offices", "hours", "13101", "--on", "2026-11-23"))["open"] == [
        ["09:00", "12:00"]]  # an exception opens a holiday


@pytest.mark.parametrize(("args", "code", "message"), [
    (["offices", "hours", "99999", "--on", "2026-12-01"], 3, "no office 99999"),
    (["offices", "hours", "1310", "--on", "2026-12-01"], 2, "office code"),
    (["offices", "hours", "13101", "--on", "2026-02-30"], 2, "--on"),
    (["offices", "close", "13101", "--on", "2026-12-01"], 3, "no office 13101"),
])
def test_bad_input_is_an_exit_status_and_a_message(
        wired: bootstrap.Container, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("text", "message"), [
    ("code,name\n13101,x\n", "lacks the column"),
    (CSV.replace("08:30-19:00", "19:00-08:30"), "line 2"),
    (CSV.replace("102-8688", "1028"), "line 2: a postal code"),
    (CSV.replace('"sun@2,4 09:00-12:00"', "sun 09:00"), "line 2"),
    (CSV.replace("13101-01,", "13101-1,"), "line 3"),
    (CSV.replace("code,name", "code,colour,name"), "unknown column"),
    (CSV.replace("13101,", "00000,", 1), "municipality"),
])
def test_a_bad_csv_loads_nothing(wired: bootstrap.Container, tmp_path: Path, text: str,
                                 message: str) -> None:
    result = runner.invoke(app, ["offices", "load", _load(tmp_path, text)])
    assert result.exit_code in (2, 3), result.output
    assert message in result.output
    assert ok("offices", "list") == ""


def test_close_a_day_with_bookings_and_work_the_desk(wired: bootstrap.Container,
                                                    tmp_path: Path) -> None:
    ok("offices", "load", _load(tmp_path))
    born = date(1990, 6, 1)
    person = register.register_resident(
        wired.uow, actor=ADMIN, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=born,
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=born)
    cards.register_card(wired.uow, actor=ADMIN, resident_id=person.id or 0,
                        card_number="CARD-1", applied_on=date(2025, 3, 1),
                        issued_on=date(2025, 3, 1), now=wired.clock())

    def book(on: date, at: time, purpose: Purpose) -> str:
        return appointments.book(
            wired.uow, wired.holidays, office_code="13101", purpose=purpose,
            application_id=None, card_number="CARD-1", birth_date=born, on=on, at=at,
            email=None, now=wired.clock()).reference

    today = book(date(2026, 11, 30), time(10, 30), Purpose.PICK_UP)  # it is 10:00 now
    assert len(today) == 10
    tuesday = book(date(2026, 12, 1), time(10), Purpose.PIN_UNLOCK)
    listed = json.loads(ok("appointments", "list", "13101", "--on", "2026-11-30"))
    assert [(b["reference"], b["time"], b["status"]) for b in listed] == [
        (today, "10:30", "booked")]
    for step, status in (("arrived", "arrived"), ("started", "in_service"),
                         ("ended", "done")):
        assert json.loads(ok("appointments", "mark", today, step))[0]["status"] == status
    refused = runner.invoke(app, ["appointments", "mark", today, "arrived"])
    assert refused.exit_code == 4
    closed = json.loads(ok("offices", "close", "13101", "--on", "2026-12-01", "--note", "停電"))
    assert closed["closed_reason"] == "exception"
    assert [b["reference"] for b in closed["displaced"]] == [tuesday]
    told = json.loads(ok("offices", "displaced", "13101"))
    assert [(b["reference"], b["status"]) for b in told] == [(tuesday, "office_closed")]
    assert json.loads(ok("offices", "reset", "13101", "--on", "2026-12-01"))["open"] == [
        ["08:30", "17:15"]]


def test_the_notice_of_issuance_prints_the_office_s_address_phone_and_hours(
        wired: bootstrap.Container, tmp_path: Path) -> None:
    ok("offices", "load", _load(tmp_path))
    now = wired.clock()
    for i, municipality in enumerate(("13101", "01101")):
        resident = register.register_resident(
            wired.uow, actor=ADMIN, now=now, family_name="高橋", given_name=f"健{i}",
            family_name_kana="タカハシ", given_name_kana="ケン",
            birth_date=datetime(1980 + i, 5, 5, tzinfo=UTC).date(), sex=Sex.MALE,
            municipality_code=municipality, postal_code="1000001", address=f"千代田{i}番1号",
            registered_on=datetime(2000, 1, 1, tzinfo=UTC).date())
        form = apps.issue_form(wired.uow, actor=ADMIN, resident_id=resident.id or 0,
                               reason=FormReason.FIRST, now=now)
        made = apps.submit(wired.uow, wired.photos, wired.photo_inspector,
                           actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                           application_id=form.application_id, birth_date=resident.birth_date,
                           photo=sample_portrait(), now=now)
        apps.approve(wired.uow, actor=ADMIN, application_ref=made.application.id or 0, now=now)
    ok("jobs", "production")
    for shipment in json.loads(ok("jobs", "ship"))["shipments"]:
        issuance.receive_shipment(wired.uow, actor=ADMIN, shipment_id=shipment["id"], now=now)
    paths = ok("letters", "issuance-notices", "--out", str(tmp_path / "letters")).split()
    texts = {}
    for path in (p for p in paths if Path(p).name.startswith("issuance-notice-")):
        text = "".join(page.extract_text() for page in PdfReader(path).pages)
        texts["13101" if "千代田区役所" in text else "01101"] = text.replace("\n", "")
    chiyoda = texts["13101"]
    assert "九段南1-2-1" in chiyoda
    assert "03-3264-2111" in chiyoda
    assert "木曜 8:30〜19:00" in chiyoda
    assert "第2・第4日曜 9:00〜12:00" in chiyoda
    assert "office=13101" in chiyoda  # the booking page of the QR code
    assert "平日 8:30〜17:15" in texts["01101"]  # an office not configured: as before


def test_reminders_the_day_before_and_word_of_a_closing_reach_the_resident_by_e_mail(
        wired: bootstrap.Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("offices", "load", _load(tmp_path))
    born = date(1985, 2, 3)
    person = register.register_resident(
        wired.uow, actor=ADMIN, now=wired.clock(), family_name="佐藤", given_name="一郎",
        family_name_kana="サトウ", given_name_kana="イチロウ", birth_date=born,
        sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
        address="千代田2番2号", registered_on=born)
    cards.register_card(wired.uow, actor=ADMIN, resident_id=person.id, card_number="CARD-2",
                        applied_on=date(2025, 3, 1), issued_on=date(2025, 3, 1),
                        now=wired.clock())

    def book(on: date, at: time, purpose: Purpose, email: str | None) -> str:
        return appointments.book(
            wired.uow, wired.holidays, office_code="13101", purpose=purpose,
            application_id=None, card_number="CARD-2", birth_date=born, on=on, at=at,
            email=email, now=wired.clock()).reference

    tomorrow = book(date(2026, 12, 1), time(10), Purpose.PIN_UNLOCK, "ichiro@example.jp")
    wednesday = book(date(2026, 12, 2), time(9), Purpose.LOSS, "ichiro@example.jp")
    # It is Monday 30 November: tomorrow's booking is reminded, Wednesday's not yet.
    assert json.loads(ok("appointments", "remind")) == {"on": "2026-12-01", "bookings": 1,
                                                        "queued": 1}
    assert json.loads(ok("appointments", "remind"))["queued"] == 0  # never twice
    ok("offices", "close", "13101", "--on", "2026-12-02", "--note", "停電")
    with smtp_server() as (port, inbox):
        monkeypatch.setenv("MYNUMBERCARD_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MYNUMBERCARD_SMTP_PORT", str(port))
        assert json.loads(ok("email", "send"))["sent"] == 2
    bodies = {m["Subject"]: m.get_payload(decode=True).decode() for m in inbox.received}
    assert all(m["To"] == "ichiro@example.jp" for m in inbox.received)
    reminded = next(b for s, b in bodies.items() if "tomorrow" in s)
    assert tomorrow in reminded
    assert "2026年12月01日（火）10:00" in reminded
    assert "/appointments?office=13101" in reminded
    cancelled = next(b for s, b in bodies.items() if "cancelled" in s)
    assert wednesday in cancelled
    assert "2026年12月02日（水）09:00" in cancelled
    assert "佐藤" not in reminded + cancelled  # no name in a message
