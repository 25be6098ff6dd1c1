"""The verification page: a genuine code shows the document's kind, municipality and day
(nothing of the person); an unknown code says so; a malformed one is pointed at, in the
page's language."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from mynumbercard.domain.kiosk import KioskDocument, new_verification_code
from mynumbercard.services.kiosk_ports import IssuedDocument

from browser_checks import Site, check_page


def _issued(site: Site) -> str:
    code = new_verification_code()
    with site.container.uow() as uow:  # a document as a kiosk transaction records it
        uow.kiosk.add_document(IssuedDocument(
            code, KioskDocument.RESIDENCE_CERTIFICATE, "13101", 1,
            datetime(2026, 11, 30, 1, tzinfo=UTC), "rp_0000000000000000", 200, "0" * 64))
        uow.commit()
    return code


def test_a_resident_checks_a_printed_code(page: Page, site: Site) -> None:
    code = _issued(site)
    page.goto("/verify")
    check_page(page, "verify")
    page.get_by_role("textbox", name="検証コード").fill(code.lower().replace("-", ""))
    page.get_by_role("button", name="確認する").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("真正です")
    expect(result).to_contain_text("住民票の写し")
    expect(result).to_contain_text("東京都千代田区")
    expect(result).to_contain_text("令和8年11月30日")
    check_page(page, "verified")

    page.get_by_role("textbox", name="検証コード").fill("0000-0000-0000-0000")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("alert")).to_contain_text("交付された証明書はありません")
    check_page(page, "unknown")

    page.get_by_role("textbox", name="検証コード").fill("nonsense")
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("#code-error")).to_contain_text("英数字16文字")
    check_page(page, "malformed")


def test_the_page_in_english(page: Page, site: Site) -> None:
    code = _issued(site)
    page.goto(f"/verify?code={code}&lang=en")
    expect(page.get_by_role("status")).to_contain_text("Certificate of residence")
    check_page(page, "verified-en")
