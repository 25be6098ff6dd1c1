"""The application flow over HTTP: the resident online (with the real photo check), the
agency's review and batch steps, the office's receipt and the counter's hand-over."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageEnhance

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role
from mynumbercard.generators.sample_portrait import sample_portrait

from api_checks import ApiClient, bearer
from conftest import FrozenClock

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("operator", Role.OPERATOR, None),
            ("booth-1", Role.BOOTH, None)]
RESIDENT = {
    "family_name": "鈴木", "given_name": "一郎", "family_name_kana": "スズキ",
    "given_name_kana": "イチロウ", "birth_date": "1985-04-02", "sex": "male",
    "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
    "registered_on": "1985-04-10",
}
PINS = {"signature": "SUZUKI85", "user_auth": "2468", "resident_register": "1357",
        "card_info": "9753"}


@pytest.fixture
def client(pki_container: Container, api_client: ApiClient) -> TestClient:
    return api_client(pki_container, ACCOUNTS)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _darkened(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        dark = ImageEnhance.Brightness(image.convert("RGB")).enhance(0.2)
    out = io.BytesIO()
    dark.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_from_the_online_application_to_the_counter(client: TestClient,
                                                    pki_container: Container,
                                                    clock: FrozenClock) -> None:
    clerk, operator = bearer(client, "clerk-chiyoda"), bearer(client, "operator")
    resident = client.post("/api/v1/residents", json=RESIDENT, headers=clerk).json()
    form = client.post("/api/v1/applications/forms", headers=clerk,
                       json={"resident_id": resident["id"], "reason": "first"})
    assert form.status_code == 201, form.text
    application_id = form.json()["printed"]  # typed as printed, with its hyphens
    assert form.json()["qr"].endswith(form.json()["application_id"])

    # The photo check answers at once; a dark photo is refused with its findings.
    dark = _darkened(sample_portrait())
    checked = client.post("/api/v1/applications/photo-check", json={"photo": _b64(dark)})
    assert checked.status_code == 200
    assert checked.json()["ok"] is False
    assert "too_dark" in {f["code"] for f in checked.json()["findings"]}
    refused = client.post("/api/v1/applications/online", json={
        "application_id": application_id, "birth_date": "1985-04-02", "photo": _b64(dark)})
    assert refused.status_code == 422
    assert refused.json()["error"] == "photo_rejected"
    assert "too_dark" in {f["code"] for f in refused.json()["details"]["findings"]}

    wrong = client.post("/api/v1/applications/online", json={
        "application_id": application_id, "birth_date": "1985-04-03",
        "photo": _b64(sample_portrait())})
    assert wrong.status_code == 404
    applied = client.post("/api/v1/applications/online", json={
        "application_id": application_id, "birth_date": "1985-04-02", "channel": "smartphone",
        "photo": _b64(sample_portrait())})
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "received"

    ref = _only_ref(pki_container)
    seen = client.get(f"/api/v1/applications/{ref}", headers=operator).json()
    assert seen["photo"]["findings"] == []
    assert client.get(f"/api/v1/applications/{ref}/photo",
                      headers=operator).content == sample_portrait()
    assert client.post(f"/api/v1/applications/{ref}/approve", headers=operator).status_code == 200
    clock.now += timedelta(days=7)  # sessions last 15 minutes: sign in again each day
    operator = bearer(client, "operator")
    assert client.post("/api/v1/production-runs", headers=operator).json()["cards"] == 1
    clock.now += timedelta(days=3)
    operator = bearer(client, "operator")
    shipped = client.post("/api/v1/shipments", headers=operator).json()
    assert shipped["shipments"][0]["office"] == "13101"
    status = client.post("/api/v1/applications/status", json={
        "application_id": application_id, "birth_date": "1985-04-02"}).json()
    assert status["status"] == "shipped"
    clock.now += timedelta(days=4)
    clerk = bearer(client, "clerk-chiyoda")
    shipment = shipped["shipments"][0]["id"]
    assert client.post(f"/api/v1/shipments/{shipment}/receive",
                       headers=clerk).json()["waiting"] == 1
    waiting = client.get("/api/v1/offices/13101/cards", headers=clerk).json()
    card_number = waiting[0]["card_number"]
    status = client.post("/api/v1/applications/status", json={
        "application_id": application_id, "birth_date": "1985-04-02"}).json()
    assert status["status"] == "ready_for_pick_up"
    assert status["office"] == "東京都千代田区"

    # The hand-over is a task for the clerk's counter terminal: no PIN comes here.
    url = f"/api/v1/cards/{card_number}/hand-over"
    with_pins = client.post(url, headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"], "pins": PINS})
    assert with_pins.status_code == 422
    assert "counter terminal" in with_pins.json()["message"]
    assert PINS["user_auth"] not in with_pins.text
    assert PINS["signature"] not in with_pins.text
    no_id = client.post(url, headers=clerk, json={
        "notice_presented": True, "documents": ["health_insurance_card"]})
    assert no_id.status_code == 422
    assert no_id.json()["error"] == "identity_not_established"
    asked = client.post(url, headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"]})
    assert asked.status_code == 202, asked.text
    task = asked.json()
    assert (task["kind"], task["status"], task["card_number"], task["clerk"]) == (
        "hand_over", "pending", card_number, "clerk-chiyoda")
    assert task["details"]["documents"] == ["drivers_licence"]
    assert asked.headers["location"] == task["follow"] == f"/api/v1/counter-tasks/{task['id']}"
    followed = client.get(task["follow"], headers=clerk)
    assert followed.json()["status"] == "pending"
    # Until the terminal runs it, the card waits in the office's safe; one task per card.
    assert pki_container.vault.holds(card_number)
    again = client.post(url, headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"]})
    assert again.status_code == 409
    assert client.post("/api/v1/applications/status", json={
        "application_id": application_id, "birth_date": "1985-04-02"}).json()["status"] == (
        "ready_for_pick_up")
    assert ("counter-task:create", "clerk-chiyoda") in _audited(pki_container)


def _audited(container: Container) -> set[tuple[str, str]]:
    from sqlalchemy import select  # noqa: PLC0415

    from mynumbercard.adapters.db.tables import audit_log  # noqa: PLC0415

    with container.engine.connect() as conn:
        return {(a, b) for a, b in conn.execute(select(audit_log.c.action, audit_log.c.actor))}


def _only_ref(container: Container) -> int:
    from sqlalchemy import select  # noqa: PLC0415

    from mynumbercard.adapters.db.tables import applications  # noqa: PLC0415

    with container.engine.connect() as conn:
        (ref,) = conn.execute(select(applications.c.id)).scalars()
    return int(ref)


def test_a_booth_posts_applications_but_a_resident_cannot_use_the_booth_channel(
        client: TestClient) -> None:
    clerk, booth = bearer(client, "clerk-chiyoda"), bearer(client, "booth-1")
    resident = client.post("/api/v1/residents", json=RESIDENT, headers=clerk).json()
    form = client.post("/api/v1/applications/forms", headers=clerk,
                       json={"resident_id": resident["id"], "reason": "first"}).json()
    body = {"application_id": form["application_id"], "birth_date": "1985-04-02",
            "photo": _b64(sample_portrait())}
    assert client.post("/api/v1/applications/booth", json=body).status_code == 401
    made = client.post("/api/v1/applications/booth", json=body, headers=booth)
    assert made.status_code == 201, made.text
    assert client.get("/api/v1/applications/1", headers=booth).status_code == 403


def test_openapi_documents_every_step(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/applications/online", "/api/v1/applications/status",
                 "/api/v1/applications/photo-check", "/api/v1/applications/mail",
                 "/api/v1/applications/booth", "/api/v1/applications/forms",
                 "/api/v1/applications/{ref}/approve", "/api/v1/applications/{ref}/deficient",
                 "/api/v1/production-runs", "/api/v1/shipments",
                 "/api/v1/shipments/{shipment_id}/receive", "/api/v1/offices/{office_code}/cards",
                 "/api/v1/cards/{card_number}/hand-over"):
        assert path in paths
