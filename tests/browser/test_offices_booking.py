"""A resident books a visit from the notice's QR code in a real browser: the booking page
(quietest free times first, today's expected wait), a form with a mistake given back with
the error beside its field, then the booking and its reference; axe-clean throughout."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from office_checks import holder, office_with_history

from browser_checks import Site, check_page


def test_offices_booking_from_the_notice(page: Page, site: Site, viewport: str) -> None:
    office_with_history(site, "13101")
    card = f"CARD-BOOK-{viewport.upper()}"
    holder(site, card)
    page.goto(f"/appointments?office=13101&ref={card}")
    expect(page.get_by_role("heading", level=1)).to_have_text("窓口の予約")
    expect(page.get_by_role("heading", name="本日の待ち時間の予想")).to_be_visible()
    expect(page.get_by_label("カード番号")).to_have_value(card)
    quietest = page.get_by_role("group", name=re.compile("空いている時間")).get_by_role("radio")
    expect(quietest.first).to_be_visible()
    check_page(page, "booking")

    page.get_by_role("button", name="予約する").click()  # no birth date, no time
    expect(page.locator("#birth_date-error")).to_be_visible()
    expect(page.get_by_label(re.compile("^生年月日"))).to_have_attribute("aria-invalid", "true")
    check_page(page, "booking-errors")

    page.get_by_label(re.compile("^生年月日")).fill("平成２年６月１日")  # full-width digits
    page.get_by_role("group", name=re.compile("空いている時間")).get_by_role("radio").first.check()
    page.get_by_role("button", name="予約する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("予約しました")
    expect(page.locator(".reference")).to_have_text(re.compile(r"^[A-Z2-9]{10}$"))
    check_page(page, "booked")
