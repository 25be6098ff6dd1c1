"""An auditor sees the audit log and nothing of the operators' console: no menu item,
and each page's address refused as the API refuses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sign_in


def test_an_auditor_is_refused_the_console(page: Page, site: Site):
    sign_in(page, site.staff(Role.AUDITOR))
    expect(page).to_have_url(re.compile(r"/staff$"))
    menu = page.get_by_role("navigation", name="メニュー")
    expect(menu.get_by_role("link", name="監査ログ")).to_be_visible()
    for name in ("製造・発送", "郵送", "有効期限誤り点検", "失効・一時停止", "認証局"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_have_count(0)
    for url in ("/staff/production", "/staff/mail", "/staff/validity",
                "/staff/certificates", "/staff/ca"):
        answer = page.goto(url)
        assert answer is not None
        assert answer.status == 403, url
    expect(page.get_by_role("heading", level=1)).to_have_text("お断りしました")
    check_page(page, "refused")
