"""The operator console's first pages in a browser: the auditor reads the audit log,
filtered by person, action, subject and date and paged (bad filters come back beside
their fields); an operator follows the batch jobs' runs, their chunks and the outgoing
queues. Other roles are refused as the API refuses them."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from mynumbercard.domain.certificate import JST
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import register
from mynumbercard.services.job_ports import Chunk

from browser_checks import Site, check_page, sign_in


def _registered_by(site: Site, actor: Actor, count: int) -> list[int]:
    """`count` residents entered by `actor`: as many resident:register records."""
    return [register.register_resident(
        site.container.uow, actor=actor, now=site.container.clock(), family_name="監査",
        given_name=f"太郎{n}", family_name_kana="カンサ", given_name_kana="タロウ",
        birth_date=date(1980, 1, 1), sex=Sex.MALE, municipality_code="13101",
        postal_code="1000001", address=f"千代田2番{n}号",
        registered_on=date(1980, 1, 1)).id for n in range(count)]


def test_an_auditor_filters_and_pages_the_audit_log(page: Page, site: Site, viewport: str):
    person = Actor(f"registrar-{viewport}", Role.ADMIN)  # the site is shared by the run
    ids = _registered_by(site, person, 51)
    today = site.container.clock().astimezone(JST).date()
    sign_in(page, site.staff(Role.AUDITOR))
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="監査ログ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("監査ログ")
    check_page(page, "log")

    page.get_by_label("職員", exact=True).fill(person.name)
    page.get_by_label("操作", exact=True).select_option("resident:register")
    page.get_by_label("開始日", exact=True).fill(f"{today:%Y}年{today.month}月{today.day}日")
    page.get_by_label("終了日（当日を含む）").fill(today.isoformat())
    page.get_by_role("button", name="表示").click()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(50)  # a page; the oldest one is on the next
    expect(rows.first).to_contain_text(f"resident:{ids[-1]}")
    check_page(page, "filtered")
    page.get_by_role("link", name="以前の記録").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"resident:{ids[0]}")
    expect(page.get_by_role("link", name="以前の記録")).to_have_count(0)

    page.goto("/staff/audit")
    page.get_by_label("対象", exact=True).fill(f"resident:{ids[3]}")
    page.get_by_role("button", name="表示").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(person.name)

    page.get_by_label("開始日", exact=True).fill("2026-13-45")
    page.get_by_role("button", name="表示").click()
    expect(page.locator("#since-error")).to_contain_text("日付ではありません")
    expect(page.get_by_label("対象", exact=True)).to_have_value(f"resident:{ids[3]}")
    check_page(page, "errors")


def test_a_clerk_does_not_reach_the_audit_log(page: Page, site: Site):
    sign_in(page, site.staff(Role.CLERK, "13101"))
    expect(page).to_have_url(re.compile(r"/staff$"))
    expect(page.get_by_role("link", name="監査ログ")).to_have_count(0)
    answer = page.goto("/staff/audit")
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("お断りしました")
    check_page(page, "refused")


def test_an_operator_follows_the_batch_jobs(page: Page, site: Site, viewport: str):
    job, key = "console-check", f"run-{viewport}"  # the site is shared by the run
    with site.container.uow() as uow:
        uow.jobs.plan(job, key, [(1, 100), (101, 200), (201, 300)])
        uow.jobs.done(Chunk(job, key, 1, 100), rows=42, now=site.container.clock())
        uow.commit()
    sign_in(page, site.staff(Role.OPERATOR))
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="バッチ処理").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("バッチ処理")
    expect(page.get_by_role("row", name=re.compile("郵便"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("電子メール"))).to_be_visible()
    row = page.get_by_role("row", name=re.compile(key))
    expect(row).to_contain_text("未完了")
    expect(row).to_contain_text("1 / 3")
    check_page(page, "jobs")

    row.get_by_role("link", name=key).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(key)
    chunks = page.get_by_role("table").locator("tbody tr")
    expect(chunks).to_have_count(3)
    expect(chunks.nth(0)).to_contain_text("完了")
    expect(chunks.nth(0)).to_contain_text("42")
    expect(chunks.nth(1)).to_contain_text("未処理")
    check_page(page, "run")
    answer = page.goto(f"/staff/jobs/{job}/no-such-run")
    assert answer is not None
    assert answer.status == 404


def test_an_auditor_does_not_reach_the_batch_jobs(page: Page, site: Site):
    sign_in(page, site.staff(Role.AUDITOR))
    expect(page).to_have_url(re.compile(r"/staff$"))
    expect(page.get_by_role("link", name="バッチ処理")).to_have_count(0)
    answer = page.goto("/staff/jobs")
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("お断りしました")
    check_page(page, "refused-jobs")
