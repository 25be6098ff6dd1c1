"""Mail suspension and the audit's report over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role

from api_checks import ApiClient, bearer

ACCOUNTS = [("operator", Role.OPERATOR, None), ("auditor", Role.AUDITOR, None)]


@pytest.fixture
def client(container: Container, api_client: ApiClient) -> TestClient:
    return api_client(container, ACCOUNTS)


def test_an_operator_suspends_and_resumes_mailing_an_auditor_only_reads(
        client: TestClient) -> None:
    operator, auditor = bearer(client, "operator"), bearer(client, "auditor")
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
    auditor = bearer(client, "auditor")
    report = client.get("/api/v1/validity-audit/report", headers=auditor)
    assert report.status_code == 200
    assert report.json()["findings"] == 0
    assert client.get("/api/v1/corrections", headers=auditor).json() == []
    assert client.post("/api/v1/corrections/1/dismiss", headers=auditor).status_code == 403
