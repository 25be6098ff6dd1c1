"""Staff management over the API: an administrator's, each step audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import container
from mynumbercard.web.app import create_app

from api_checks import bearer
from cli_checks import ADMIN

PASSWORD = "a long staff password"


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    token = (Path(env["MYNUMBERCARD_HOME"]) / "session").read_text().strip()
    with container() as wired, TestClient(create_app(wired)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def test_an_admin_adds_lists_disables_and_resets(client: TestClient):
    added = client.post("/api/v1/staff", json={"username": "clerk-1", "password": PASSWORD,
                                               "role": "clerk", "municipality_code": "13101"})
    assert added.status_code == 201, added.text
    assert added.json()["role"] == "clerk"
    again = client.post("/api/v1/staff", json={"username": "clerk-1", "password": PASSWORD,
                                               "role": "operator"})
    assert again.status_code == 409
    listed = client.get("/api/v1/staff")
    assert listed.status_code == 200
    assert {r["username"] for r in listed.json()} == {ADMIN, "clerk-1"}
    assert all("password" not in str(r) for r in listed.json())
    clerk = bearer(client, "clerk-1", PASSWORD)
    assert client.get("/api/v1/auth/me", headers=clerk).status_code == 200
    assert client.get("/api/v1/staff", headers=clerk).status_code == 403
    reset = client.post("/api/v1/staff/clerk-1/reset-password",
                        json={"password": "another long password"})
    assert reset.json() == {"username": "clerk-1", "sessions_ended": 1}
    assert client.get("/api/v1/auth/me", headers=clerk).status_code == 401
    clerk = bearer(client, "clerk-1", "another long password")
    disabled = client.post("/api/v1/staff/clerk-1/disable")
    assert disabled.json() == {"username": "clerk-1", "sessions_ended": 1}
    assert client.get("/api/v1/auth/me", headers=clerk).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"username": "clerk-1",
                                                      "password": "another long password"})
    assert refused.status_code == 401
    audit = client.get("/api/v1/audit", params={"limit": 50}).json()
    mine = {r["action"] for r in audit if r["actor"] == ADMIN}
    assert {"staff:add", "staff:list", "staff:reset-password", "staff:disable"} <= mine


def test_bad_requests_are_said_plainly(client: TestClient):
    assert client.post("/api/v1/staff/nobody/disable").status_code == 404
    assert client.post(f"/api/v1/staff/{ADMIN}/disable").status_code == 409
    assert client.post("/api/v1/staff/a b/disable").status_code in (404, 422)
    short = client.post("/api/v1/staff", json={"username": "op-1", "password": "short",
                                               "role": "operator"})
    assert short.status_code == 422
    assert "12 characters" in short.json()["message"]
    unknown_role = client.post("/api/v1/staff", json={"username": "op-1",
                                                      "password": PASSWORD, "role": "king"})
    assert unknown_role.status_code == 422
    assert client.post("/api/v1/staff/nobody/reset-password",
                       json={"password": PASSWORD}).status_code == 404
    anonymous = client.get("/api/v1/staff", headers={"Authorization": "Bearer nonsense"})
    assert anonymous.status_code == 401


def test_an_admin_changes_a_role_and_ends_a_members_sessions(client: TestClient):
    added = client.post("/api/v1/staff", json={"username": "op-9", "password": PASSWORD,
                                               "role": "operator"})
    assert added.status_code == 201, added.text
    member = bearer(client, "op-9", PASSWORD)
    ended = client.post("/api/v1/staff/op-9/end-sessions")
    assert ended.json() == {"username": "op-9", "sessions_ended": 1}
    assert client.get("/api/v1/auth/me", headers=member).status_code == 401
    assert client.post("/api/v1/staff/op-9/role",
                       json={"role": "clerk"}).status_code == 422  # a clerk needs a code
    changed = client.post("/api/v1/staff/op-9/role",
                          json={"role": "clerk", "municipality_code": "13101"})
    assert changed.json() == {"username": "op-9", "sessions_ended": 0}
    me = client.get("/api/v1/auth/me", headers=bearer(client, "op-9", PASSWORD)).json()
    assert me == {"username": "op-9", "role": "clerk", "municipality_code": "13101"}
    assert client.post(f"/api/v1/staff/{ADMIN}/role",
                       json={"role": "auditor"}).status_code == 409
    assert client.post("/api/v1/staff/nobody/end-sessions").status_code == 404
