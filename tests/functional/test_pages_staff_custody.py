"""Issue 17's hand-off on the resident page and the card in custody through the pages:
when the wait expected now at the office is above its level, the page proposes leaving
the card to a holder whose certificates have not expired; the card is taken in, renewed
and mailed by the clerk's counter terminal with the card in its reader (each a counter
task the page asks for), delivered; another municipality's clerk is refused on every
custody route."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.appointments import Purpose
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.walk_ins import WalkInStep
from mynumbercard.services import counter_tasks, crowding, custody_tasks
from mynumbercard.services import offices as office_service
from mynumbercard.web.pages import csrf

from api_checks import PASSWORD, ApiClient
from card_checks import held_card
from conftest import FrozenClock

NUMBER = "CARD-CUSTODY"
DESK = Actor("desk", Role.CLERK, "13101")
WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-17:15")


def _signed_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = client.post("/staff/sign-in", data={
        "username": username, "password": PASSWORD, "csrf_token": token.group(1),
        "next": "/staff"}, follow_redirects=False)
    assert done.status_code == 303
    return str(client.cookies.get(csrf.COOKIE))


def _crowded_monday(wired: Container, clock: FrozenClock) -> int:
    """Certificates till 2031-01-20; a Monday 10:00 walk-in waited 50 minutes a week
    before 2030-11-25 10:05 (now), above the office's level of 30."""
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    held_card(wired, NUMBER, issued_on=date(2026, 10, 1))
    office_service.load_offices(wired.uow, wired.holidays, actor=Actor("setup", Role.ADMIN),
                                offices=[Office(
        code="13101", name="千代田区役所", postal_code="1028688",
        address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=2,
        rules=parse_rules(WEEKDAYS), handoff_wait_minutes=30)], now=clock.now)
    clock.now = datetime(2030, 11, 18, 1, 0, tzinfo=UTC)
    walk_in = crowding.record_walk_in(wired.uow, actor=DESK, office_code="13101",
                                      purpose=Purpose.CERTIFICATE_RENEWAL, now=clock.now)
    for step, minutes in ((WalkInStep.STARTED, 50), (WalkInStep.ENDED, 12)):
        clock.now += timedelta(minutes=minutes)
        crowding.mark_walk_in(wired.uow, actor=DESK, walk_in_id=walk_in.id or 0, step=step,
                              now=clock.now)
    clock.now = datetime(2030, 11, 25, 1, 5, tzinfo=UTC)
    with wired.uow() as uow:
        found = uow.cards.find_by_number(NUMBER)
        assert found is not None
        return found.resident_id


def test_a_crowded_hour_proposes_the_custody_hand_off(
        api_client: ApiClient, pki_container: Container, clock: FrozenClock) -> None:
    resident_id = _crowded_monday(pki_container, clock)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101"),
                                        ("clerk-b", Role.CLERK, "01101")])
    _signed_in(client, "clerk-a")
    page = client.get(f"/staff/residents/{resident_id}")
    assert "カードの預かりをご案内ください" in page.text
    assert f'href="/staff/cards/{NUMBER}/custody"' in page.text
    assert client.get(f"/staff/cards/{NUMBER}/custody").status_code == 200
    clock.now = datetime(2030, 11, 25, 2, 30, tzinfo=UTC)  # 11:30: nothing seen then
    assert "カードの預かりをご案内ください" not in client.get(
        f"/staff/residents/{resident_id}").text


def _terminal(wired: Container, clerk: Actor, card: Path) -> str:
    """What the clerk's counter terminal does with the card in its reader (its service
    calls, the card file driven with the same APDUs; through a real PC/SC reader:
    test_reader_custody_tasks.py): take the task, run the step, report it."""
    now = wired.clock()
    task = counter_tasks.take_next(wired.uow, actor=clerk, now=now)
    assert task is not None
    done = custody_tasks.run_step(wired.uow, wired.ca, actor=clerk, task_id=task.id,
                                  card_in_reader=NUMBER, now=now,
                                  terminal=lambda _: wired.card_terminal(card))
    counter_tasks.finish(wired.uow, actor=clerk, task_id=task.id, ok=True, outcome="done",
                         now=now)
    return f"/staff/custody/{done.custody.id}"


def test_a_card_is_taken_into_custody_and_followed_until_delivered(
        api_client: ApiClient, pki_container: Container, clock: FrozenClock,
        tmp_path: Path) -> None:
    """Born 1990-01-20, the card issued 2017-03-01 (valid to 2027-01-20): on 2026-11-02
    the certificates' renewal is open. Each step that touches the card is a task for the
    clerk's terminal; the page shows the task, then the record."""
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    card = tmp_path / "the-holders-card"
    card.write_bytes(held_card(pki_container, NUMBER, issued_on=date(2017, 3, 1)))
    clock.now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101"),
                                        ("clerk-b", Role.CLERK, "01101")])
    clerk = Actor("clerk-a", Role.CLERK, "13101")
    token = _signed_in(client, "clerk-a")

    form = client.get(f"/staff/cards/{NUMBER}/custody")
    assert 'type="file"' not in form.text  # no card file: the card goes into the reader
    no_kinds = client.post(f"/staff/cards/{NUMBER}/custody", data={
        "csrf_token": token, "documents": "passport"})
    assert no_kinds.status_code == 422
    assert 'id="kinds-error"' in no_kinds.text
    weak_id = client.post(f"/staff/cards/{NUMBER}/custody", data={
        "csrf_token": token, "documents": "pension_book", "kinds": ["auth"]})
    assert weak_id.status_code == 422
    assert 'id="documents-error"' in weak_id.text
    left = client.post(f"/staff/cards/{NUMBER}/custody", data={
        "csrf_token": token, "documents": "passport", "kinds": ["sign", "auth"]},
        follow_redirects=False)
    assert left.status_code == 303, left.text
    assert left.headers["location"].startswith("/staff/counter-tasks/")
    waiting = client.get(left.headers["location"])
    assert "カードの預かり" in waiting.text
    assert "terminal next" in waiting.text
    url = _terminal(pki_container, clerk, card)
    page = client.get(url)
    assert "窓口で預かり中" in page.text
    assert "カードリーダー" in page.text
    assert not pki_container.vault.holds(NUMBER)  # in the reader, not in a server's vault

    asked = client.post(f"{url}/renew", data={"csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 303
    assert f'href="{url}"' in client.get(asked.headers["location"]).text
    _terminal(pki_container, clerk, card)
    assert "更新済み" in client.get(url).text
    no_number = client.post(f"{url}/mail", data={"csrf_token": token})
    assert no_number.status_code == 422
    assert 'id="tracking_number-error"' in no_number.text
    asked = client.post(f"{url}/mail", data={"csrf_token": token,
                                             "tracking_number": "１２３４－５６７８"},
                        follow_redirects=False)
    assert asked.status_code == 303
    _terminal(pki_container, clerk, card)
    assert "郵送中" in client.get(url).text
    delivered = client.post(f"{url}/delivered", data={"csrf_token": token})
    assert "配達済み" in delivered.text

    token = _signed_in(client, "clerk-b")
    assert client.get(url).status_code == 404
    assert client.get(f"/staff/cards/{NUMBER}/custody").status_code == 404
    for step in ("renew", "delivered", "mail", "collect", "cancel", "returned"):
        assert client.post(f"{url}/{step}", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/staff/cards/{NUMBER}/custody", data={
        "csrf_token": token, "documents": "passport", "kinds": ["auth"]}).status_code == 404
