"""An operator suspends the outgoing mail with a reason (a missing reason comes back
beside its field), sees it suspended with the backlog, and resumes it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sign_in


def test_an_operator_suspends_and_resumes_the_mail(page: Page, site: Site):
    sign_in(page, site.staff(Role.OPERATOR))
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="郵送").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("郵送")
    expect(page.get_by_text("郵送は稼働中です。")).to_be_visible()
    check_page(page, "running")

    page.get_by_role("button", name="郵送を停止する").click()
    expect(page.locator("#reason-error")).to_contain_text("理由を入力してください")
    check_page(page, "no-reason")
    page.get_by_label("理由").fill("緊急事態宣言のため")
    page.get_by_role("button", name="郵送を停止する").click()
    expect(page.get_by_role("status").first).to_contain_text("郵送を停止しました")
    expect(page.get_by_text("緊急事態宣言のため")).to_be_visible()
    check_page(page, "suspended")

    page.get_by_role("button", name="郵送を再開する").click()
    expect(page.get_by_role("status").first).to_contain_text("郵送を再開しました")
    expect(page.get_by_text("郵送は稼働中です。")).to_be_visible()
    check_page(page, "resumed")
