"""Staff sign-in and the frame, in a browser: each role's menu, the session cookie, sign-out,
and a clerk refused another municipality's resident as the API refuses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sign_in


def test_a_clerk_signs_in_reads_a_resident_of_their_town_and_is_refused_another(
        page: Page, site: Site):
    own, foreign = site.resident("13101"), site.resident("13102")
    clerk = site.staff(Role.CLERK, "13101")
    page.goto("/staff")  # no session: to the sign-in, and back after it
    expect(page).to_have_url(re.compile(r"/staff/sign-in\?next=%2Fstaff$"))
    check_page(page, "sign-in")
    sign_in(page, clerk)
    expect(page).to_have_url(re.compile(r"/staff$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("職員用ページ")
    menu = page.get_by_role("navigation", name="メニュー")
    expect(menu.get_by_role("link", name="住民")).to_be_visible()
    expect(menu.get_by_role("link", name="職員アカウント")).to_have_count(0)
    expect(menu.get_by_role("link", name="審査")).to_have_count(0)
    check_page(page, "home")

    cookie = next(c for c in page.context.cookies() if c["name"] == "mnc_staff")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/staff"

    page.goto(f"/staff/residents/{own.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(own.given_name)
    expect(page.get_by_text("令和2年6月1日").or_(page.get_by_text("平成2年6月1日"))).to_be_visible()
    check_page(page, "resident")

    refused = page.goto(f"/staff/residents/{foreign.id}")
    assert refused is not None
    assert refused.status == 404  # as the API answers a clerk of another municipality
    expect(page.get_by_role("heading", level=1)).to_have_text("見つかりません")
    expect(page.get_by_text(foreign.given_name)).to_have_count(0)
    check_page(page, "refused")

    actions = site.audited(clerk.username)
    assert ("staff:sign-in", actions[0][1]) == actions[0]
    assert any(subject == f"resident:{own.id}" for _, subject in actions)

    page.get_by_role("button", name="ログアウト").click()  # from the refusal: the frame stays
    expect(page.get_by_role("status")).to_have_text("ログアウトしました。")
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/staff/sign-in"))


def test_an_administrator_needs_the_one_time_code_and_sees_every_menu(page: Page, site: Site):
    admin = site.staff(Role.ADMIN)
    page.goto("/staff/sign-in")
    page.get_by_label("ユーザー名").fill(admin.username)
    page.get_by_label("パスワード").fill(admin.password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("正しくありません")
    expect(page.get_by_label("ユーザー名")).to_have_value(admin.username)
    check_page(page, "refused")
    sign_in(page, admin)
    menu = page.get_by_role("navigation", name="メニュー")
    for item in ("住民", "審査", "職員アカウント"):
        expect(menu.get_by_role("link", name=item)).to_be_visible()
    assert site.audited(admin.username)[0][0] == "staff:fail-sign-in"


def test_the_sign_in_page_in_english_and_its_errors_beside_the_fields(page: Page, site: Site):
    page.goto("/staff/sign-in")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    page.get_by_label("One-time code").fill("１２３abc")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#username-error")).to_contain_text("Enter your username")
    expect(page.locator("#password-error")).to_have_text("Enter your password")
    expect(page.locator("#totp-error")).to_contain_text("6 digits")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    check_page(page, "errors")
