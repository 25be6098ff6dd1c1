"""The staff console's kiosk settlement: an operator of the issuing agency reads, for
this month, each kiosk operator's fees per municipality with the documents by kind and
the refusals counted, and the cards whose PIN was refused at more than one kiosk
(counted by the card); a period that is not one gives the form back; a clerk is refused,
as the API refuses."""

from __future__ import annotations

import secrets

from playwright.sync_api import Page, expect

from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import relying_parties
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.kiosk_ports import IssuedDocument, PinFailure
from mynumbercard.services.ports import AuditRecord

from browser_checks import Site, check_page, sign_in

SETUP = Actor("setup", Role.ADMIN)


def _a_month_of_kiosks(site: Site, name: str) -> str:
    """An operator with two certificates of residence and one of register items for
    Chiyoda, a refused transaction, and a card whose PIN it and another kiosk refused.
    The card's serial is returned."""
    wired = site.container
    now = wired.clock()
    ours, other = (relying_parties.register(wired.uow, wired.party_secrets, actor=SETUP,
                                            name=n, kind=PartyKind.KIOSK_OPERATOR, now=now)
                   for n in (name, f"他社{secrets.token_hex(3)}"))
    serial = secrets.token_hex(8)
    with wired.uow() as uow:  # as the kiosk's transactions record them (kiosk.py)
        for document, fee in ((KioskDocument.RESIDENCE_CERTIFICATE, 300),
                              (KioskDocument.RESIDENCE_CERTIFICATE, 300),
                              (KioskDocument.REGISTER_ITEMS, 200)):
            uow.kiosk.add_document(IssuedDocument(
                "-".join(secrets.token_hex(2).upper() for _ in range(4)), document, "13101",
                1, now, ours.key_id, fee, "0" * 64))
        for key_id, left in ((ours.key_id, 2), (other.key_id, 1)):
            uow.kiosk.add_pin_failure(PinFailure(serial, key_id, left, now))
            uow.audit.record(AuditRecord(now, f"rp:{key_id}", AuditAction.KIOSK_REFUSE,
                                         "relying-party:0", {"refused": "pin_wrong"}))
        uow.audit.record(AuditRecord(now, f"rp:{ours.key_id}", AuditAction.KIOSK_REFUSE,
                                     "relying-party:0", {"refused": "outside_hours"}))
        uow.commit()
    return serial


def test_an_operator_reads_the_kiosk_settlement(page: Page, site: Site) -> None:
    name = f"コンビニ{secrets.token_hex(3)}"
    serial = _a_month_of_kiosks(site, name)
    sign_in(page, site.staff(Role.OPERATOR))
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="コンビニ交付の精算").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("コンビニ交付の精算")
    table = page.get_by_role("table", name=name)
    row = table.get_by_role("row").filter(has_text="東京都千代田区")
    expect(row.get_by_role("cell")).to_have_text(["2", "1", "3", "800"])  # kinds, all, yen
    refusals = page.locator("section").filter(
        has=page.get_by_role("heading", name=name)).get_by_text("お断り:")
    expect(refusals).to_have_text("お断り: 2 件: 利用時間外 1, 暗証番号の誤り 1")
    card = page.get_by_role("table", name="カードごとの暗証番号の誤りの繰り返し").get_by_role(
        "row").filter(has_text=serial)
    cells = card.get_by_role("cell")
    expect(cells.nth(0)).to_have_text("2")  # wrong PINs, counted by the card
    expect(cells.nth(1)).to_have_text("2")  # at two operators' kiosks
    expect(cells.nth(2)).to_have_text("1")  # the fewest tries left the card reported
    check_page(page, "kiosk-settlement")

    page.get_by_label("開始日").fill("2026-11-30")
    page.get_by_label("終了日（当日を含む）").fill("2026-11-01")
    page.get_by_role("button", name="表示").click()
    expect(page.get_by_role("alert")).to_contain_text("終了日は開始日以降にしてください")
    check_page(page, "kiosk-settlement-error")


def test_a_clerk_is_refused(page: Page, site: Site) -> None:
    sign_in(page, site.staff(Role.CLERK, "13101"))
    answer = page.goto("/staff/kiosk/settlement")
    assert answer is not None
    assert answer.status == 403
