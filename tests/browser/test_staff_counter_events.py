"""The counter's life events, as a clerk: an arrival from overseas registered (a bad field
first, shown beside it), its Individual Number Notice printed again as a PDF; a move
within the municipality and a death with its confirm step; another municipality's clerk
refused on the same addresses."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.staff import Role

from browser_checks import Site, check_page, sign_in


def test_a_clerk_registers_an_arrival_and_prints_its_notice_again(page: Page, site: Site):
    clerk = site.staff(Role.CLERK, "13101")
    sign_in(page, clerk)
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="住民").click()
    page.get_by_role("link", name="出生・国外からの転入を登録する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("出生・国外からの転入を登録する")
    check_page(page, "register")

    page.get_by_label("事由").select_option("arrival")
    page.get_by_label("氏", exact=True).fill("グエン")
    page.get_by_label("名", exact=True).fill("ラン")
    page.get_by_label("氏（カナ）").fill("グエン")
    page.get_by_label("名（カナ）").fill("ラン")
    page.get_by_label("生年月日").fill("平成２年４月１０日")
    page.get_by_label("性別").select_option("female")
    page.get_by_label("郵便番号").fill("１００－０００１")
    page.get_by_label("住所（市区町村名の後）").fill("千代田1番1号")
    today = datetime.now(JST).date()  # the server's days are Japan's
    tomorrow = today + timedelta(days=1)
    page.get_by_label("出生日または転入日").fill(tomorrow.isoformat())
    page.get_by_label("国籍（2文字の国コード）").fill("VN")
    page.get_by_label("在留資格等").select_option("limited_stay")
    page.get_by_label("在留期間の満了日").fill((today + timedelta(days=400)).isoformat())
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("#on-error")).to_have_text(
        "今日より後の日付です。その日以後に記録してください")
    check_page(page, "register-errors")

    page.get_by_label("出生日または転入日").fill("")  # today
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("status")).to_contain_text("登録しました")
    expect(page.get_by_role("heading", level=1)).to_contain_text("グエン ラン")
    letters = page.get_by_role("table").filter(has_text="個人番号通知書")
    expect(letters).to_contain_text("待機中")
    check_page(page, "registered")

    with page.expect_download() as download:
        letters.get_by_role("button", name=re.compile("再印刷")).click()
    pdf = download.value
    assert pdf.suggested_filename.endswith("-number_notice.pdf")
    with open(pdf.path(), "rb") as printed:
        assert printed.read(4) == b"%PDF"
    assert any(action == "letter:reprint" for action, _ in site.audited(clerk.username))


def test_a_clerk_records_a_move_then_a_death_after_confirming(page: Page, site: Site):
    resident = site.resident("13101")
    sign_in(page, site.staff(Role.CLERK, "13101"))
    page.goto(f"/staff/residents/{resident.id}")
    page.get_by_role("link", name="転居（市区町村内の住所変更）").click()
    check_page(page, "move")
    page.get_by_label("郵便番号").fill("1000002")
    page.get_by_label("転居後の住所").fill("千代田2番2号")
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status")).to_have_text("転居を記録しました。")
    expect(page.get_by_text("〒1000002 千代田2番2号")).to_be_visible()

    page.get_by_role("link", name="死亡").click()
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.get_by_role("alert")).to_contain_text("取り消せません")
    check_page(page, "death-confirm")
    page.get_by_role("button", name="確認して記録する").click()
    expect(page.get_by_role("status")).to_have_text("死亡を記録しました。")
    expect(page.get_by_role("heading", name="異動等を記録する")).to_have_count(0)
    check_page(page, "deceased")


def test_another_municipalitys_clerk_is_refused(page: Page, site: Site):
    resident = site.resident("13101")
    sign_in(page, site.staff(Role.CLERK, "13102"))
    page.goto(f"/staff/residents/{resident.id}/events/move")
    expect(page.get_by_role("alert")).to_contain_text("該当するものがないか、閲覧の権限がありません。")
    expect(page.get_by_label("郵便番号")).to_have_count(0)
    check_page(page, "refused")
