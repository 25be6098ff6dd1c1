"""Certificate renewal and the custody hand-off over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, register
from mynumbercard.services import staff as staff_service
from mynumbercard.web.app import create_app

from conftest import FrozenClock

PASSWORD = "correct horse battery"
CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
NUMBER = "CARD-2017"


@pytest.fixture
def client(pki_container: Container, clock: FrozenClock) -> Iterator[TestClient]:
    wired = pki_container
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    for username, municipality in [("clerk-chiyoda", "13101"), ("clerk-minato", "13103")]:
        staff_service.add_staff(wired.uow, wired.hasher, actor=Actor("setup", Role.ADMIN),
                                username=username, password=PASSWORD, role=Role.CLERK,
                                municipality_code=municipality, now=wired.clock())
    born = date(1990, 1, 20)
    resident = register.register_resident(
        wired.uow, actor=CLERK, now=wired.clock(), family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=born, sex=Sex.FEMALE,
        municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=born)
    cards.register_card(wired.uow, actor=CLERK, resident_id=resident.id or 0,
                        card_number=NUMBER, applied_on=date(2017, 3, 1),
                        issued_on=date(2017, 3, 1), now=wired.clock())
    wired.vault.personalise(NUMBER, card_face={
        "name": "山田 花子", "address": "千代田1番1号", "birth_date": born.isoformat(),
        "sex": "female", "individual_number": resident.individual_number or ""})
    terminal = wired.vault.terminal(NUMBER)
    terminal.set_initial_pins({PinKind.SIGNATURE: "ABC123", PinKind.USER_AUTH: "1234",
                               PinKind.RESIDENT_REGISTER: "5678", PinKind.CARD_INFO: "9012"})
    certificates.issue_certificates(wired.uow, wired.authority, terminal, actor=CLERK,
                                    now=wired.clock())
    with TestClient(create_app(wired)) as test_client:
        yield test_client


def _token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_renewal_at_the_counter_and_the_custody_hand_off(client: TestClient,
                                                          clock: FrozenClock) -> None:
    clerk = _token(client, "clerk-chiyoda")
    early = client.post(f"/api/v1/cards/{NUMBER}/certificates/renew", headers=clerk, json={})
    assert early.status_code == 409, early.text
    assert "2026-10-20" in early.text
    clock.now = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    clerk, other = _token(client, "clerk-chiyoda"), _token(client, "clerk-minato")
    assert client.post(f"/api/v1/cards/{NUMBER}/certificates/renew", headers=other,
                       json={}).status_code == 404  # another town's card: not there
    renewed = client.post(f"/api/v1/cards/{NUMBER}/certificates/renew", headers=clerk,
                          json={"kinds": ["auth"]})
    assert renewed.status_code == 200, renewed.text
    assert [c["kind"] for c in renewed.json()["certificates"]] == ["auth"]
    no_id = client.post(f"/api/v1/cards/{NUMBER}/custody", headers=clerk,
                        json={"kinds": ["sign"], "documents": ["pension_book"]})
    assert no_id.status_code == 422
    left = client.post(f"/api/v1/cards/{NUMBER}/custody", headers=clerk,
                       json={"kinds": ["sign"], "documents": ["passport"]})
    assert left.status_code == 201, left.text
    ref = left.json()["id"]
    assert left.json()["status"] == "left_at_office"
    early_mail = client.post(f"/api/v1/custody/{ref}/mail", headers=clerk,
                             json={"tracking_number": "3001"})
    assert early_mail.status_code == 409
    done = client.post(f"/api/v1/custody/{ref}/renew", headers=clerk)
    assert done.status_code == 200, done.text
    assert [c["kind"] for c in done.json()["certificates"]] == ["sign"]
    for path, body in [("mail", {"tracking_number": "3001-2345-6789"}),
                       ("returned", {"reason": "not collected"}),
                       ("collect", {"documents": ["drivers_licence"]})]:
        step = client.post(f"/api/v1/custody/{ref}/{path}", headers=clerk, json=body)
        assert step.status_code == 200, step.text
    shown = client.get(f"/api/v1/custody/{ref}", headers=clerk).json()
    assert shown["status"] == "collected_at_office"
    assert shown["tracking_number"] == "3001-2345-6789"
    assert client.get(f"/api/v1/custody/{ref}", headers=other).status_code == 404
