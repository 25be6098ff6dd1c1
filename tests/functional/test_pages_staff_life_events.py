"""The counter's life-event pages through the application (staff_life_events.py,
staff_register.py, staff_letters.py): a birth registered with its number notice, the
events through the API's services with their audit records under the clerk's name, and
the bad input a page meets (no CSRF token, a future date, a bad field, another
municipality's resident, an unknown one) answered with a page, never a 500, nothing
saved."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mynumbercard.adapters.db.tables import audit_log, outgoing_mail, residents
from mynumbercard.bootstrap import Container
from mynumbercard.domain.correction import NewCorrectionCase
from mynumbercard.domain.resident import ResidenceStatus, Resident, ResidentStatus, Sex
from mynumbercard.domain.staff import Role
from mynumbercard.services import cards, register

from api_checks import PASSWORD, SETUP, ApiClient

ACCOUNTS = [("clerk-chiyoda", Role.CLERK, "13101"), ("clerk-chuo", Role.CLERK, "13102"),
            ("clerk-minato", Role.CLERK, "13103"), ("auditor", Role.AUDITOR, None)]


def _token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _signed_in(api_client: ApiClient, container: Container, username: str) -> TestClient:
    client = api_client(container, ACCOUNTS if username == "clerk-chiyoda" else [])
    signed = client.post("/staff/sign-in", data={
        "username": username, "password": PASSWORD,
        "csrf_token": _token(client, "/staff/sign-in")}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    return client


def _resident(container: Container, **overrides: object) -> Resident:
    person: dict[str, object] = {
        "family_name": "鈴木", "given_name": "一郎", "family_name_kana": "スズキ",
        "given_name_kana": "イチロウ", "birth_date": date(1980, 5, 5), "sex": Sex.MALE,
        "municipality_code": "13101", "postal_code": "1000001", "address": "千代田1番1号",
        "registered_on": date(1980, 5, 5), **overrides}
    return register.register_resident(container.uow, actor=SETUP, now=container.clock(),
                                      **person)  # type: ignore[arg-type]


def _audited(container: Container, actor: str) -> list[tuple[str, str]]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.subject)
                            .where(audit_log.c.actor == actor).order_by(audit_log.c.id))
        return [(r.action, r.subject) for r in rows]


@pytest.fixture
def clerk(api_client: ApiClient, container: Container) -> TestClient:
    return _signed_in(api_client, container, "clerk-chiyoda")


def test_a_birth_is_registered_with_its_notice_and_the_letter_printed_again(
        clerk: TestClient, container: Container):
    token = _token(clerk, "/staff/residents/new")
    birth = {"csrf_token": token, "reason": "birth", "family_name": "佐藤",
             "given_name": "陽葵", "family_name_kana": "サトウ", "given_name_kana": "ヒマリ",
             "birth_date": "令和８年１１月２０日", "sex": "female",
             "postal_code": "１００－０００１",
             "address": "千代田1番1号", "on": "", "nationality": "JP",
             "residence_status": "national", "period_of_stay_until": ""}
    done = clerk.post("/staff/residents/new", data=birth, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = clerk.get(done.headers["location"])
    assert "登録しました" in page.text
    assert "個人番号通知書" in page.text
    rid = int(done.headers["location"].split("/")[3].split("?")[0])
    with container.engine.connect() as conn:
        letter = conn.execute(select(outgoing_mail).where(
            outgoing_mail.c.resident_id == rid)).one()
    born = register.get_resident(container.uow, actor=SETUP, resident_id=rid,
                                 now=container.clock())
    assert (born.birth_date, born.postal_code, born.number_assigned_on) == (
        date(2026, 11, 20), "1000001", date(2026, 11, 20))  # a birth: as of the day of birth
    assert letter.kind == "number_notice"

    printed = clerk.post(f"/staff/residents/{rid}/letters/{letter.id}/print",
                         data={"csrf_token": token})
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF")
    assert printed.headers["cache-control"] == "no-store"
    assert ("letter:reprint", f"letter:{letter.id}") in _audited(container, "clerk-chiyoda")
    # a letter of another resident is not this resident's
    other = _resident(container)
    assert clerk.post(f"/staff/residents/{other.id}/letters/{letter.id}/print",
                      data={"csrf_token": token}).status_code == 404


def test_bad_fields_come_back_beside_the_field_and_nothing_is_saved(
        clerk: TestClient, container: Container):
    token = _token(clerk, "/staff/residents/new")
    with container.engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(residents))
    bad = clerk.post("/staff/residents/new", data={
        "csrf_token": token, "reason": "arrival", "family_name": "", "given_name": "Lan",
        "family_name_kana": "グエン", "given_name_kana": "ラン", "birth_date": "2027-01-01",
        "sex": "female", "postal_code": "12", "address": "千" * 201, "on": "",
        "nationality": "Vietnam", "residence_status": "limited_stay",
        "period_of_stay_until": ""})
    assert bad.status_code == 422
    for field, text in [("family_name", "入力してください"),
                        ("birth_date", "今日より後の日付です"),
                        ("postal_code", "郵便番号"), ("address", "200文字まで"),
                        ("nationality", "2文字の国コード"),
                        ("period_of_stay_until", "満了日を入力してください")]:
        error = re.search(rf'id="{field}-error">([^<]*)<', bad.text)
        assert error is not None, field
        assert text in error.group(1), field
    english = clerk.post("/staff/residents/new?lang=en", data={
        "csrf_token": token, "reason": "birth", "family_name": "佐藤"})
    assert english.status_code == 422
    assert "This field is required" in english.text
    with container.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(residents)) == before


def test_a_future_date_is_refused_and_a_death_asks_to_confirm(
        clerk: TestClient, container: Container):
    resident = _resident(container)
    path = f"/staff/residents/{resident.id}/events/death"
    token = _token(clerk, path)
    ahead = clerk.post(path, data={"csrf_token": token, "on": "2026-11-26"})
    assert ahead.status_code == 422
    assert "今日より後の日付です" in ahead.text
    asked = clerk.post(path, data={"csrf_token": token, "on": "2026-11-24"})
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in asked.text
    assert register.get_resident(container.uow, actor=SETUP, resident_id=resident.id,
                                 now=container.clock()).status is ResidentStatus.ACTIVE
    done = clerk.post(path, data={"csrf_token": token, "on": "2026-11-24",
                                  "confirmed": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    assert register.get_resident(container.uow, actor=SETUP, resident_id=resident.id,
                                 now=container.clock()).status is ResidentStatus.DECEASED
    assert ("resident:die", f"resident:{resident.id}") in _audited(container, "clerk-chiyoda")
    # off the register: no event to record any more
    assert clerk.get(f"/staff/residents/{resident.id}/events/move").status_code == 409


def test_the_events_go_through_the_services_and_a_refusal_keeps_the_form(
        clerk: TestClient, container: Container):
    resident = _resident(container, nationality="VN",
                         residence_status=ResidenceStatus.LIMITED_STAY,
                         period_of_stay_until=date(2027, 3, 31))
    base = f"/staff/residents/{resident.id}/events"
    token = _token(clerk, f"{base}/move")
    moved = clerk.post(f"{base}/move", data={
        "csrf_token": token, "to_municipality": "", "postal_code": "1000002",
        "address": "千代田2番2号", "on": "2026-11-24"}, follow_redirects=False)
    assert moved.status_code == 303
    stay = clerk.post(f"{base}/stay", data={
        "csrf_token": token, "period_of_stay_until": "2028-03-31", "on": ""},
        follow_redirects=False)
    assert stay.status_code == 303, stay.text
    same = clerk.post(f"{base}/address", data={
        "csrf_token": token, "postal_code": "1000002", "address": "千代田2番2号", "on": ""})
    assert same.status_code == 409
    assert "記録されている住所と同じです" in same.text
    nowhere = clerk.post(f"{base}/moving-out", data={
        "csrf_token": token, "to_municipality": "99999", "on": ""})
    assert nowhere.status_code == 422
    assert 'id="to_municipality-error">このコードの市区町村はありません' in nowhere.text
    out = clerk.post(f"{base}/moving-out", data={
        "csrf_token": token, "to_municipality": "13103", "on": "2026-12-01"})
    assert out.status_code == 200
    assert re.search(r"<dd>\d{12}</dd>", out.text)
    actions = [a for a, _ in _audited(container, "clerk-chiyoda")]
    assert {"resident:move", "resident:extend-stay", "resident:move-out"} <= set(actions)
    assert "resident:correct-address" not in actions
    got = register.get_resident(container.uow, actor=SETUP, resident_id=resident.id,
                                now=container.clock())
    assert (got.address, got.period_of_stay_until) == ("千代田2番2号", date(2028, 3, 31))


def test_no_token_another_town_an_unknown_resident_or_event_get_a_page_not_a_500(
        api_client: ApiClient, clerk: TestClient, container: Container):
    resident = _resident(container)
    base = f"/staff/residents/{resident.id}/events/address"
    form = {"postal_code": "1000002", "address": "千代田3番3号", "on": ""}
    refused = clerk.post(base, data=form)
    assert refused.status_code == 403
    assert "<html" in refused.text
    other = _signed_in(api_client, container, "clerk-chuo")
    token = _token(other, "/staff/residents")
    for response in (other.get(base), other.post(base, data={**form, "csrf_token": token}),
                     other.get(f"/staff/residents/{resident.id}"),
                     other.post(f"/staff/residents/{resident.id}/letters/1/print",
                                data={"csrf_token": token}),
                     other.get("/staff/residents/99999999/events/death")):
        assert response.status_code == 404
        assert "<html" in response.text
    assert other.get(f"/staff/residents/{resident.id}/events/nonsense").status_code == 422
    auditor = _signed_in(api_client, container, "auditor")
    assert auditor.get(base).status_code == 403
    assert auditor.get("/staff/residents/new").status_code == 403
    got = register.get_resident(container.uow, actor=SETUP, resident_id=resident.id,
                                now=container.clock())
    assert got.address == "千代田1番1号"


def test_the_residents_open_correction_cases_are_on_their_page_and_only_theirs(
        clerk: TestClient, container: Container):
    now = container.clock()
    owners = [_resident(container), _resident(container)]
    ids = [cards.register_card(container.uow, actor=SETUP, resident_id=owner.id,
                               card_number=number, applied_on=date(2026, 11, 1),
                               issued_on=date(2026, 11, 20), now=now).id
           for number, owner in zip(("CASE-A", "CASE-B"), owners, strict=True)]
    with container.uow() as uow:
        uow.validity_checks.open_cases([
            NewCorrectionCase(card_id, owner.id, "13101", date(2037, 1, 1),
                              date(2036, 5, 5), "x")
            for card_id, owner in zip(ids, owners, strict=True)], now=now)
        uow.commit()
    page = clerk.get(f"/staff/residents/{owners[0].id}")
    assert page.status_code == 200
    listed = page.text.split('id="corrections"')[1]
    assert "2036年5月5日" in listed
    assert listed.count("<tr>") == 2  # the header and this resident's one case


def test_a_moving_out_withdrawn_then_notified_again_and_moved_in_at_the_destination(
        api_client: ApiClient, clerk: TestClient, container: Container):
    resident = _resident(container)
    base = f"/staff/residents/{resident.id}/events"
    token = _token(clerk, f"{base}/moving-out")
    notify = {"csrf_token": token, "to_municipality": "13103", "on": ""}
    assert clerk.post(f"{base}/moving-out", data=notify).status_code == 200
    # meanwhile a move or a second notification is not offered, the withdrawal is
    assert clerk.get(f"{base}/move").status_code == 409
    assert clerk.post(f"{base}/cancel-moving-out",
                      data={"csrf_token": token}).status_code == 200  # the confirm step
    withdrawn = clerk.post(f"{base}/cancel-moving-out",
                           data={"csrf_token": token, "confirmed": "yes"},
                           follow_redirects=False)
    assert withdrawn.status_code == 303
    assert clerk.get(f"{base}/cancel-moving-out").status_code == 409
    out = clerk.post(f"{base}/moving-out", data=notify)
    found = re.search(r"<dd>(\d{12})</dd>", out.text)
    assert found is not None
    destination = _signed_in(api_client, container, "clerk-minato")
    token = _token(destination, "/staff/residents/moving-in")
    form = {"csrf_token": token, "moving_out_certificate": found.group(1),
            "card_number": "", "birth_date": "1980-05-06", "on": "",
            "postal_code": "1050011", "address": "芝公園4丁目2番8号"}
    wrong = destination.post("/staff/residents/moving-in", data=form)
    assert wrong.status_code == 404
    assert "この番号と生年月日に合う" in wrong.text
    neither = destination.post("/staff/residents/moving-in",
                               data={**form, "moving_out_certificate": ""})
    assert neither.status_code == 422
    assert 'id="moving_out_certificate-error"' in neither.text
    moved = destination.post("/staff/residents/moving-in",
                             data={**form, "birth_date": "昭和55年5月5日"},
                             follow_redirects=False)
    assert moved.status_code == 303, moved.text
    assert moved.headers["location"] == f"/staff/residents/{resident.id}?done=moved-in"
    assert "転入を記録しました" in destination.get(moved.headers["location"]).text
    assert ("resident:move-in", f"resident:{resident.id}") in _audited(container,
                                                                        "clerk-minato")
    # the old municipality's clerk no longer sees them
    assert clerk.get(f"/staff/residents/{resident.id}").status_code == 404
