"""An administrator manages staff accounts in a browser: add (errors beside the fields,
nothing added), change a role, a new password, end the sessions, disable; each audited
under the administrator's name. No other role reaches these pages."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from mynumbercard.domain.staff import Role

from browser_checks import Member, Site, check_page, sign_in


def _signed_in_elsewhere(browser: Browser, site: Site, member: Member) -> Page:
    other = browser.new_context(base_url=site.url, locale="ja-JP").new_page()
    sign_in(other, member)
    expect(other).to_have_url(re.compile(r"/staff$"))
    return other


def test_an_administrator_adds_a_clerk_and_manages_the_account(
        page: Page, site: Site, browser: Browser):
    admin = site.staff(Role.ADMIN)
    sign_in(page, admin)
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="職員アカウント").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("職員アカウント")
    check_page(page, "list")

    form = page.locator("form[action='/staff/accounts']")
    form.get_by_label("ユーザー名").fill("new-clerk")
    form.get_by_label("初期パスワード").fill("short")
    form.get_by_label("役割").select_option("clerk")
    form.get_by_role("button", name="追加").click()
    expect(page.locator("#password-error")).to_have_text("職員のパスワードは12文字以上です")
    expect(page.locator("#municipality_code-error")).to_contain_text("5桁")
    expect(page.get_by_role("link", name="new-clerk")).to_have_count(0)  # nothing added
    check_page(page, "errors")

    form.get_by_label("初期パスワード").fill("a long first password")
    form.get_by_label("市区町村コード（窓口職員のみ）").fill("１３１０１")  # full-width
    form.get_by_role("button", name="追加").click()
    expect(page).to_have_url(re.compile(r"/staff/accounts/new-clerk\?done=added"))
    expect(page.get_by_role("status")).to_contain_text("アカウントを追加しました")
    check_page(page, "member")

    clerk = Member("new-clerk", "a long first password", None)
    elsewhere = _signed_in_elsewhere(browser, site, clerk)
    page.locator("#role").select_option("operator")
    page.get_by_role("button", name="役割を変更").click()
    expect(page.locator("#municipality_code-error")).to_contain_text("空欄")
    page.get_by_label("市区町村コード（窓口職員のみ）").fill("")
    page.get_by_role("button", name="役割を変更").click()
    expect(page.get_by_role("status")).to_contain_text("役割を変更しました")
    expect(page.get_by_role("status")).to_contain_text("終了したセッション：1件")
    elsewhere.goto("/staff/residents")  # the old role's session is over
    expect(elsewhere).to_have_url(re.compile(r"/staff/sign-in"))

    page.get_by_label("新しいパスワード", exact=True).fill("another long password")
    page.get_by_role("button", name="パスワードを設定").click()
    expect(page.get_by_role("status")).to_contain_text("新しいパスワードを設定しました")
    elsewhere = _signed_in_elsewhere(browser, site,
                                     Member("new-clerk", "another long password", None))
    page.get_by_role("button", name="セッションを終了").click()
    expect(page.get_by_role("status")).to_contain_text("終了したセッション：1件")
    elsewhere.goto("/staff")
    expect(elsewhere).to_have_url(re.compile(r"/staff/sign-in"))

    page.get_by_role("button", name="無効にする").click()
    expect(page.get_by_role("status")).to_contain_text("アカウントを無効にしました")
    check_page(page, "disabled")
    elsewhere.context.close()

    actions = [action for action, _ in site.audited(admin.username)]
    for action in ("staff:add", "staff:change-role", "staff:reset-password",
                   "staff:end-sessions", "staff:disable"):
        assert action in actions


def test_no_other_role_reaches_the_staff_accounts(page: Page, site: Site):
    sign_in(page, site.staff(Role.OPERATOR))
    expect(page.get_by_role("link", name="職員アカウント")).to_have_count(0)
    answer = page.goto("/staff/accounts")
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("お断りしました")
    check_page(page, "refused")
