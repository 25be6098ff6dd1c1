"""Certificate renewal and the custody hand-off over HTTP."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role

from api_checks import ApiClient, add_accounts, bearer
from card_checks import held_card
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


def _terminal_runs(client: TestClient, headers: dict[str, str], task_id: int
                   ) -> dict[str, object]:
    """The clerk's terminal (its HTTP side) takes the task and, the card in its reader,
    has the server run the custody step; the custody record after it."""
    taken = client.post("/api/v1/counter-tasks/next", headers=headers).json()["task"]
    assert taken["id"] == task_id
    done = client.post(f"/api/v1/counter-tasks/{task_id}/custody", headers=headers,
                       json={"card_number": NUMBER})
    assert done.status_code == 200, done.text
    client.post(f"/api/v1/counter-tasks/{task_id}/outcome", headers=headers,
                json={"ok": True, "message": "done"})
    return dict(done.json()["custody"])


def test_the_custody_hand_off_is_a_task_for_the_terminal_at_every_step(
        client: TestClient, clock: FrozenClock, holder: Path) -> None:
    clock.now = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    clerk, other = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    url = f"/api/v1/cards/{NUMBER}/custody"
    with_card = client.post(url, headers=clerk, json={
        "kinds": ["sign"], "documents": ["passport"], "card_file": _card(holder)})
    assert with_card.status_code == 422
    assert "counter terminal" in with_card.json()["message"]
    no_id = client.post(url, headers=clerk, json={"kinds": ["sign"],
                                                  "documents": ["pension_book"]})
    assert no_id.status_code == 422
    assert client.post(url, headers=other, json={"kinds": ["sign"],
                                                 "documents": ["passport"]}).status_code == 404
    left = client.post(url, headers=clerk, json={"kinds": ["sign"], "documents": ["passport"]})
    assert left.status_code == 202, left.text
    assert (left.json()["kind"], left.json()["details"]["step"]) == ("custody", "leave")
    held = _terminal_runs(client, clerk, left.json()["id"])
    ref = held["id"]
    assert held["status"] == "left_at_office"
    # Every step that touches the card is a task; mailing before renewal is refused at once.
    early_mail = client.post(f"/api/v1/custody/{ref}/mail", headers=clerk,
                             json={"tracking_number": "3001"})
    assert early_mail.status_code == 409
    back = client.post(f"/api/v1/custody/{ref}/returned", headers=clerk,
                       json={"reason": "x", "card_file": _card(holder)})
    assert back.status_code == 422
    assert client.post(f"/api/v1/custody/{ref}/delivered", headers=clerk).status_code == 409
    renew = client.post(f"/api/v1/custody/{ref}/renew", headers=clerk)
    assert renew.status_code == 202, renew.text
    assert renew.json()["details"] == {"step": "renew", "custody": ref}
    client.post(f"/api/v1/counter-tasks/{renew.json()['id']}/cancel", headers=clerk)
    assert client.post(f"/api/v1/custody/{ref}/cancel", headers=other,
                       json={"reason": "x"}).status_code == 404
    cancel = client.post(f"/api/v1/custody/{ref}/cancel", headers=clerk,
                         json={"reason": "the holder needs it"})
    assert cancel.status_code == 202, cancel.text
    assert _terminal_runs(client, clerk, cancel.json()["id"])["status"] == "cancelled"
    shown = client.get(f"/api/v1/custody/{ref}", headers=clerk).json()
    assert [h["to"] for h in shown["history"]] == ["left_at_office", "cancelled"]
    assert client.get(f"/api/v1/custody/{ref}", headers=other).status_code == 404
