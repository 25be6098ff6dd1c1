"""Issue 11, hole 8: what used to answer 500 or be stored as given now gets a clear 4xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.cli.main import app
from mynumbercard.domain.staff import Role

from api_checks import ApiClient, admin_code, bearer
from cli_checks import runner

NEWBORN = {
    "family_name": "佐藤", "given_name": "蓮", "family_name_kana": "サトウ",
    "given_name_kana": "レン", "birth_date": "2026-11-01", "sex": "male",
    "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
    "registered_on": "2026-11-05",
}
TOO_BIG = 2**63


@pytest.fixture
def admin(container: Container, api_client: ApiClient) -> tuple[TestClient, dict[str, str]]:
    client = api_client(container, [("bounds-admin", Role.ADMIN, None)],
                        raise_server_exceptions=False)
    return client, bearer(client, "bounds-admin", totp=admin_code(container))


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"/api/v1/residents/{TOO_BIG}"), ("GET", f"/api/v1/applications/{TOO_BIG}"),
    ("POST", f"/api/v1/applications/{TOO_BIG}/approve"),
    ("POST", f"/api/v1/shipments/{TOO_BIG}/receive"), ("GET", f"/api/v1/custody/{TOO_BIG}"),
    ("POST", f"/api/v1/corrections/{TOO_BIG}/dismiss"), ("GET", "/api/v1/residents/0"),
    ("GET", f"/api/v1/audit?before_id={TOO_BIG}"),
    ("GET", f"/api/v1/residents?municipality_code=13101&after_id={TOO_BIG}"),
    ("GET", f"/api/v1/corrections?after={TOO_BIG}"), ("GET", "/api/v1/corrections?limit=0"),
])
def test_ids_out_of_range_are_422(admin: tuple[TestClient, dict[str, str]], method: str,
                                  path: str):
    client, headers = admin
    response = client.request(method, path, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"


def test_year_9999_on_the_public_expiry_endpoint_is_422(
        admin: tuple[TestClient, dict[str, str]]):
    client, _ = admin
    response = client.get("/api/v1/rules/expiry", params={
        "birth_date": "9999-01-01", "applied_on": "9999-01-02", "issued_on": "9999-01-03"})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_dates"
    assert "calendar" in response.json()["message"]


@pytest.mark.parametrize(("field", "value", "says"), [
    ("birth_date", "9999-12-31", "birth_date"),
    ("birth_date", "0001-01-01", "birth_date"),
    ("birth_date", "2027-01-01", "future"),
    ("registered_on", "2400-01-01", "registered_on"),
    ("registered_on", "2026-10-01", "before the birth"),
    ("family_name", "佐\x00藤", "U+0000"),
    ("given_name", "\u202e蓮", "U+202E"),
    ("given_name_kana", "レ\u2066ン", "U+2066"),
    ("address", "千代田1番\u200b1号", "U+200B"),
    ("family_name_kana", "佐藤", "katakana"),
])
def test_impossible_residents_are_refused(admin: tuple[TestClient, dict[str, str]],
                                          field: str, value: str, says: str):
    client, headers = admin
    response = client.post("/api/v1/residents", json=dict(NEWBORN, **{field: value}),
                           headers=headers)
    assert response.status_code == 422, response.text
    assert says in response.json()["message"]
    assert value not in response.json()["message"]  # personal data is not echoed


def test_events_in_the_far_future_are_refused(admin: tuple[TestClient, dict[str, str]]):
    client, headers = admin
    resident = client.post("/api/v1/residents", json=NEWBORN, headers=headers).json()
    base = f"/api/v1/residents/{resident['id']}"
    for path, body in [
        ("/death", {"on": "9999-01-01"}), ("/emigration", {"on": "2100-01-01"}),
        ("/move", {"to_municipality": "13103", "postal_code": "1050011",
                   "address": "芝公園1番1号", "moved_on": "2999-04-01"}),
    ]:
        response = client.post(base + path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
    assert client.get(base, headers=headers).json()["status"] == "active"


def test_the_cli_says_an_expiry_past_year_9999_has_no_answer():
    result = runner.invoke(app, ["rules", "expiry", "--birth-date", "9999-01-01",
                                 "--applied-on", "9999-01-02", "--issued-on", "9999-01-03"])
    assert result.exit_code == 2
    assert "outside the calendar" in result.output


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/v1/offices/13%00101/cards", None),
    ("POST", "/api/v1/cards/AB%00CD/hand-over", {"notice_presented": True}),
    ("POST", "/api/v1/cards/AB%E2%80%AECD/custody", {}),
    ("GET", "/api/v1/audit?subject=resident%3A1%00", None),
    ("GET", "/api/v1/validity-audit/report?run=x%E2%80%AE", None),
    ("POST", "/api/v1/mail/suspend", {"reason": "printer\x00jam"}),
    ("POST", "/api/v1/applications/1/deficient",
     {"reason": "photo", "message": "\u202eexif"}),
])
def test_nul_and_bidi_characters_in_paths_queries_and_text_are_422(
        admin: tuple[TestClient, dict[str, str]], method: str, path: str,
        body: dict[str, object] | None):
    """PostgreSQL cannot store a NUL (it answered 500); an override misleads a reader."""
    client, headers = admin
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 422, response.text
