"""The day's appointments of the clerk's office through the pages: the bookings, the
marks in order (arrived, started, ended), a no-show refused before the slot beside its
row, another municipality's clerk refused as for an unknown office."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.appointments import AppointmentStatus, Purpose
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import appointments
from mynumbercard.services import offices as office_service
from mynumbercard.web.pages import csrf

from api_checks import PASSWORD, ApiClient
from card_checks import held_card
from conftest import FrozenClock

NUMBER = "CARD-DESK"


def _signed_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/staff/sign-in", data={"username": username, "password": PASSWORD,
                                        "csrf_token": token.group(1), "next": "/staff"})
    return str(client.cookies.get(csrf.COOKIE))


def _status(wired: Container, reference: str) -> AppointmentStatus:
    with wired.uow() as uow:
        found = uow.appointments.by_reference(reference)
        assert found is not None
        return found.status


def test_a_clerk_marks_the_days_bookings(api_client: ApiClient, pki_container: Container,
                                          clock: FrozenClock) -> None:
    clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    held_card(pki_container, NUMBER, issued_on=date(2026, 10, 1))
    office_service.load_offices(pki_container.uow, pki_container.holidays,
                                actor=Actor("setup", Role.ADMIN), now=clock.now, offices=[
        Office(code="13101", name="千代田区役所", postal_code="1028688",
               address="東京都千代田区九段南1-2-1", phone="03-3264-2111",
               rules=parse_rules({"tue": "08:30-17:15"}))])
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    booked = appointments.book(pki_container.uow, pki_container.holidays, office_code="13101",
                               purpose=Purpose.PICK_UP, application_id=None,
                               card_number=NUMBER, birth_date=date(1990, 1, 20),
                               on=date(2026, 12, 1), at=time(10), email=None, now=clock.now)
    client = api_client(pki_container, [("clerk-a", Role.CLERK, "13101"),
                                        ("clerk-b", Role.CLERK, "01101")])
    token = _signed_in(client, "clerk-a")
    assert 'href="/staff/desk"' in client.get("/staff").text
    listed = client.get("/staff/desk", params={"on": "令和8年12月1日"})
    assert listed.status_code == 200
    assert booked.reference in listed.text
    assert "予約済み" in listed.text
    english = client.get("/staff/desk", params={"on": "2026-12-01", "lang": "en"}).text
    for words in ("booked", "Mark arrived", "No-show"):
        assert words in english
    for raw in ("appointment:", "desk:"):  # no raw message ids
        assert raw not in english
    client.get("/staff/desk", params={"lang": "ja"})  # the language is kept in a cookie
    assert client.get("/staff/desk", params={"on": "2026-13-01"}).status_code == 422
    assert client.get("/staff/desk", params={"office": "131"}).status_code == 422
    form = {"csrf_token": token, "office": "13101", "on": "2026-12-01"}
    early = client.post(f"/staff/desk/{booked.reference}", data={**form, "step": "no_show"})
    assert early.status_code == 409
    assert "無断欠席は予約時刻を過ぎてから" in early.text
    for step, status in (("arrived", AppointmentStatus.ARRIVED),
                         ("started", AppointmentStatus.IN_SERVICE),
                         ("ended", AppointmentStatus.DONE)):
        done = client.post(f"/staff/desk/{booked.reference}", data={**form, "step": step},
                           follow_redirects=False)
        assert done.status_code == 303
        assert _status(pki_container, booked.reference) is status

    token = _signed_in(client, "clerk-b")
    assert client.get("/staff/desk", params={"office": "13101"}).status_code == 404
    refused = client.post(f"/staff/desk/{booked.reference}", data={**form, "csrf_token": token,
                                                                   "step": "arrived"})
    assert refused.status_code == 404
