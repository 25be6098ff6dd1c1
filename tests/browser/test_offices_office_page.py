"""A resident looks up an office in a real browser: the list of offices, the office's
page (two weeks of hours, expected crowding, free places) in Japanese and English, and
from it the booking page; axe-clean throughout."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from office_checks import office_with_history

from browser_checks import Site, check_page


def test_offices_office_page(page: Page, site: Site) -> None:
    office_with_history(site, "13101")
    page.goto("/appointments")
    check_page(page, "choose")
    page.get_by_role("link", name="千代田区役所", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("千代田区役所")
    expect(page.get_by_role("heading", name="今週と来週の受付時間")).to_be_visible()
    expect(page.get_by_role("table", name="今週")).to_be_visible()
    expect(page.get_by_role("table", name="時間帯ごとの予想待ち時間")).to_contain_text("混雑")
    check_page(page, "office")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Hours this week and next")).to_be_visible()
    check_page(page, "office-en")
    page.get_by_role("link", name="Book a visit").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a visit to the counter")
