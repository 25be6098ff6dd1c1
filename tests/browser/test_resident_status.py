"""The status of an application, the guide and the office finder in a browser, at
desktop and phone width, axe-checked."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from mynumbercard.domain.application import Channel, DeficiencyReason
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps
from mynumbercard.services.application_ports import PhotoVerdict

from browser_checks import Site, check_page
from resident_forms import new_form

BORN = date(1993, 11, 5)


class Accepting:
    def inspect(self, data: bytes) -> PhotoVerdict:
        return PhotoVerdict(True, ())


def test_a_deficient_application_says_why_and_what_to_do(page: Page, site: Site) -> None:
    number = new_form(site.container, BORN)
    wired = site.container
    submitted = apps.submit(wired.uow, wired.photos, Accepting(),
                            actor=apps.online_applicant(Channel.PC), channel=Channel.PC,
                            application_id=number, birth_date=BORN, photo=b"\xff\xd8",
                            now=wired.clock())
    apps.mark_deficient(wired.uow, actor=Actor("operator", Role.OPERATOR),
                        application_ref=submitted.application.id,
                        reason=DeficiencyReason.PHOTO, message="背景に棚が写っています",
                        now=wired.clock())
    page.goto("/status")
    check_page(page, "status-form")
    page.get_by_label("申請書ID（23桁）").fill(number.translate(
        str.maketrans("0123456789", "０１２３４５６７８９")))
    page.get_by_label("生年月日").fill("1993-11-05")
    page.get_by_role("button", name="状況を表示する").click()
    expect(page.get_by_role("status")).to_have_text("申請に不備があります。")
    expect(page.get_by_text("背景に棚が写っています")).to_be_visible()
    expect(page.get_by_role("link", name="同じ申請書IDでもう一度申請する")).to_be_visible()
    check_page(page, "status-deficient")


def test_the_guide_and_the_office_finder(page: Page, site: Site) -> None:
    page.goto("/guide")
    expect(page.get_by_role("heading", name="詐欺にご注意ください")).to_be_visible()
    check_page(page, "guide")
    page.get_by_role("link", name="暗証番号とロック").click()
    expect(page.get_by_text("3回続けて間違えるとロックされます")).to_be_visible()
    check_page(page, "guide-pin")
    page.get_by_role("navigation").get_by_role("link", name="窓口を探す").click()
    page.get_by_label("郵便番号").fill("０６０－０００１")
    page.get_by_role("button", name="探す").click()
    expect(page.get_by_role("heading", name="北海道札幌市中央区")).to_be_visible()
    check_page(page, "find-office")
