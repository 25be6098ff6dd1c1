"""The offices' pages through the application (docs/offices.md "The pages"): the booking
page the notice's QR code opens lists the quietest free times first and today's waits,
books through the API's use case with the form's token, gives a mistaken form back with
the error beside its field and nothing booked; the office's page shows two weeks of
hours with holidays named, the crowding ahead and the free places."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, register
from mynumbercard.services import offices as office_service

from api_checks import ApiClient
from conftest import FrozenClock

SETUP = Actor("setup", Role.ADMIN)
BORN = "1990-06-01"
WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "fri"), "08:30-17:15")


@pytest.fixture
def client(container: Container, clock: FrozenClock, api_client: ApiClient) -> TestClient:
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 10:00 in Japan
    office_service.load_offices(container.uow, container.holidays, actor=SETUP, now=clock.now,
                                offices=[Office(
        code="13101", name="千代田区役所", postal_code="1028688",
        address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=1,
        rules=parse_rules({**WEEKDAYS, "thu": "08:30-19:00"}, "sun@2,4 09:00-12:00"))])
    for number in ("CARD-1", "CARD-2"):
        person = register.register_resident(
            container.uow, actor=SETUP, now=clock.now, family_name="山田", given_name="花子",
            family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
            sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
            address="千代田1番1号", registered_on=date(1990, 6, 1))
        cards.register_card(container.uow, actor=SETUP, resident_id=person.id or 0,
                            card_number=number, applied_on=date(2025, 3, 1),
                            issued_on=date(2025, 3, 1), now=clock.now)
    # Last Monday and Tuesday: mornings crowded, afternoons quiet.
    with container.uow() as uow:
        for day in (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)):
            for hour in range(8, 18):
                wait = 3600 if hour in (10, 11) else 300
                uow.hours_seen.add("13101", HourSeen(day, hour, 4, 4, 4 * wait))
        uow.commit()
    return api_client(container)


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _slots(page: str) -> list[str]:
    return re.findall(r'name="slot" value="([^"]+)"', page)


def test_the_booking_page_quietest_first_books_and_refuses_clearly(
        client: TestClient) -> None:
    page = client.get("/appointments", params={"office": "13101", "ref": "CARD-1"})
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert "東京都千代田区九段南1-2-1" in page.text
    assert 'value="CARD-1"' in page.text
    assert "本日の待ち時間の予想" in page.text
    assert "level--busy" in page.text  # today's 10:00 and 11:00
    quiet = _slots(page.text)
    hours = [int(v[11:13]) for v in quiet[:8]]
    assert all(h not in (10, 11) for h in hours), quiet[:8]  # the quiet hours first
    assert quiet[0] == "2026-11-30T12:00"  # today's first quiet free slot
    english = client.get("/appointments", params={"office": "13101", "lang": "en"})
    assert '<html lang="en">' in english.text
    assert "The quietest free times" in english.text
    assert "2nd and 4th Sun of the month: 09:00-12:00" in english.text
    assert client.get("/appointments", params={"office": "99999"}).status_code == 404
    assert "千代田区役所" in client.get("/appointments").text

    token = _token(page.text)
    form = {"csrf_token": token, "office": "13101", "purpose": "pick_up",
            "card_number": "CARD-1", "birth_date": "平成2年6月1日",
            "slot": "2026-12-01T10:00"}
    assert client.post("/appointments", data={**form, "csrf_token": "x" * 43}
                       ).status_code == 403
    done = client.post("/appointments", data=form)
    assert done.status_code == 201, done.text
    assert re.search(r'class="reference">([A-Z2-9]{10})<', done.text)
    full = client.post("/appointments?lang=en", data={**form, "card_number": "CARD-2"})
    assert full.status_code == 409
    assert 'id="slot-error"' in full.text
    assert "this slot is full" in full.text
    assert 'value="CARD-2"' in full.text  # what was typed is kept
    assert "2026-12-01T10:00" not in _slots(full.text)  # the full slot is not offered
    wrong = client.post("/appointments", data={**form, "card_number": "CARD-2",
                                               "birth_date": "1991-01-01"})
    assert wrong.status_code == 404
    assert 'id="card_number-error"' in wrong.text
    junk = client.post("/appointments", data={"csrf_token": token, "office": "13101",
                                              "birth_date": "1990-02-30", "slot": "x"})
    assert junk.status_code == 422
    for field in ("purpose", "card_number", "birth_date", "slot"):
        assert f'id="{field}-error"' in junk.text, field
    assert "2月30日" not in junk.text


def test_the_office_page_hours_holidays_crowding_and_free_places(client: TestClient,
                                                                 clock: FrozenClock) -> None:
    clock.now = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # Sunday; Culture Day on Tuesday
    page = client.get("/offices/13101")
    assert page.status_code == 200
    text = page.text
    assert "今週と来週の受付時間" in text
    assert "11月3日（火）" in text
    assert "休み (祝日: 文化の日)" in text
    assert "08:30–19:00" in text  # Thursday's evening
    assert "混雑予想" in text
    assert 'aria-current="date"' in text
    assert "/appointments?office=13101" in text
    english = client.get("/offices/13101", params={"lang": "en"}).text
    assert "Hours this week and next" in english
    assert "Closed (public holiday" in english
    assert client.get("/offices/99999").status_code == 404
    assert client.get("/offices/x1").status_code == 404
