"""Finding things over HTTP: resident search, a card, the review queue, an application by
its Application ID; bad input is a 4xx with a JSON error, never a 500."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role
from mynumbercard.generators.sample_portrait import sample_portrait

from api_checks import ApiClient, bearer

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("clerk-chuo", Role.CLERK, "13102"),
            ("operator", Role.OPERATOR, None)]
RESIDENT = {
    "family_name": "鈴木", "given_name": "一郎", "family_name_kana": "スズキ",
    "given_name_kana": "イチロウ", "birth_date": "1985-04-02", "sex": "male",
    "municipality_code": "13101", "postal_code": "1000001", "address": "千代田１番１号",
    "registered_on": "1985-04-10",
}


@pytest.fixture
def client(pki_container: Container, api_client: ApiClient) -> TestClient:
    return api_client(pki_container, ACCOUNTS)


def _applied(client: TestClient, clerk: dict[str, str]) -> tuple[dict, str]:
    resident = client.post("/api/v1/residents", json=RESIDENT, headers=clerk).json()
    form = client.post("/api/v1/applications/forms", headers=clerk,
                       json={"resident_id": resident["id"], "reason": "first"}).json()
    photo = base64.b64encode(sample_portrait()).decode("ascii")
    applied = client.post("/api/v1/applications/online", json={
        "application_id": form["application_id"], "birth_date": "1985-04-02", "photo": photo})
    assert applied.status_code == 201, applied.text
    return resident, form["application_id"]


def _error(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "message"}
    return body["error"]


def test_search_by_kana_name_address_and_number(client: TestClient) -> None:
    clerk, other = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-chuo")
    resident = client.post("/api/v1/residents", json=RESIDENT, headers=clerk).json()
    for query in ({"name": "ｽｽﾞｷ", "birth_date": "1985-04-02"},
                  {"name": "すずき いち", "birth_date": "1985-04-02"},
                  {"name": "鈴木", "birth_date": "1985-04-02"},
                  {"postal_code": "100-0001", "address": "千代田1"},
                  {"number": resident["individual_number"]}):
        found = client.get("/api/v1/residents/search", params=query, headers=clerk)
        assert [r["id"] for r in found.json()] == [resident["id"]], query
        assert client.get("/api/v1/residents/search", params=query, headers=other).json() == []
    _error(client.get("/api/v1/residents/search", headers=clerk), 422)
    _error(client.get("/api/v1/residents/search", params={"name": "すずき"}, headers=clerk), 422)
    _error(client.get("/api/v1/residents/search", params={"name": "x" * 81,
                                                           "birth_date": "1985-04-02"},
                      headers=clerk), 422)
    _error(client.get("/api/v1/residents/search", params={"number": "1234"}, headers=clerk),
           422)
    _error(client.get("/api/v1/residents/search", params={
        "name": "すずき", "birth_date": "1985-04-02", "limit": 10_000}, headers=clerk), 422)
    _error(client.get("/api/v1/residents/search", params={
        "name": "すずき", "birth_date": "1985-04-02", "municipality_code": "13102"},
        headers=clerk), 403)
    assert client.get("/api/v1/residents/search", params={"name": "すずき"}).status_code == 401


def test_an_application_by_its_id_a_mistyped_one_and_a_huge_reference(
        client: TestClient) -> None:
    clerk, other = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-chuo")
    resident, application_id = _applied(client, clerk)
    printed = "-".join(application_id[i:i + 4] for i in range(0, 23, 4))
    found = client.get("/api/v1/applications", params={"application_id": printed},
                       headers=clerk)
    assert found.status_code == 200, found.text
    assert (found.json()["resident_id"], found.json()["application_id"]) == (
        resident["id"], application_id)
    assert _error(client.get("/api/v1/applications", params={"application_id": printed},
                             headers=other), 404) == "not_found"
    mistyped = application_id[:-1] + str((int(application_id[-1]) + 1) % 10)
    assert _error(client.get("/api/v1/applications", params={"application_id": mistyped},
                             headers=clerk), 422) == "invalid_application_id"
    _error(client.get("/api/v1/applications/99999999999999999999999", headers=clerk), 422)
    _error(client.get("/api/v1/applications/0", headers=clerk), 422)
    _error(client.get(f"/api/v1/applications/{2**63 - 1}", headers=clerk), 404)
    _error(client.get("/api/v1/applications", headers=clerk), 422)


def test_the_review_queue_pages_and_production_names_its_cards(client: TestClient) -> None:
    clerk, operator = bearer(client, "clerk-chiyoda"), bearer(client, "operator")
    resident, _ = _applied(client, clerk)
    queue = client.get("/api/v1/applications", params={"status": "received", "limit": 1},
                       headers=operator)
    assert queue.status_code == 200, queue.text
    (item,) = queue.json()["applications"]
    assert item["resident_id"] == resident["id"]
    assert queue.json()["next"] is None
    assert client.get("/api/v1/applications", params={"status": "received"},
                      headers=bearer(client, "clerk-chuo")).json()["applications"] == []
    _error(client.get("/api/v1/applications", params={"status": "received", "after": "x"},
                      headers=operator), 422)
    _error(client.get("/api/v1/applications", params={"status": "nonsense"},
                      headers=operator), 422)
    _error(client.get("/api/v1/applications", params={
        "status": "received", "received_from": "2026-02-01", "received_to": "2026-01-01"},
        headers=operator), 422)

    assert client.post(f"/api/v1/applications/{item['id']}/approve",
                       headers=operator).status_code == 200
    run = client.post("/api/v1/production-runs", headers=operator)
    assert run.status_code == 201, run.text
    (made,) = run.json()["made"]
    assert (made["application"], made["resident_id"]) == (item["id"], resident["id"])
    card = client.get(f"/api/v1/cards/{made['card_number']}", headers=clerk)
    assert card.status_code == 200, card.text
    assert (card.json()["status"], card.json()["resident_id"]) == ("produced", resident["id"])
    hidden = client.get(f"/api/v1/cards/{made['card_number']}",
                        headers=bearer(client, "clerk-chuo"))
    unknown = client.get(f"/api/v1/cards/{'0' * 16}", headers=clerk)
    assert _error(hidden, 404) == _error(unknown, 404)
    assert hidden.json() == unknown.json()
    _error(client.get("/api/v1/cards/not a card", headers=clerk), 422)
    # Grouped or in lower case, a number made here is found; a registered one as it is.
    grouped = "-".join(made["card_number"][i:i + 4] for i in range(0, 16, 4)).lower()
    assert client.get(f"/api/v1/cards/{grouped}", headers=clerk).json()["card_number"] == \
        made["card_number"]
    _error(client.get("/api/v1/cards/NOT-A-CARD", headers=clerk), 404)
    _error(client.get(f"/api/v1/cards/{'A' * 41}", headers=clerk), 422)


CARD_ROUTES = [("GET", "/api/v1/cards/{n}"), ("POST", "/api/v1/cards/{n}/hand-over"),
               ("POST", "/api/v1/cards/{n}/certificates/renew"),
               ("POST", "/api/v1/cards/{n}/custody"), ("POST", "/api/v1/cards/{n}/loss"),
               ("POST", "/api/v1/cards/{n}/found"), ("POST", "/api/v1/cards/{n}/loss/confirm"),
               ("POST", "/api/v1/cards/{n}/pin-reset-authorization"),
               ("GET", "/api/v1/cards/{n}/chip-plan"),
               ("POST", "/api/v1/cards/{n}/chip-authorization"),
               ("POST", "/api/v1/cards/{n}/terminal-hand-over"),
               ("POST", "/api/v1/cards/{n}/certificates/terminal-renew")]


@pytest.mark.parametrize("bad", ["A" * 33, "AB CD", "AB_CD", "ＡＢ", "AB.CD"])
def test_every_card_route_takes_one_card_number_and_refuses_a_bad_one(
        client: TestClient, bad: str) -> None:
    clerk = bearer(client, "clerk-chiyoda")
    routes = {path for path, item in client.get("/openapi.json").json()["paths"].items()
              if path.startswith("/api/v1/cards/{")}
    assert routes == {path.replace("{n}", "{card_number}") for _, path in CARD_ROUTES}
    for method, path in CARD_ROUTES:
        response = client.request(method, path.replace("{n}", bad), headers=clerk, json={})
        assert _error(response, 422) == "invalid_input"
        assert "path.card_number" in response.json()["message"], path
