"""The application flow over HTTP: the resident online (with the real photo check), the
agency's review and batch steps, the office's receipt and the counter's hand-over."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi.testclient import TestClient
from PIL import Image, ImageEnhance

from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip, storage
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.pins import PinKind
from mynumbercard.domain.staff import Role
from mynumbercard.generators.sample_portrait import sample_portrait

from api_checks import ApiClient, bearer
from card_checks import files_holding_keys
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
                                                    clock: FrozenClock,
                                                    tmp_path_factory: pytest.TempPathFactory,
                                                    ) -> None:
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

    no_id = client.post(f"/api/v1/cards/{card_number}/hand-over", headers=clerk, json={
        "notice_presented": True, "documents": ["health_insurance_card"], "pins": PINS})
    assert no_id.status_code == 422
    assert no_id.json()["error"] == "identity_not_established"
    assert PINS["user_auth"] not in no_id.text
    handed = client.post(f"/api/v1/cards/{card_number}/hand-over", headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"], "pins": PINS})
    assert handed.status_code == 200, handed.text
    assert {c["kind"] for c in handed.json()["certificates"]} == {"sign", "auth"}
    # The card left with its holder: the office keeps no copy, nothing there signs.
    card = base64.b64decode(handed.json()["card_file"])
    assert handed.headers["cache-control"] == "no-store"
    assert files_holding_keys(pki_container.settings.home, card) == []
    assert not pki_container.vault.holds(card_number)
    holder = tmp_path_factory.mktemp("holder") / "card.json"
    holder.write_bytes(card)
    Chip.open(holder).verify_pin(PinKind.USER_AUTH, "2468")
    # with the issuing CAs' certificates on the chip (JPKI EF 000B / 0002), for readers
    hierarchy = pki_container.authority.hierarchy
    assert storage.read(holder).ca_certificates == {
        kind: hierarchy.issuing_certificate(kind).public_bytes(Encoding.DER)
        for kind in CertKind}
    again = client.post(f"/api/v1/cards/{card_number}/hand-over", headers=clerk, json={
        "notice_presented": True, "documents": ["drivers_licence"], "pins": PINS})
    assert again.status_code == 409
    assert client.post("/api/v1/applications/status", json={
        "application_id": application_id, "birth_date": "1985-04-02"}).json()["status"] == (
        "handed_over")


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
