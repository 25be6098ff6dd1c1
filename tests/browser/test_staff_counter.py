"""The counter workspace's search and resident page, as a clerk: by Individual Number typed
full-width, by kana with a wareki birth date, by postal code; another municipality's
resident is never found; the page shows the register entry and the applications."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sample_photo, sign_in

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_clerk_finds_a_resident_and_reads_their_page(page: Page, site: Site):
    born = date(1985, 3, 14)
    own = site.resident("13101", family_name_kana="サクラダ", birth_date=born,
                        registered_on=born, postal_code="1000005")
    foreign = site.resident("13102", family_name_kana="サクラダ", birth_date=born,
                            registered_on=born, postal_code="1000005")
    applied = site.application(own, sample_photo())
    sign_in(page, site.staff(Role.CLERK, "13101"))
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="住民").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("住民を探す")
    check_page(page, "search")

    page.get_by_label("氏名またはカナ（前方一致）").fill("サクラ")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("#birth_date-error")).to_have_text("氏名で探すときは生年月日も入力してください")
    check_page(page, "errors")

    page.get_by_label("生年月日").fill("昭和６０年３月１４日")
    page.get_by_role("button", name="検索").click()
    results = page.get_by_role("table")
    expect(results.get_by_role("link", name=re.compile(own.given_name))).to_be_visible()
    expect(results.get_by_text(foreign.given_name)).to_have_count(0)
    check_page(page, "results")

    page.goto("/staff/residents")
    assert own.individual_number is not None
    number = own.individual_number
    typed = f"{number[:4]}－{number[4:8]}－{number[8:]}".translate(FULL_WIDTH)
    page.get_by_label("個人番号（12桁）").fill(typed)
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name=re.compile(own.given_name)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(own.given_name)
    applications = page.get_by_role("table").filter(has_text=applied.application_id)
    expect(applications).to_contain_text("受付済み")
    expect(page.get_by_text("カードはありません。")).to_be_visible()
    check_page(page, "resident")

    page.goto("/staff/residents")
    page.get_by_label("郵便番号").fill("１００－０００５")
    page.get_by_role("button", name="検索").click()
    # what was typed stays out of the address: no query (the form posts), the same path (the
    # port is random: "100" could be in it; full-width digits would be %-encoded in a query)
    address = urlsplit(page.url)
    assert (address.path, address.query) == ("/staff/residents", "")
    expect(page.get_by_role("link", name=re.compile(own.given_name))).to_be_visible()
    expect(page.get_by_text(foreign.given_name)).to_have_count(0)
