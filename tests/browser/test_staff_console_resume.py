"""An operator sees a run's failed chunk with its error and resumes the run from its
page: the server works it, and the page shows every chunk done."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mynumbercard.adapters.db.tables import job_chunks
from mynumbercard.domain.staff import Role
from mynumbercard.services import validity_check

from browser_checks import Site, check_page, sign_in

FAR = 10**12  # card ids no card has: the audit's chunks find nothing to check


def test_an_operator_resumes_a_job(page: Page, site: Site, viewport: str):
    job, key = validity_check.JOB, f"console-{viewport}"  # the site is shared by the run
    now = site.container.clock()
    with site.container.engine.begin() as conn:
        conn.execute(job_chunks.insert().values(job=job, run_key=key, lo=FAR, hi=FAR + 999))
        conn.execute(job_chunks.insert().values(
            job=job, run_key=key, lo=FAR + 1000, hi=FAR + 1999, started_at=now,
            failed_at=now, error="Conflict: the card was changed meanwhile"))
    sign_in(page, site.staff(Role.OPERATOR))
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="バッチ処理").click()
    row = page.get_by_role("row", name=re.compile(key))
    expect(row).to_contain_text("1 件失敗")
    row.get_by_role("link", name=key).click()
    chunks = page.get_by_role("table").locator("tbody tr")
    expect(chunks.nth(1)).to_contain_text("失敗")
    expect(chunks.nth(1)).to_contain_text("Conflict: the card was changed meanwhile")
    check_page(page, "failed")

    page.get_by_role("button", name="再開する").click()
    expect(page.get_by_role("status").first).to_contain_text("サーバーが実行を再開しました")
    check_page(page, "resumed")
    for _ in range(50):  # the server's thread works the run
        page.reload()
        if page.get_by_text("2 区画中 2 区画完了").count():
            break
        page.wait_for_timeout(200)
    expect(page.get_by_text("2 区画中 2 区画完了、0 件。")).to_be_visible()
    expect(page.get_by_role("button", name="再開する")).to_have_count(0)
