"""Walk-ins on the desk page: the counter now (the wait expected this hour above the
office's level, the walk-ins waiting), a walk-in recorded for the office picked, its
wait, its marks in order with the audit naming the clerk; bad input (an unknown purpose,
ended before started, marked twice, a walk-in of another office) gives the page back
with the message and changes nothing; another municipality's clerk is answered 404."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.walk_ins import WalkInStatus
from mynumbercard.services import crowding
from mynumbercard.services import offices as office_service
from mynumbercard.web.pages import csrf

from api_checks import PASSWORD, ApiClient
from conftest import FrozenClock

MONDAY_10 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 10:00 in Japan
WEEKDAYS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-17:15")


def _office(code: str, name: str) -> Office:
    return Office(code=code, name=name, postal_code="1028688",
                  address="東京都千代田区九段南1-2-1", phone="03-3264-2111", counters=2,
                  rules=parse_rules(WEEKDAYS), handoff_wait_minutes=30)


def _signed_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    page = client.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/staff/sign-in", data={"username": username, "password": PASSWORD,
                                        "csrf_token": token.group(1), "next": "/staff"})
    return str(client.cookies.get(csrf.COOKIE))


def _walk_ins(wired: Container, code: str) -> list[tuple[int, WalkInStatus]]:
    start = datetime(2026, 11, 30, tzinfo=JST)
    with wired.uow() as uow:
        return [(w.id or 0, w.status)
                for w in uow.walk_ins.of_day(code, start, start + timedelta(days=1), limit=50)]


def _audit(wired: Container, subject: str) -> list[tuple[str, str]]:
    with wired.uow() as uow:
        return [(r.actor, r.action.value)
                for _, r in uow.audit.list(subject=subject, limit=10, before_id=None)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_clerk_records_and_marks_walk_ins_on_the_desk_page(
        api_client: ApiClient, container: Container, clock: FrozenClock) -> None:
    clock.now = MONDAY_10
    office_service.load_offices(container.uow, container.holidays, actor=Actor("setup",
                                Role.ADMIN), now=clock.now, offices=[
        _office("13101", "千代田区役所"), _office("13101-02", "千代田区役所 神保町出張所")])
    with container.uow() as uow:  # four Mondays' mornings: 90 minutes' wait at 10:00
        for weeks in range(1, 5):
            uow.hours_seen.add("13101", HourSeen(date(2026, 11, 30) - timedelta(weeks=weeks),
                                                 10, 10, 10, 10 * 90 * 60))
        uow.commit()
    expected = crowding.crowding(container.uow, container.holidays, office_code="13101",
                                 start=date(2026, 11, 30), days=1, now=clock.now)
    wait = expected.wait_at(clock.now)
    assert wait is not None
    assert wait > 30
    client = api_client(container, [("clerk-a", Role.CLERK, "13101"),
                                    ("clerk-b", Role.CLERK, "13103")])
    token = _signed_in(client, "clerk-a")

    page = client.get("/staff/desk")
    assert page.status_code == 200
    shown = _text(page.text)
    assert f"この時間帯の予想待ち時間 約{round(wait)}分" in shown
    assert "本日の予約なし来庁者の待ち人数 0" in shown
    assert "カード預かりを提案する待ち時間 30分" in shown
    assert "窓口の基準を超えています" in shown
    assert '<option value="13101-02"' in page.text  # the municipality's other office

    form = {"csrf_token": token, "office": "13101", "on": ""}
    bad = client.post("/staff/desk/walk-ins", data={**form, "purpose": "nap"})
    assert bad.status_code == 422
    assert "来庁の用件を選んでください" in bad.text
    assert _walk_ins(container, "13101") == []
    made = client.post("/staff/desk/walk-ins", data={**form, "purpose": "pin_unlock"},
                       follow_redirects=False)
    assert made.status_code == 303
    assert made.headers["location"] == "/staff/desk?office=13101&on=#walk-ins"
    ((walk_in, status),) = _walk_ins(container, "13101")
    assert status is WalkInStatus.WAITING

    clock.now += timedelta(minutes=12)
    shown = _text(client.get("/staff/desk").text)
    assert "本日の予約なし来庁者の待ち人数 1" in shown
    assert " 10:00 暗証番号のロック解除・再設定 待機中 12 対応開始 退出" in shown

    early = client.post(f"/staff/desk/walk-ins/{walk_in}", data={**form, "step": "ended"})
    assert early.status_code == 409
    assert "対応終了は、対応開始の後に一度だけ記録できます" in early.text
    for step, status in (("started", WalkInStatus.IN_SERVICE), ("ended", WalkInStatus.DONE)):
        done = client.post(f"/staff/desk/walk-ins/{walk_in}", data={**form, "step": step},
                           follow_redirects=False)
        assert done.status_code == 303
        assert _walk_ins(container, "13101") == [(walk_in, status)]
    for step, message in (("started", "対応を開始できるのは待機中の方だけです"),
                          ("ended", "対応終了は、対応開始の後に一度だけ記録できます"),
                          ("left", "退出を記録できるのは待機中の方だけです"),
                          ("gone", "記録する内容を選んでください")):
        twice = client.post(f"/staff/desk/walk-ins/{walk_in}", data={**form, "step": step})
        assert twice.status_code == 409, step
        assert message in twice.text
    assert _walk_ins(container, "13101") == [(walk_in, WalkInStatus.DONE)]
    assert _audit(container, f"walk-in:{walk_in}") == [
        ("clerk-a", "walk-in:end"), ("clerk-a", "walk-in:start"), ("clerk-a", "walk-in:arrive")]
    shown = _text(client.get("/staff/desk").text)
    assert "暗証番号のロック解除・再設定 対応済み 12 " in shown  # arrival to service

    branch = {**form, "office": "13101-02"}
    assert client.post("/staff/desk/walk-ins", data={**branch, "purpose": "loss"},
                       follow_redirects=False).status_code == 303
    ((at_branch, _),) = _walk_ins(container, "13101-02")
    other = client.post(f"/staff/desk/walk-ins/{at_branch}", data={**form, "step": "left"})
    assert other.status_code == 409
    assert "この来庁者は別の窓口の方です" in other.text
    assert _walk_ins(container, "13101-02") == [(at_branch, WalkInStatus.WAITING)]
    typed = client.get("/staff/desk", params={"office": "１３１０１－０２"})  # full width
    assert typed.status_code == 200
    assert '<option value="13101-02" selected>' in typed.text
    english = client.get("/staff/desk", params={"office": "13101-02", "lang": "en"})
    assert "Walk-ins waiting today" in english.text
    assert "Left without service" in english.text

    token = _signed_in(client, "clerk-b")
    assert client.get("/staff/desk", params={"office": "13101"}).status_code == 404
    assert client.post("/staff/desk/walk-ins", data={**form, "csrf_token": token,
                                                     "purpose": "loss"}).status_code == 404
    assert client.post(f"/staff/desk/walk-ins/{at_branch}", data={
        **branch, "csrf_token": token, "step": "started"}).status_code == 404
    assert _walk_ins(container, "13101-02") == [(at_branch, WalkInStatus.WAITING)]
