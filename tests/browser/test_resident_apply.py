"""Applying online in a browser, at desktop and phone width: from the form's QR code to
the receipt with a photo that has a soft defect (warned, drawn on the photo, submitted);
a photo with a hard defect refused at once with the guide's advice; every page checked
with axe-core."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect

from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import applications as apps

import resident_photos
from browser_checks import Site, check_page
from resident_forms import new_form

BORN = date(1988, 4, 12)


def test_from_the_qr_code_to_the_receipt(page: Page, site: Site) -> None:
    number = new_form(site.container, BORN)
    page.goto(f"/apply?application_id={number}")
    expect(page.get_by_role("heading", level=1)).to_have_text("マイナンバーカードのオンライン申請")
    expect(page.get_by_label("申請書ID（23桁）")).to_have_value(re.compile(number[:4] + "-"))
    expect(page.get_by_role("heading", name="詐欺にご注意ください")).to_be_visible()
    check_page(page, "apply")
    page.get_by_label("生年月日").fill("昭和63年4月12日")
    page.get_by_label("お知らせを受け取るメールアドレス（任意）").fill("misaki@example.jp")
    photo = page.get_by_label("顔写真")
    assert photo.get_attribute("accept") == "image/*"
    assert photo.get_attribute("capture") == "user"
    photo.set_input_files(files=[{"name": "me.jpg", "mimeType": "image/jpeg",
                                  "buffer": resident_photos.off_centre()}])
    page.get_by_role("button", name="写真を確認する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("内容の確認と申請")
    expect(page.get_by_text("直すことをおすすめします")).to_be_visible()
    expect(page.get_by_text("顔が写真の中央にくるようにしてください。")).to_be_visible()
    expect(page.locator("figure.photo-drawn img")).to_be_visible()
    check_page(page, "confirm")
    page.get_by_role("button", name="申請する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請を受け付けました")
    expect(page.get_by_text("misaki@example.jp")).to_be_visible()
    check_page(page, "receipt")
    _out_of_the_review_queue(site, number)


def _out_of_the_review_queue(site: Site, application_id: str) -> None:
    """The site is shared by every journey of the run: the staff's review journey expects
    a queue of its own applications, so this one is approved once checked."""
    wired = site.container
    with wired.uow() as uow:
        found = uow.applications.by_application_id(application_id)
    assert found is not None
    apps.approve(wired.uow, actor=Actor("operator", Role.OPERATOR), application_ref=found.id,
                 now=wired.clock())


def test_a_photo_with_a_hard_defect_is_refused_with_advice(page: Page, site: Site) -> None:
    number = new_form(site.container, date(1975, 1, 30))
    page.goto("/apply?lang=en")
    page.get_by_label("Application ID (23 digits)").fill(number)
    page.get_by_label("Date of birth").fill("1975-01-30")
    page.get_by_label("Your photo").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg",
                "buffer": resident_photos.no_face()}])
    page.get_by_role("button", name="Check the photo").click()
    expect(page.get_by_text("This photo cannot be used.")).to_be_visible()
    expect(page.get_by_text("Face the camera, with your whole face in the photo.")).to_be_visible()
    expect(page.get_by_role("button", name="Check the photo")).to_be_visible()
    check_page(page, "refused")


def test_a_file_that_is_not_a_photo_and_a_wrong_birth_date(page: Page, site: Site) -> None:
    number = new_form(site.container, date(1962, 8, 3))
    page.goto("/apply?lang=en")
    page.get_by_label("Application ID (23 digits)").fill(number)
    page.get_by_label("Date of birth").fill("1962-08-04")
    page.get_by_label("Your photo").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": resident_photos.good()}])
    page.get_by_role("button", name="Check the photo").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "no application form matches this Application ID and birth date")
    check_page(page, "no-match")
    page.get_by_label("Date of birth").fill("1962-08-03")
    page.get_by_label("Your photo").set_input_files(
        files=[{"name": "letter.pdf", "mimeType": "application/pdf",
                "buffer": resident_photos.not_an_image()}])
    page.get_by_role("button", name="Check the photo").click()
    expect(page.get_by_text("Choose a readable photo file in JPEG or PNG format.")).to_be_visible()
    check_page(page, "not-a-photo")
