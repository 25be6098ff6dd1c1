"""The HTTP API end to end, on a real database, through the ASGI app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff as staff_service
from mynumbercard.web.app import create_app

from api_checks import PASSWORD, ApiClient, bearer

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("clerk-minato", Role.CLERK, "13103"),
            ("auditor", Role.AUDITOR, None), ("operator", Role.OPERATOR, None)]
NEWBORN = {
    "family_name": "佐藤", "given_name": "蓮", "family_name_kana": "サトウ",
    "given_name_kana": "レン", "birth_date": "2026-11-01", "sex": "male",
    "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
    "registered_on": "2026-11-05",
}


@pytest.fixture
def client(container: Container, api_client: ApiClient) -> TestClient:
    return api_client(container, ACCOUNTS)


def test_health_and_openapi(client: TestClient):
    assert client.get("/healthz").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/numbers/{number}/validity" in paths
    assert "/api/v1/rules/expiry" in paths


def test_number_validity_is_public(client: TestClient):
    assert client.get("/api/v1/numbers/123456789018/validity").json() == {
        "number": "123456789018", "valid": True, "reason": None}
    assert client.get("/api/v1/numbers/123456789019/validity").json()["reason"] == "check_digit"
    assert client.get("/api/v1/numbers/12345/validity").json()["reason"] == "length"


def test_expiry_rules_are_public_and_bad_dates_are_clear(client: TestClient):
    answer = client.get("/api/v1/rules/expiry", params={
        "birth_date": "2003-06-01", "applied_on": "2022-04-01", "issued_on": "2022-04-20"})
    assert answer.status_code == 200
    assert answer.json()["card_expires_on"] == "2031-06-01"
    impossible = client.get("/api/v1/rules/expiry", params={
        "birth_date": "2023-02-29", "applied_on": "2024-01-01", "issued_on": "2024-01-10"})
    assert impossible.status_code == 422
    assert "birth_date" in impossible.json()["message"]
    backwards = client.get("/api/v1/rules/expiry", params={
        "birth_date": "2025-01-01", "applied_on": "2024-01-01", "issued_on": "2024-01-10"})
    assert backwards.status_code == 422
    assert backwards.json()["error"] == "invalid_dates"


def test_relocation_and_municipalities(client: TestClient):
    same_city = client.get("/api/v1/rules/relocation", params={"from": "011011", "to": "011029"})
    assert same_city.json()["voids_application"] is False
    tokyo_wards = client.get("/api/v1/rules/relocation", params={"from": "131016", "to": "131032"})
    assert tokyo_wards.json()["voids_application"] is True
    assert client.get("/api/v1/rules/relocation", params={"from": "131017", "to": "131032"}
                      ).status_code == 422
    ward = client.get("/api/v1/municipalities/141011").json()
    assert ward["name"] == "横浜市鶴見区"
    assert ward["code"] == "14101"  # printed as 5 digits, whichever form was typed
    assert ward["designated_city"] == {"code": "14100", "name": "横浜市"}
    assert client.get("/api/v1/municipalities/14101").json() == ward
    assert client.get("/api/v1/municipalities/999997").status_code == 404


def test_register_endpoints_need_a_signed_in_role(client: TestClient):
    assert client.post("/api/v1/residents", json=NEWBORN).status_code == 401
    assert client.get("/api/v1/audit").status_code == 401
    bad = client.post("/api/v1/auth/token", json={"username": "auditor", "password": "wrong!"})
    assert bad.status_code == 401
    assert PASSWORD not in bad.text


def test_a_clerk_registers_in_their_municipality_only(client: TestClient):
    chiyoda = bearer(client, "clerk-chiyoda")
    created = client.post("/api/v1/residents", json=NEWBORN, headers=chiyoda)
    assert created.status_code == 201, created.text
    resident = created.json()
    assert len(resident["individual_number"]) == 12
    minato = bearer(client, "clerk-minato")
    assert client.post("/api/v1/residents", json=NEWBORN, headers=minato).status_code == 403
    # Another municipality's resident is answered as an unknown one: nothing tells it exists.
    hidden = client.get(f"/api/v1/residents/{resident['id']}", headers=minato)
    unknown = client.get("/api/v1/residents/987654", headers=minato)
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["error"] == unknown.json()["error"] == "not_found"
    operator = bearer(client, "operator")
    assert client.post(f"/api/v1/residents/{resident['id']}/death", headers=operator,
                       json={"on": "2026-11-21"}).status_code == 403


def test_a_clerk_cannot_take_over_a_resident_of_another_municipality(client: TestClient):
    """The hole of issue 11: a clerk of the destination moved anyone into their town and
    got the full record. Now the old URL moves only within the municipality, and a move
    between municipalities needs the origin's moving-out and the evidence at the counter."""
    chiyoda, minato = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    resident = client.post("/api/v1/residents", json=NEWBORN, headers=chiyoda).json()
    rid = resident["id"]
    taken = client.post(f"/api/v1/residents/{rid}/move", headers=minato, json={
        "to_municipality": "13103", "postal_code": "1050011", "address": "芝公園1番1号",
        "moved_on": "2026-11-20"})
    assert taken.status_code == 404, taken.text
    assert resident["individual_number"] not in taken.text
    assert client.post(f"/api/v1/residents/{rid}/moving-out", headers=minato, json={
        "to_municipality": "13103", "planned_on": "2026-11-28"}).status_code == 404
    # Chiyoda's own clerk: a move to another municipality is a moving-out, not a move.
    assert client.post(f"/api/v1/residents/{rid}/move", headers=chiyoda, json={
        "to_municipality": "13103", "postal_code": "1050011", "address": "芝公園1番1号",
        "moved_on": "2026-11-20"}).status_code == 409
    out = client.post(f"/api/v1/residents/{rid}/moving-out", headers=chiyoda, json={
        "to_municipality": "13103", "planned_on": "2026-11-28"})
    assert out.status_code == 201, out.text
    certificate = out.json()["moving_out_certificate"]
    assert client.get(f"/api/v1/residents/{rid}", headers=minato).status_code == 404
    marked = client.get(f"/api/v1/residents/{rid}", headers=chiyoda).json()
    assert (marked["municipality_code"], marked["moving_out_to"]) == ("13101", "13103")
    moving_in = {"moving_out_certificate": certificate, "birth_date": NEWBORN["birth_date"],
                 "moved_in_on": "2026-11-24", "postal_code": "1050011",
                 "address": "芝公園1番1号"}
    wrong = client.post("/api/v1/moving-in", headers=minato,
                        json={**moving_in, "birth_date": "2000-01-01"})
    assert wrong.status_code == 404
    assert client.post("/api/v1/moving-in", headers=chiyoda,
                       json=moving_in).status_code == 404  # not the destination
    moved = client.post("/api/v1/moving-in", headers=minato, json=moving_in)
    assert moved.status_code == 201, moved.text
    assert moved.json()["municipality_code"] == "13103"
    assert client.get(f"/api/v1/residents/{rid}", headers=minato).status_code == 200
    assert client.get(f"/api/v1/residents/{rid}", headers=chiyoda).status_code == 404
    assert client.post("/api/v1/moving-in", headers=minato, json=moving_in).status_code == 404


