"""Certificate renewal and the custody hand-off over HTTP."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography import x509
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip, KeyKind
from mynumbercard.domain.staff import Role

from api_checks import ApiClient, add_accounts, bearer
from card_checks import files_holding_keys, held_card
from conftest import FrozenClock

NUMBER = "CARD-2017"


@pytest.fixture
def holder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the holder keeps the card: outside the office's data directory."""
    return tmp_path_factory.mktemp("holder") / "card.json"


@pytest.fixture
def client(pki_container: Container, clock: FrozenClock, holder: Path,
           api_client: ApiClient) -> TestClient:
    wired = pki_container
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    add_accounts(wired, [("clerk-chiyoda", Role.CLERK, "13101"),
                         ("clerk-minato", Role.CLERK, "13103")])
    holder.write_bytes(held_card(wired, NUMBER, issued_on=date(2017, 3, 1)))  # in 2017
    return api_client(wired)


def _card(holder: Path) -> str:
    return base64.b64encode(holder.read_bytes()).decode()


def _keep(holder: Path, answer: dict[str, object]) -> None:
    """The holder takes back the card the counter (or the post) gives them."""
    holder.write_bytes(base64.b64decode(str(answer["card_file"])))


def test_renewal_at_the_counter_is_a_task_for_the_clerks_terminal(
        client: TestClient, clock: FrozenClock, holder: Path, pki_container: Container
) -> None:
    clock.now = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    clerk, other = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    url = f"/api/v1/cards/{NUMBER}/certificates/renew"
    assert client.post(url, headers=other, json={"kinds": ["auth"]}).status_code == 404
    with_card = client.post(url, headers=clerk, json={"kinds": ["auth"],
                                                      "card_file": _card(holder)})
    assert with_card.status_code == 422, with_card.text
    assert "counter terminal" in with_card.json()["message"]
    assert client.post(url, headers=clerk, json={"kinds": []}).status_code == 422
    asked = client.post(url, headers=clerk, json={"kinds": ["auth"]})
    assert asked.status_code == 202, asked.text
    task = asked.json()
    assert (task["kind"], task["status"], task["details"]) == (
        "renew", "pending", {"kinds": ["auth"]})
    assert client.get(task["follow"], headers=clerk).json()["id"] == task["id"]
    assert client.get(task["follow"], headers=other).status_code == 404
    assert client.post(url, headers=clerk, json={}).status_code == 409  # one task per card
    # Nothing happened to the card yet: the terminal renews it in its reader.
    with pki_container.uow() as uow:
        card = uow.cards.find_by_number(NUMBER)
        assert card is not None
        assert len(uow.certificates.of_card(card.id or 0)) == 2  # none issued
    cancelled = client.post(f"{task['follow']}/cancel", headers=clerk)
    assert cancelled.json()["status"] == "cancelled"


def test_the_custody_hand_off(client: TestClient, clock: FrozenClock, holder: Path,
                              pki_container: Container) -> None:
    clock.now = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    clerk, other = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    no_id = client.post(f"/api/v1/cards/{NUMBER}/custody", headers=clerk,
                        json={"kinds": ["sign"], "documents": ["pension_book"],
                              "card_file": _card(holder)})
    assert no_id.status_code == 422
    assert not pki_container.vault.holds(NUMBER)
    left = client.post(f"/api/v1/cards/{NUMBER}/custody", headers=clerk,
                       json={"kinds": ["sign"], "documents": ["passport"],
                             "card_file": _card(holder)})
    assert left.status_code == 201, left.text
    holder.unlink()  # the holder has left the card at the office
    assert pki_container.vault.holds(NUMBER)
    ref = left.json()["id"]
    assert left.json()["status"] == "left_at_office"
    early_mail = client.post(f"/api/v1/custody/{ref}/mail", headers=clerk,
                             json={"tracking_number": "3001"})
    assert early_mail.status_code == 409
    done = client.post(f"/api/v1/custody/{ref}/renew", headers=clerk)
    assert done.status_code == 200, done.text
    assert [c["kind"] for c in done.json()["certificates"]] == ["sign"]
    mailed = client.post(f"/api/v1/custody/{ref}/mail", headers=clerk,
                         json={"tracking_number": "3001-2345-6789"})
    assert mailed.status_code == 200, mailed.text
    in_the_post = base64.b64decode(mailed.json()["card_file"])
    assert not pki_container.vault.holds(NUMBER)
    assert files_holding_keys(pki_container.settings.home, in_the_post) == []
    back = client.post(f"/api/v1/custody/{ref}/returned", headers=clerk,
                       json={"reason": "not collected",
                             "card_file": base64.b64encode(in_the_post).decode()})
    assert back.status_code == 200, back.text
    collected = client.post(f"/api/v1/custody/{ref}/collect", headers=clerk,
                            json={"documents": ["drivers_licence"]})
    assert collected.status_code == 200, collected.text
    _keep(holder, collected.json())
    assert collected.json()["status"] == "collected_at_office"
    assert files_holding_keys(pki_container.settings.home, holder.read_bytes()) == []
    # The card the holder took home has the renewed signature certificate and signs with
    # the password they always had.
    chip = Chip.open(holder)
    serial = done.json()["certificates"][0]["serial"]
    assert chip.sign(KeyKind.SIGN, "ABC123", b"data")
    pem = chip.read_certificate(KeyKind.SIGN, "ABC123")
    assert x509.load_pem_x509_certificate(pem).serial_number == int(serial, 16)
    shown = client.get(f"/api/v1/custody/{ref}", headers=clerk).json()
    assert shown["tracking_number"] == "3001-2345-6789"
    assert client.get(f"/api/v1/custody/{ref}", headers=other).status_code == 404
