"""Event dates over HTTP: none after today unless simulated (rolled back); `on` as the
date's name; municipality codes of 5 digits or 6 with the check digit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role

from api_checks import ApiClient, bearer

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101")]
TODAY, TOMORROW = "2026-11-25", "2026-11-26"  # the tests' clock: 2026-11-25 18:30 in Japan
NEWBORN = {
    "family_name": "佐藤", "given_name": "蓮", "family_name_kana": "サトウ",
    "given_name_kana": "レン", "birth_date": "2026-11-01", "sex": "male",
    "municipality_code": "131016", "postal_code": "1000001", "address": "千代田1番1号",
    "registered_on": "2026-11-05",
}


@pytest.fixture
def client(container: Container, api_client: ApiClient) -> TestClient:
    return api_client(container, ACCOUNTS)


@pytest.fixture
def clerk(client: TestClient) -> dict[str, str]:
    return bearer(client, "clerk-chiyoda")


def _newborn(client: TestClient, clerk: dict[str, str]) -> int:
    made = client.post("/api/v1/residents", json=NEWBORN, headers=clerk)
    assert made.status_code == 201, made.text
    assert made.json()["municipality_code"] == "13101"  # typed with its check digit
    return int(made.json()["id"])


@pytest.mark.parametrize(("route", "body"), [
    ("death", {"on": TOMORROW}),
    ("emigration", {"on": TOMORROW}),
    ("move", {"to_municipality": "13101", "postal_code": "1000002", "address": "千代田2番2号",
              "on": TOMORROW}),
])
def test_an_event_dated_after_today_is_refused_and_may_be_simulated(
        client: TestClient, clerk: dict[str, str], container: Container, route: str,
        body: dict[str, str]):
    resident = _newborn(client, clerk)
    refused = client.post(f"/api/v1/residents/{resident}/{route}", json=body, headers=clerk)
    assert refused.status_code == 422
    assert refused.json()["error"] == "date_in_the_future"
    assert f"{TOMORROW} is after today ({TODAY})" in refused.json()["message"]
    simulated = client.post(f"/api/v1/residents/{resident}/{route}", json=body,
                            headers=clerk, params={"simulate": "true"})
    assert simulated.status_code == 200, simulated.text
    assert simulated.headers["Mynumbercard-Simulated"] == "rolled-back"
    with container.uow() as uow:  # who simulated what stays on the record
        (record,) = [r for _, r in uow.audit.list(subject=f"resident:{resident}", limit=50,
                                                  before_id=None) if r.action == "simulation:run"]
    assert record.actor == "clerk-chiyoda"
    after = client.get(f"/api/v1/residents/{resident}", headers=clerk).json()
    assert (after["status"], after["address"]) == ("active", "千代田1番1号")  # rolled back
    done = client.post(f"/api/v1/residents/{resident}/{route}", json={**body, "on": TODAY},
                       headers=clerk)
    assert done.status_code == 200, done.text
    assert "Mynumbercard-Simulated" not in done.headers


def test_births_and_registrations_are_not_dated_ahead(client: TestClient,
                                                      clerk: dict[str, str]):
    for field in ("birth_date", "registered_on"):
        refused = client.post("/api/v1/residents", json={**NEWBORN, field: TOMORROW},
                              headers=clerk)
        assert refused.status_code == 422, field
        assert refused.json()["error"] in ("date_in_the_future", "invalid_dates")


def test_the_old_names_of_the_move_s_date_are_still_accepted(client: TestClient,
                                                            clerk: dict[str, str]):
    resident = _newborn(client, clerk)
    moved = client.post(f"/api/v1/residents/{resident}/move", headers=clerk, json={
        "to_municipality": "13101", "postal_code": "1000002", "address": "千代田2番2号",
        "moved_on": TODAY})
    assert moved.status_code == 200, moved.text


@pytest.mark.parametrize(("code", "status"), [("13101", 200), ("131016", 200),
                                              ("131017", 422), ("1310", 422)])
def test_municipality_codes_are_five_digits_or_six_with_the_check_digit(
        client: TestClient, clerk: dict[str, str], code: str, status: int):
    listed = client.get("/api/v1/residents", params={"municipality_code": code},
                        headers=clerk)
    assert listed.status_code == status, listed.text
    if status == 422:
        assert "municipality code" in listed.text or "check digit" in listed.text
