"""The counter workspace's card actions through the application (docs/pages.md "The
counter workspace: cards"): the forms, their errors beside the fields, the counter task
they make for the clerk's terminal, the terminal's API, and another municipality's clerk
refused on every route as an unknown card."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from mynumbercard.adapters.db.tables import audit_log
from mynumbercard.bootstrap import Container
from mynumbercard.domain.staff import Role
from mynumbercard.web.pages import csrf

from api_checks import PASSWORD, ApiClient, bearer
from card_checks import card_waiting, held_card


def _signed_in(client: TestClient, username: str) -> str:
    page = client.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = client.post("/staff/sign-in", data={
        "username": username, "password": PASSWORD, "csrf_token": token.group(1),
        "next": "/staff"}, follow_redirects=False)
    assert done.status_code == 303
    return str(client.cookies.get(csrf.COOKIE))


def _resident_id(client: TestClient, number: str) -> str:
    form = client.get(f"/staff/cards/{number}/hand-over")
    found = re.search(r'href="/staff/residents/(\d+)"', form.text)
    assert found is not None
    return found.group(1)


def test_a_clerk_sends_a_hand_over_to_the_terminal_and_follows_it(
        api_client: ApiClient, pki_container: Container) -> None:
    number = card_waiting(pki_container)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101")])
    token = _signed_in(client, "clerk-a")
    resident = client.get(f"/staff/residents/{_resident_id(client, number)}")
    assert f'href="/staff/cards/{number}/hand-over"' in resident.text
    form = client.get(f"/staff/cards/{number}/hand-over")
    assert form.status_code == 200
    assert "暗証番号入力装置" in form.text
    assert 'type="password"' not in form.text

    no_id = client.post(f"/staff/cards/{number}/hand-over",
                        data={"csrf_token": token, "notice": "1", "documents": "student_id"})
    assert no_id.status_code == 422
    assert 'id="documents-error"' in no_id.text
    bad_choice = client.post(f"/staff/cards/{number}/hand-over",
                             data={"csrf_token": token, "notice": "1", "documents": "x"})
    assert bad_choice.status_code == 422
    proxy = client.post(f"/staff/cards/{number}/hand-over", data={
        "csrf_token": token, "who": "proxy", "notice": "1", "proxy_reason": "illness",
        "pin_form": "１２３４"})
    assert proxy.status_code == 422
    assert 'id="pin_form-error"' in proxy.text

    sent = client.post(f"/staff/cards/{number}/hand-over", data={
        "csrf_token": token, "who": "holder", "notice": "1", "documents": "passport"},
        follow_redirects=False)
    assert sent.status_code == 303
    task_url = sent.headers["location"]
    waiting = client.get(task_url)
    assert waiting.status_code == 200
    assert f'href="{task_url}"' in waiting.text  # check again: a plain link
    twice = client.post(f"/staff/cards/{number}/hand-over", data={
        "csrf_token": token, "notice": "1", "documents": "passport"})
    assert twice.status_code == 422  # one open task per card

    # the clerk's terminal (same member, over the API) takes it and reports
    terminal = api_client(pki_container)
    api = bearer(terminal, "clerk-a")
    taken = terminal.post("/api/v1/counter-tasks/next", headers=api).json()["task"]
    assert taken["id"] == int(task_url.rsplit("/", 1)[1])
    assert taken["details"]["documents"] == ["passport"]
    assert terminal.post("/api/v1/counter-tasks/next", headers=api).json() == {"task": None}
    reported = terminal.post(f"/api/v1/counter-tasks/{taken['id']}/outcome", headers=api,
                           json={"ok": False, "message": "the card is not in the reader"})
    assert reported.json()["status"] == "failed"
    shown = client.get(task_url)
    assert "the card is not in the reader" in shown.text
    with pki_container.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).where(
            audit_log.c.actor == "clerk-a")).scalars().all()
    assert {"counter-task:create", "counter-task:take", "counter-task:finish"} <= set(actions)


def test_unlock_and_renew_need_a_card_in_use_and_a_choice(
        api_client: ApiClient, pki_container: Container) -> None:
    number = card_waiting(pki_container)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101")])
    token = _signed_in(client, "clerk-a")
    nothing = client.post(f"/staff/cards/{number}/unlock", data={"csrf_token": token})
    assert nothing.status_code == 422
    assert 'id="kind-error"' in nothing.text
    assert 'id="identity-error"' in nothing.text
    not_in_use = client.post(f"/staff/cards/{number}/unlock", data={
        "csrf_token": token, "kind": "auth", "identity": "1"})
    assert not_in_use.status_code == 422
    assert "produced" in not_in_use.text
    no_kind = client.post(f"/staff/cards/{number}/renew", data={"csrf_token": token})
    assert no_kind.status_code == 422
    assert 'id="kinds-error"' in no_kind.text
    no_token = client.post(f"/staff/cards/{number}/renew", data={"kinds": "auth"})
    assert no_token.status_code == 403


def test_a_clerk_of_another_municipality_is_refused_on_every_route(
        api_client: ApiClient, pki_container: Container) -> None:
    number = card_waiting(pki_container)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101"),
                                        ("clerk-b", Role.CLERK, "01101")])
    token = _signed_in(client, "clerk-a")
    sent = client.post(f"/staff/cards/{number}/hand-over", data={
        "csrf_token": token, "notice": "1", "documents": "passport"}, follow_redirects=False)
    task_url = sent.headers["location"]
    client.cookies.clear()
    token = _signed_in(client, "clerk-b")
    for action in ("hand-over", "unlock", "renew", "loss"):
        assert client.get(f"/staff/cards/{number}/{action}").status_code == 404
    posts = {"hand-over": {"notice": "1", "documents": "passport"},
             "unlock": {"kind": "auth", "identity": "1"}, "renew": {"kinds": "auth"},
             "loss": {"confirm": "1"}, "found": {"documents": "passport"},
             "loss/confirm": {"confirm": "1"}}
    for action, data in posts.items():
        refused = client.post(f"/staff/cards/{number}/{action}",
                              data={"csrf_token": token, **data})
        assert refused.status_code == 404, action
    assert client.get(task_url).status_code == 404
    assert client.post(f"{task_url}/cancel", data={"csrf_token": token}).status_code == 404
    terminal = api_client(pki_container)
    api = bearer(terminal, "clerk-b")
    assert terminal.post("/api/v1/counter-tasks/next", headers=api).json() == {"task": None}


def _card_status(wired: Container, number: str) -> str:
    with wired.uow() as uow:
        card = uow.cards.find_by_number(number)
        assert card is not None
        return card.status.value


def test_a_lost_card_reported_found_and_confirmed_with_confirm_boxes(
        api_client: ApiClient, pki_container: Container) -> None:
    number = "0123456789ABCDEF"
    held_card(pki_container, number, issued_on=pki_container.clock().date())
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101")])
    token = _signed_in(client, "clerk-a")
    page = client.get(f"/staff/cards/{number}/loss")
    assert page.status_code == 200
    unconfirmed = client.post(f"/staff/cards/{number}/loss", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error"' in unconfirmed.text
    assert _card_status(pki_container, number) == "active"  # nothing half-done
    reported = client.post(f"/staff/cards/{number}/loss",
                           data={"csrf_token": token, "confirm": "1"})
    assert reported.status_code == 200
    assert _card_status(pki_container, number) == "lost"
    no_id = client.post(f"/staff/cards/{number}/found",
                        data={"csrf_token": token, "documents": "pension_book"})
    assert no_id.status_code == 422
    assert 'id="documents-error"' in no_id.text
    released = client.post(f"/staff/cards/{number}/found",
                           data={"csrf_token": token, "documents": "passport"})
    assert released.status_code == 200
    assert _card_status(pki_container, number) == "active"
    client.post(f"/staff/cards/{number}/loss", data={"csrf_token": token, "confirm": "1"})
    unconfirmed = client.post(f"/staff/cards/{number}/loss/confirm",
                              data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert 'id="confirm_revoke-error"' in unconfirmed.text
    confirmed = client.post(f"/staff/cards/{number}/loss/confirm",
                            data={"csrf_token": token, "confirm_revoke": "1"})
    assert confirmed.status_code == 200
    assert "revoked" in confirmed.text or "失効" in confirmed.text
    with pki_container.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).where(
            audit_log.c.actor == "clerk-a")).scalars().all()
    assert {"card:report-loss", "card:report-found", "card:confirm-loss"} <= set(actions)


def test_the_terminal_reports_only_its_members_tasks_and_not_after_a_cancel(
        api_client: ApiClient, pki_container: Container) -> None:
    number = card_waiting(pki_container)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101"),
                                        ("clerk-a2", Role.CLERK, "13101")])
    token = _signed_in(client, "clerk-a")
    sent = client.post(f"/staff/cards/{number}/hand-over", data={
        "csrf_token": token, "who": "proxy", "notice": "1", "proxy_reason": "illness",
        "proofs": "medical_certificate", "proxy_documents": ["passport", "pension_book"],
        "holder_documents": ["health_insurance_card", "pension_book"], "delegation": "1",
        "pin_form": "１２３４５６７８"}, follow_redirects=False)
    assert sent.status_code == 303
    task_id = int(sent.headers["location"].rsplit("/", 1)[1])
    terminal = api_client(pki_container)
    other = bearer(terminal, "clerk-a2")  # same municipality, another member's terminal
    assert terminal.post("/api/v1/counter-tasks/next", headers=other).json() == {"task": None}
    mine = bearer(terminal, "clerk-a")
    taken = terminal.post("/api/v1/counter-tasks/next", headers=mine).json()["task"]
    assert taken["details"]["proxy"]["sealed_pin_form_number"] == "12345678"
    stolen = terminal.post(f"/api/v1/counter-tasks/{task_id}/outcome", headers=other,
                           json={"ok": True, "message": "done"})
    assert stolen.status_code == 404
    assert terminal.post(f"/api/v1/counter-tasks/{task_id}/outcome", headers=mine,
                         json={"ok": True, "message": "x" * 501}).status_code == 422
    cancelled = client.post(f"/staff/counter-tasks/{task_id}/cancel",
                            data={"csrf_token": token}, follow_redirects=False)
    assert cancelled.status_code == 303
    late = terminal.post(f"/api/v1/counter-tasks/{task_id}/outcome", headers=mine,
                         json={"ok": True, "message": "done"})
    assert late.status_code == 409
    with pki_container.engine.connect() as conn:
        details = conn.execute(select(audit_log.c.details).where(
            audit_log.c.action == "counter-task:create")).scalars().all()
    assert "12345678" not in str(details)  # the sealed form's number stays out of the log
