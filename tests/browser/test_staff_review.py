"""The review desk in a browser, as an operator: the queue oldest first, the photo with
the check's findings drawn on it, approve, then the next application at once; deficient
with a reason and a message (errors beside the fields first). A clerk is refused."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sample_photo, sign_in


def test_an_operator_reviews_the_queue_oldest_first(page: Page, site: Site):
    warned = site.application(site.resident("13101"),
                              sample_photo(cluttered_and_off_centre=True))
    clean = site.application(site.resident("13102"), sample_photo())
    operator = site.staff(Role.OPERATOR)
    sign_in(page, operator)
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="審査").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("審査")
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text(warned.application_id)  # the oldest first
    expect(rows.nth(2)).to_contain_text(clean.application_id)
    check_page(page, "queue")

    page.get_by_role("link", name="最も古い申請から審査").click()
    expect(page).to_have_url(re.compile(rf"/staff/review/{warned.id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(warned.application_id)
    photo = page.get_by_role("img", name="申請者の顔写真")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") > 0  # the photo itself loaded
    expect(page.locator("svg .mark-face")).to_have_count(1)
    expect(page.locator("svg .mark-head")).to_have_count(1)
    assert page.locator("svg .mark-background").count() > 5  # the striped wall, drawn
    findings = page.locator(".findings")
    expect(findings).to_contain_text("中央からずれ")
    expect(findings).to_contain_text("背景")
    expect(page.get_by_text("背景として判定した範囲")).to_be_visible()
    check_page(page, "application")

    page.get_by_role("button", name="承認").click()  # then the next one, directly
    expect(page).to_have_url(re.compile(rf"/staff/review/{clean.id}\?done=approved"))
    expect(page.get_by_role("status")).to_contain_text("承認しました")
    expect(page.locator(".findings")).to_have_count(0)
    expect(page.get_by_text("問題は見つかりませんでした。")).to_be_visible()

    page.get_by_role("button", name="不備とする").click()
    expect(page.locator("#reason-error")).to_have_text("理由を選んでください")
    expect(page.locator("#message-error")).to_have_text("申請者が直す点を書いてください")
    check_page(page, "errors")
    page.get_by_label("住所の不一致").check()
    page.get_by_label("申請者へのメッセージ").fill("住所欄の番地が住民票と異なります。")
    page.get_by_role("button", name="不備とする").click()
    expect(page).to_have_url(re.compile(r"/staff/review\?done=deficient&empty=true"))
    expect(page.get_by_role("status")).to_contain_text("不備としました")
    check_page(page, "empty")

    actions = site.audited(operator.username)
    assert ("application:approve", f"application:{warned.id}") in actions
    assert ("application:mark-deficient", f"application:{clean.id}") in actions


def test_a_clerk_is_refused_the_review_desk(page: Page, site: Site):
    application = site.application(site.resident("13101"), sample_photo())
    sign_in(page, site.staff(Role.CLERK, "13101"))
    expect(page.get_by_role("link", name="審査")).to_have_count(0)
    answer = page.goto(f"/staff/review/{application.id}")
    assert answer is not None
    assert answer.status == 403
    check_page(page, "refused")
