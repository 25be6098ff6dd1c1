"""/status, /guide and /find-office through the application: the status of each step
with what to do next, the same page for a wrong birth date and an unknown ID, the limit
on tries; the guide's pages and the fraud warning in both languages; the office from a
postal code or an address, with the link to book."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.application import Channel, DeficiencyReason
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services import offices as office_service
from mynumbercard.services import register
from mynumbercard.services.application_ports import FormReason, PhotoVerdict

from api_checks import ApiClient

CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
OPERATOR = Actor("operator", Role.OPERATOR)
BORN = date(1990, 6, 1)


class Accepting:
    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(True, ())


def _form(container: Container) -> str:
    person = register.register_resident(
        container.uow, actor=CLERK, now=container.clock(), family_name="山田",
        given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=BORN,
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=BORN)
    return apps.issue_form(container.uow, actor=CLERK, resident_id=person.id or 0,
                           reason=FormReason.FIRST, now=container.clock()).application_id


def _ask(client: TestClient, number: str, born: str = "1990-06-01",
         lang: str = "en") -> object:
    shown = client.get("/status", params={"lang": lang})
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
    assert token is not None
    return client.post("/status", data={"csrf_token": token.group(1),
                                        "application_id": number, "birth_date": born})


@pytest.fixture
def client(api_client: ApiClient, container: Container) -> TestClient:
    return api_client(container)


def test_the_status_says_where_the_card_is_and_what_to_do(
        client: TestClient, container: Container) -> None:
    number = _form(container)
    before = _ask(client, number)
    assert before.status_code == 200
    assert "No application on this form has reached us yet." in before.text
    submitted = apps.submit(container.uow, container.photos, Accepting(),
                            actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                            application_id=number, birth_date=BORN, photo=b"\xff\xd8",
                            now=container.clock())
    apps.mark_deficient(container.uow, actor=OPERATOR,
                        application_ref=submitted.application.id,
                        reason=DeficiencyReason.PHOTO, message="背景に棚が写っています",
                        now=container.clock())
    english = _ask(client, number)
    assert "Your application needs a correction." in english.text
    assert "The ID photo does not meet the standard." in english.text
    assert "背景に棚が写っています" in english.text
    assert "/apply?application_id=" in english.text
    japanese = _ask(client, number, born="平成２年６月１日", lang="ja")
    assert "申請に不備があります。" in japanese.text
    assert "顔写真が基準に合っていません。" in japanese.text


def test_a_wrong_birth_date_and_an_unknown_id_look_the_same(
        client: TestClient, container: Container) -> None:
    number = _form(container)
    other = _form(container)
    wrong = _ask(client, number, born="1990-06-02")
    _ = other
    unknown = apps.issue_form  # an ID nobody holds: a valid check digit, no form

    from mynumbercard.domain import application_id as ids  # noqa: PLC0415
    nobody = ids.generate(random.Random(7))
    assert nobody not in (number, other)
    unknown_page = _ask(client, nobody)
    assert wrong.status_code == unknown_page.status_code == 404
    strip = lambda text: re.sub(r'value="[^"]*"', "", text)  # noqa: E731
    assert strip(wrong.text) == strip(unknown_page.text)
    assert unknown is not None


def test_tries_are_limited_per_application_id(client: TestClient,
                                              container: Container) -> None:
    number = _form(container)
    codes = [_ask(client, number, born=f"1990-02-{d:02d}").status_code for d in range(1, 12)]
    assert codes[:10] == [404] * 10
    assert codes[10] == 429


@pytest.mark.parametrize("path", ["/guide", "/guide/renewal", "/guide/counter",
                                  "/guide/moving", "/guide/pin", "/guide/fraud"])
def test_every_guide_page_warns_of_fraud_in_both_languages(client: TestClient,
                                                           path: str) -> None:
    japanese = client.get(path, params={"lang": "ja"})
    assert japanese.status_code == 200
    assert "電話・メール・手紙でカードや暗証番号をたずねることは絶対にありません" in japanese.text
    english = client.get(path, params={"lang": "en"})
    assert "No one from your municipality or J-LIS ever asks for your card" in english.text


def test_the_guide_says_what_the_issue_asks(client: TestClient) -> None:
    pin = client.get("/guide/pin", params={"lang": "en"}).text
    assert "Three wrong entries in a row lock a 4-digit PIN." in pin
    assert "Five wrong entries in a row lock the signature password." in pin
    renewal = client.get("/guide/renewal", params={"lang": "en"}).text
    assert "from three months before its expiry date, and also after it has expired" in renewal
    assert "free of charge" in renewal
    assert client.get("/guide/nothing").status_code == 404


def test_the_office_from_a_postal_code_or_an_address(client: TestClient,
                                                     container: Container) -> None:
    office_service.configure_office(
        container.uow, container.holidays, actor=Actor("admin", Role.ADMIN),
        office=Office(code="13101", name="千代田区役所", postal_code="1028688",
                      address="東京都千代田区九段南1-2-1", phone="03-3264-2111",
                      rules=parse_rules({"mon": "08:30-17:15"}, "")),
        now=container.clock())
    found = client.get("/find-office", params={"postal_code": "１００－０００１", "lang": "en"})
    assert found.status_code == 200
    assert "千代田区役所" in found.text
    assert 'href="/appointments?office=13101"' in found.text
    assert "Mon: 08:30-17:15" in found.text
    sapporo = client.get("/find-office", params={"address": "札幌市北1条", "lang": "en"})
    assert sapporo.text.count('class="office"') == 10
    assert "Usual hours" in sapporo.text
    bad = client.get("/find-office", params={"postal_code": "12", "lang": "en"})
    assert bad.status_code == 422
    assert "a postal code is 7 digits" in bad.text
    none = client.get("/find-office", params={"address": "どこか", "lang": "ja"})
    assert none.status_code == 404
    assert "この住所の市区町村は見つかりません" in none.text
