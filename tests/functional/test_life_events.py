"""The life events over HTTP and from the CLI, on SQLite and PostgreSQL: an address
corrected, a change of name, a period of stay extended with the card; who may, and the
clear answers to bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from mynumbercard import bootstrap
from mynumbercard.bootstrap import Container
from mynumbercard.cli.main import app
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards

from api_checks import ApiClient, bearer
from cli_checks import ok, runner

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("clerk-minato", Role.CLERK, "13103"),
            ("operator", Role.OPERATOR, None)]
SETUP = Actor("setup", Role.ADMIN)
ARRIVAL = {
    "family_name": "グエン", "given_name": "ラン", "family_name_kana": "グエン",
    "given_name_kana": "ラン", "birth_date": "1990-04-10", "sex": "female",
    "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
    "registered_on": "2024-04-01", "nationality": "VN", "residence_status": "limited_stay",
    "period_of_stay_until": "2027-03-31",
}


@pytest.fixture
def client(container: Container, api_client: ApiClient) -> TestClient:
    return api_client(container, ACCOUNTS)


def test_the_holding_municipalitys_clerk_records_the_life_events_over_http(
        client: TestClient, container: Container) -> None:
    chiyoda, minato = bearer(client, "clerk-chiyoda"), bearer(client, "clerk-minato")
    operator = bearer(client, "operator")
    created = client.post("/api/v1/residents", json=ARRIVAL, headers=chiyoda)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    base = f"/api/v1/residents/{rid}"
    correction = {"postal_code": "1000002", "address": "千代田1番2号",
                  "corrected_on": "2026-11-24"}
    # Another municipality's clerk: the same answer as an unknown id; another role: 403.
    hidden = client.post(f"{base}/address-correction", json=correction, headers=minato)
    unknown = client.post("/api/v1/residents/999999/address-correction", json=correction,
                          headers=minato)
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["message"].replace(str(rid), "999999") == unknown.json()["message"]
    assert client.post(f"{base}/address-correction", json=correction,
                       headers=operator).status_code == 403
    assert client.post(f"{base}/address-correction", json=correction).status_code == 401

    done = client.post(f"{base}/address-correction", json=correction, headers=chiyoda)
    assert done.status_code == 200, done.text
    assert (done.json()["address"], done.json()["municipality_code"]) == ("千代田1番2号",
                                                                          "13101")
    renamed = client.post(f"{base}/name-change", headers=chiyoda, json={
        "family_name": "佐藤", "given_name": "ラン", "family_name_kana": "サトウ",
        "given_name_kana": "ラン", "changed_on": "2026-11-24", "show_former_surname": True})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["family_name"], renamed.json()["former_family_name"]) == (
        "佐藤", "グエン")

    cards.register_card(container.uow, actor=SETUP, resident_id=rid, card_number="CARD-HTTP",
                        applied_on=date(2024, 5, 1), issued_on=date(2024, 6, 1),
                        now=container.clock())
    extended = client.post(f"{base}/stay-extension", headers=chiyoda, json={
        "period_of_stay_until": "2030-03-31", "granted_on": "2026-11-20"})
    assert extended.status_code == 200, extended.text
    assert extended.json()["card_number"] == "CARD-HTTP"
    assert (extended.json()["card_expired_on"], extended.json()["card_expires_on"]) == (
        "2027-03-31", "2030-03-31")
    assert extended.json()["resident"]["period_of_stay_until"] == "2030-03-31"


def test_bad_life_event_input_gets_a_clear_error_never_a_500(client: TestClient) -> None:
    chiyoda = bearer(client, "clerk-chiyoda")
    national = dict(ARRIVAL, nationality="JP", residence_status="national",
                    period_of_stay_until=None)
    rid = client.post("/api/v1/residents", json=national, headers=chiyoda).json()["id"]
    base = f"/api/v1/residents/{rid}"
    cases = [
        ("address-correction", {"postal_code": "100-0002", "address": "x",
                                "corrected_on": "2026-11-24"}, 422, "invalid_input"),
        ("address-correction", {"postal_code": "1000002", "address": "x",
                                "corrected_on": "2026-02-30"}, 422, "invalid_input"),
        ("address-correction", {"postal_code": "1000002", "address": "x",
                                "corrected_on": "1980-01-01"}, 422, "invalid_dates"),
        ("name-change", {"family_name": "x" * 41, "given_name": "y",
                         "family_name_kana": "x", "given_name_kana": "y",
                         "changed_on": "2026-11-24"}, 422, "invalid_input"),
        ("name-change", {"family_name": "グエン", "given_name": "ラン",
                         "family_name_kana": "グエン", "given_name_kana": "ラン",
                         "changed_on": "2026-11-24"}, 422, "invalid_input"),  # no change
        ("stay-extension", {"period_of_stay_until": "2030-03-31",
                            "granted_on": "2026-11-20"}, 422, "invalid_input"),  # national
    ]
    for route, body, status, error in cases:
        answer = client.post(f"{base}/{route}", json=body, headers=chiyoda)
        assert (answer.status_code, answer.json()["error"]) == (status, error), (route,
                                                                                 answer.text)
        assert answer.json()["message"]
    foreigner = client.post("/api/v1/residents", json=ARRIVAL, headers=chiyoda).json()["id"]
    no_card = client.post(f"/api/v1/residents/{foreigner}/stay-extension", headers=chiyoda,
                          json={"period_of_stay_until": "2030-03-31",
                                "granted_on": "2026-11-20"})
    assert no_card.status_code == 409
    assert "no card in use" in no_card.json()["message"]


@pytest.fixture
def wired(env: dict[str, str]) -> Iterator[bootstrap.Container]:
    """The functional tier's data directory, an administrator signed in at the counter."""
    with bootstrap.container() as container:
        yield container


