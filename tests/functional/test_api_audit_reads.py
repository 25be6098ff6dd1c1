"""Reads of personal data over HTTP are audited, under the resident they show."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mynumbercard.adapters.audit_anchor import FileAnchor
from mynumbercard.adapters.db.audit_chain import SqlAuditChain
from mynumbercard.adapters.db.tables import applications
from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role
from mynumbercard.generators.sample_portrait import sample_portrait
from mynumbercard.services.audit_chain import seal_log, verify_log

from api_checks import ApiClient, bearer

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("operator", Role.OPERATOR, None),
            ("auditor", Role.AUDITOR, None)]
RESIDENT = {
    "family_name": "鈴木", "given_name": "一郎", "family_name_kana": "スズキ",
    "given_name_kana": "イチロウ", "birth_date": "1985-04-02", "sex": "male",
    "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
    "registered_on": "1985-04-10",
}


@pytest.fixture
def client(pki_container: Container, api_client: ApiClient) -> TestClient:
    return api_client(pki_container, ACCOUNTS)


def test_reading_a_resident_a_list_an_application_and_its_photo_is_audited(
        client: TestClient, pki_container: Container, tmp_path: Path) -> None:
    clerk, operator = bearer(client, "clerk-chiyoda"), bearer(client, "operator")
    resident = client.post("/api/v1/residents", json=RESIDENT, headers=clerk).json()
    subject = f"resident:{resident['id']}"
    assert client.get(f"/api/v1/residents/{resident['id']}", headers=clerk).status_code == 200
    listed = client.get("/api/v1/residents?municipality_code=13101", headers=clerk).json()
    assert resident["id"] in [r["id"] for r in listed]
    form = client.post("/api/v1/applications/forms", headers=clerk,
                       json={"resident_id": resident["id"], "reason": "first"}).json()
    photo = base64.b64encode(sample_portrait()).decode("ascii")
    applied = client.post("/api/v1/applications/online", json={
        "application_id": form["application_id"], "birth_date": "1985-04-02", "photo": photo})
    assert applied.status_code == 201, applied.text
    with pki_container.engine.connect() as conn:
        ref = conn.scalar(select(applications.c.id))
    assert client.get(f"/api/v1/applications/{ref}", headers=operator).status_code == 200
    assert client.get(f"/api/v1/applications/{ref}/photo", headers=operator).status_code == 200
    assert client.get(f"/api/v1/residents/{resident['id']}", headers=operator).status_code == 200

    auditor = bearer(client, "auditor")
    mine = client.get(f"/api/v1/audit?subject={subject}", headers=auditor).json()
    reads = [(r["actor"], r["action"], r["details"]) for r in reversed(mine)
             if r["action"].endswith(":read")]
    assert reads == [("clerk-chiyoda", "resident:read", None),
                     ("operator", "application:read", {"application": ref}),
                     ("operator", "photo:read", {"application": ref}),
                     ("operator", "resident:read", None)]
    photos = client.get("/api/v1/audit", headers=auditor, params={
        "person": "operator", "action": "photo:read", "since": "2000-01-01T00:00:00Z"}).json()
    assert [(r["actor"], r["action"]) for r in photos] == [("operator", "photo:read")]
    assert client.get("/api/v1/audit?action=no:such", headers=auditor).status_code == 422
    assert client.get("/api/v1/audit?since=2026-11-30T00:00:00",  # no time zone
                      headers=auditor).status_code == 422
    lists = [r for r in client.get("/api/v1/audit?subject=municipality:13101",
                                   headers=auditor).json() if r["action"] == "resident:list"]
    assert [(r["actor"], resident["id"] in r["details"]["ids"]) for r in lists] == [
        ("clerk-chiyoda", True)]

    chain = SqlAuditChain(pki_container.engine), FileAnchor(tmp_path / "anchor")
    seal_log(*chain, now=pki_container.clock())
    assert verify_log(*chain).intact
