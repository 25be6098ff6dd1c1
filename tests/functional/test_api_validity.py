"""Mail suspension and the audit's report over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import staff as staff_service
from mynumbercard.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def client(container: Container):
    admin = Actor("setup", Role.ADMIN)
    for username, role in [("operator", Role.OPERATOR), ("auditor", Role.AUDITOR)]:
        staff_service.add_staff(container.uow, container.hasher, actor=admin,
                                username=username, password=PASSWORD, role=role,
                                municipality_code=None, now=container.clock())
    with TestClient(create_app(container)) as test_client:
        yield test_client


def _token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_an_operator_suspends_and_resumes_mailing_an_auditor_only_reads(
        client: TestClient) -> None:
    operator, auditor = _token(client, "operator"), _token(client, "auditor")
    assert client.get("/api/v1/mail", headers=auditor).json()["suspended"] is False
    assert client.post("/api/v1/mail/suspend", json={"reason": "emergency"},
                       headers=auditor).status_code == 403
    suspended = client.post("/api/v1/mail/suspend", json={"reason": "emergency"},
                            headers=operator)
    assert suspended.json()["suspended"] is True
    assert suspended.json()["reason"] == "emergency"
    assert client.post("/api/v1/mail/suspend", json={"reason": "again"},
                       headers=operator).status_code == 409
    assert client.post("/api/v1/mail/resume", headers=operator).json()["suspended"] is False


def test_the_audit_report_and_cases_are_readable(client: TestClient) -> None:
    auditor = _token(client, "auditor")
    report = client.get("/api/v1/validity-audit/report", headers=auditor)
    assert report.status_code == 200
    assert report.json()["findings"] == 0
    assert client.get("/api/v1/corrections", headers=auditor).json() == []
    assert client.post("/api/v1/corrections/1/dismiss", headers=auditor).status_code == 403
