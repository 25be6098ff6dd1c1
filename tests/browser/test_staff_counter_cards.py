"""The counter workspace's card actions, as a clerk: from the resident page, a hand-over
sent to the clerk's counter terminal (no PIN on the page), waiting for it with "check
again", its outcome; a loss reported with its confirm box; another municipality's clerk
refused. The terminal's side is played through the service the API runs (the reader
test, tests/functional/test_reader_counter_tasks.py, runs the real one)."""

from __future__ import annotations

import re
import uuid
from datetime import date

from playwright.sync_api import Page, expect

from mynumbercard.domain.card import CardStatus, NewCard
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import counter_tasks

from browser_checks import Site, check_page, sign_in


def _card(site: Site, resident_id: int, status: CardStatus) -> str:
    number = uuid.uuid4().hex[:16].upper()
    with site.container.uow() as uow:
        uow.cards.add(NewCard(card_number=number, resident_id=resident_id,
                              issued_on=date(2026, 11, 1), expires_on=date(2036, 6, 1),
                              status=status, applied_on=date(2026, 10, 1)),
                      now=site.container.clock())
        uow.commit()
    return number


def test_a_clerk_hands_over_through_the_terminal_and_reports_a_loss(page: Page, site: Site):
    holder = site.resident("13101")
    waiting = _card(site, holder.id or 0, CardStatus.PRODUCED)
    in_use = _card(site, holder.id or 0, CardStatus.ACTIVE)
    clerk = site.staff(Role.CLERK, "13101")
    sign_in(page, clerk)
    page.goto(f"/staff/residents/{holder.id}")
    expect(page.get_by_role("heading", name="カードの手続")).to_be_visible()
    check_page(page, "resident-cards")

    page.get_by_role("link", name=f"カードを交付する: {waiting}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("カードの交付")
    expect(page.locator("input[type=password]")).to_have_count(0)  # never a PIN here
    check_page(page, "hand-over")
    page.get_by_role("button", name="窓口端末へ送る").click()
    expect(page.locator("#documents-error")).to_contain_text("A欄の顔写真付き書類")
    check_page(page, "hand-over-errors")
    page.locator("fieldset#documents").get_by_label("旅券（パスポート）").check()
    page.get_by_role("button", name="窓口端末へ送る").click()
    expect(page.get_by_role("status")).to_contain_text("窓口端末を待っています")
    check_page(page, "task-waiting")

    # the clerk's terminal takes the task and reports (as `terminal next` does)
    now = site.container.clock()
    me = Actor(clerk.username, Role.CLERK, "13101")
    task = counter_tasks.take_next(site.container.uow, actor=me, now=now)
    assert task is not None
    assert task.card_number == waiting
    counter_tasks.finish(site.container.uow, actor=me, task_id=task.id, ok=True,
                         outcome=f"card {waiting} handed over", now=now)
    page.get_by_role("link", name="もう一度確認").click()
    expect(page.get_by_role("status")).to_contain_text("完了しました。")
    check_page(page, "task-done")

    page.get_by_role("link", name="住民の画面へ戻る").click()
    expect(page.get_by_role("table").filter(has_text="端末待ち")).to_have_count(0)
    page.get_by_role("link", name=f"紛失・発見の届出: {in_use}").click()
    page.get_by_role("button", name="紛失の届出").click()
    expect(page.locator("#confirm-error")).to_have_text("確認のチェックを入れてください")
    check_page(page, "loss-errors")
    page.get_by_label(re.compile("紛失の届出あり")).check()
    page.get_by_role("button", name="紛失の届出").click()
    expect(page.get_by_role("status")).to_contain_text("紛失を受け付けました")
    check_page(page, "loss-reported")
    actions = [action for action, _ in site.audited(clerk.username)]
    assert "counter-task:create" in actions
    assert "card:report-loss" in actions


def test_a_clerk_of_another_municipality_is_refused(page: Page, site: Site):
    holder = site.resident("13101")
    waiting = _card(site, holder.id or 0, CardStatus.PRODUCED)
    sign_in(page, site.staff(Role.CLERK, "13102"))
    for action in ("hand-over", "unlock", "renew", "loss"):
        answer = page.goto(f"/staff/cards/{waiting}/{action}")
        assert answer is not None
        assert answer.status == 404
    check_page(page, "refused")
