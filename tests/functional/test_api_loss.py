"""A lost card over HTTP: the report (call centre or counter), found, not found; who
may do which, and what relying parties' OCSP answer says after each."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.staff import Role

from api_checks import ApiClient, add_accounts, bearer
from card_checks import held_card
from conftest import FrozenClock

NUMBER = "CARD-LOST-1"
ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("clerk-minato", Role.CLERK, "13103"),
            ("callcentre", Role.OPERATOR, None), ("auditor", Role.AUDITOR, None)]


@pytest.fixture
def client(pki_container: Container, clock: FrozenClock, api_client: ApiClient) -> TestClient:
    wired = pki_container
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    add_accounts(wired, ACCOUNTS)
    held_card(wired, NUMBER, issued_on=date(2025, 3, 1))  # in the holder's hands
    return api_client(wired)


def _ocsp(wired: Container, kind: str, serial: str) -> ocsp.OCSPResponse:
    with wired.uow() as uow:
        der = uow.ocsp.get(kind=CertKind(kind), serial=int(serial, 16))
    assert der is not None
    return ocsp.load_der_ocsp_response(der)


def _audit(wired: Container, action: str) -> list[tuple[str, str]]:
    with wired.uow() as uow:
        return [(r.actor, r.subject) for _, r in uow.audit.list(subject=None, limit=500,
                                                                 before_id=None)
                if r.action == action]


def test_reported_via_the_call_centre_then_found_at_the_counter(
        client: TestClient, pki_container: Container, clock: FrozenClock):
    operator, clerk = bearer(client, "callcentre"), bearer(client, "clerk-chiyoda")
    wrong_channel = client.post(f"/api/v1/cards/{NUMBER}/loss", json={"via": "counter"},
                                headers=operator)
    assert wrong_channel.status_code == 422
    lost = client.post(f"/api/v1/cards/{NUMBER}/loss", json={"via": "call_centre"},
                       headers=operator)
    assert lost.status_code == 201, lost.text
    answer = lost.json()
    assert answer["card_status"] == "lost"
    assert answer["report"]["reported_by"] == "callcentre"
    for c in answer["certificates"]:
        assert (c["status"], c["reason"]) == ("suspended", "certificateHold")
        held = _ocsp(pki_container, c["kind"], c["serial"])
        assert held.certificate_status is ocsp.OCSPCertStatus.REVOKED
        assert held.revocation_reason is x509.ReasonFlags.certificate_hold
    twice = client.post(f"/api/v1/cards/{NUMBER}/loss", json={"via": "counter"},
                        headers=clerk)
    assert twice.status_code == 409
    assert _audit(pki_container, "card:report-loss") == [("callcentre", "card:1")]

    clock.now += timedelta(days=2)  # the holder comes to the counter with the card
    operator, clerk = bearer(client, "callcentre"), bearer(client, "clerk-chiyoda")
    no_documents = client.post(f"/api/v1/cards/{NUMBER}/found", json={"documents": []},
                               headers=clerk)
    assert no_documents.status_code == 422
    assert no_documents.json()["error"] == "identity_not_established"
    assert client.post(f"/api/v1/cards/{NUMBER}/found", json={"documents": ["passport"]},
                       headers=operator).status_code == 403  # at the counter only
    found = client.post(f"/api/v1/cards/{NUMBER}/found",
                        json={"documents": ["health_insurance_card", "pension_book"]},
                        headers=clerk)
    assert found.status_code == 200, found.text
    assert found.json()["card_status"] == "active"
    assert found.json()["report"]["closed_by"] == "clerk-chiyoda"
    for c in found.json()["certificates"]:
        assert c["status"] == "active"
        good = _ocsp(pki_container, c["kind"], c["serial"])
        assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert _audit(pki_container, "card:report-found") == [("clerk-chiyoda", "card:1")]
    again = client.post(f"/api/v1/cards/{NUMBER}/found", json={"documents": ["passport"]},
                        headers=clerk)
    assert again.status_code == 409  # not lost any more


def test_another_town_hears_not_found_and_a_confirmed_loss_is_final(
        client: TestClient, pki_container: Container):
    clerk, minato = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    auditor = bearer(client, "auditor")
    elsewhere = client.post(f"/api/v1/cards/{NUMBER}/loss", json={"via": "counter"},
                            headers=minato)
    unknown = client.post("/api/v1/cards/NO-SUCH/loss", json={"via": "counter"},
                          headers=minato)
    assert (elsewhere.status_code, elsewhere.json()) == (404, unknown.json())
    assert client.post(f"/api/v1/cards/{NUMBER}/loss", json={"via": "counter"},
                       headers=auditor).status_code == 403
    assert client.post(f"/api/v1/cards/{NUMBER}/loss/confirm",
                       headers=clerk).status_code == 409  # nothing reported yet
    assert client.post(f"/api/v1/cards/{NUMBER}/loss", json={"via": "counter"},
                       headers=clerk).status_code == 201
    confirmed = client.post(f"/api/v1/cards/{NUMBER}/loss/confirm", headers=clerk)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["card_status"] == "lost"
    assert "re-issue" in confirmed.json()["next"]
    form = confirmed.json()["reissue_form"]
    assert form["application_url"].endswith(f"/apply?application_id={form['application_id']}")
    for c in confirmed.json()["certificates"]:
        revoked = _ocsp(pki_container, c["kind"], c["serial"])
        assert revoked.revocation_reason is x509.ReasonFlags.key_compromise
    late = client.post(f"/api/v1/cards/{NUMBER}/found", json={"documents": ["passport"]},
                       headers=clerk)
    assert late.status_code == 409
    assert "apply for a new card" in late.json()["message"]