def test_the_cli_records_the_life_events_at_the_counter(wired: bootstrap.Container) -> None:
    from mynumbercard.domain.resident import ResidenceStatus, Sex  # noqa: PLC0415
    from mynumbercard.services import register  # noqa: PLC0415

    resident = register.register_resident(
        wired.uow, actor=SETUP, now=wired.clock(), family_name="グエン", given_name="ラン",
        family_name_kana="グエン", given_name_kana="ラン", birth_date=date(1990, 4, 10),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(2024, 4, 1), nationality="VN",
        residence_status=ResidenceStatus.LIMITED_STAY, period_of_stay_until=date(2027, 3, 31))
    rid = str(resident.id)
    corrected = json.loads(ok("residents", "correct-address", rid, "--postal-code", "1000002",
                              "--address", "千代田1番2号", "--on", "2026-11-24"))
    assert corrected["address"] == "千代田1番2号"
    renamed = json.loads(ok("residents", "name-change", rid, "--family-name", "佐藤",
                            "--given-name", "ラン", "--family-name-kana", "サトウ",
                            "--given-name-kana", "ラン", "--on", "2026-11-24",
                            "--show-former-surname"))
    assert renamed["name"] == "佐藤［グエン］ ラン"
    stay = json.loads(ok("residents", "extend-stay", rid, "--until", "2030-03-31",
                         "--granted-on", "2026-11-20", "--no-card"))
    assert (stay["period_of_stay_until"], stay["card_number"]) == ("2030-03-31", None)
    # Bad input: a message and the exit status of the README, never a traceback.
    for args, status in ((["extend-stay", rid, "--until", "2030-02-30", "--granted-on",
                           "2026-11-20"], 2),
                         (["correct-address", rid, "--postal-code", "12", "--address", "x",
                           "--on", "2026-11-24"], 2),
                         (["correct-address", "999999", "--postal-code", "1000002",
                           "--address", "x", "--on", "2026-11-24"], 3)):
        result = runner.invoke(app, ["residents", *args])
        assert result.exit_code == status, result.output
        assert result.stderr.startswith("error: ")
        assert "Traceback" not in result.output
