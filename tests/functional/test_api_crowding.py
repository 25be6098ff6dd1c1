"""Crowding over HTTP (docs/offices.md "Crowding"): a clerk records walk-ins and marks
their service, a booked resident's marks count too, the next weeks' forecast reads what
was seen, and the counter is told to propose the custody hand-off only above the
office's level to a holder who may leave the card."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import appointments
from mynumbercard.services import offices as office_service

from api_checks import ApiClient, add_accounts, admin_code, bearer
from card_checks import held_card
from conftest import FrozenClock

SETUP = Actor("setup", Role.ADMIN)
NUMBER = "CARD-CROWD"
CLERK = "clerk-chiyoda"
MONDAY_10 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 10:00 in Japan
WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-17:15")


def office(level: int | None = 30) -> Office:
    return Office(code="13101", name="千代田区役所", postal_code="1028688",
                  address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=2,
                  rules=parse_rules(WEEKDAYS), handoff_wait_minutes=level)


@pytest.fixture
def client(pki_container: Container, clock: FrozenClock, api_client: ApiClient) -> TestClient:
    wired = pki_container
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    add_accounts(wired, [("clerk-chiyoda", Role.CLERK, "13101"),
                         ("clerk-minato", Role.CLERK, "13103")])
    held_card(wired, NUMBER, issued_on=date(2026, 10, 1))  # certificates till 2031-01-20
    office_service.load_offices(wired.uow, wired.holidays, actor=SETUP, offices=[office()],
                                now=clock.now)
    return api_client(wired)


def _walk_in(client: TestClient, clock: FrozenClock, *, wait: int, service: int) -> int:
    """A walk-in recorded, served after `wait` minutes for `service` minutes (the clerk
    signs in again after the clock moved past the token's life)."""
    made = client.post("/api/v1/offices/13101/walk-ins", headers=bearer(client, CLERK),
                       json={"purpose": "certificate_renewal"})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "waiting"
    clock.now += timedelta(minutes=wait)
    clerk = bearer(client, CLERK)
    started = client.post(f"/api/v1/walk-ins/{made.json()['id']}/desk", headers=clerk,
                          json={"step": "started"})
    assert started.json()["status"] == "in_service", started.text
    clock.now += timedelta(minutes=service)
    ended = client.post(f"/api/v1/walk-ins/{made.json()['id']}/desk", headers=clerk,
                        json={"step": "ended"})
    assert ended.json()["status"] == "done", ended.text
    return int(made.json()["id"])


def _hours(client: TestClient, day: date) -> dict[int, int | None]:
    found = client.get("/api/v1/offices/13101/crowding", params={"from": day.isoformat(),
                                                                 "days": 1})
    assert found.status_code == 200, found.text
    (only,) = found.json()["days"]
    return {h["hour"]: h["expected_wait_minutes"] for h in only["hours"]}


def test_walk_ins_make_the_forecast_and_the_hand_off_is_proposed_above_the_level(
        client: TestClient, clock: FrozenClock, pki_container: Container) -> None:
    clock.now = MONDAY_10
    clerk, other = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    assert client.post("/api/v1/offices/13101/walk-ins", headers=other,
                       json={}).status_code == 404  # another municipality's office
    walk_in = _walk_in(client, clock, wait=40, service=10)
    clerk, other = bearer(client, CLERK), bearer(client, "clerk-minato")
    assert client.post(f"/api/v1/walk-ins/{walk_in}/desk", headers=other,
                       json={"step": "left"}).json()["message"] == f"no walk-in {walk_in}"
    assert client.post(f"/api/v1/walk-ins/{walk_in}/desk", headers=clerk,
                       json={"step": "left"}).status_code == 409  # served already
    assert client.post("/api/v1/walk-ins/1/desk", headers=clerk,
                       json={"step": "later"}).status_code == 422
    # Today is not history yet; a week on, Monday 10:00 expects 40 minutes, Tuesday 10:00
    # borrows the other weekdays', 9:00 has nothing seen.
    assert _hours(client, date(2026, 11, 30))[10] is None
    clock.now = MONDAY_10 + timedelta(days=7)
    clerk, other = bearer(client, CLERK), bearer(client, "clerk-minato")
    monday = _hours(client, date(2026, 12, 7))
    assert monday[10] == 40
    assert monday[9] is None
    assert sorted(monday) == list(range(8, 18))
    assert _hours(client, date(2026, 12, 8))[10] == 40
    saturday = client.get("/api/v1/offices/13101/crowding",
                          params={"from": "2026-12-12", "days": 1}).json()["days"][0]
    assert saturday["closed_reason"] == "weekly"
    assert saturday["hours"] == []

    advice = client.get(f"/api/v1/offices/13101/handoff/{NUMBER}", headers=clerk)
    assert advice.status_code == 200, advice.text
    assert advice.json() | {"certificates_valid_until": None} == {
        "office": "13101", "card_number": NUMBER, "hour": 10, "expected_wait_minutes": 40,
        "level_minutes": 30, "waiting_now": 0, "propose": False,
        "reason": "renewal_not_open", "certificates_valid_until": None}
    assert client.get(f"/api/v1/offices/13101/handoff/{NUMBER}",
                      headers=other).status_code == 404

    # Four years on, within the certificates' renewal window: a crowded Monday morning.
    clock.now = datetime(2030, 11, 18, 1, 0, tzinfo=UTC)
    _walk_in(client, clock, wait=50, service=12)
    clock.now = datetime(2030, 11, 25, 1, 5, tzinfo=UTC)
    clerk = bearer(client, CLERK)
    client.post("/api/v1/offices/13101/walk-ins", headers=clerk, json={})  # waits now
    advice = client.get(f"/api/v1/offices/13101/handoff/{NUMBER}", headers=clerk).json()
    assert advice["propose"] is True
    assert advice["reason"] == "crowded"
    assert advice["expected_wait_minutes"] == 50
    assert advice["waiting_now"] == 1
    assert advice["certificates_valid_until"] == "2031-01-20"
    clock.now = datetime(2030, 11, 25, 1, 15, tzinfo=UTC)  # 10:15: 14:00 saw nothing
    assert client.get("/api/v1/offices/13101/crowding", params={"days": 1}).json()[
        "days"][0]["hours"][6] == {"hour": 14, "expected_wait_minutes": None, "level": None,
                                   "season_week": None}


def test_a_booked_residents_marks_count_as_arrivals_not_as_waits(
        client: TestClient, clock: FrozenClock, pki_container: Container) -> None:
    clock.now = MONDAY_10 - timedelta(days=1)
    made = appointments.book(pki_container.uow, pki_container.holidays, office_code="13101",
                             purpose=Purpose.PICK_UP, application_id=None,
                             card_number=NUMBER, birth_date=date(1990, 1, 20),
                             on=date(2026, 11, 30), at=time(10), email=None, now=clock.now)
    clock.now = MONDAY_10 - timedelta(minutes=10)
    for step, minutes in (("arrived", 0), ("started", 25), ("ended", 12)):
        clock.now += timedelta(minutes=minutes)
        assert client.post(f"/api/v1/appointments/{made.reference}/desk",
                           headers=bearer(client, CLERK),
                           json={"step": step}).status_code == 200
    with pki_container.uow() as uow:
        seen = {s.hour: s for s in uow.hours_seen.between("13101", date(2026, 11, 30),
                                                         date(2026, 11, 30))}
    assert seen[9].arrivals == 1
    assert seen[9].waits == 0
    assert seen[10].served == 1
    assert seen[10].service_seconds == 12 * 60


def test_bad_input_is_refused_clearly(client: TestClient, clock: FrozenClock) -> None:
    clock.now = MONDAY_10
    assert client.get("/api/v1/offices/99999/crowding").status_code == 404
    assert client.get("/api/v1/offices/13101/crowding",
                      params={"from": "2026-11-01"}).status_code == 422
    assert client.get("/api/v1/offices/13101/crowding",
                      params={"days": 99}).status_code == 422
    clerk = bearer(client, "clerk-chiyoda")
    assert client.get("/api/v1/offices/13101/handoff/NO-SUCH", headers=clerk).json() == {
        "error": "not_found", "message": "no card with this number is on the register"}
    assert client.post("/api/v1/walk-ins/424242/desk", headers=clerk,
                       json={"step": "started"}).status_code == 404


def test_an_administrator_sets_the_office_s_hand_off_level(
        client: TestClient, clock: FrozenClock, pki_container: Container) -> None:
    clock.now = MONDAY_10
    add_accounts(pki_container, [("admin", Role.ADMIN, None)])
    admin = bearer(client, "admin", totp=admin_code(pki_container))
    body = {"name": "千代田区役所", "postal_code": "1028688",
            "address": "東京都千代田区九段南1-2-1", "phone": "03-3264-2111",
            "rules": [{"weekday": "mon", "open": [["08:30", "17:15"]]}]}
    assert client.put("/api/v1/offices/13101", headers=admin,
                      json={**body, "handoff_wait_minutes": 0}).status_code == 422
    saved = client.put("/api/v1/offices/13101", headers=admin,
                       json={**body, "handoff_wait_minutes": 45})
    assert saved.status_code == 200, saved.text
    assert client.get("/api/v1/offices/13101").json()["handoff_wait_minutes"] == 45
    client.put("/api/v1/offices/13101", headers=admin, json=body)
    assert client.get("/api/v1/offices/13101").json()["handoff_wait_minutes"] is None
