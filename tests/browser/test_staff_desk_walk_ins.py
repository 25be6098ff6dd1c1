"""Walk-ins at the desk as a clerk: the counter now (the wait expected this hour above
the office's level: the hand-off proposed), a walk-in recorded with its purpose, served
(started, ended), another who left; the municipality's branch picked from the list;
each page checked with axe."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.crowding import HourSeen
from mynumbercard.domain.offices import Office, parse_rules
from mynumbercard.domain.staff import Role
from mynumbercard.services import offices as office_service
from office_checks import ALL_DAY, SETUP

from browser_checks import Site, check_page, sign_in

CODE, BRANCH = "13113", "13113-03"  # Shibuya: offices of this journey's own
EVERY_DAY = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), ALL_DAY)


def _offices(site: Site) -> None:
    """Shibuya's city hall, crowded at every hour these two weeks (90 minutes' wait, the
    level 30), and a branch with nothing seen (once a session)."""
    wired = site.container
    with wired.uow() as uow:
        if uow.offices.get(CODE) is not None:
            return
    now = wired.clock()
    office_service.load_offices(wired.uow, wired.holidays, actor=SETUP, now=now, offices=[
        Office(code=code, name=name, postal_code="1508010", address="東京都渋谷区宇田川町1-1",
               phone="03-3463-1211", counters=2, rules=parse_rules(EVERY_DAY),
               handoff_wait_minutes=30)
        for code, name in ((CODE, "渋谷区役所"), (BRANCH, "渋谷区役所 恵比寿出張所"))])
    today = now.astimezone(JST).date()
    with wired.uow() as uow:
        for back in range(1, 15):
            for hour in range(24):
                uow.hours_seen.add(CODE, HourSeen(today - timedelta(days=back), hour, 4, 4,
                                                  4 * 90 * 60))
        uow.commit()


def _rows(page: Page) -> Locator:
    return page.locator("#walk-ins ~ .table-wrap tbody tr")


def _last_row(page: Page) -> Locator:
    return _rows(page).last


def test_a_clerk_records_and_serves_walk_ins(page: Page, site: Site):
    _offices(site)
    sign_in(page, site.staff(Role.CLERK, CODE))
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="本日の予約").click()
    expect(page.get_by_role("heading", name="現在の窓口")).to_be_visible()
    expect(page.get_by_text("窓口の基準を超えています")).to_be_visible()
    check_page(page, "walk-ins-counter-now")
    before = _rows(page).count()  # the site is shared: a run at another width came first

    page.get_by_label("来庁の用件").select_option(label="暗証番号のロック解除・再設定")
    page.get_by_role("button", name="予約なしの来庁を記録").click()
    expect(_rows(page)).to_have_count(before + 1)
    row = _last_row(page)
    expect(row).to_contain_text("暗証番号のロック解除・再設定")
    expect(row).to_contain_text("待機中")
    check_page(page, "walk-ins-waiting")
    for button, status in (("対応開始", "対応中"), ("対応終了", "対応済み")):
        _last_row(page).get_by_role("button", name=button).click()
        expect(_last_row(page)).to_contain_text(status)
    expect(_last_row(page).get_by_role("button")).to_have_count(0)

    page.get_by_label("来庁の用件").select_option(label="その他")
    page.get_by_role("button", name="予約なしの来庁を記録").click()
    _last_row(page).get_by_role("button", name="退出").click()
    expect(_last_row(page)).to_contain_text("対応前に退出")
    check_page(page, "walk-ins-served")

    page.get_by_label("担当窓口").select_option(BRANCH)
    page.get_by_role("button", name="表示").click()
    expect(page.get_by_text("予測なし（この曜日・時間帯の記録がまだありません）")).to_be_visible()
    expect(page.get_by_text("予測がないため、カード預かりは提案されません")).to_be_visible()
    expect(page.get_by_text("この日の予約なし来庁者はいません。")).to_be_visible()
    check_page(page, "walk-ins-branch")
