"""The correction's pages through the application (staff_corrections.py): the case's page
and its one box, the counter task made for the clerk's terminal, its outcome worded from
the terminal's code in Japanese and English; another municipality's case and bad ids
refused as the API refuses them, nothing saved on a refusal."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.correction import NewCorrectionCase
from mynumbercard.domain.counter_tasks import OutcomeCode
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import counter_tasks, register

from api_checks import PASSWORD, ApiClient

WRONG, RIGHT = date(2037, 6, 1), date(2036, 6, 1)
SETUP = Actor("setup", Role.ADMIN)


def _case(wired: Container) -> tuple[int, int]:
    """A Chiyoda card a year too long, with its case: (resident id, case id)."""
    holder = register.register_resident(
        wired.uow, actor=SETUP, now=wired.clock(), family_name="伊藤", given_name="誠",
        family_name_kana="イトウ", given_name_kana="マコト", birth_date=date(1980, 6, 1),
        sex=Sex.MALE, municipality_code="13101", postal_code="1000001",
        address="千代田2番2号", registered_on=date(1980, 6, 1))
    with wired.uow() as uow:
        card = uow.cards.add(NewCard("CASE-CARD", holder.id, date(2026, 6, 1), WRONG,
                                     CardStatus.ACTIVE), now=wired.clock())
        (case,) = uow.validity_checks.open_cases([NewCorrectionCase(
            card.id or 0, holder.id, "13101", WRONG, RIGHT, "one_year_too_long")],
            now=wired.clock())
        uow.commit()
    return holder.id, case.id


def _signed_in(api_client: ApiClient, wired: Container, name: str, town: str) -> TestClient:
    client = api_client(wired, [(name, Role.CLERK, town)])
    answer = client.post("/staff/sign-in", data={
        "username": name, "password": PASSWORD, "csrf_token": _token(client, "/staff/sign-in"),
        "next": "/staff"}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def _token(client: TestClient, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert found is not None
    return found.group(1)


def test_the_case_page_sends_the_correction_to_the_clerks_terminal(
        api_client: ApiClient, container: Container) -> None:
    resident_id, case_id = _case(container)
    client = _signed_in(api_client, container, "counter-a", "13101")
    resident = client.get(f"/staff/residents/{resident_id}").text
    assert f'href="/staff/corrections/{case_id}"' in resident
    page = client.get(f"/staff/corrections/{case_id}")
    assert page.status_code == 200
    assert "台帳の日付だけを訂正します" in page.text  # no certificate on the card
    url = f"/staff/corrections/{case_id}/correct"
    assert client.post(url, data={"card_here": "1"}).status_code == 403  # no CSRF token
    token = _token(client, f"/staff/corrections/{case_id}")
    unticked = client.post(url, data={"csrf_token": token})
    assert unticked.status_code == 422
    assert 'id="card_here-error"' in unticked.text
    asked = client.post(url, data={"csrf_token": token, "card_here": "1"},
                        follow_redirects=False)
    assert asked.status_code == 303
    task_url = asked.headers["location"]
    task_id = int(task_url.rsplit("/", 1)[1])
    twice = client.post(url, data={"csrf_token": token, "card_here": "1"})
    assert twice.status_code == 422
    assert "未完了の窓口端末への依頼があります" in twice.text  # one open task per card

    me = Actor("counter-a", Role.CLERK, "13101")
    taken = counter_tasks.take_next(container.uow, actor=me, now=container.clock())
    assert taken is not None
    assert (taken.id, taken.details["case"]) == (task_id, case_id)
    counter_tasks.finish(container.uow, actor=me, task_id=task_id, ok=False,
                         outcome="the card in the reader is card X, not card CASE-CARD",
                         code=OutcomeCode.WRONG_CARD, now=container.clock())
    shown = client.get(task_url).text
    assert "読取機に別のカードが入っています" in shown
    assert "the card in the reader is card X" in shown  # the terminal's words, a detail
    assert "Another card is in the reader" in client.get(f"{task_url}?lang=en").text


def test_another_town_and_bad_ids_are_refused_and_nothing_is_asked(
        api_client: ApiClient, container: Container) -> None:
    _, case_id = _case(container)
    client = _signed_in(api_client, container, "counter-b", "01101")
    token = _token(client, "/staff")
    for url, status in ((f"/staff/corrections/{case_id}", 404),
                        ("/staff/corrections/987654321", 404),
                        ("/staff/corrections/0", 422), ("/staff/corrections/x", 422)):
        assert client.get(url).status_code == status, url
    refused = client.post(f"/staff/corrections/{case_id}/correct",
                          data={"csrf_token": token, "card_here": "1"})
    assert refused.status_code == 404
    me = Actor("counter-b", Role.CLERK, "01101")
    assert counter_tasks.take_next(container.uow, actor=me, now=container.clock()) is None