def test_auditors_read_the_audit_log_and_change_nothing(client: TestClient):
    chiyoda = bearer(client, "clerk-chiyoda")
    resident = client.post("/api/v1/residents", json=NEWBORN, headers=chiyoda).json()
    assert client.get("/api/v1/audit", headers=chiyoda).status_code == 403
    auditor = bearer(client, "auditor")
    records = client.get("/api/v1/audit", headers=auditor).json()
    assert any(r["action"] == "resident:register" and r["subject"] == f"resident:{resident['id']}"
               for r in records)
    assert all(resident["individual_number"] not in str(r) for r in records)
    assert client.post("/api/v1/residents", json=NEWBORN, headers=auditor).status_code == 403


def test_tokens_expire_and_sign_out_ends_the_session(client: TestClient, container: Container):
    headers = bearer(client, "auditor")
    assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == "auditor"
    assert client.post("/api/v1/auth/sign-out", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    headers = bearer(client, "auditor")
    container.clock.now += timedelta(minutes=16)  # type: ignore[attr-defined]
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_the_session_cookie_works_for_pages(client: TestClient):
    response = client.post("/api/v1/auth/token", json={"username": "auditor",
                                                         "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert client.get("/api/v1/auth/me").json()["username"] == "auditor"


def test_bad_bodies_get_clear_errors(client: TestClient):
    chiyoda = bearer(client, "clerk-chiyoda")
    broken = dict(NEWBORN, birth_date="2023-02-29")
    response = client.post("/api/v1/residents", json=broken, headers=chiyoda)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert "birth_date" in response.json()["message"]
    assert "2023-02-29" not in response.text  # values are not echoed back
    after_registration = dict(NEWBORN, registered_on="2026-10-01")
    response = client.post("/api/v1/residents", json=after_registration, headers=chiyoda)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_dates"


def test_the_cookie_is_secure_when_the_service_is_served_over_https(container: Container):
    container.settings.public_base_url = "https://jpki.example"
    admin = Actor("setup", Role.ADMIN)
    staff_service.add_staff(container.uow, container.hasher, actor=admin, username="auditor",
                            password=PASSWORD, role=Role.AUDITOR, municipality_code=None,
                            now=container.clock())
    with TestClient(create_app(container)) as client:
        response = client.post("/api/v1/auth/token",
                               json={"username": "auditor", "password": PASSWORD})
    assert "secure" in response.headers["set-cookie"].lower()
