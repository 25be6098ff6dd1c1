"""Offices and appointments over HTTP: an administrator configures an office and closes a
day, anyone reads its hours and free slots, a resident books, changes and cancels, a
clerk works the day's list (the pages: test_pages_offices.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, register

from api_checks import ApiClient, admin_code, bearer
from conftest import FrozenClock

SETUP = Actor("setup", Role.ADMIN)
BORN = "1990-06-01"
OFFICE = {"name": "千代田区役所", "postal_code": "1028688",
          "address": "東京都千代田区九段南1-2-1", "phone": "03-3264-2111", "counters": 1,
          "slot_minutes": 30,
          "rules": [*({"weekday": d, "open": [["08:30", "17:15"]]}
                      for d in ("mon", "tue", "wed", "fri")),
                    {"weekday": "thu", "open": [["08:30", "19:00"]]},
                    {"weekday": "sun", "weeks": [2, 4], "open": [["09:00", "12:00"]]}]}


@pytest.fixture
def client(container: Container, clock: FrozenClock, api_client: ApiClient) -> TestClient:
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 10:00 in Japan
    test_client = api_client(container, [("admin", Role.ADMIN, None),
                                         ("clerk-chiyoda", Role.CLERK, "13101"),
                                         ("clerk-minato", Role.CLERK, "13103")])
    for number in ("CARD-1", "CARD-2"):
        person = register.register_resident(
            container.uow, actor=SETUP, now=clock.now, family_name="山田", given_name="花子",
            family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 6, 1),
            sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
            address="千代田1番1号", registered_on=date(1990, 6, 1))
        cards.register_card(container.uow, actor=SETUP, resident_id=person.id or 0,
                            card_number=number, applied_on=date(2025, 3, 1),
                            issued_on=date(2025, 3, 1), now=clock.now)
    return test_client


def _token(client: TestClient, container: Container, username: str) -> dict[str, str]:
    return bearer(client, username,
                  totp=admin_code(container) if username == "admin" else None)


def test_configure_read_book_change_cancel_and_the_desk(client: TestClient,
                                                        container: Container) -> None:
    admin = _token(client, container, "admin")
    clerk = _token(client, container, "clerk-chiyoda")
    assert client.put("/api/v1/offices/13101", json=OFFICE, headers=clerk).status_code == 403
    made = client.put("/api/v1/offices/13101", json=OFFICE, headers=admin)
    assert made.status_code == 201, made.text
    assert client.put("/api/v1/offices/13101", json=OFFICE, headers=admin).status_code == 200
    assert client.get("/api/v1/offices/13101/hours",
                      params={"on": "2026-12-03"}).json() == {
        "office": "13101", "date": "2026-12-03", "open": [["08:30", "19:00"]],
        "closed_reason": None}
    assert client.get("/api/v1/offices/13101/hours",
                      params={"on": "2027-01-11"}).json()["closed_reason"] == "holiday"
    assert [o["code"] for o in client.get("/api/v1/offices",
                                          params={"municipality_code": "131016"}).json()] \
        == ["13101"]
    slots = client.get("/api/v1/offices/13101/slots").json()
    assert len(slots["days"]) == 28
    assert slots["capacity"] == 1
    assert slots["days"][0]["slots"][0] == {"time": "10:30", "free": 1}  # after 10:00 now
    assert client.get("/api/v1/offices/13101/slots",
                      params={"from": "2026-11-29"}).status_code == 422

    booking = {"office": "13101", "purpose": "pick_up", "card_number": "CARD-1",
               "birth_date": BORN, "date": "2026-12-01", "time": "10:00"}
    booked = client.post("/api/v1/appointments", json=booking)
    assert booked.status_code == 201, booked.text
    reference = booked.json()["reference"]
    full = client.post("/api/v1/appointments", json={**booking, "card_number": "CARD-2"})
    assert (full.status_code, full.json()["error"]) == (409, "conflict")
    for bad, status in (({"date": "2026-12-05"}, 409), ({"time": "18:00"}, 422),
                        ({"date": "2026-11-30", "time": "09:00"}, 422),
                        ({"office": "13199"}, 404), ({"birth_date": "1990-06-02"}, 404),
                        ({"time": "25:00"}, 422)):
        answer = client.post("/api/v1/appointments",
                             json={**booking, "card_number": "CARD-2", **bad})
        assert answer.status_code == status, (bad, answer.text)
        assert set(answer.json()) >= {"error", "message"}
    unknown = client.post("/api/v1/appointments", json={**booking, "card_number": "NOPE"})
    wrong = client.post("/api/v1/appointments", json={**booking, "birth_date": "1991-01-01"})
    assert unknown.json() == wrong.json()
    moved = client.post(f"/api/v1/appointments/{reference}/change",
                        json={"birth_date": BORN, "date": "2026-12-03", "time": "18:30"})
    assert moved.json()["time"] == "18:30", moved.text
    assert client.post("/api/v1/appointments/NOTAREF/cancel",
                       json={"birth_date": BORN}).status_code == 404

    day = client.get("/api/v1/offices/13101/appointments", params={"on": "2026-12-03"},
                     headers=clerk)
    assert [b["reference"] for b in day.json()] == [reference]
    other = _token(client, container, "clerk-minato")
    assert client.get("/api/v1/offices/13101/appointments", params={"on": "2026-12-03"},
                      headers=other).status_code == 404
    container.clock.now = datetime(2026, 12, 3, 9, 25, tzinfo=UTC)  # type: ignore[attr-defined]
    clerk = _token(client, container, "clerk-chiyoda")  # a new day, a new session
    arrived = client.post(f"/api/v1/appointments/{reference}/desk",
                          json={"step": "arrived"}, headers=clerk)
    assert arrived.json()["status"] == "arrived", arrived.text
    assert client.post(f"/api/v1/appointments/{reference}/cancel",
                       json={"birth_date": BORN}).status_code == 409


def test_closing_a_day_lists_the_bookings_to_tell(client: TestClient,
                                                  container: Container) -> None:
    admin = _token(client, container, "admin")
    client.put("/api/v1/offices/13101", json=OFFICE, headers=admin)
    booked = client.post("/api/v1/appointments", json={
        "office": "13101", "purpose": "certificate_renewal", "card_number": "CARD-1",
        "birth_date": BORN, "date": "2026-12-01", "time": "14:00",
        "email": "hanako@example.jp"}).json()
    closed = client.put("/api/v1/offices/13101/days/2026-12-01",
                        json={"open": [], "note": "停電"}, headers=admin)
    assert closed.status_code == 200, closed.text
    assert closed.json()["hours"]["closed_reason"] == "exception"
    assert [(d["reference"], d["has_email"]) for d in closed.json()["displaced"]] == [
        (booked["reference"], True)]
    clerk = _token(client, container, "clerk-chiyoda")
    listed = client.get("/api/v1/offices/13101/displaced", headers=clerk).json()
    assert [d["reference"] for d in listed] == [booked["reference"]]
    reopened = client.delete("/api/v1/offices/13101/days/2026-12-01", headers=admin)
    assert reopened.json()["hours"]["open"] == [["08:30", "17:15"]]
